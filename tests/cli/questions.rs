//! `rehearse questions`: the bank listed by tag, the user's own files among it, and (below) a
//! hand-written file checked; and `rehearse practice --next`, drawn from a prepared history.

use std::path::Path;

use crate::util::{assert_ok, fails_with, root, run};

/// The flagship's file with another id and text, and `tags` replaced by `tags_line` (or left out
/// when it is empty), as a user would write their own question.
fn user_question(id: &str, tags_line: &str) -> String {
    let flagship =
        std::fs::read_to_string(root().join("prompts/questions/debug-production-issue.toml"))
            .unwrap();
    flagship
        .replace("id = \"debug-production-issue\"", &format!("id = \"{id}\""))
        .replace(
            "How do you debug a production issue?",
            "Walk me through an outage.",
        )
        .replace(
            "tags = [\"process\", \"debugging\", \"incident\"]",
            tags_line,
        )
}

/// Puts `text` in the test's user question folder as `name`.
fn add_user_question(data: &Path, name: &str, text: &str) {
    let dir = data.join("config/rehearse/questions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

fn listed_json(data: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["questions", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(data, &all);
    assert_ok(&out);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn questions_are_listed_with_their_tags_and_filtered_by_one() {
    let dir = tempfile::tempdir().unwrap();
    add_user_question(
        dir.path(),
        "mine.toml",
        &user_question("my-outage", "tags = [\"acme-onsite\", \"incident\"]"),
    );
    add_user_question(
        dir.path(),
        "untagged.toml",
        &user_question("my-untagged", ""),
    );
    let all = listed_json(dir.path(), &[]);
    assert_eq!(all.len(), 10);
    assert_eq!(
        all[0]["tags"],
        serde_json::json!(["process", "debugging", "incident"])
    );
    let untagged = all.iter().find(|q| q["id"] == "my-untagged").unwrap();
    assert_eq!(untagged["tags"], serde_json::json!([]));

    let ids = |list: Vec<serde_json::Value>| -> Vec<String> {
        list.iter()
            .map(|q| q["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(listed_json(dir.path(), &["--tag", "incident"])),
        ["debug-production-issue", "production-incident", "my-outage"]
    );
    assert_eq!(
        ids(listed_json(dir.path(), &["--tag", "acme-onsite"])),
        ["my-outage"]
    );

    let out = run(dir.path(), &["questions", "--tag", "system-design"]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("database-design") && text.contains("system-design,data"),
        "{text}"
    );

    let err = fails_with(
        &run(dir.path(), &["questions", "--tag", "leadership"]),
        "`leadership`",
    );
    assert!(
        err.contains("the tags are: acme-onsite, behavioural, data, debugging"),
        "{err}"
    );
}

#[test]
fn a_user_file_with_bad_tags_is_named() {
    let dir = tempfile::tempdir().unwrap();
    add_user_question(
        dir.path(),
        "mine.toml",
        &user_question("my-outage", "tags = [\"Incident Work\"]"),
    );
    let err = fails_with(&run(dir.path(), &["questions"]), "mine.toml");
    assert!(
        err.contains("`tags[0]`") && err.contains("lower-case"),
        "{err}"
    );
}
