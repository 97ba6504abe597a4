//! Benchmark: transcription on a server. How closely it agrees with local transcription, and how
//! many people practising at once one server keeps answering within 2 s of each answer's end.
//!
//! Opt-in: it needs a running transcription server loaded with the same model as the local one,
//! such as whisper.cpp's from `scripts/whisper-server` in another terminal, then
//!
//! ```text
//! REHEARSE_TRANSCRIBE_URL=http://127.0.0.1:8178/v1 cargo bench --bench remote
//! ```
//!
//! 1. Agreement: jfk.wav, the bundled answer and a two-minute spoken answer are scored locally and
//!    through the server; it prints the word difference, how far the word times of the words both
//!    heard differ (median and 90th percentile), and each side's time.
//! 2. Capacity: for each N in `REHEARSE_BENCH_SESSIONS` (default `1,2,4,8`), N practice sessions
//!    play the two-minute answer at speaking pace at the same time, server-only (no local model,
//!    so the clients cost the machine almost nothing and the server does all the transcribing),
//!    first all starting together (their answers end together: the worst case), then with starts
//!    spread evenly over 30 s. It prints the median and worst `final_latency_ms` and the largest N
//!    whose worst stays under 2 s.
//!
//! The server and the sessions share this machine, so on a laptop the figures are a floor for a
//! dedicated server. It asserts nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let Ok(url) = std::env::var("REHEARSE_TRANSCRIBE_URL") else {
        println!(
            "remote: set REHEARSE_TRANSCRIBE_URL to a running transcription server (scripts/whisper-server prints it with --print-env); nothing measured"
        );
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("a temporary folder");
    let long = two_minutes(&root, work.path());
    println!("agreement with local transcription ({url}):");
    println!(
        "| recording | words differ | word times differ, median / 90th pct | local | server |"
    );
    println!("|---|---|---|---|---|");
    for file in [
        root.join("../shared/audio/jfk.wav"),
        root.join("samples/answer.flac"),
        long.clone(),
    ] {
        agreement(&file, &url, work.path());
    }
    let sessions: Vec<usize> = std::env::var("REHEARSE_BENCH_SESSIONS")
        .unwrap_or_else(|_| "1,2,4,8".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    // A copy of the binary outside the checkout, run from a folder of its own: it finds no local
    // model, so the sessions are transcribed by the server alone.
    let exe = work.path().join("rehearse");
    std::fs::copy(env!("CARGO_BIN_EXE_rehearse"), &exe).expect("the binary can be copied");
    println!("\ncapacity: N two-minute sessions at speaking pace against {url}");
    println!("| N | starts | median end latency | worst | under 2 s |");
    println!("|---|---|---|---|---|");
    for spread in [0.0, 30.0] {
        let mut largest = 0;
        for &n in &sessions {
            let latencies = capacity(&exe, &url, &long, n, spread, work.path());
            let worst = latencies.iter().copied().fold(0.0, f64::max);
            let ok = latencies.len() == n && worst < 2_000.0;
            if ok {
                largest = n;
            }
            println!(
                "| {n} | {} | {:.0} ms | {worst:.0} ms | {} |",
                if spread == 0.0 {
                    "together".to_string()
                } else {
                    format!("over {spread:.0} s")
                },
                median(&latencies),
                if ok {
                    "yes"
                } else if latencies.len() < n {
                    "some failed"
                } else {
                    "no"
                }
            );
        }
        println!(
            "largest N under 2 s with starts {}: {largest}",
            if spread == 0.0 {
                "together"
            } else {
                "spread over 30 s"
            }
        );
    }
}

/// A two-minute answer: the bundled answer's text twice, spoken by espeak-ng at 160 words a
/// minute, as 16 kHz mono WAV.
fn two_minutes(root: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root.join("samples/answer.txt")).expect("the sample text");
    let twice = format!("{text} {text}");
    let raw = dir.join("raw.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&raw)
        .arg(&twice)
        .status()
        .expect("espeak-ng runs (scripts/bootstrap installs it)");
    assert!(status.success());
    let out = dir.join("two-minutes.wav");
    let status = Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16"])
        .arg(&out)
        .status()
        .expect("sox runs");
    assert!(status.success());
    out
}

fn rehearse(exe: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env_remove("REHEARSE_CONFIG")
        .env_remove("REHEARSE_MODEL")
        .env_remove("RUST_LOG")
        .env("REHEARSE_DATA_DIR", data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .stdin(Stdio::null());
    cmd
}

fn score(file: &Path, url: Option<&str>, data: &Path) -> (serde_json::Value, f64) {
    let mut cmd = rehearse(Path::new(env!("CARGO_BIN_EXE_rehearse")), data);
    cmd.args(["score", "--no-save", "--format", "json"]);
    if let Some(url) = url {
        cmd.args(["--transcribe-url", url]);
    }
    let started = Instant::now();
    let out = cmd.arg(file).output().expect("rehearse runs");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).expect("JSON"), secs)
}

fn agreement(file: &Path, url: &str, dir: &Path) {
    let data = dir.join("agreement");
    let (local, local_s) = score(file, None, &data);
    let (remote, remote_s) = score(file, Some(url), &data);
    let (a, b) = (
        rehearse::testkit::report_words(&local),
        rehearse::testkit::report_words(&remote),
    );
    let wa: Vec<String> = a.iter().map(|w| w.0.clone()).collect();
    let wb: Vec<String> = b.iter().map(|w| w.0.clone()).collect();
    let diff = rehearse::testkit::wer(&wa.join(" "), &wb.join(" "));
    let mut offsets: Vec<f64> = rehearse::testkit::aligned(&wa, &wb)
        .into_iter()
        .flat_map(|(i, j)| {
            [
                (a[i].1 - b[j].1).abs() as f64,
                (a[i].2 - b[j].2).abs() as f64,
            ]
        })
        .collect();
    offsets.sort_by(f64::total_cmp);
    let p90 = offsets.get(offsets.len() * 9 / 10).copied().unwrap_or(0.0);
    println!(
        "| {} | {:.1} % | {:.0} / {p90:.0} ms | {local_s:.1} s | {remote_s:.1} s |",
        file.file_name().unwrap().to_string_lossy(),
        diff * 100.0,
        median(&offsets),
    );
}

/// Runs `n` sessions of `input` at once (starts spread evenly over `spread` seconds) and returns
/// each finished session's end latency in milliseconds.
fn capacity(exe: &Path, url: &str, input: &Path, n: usize, spread: f64, dir: &Path) -> Vec<f64> {
    let mut children = Vec::new();
    for i in 0..n {
        if i > 0 && spread > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(spread / n as f64));
        }
        let data = dir.join(format!("capacity-{n}-{spread}-{i}"));
        let child = rehearse(exe, &data)
            .current_dir(dir)
            .args([
                "practice",
                "--plain",
                "--offline",
                "--format",
                "json",
                "--target",
                "3m",
            ])
            .args(["--transcribe-url", url, "--input"])
            .arg(input)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rehearse starts");
        children.push(child);
    }
    children
        .into_iter()
        .filter_map(|c| {
            let out = c.wait_with_output().ok()?;
            if !out.status.success() {
                eprintln!(
                    "a session failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                return None;
            }
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
            v["rounds"][0]["answer"]["final_latency_ms"].as_f64()
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
