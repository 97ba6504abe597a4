//! `rehearse practice --job FILE`: the questions a job posting's interviewers would likely ask,
//! picked offline or by a scripted interviewer, run as the session's rounds; and the postings that
//! cannot be used, which must stop the command before anything is saved.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::interview_session::{config, read_json};
use crate::interviewer::KEY;
use crate::llm_server::{Reply, Server};
use crate::util::{fails_with, jfk, rehearse_with, run};

const SRE: &str = "Site Reliability Engineer, Payments Platform.\n\nYou will keep our payments API \
    up: take part in the on-call rotation, respond to incidents and outages, run blameless \
    postmortems, define SLOs and error budgets, and improve monitoring and alerting. You debug \
    production issues across Kubernetes, Postgres and our Go services.\n";

const MANAGER: &str = "Engineering Manager.\n\nLead a team of eight engineers: hire, coach and grow \
    people, run one-on-ones and give honest feedback, resolve conflict, and partner with product \
    and stakeholders on the roadmap. You have led teams before and can influence without \
    authority across the organisation.\n";

/// Writes `text` to `name` under `dir`.
fn posting(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `practice --job` on `job` with the short JFK recording as every answer, as fast as it
/// decodes, with `extra_config` and `args`.
fn practice_job(dir: &Path, job: &Path, extra_config: &str, args: &[&str]) -> Output {
    let (jfk, _) = jfk();
    rehearse_with(dir, extra_config)
        .env("REHEARSE_TEST_KEY", KEY)
        .args(["practice", "--plain", "--speed", "0", "--input"])
        .arg(&jfk)
        .arg("--job")
        .arg(job)
        .args(args)
        .output()
        .unwrap()
}

/// The only session folder under `dir`.
fn session_dir(dir: &Path) -> PathBuf {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir.join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    folders.pop().unwrap()
}

/// The ids of the questions the saved session's rounds were judged against.
fn round_questions(session: &serde_json::Value) -> Vec<String> {
    session["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["question"].as_str().unwrap().to_string())
        .collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn offline_an_sre_and_a_manager_posting_get_their_own_questions_saved_under_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    let out = practice_job(dir.path(), &sre, "", &["--offline", "--rounds", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains("Questions picked for") && text.contains("sre.txt"),
        "{text}"
    );
    let folder = session_dir(dir.path());
    assert!(folder.to_string_lossy().ends_with("-job"), "{folder:?}");
    let session = read_json(&folder.join("session.json"));
    assert_eq!(session["job"]["picked_by"], "offline");
    assert!(session["job"]["fallback"].is_null());
    let sre_ids = round_questions(&session);
    assert_eq!(sre_ids, ["debug-production-issue", "production-incident"]);
    for (i, round) in session["rounds"].as_array().unwrap().iter().enumerate() {
        let why = round["picked"].as_str().unwrap();
        assert!(why.starts_with("Picked for this posting: "), "{why}");
        assert!(
            text.contains(why),
            "round {i}'s reason is not printed: {text}"
        );
        let report = &round["answer"]["report"]["score"];
        assert_eq!(
            report["question"], sre_ids[i],
            "judged against its own rubric"
        );
    }
    assert!(
        session["rounds"][0]["picked"]
            .as_str()
            .unwrap()
            .contains("\"debug\"")
    );

    // Each answer counts in its own question's history.
    for id in &sre_ids {
        let out = run(dir.path(), &["history", "-Q", id, "--format", "json"]);
        let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(h["attempts"].as_array().unwrap().len(), 1, "{id}: {h}");
    }
    let listing = stdout(&run(dir.path(), &["history"]));
    assert!(listing.contains("for sre.txt"), "{listing}");

    let manager = posting(dir.path(), "manager.txt", MANAGER.as_bytes());
    let out = practice_job(
        dir.path(),
        &manager,
        "",
        &["--offline", "--rounds", "2", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let manager_ids = round_questions(&session);
    assert_eq!(
        manager_ids,
        ["leading-without-authority", "conflict-with-colleague"]
    );
}

/// A critique of an answer to `id` as a model would write it, in that question's dimensions.
fn critique_for(id: &str) -> String {
    let bank = rehearse::questions::Bank::load(None).unwrap();
    let q = bank.get(id).unwrap();
    serde_json::json!({
        "summary": "A short answer that does not address the question.",
        "dimensions": [
            {"id": q.dimensions[0].id, "score": 1, "enough_to_judge": true, "evidence": ["ask not what your country can do for you"], "comment": "Off topic."},
            {"id": q.dimensions[1].id, "score": null, "enough_to_judge": false, "evidence": [], "comment": "Not covered."}
        ],
        "strengths": ["Clear delivery."],
        "improvements": ["Answer the question that was asked."],
        "outline_90s": ["Context", "Action", "Result"],
        "follow_up": "What would you do differently?",
        "interviewer_notes": ""
    })
    .to_string()
}

#[test]
fn the_interviewers_picks_are_the_rounds_in_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let picks = r#"{"picks": [{"id": "slow-endpoint", "why": "the posting stresses API latency"}, {"id": "no-such-question", "why": "x"}, {"id": "tight-deadline", "why": "fast-paced team"}]}"#;
    let server = Server::start(
        vec![
            Reply::text(picks, 9),
            Reply::text(&critique_for("slow-endpoint"), 11),
            Reply::text(&critique_for("tight-deadline"), 11),
            Reply::text("Two short answers; practise staying on the question.", 11),
        ],
        &["test-model"],
    );
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    let out = practice_job(
        dir.path(),
        &sre,
        &config(&server.url(), ""),
        &["--rounds", "2", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(session["job"]["picked_by"], "interviewer");
    assert_eq!(
        round_questions(&session),
        ["slow-endpoint", "tight-deadline"]
    );
    assert_eq!(
        session["rounds"][0]["picked"],
        "Picked for this posting by the interviewer: the posting stresses API latency"
    );
    assert!(session["rounds"][0]["critique"].is_object(), "{session}");

    // The picking request: the bank in the system message, the posting in the user message, a
    // schema that allows only the bank's ids.
    let sent = server.chats()[0].json();
    let system = sent["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("on-call-handover | process | process, incident, teamwork | "));
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("<posting>\nSite Reliability Engineer, Payments Platform."));
    assert!(user.contains("at most 2 questions"), "{user}");
    let ids = &sent["response_format"]["json_schema"]["schema"]["properties"]["picks"]["items"]["properties"]
        ["id"]["enum"];
    assert_eq!(ids.as_array().unwrap().len(), 20, "{ids}");
    // The second request critiques the first answer against the picked question.
    let critique = server.chats()[1].json();
    let system = critique["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("An API endpoint has become slow."),
        "{system}"
    );
}

#[test]
fn a_garbage_reply_falls_back_to_the_offline_picker_and_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![
            Reply::text("Great posting! I would ask about debugging and on-call.", 8),
            Reply::text(&critique_for("debug-production-issue"), 11),
        ],
        &["test-model"],
    );
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    let out = practice_job(
        dir.path(),
        &sre,
        &config(&server.url(), ""),
        &["--rounds", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = stdout(&out);
    let notes: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("picked offline"))
        .collect();
    assert_eq!(notes.len(), 1, "{text}");
    assert!(
        notes[0].starts_with("The interviewer did not pick the questions (")
            && notes[0].contains("no JSON list of questions"),
        "{}",
        notes[0]
    );
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("picked offline"))
            .count(),
        1,
        "{stderr}"
    );
    let session = read_json(&session_dir(dir.path()).join("session.json"));
    assert_eq!(session["job"]["picked_by"], "offline");
    assert_eq!(session["job"]["fallback"].as_str(), Some(notes[0]));
    assert_eq!(round_questions(&session), ["debug-production-issue"]);
    // The session still had its interviewer.
    assert!(session["rounds"][0]["critique"].is_object(), "{session}");
    assert!(session["interviewer"]["failure"].is_null(), "{session}");
}

#[test]
fn a_posting_that_cannot_be_used_is_named_and_nothing_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b" \n\n\t\n", "is empty"),
        (
            "posting.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01",
            "is not a text file",
        ),
        ("latin1.txt", b"Ing\xe9nieur logiciel", "is not UTF-8 text"),
    ];
    for (name, bytes, says) in cases {
        let path = posting(dir.path(), name, bytes);
        let out = practice_job(dir.path(), &path, "", &["--offline"]);
        let err = fails_with(&out, name);
        assert!(err.contains(says), "{name}: {err}");
        assert!(err.starts_with("rehearse: job posting "), "{err}");
    }
    let err = fails_with(
        &practice_job(dir.path(), &dir.path().join("gone.txt"), "", &[]),
        "gone.txt",
    );
    assert!(err.contains("does not exist"), "{err}");
    assert!(
        !dir.path().join("sessions").exists(),
        "nothing may be saved for a posting that cannot be used"
    );
}

/// A critique of an answer to the question drafted by `question_new::script`.
fn critique_of_the_drafted() -> String {
    serde_json::json!({
        "summary": "Off topic.",
        "dimensions": [
            {"id": "requirements", "score": 0, "enough_to_judge": true, "evidence": [], "comment": "No requirements."},
            {"id": "cache-design", "score": null, "enough_to_judge": false, "evidence": [], "comment": "Not covered."}
        ],
        "strengths": ["Clear delivery."],
        "improvements": ["Answer the question that was asked."],
        "outline_90s": ["Requirements", "Design", "Invalidation"],
        "follow_up": "What if the cache goes down?",
        "interviewer_notes": ""
    })
    .to_string()
}

#[test]
fn with_draft_the_question_the_bank_lacks_is_drafted_saved_and_asked_last() {
    use crate::question_new::{STRONG, TEXT, WEAK, examples, folder, script};
    let dir = tempfile::tempdir().unwrap();
    let picks = format!(
        r#"{{"picks": [{{"id": "slow-endpoint", "why": "API latency"}}, {{"id": "tight-deadline", "why": "fast-paced"}}], "missing": "{TEXT}"}}"#
    );
    let mut replies = vec![Reply::text(&picks, 9)];
    replies.extend(script(examples(STRONG, WEAK)));
    replies.extend([
        Reply::text(&critique_for("slow-endpoint"), 11),
        Reply::text(&critique_of_the_drafted(), 11),
        Reply::text("Two short answers; practise staying on the question.", 11),
    ]);
    let server = Server::start(replies, &["test-model"]);
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    let out = practice_job(
        dir.path(),
        &sre,
        &config(&server.url(), ""),
        &["--rounds", "2", "--draft", "--format", "json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("drafting a question the bank lacks"),
        "{stderr}"
    );
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = "design-cache-read-heavy-api";
    assert_eq!(round_questions(&session), ["slow-endpoint", id]);
    let because = session["rounds"][1]["picked"].as_str().unwrap();
    assert!(
        because.starts_with("Drafted for this posting by the interviewer"),
        "{because}"
    );
    let saved = folder(dir.path()).join(format!("{id}.toml"));
    assert!(saved.is_file(), "the drafted question is saved");
    let listed = run(dir.path(), &["questions"]);
    assert!(stdout(&listed).contains(id));
    let schema = &server.chats()[0].json()["response_format"]["json_schema"]["schema"];
    assert_eq!(schema["required"], serde_json::json!(["picks", "missing"]));
    let drafting = server.chats()[1].json();
    let system = drafting["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Site Reliability Engineer"),
        "the posting is the draft's context"
    );
}

#[test]
fn draft_needs_an_interviewer() {
    let dir = tempfile::tempdir().unwrap();
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    let out = practice_job(dir.path(), &sre, "", &["--offline", "--draft"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--draft drafts a question with the interviewer's model"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!dir.path().join("sessions").exists());
}

#[test]
fn job_cannot_be_given_with_a_question_or_next() {
    let dir = tempfile::tempdir().unwrap();
    let sre = posting(dir.path(), "sre.txt", SRE.as_bytes());
    for other in [
        &["--question", "debug-production-issue"][..],
        &["--next"][..],
        &["--versions"][..],
    ] {
        let out = practice_job(dir.path(), &sre, "", other);
        assert_eq!(out.status.code(), Some(2), "{other:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cannot be used with") && err.contains("--job"),
            "{other:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    assert!(!dir.path().join("sessions").exists());
}

#[test]
fn practice_help_documents_job() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["practice", "--help"]);
    let help = stdout(&out);
    assert!(help.contains("--job <FILE>"), "{help}");
    assert!(help.contains("job posting"), "{help}");
}
