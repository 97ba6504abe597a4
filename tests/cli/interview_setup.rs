//! The interviewer around the answers: several rounds with hidden notes, a server that refuses the
//! JSON schema, bad prompt templates, spoken questions, `rehearse doctor`, and (ignored unless asked
//! for) a real server.

use crate::interview_session::{config, critique_json, read_json, session};
use crate::interviewer::KEY;
use crate::llm_server::{Reply, Server, chunks};
use crate::practice::{ANSWER, spoken};
use crate::util::{assert_ok, rehearse_with};

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
// Longer than the usual limit on purpose: one multi-round session is slow to run (Whisper on every
// answer), so it is checked once, round by round, rather than split into tests that repeat it.
fn a_multi_round_session_saves_every_round_and_carries_hidden_notes() {
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("second.wav");
    spoken(
        dir.path(),
        "second.wav",
        "If I could not roll back, I would turn off the feature flag and scale out while I look for the cause.",
        170,
    );
    let server = Server::start(
        vec![
            Reply::text(
                &critique_json(
                    "What if you could not roll back?",
                    "Probe whether they know feature flags.",
                ),
                40,
            ),
            Reply::text(
                &critique_json(
                    "How would you know the fix worked?",
                    "Flags: yes. Metrics: vague.",
                ),
                40,
            ),
            Reply::text(&critique_json("Who do you tell, and when?", ""), 40),
            Reply::text("You triage well. Practise naming metrics.", 6),
        ],
        &[],
    );
    let input = dir.path().join("answer.wav");
    spoken(dir.path(), "answer.wav", ANSWER, 170);
    let (ok, stdout, stderr, folder) = session(
        dir.path(),
        &server.url(),
        "",
        &[
            "--rounds",
            "3",
            "-i",
            input.to_str().unwrap(),
            "-i",
            second.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    for n in 1..=3 {
        for f in [
            format!("answer-{n}.wav"),
            format!("answer-{n}.json"),
            format!("critique-{n}.json"),
        ] {
            assert!(folder.join(&f).is_file(), "{f} is missing");
        }
    }
    let s = read_json(&folder.join("session.json"));
    let rounds = s["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3);
    assert_eq!(rounds[1]["asked"], "What if you could not roll back?");
    assert_eq!(rounds[1]["asked_by"], "interviewer");
    assert_eq!(rounds[2]["asked"], "How would you know the fix worked?");
    for r in rounds {
        assert!(
            r["answer"]["report"]["transcript"]["text"]
                .as_str()
                .unwrap()
                .len()
                > 20
        );
        assert!(r["answer"]["report"]["score"]["overall"].as_u64().is_some());
        assert!(r["critique"]["summary"].as_str().is_some());
    }
    assert_eq!(s["summary"], "You triage well. Practise naming metrics.");
    assert!(stdout.contains("Session summary") && stdout.contains("Practise naming metrics"));
    let chats = server.chats();
    assert_eq!(chats.len(), 4);
    let second_prompt = chats[1].json()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(second_prompt.contains("What if you could not roll back?"));
    assert!(
        second_prompt.contains("Probe whether they know feature flags."),
        "notes carry: {second_prompt}"
    );
    assert!(
        second_prompt.contains("feature flag"),
        "the second answer is in it"
    );
    let summary_prompt = chats[3].json()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary_prompt.contains("Flags: yes. Metrics: vague."));
    assert!(
        !stdout.contains("Probe whether they know feature flags."),
        "hidden notes were shown"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_summary_that_runs_on_is_capped_and_keeps_each_whole_sentence_once() {
    let dir = tempfile::tempdir().unwrap();
    let looping = format!(
        "{}And then the",
        "You triage well. Practise naming metrics. ".repeat(4)
    );
    let server = Server::start(
        vec![
            Reply::text(&critique_json("What if you could not roll back?", ""), 40),
            Reply::text(&critique_json("Who do you tell, and when?", ""), 40),
            Reply::Stream {
                events: chunks(&looping, 8, Some("length")),
                every_byte: false,
                gap: std::time::Duration::ZERO,
                done: true,
                cut_at: None,
            },
        ],
        &[],
    );
    let (ok, stdout, stderr, folder) = session(dir.path(), &server.url(), "", &["--rounds", "2"]);
    assert!(ok, "a long summary is no failure: {stderr}");
    let s = read_json(&folder.join("session.json"));
    assert_eq!(s["summary"], "You triage well. Practise naming metrics.");
    assert!(s["interviewer"]["failure"].is_null(), "{s}");
    assert!(stdout.contains("Practise naming metrics."), "{stdout}");
    let chats = server.chats();
    assert_eq!(chats.len(), 3);
    assert_eq!(chats[2].json()["max_tokens"], 450, "the summary is capped");
}

/// One round against a real server: `REHEARSE_LLM_URL` (and `REHEARSE_LLM_MODEL`, and the key in
/// `REHEARSE_LLM_KEY` if it needs one). Opt-in, as the README's "Trying it with llama.cpp's
/// server" says, because the suite needs no network and no language model.
#[test]
#[ignore = "needs a real server: set REHEARSE_LLM_URL and run with --ignored"]
fn a_real_server_critiques_one_round() {
    let url = std::env::var("REHEARSE_LLM_URL").expect("REHEARSE_LLM_URL names the server");
    let model = std::env::var("REHEARSE_LLM_MODEL").unwrap_or_else(|_| "default".into());
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(dir.path(), "answer.wav", ANSWER, 170);
    let config = format!(
        "[interviewer]\nbase_url = \"{url}\"\nmodel = \"{model}\"\napi_key_env = \"REHEARSE_LLM_KEY\"\ntimeout = \"10m\"\nread_timeout = \"5m\"\n"
    );
    let out = rehearse_with(dir.path(), &config)
        .args(["practice", "--plain", "--speed", "0", "-i"])
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let folder = std::fs::read_dir(dir.path().join("sessions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let saved = read_json(&folder.join("critique-1.json"));
    let critique = &saved["critique"];
    assert!(!critique["summary"].as_str().unwrap().is_empty(), "{saved}");
    assert!(
        !critique["follow_up"].as_str().unwrap().is_empty(),
        "{saved}"
    );
    assert!(
        !critique["dimensions"].as_array().unwrap().is_empty(),
        "{saved}"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_server_that_refuses_the_schema_is_asked_again_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        vec![
            Reply::status(400, "response_format json_schema is not supported"),
            Reply::status(400, "response_format json_schema is not supported"),
            Reply::text(&critique_json("Why?", ""), 50),
        ],
        &[],
    );
    let (ok, stdout, stderr, _) = session(dir.path(), &server.url(), "", &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Clear triage and rollback"));
    let chats = server.chats();
    assert_eq!(chats.len(), 3);
    let format = |i: usize| chats[i].json().get("response_format").cloned();
    assert!(format(0).unwrap().to_string().contains("maxLength"));
    let second = format(1).expect("the schema without length limits");
    assert!(!second.to_string().contains("maxLength"), "{second}");
    assert!(format(2).is_none());
    let system = chats[2].json()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        system.contains("\"follow_up_dimension\""),
        "the reply's shape is in the prompt"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_bad_prompt_template_stops_the_session_before_anyone_speaks() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("my-prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(
        prompts.join("critique.md"),
        "{{ transcript }} {{ schema }} {{ candidate_name }}",
    )
    .unwrap();
    let server = Server::start(vec![Reply::text("{}", 5)], &[]);
    let extra = format!("prompts_dir = \"{}\"\n", prompts.display());
    let (ok, stdout, stderr, _) = session(dir.path(), &server.url(), &extra, &[]);
    assert!(!ok);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("critique.md uses `candidate_name`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        !dir.path().join("sessions").exists(),
        "nothing was recorded"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn questions_are_spoken_before_each_answer() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let said = dir.path().join("said.txt");
    let fake = bin.join("espeak-ng");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n", said.display()),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x"])
        .arg(&fake)
        .status()
        .unwrap();
    let server = Server::start(
        vec![
            Reply::text(&critique_json("What if you could not roll back?", ""), 50),
            Reply::text(&critique_json("Why?", ""), 50),
            Reply::text("Well done.", 5),
        ],
        &[],
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let input = spoken(dir.path(), "answer.wav", ANSWER, 170);
    let out = rehearse_with(
        dir.path(),
        &config(
            &server.url(),
            "voice = \"espeak-ng\"\nvoice_name = \"en-us\"\n",
        ),
    )
    .env("PATH", path)
    .args([
        "--quiet", "practice", "--plain", "--speed", "0", "--rounds", "2", "-i",
    ])
    .arg(&input)
    .output()
    .unwrap();
    assert_ok(&out);
    let said = std::fs::read_to_string(&said).unwrap();
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines,
        [
            "-v en-us -- How do you debug a production issue?",
            "-v en-us -- What if you could not roll back?"
        ]
    );
}

#[test]
fn doctor_says_what_works_and_what_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![Reply::text("ready", 5)], &["test-model", "other"]);
    let out = rehearse_with(dir.path(), &config(&server.url(), ""))
        .env("REHEARSE_TEST_KEY", KEY)
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "ok    endpoint",
        "ok    model        test-model is served",
        "ok    chat",
        "ok    json schema",
        "ok    api key      read from $REHEARSE_TEST_KEY",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains(KEY));

    let wrong =
        config(&server.url(), "").replace("model = \"test-model\"", "model = \"llama-9000\"");
    let out = rehearse_with(dir.path(), &wrong)
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("does not serve `llama-9000`; it has test-model, other"),
        "{text}"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = config(&format!("http://127.0.0.1:{port}/v1"), "");
    let out = rehearse_with(dir.path(), &dead)
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("FAIL  endpoint     cannot connect to the interviewer"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("checks failed"));
}

#[test]
fn doctor_notes_a_one_model_server_and_warns_when_a_round_would_take_minutes() {
    let dir = tempfile::tempdir().unwrap();
    // llama.cpp's server lists its one model by file path and answers any name; this one writes
    // about three tokens a second.
    let server = Server::start(
        vec![Reply::stream(
            "a slow reply of many small pieces",
            1,
            false,
            std::time::Duration::from_millis(300),
            None,
        )],
        &["/models/qwen2.5-1.5b-instruct-q4_k_m.gguf"],
    );
    let out = rehearse_with(dir.path(), &config(&server.url(), ""))
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "a note and a warning are not failures:\n{text}"
    );
    assert!(
        text.contains("note  model        the server lists one model")
            && text.contains("--alias test-model"),
        "{text}"
    );
    assert!(
        text.contains("warn  speed") && text.contains("minutes per round"),
        "{text}"
    );
}
