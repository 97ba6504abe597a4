//! Benchmark: `rehearse history` over 1,000 saved sessions, the list and one question's progress,
//! as a user runs them (the release binary, process start included), plus the in-process catalog
//! read. The target is "well under a second". Run with `cargo bench --bench history`; it prints
//! medians of 15 runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rehearse::questions::{Bank, FLAGSHIP};
use rehearse::store::catalog::Catalog;
use rehearse::store::history;
use rehearse::store::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};

const SESSIONS: usize = 1_000;
const RUNS: usize = 15;

/// Writes `SESSIONS` sessions of one to three answers each, with scores that wander.
fn populate(root: &Path, bank: &Bank) {
    let questions = bank.all();
    let mut x: u64 = 42;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..SESSIONS {
        let q = &questions[i % questions.len()];
        let day = i / 24;
        let stamp = format!(
            "2026{:02}{:02}-{:02}0000",
            1 + day / 28 % 12,
            1 + day % 28,
            i % 24
        );
        let dir = root.join(format!("{stamp}-{}", q.id));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = SessionSummary::new(Kind::Practice, &stamp, &q.id, UsedSettings::default());
        for n in 1..=(1 + next() % 3) as usize {
            let dimensions: BTreeMap<String, u8> = q
                .dimensions
                .iter()
                .map(|d| (d.id.clone(), (next() % 5) as u8))
                .collect();
            s.answers.push(AnswerSummary {
                n,
                label: format!("round {n}"),
                asked: q.text.clone(),
                question: Some(q.id.clone()),
                report: format!("answer-{n}.json"),
                audio: Some(format!("answer-{n}.wav")),
                critique: None,
                seconds: 60.0 + (next() % 90) as f64,
                words: 150 + (next() % 150) as usize,
                overall: (40 + next() % 60) as u8,
                content: (40 + next() % 60) as u8,
                wpm: Some(110.0 + (next() % 80) as f64),
                fillers_per_100: (next() % 80) as f64 / 10.0,
                long_pauses: Some((next() % 4) as usize),
                dimensions,
            });
        }
        s.complete = true;
        std::fs::write(
            dir.join("summary.json"),
            serde_json::to_string_pretty(&s).unwrap(),
        )
        .unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(label: &str, mut f: impl FnMut()) -> Duration {
    f();
    let m = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    );
    println!("{label:<44} median {:>7.1} ms", m.as_secs_f64() * 1000.0);
    m
}

fn main() {
    let bank = Bank::builtin().expect("the built-in bank is valid");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    populate(&root, &bank);
    let flagship = bank.get(FLAGSHIP).unwrap();
    println!("{SESSIONS} sessions, {RUNS} runs each");
    time("catalog read (in process)", || {
        let c = Catalog::load(&root);
        assert_eq!(c.entries.len(), SESSIONS);
    });
    time("catalog read + one question's history", || {
        let c = Catalog::load(&root);
        std::hint::black_box(history::history(&c.entries, flagship));
    });
    let bin = env!("CARGO_BIN_EXE_rehearse");
    let cli = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .env("REHEARSE_DATA_DIR", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let list = time("`rehearse history` (process)", || cli(&["history"]));
    let one = time("`rehearse history -Q debug-production-issue`", || {
        cli(&["history", "-Q", FLAGSHIP])
    });
    println!(
        "target: well under 1 s; worst median {:.0} ms",
        list.max(one).as_secs_f64() * 1000.0
    );
}
