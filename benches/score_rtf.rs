//! Benchmark: the real-time factor and peak memory of `rehearse score` on a 90-second answer, with
//! the installed model (tiny.en from `scripts/bootstrap`), against faster-whisper on the same file
//! when it is installed (`pip install faster-whisper`).
//!
//! Run with `cargo bench --bench score_rtf`. It prints medians over several runs; it asserts nothing.
//! The answer is synthesized with espeak-ng from the text in `samples/answer.txt`, slowed to last
//! about 90 seconds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let audio = make_answer(dir.path());
    let secs = audio_secs(&audio);
    println!(
        "answer: {} ({secs:.1} s of synthesized speech)",
        audio.display()
    );
    let model = model_path(dir.path());
    println!("model: {}", model.display());

    let (median, peak_kb) = bench_rehearse(&audio, dir.path());
    println!(
        "rehearse score: median {median:.2} s over {RUNS} runs, real-time factor {:.4} (s per s of audio), peak RSS {:.0} MB",
        median / secs,
        peak_kb as f64 / 1024.0
    );

    match bench_faster_whisper(&audio) {
        Some(fw) => println!(
            "faster-whisper (int8, 2 threads, beam 1): median {fw:.2} s, real-time factor {:.4}; rehearse / faster-whisper = {:.2}",
            fw / secs,
            median / fw
        ),
        None => println!(
            "faster-whisper: not measured (install it with `pip install faster-whisper` and run scripts/bootstrap)"
        ),
    }
}

/// Speaks the sample answer at 130 words a minute, which makes it about 90 seconds long.
fn make_answer(dir: &Path) -> PathBuf {
    let text = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/answer.txt");
    let wav = dir.join("answer-90s.wav");
    let ok = Command::new("espeak-ng")
        .args([
            "-v",
            "en-us",
            "-s",
            "130",
            "-w",
            wav.to_str().unwrap(),
            "-f",
            text.to_str().unwrap(),
        ])
        .status()
        .expect("espeak-ng is installed (scripts/bootstrap)");
    assert!(ok.success());
    wav
}

fn audio_secs(path: &Path) -> f64 {
    let out = Command::new("soxi")
        .args(["-D", path.to_str().unwrap()])
        .output()
        .expect("soxi runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a duration")
}

fn rehearse(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rehearse"));
    cmd.env("REHEARSE_DATA_DIR", data_dir)
        .env_remove("REHEARSE_CONFIG");
    cmd
}

fn model_path(data_dir: &Path) -> PathBuf {
    let out = rehearse(data_dir)
        .args(["models", "path"])
        .output()
        .expect("rehearse runs");
    assert!(out.status.success(), "no model: run scripts/bootstrap");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Median wall time of whole `rehearse score` runs (decode, load, transcribe, measure), and the peak
/// resident memory of any of them, from the kernel's accounting of waited-for children.
fn bench_rehearse(audio: &Path, data_dir: &Path) -> (f64, i64) {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = rehearse(data_dir)
            .args(["score", "--format", "json", audio.to_str().unwrap()])
            .output()
            .expect("rehearse runs");
        times.push(started.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (median(&mut times), children_peak_rss_kb())
}

/// faster-whisper on the same file through `benches/fw_baseline.py`, if Python has it.
fn bench_faster_whisper(audio: &Path) -> Option<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fw_baseline.py");
    let out = Command::new("python3")
        .args([
            script.to_str().unwrap(),
            audio.to_str().unwrap(),
            &RUNS.to_string(),
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "faster-whisper baseline: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn children_peak_rss_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}
