//! Whole `rehearse practice` sessions against a loopback interviewer whose replies fail in every
//! way a real server's can: the local results must survive each failure, and the user must read
//! one sentence saying what went wrong.

use std::path::Path;
use std::time::Duration;

use crate::interviewer::KEY;
use crate::llm_server::{Reply, Server};
use crate::practice::{ANSWER, spoken};
use crate::util::rehearse_with;

/// The flagship question's rubric dimension ids.
pub fn dimension_ids() -> Vec<String> {
    let bank = rehearse::questions::Bank::load(None).unwrap();
    let q = bank.get(rehearse::questions::FLAGSHIP).unwrap();
    q.dimensions.iter().map(|d| d.id.clone()).collect()
}

/// A critique as a model would write it, asking `follow_up` and keeping `notes`.
pub fn critique_json(follow_up: &str, notes: &str) -> String {
    let ids = dimension_ids();
    serde_json::json!({
        "summary": "Clear triage and rollback; prevention is thin.",
        "dimensions": [
            {"id": ids[0], "score": 3, "enough_to_judge": true, "evidence": ["who is affected"], "comment": "Impact first."},
            {"id": ids[1], "score": null, "enough_to_judge": false, "evidence": [], "comment": "Not covered."}
        ],
        "strengths": ["Starts with the users."],
        "improvements": ["Name the metric that proves the fix worked."],
        "outline_90s": ["Impact", "Stabilise", "Evidence", "Fix", "Prevent"],
        "follow_up": follow_up,
        "interviewer_notes": notes
    })
    .to_string()
}

/// The interviewer's config for `server_url`; reading ahead is off unless `extra` sets it, so the
/// script's replies go to the critiques.
pub fn config(server_url: &str, extra: &str) -> String {
    let extra = if extra.contains("read_ahead") {
        extra.to_string()
    } else {
        format!("read_ahead = \"off\"\n{extra}")
    };
    format!(
        "[interviewer]\nbase_url = \"{server_url}\"\nmodel = \"test-model\"\napi_key_env = \"REHEARSE_TEST_KEY\"\nfirst_token_timeout = \"5s\"\nread_timeout = \"5s\"\ntimeout = \"30s\"\n{extra}"
    )
}

/// Runs a session against `server`; returns (exit ok, stdout, stderr, session folder).
pub fn session(
    dir: &Path,
    server_url: &str,
    extra_config: &str,
    args: &[&str],
) -> (bool, String, String, std::path::PathBuf) {
    let input = dir.join("answer.wav");
    if !input.exists() {
        spoken(dir, "answer.wav", ANSWER, 170);
    }
    let out = rehearse_with(dir, &config(server_url, extra_config))
        .env("REHEARSE_TEST_KEY", KEY)
        .args(["--quiet", "practice", "--plain", "--speed", "0", "-i"])
        .arg(&input)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let sessions = dir.join("sessions");
    let folder = std::fs::read_dir(&sessions)
        .ok()
        .and_then(|mut d| d.next())
        .map(|e| e.unwrap().path())
        .unwrap_or(sessions);
    (out.status.success(), stdout, stderr, folder)
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Checks a session that lost its interviewer: local results kept, one error line, non-zero exit.
fn assert_kept_locally(ok: bool, stdout: &str, stderr: &str, folder: &Path, needle: &str) {
    assert!(!ok, "the session should end non-zero; stderr: {stderr}");
    assert!(
        stdout.contains("Overall"),
        "the local report is printed: {stdout}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
    assert!(stderr.contains("went on with the local scorer"), "{stderr}");
    assert!(folder.join("answer-1.wav").is_file());
    let answer = read_json(&folder.join("answer-1.json"));
    assert!(answer["report"]["score"]["overall"].as_u64().is_some());
    let s = read_json(&folder.join("session.json"));
    assert!(
        s["interviewer"]["failure"]
            .as_str()
            .unwrap()
            .contains(needle),
        "{s}"
    );
    for file in std::fs::read_dir(folder).unwrap() {
        let text = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains(KEY),
            "the key reached a saved file"
        );
    }
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_session_sends_the_rubric_and_the_tagged_transcript_and_shows_the_critique() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![Reply::text(
            &critique_json("What if rollback is impossible?", ""),
            7,
        )],
        &["test-model"],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &[]);
    assert!(ok, "{stderr}");
    let chats = server.chats();
    assert_eq!(chats.len(), 1);
    let sent = chats[0].json();
    assert_eq!(sent["model"], "test-model");
    assert_eq!(
        chats[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let system = sent["messages"][0]["content"].as_str().unwrap();
    let user = sent["messages"][1]["content"].as_str().unwrap();
    let bank = rehearse::questions::Bank::load(None).unwrap();
    for d in &bank.get(rehearse::questions::FLAGSHIP).unwrap().dimensions {
        assert!(system.contains(&d.name), "the rubric lacks {}", d.name);
    }
    let answer = read_json(&folder.join("answer-1.json"));
    let transcript = answer["report"]["transcript"]["text"].as_str().unwrap();
    assert!(
        user.contains(&format!("<transcript>\n{transcript}\n</transcript>")),
        "{user}"
    );
    assert_eq!(sent["response_format"]["type"], "json_schema");
    // One entry per dimension that applies (the story one waits for a story), quotes from the
    // transcript's own clauses only.
    let dims =
        sent["response_format"]["json_schema"]["schema"]["properties"]["dimensions"]["properties"]
            .as_object()
            .unwrap();
    let all = dimension_ids();
    assert!(dims.len() >= all.len() - 1 && dims.keys().all(|k| all.contains(k)));
    let quotes = dims.values().next().unwrap()["properties"]["evidence"]["items"]["enum"]
        .as_array()
        .unwrap();
    assert!(
        quotes
            .iter()
            .all(|q| transcript.contains(q.as_str().unwrap()))
    );
    // The critique beside the local score, on the screen and in the folder.
    assert!(
        stdout.contains("Interviewer") && stdout.contains("Clear triage and rollback"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Follow-up: What if rollback is impossible?"),
        "{stdout}"
    );
    let saved = read_json(&folder.join("critique-1.json"));
    assert_eq!(saved["critique"]["dimensions"][0]["score"], 3);
    assert_eq!(
        saved["critique"]["dimensions"][1]["score"],
        serde_json::Value::Null
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_byte_split_stream_gives_the_same_session_result() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![Reply::stream(
            &critique_json("Why?", ""),
            9,
            true,
            Duration::from_millis(1),
            None,
        )],
        &[],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Clear triage and rollback"));
    assert!(folder.join("critique-1.json").is_file());
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_session_survives_a_429_and_a_slow_stream() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![
            Reply::Status {
                code: 429,
                body: "{}".into(),
                retry_after: Some("0".into()),
            },
            Reply::stream(
                &critique_json("Why?", ""),
                200,
                false,
                Duration::from_millis(300),
                None,
            ),
        ],
        &[],
    );
    let (ok, stdout, stderr, _) = session(dir.path(), &server.url(), "", &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Clear triage and rollback"));
    assert_eq!(server.chats().len(), 2);
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn server_errors_until_give_up_keep_the_local_results() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![Reply::status(500, "overloaded")], &[]);
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "retries = 1\n", &[]);
    assert_kept_locally(ok, &stdout, &stderr, &folder, "after 2 tries: overloaded");
    assert_eq!(server.chats().len(), 2);
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_401_keeps_the_local_results_and_never_shows_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![Reply::status(
            401,
            &format!("Incorrect API key provided: {KEY}"),
        )],
        &[],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &[]);
    assert_kept_locally(
        ok,
        &stdout,
        &stderr,
        &folder,
        "refused the API key from $REHEARSE_TEST_KEY",
    );
    assert_eq!(server.chats().len(), 1);
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn garbage_json_gets_one_repair_request_then_the_local_results_stand() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![Reply::text("I think the answer was fine, really.", 8)],
        &[],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &[]);
    assert_kept_locally(ok, &stdout, &stderr, &folder, "even after a repair request");
    let chats = server.chats();
    assert_eq!(chats.len(), 2, "one critique request and one repair");
    let repair = chats[1].json();
    let messages = repair["messages"].as_array().unwrap();
    assert_eq!(messages[2]["role"], "assistant");
    assert!(
        messages[3]["content"]
            .as_str()
            .unwrap()
            .contains("no JSON object")
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_repaired_critique_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![
            Reply::text("Here it is: {\"summary\": ", 8),
            Reply::text(&critique_json("Why?", ""), 50),
        ],
        &[],
    );
    let (ok, stdout, stderr, _) = session(dir.path(), &server.url(), "", &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Clear triage and rollback"));
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_stream_cut_in_the_middle_keeps_the_local_results() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![Reply::stream(
            &critique_json("Why?", ""),
            30,
            false,
            Duration::ZERO,
            Some(400),
        )],
        &[],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &[]);
    assert_kept_locally(
        ok,
        &stdout,
        &stderr,
        &folder,
        "broke off before it was finished",
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_dead_server_sends_the_session_on_with_the_banks_follow_ups() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let (ok, stdout, stderr, folder) = session(dir.path(), &url, "", &["--rounds", "2"]);
    assert_kept_locally(
        ok,
        &stdout,
        &stderr,
        &folder,
        "cannot connect to the interviewer",
    );
    let s = read_json(&folder.join("session.json"));
    assert_eq!(s["rounds"].as_array().unwrap().len(), 2);
    assert_eq!(
        s["rounds"][1]["asked"],
        "What would you do if rolling back was not an option?"
    );
    assert_eq!(s["rounds"][1]["asked_by"], "question_bank");
    assert!(folder.join("answer-2.wav").is_file());
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn offline_never_calls_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![Reply::text(&critique_json("Why?", ""), 50)], &[]);
    let (ok, stdout, stderr, _) = session(dir.path(), &server.url(), "", &["--offline"]);
    assert!(ok, "{stderr}");
    assert!(!stdout.contains("Interviewer"));
    assert!(server.requests().is_empty());
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn the_interviewer_reads_the_answer_while_it_is_spoken() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![Reply::text(&critique_json("Why?", ""), 50)], &[]);
    // The bundled answer: a minute of speech with the pauses where a transcript settles.
    let input = crate::util::root().join("samples/answer.flac");
    let out = rehearse_with(dir.path(), &config(&server.url(), "read_ahead = \"on\"\n"))
        .env("REHEARSE_TEST_KEY", KEY)
        .args(["--quiet", "practice", "--plain", "--speed", "4", "-i"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chats: Vec<serde_json::Value> = server.chats().iter().map(|c| c.json()).collect();
    let (warm, critique): (Vec<_>, Vec<_>) = chats.iter().partition(|c| c["stream"] == false);
    assert!(!warm.is_empty(), "no request was read ahead: {chats:?}");
    assert_eq!(critique.len(), 1);
    for w in &warm {
        assert_eq!(w["max_tokens"], 1);
        assert_eq!(w["cache_prompt"], true);
        assert!(w.get("response_format").is_none());
    }
    let last = warm.last().unwrap();
    let critique = critique[0];
    assert_eq!(
        last["messages"][0], critique["messages"][0],
        "the same system prompt"
    );
    let ahead = last["messages"][1]["content"].as_str().unwrap();
    let sent = critique["messages"][1]["content"].as_str().unwrap();
    assert!(
        ahead.starts_with("<transcript>\n") && ahead.len() > 20,
        "{ahead}"
    );
    assert!(
        sent.starts_with(ahead),
        "the critique request begins with what was read ahead:\n{ahead}\n---\n{sent}"
    );
    assert_eq!(critique["cache_prompt"], true);
}
