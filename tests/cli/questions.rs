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
    let builtin = rehearse::questions::Bank::builtin().unwrap().all().len();
    assert_eq!(
        all.len(),
        builtin + 2,
        "the built-in questions and the two of the user's"
    );
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
        [
            "debug-production-issue",
            "production-incident",
            "on-call-handover",
            "my-outage"
        ]
    );
    assert_eq!(
        ids(listed_json(dir.path(), &["--tag", "acme-onsite"])),
        ["my-outage"]
    );

    let out = run(dir.path(), &["questions", "--tag", "system-design"]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
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

/// A session folder in `data`'s store on `question`, started `days` days and an hour ago, whose
/// one answer to the question scored `overall`: the folder name and `summary.json` as the store
/// writes them.
fn past_session(data: &Path, question: &str, asked: &str, days: u64, overall: u8) {
    use rehearse::store::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};
    let ago = std::time::Duration::from_secs(days * 86_400 + 3_600);
    let started = rehearse::store::dir::utc_stamp(std::time::SystemTime::now() - ago);
    let mut summary =
        SessionSummary::new(Kind::Practice, &started, question, UsedSettings::default());
    summary.complete = true;
    summary.answers.push(AnswerSummary {
        n: 1,
        label: "answer".into(),
        asked: asked.into(),
        question: None,
        report: "answer-1.json".into(),
        audio: None,
        critique: None,
        seconds: 80.0,
        words: 200,
        overall,
        content: overall,
        wpm: Some(150.0),
        fillers_per_100: 1.0,
        long_pauses: Some(0),
        dimensions: Default::default(),
    });
    let dir = data.join("sessions").join(format!("{started}-{question}"));
    std::fs::create_dir_all(&dir).unwrap();
    let json = serde_json::to_string_pretty(&summary).unwrap();
    std::fs::write(dir.join("summary.json"), json + "\n").unwrap();
}

/// Runs `practice --next` with `args` on the short JFK recording, as fast as it decodes.
fn practice_next(data: &Path, args: &[&str]) -> std::process::Output {
    let (jfk, _) = crate::util::jfk();
    let mut all = vec!["practice", "--plain", "--next", "--speed", "0", "--input"];
    all.push(jfk.to_str().unwrap());
    all.extend_from_slice(args);
    run(data, &all)
}

#[test]
fn practice_next_draws_the_lowest_latest_score_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // Two system-design questions scored 34 last time, the database one longer ago, and the third
    // scored better. The database one's earlier, better attempt does not count, and neither do
    // other tags' worse scores.
    past_session(
        dir.path(),
        "database-design",
        "How do you approach database design?",
        9,
        70,
    );
    past_session(
        dir.path(),
        "database-design",
        "How do you approach database design?",
        3,
        34,
    );
    past_session(
        dir.path(),
        "rate-limiter",
        "How would you design a rate limiter for an API?",
        1,
        34,
    );
    past_session(
        dir.path(),
        "url-shortener",
        "How would you design a URL shortener?",
        4,
        61,
    );
    past_session(
        dir.path(),
        "slow-endpoint",
        "An API endpoint has become slow. How do you speed it up?",
        2,
        5,
    );
    let out = practice_next(dir.path(), &["--tag", "system-design", "--format", "json"]);
    assert_ok(&out);
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(session["question"], "database-design");
    assert_eq!(
        session["rounds"][0]["asked"],
        "How do you approach database design?"
    );
    let drawn = &session["drawn"];
    assert_eq!(drawn["question"], "database-design");
    assert_eq!(drawn["tag"], "system-design");
    assert_eq!(drawn["reason"], "lowest_score");
    assert_eq!(drawn["score"], 34);
    assert_eq!(drawn["days_ago"], 3);
    assert_eq!(
        drawn["because"],
        "Drawn because your last score on it, 34, is your lowest (3 days ago)"
    );
    let saved = std::path::PathBuf::from(session["session_dir"].as_str().unwrap());
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("session.json")).unwrap())
            .unwrap();
    assert_eq!(kept["drawn"], *drawn, "session.json keeps why it was drawn");
}

#[test]
fn practice_next_draws_a_question_never_answered_first() {
    let dir = tempfile::tempdir().unwrap();
    past_session(
        dir.path(),
        "debug-production-issue",
        "How do you debug a production issue?",
        5,
        12,
    );
    let out = practice_next(dir.path(), &[]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Drawn because you have never answered it.\n"),
        "{text}"
    );
    assert!(text.contains("(production-incident)"), "{text}");
}

#[test]
fn practice_next_refuses_a_question_and_an_unknown_tag_before_recording() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails_with(
        &practice_next(dir.path(), &["--tag", "leadership"]),
        "`leadership`",
    );
    assert!(err.contains("the tags are: behavioural, data"), "{err}");
    let out = practice_next(dir.path(), &["--question", "rate-limiter"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--next") && err.contains("--question"),
        "{err}"
    );
    let out = run(dir.path(), &["practice", "--tag", "data"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--next"));
    assert!(
        !dir.path().join("sessions").exists(),
        "nothing was recorded"
    );
}

/// Runs `questions check` on `text` written to `name` in `dir`.
fn check(dir: &Path, name: &str, text: &str, args: &[&str]) -> std::process::Output {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let mut all = vec!["questions", "check", file.to_str().unwrap()];
    all.extend_from_slice(args);
    run(dir, &all)
}

fn flagship_file(name: &str) -> String {
    std::fs::read_to_string(root().join("prompts/questions").join(name)).unwrap()
}

#[test]
fn questions_check_scores_the_examples_of_a_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let built_in = root().join("prompts/questions/slow-endpoint.toml");
    let out = run(
        dir.path(),
        &["questions", "check", built_in.to_str().unwrap()],
    );
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("question `slow-endpoint`") && text.contains("passes every check"),
        "{text}"
    );
    assert!(
        text.contains("Every strong example scores above every weak one."),
        "{text}"
    );
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("line "))
        .collect();
    assert_eq!(rows.len(), 3, "{text}");

    let out = check(
        dir.path(),
        "mine.toml",
        &user_question("my-outage", ""),
        &["--format", "json"],
    );
    assert_ok(&out);
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(checked["id"], "my-outage");
    assert_eq!(checked["examples"], serde_json::json!([]));
    assert_eq!(checked["strong_beats_weak"], serde_json::Value::Null);
    let notes = checked["notes"].to_string();
    assert!(
        notes.contains("no tags") && notes.contains("no example answers"),
        "{notes}"
    );
}

#[test]
fn questions_check_names_the_line_of_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = flagship_file("technical-disagreement.toml");
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;

    let zero = good.replacen("weight = 3", "weight = 0", 1);
    let at = line_of(&zero, "weight = 0");
    let err = fails_with(
        &check(dir.path(), "zero.toml", &zero, &[]),
        &format!("zero.toml, line {at}:"),
    );
    assert!(
        err.contains("`dimension[1].weight` is 0; weights must be positive"),
        "{err}"
    );

    let typo = good.replacen("means = ", "meaning = ", 1);
    let at = line_of(&typo, "meaning = ");
    let err = fails_with(
        &check(dir.path(), "typo.toml", &typo, &[]),
        &format!("typo.toml, line {at}:"),
    );
    assert!(err.contains("unknown field `meaning`"), "{err}");

    let tags = good.replace("\"teamwork\"]", "\"behavioural\"]");
    let at = line_of(&tags, "tags = ");
    let err = fails_with(
        &check(dir.path(), "tags.toml", &tags, &[]),
        &format!("tags.toml, line {at}:"),
    );
    assert!(
        err.contains("`tags[2]` repeats the tag \"behavioural\""),
        "{err}"
    );

    let label = good.replacen("label = \"weak\"", "label = \"poor\"", 1);
    let at = line_of(&label, "label = \"poor\"");
    fails_with(
        &check(dir.path(), "label.toml", &label, &[]),
        &format!("label.toml, line {at}:"),
    );

    fails_with(
        &check(dir.path(), "cut.toml", &good[..good.len() / 2], &[]),
        "cut.toml, line ",
    );
    let missing = dir.path().join("missing.toml");
    fails_with(
        &run(
            dir.path(),
            &["questions", "check", missing.to_str().unwrap()],
        ),
        "missing.toml",
    );
}

#[test]
fn questions_check_fails_when_a_strong_example_does_not_beat_a_weak_one() {
    let dir = tempfile::tempdir().unwrap();
    // The examples' labels swapped: the strong answer is now labelled weak and the other way round.
    let swapped = flagship_file("technical-disagreement.toml")
        .replace("label = \"strong\"", "label = \"STRONG\"")
        .replace("label = \"weak\"", "label = \"strong\"")
        .replace("label = \"STRONG\"", "label = \"weak\"");
    let strong_at = swapped
        .lines()
        .position(|l| l == "label = \"strong\"")
        .unwrap();
    let weak_at = swapped
        .lines()
        .position(|l| l == "label = \"weak\"")
        .unwrap();
    let out = check(dir.path(), "swapped.toml", &swapped, &[]);
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("A strong example does not score above a weak one."),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    // The `[[examples]]` header is the line above each label.
    assert!(
        err.contains(&format!("the strong example at line {strong_at} scores"))
            && err.contains(&format!("not above the weak example at line {weak_at} (")),
        "{err}"
    );
}
