//! Benchmark: how soon the transcript and score of a live answer are ready after it ends, and the
//! peak memory of the session.
//!
//! A 2-minute answer (the text of `samples/answer.txt` spoken slowly by espeak-ng) is played
//! through `rehearse practice --input` at speaking pace, the simulated microphone that goes through
//! the same pipeline as a real one. rehearse reports, per answer, the time from the last audio
//! sample to the finished report (`final_latency_ms`). Two endings are measured: the answer ends
//! one second after the last word, as when a speaker stops and then presses Enter, and the answer
//! ends on the last word itself, the worst case. For comparison the benchmark also times a one-shot
//! `rehearse score` of the same file, which is what the speaker would wait for without live
//! transcription.
//!
//! Run with `cargo bench --bench practice_latency`; `REHEARSE_BENCH_RUNS` sets the runs per ending
//! (default 3) and `REHEARSE_BENCH_MODEL` the model (default: the installed one). It asserts nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let runs: usize = std::env::var("REHEARSE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let spoken = speak(dir.path());
    let model = std::env::var("REHEARSE_BENCH_MODEL").ok();
    for (label, trailing) in [
        ("1 s pause, then the end", "1.0"),
        ("ends on the last word", "0"),
    ] {
        let file = pad(&spoken, trailing, dir.path());
        let mut latencies = Vec::new();
        let mut peak_kb = 0;
        for _ in 0..runs {
            let (ms, kb) = practice(&file, dir.path(), model.as_deref());
            latencies.push(ms);
            peak_kb = peak_kb.max(kb);
        }
        println!(
            "{label}: {:.1} s answer; last sample to report: median {:.0} ms over {runs} runs {latencies:?}; peak RSS {:.0} MB",
            secs(&file),
            median(&mut latencies),
            peak_kb as f64 / 1024.0
        );
    }
    let started = Instant::now();
    let mut cmd = rehearse(dir.path(), model.as_deref());
    let status = cmd
        .args(["score", "-q", "--format", "json"])
        .arg(&spoken)
        .stdout(Stdio::null())
        .status()
        .expect("rehearse runs");
    assert!(status.success());
    println!(
        "one-shot `rehearse score` of the same answer: {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

/// The sample answer spoken at 95 words a minute: about two minutes.
fn speak(dir: &Path) -> PathBuf {
    let text = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/answer.txt");
    let wav = dir.join("answer-2m.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "95", "-w"])
        .arg(&wav)
        .arg("-f")
        .arg(&text)
        .status()
        .expect("espeak-ng is installed (scripts/bootstrap)");
    assert!(ok.success());
    wav
}

/// `wav` with half a second of silence before it and `trailing` seconds after it.
fn pad(wav: &Path, trailing: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("answer-pad{trailing}.wav"));
    let ok = Command::new("sox")
        .arg(wav)
        .arg(&out)
        .args(["pad", "0.5", trailing])
        .status()
        .expect("sox is installed (scripts/bootstrap)");
    assert!(ok.success());
    out
}

fn secs(path: &Path) -> f64 {
    let out = Command::new("soxi")
        .arg("-D")
        .arg(path)
        .output()
        .expect("soxi runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn rehearse(data: &Path, model: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rehearse"));
    cmd.env("REHEARSE_DATA_DIR", data)
        .env_remove("REHEARSE_CONFIG");
    if let Some(m) = model {
        cmd.env("REHEARSE_MODEL", m);
    }
    cmd
}

/// One session at speaking pace: its final latency in ms and its peak RSS in KiB.
#[allow(
    clippy::zombie_processes,
    reason = "wait4 below reaps the child, which std's wait cannot report"
)]
fn practice(file: &Path, data: &Path, model: Option<&str>) -> (f64, i64) {
    let out = tempfile::NamedTempFile::new().expect("a temporary file");
    let child = rehearse(data, model)
        .args(["practice", "--plain", "-q", "--format", "json", "--input"])
        .arg(file)
        .stdout(out.reopen().expect("a second handle"))
        .stdin(Stdio::null())
        .spawn()
        .expect("rehearse runs");
    // SAFETY: wait4 only writes into the two values we pass; the child is ours and not yet reaped.
    let (status, peak_kb) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = child.id() as libc::pid_t;
        assert_eq!(libc::wait4(pid, &mut status, 0, &mut usage), pid);
        (status, usage.ru_maxrss)
    };
    assert_eq!(status, 0, "rehearse practice failed");
    let json: serde_json::Value =
        serde_json::from_reader(out.reopen().expect("the output")).expect("JSON");
    let ms = json["rounds"][0]["answer"]["final_latency_ms"]
        .as_f64()
        .expect("a latency");
    (ms, peak_kb)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
