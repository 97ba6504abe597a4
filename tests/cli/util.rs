//! Helpers shared by the integration tests: running the binary, making speech with espeak-ng and
//! converting it with sox, and comparing transcripts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/audio/jfk.wav` and its reference text.
pub fn jfk() -> (PathBuf, String) {
    let dir = root().join("../shared/audio");
    let text =
        std::fs::read_to_string(dir.join("jfk.txt")).expect("../shared/audio/jfk.txt is readable");
    (dir.join("jfk.wav"), text)
}

/// A `rehearse` command isolated from the user's config and data, finding the model the bootstrap
/// put in the repository's models/ folder.
///
/// Its default config file asks for one decoding thread: the test harness runs two tests at once
/// on a two-core machine, and whisper.cpp's worker threads spin while they wait for each other, so
/// two processes of two threads each would slow each other down many times over.
pub fn rehearse(data_dir: &Path) -> Command {
    rehearse_with(data_dir, "")
}

/// Like [`rehearse`], with `extra` appended to the config file.
pub fn rehearse_with(data_dir: &Path, extra: &str) -> Command {
    rehearse_binary(Path::new(env!("CARGO_BIN_EXE_rehearse")), data_dir, extra)
}

/// Like [`rehearse_with`], running the binary at `exe`, such as a copy of the one cargo built.
pub fn rehearse_binary(exe: &Path, data_dir: &Path, extra: &str) -> Command {
    let config_dir = data_dir.join("config/rehearse");
    std::fs::create_dir_all(&config_dir).expect("the test's config folder can be made");
    std::fs::write(
        config_dir.join("config.toml"),
        format!("[transcribe]\nthreads = 1\n{extra}"),
    )
    .expect("the test config can be written");
    let mut cmd = Command::new(exe);
    cmd.env_remove("REHEARSE_CONFIG")
        .env_remove("REHEARSE_MODEL")
        .env_remove("RUST_LOG")
        .env_remove("OPENAI_API_KEY")
        .env("REHEARSE_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir.join("config"));
    cmd
}

/// Fails the test with the command's standard error unless it succeeded.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `rehearse` with `args` and returns its output.
pub fn run(data_dir: &Path, args: &[&str]) -> Output {
    rehearse(data_dir)
        .args(args)
        .output()
        .expect("the rehearse binary runs")
}

/// Scores `file` as JSON and returns the parsed report, failing the test with stderr on error.
pub fn score_json(data_dir: &Path, file: &Path) -> serde_json::Value {
    let out = run(
        data_dir,
        &["score", "--format", "json", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "score {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("score --format json prints JSON")
}

/// Standard error of a run that must fail, checked to be one line naming `needle`.
pub fn fails_with(out: &Output, needle: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "expected failure, got success; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "a failed run printed a result: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains(needle),
        "stderr does not mention {needle:?}: {err}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "stderr is not one line: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Runs a helper program, failing the test with its stderr when it fails.
pub use rehearse::testkit::run as tool;

/// Converts `input` with sox to 16 kHz mono 16-bit signed samples in `output`, whose ending picks
/// the container (`.raw` for headerless samples); `effects` follow, such as `["pad", "0.5", "0.8"]`.
pub fn to_16k_s16(input: &Path, output: &Path, effects: &[&str]) {
    let mut args = vec![
        input.to_str().unwrap(),
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
    ];
    args.extend(["-e", "signed-integer"]);
    if output.extension().is_some_and(|e| e == "raw") {
        args.extend(["-t", "raw"]);
    }
    args.push(output.to_str().unwrap());
    args.extend_from_slice(effects);
    tool("sox", &args);
}

/// Speaks `text` with espeak-ng into a WAV file at `path` (22.05 kHz mono), at `wpm` words a minute.
pub fn speak(text: &str, path: &Path, wpm: u32) {
    tool(
        "espeak-ng",
        &[
            "-v",
            "en-us",
            "-s",
            &wpm.to_string(),
            "-w",
            path.to_str().unwrap(),
            text,
        ],
    );
}

/// The duration of an audio file in seconds, as sox measures it.
pub fn duration_secs(path: &Path) -> f64 {
    let out = Command::new(rehearse::testkit::program("soxi"))
        .args(["-D", path.to_str().unwrap()])
        .output()
        .expect("soxi runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("soxi prints a duration")
}

pub use rehearse::testkit::{normalise, wer};

/// The transcript text of a JSON report.
pub fn text_of(report: &serde_json::Value) -> String {
    report["transcript"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
