//! Benchmark: how soon the transcript and score of a live answer are ready after it ends, what
//! transcribing while the person speaks costs, and the peak memory of the session.
//!
//! Each answer is written text from the project's dev set (`tests/devset`), spoken by a synthetic
//! voice, converted to 16 kHz mono and trimmed so that it ends on its last word with no silence
//! after it: the worst case, since nothing of the answer can be decoded while the speaker pauses
//! before pressing Enter. Twelve answers: espeak-ng and flite, each at an ordinary and a fast
//! speaking rate, three answers each; and one answer that runs past the hard cap of a two-minute
//! target, so the recording is cut off mid-sentence.
//!
//! Each is played through `rehearse practice --input --offline` at speaking pace, the simulated
//! microphone that goes through the same pipeline as a real one, and measured:
//! - `final_latency_ms` from the JSON report: the last audio sample to the finished report;
//! - the transcript against a one-shot `rehearse score` of the recording the session saved (word
//!   difference);
//! - the transcriber's load while the person speaks: the time whisper.cpp spent decoding, from
//!   rehearse's debug log, as a share of the answer's length (it must stay well under 100 % to
//!   keep up), and the CPU time of the whole process per second of audio;
//! - the process's peak resident memory (`wait4`'s `ru_maxrss`);
//! - whether the saved recording equals the input sample for sample.
//!
//! Run with `cargo bench --bench practice_latency [FILTER]`, where FILTER keeps the answers whose
//! label contains it; `REHEARSE_BENCH_RUNS` sets the runs per answer (default 1, each takes as long
//! as the answer) and `REHEARSE_BENCH_MODEL` the model (a name such as `base`, or a path; default:
//! the installed one). `REHEARSE_BENCH_KEEP=DIR` keeps each answer's WAV and each session's debug
//! log there, to see where a slow end spent its time. It asserts nothing, but says which targets a
//! run misses.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A synthetic voice and how fast it speaks.
#[derive(Clone, Copy)]
struct Voice {
    /// Shown in the results.
    label: &'static str,
    program: &'static str,
    /// Arguments before the output file and the text.
    args: &'static [&'static str],
}

const VOICES: [Voice; 4] = [
    Voice {
        label: "espeak-ng 170 wpm",
        program: "espeak-ng",
        args: &["-v", "en-us", "-s", "170"],
    },
    Voice {
        label: "espeak-ng 220 wpm",
        program: "espeak-ng",
        args: &["-v", "en-us", "-s", "220", "-g", "1"],
    },
    Voice {
        label: "flite slt",
        program: "flite",
        args: &["-voice", "slt"],
    },
    Voice {
        label: "flite rms fast",
        program: "flite",
        args: &["-voice", "rms", "--setf", "duration_stretch=0.78"],
    },
];

/// The dev-set writers whose longest answers are spoken, three per voice.
const WRITERS: [&str; 6] = ["w2", "w4", "w6", "w8", "w9", "w10"];

/// One answer to play.
struct Case {
    label: String,
    wav: PathBuf,
    /// `--target` for the session.
    target: &'static str,
}

/// What one run of one answer gave.
struct Run {
    latency_ms: f64,
    peak_kb: i64,
    cpu_s: f64,
    decode_ms: u64,
    text: String,
    ending: String,
    same_audio: bool,
    /// The recording the session saved.
    saved: PathBuf,
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let runs: usize = std::env::var("REHEARSE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let model = std::env::var("REHEARSE_BENCH_MODEL").ok();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cases: Vec<Case> = cases(dir.path())
        .into_iter()
        .filter(|c| filter.iter().all(|f| c.label.contains(f.as_str())))
        .collect();
    println!(
        "model: {}; {runs} run(s) per answer; each answer ends on its last word",
        model.as_deref().unwrap_or("the installed one")
    );
    println!(
        "{:<48} {:>6} {:>9} {:>9} {:>7} {:>7} {:>6} {:>8} {:>6}",
        "answer", "secs", "end ms", "worst ms", "diff %", "decode", "cpu", "peak MB", "wav"
    );
    let mut medians = Vec::new();
    let mut worst_all: f64 = 0.0;
    let mut worst_diff: f64 = 0.0;
    let mut peak_all = 0;
    let mut all_same = true;
    for case in &cases {
        let secs = secs(&case.wav);
        let mut results: Vec<Run> = (0..runs)
            .map(|_| practice(case, dir.path(), model.as_deref()))
            .collect();
        // The session's own recording, which a session cut at the cap keeps only the start of.
        let one_shot = one_shot(&results[0].saved, dir.path(), model.as_deref());
        let mut latencies: Vec<f64> = results.iter().map(|r| r.latency_ms).collect();
        let median = median(&mut latencies);
        let worst = latencies.iter().copied().fold(0.0, f64::max);
        let diff = results
            .iter()
            .map(|r| rehearse::testkit::wer(&one_shot, &r.text) * 100.0)
            .fold(0.0, f64::max);
        let peak = results.iter().map(|r| r.peak_kb).max().unwrap_or(0);
        let same = results.iter().all(|r| r.same_audio);
        let heard: Vec<String> = results.iter().map(|r| r.ending.clone()).collect();
        let last = results.pop().expect("at least one run");
        println!(
            "{:<48} {:>6.1} {:>9.0} {:>9.0} {:>7.1} {:>6.0}% {:>6.2} {:>8.0} {:>6}{}",
            case.label,
            secs,
            median,
            worst,
            diff,
            last.decode_ms as f64 / (secs * 10.0),
            last.cpu_s / secs,
            peak as f64 / 1024.0,
            if same { "same" } else { "DIFF" },
            if heard.iter().any(|e| e != "input_ended") {
                format!("  (ended: {})", heard.join(", "))
            } else {
                String::new()
            }
        );
        if diff > 3.0 {
            for r in &results {
                println!("    live:     {}", r.text);
            }
            println!("    last run: {}\n    one-shot: {one_shot}", last.text);
        }
        medians.push(median);
        worst_all = worst_all.max(worst);
        worst_diff = worst_diff.max(diff);
        peak_all = peak_all.max(peak);
        all_same &= same;
    }
    if cases.is_empty() {
        println!("no answer matches {filter:?}");
        return;
    }
    let overall = median(&mut medians.clone());
    println!(
        "over {} answers: end latency median {overall:.0} ms, worst {worst_all:.0} ms; live vs one-shot \
         word difference at most {worst_diff:.1} %; peak RSS {:.0} MB; recordings {}",
        cases.len(),
        peak_all as f64 / 1024.0,
        if all_same {
            "identical to the input"
        } else {
            "NOT identical to the input"
        }
    );
    println!(
        "decode: whisper.cpp's decoding time as a share of the answer; cpu: CPU seconds of the \
         whole process per second of audio (2 cores = 2.00)"
    );
}

/// The answers: the longest answer of each writer in [`WRITERS`], three to a voice, and a long
/// one made of three more that runs past the hard cap.
fn cases(dir: &Path) -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/devset");
    let longest = |writer: &str, n: usize| -> Vec<(String, String)> {
        let text = std::fs::read_to_string(root.join(format!("{writer}.jsonl")))
            .expect("the dev set is in tests/devset");
        let mut answers: Vec<(String, String)> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a dev-set line"))
            .map(|v| {
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        answers
            .sort_by_key(|(id, t)| (std::cmp::Reverse(t.split_whitespace().count()), id.clone()));
        answers.truncate(n);
        answers
    };
    let mut out = Vec::new();
    for (i, writer) in WRITERS.iter().enumerate() {
        // Each writer's answer is spoken by two voices, so every text is heard at both rates.
        for voice in [VOICES[i % 2], VOICES[2 + (i + 1) % 2]] {
            let (id, text) = longest(writer, 1).remove(0);
            let label = format!("{} {}", voice.label, id.trim_start_matches("w"));
            let wav = synthesise(dir, &label, voice, &text);
            out.push(Case {
                label,
                wav,
                target: "2m",
            });
        }
    }
    let long: Vec<String> = longest("w11", 3).into_iter().map(|(_, t)| t).collect();
    let label = "espeak-ng 190 wpm, past the cap".to_string();
    let voice = Voice {
        label: "",
        program: "espeak-ng",
        args: &["-v", "en-us", "-s", "190"],
    };
    let wav = synthesise(dir, &label, voice, &long.join(" "));
    out.push(Case {
        label,
        wav,
        target: "2m",
    });
    out
}

/// Speaks `text` and makes it a 16 kHz mono 16-bit WAV with half a second of silence before the
/// speech and none after it.
fn synthesise(dir: &Path, label: &str, voice: Voice, text: &str) -> PathBuf {
    let name: String = label
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let txt = dir.join(format!("{name}.txt"));
    std::fs::write(&txt, text).expect("a text file");
    let raw = dir.join(format!("{name}-raw.wav"));
    let mut cmd = Command::new(voice.program);
    cmd.args(voice.args);
    if voice.program == "flite" {
        cmd.arg("-f").arg(&txt).arg("-o").arg(&raw);
    } else {
        cmd.arg("-f").arg(&txt).arg("-w").arg(&raw);
    }
    let ok = cmd.status().unwrap_or_else(|e| {
        panic!(
            "{} runs (scripts/bootstrap installs it): {e}",
            voice.program
        )
    });
    assert!(ok.success(), "{} failed", voice.program);
    let wav = dir.join(format!("{name}.wav"));
    // Silence trimmed from both ends (the end by reversing), then half a second put back in front.
    let ok = Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&wav)
        .args([
            "silence", "1", "0.01", "-50d", "reverse", "silence", "1", "0.01", "-50d",
        ])
        .args(["reverse", "pad", "0.5", "0"])
        .status()
        .expect("sox is installed (scripts/bootstrap)");
    assert!(ok.success());
    wav
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
        .env_remove("REHEARSE_CONFIG")
        .env("NO_COLOR", "1");
    if let Some(m) = model {
        cmd.env("REHEARSE_MODEL", m);
    }
    cmd
}

/// The one-shot transcript of `wav`.
fn one_shot(wav: &Path, data: &Path, model: Option<&str>) -> String {
    let out = rehearse(data, model)
        .args(["score", "-q", "--format", "json"])
        .arg(wav)
        .output()
        .expect("rehearse runs");
    assert!(out.status.success(), "rehearse score failed");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    json["transcript"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// One session at speaking pace.
#[allow(
    clippy::zombie_processes,
    reason = "wait4 below reaps the child, which std's wait cannot report"
)]
fn practice(case: &Case, data: &Path, model: Option<&str>) -> Run {
    let out = tempfile::NamedTempFile::new().expect("a temporary file");
    let log = tempfile::NamedTempFile::new().expect("a temporary file");
    let child = rehearse(data, model)
        .env("RUST_LOG", "off,rehearse::transcribe=debug")
        .args(["practice", "--plain", "-q", "--offline", "--format", "json"])
        .args(["--target", case.target, "--input"])
        .arg(&case.wav)
        .stdout(out.reopen().expect("a second handle"))
        .stderr(log.reopen().expect("a second handle"))
        .stdin(Stdio::null())
        .spawn()
        .expect("rehearse runs");
    // SAFETY: wait4 only writes into the two values we pass; the child is ours and not yet reaped.
    let (status, usage) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = child.id() as libc::pid_t;
        assert_eq!(libc::wait4(pid, &mut status, 0, &mut usage), pid);
        (status, usage)
    };
    let log = std::fs::read_to_string(log.path()).unwrap_or_default();
    if let Some(keep) = std::env::var_os("REHEARSE_BENCH_KEEP") {
        keep_copies(Path::new(&keep), case, &log);
    }
    assert_eq!(status, 0, "rehearse practice failed:\n{log}");
    let json: serde_json::Value =
        serde_json::from_reader(out.reopen().expect("the output")).expect("JSON");
    let answer = &json["rounds"][0]["answer"];
    let saved = PathBuf::from(answer["audio"].as_str().expect("the recording's path"));
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run {
        latency_ms: answer["final_latency_ms"].as_f64().expect("a latency"),
        peak_kb: usage.ru_maxrss,
        cpu_s: tv(usage.ru_utime) + tv(usage.ru_stime),
        decode_ms: logged_sum(&log, "took_ms"),
        text: answer["report"]["transcript"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ending: answer["ending"].as_str().unwrap_or_default().to_string(),
        same_audio: same_start(&case.wav, &saved),
        saved,
    }
}

/// Copies the answer's WAV and the session's log into `keep`, the log numbered after any kept
/// before for the same answer.
fn keep_copies(keep: &Path, case: &Case, log: &str) {
    std::fs::create_dir_all(keep).expect("the folder for kept logs can be made");
    let name = case.wav.file_stem().expect("a file name").to_string_lossy();
    std::fs::copy(&case.wav, keep.join(format!("{name}.wav"))).expect("the WAV copies");
    let run = (1..)
        .find(|n| !keep.join(format!("{name}.{n}.log")).exists())
        .expect("a free number");
    std::fs::write(keep.join(format!("{name}.{run}.log")), log).expect("the log is written");
}

/// The sum of every `key=N` in a log.
fn logged_sum(log: &str, key: &str) -> u64 {
    log.match_indices(key)
        .filter_map(|(i, _)| {
            let rest = log[i + key.len()..].trim_start_matches(|c: char| !c.is_ascii_digit());
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

/// Whether the saved recording holds the input's samples unchanged, from its start for as long as
/// it runs (a session cut at the hard cap keeps the start of the input).
fn same_start(input: &Path, saved: &Path) -> bool {
    let read = |p: &Path| -> Vec<i16> {
        hound::WavReader::open(p)
            .expect("a WAV file")
            .into_samples::<i16>()
            .map(|s| s.expect("a sample"))
            .collect()
    };
    let (a, b) = (read(input), read(saved));
    !b.is_empty() && b.len() <= a.len() && a[..b.len()] == b[..]
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
