//! `rehearse practice`: live sessions driven through the simulated microphone (`--input`), killed
//! mid-answer, and (in `capture.rs`) through a real ALSA capture device.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{assert_ok, duration_secs, fails_with, rehearse, run, speak, to_16k_s16, wer};

/// An answer in our own words that touches impact, rollback, evidence, a fix and a postmortem.
pub const ANSWER: &str = "First I check who is affected and how badly, using the error dashboards. \
    If users are hurting, I roll back the last deploy before I dig any deeper. \
    Then I compare the logs, the metrics and the traces to see when it started. \
    I test the likeliest cause first, ship a small fix behind a flag, and watch the graphs recover. \
    Afterwards I write a blameless postmortem and add an alert so it cannot happen again.";

/// A shorter answer for the 90-second half of the drill: impact and rollback only.
const SHORT: &str = "I check who is affected and how badly on the dashboards, \
    and if users are hurting I roll back the last deploy first.";

/// Speaks `text` into `name` under `dir` as 16 kHz mono 16-bit WAV, padded with silence at each
/// end as a person starting and stopping a recording would leave.
pub fn spoken(dir: &Path, name: &str, text: &str, wpm: u32) -> PathBuf {
    let raw = dir.join(format!("raw-{name}"));
    speak(text, &raw, wpm);
    let out = dir.join(name);
    to_16k_s16(&raw, &out, &["pad", "0.5", "0.8"]);
    out
}

/// Runs `practice` with `args` (plain, JSON) and returns the parsed session.
fn practice_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["practice", "--plain", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(data, &all);
    assert!(
        out.status.success(),
        "practice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("practice --format json prints JSON")
}

/// How many rubric dimensions a JSON report says the answer covered.
pub fn covered_dimensions(report: &serde_json::Value) -> usize {
    report["score"]["dimensions"].as_array().map_or(0, |dims| {
        dims.iter()
            .filter(|d| d["covered"].as_u64() > Some(0))
            .count()
    })
}

/// The samples of a 16-bit WAV file, checked to be 16 kHz mono.
pub fn wav_samples(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{} is not a readable WAV: {e}", path.display()));
    let spec = r.spec();
    assert_eq!((spec.sample_rate, spec.channels), (16_000, 1));
    r.samples::<i16>().map(|s| s.unwrap()).collect()
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_practice_answer_is_recorded_transcribed_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(dir.path(), "answer.wav", ANSWER, 160);
    let session = practice_json(
        dir.path(),
        &["--input", input.to_str().unwrap(), "--speed", "0"],
    );
    let round = &session["rounds"][0];
    let answer = &round["answer"];
    let audio = PathBuf::from(answer["audio"].as_str().unwrap());
    assert!(audio.starts_with(dir.path().join("sessions")), "{audio:?}");
    let secs = wav_samples(&audio).len() as f64 / 16_000.0;
    assert!(
        (secs - duration_secs(&input)).abs() < 0.1,
        "recorded {secs} s"
    );
    let text = answer["report"]["transcript"]["text"].as_str().unwrap();
    assert!(wer(ANSWER, text) <= 0.15, "transcript: {text}");
    assert_eq!(answer["ending"], "input_ended");
    let covered = covered_dimensions(&answer["report"]);
    assert!(covered >= 4, "only {covered} dimensions covered");
    let folder = PathBuf::from(session["session_dir"].as_str().unwrap());
    for f in ["answer-1.wav", "answer-1.json", "session.json"] {
        assert!(folder.join(f).is_file(), "{f} is missing");
    }
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn the_live_transcript_matches_a_one_shot_transcription() {
    let dir = tempfile::tempdir().unwrap();
    // About 50 seconds, long enough to settle a first chunk while the answer goes on.
    let text = format!("{ANSWER} {ANSWER}");
    let input = spoken(dir.path(), "long.wav", &text, 150);
    let one_shot = crate::util::score_json(dir.path(), &input);
    let session = practice_json(
        dir.path(),
        &["--input", input.to_str().unwrap(), "--speed", "1"],
    );
    let live = session["rounds"][0]["answer"]["report"]["transcript"]["text"]
        .as_str()
        .unwrap();
    let one = one_shot["transcript"]["text"].as_str().unwrap();
    let diff = wer(one, live);
    assert!(diff <= 0.03, "WER {diff:.3}\n live: {live}\n once: {one}");
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn the_versions_drill_compares_the_short_and_the_long_answer() {
    let dir = tempfile::tempdir().unwrap();
    let short = spoken(dir.path(), "short.wav", SHORT, 160);
    let long = spoken(dir.path(), "long.wav", ANSWER, 160);
    let session = practice_json(
        dir.path(),
        &[
            "--versions",
            "--speed",
            "0",
            "--input",
            short.to_str().unwrap(),
            "--input",
            long.to_str().unwrap(),
        ],
    );
    let rounds = session["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0]["target_secs"], 90);
    assert_eq!(rounds[1]["target_secs"], 120);
    let c = &session["comparison"];
    let dropped: Vec<&str> = c["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(!dropped.is_empty(), "the short answer dropped nothing: {c}");
    assert_eq!(c["holds_framework"], false, "{c}");
    assert!(c["short"]["words"].as_u64() < c["long"]["words"].as_u64());
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn quitting_keeps_the_audio_and_scores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(dir.path(), "answer.wav", SHORT, 160);
    let mut child = rehearse(dir.path())
        .args(["practice", "--plain", "--format", "json", "--input"])
        .arg(&input)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Quit once the take has audio on disk, whenever that is on this machine.
    let wav = wait_for_recording(&dir.path().join("sessions"), Duration::from_secs(60));
    wait_until(Duration::from_secs(60), "half a second recorded", || {
        (recorded_secs(&wav)? >= 0.5).then_some(())
    });
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"q\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ok(&out);
    let session: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(session["quit"], true);
    assert!(session["rounds"].as_array().unwrap().is_empty());
    let kept = PathBuf::from(session["abandoned"][0].as_str().unwrap());
    assert!(
        !wav_samples(&kept).is_empty(),
        "the quit take's audio is kept"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_killed_session_leaves_a_readable_recording_of_all_but_the_last_second() {
    let dir = tempfile::tempdir().unwrap();
    let input = spoken(dir.path(), "answer.wav", ANSWER, 160);
    let spawned = Instant::now();
    let mut child = rehearse(dir.path())
        .args(["practice", "--plain", "-q", "--input"])
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sessions = dir.path().join("sessions");
    let wav = wait_for_recording(&sessions, Duration::from_secs(60));
    // Once the header claims a few seconds of the answer, kill the session without warning.
    let seen = wait_until(Duration::from_secs(60), "three seconds recorded", || {
        recorded_secs(&wav).filter(|&s| s >= 3.0)
    });
    // SAFETY: kill only sends a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
    child.wait().unwrap();
    let since_spawn = spawned.elapsed().as_secs_f64();
    let kept = wav_samples(&wav);
    let kept_secs = kept.len() as f64 / 16_000.0;
    // Nothing the header already claimed is lost to the kill, and what the file holds beyond the
    // header is at most about the last second. The input plays at speaking pace, so no more can
    // have been recorded than the time since the session started.
    let in_file = (std::fs::metadata(&wav).unwrap().len() - 44) as f64 / 32_000.0;
    assert!(
        kept_secs >= seen,
        "kept {kept_secs:.2} s after the header claimed {seen:.2} s"
    );
    assert!(
        kept_secs >= in_file - 1.6,
        "the header claims {kept_secs:.2} s of the {in_file:.2} s in the file"
    );
    assert!(
        kept_secs <= since_spawn + 0.2,
        "kept {kept_secs:.2} s within {since_spawn:.2} s of the start"
    );
    // What was kept is the start of the answer, sample for sample.
    let source = wav_samples(&input);
    let n = kept.len().min(source.len());
    let off = kept[..n]
        .iter()
        .zip(&source[..n])
        .filter(|(a, b)| (**a as i32 - **b as i32).abs() > 2)
        .count();
    assert!(off * 100 <= n, "{off} of {n} samples differ from the input");
}

/// Polls `check` until it gives a value and returns it, failing the test naming `what` when it
/// has not within `limit`. The limit is generous: it only stops a broken run from hanging, and
/// how long a loaded machine takes to get there is no part of what the tests check.
fn wait_until<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the session's first WAV file appears, returning its path.
fn wait_for_recording(sessions: &Path, limit: Duration) -> PathBuf {
    wait_until(limit, "a recording to appear", || {
        std::fs::read_dir(sessions).ok()?.find_map(|e| {
            let p = e.ok()?.path().join("answer-1.wav");
            p.is_file().then_some(p)
        })
    })
}

/// The seconds of audio a recording's header claims so far, when it can be read.
fn recorded_secs(wav: &Path) -> Option<f64> {
    let reader = hound::WavReader::open(wav).ok()?;
    Some(f64::from(reader.duration()) / 16_000.0)
}

#[test]
fn bad_practice_settings_are_named_before_anything_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails_with(
        &run(dir.path(), &["practice", "--input", "no-such.wav"]),
        "no-such.wav",
    );
    assert!(err.contains("does not exist"), "{err}");
    let err = fails_with(
        &run(
            dir.path(),
            &["practice", "--input", "x.wav", "--target", "5s"],
        ),
        "--target",
    );
    assert!(err.contains("between 10s"), "{err}");
    fails_with(
        &run(
            dir.path(),
            &["practice", "--target", "2m", "--hard-cap", "1m"],
        ),
        "--hard-cap",
    );
    fails_with(
        &run(dir.path(), &["practice", "--silence-end", "1s"]),
        "at least 3s",
    );
    assert!(
        !dir.path().join("sessions").exists(),
        "nothing was recorded"
    );
}
