//! Transcription on a server (`[transcribe] backend = "server"` or `--transcribe-url`), against the
//! loopback speech server of `rehearse::testkit`, which answers with the reply shapes of real
//! servers (tests/fixtures/speech-servers).

use rehearse::testkit::speech_server::{Reply, SpeechServer};

use crate::util::{assert_ok, jfk, rehearse, rehearse_with, root};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/speech-servers").join(name))
        .expect("the fixture reads")
}

fn words(text: &str) -> String {
    rehearse::testkit::normalise(text).join(" ")
}

#[test]
fn score_through_a_server_gives_its_words_and_says_where_they_came_from() {
    let data = tempfile::tempdir().unwrap();
    let server = SpeechServer::start(vec![Reply::ok(&fixture("openai-verbose.json"))]);
    let (wav, reference) = jfk();
    let out = rehearse(data.path())
        .args([
            "score",
            "--format",
            "json",
            "--transcribe-url",
            server.url(),
        ])
        .arg(&wav)
        .output()
        .unwrap();
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &report["transcript"];
    assert_eq!(words(t["text"].as_str().unwrap()), words(&reference));
    assert_eq!(t["timed"], true);
    let name = report["model"]["name"].as_str().unwrap();
    assert!(name.contains(server.url()), "{name}");
    assert_eq!(server.seen().len(), 1);
    // The session was kept, with its audio.
    let sessions = data.path().join("sessions");
    let saved = std::fs::read_dir(&sessions).unwrap().count();
    assert_eq!(saved, 1);
}

#[test]
fn a_server_that_times_segments_only_gives_a_report_that_says_so() {
    let data = tempfile::tempdir().unwrap();
    let server = SpeechServer::start(vec![Reply::ok(&fixture("vllm-verbose.json"))]);
    let config = format!(
        "backend = \"server\"\nbase_url = \"{}\"\nmodel = \"openai/whisper-large-v3\"\n",
        server.url()
    );
    let (wav, _) = jfk();
    let out = rehearse_with(data.path(), &config)
        .args(["score", "--no-save", "--format", "json"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["transcript"]["timed"], "approximate");
    assert_eq!(
        server.seen()[0]
            .fields
            .iter()
            .find(|(n, _)| n == "model")
            .unwrap()
            .1,
        "openai/whisper-large-v3"
    );
    let out = rehearse_with(data.path(), &config)
        .args(["score", "--no-save"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("word times are approximate"), "{text}");
}

#[test]
fn a_failing_server_hands_the_work_to_the_local_model() {
    let data = tempfile::tempdir().unwrap();
    let server = SpeechServer::start(vec![Reply::status(503, "warming up")]);
    let config = format!(
        "backend = \"server\"\nbase_url = \"{}\"\nretries = 0\n",
        server.url()
    );
    let (wav, reference) = jfk();
    let out = rehearse_with(data.path(), &config)
        .args(["score", "--no-save", "--format", "json"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let heard = words(report["transcript"]["text"].as_str().unwrap());
    assert!(rehearse::testkit::wer(&reference, &heard) < 0.15, "{heard}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("answered 503") && err.contains("local model"),
        "{err}"
    );
}

#[test]
fn server_settings_that_cannot_work_are_named_before_any_audio_is_read() {
    let data = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    for (extra, key) in [
        ("backend = \"server\"\n", "transcribe.base_url"),
        (
            "backend = \"server\"\nbase_url = \"localhost:8178\"\n",
            "transcribe.base_url",
        ),
        (
            "backend = \"server\"\nbase_url = \"http://127.0.0.1:1/v1\"\ntimeout = \"0s\"\n",
            "transcribe.timeout",
        ),
        ("backend = \"cloud\"\n", "backend"),
    ] {
        let out = rehearse_with(data.path(), extra)
            .args(["score", "--no-save"])
            .arg(&wav)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{extra}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key), "{extra}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn a_live_answer_is_transcribed_by_the_server() {
    let data = tempfile::tempdir().unwrap();
    let server = SpeechServer::start(vec![Reply::ok(&fixture("openai-verbose.json"))]);
    let (wav, reference) = jfk();
    let out = rehearse(data.path())
        .args([
            "practice",
            "--plain",
            "--offline",
            "--format",
            "json",
            "--speed",
            "0",
        ])
        .args(["--transcribe-url", server.url(), "--input"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_ok(&out);
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = &session["rounds"][0]["answer"]["report"];
    assert_eq!(
        words(report["transcript"]["text"].as_str().unwrap()),
        words(&reference)
    );
    assert!(!server.seen().is_empty());
}

#[test]
fn a_server_that_goes_away_mid_answer_loses_nothing_and_the_local_model_finishes() {
    let data = tempfile::tempdir().unwrap();
    // The first chunk of the 68-second bundled answer is answered; then the server
    // closes every connection unanswered, as one that was killed would. The local model then
    // transcribes the answer.
    let server = SpeechServer::start(vec![
        Reply::ok(&fixture("openai-verbose.json")),
        Reply::Hang,
    ]);
    let input = root().join("samples/answer.flac");
    let out = rehearse(data.path())
        .args([
            "practice",
            "--plain",
            "--offline",
            "--format",
            "json",
            "--speed",
            "0",
        ])
        .args(["--transcribe-url", server.url(), "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("local model from now on"), "{err}");
    assert!(
        server.seen().len() >= 2,
        "the server was asked again and failed"
    );
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let answer = &session["rounds"][0]["answer"];
    let heard = words(answer["report"]["transcript"]["text"].as_str().unwrap());
    // The first chunk's words are the server's canned reply; the local model's words after them
    // must be the answer's own, to its end.
    let canned: serde_json::Value = serde_json::from_str(&fixture("openai-verbose.json")).unwrap();
    let canned = words(canned["text"].as_str().unwrap());
    let rest = heard
        .strip_prefix(&canned)
        .unwrap_or_else(|| panic!("the server's reply does not start the transcript: {heard}"))
        .trim();
    let reference = words(&std::fs::read_to_string(root().join("samples/answer.txt")).unwrap());
    let reference: Vec<&str> = reference.split(' ').collect();
    let n = rest.split(' ').count();
    assert!(
        (n > reference.len() / 2) && n < reference.len(),
        "{n} words after the server's: {rest}"
    );
    let tail = reference[reference.len() - n..].join(" ");
    let wer = rehearse::testkit::wer(&tail, rest);
    assert!(wer < 0.15, "{wer}: {rest}");
    // Nothing was lost: the recording is all there.
    let wav = std::path::PathBuf::from(answer["audio"].as_str().unwrap());
    let samples = hound::WavReader::open(&wav).unwrap().len();
    assert!((samples as f64 / 16_000.0 - 68.6).abs() < 0.2, "{samples}");
}

#[test]
fn a_missing_local_model_named_beside_a_server_stops_before_anything_is_sent() {
    let data = tempfile::tempdir().unwrap();
    let server = SpeechServer::start(vec![Reply::status(500, "disk full")]);
    // A local model named but missing: the session cannot start, and says which.
    let out = rehearse(data.path())
        .args([
            "practice",
            "--plain",
            "--offline",
            "--speed",
            "0",
            "--model",
            "/nonexistent/ggml.bin",
        ])
        .args(["--transcribe-url", server.url(), "--input"])
        .arg(jfk().0)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/ggml.bin"), "{err}");
    assert!(
        server.seen().is_empty(),
        "nothing was sent before the model was checked"
    );
}

#[test]
fn doctor_checks_the_transcription_server_and_its_word_times() {
    let data = tempfile::tempdir().unwrap();
    for (reply, status, says) in [
        (
            Reply::ok(&fixture("openai-verbose.json")),
            "ok",
            "with word times",
        ),
        (
            Reply::ok(&fixture("vllm-verbose.json")),
            "warn",
            "gave no word times",
        ),
        (
            Reply::status(404, "Not Found"),
            "FAIL",
            "has no audio/transcriptions endpoint",
        ),
    ] {
        let server = SpeechServer::start(vec![reply]);
        let config = format!("backend = \"server\"\nbase_url = \"{}\"\n", server.url());
        let out = rehearse_with(data.path(), &config)
            .arg("doctor")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let check = text
            .lines()
            .find(|l| l.contains("transcription"))
            .unwrap_or_else(|| panic!("no transcription check: {text}"));
        assert!(check.starts_with(status) && check.contains(says), "{check}");
    }
}

/// A real whisper.cpp server loaded with the same model gives the same words as local
/// transcription, timed within 100 ms. Opt-in: start one with `scripts/whisper-server` and set
/// `REHEARSE_TRANSCRIBE_URL` (it prints the value with `--print-env`).
#[test]
#[ignore = "needs a whisper.cpp server: run scripts/whisper-server, set REHEARSE_TRANSCRIBE_URL and run with --ignored"]
fn a_real_whisper_cpp_server_matches_local_transcription() {
    let url =
        std::env::var("REHEARSE_TRANSCRIBE_URL").expect("REHEARSE_TRANSCRIBE_URL names the server");
    let data = tempfile::tempdir().unwrap();
    for file in [jfk().0, root().join("samples/answer.flac")] {
        let local = crate::util::score_json(data.path(), &file);
        let out = rehearse(data.path())
            .args([
                "score",
                "--no-save",
                "--format",
                "json",
                "--transcribe-url",
                &url,
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert_ok(&out);
        let remote: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            remote["transcript"]["timed"], true,
            "whisper.cpp's server times words"
        );
        let (a, b) = (
            rehearse::testkit::report_words(&local),
            rehearse::testkit::report_words(&remote),
        );
        let wa: Vec<String> = a.iter().map(|w| w.0.clone()).collect();
        let wb: Vec<String> = b.iter().map(|w| w.0.clone()).collect();
        let diff = rehearse::testkit::wer(&wa.join(" "), &wb.join(" "));
        assert!(
            diff <= 0.03,
            "{}: {:.1} % of words differ",
            file.display(),
            diff * 100.0
        );
        let pairs = rehearse::testkit::aligned(&wa, &wb);
        let mut offsets: Vec<i64> = pairs
            .iter()
            .flat_map(|&(i, j)| [(a[i].1 - b[j].1).abs(), (a[i].2 - b[j].2).abs()])
            .collect();
        offsets.sort_unstable();
        let median = offsets[offsets.len() / 2];
        let p90 = offsets[offsets.len() * 9 / 10];
        eprintln!(
            "{}: {:.1} % words differ; word times differ by {median} ms (median), {p90} ms (90th percentile)",
            file.display(),
            diff * 100.0
        );
        assert!(
            p90 <= 100,
            "{}: word times differ by {p90} ms at the 90th percentile",
            file.display()
        );
    }
}
