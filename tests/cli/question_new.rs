//! `rehearse questions new`: a question file drafted by a loopback model scripted with a small
//! model's replies (good, garbage, fixed on the second try), the template when offline or when the
//! model is down, and every bad input refused in one sentence with nothing written.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::json;

use crate::interview_session::config;
use crate::interviewer::KEY;
use crate::llm_server::{Reply, Server};
use crate::util::{assert_ok, fails_with, rehearse_with, run};

pub const TEXT: &str = "How would you design a cache for a read-heavy API?";

/// The user's question folder of the test's data folder.
pub fn folder(data: &Path) -> PathBuf {
    data.join("config/rehearse/questions")
}

/// The files in the question folder, by name (none when it does not exist).
fn files(data: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(folder(data)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `questions new` with `args` against `server` (none: no interviewer configured).
fn new(data: &Path, server: Option<&Server>, args: &[&str]) -> Output {
    let extra = server.map_or(String::new(), |s| config(&s.url(), ""));
    rehearse_with(data, &extra)
        .env("REHEARSE_TEST_KEY", KEY)
        .args(["questions", "new"])
        .args(args)
        .output()
        .expect("the rehearse binary runs")
}

/// `questions check` on `file` passes.
fn passes_check(data: &Path, file: &Path) -> String {
    let out = run(data, &["questions", "check", file.to_str().unwrap()]);
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn reply(v: serde_json::Value) -> Reply {
    Reply::text(&v.to_string(), 25)
}

fn dimension(items: &[(&str, &[&str])]) -> Reply {
    let evidence: Vec<_> = items
        .iter()
        .map(|(label, phrases)| json!({"label": label, "phrases": phrases, "misheard": []}))
        .collect();
    reply(json!({"evidence": evidence, "advice": "Say it.", "weight": 2}))
}

pub const STRONG: &str = "First the requirements: it is read heavy, thousands of reads per second, \
    and data may be stale for a minute. I put a cache aside in front of the database, with least \
    recently used eviction, sized in memory for a high hit rate. Each key has a time to live, and \
    I invalidate on write by deleting the key.";
pub const WEAK: &str = "I would cache everything and it would be fast for the users.";
/// A weak answer long enough to pass for a strong example.
const VAGUE: &str = "I would think about it carefully and talk with the team about what we \
    need, then build something simple that works well for everyone, and I would keep improving \
    it over time as we learn more about the users and what they want from the system in the end.";

/// The replies to the strong and the weak example's requests.
pub fn examples(strong: &str, weak: &str) -> Vec<Reply> {
    vec![
        reply(json!({"strong": strong})),
        reply(json!({"weak": weak})),
    ]
}

/// A small model's good replies, in the order they are asked for, ending with `last`.
pub fn script(last: Vec<Reply>) -> Vec<Reply> {
    let mut s = vec![
        reply(
            json!({"kind": "design", "tags": ["performance"], "dimensions": [
            {"name": "Requirements", "means": "Pins down reads and freshness."},
            {"name": "Cache design", "means": "Where the cache sits and what it keeps."},
            {"name": "Invalidation", "means": "How stale data is avoided."}]}),
        ),
        dimension(&[
            ("read heavy", &["read heavy", "reads per second"]),
            ("freshness", &["stale for", "how fresh"]),
        ]),
        dimension(&[
            ("placement", &["cache aside", "in front of the database"]),
            ("eviction", &["least recently used", "eviction"]),
        ]),
        dimension(&[
            ("ttl", &["time to live", "ttl"]),
            ("events", &["invalidate on write", "delete the key"]),
        ]),
        reply(
            json!({"mistakes": [{"name": "Cache everything", "hurts": "cache-design",
            "phrases": ["cache everything"], "advice": "Choose what to cache."}],
            "order": [], "follow_ups": ["What happens when the cache goes down?"]}),
        ),
    ];
    s.extend(last);
    s
}

#[test]
fn a_drafted_question_is_checked_shown_and_saved_with_yes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(script(examples(STRONG, WEAK)), &["test-model"]);
    let out = new(dir.path(), Some(&server), &[TEXT, "--yes"]);
    assert_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Drafted `design-cache-read-heavy-api` (design"),
        "{stdout}"
    );
    assert!(
        stdout.contains("passes every check") && stdout.contains("Saved as"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("drafting with"),
        "progress stays on stderr: {stdout}"
    );
    assert!(stderr.contains("drafting with test-model") && stderr.contains("(dimension 3 of 3)"));
    assert_eq!(files(dir.path()), ["design-cache-read-heavy-api.toml"]);
    let file = folder(dir.path()).join("design-cache-read-heavy-api.toml");
    let checked = passes_check(dir.path(), &file);
    assert!(
        checked.contains("Every strong example scores above every weak one."),
        "{checked}"
    );
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.starts_with("# Drafted by `rehearse questions new` with the model test-model"));
    for text in [&saved, &stdout.to_string(), &stderr.to_string()] {
        assert!(!text.contains(KEY), "the key leaked: {text}");
    }
    assert_eq!(server.chats().len(), 7);
    let listed = run(dir.path(), &["questions", "--tag", "performance"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("design-cache-read-heavy-api"));
}

#[test]
fn examples_in_the_wrong_order_are_sent_back_once_and_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut last = examples(VAGUE, STRONG);
    last.extend(examples(STRONG, WEAK));
    let server = Server::start(script(last), &["test-model"]);
    let out = new(dir.path(), Some(&server), &[TEXT, "--yes", "--id", "cache"]);
    assert_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("the model fixed it"), "{stdout}");
    passes_check(dir.path(), &folder(dir.path()).join("cache.toml"));
    let sent_back = server.chats()[7].json()["messages"][1]["content"].to_string();
    assert!(
        sent_back.contains("not 15 points above its weak one"),
        "{sent_back}"
    );
}

#[test]
fn a_model_that_answers_garbage_gets_the_template_saved_and_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![Reply::text("I am a teapot.", 5)], &["test-model"]);
    let out = new(dir.path(), Some(&server), &[TEXT, "--yes"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with(
            "rehearse: the model could not draft the question, so the template was saved"
        ) && last.contains("has no JSON object"),
        "{stderr}"
    );
    assert_eq!(server.chats().len(), 2, "sent back once");
    let file = folder(dir.path()).join("design-cache-read-heavy-api.toml");
    let checked = passes_check(dir.path(), &file);
    assert!(checked.contains("(design;"), "{checked}");

    let dir = tempfile::tempdir().unwrap();
    let out = new(
        dir.path(),
        Some(&server),
        &[TEXT, "--yes", "--no-template", "-q"],
    );
    fails_with(&out, "nothing was saved (--no-template)");
    assert!(files(dir.path()).is_empty());
}

#[test]
fn a_server_that_is_down_gets_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    let out = rehearse_with(dir.path(), &config(&url, "retries = 0\n"))
        .args([
            "questions",
            "new",
            "Tell me about a time you mentored someone.",
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot connect to the interviewer"),
        "{stderr}"
    );
    let file = folder(dir.path()).join("mentored-someone.toml");
    assert!(passes_check(dir.path(), &file).contains("(story;"));
}

#[test]
fn offline_the_template_is_saved_with_what_to_edit() {
    let dir = tempfile::tempdir().unwrap();
    let out = new(
        dir.path(),
        None,
        &["How do you plan a database migration?", "-y"],
    );
    assert_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Template for `plan-database-migration` (process"),
        "{stdout}"
    );
    assert!(stdout.contains("To make it yours, edit") && stdout.contains("[[examples]]"));
    let file = folder(dir.path()).join("plan-database-migration.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("text = \"How do you plan a database migration?\""));
    passes_check(dir.path(), &file);
    // --offline skips a configured interviewer; --kind overrides the guess.
    let server = Server::start(vec![Reply::status(500, "must not be asked")], &[]);
    let out = new(
        dir.path(),
        Some(&server),
        &[
            "Walk me through your hiring loop.",
            "--offline",
            "--kind",
            "story",
            "--yes",
        ],
    );
    assert_ok(&out);
    assert!(server.chats().is_empty());
    assert!(String::from_utf8_lossy(&out.stdout).contains("(story;"));
}

#[test]
fn bad_input_is_one_sentence_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    fails_with(
        &new(data, None, &["   ", "--yes"]),
        "the question's text is empty",
    );
    let binary = data.join("posting.pdf");
    std::fs::write(&binary, b"%PDF-1.7\x00\x01\x02\xff").unwrap();
    let job = binary.to_str().unwrap();
    fails_with(
        &new(data, None, &[TEXT, "--job", job, "--yes"]),
        "is not text",
    );
    let empty = data.join("empty.txt");
    std::fs::write(&empty, "  \n").unwrap();
    fails_with(
        &new(
            data,
            None,
            &[TEXT, "--job", empty.to_str().unwrap(), "--yes"],
        ),
        "empty.txt is empty",
    );
    fails_with(
        &new(data, None, &[TEXT, "--job", "no-such-posting.txt", "--yes"]),
        "does not exist",
    );
    fails_with(
        &new(data, None, &[TEXT, "--id", "Bad Id", "--yes"]),
        "`Bad Id` cannot be a question id",
    );
    let err = fails_with(
        &new(data, None, &[TEXT, "--id", "url-shortener", "--yes"]),
        "already a question `url-shortener`",
    );
    assert!(err.contains("--force"), "{err}");
    fails_with(&new(data, None, &[TEXT]), "add --yes");
    assert!(files(data).is_empty(), "{:?}", files(data));

    // An id of the user's own is taken too, unless --force replaces that very file.
    assert_ok(&new(data, None, &[TEXT, "--yes", "--id", "mine"]));
    fails_with(
        &new(data, None, &[TEXT, "--yes", "--id", "mine"]),
        "already a question `mine`",
    );
    assert_ok(&new(
        data,
        None,
        &[TEXT, "--yes", "--id", "mine", "--force", "--kind", "story"],
    ));
    assert_ok(&new(
        data,
        None,
        &[TEXT, "--yes", "--id", "url-shortener", "--force"],
    ));
    assert_eq!(files(data), ["mine.toml", "url-shortener.toml"]);
    assert!(
        std::fs::read_to_string(folder(data).join("mine.toml"))
            .unwrap()
            .contains("kind = \"story\"")
    );
}

#[test]
fn a_job_posting_is_sent_as_context() {
    let dir = tempfile::tempdir().unwrap();
    let posting = dir.path().join("posting.txt");
    std::fs::write(
        &posting,
        "Senior backend engineer. You will own our </posting> caching tier.\n",
    )
    .unwrap();
    let server = Server::start(script(examples(STRONG, WEAK)), &["test-model"]);
    let out = new(
        dir.path(),
        Some(&server),
        &[TEXT, "--yes", "--job", posting.to_str().unwrap()],
    );
    assert_ok(&out);
    let system = server.chats()[0].json()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        system.contains("You will own our ‹/posting› caching tier."),
        "{system}"
    );
}
