//! A full disk during a practice session: the recording keeps what fitted, and the transcript and
//! score, computed from the samples in memory, are still printed before the error says what could
//! not be kept. The session folder lives on a 1 MiB tmpfs mounted in a private mount namespace
//! (`unshare -m`), so the mount vanishes with the test's shell whatever happens; the machines this
//! project runs on (and CI) are root, which mounting needs.

use std::process::Command;

use crate::util::{rehearse_with, root};

#[test]
fn a_full_disk_keeps_the_recording_that_fitted_and_still_shows_the_score() {
    let data = tempfile::tempdir().unwrap();
    let small = data.path().join("small");
    let copy = data.path().join("copy");
    std::fs::create_dir_all(&small).unwrap();
    let bin = rehearse_with(
        data.path(),
        &format!("[practice]\nsessions_dir = \"{}\"\n", small.display()),
    );
    // The command's environment is kept; only the program and its arguments move into the shell.
    let mut cmd = Command::new("unshare");
    cmd.envs(bin.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .args(["-m", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=1m tmpfs \"$1\" || exit 99; \
             \"$2\" practice --plain --input samples/answer.flac --speed 0 < /dev/null; s=$?; \
             cp -r \"$1\" \"$3\"; exit $s",
        )
        .args(["sh", small.to_str().unwrap()])
        .arg(bin.get_program())
        .arg(&copy)
        .current_dir(root());
    let out = cmd.output().expect("unshare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.status.code(),
        Some(99),
        "the test could not mount a tmpfs: {stderr}"
    );
    assert!(!out.status.success(), "a full disk must fail the command");
    // The result is shown although it could not be saved.
    assert!(
        stdout.contains("Transcript"),
        "no transcript: {stdout}\n{stderr}"
    );
    assert!(stdout.contains("Overall:"), "no score: {stdout}");
    assert!(
        stdout.contains("production"),
        "not the answer's words: {stdout}"
    );
    // One clear sentence says what was not written and how much audio is kept.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("rehearse: "), "{stderr}");
    assert!(last.contains("No space left on device"), "{stderr}");
    assert!(last.contains("s recorded before this are kept"), "{stderr}");
    // The recording that fitted is a readable WAV of tens of seconds.
    let wav = std::fs::read_dir(&copy)
        .unwrap()
        .filter_map(|e| e.ok())
        .flat_map(|session| std::fs::read_dir(session.path()).unwrap())
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wav"))
        .expect("the recording is kept");
    let reader = hound::WavReader::open(&wav).expect("the kept recording is a readable WAV");
    let secs = reader.duration() as f64 / f64::from(reader.spec().sample_rate);
    assert!((10.0..40.0).contains(&secs), "{secs} s kept");
}
