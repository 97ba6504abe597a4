//! Benchmark: the real-time factor and peak memory of `rehearse score` on a 90-second answer, with
//! the installed model (tiny.en from `scripts/bootstrap`), against faster-whisper on the same file
//! when it is installed (`pip install faster-whisper`).
//!
//! Run with `cargo bench --bench score_rtf`. It prints medians over several runs; it asserts nothing.
//! The answer is synthesized with espeak-ng from the text in `samples/answer.txt`, slowed to last
//! about 90 seconds.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

    // The engines run in turns, one run each per round, so that a slow spell on a shared machine
    // hits all alike; each ratio is the median of the per-round ratios. faster-whisper runs twice a
    // round: plainly (the target) and timing every word, which is what rehearse's output carries.
    let mut ours = Vec::new();
    let mut plain = Baseline::default();
    let mut timed = Baseline::default();
    let mut peak_kb = 0;
    for _ in 0..RUNS {
        let (secs, kb) = run_rehearse(&audio, dir.path());
        peak_kb = peak_kb.max(kb);
        ours.push(secs);
        plain.add(secs, run_faster_whisper(&audio, false));
        timed.add(secs, run_faster_whisper(&audio, true));
    }
    let median_ours = median(&mut ours);
    println!(
        "rehearse score: median {median_ours:.2} s over {RUNS} runs, real-time factor {:.4} (s per s of audio), peak RSS {:.0} MB",
        median_ours / secs,
        peak_kb as f64 / 1024.0
    );
    plain.report("faster-whisper (int8, 2 threads, beam 1)", secs);
    timed.report(
        "faster-whisper (int8, 2 threads, beam 1, word timestamps)",
        secs,
    );
}

/// One faster-whisper configuration's runs and the paired ratios against rehearse.
#[derive(Default)]
struct Baseline {
    secs: Vec<f64>,
    ratios: Vec<f64>,
}

impl Baseline {
    fn add(&mut self, ours: f64, theirs: Option<f64>) {
        if let Some(t) = theirs {
            self.secs.push(t);
            self.ratios.push(ours / t);
        }
    }

    fn report(mut self, name: &str, audio_secs: f64) {
        if self.secs.is_empty() {
            println!(
                "{name}: not measured (install it with `pip install faster-whisper` and run scripts/bootstrap)"
            );
            return;
        }
        let t = median(&mut self.secs);
        println!(
            "{name}: median {t:.2} s, real-time factor {:.4}; rehearse / faster-whisper = {:.2} (median of {} paired runs)",
            t / audio_secs,
            median(&mut self.ratios),
            self.ratios.len()
        );
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

/// The wall time of one whole `rehearse score` run (decode, load, transcribe, measure, score)
/// and its peak resident memory, from the kernel's accounting of that one child.
#[allow(
    clippy::zombie_processes,
    reason = "wait_with_rusage reaps the child with wait4, which std's wait cannot report"
)]
fn run_rehearse(audio: &Path, data_dir: &Path) -> (f64, i64) {
    let stderr = tempfile::tempfile().expect("a temporary file");
    let started = Instant::now();
    let child = rehearse(data_dir)
        .args(["score", "--format", "json", audio.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(stderr.try_clone().expect("a second handle"))
        .spawn()
        .expect("rehearse runs");
    let (status, peak_kb) = wait_with_rusage(child.id() as libc::pid_t);
    let secs = started.elapsed().as_secs_f64();
    if status != 0 {
        let mut text = String::new();
        let mut f = stderr;
        let _ = f.seek(SeekFrom::Start(0));
        let _ = f.read_to_string(&mut text);
        panic!("rehearse score failed: {text}");
    }
    (secs, peak_kb)
}

/// Waits for `pid` and returns its exit status and peak RSS in KiB.
fn wait_with_rusage(pid: libc::pid_t) -> (i32, i64) {
    // SAFETY: wait4 only writes into the two values we pass; the child is ours and not yet reaped.
    unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let got = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(got, pid, "waiting for rehearse failed");
        (status, usage.ru_maxrss)
    }
}

/// One run of faster-whisper on the same file through `benches/fw_baseline.py`, if Python has it;
/// with `words`, timing every word too.
fn run_faster_whisper(audio: &Path, words: bool) -> Option<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fw_baseline.py");
    let mut cmd = Command::new("python3");
    cmd.args([script.to_str().unwrap(), audio.to_str().unwrap(), "1"]);
    if words {
        cmd.arg("--word-timestamps");
    }
    let out = cmd.output().ok()?;
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
