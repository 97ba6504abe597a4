//! The session store: every run saved, listings that survive bad folders, history, delete,
//! sessions killed while they save, and the HTML report as Chromium renders it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::llm_server::{Reply, Server};
use crate::practice::{ANSWER, spoken};
use crate::util::{assert_ok, rehearse, rehearse_with, root, run};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/answers").join(name)
}

fn sessions(data: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(data.join("sessions"))
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn history_json(data: &Path) -> (serde_json::Value, String) {
    let out = run(data, &["history", "--format", "json"]);
    assert_ok(&out);
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn score_runs_are_saved_and_history_shows_progress() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["mistake-no-prevention.txt", "flagship-framework.txt"] {
        let f = fixture(name);
        assert!(
            run(dir.path(), &["score", f.to_str().unwrap()])
                .status
                .success()
        );
    }
    let f = fixture("flagship-star.txt");
    assert!(
        run(dir.path(), &["score", "--no-save", f.to_str().unwrap()])
            .status
            .success()
    );
    let (list, stderr) = history_json(dir.path());
    assert!(stderr.is_empty(), "{stderr}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "--no-save keeps nothing");
    assert_eq!(list[0]["summary"]["kind"], "score");
    assert_eq!(list[0]["summary"]["schema"], "rehearse.summary/1");
    let out = run(
        dir.path(),
        &["history", "--question", "debug-production-issue"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("2 attempts"), "{text}");
    assert!(
        text.contains("Prevention and follow-up") && text.contains("Since the attempt before"),
        "{text}"
    );
    assert!(
        text.contains('▁') || text.contains('█'),
        "sparklines: {text}"
    );
    let out = run(
        dir.path(),
        &["history", "-Q", "debug-production-issue", "-f", "json"],
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(h["overall"]["series"].as_array().unwrap().len(), 2);
}

#[test]
fn a_corrupt_session_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        let f = fixture("flagship-framework.txt");
        assert!(
            run(dir.path(), &["score", f.to_str().unwrap()])
                .status
                .success()
        );
    }
    let s = sessions(dir.path());
    assert_eq!(s.len(), 3);
    // One folder loses everything readable; another only its summary, which is rebuilt.
    std::fs::write(s[0].join("summary.json"), "{ not json").unwrap();
    std::fs::write(s[0].join("answer-1.json"), [0xff, 0x00, 0x13]).unwrap();
    std::fs::write(s[1].join("summary.json"), "").unwrap();
    std::fs::create_dir(dir.path().join("sessions/empty-folder")).unwrap();
    let (list, stderr) = history_json(dir.path());
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(
        stderr.contains(&format!("warning: skipped {}", s[0].display())),
        "{stderr}"
    );
    assert!(stderr.contains("rebuilt from its answers"), "{stderr}");
    assert!(
        stderr.contains("empty-folder: it holds no scored answer"),
        "{stderr}"
    );
    let out = run(dir.path(), &["history"]);
    assert!(out.status.success());
    let out = run(dir.path(), &["report", "--format", "json"]);
    assert_ok(&out);
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn delete_removes_sessions_or_only_their_audio() {
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(
        dir.path(),
        "answer.wav",
        "I check the dashboards and roll back the deploy.",
        170,
    );
    for _ in 0..2 {
        assert!(
            run(dir.path(), &["score", input.to_str().unwrap()])
                .status
                .success()
        );
    }
    let s = sessions(dir.path());
    assert!(
        s[0].join("answer-1.wav").is_file(),
        "the recording is kept with the score"
    );
    let first = s[0].file_name().unwrap().to_str().unwrap().to_string();
    let out = run(dir.path(), &["delete", "--audio-only", &first]);
    assert_ok(&out);
    assert!(!s[0].join("answer-1.wav").exists());
    assert!(s[0].join("answer-1.json").is_file(), "the score stays");
    let (list, _) = history_json(dir.path());
    assert_eq!(
        list[0]["summary"]["answers"][0]["audio"],
        serde_json::Value::Null
    );
    let out = run(dir.path(), &["delete", &first]);
    assert!(out.status.success());
    assert!(!s[0].exists());
    assert_eq!(sessions(dir.path()).len(), 1);
    let out = run(dir.path(), &["delete", "no-such-session"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no session `no-such-session`"));
    // Retention: with keep_audio_days, recordings older than that go at the next run.
    let old = sessions(dir.path())[0].clone();
    let renamed = old.with_file_name("20200101-000000-debug-production-issue");
    std::fs::rename(&old, &renamed).unwrap();
    let summary = std::fs::read_to_string(renamed.join("summary.json")).unwrap();
    let stamp = &old.file_name().unwrap().to_str().unwrap()[..15];
    std::fs::write(
        renamed.join("summary.json"),
        summary.replace(stamp, "20200101-000000"),
    )
    .unwrap();
    let out = rehearse_with(dir.path(), "[practice]\nkeep_audio_days = 30\n")
        .args(["score", "--no-save"])
        .arg(fixture("flagship-star.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !renamed.join("answer-1.wav").exists(),
        "the old recording was not removed"
    );
    assert!(renamed.join("answer-1.json").is_file());
}

/// Deterministic "random" kill times spread over a session that takes `whole` when left alone,
/// so the kills land before, during and after the answers whatever the machine's speed.
fn kill_points(whole: Duration) -> Vec<Duration> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..6)
        .map(|k| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // One point in each sixth of the run, at a pseudo-random place within it.
            let frac = (k as f64 + (x % 1000) as f64 / 1000.0) / 6.0;
            whole.mul_f64(0.05 + 0.9 * frac)
        })
        .collect()
}

/// A three-round offline session on `input` in `data`.
fn three_rounds(data: &Path, input: &Path) -> Command {
    let mut cmd = rehearse(data);
    cmd.args([
        "-q",
        "practice",
        "--plain",
        "--speed",
        "0",
        "--rounds",
        "3",
        "--offline",
        "-i",
    ])
    .arg(input)
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn killing_a_session_while_it_saves_keeps_every_finished_answer() {
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(dir.path(), "answer.wav", ANSWER, 170);
    let started = std::time::Instant::now();
    let whole = three_rounds(&dir.path().join("whole"), &input)
        .status()
        .unwrap();
    assert!(whole.success());
    let whole = started.elapsed();
    let mut finished_total = 0;
    for (k, at) in kill_points(whole).into_iter().enumerate() {
        let data = dir.path().join(format!("run{k}"));
        let mut child = three_rounds(&data, &input).spawn().unwrap();
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        let Some(session) = sessions(&data).pop() else {
            continue;
        };
        let answers: Vec<PathBuf> = (1..=3)
            .map(|n| session.join(format!("answer-{n}.json")))
            .filter(|p| p.is_file())
            .collect();
        for a in &answers {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a).unwrap())
                .unwrap_or_else(|e| {
                    panic!("{} is not whole after a kill at {at:?}: {e}", a.display())
                });
            let wav = PathBuf::from(v["audio"].as_str().unwrap());
            let r =
                hound::WavReader::open(&wav).unwrap_or_else(|e| panic!("{}: {e}", wav.display()));
            assert!(r.duration() > 16_000, "{} lost its audio", wav.display());
        }
        finished_total += answers.len();
        // The store reads the session back with exactly the finished answers (a session killed
        // before its first answer has nothing to list and is skipped with a warning).
        let (list, _) = history_json(&data);
        let listed = list
            .as_array()
            .unwrap()
            .first()
            .map_or(0, |s| s["summary"]["answers"].as_array().unwrap().len());
        assert_eq!(listed, answers.len(), "kill at {at:?}: {list}");
        if answers.is_empty() {
            continue;
        }
        let out = run(&data, &["report", "--format", "json"]);
        assert!(
            out.status.success(),
            "kill at {at:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        finished_total > 0,
        "no kill landed after an answer was saved"
    );
}

/// Runs headless Chromium on `page`; returns (its stderr, the DOM it rendered).
fn render(page: &Path, screenshot: &Path, profile: &Path) -> (String, String) {
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1100,2400",
    ];
    let url = format!("file://{}", page.display());
    let shot = Command::new(rehearse::testkit::chromium())
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&url)
        .output()
        .unwrap();
    let dom = Command::new(rehearse::testkit::chromium())
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let log =
        String::from_utf8_lossy(&shot.stderr).into_owned() + &String::from_utf8_lossy(&dom.stderr);
    (log, String::from_utf8_lossy(&dom.stdout).into_owned())
}

/// Console errors and failed loads in Chromium's log.
fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains("CONSOLE") || l.contains("Failed to load resource") || l.contains("Uncaught")
        })
        .collect()
}

#[test]
#[cfg_attr(
    missing = "chromium",
    ignore = "Chromium is not installed (scripts/bootstrap installs it)"
)]
// Longer than the usual limit on purpose: starting Chromium is slow, so one test renders both the
// session page and the history page and checks each.
fn the_html_report_renders_in_chromium_with_transcript_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let artefacts = root().join("target/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let profile = dir.path().join("chromium-profile");
    // The check must be able to fail: a page that logs an error is caught.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let (log, _) = render(&bad, &dir.path().join("bad.png"), &profile);
    assert!(
        !console_errors(&log).is_empty(),
        "a console error went unnoticed: {log}"
    );

    let server = Server::start(
        vec![Reply::text(
            &crate::interview_session::critique_json("What if you could not roll back?", ""),
            40,
        )],
        &[],
    );
    let input = spoken(dir.path(), "answer.wav", ANSWER, 170);
    let config = format!(
        "[interviewer]\nbase_url = \"{}\"\nmodel = \"m\"\n",
        server.url()
    );
    let out = rehearse_with(dir.path(), &config)
        .args(["-q", "practice", "--plain", "--speed", "0", "-i"])
        .arg(&input)
        .output()
        .unwrap();
    assert_ok(&out);
    let page = artefacts.join("report.html");
    let out = run(
        dir.path(),
        &["report", "--html", "-o", page.to_str().unwrap()],
    );
    assert_ok(&out);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
        "the page fetches or runs something"
    );
    let shot = artefacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let (log, dom) = render(&page, &shot, &profile);
    assert!(
        console_errors(&log).is_empty(),
        "console errors: {:?}",
        console_errors(&log)
    );
    assert!(
        std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 20_000,
        "no screenshot"
    );
    assert!(
        dom.contains("rolling back") || dom.contains("roll back"),
        "the transcript is not on the page"
    );
    assert!(
        dom.contains("class=\"transcript\"") && dom.contains("class=\"filler\"")
            || dom.contains("class=\"evidence\"")
    );
    assert!(
        dom.matches("<svg").count() >= 2,
        "the pace and rubric charts are missing"
    );
    assert!(
        dom.contains("Clear triage and rollback"),
        "the critique is not beside the score"
    );

    let history_page = artefacts.join("history.html");
    let out = run(
        dir.path(),
        &[
            "report",
            "--html",
            "-Q",
            "debug-production-issue",
            "-o",
            history_page.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let (log, dom) = render(&history_page, &artefacts.join("history.png"), &profile);
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("Overall score") && dom.contains("<svg"));
}

#[test]
fn a_saved_session_reads_back_as_the_json_its_command_printed() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("flagship-framework.txt");
    let scored = run(
        dir.path(),
        &["score", "--format", "json", f.to_str().unwrap()],
    );
    assert_ok(&scored);
    let saved = run(dir.path(), &["report", "--format", "json"]);
    assert_ok(&saved);
    assert_eq!(
        String::from_utf8_lossy(&saved.stdout),
        String::from_utf8_lossy(&scored.stdout),
        "a scored answer reads back as `score --format json` printed it"
    );
    let input = spoken(dir.path(), "answer.wav", ANSWER, 170);
    let practised = run(
        dir.path(),
        &[
            "practice",
            "--plain",
            "--format",
            "json",
            "--speed",
            "0",
            "--input",
            input.to_str().unwrap(),
        ],
    );
    assert_ok(&practised);
    let saved = run(dir.path(), &["report", "--format", "json"]);
    assert_ok(&saved);
    let printed: serde_json::Value = serde_json::from_slice(&practised.stdout).unwrap();
    let read: serde_json::Value = serde_json::from_slice(&saved.stdout).unwrap();
    assert_eq!(read["schema"], "rehearse.practice/2");
    assert_eq!(
        read, printed,
        "a practice session reads back as it was printed"
    );
    // Without its session.json (a session killed before its end), the same shape is rebuilt.
    let last = sessions(dir.path()).pop().unwrap();
    std::fs::remove_file(last.join("session.json")).unwrap();
    let rebuilt = run(dir.path(), &["report", "--format", "json"]);
    assert_ok(&rebuilt);
    let rebuilt: serde_json::Value = serde_json::from_slice(&rebuilt.stdout).unwrap();
    assert_eq!(rebuilt["schema"], "rehearse.practice/2");
    assert_eq!(
        rebuilt["rounds"][0]["answer"],
        printed["rounds"][0]["answer"]
    );
}
