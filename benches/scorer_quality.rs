//! Quality of the offline scorer on the labelled dev set in `tests/devset/`: how well its scores
//! and findings agree with what interviewers wrote down about each answer. Run with
//! `cargo bench --bench scorer_quality`; it prints the figures for the held-out split (the answers
//! listed in `tests/devset/held-out.txt`, frozen before any tuning).
//!
//! - `REHEARSE_SPLIT=dev` reports on the tuning part instead, `all` on everything.
//! - `REHEARSE_QUALITY_DUMP=FILE` writes one JSON line per answer (labels, score, levels, flags),
//!   for looking into disagreements.
//! - `REHEARSE_QUALITY_SPOKEN=N` also speaks the first N answers of the split (in id order) with
//!   espeak-ng (at its rate setting 130, about 150 spoken words per minute, so the recording's
//!   timing matches what a transcript's length implies), scores the recordings with `rehearse score` (the installed
//!   Whisper model) and reports how the score moved from text to speech.
//! - `REHEARSE_QUESTIONS=DIR` scores against the question files in DIR (replacing the built-in
//!   questions of the same id), to try rubric changes without rebuilding.
//!
//! What is measured, per question and over the flagship:
//! - AUC strong-vs-rest: the chance a strong answer outscores a non-strong one (ties count half).
//! - Spearman: rank correlation of the score with the label (weak < average < strong).
//! - Presence agreement: a dimension labelled partial or clear should score a level above 0, one
//!   labelled absent should score 0. A story-only dimension counts only for answers that tell a
//!   story.
//! - Mistakes flagged: of the labelled mistakes, how many the scorer flagged. False flags: of the
//!   (answer, mistake) pairs the labels leave out, how many the scorer flagged ("false"); and of
//!   the answers, how many carry at least one flag their label does not list ("answers").
//! - Median score per label, for short (under 150 words) and long answers.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use rehearse::questions::{Applies, Bank};
use rehearse::score::{ScoreCard, Scorer, measure};
use rehearse::transcribe::Transcript;
use serde::Deserialize;

/// Words below which an answer counts as short.
const SHORT_WORDS: usize = 150;

/// One labelled answer.
#[derive(Debug, Deserialize)]
struct Labelled {
    id: String,
    question: String,
    voice: String,
    text: String,
    dimensions: BTreeMap<String, String>,
    mistakes: Vec<String>,
    overall: String,
}

/// A labelled answer and what the scorer made of it.
struct Scored {
    answer: Labelled,
    card: ScoreCard,
    words: usize,
}

fn main() {
    // `cargo bench` passes `--bench`; anything else on the command line is a filter on answer ids.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/devset");
    let held: HashSet<String> = std::fs::read_to_string(root.join("held-out.txt"))
        .expect("tests/devset/held-out.txt is readable")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    let split = std::env::var("REHEARSE_SPLIT").unwrap_or_else(|_| "held-out".into());
    let keep = |id: &str| match split.as_str() {
        "dev" => !held.contains(id),
        "all" => true,
        _ => held.contains(id),
    };
    let user_dir = std::env::var_os("REHEARSE_QUESTIONS").map(std::path::PathBuf::from);
    let bank = match Bank::load(user_dir.as_deref()) {
        Ok(bank) => bank,
        Err(e) => {
            eprintln!(
                "the question bank does not load: {e}: {:?}",
                std::error::Error::source(&e)
            );
            std::process::exit(2);
        }
    };
    let mut scored = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/devset is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a dev-set file is readable");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let answer: Labelled = serde_json::from_str(line).expect("a dev-set line parses");
            if !keep(&answer.id) || !filter.iter().all(|f| answer.id.contains(f.as_str())) {
                continue;
            }
            let question = bank.get(&answer.question).expect("the question exists");
            let transcript = Transcript::from_text(&answer.text);
            let delivery = measure(&transcript, None, None);
            let card = Scorer::new(question).score(&transcript, &delivery);
            scored.push(Scored {
                words: transcript.word_count(),
                answer,
                card,
            });
        }
    }
    if let Ok(path) = std::env::var("REHEARSE_QUALITY_DUMP") {
        dump(&scored, Path::new(&path));
    }
    println!("{}", report(&bank, &scored, &split));
    if let Some(n) = std::env::var("REHEARSE_QUALITY_SPOKEN")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        spoken(&scored, n);
    }
}

/// Speaks the first `n` answers (by id), scores the recordings, and prints the change per answer
/// and its median and mean.
fn spoken(scored: &[Scored], n: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut picked: Vec<&Scored> = scored.iter().collect();
    picked.sort_by(|a, b| a.answer.id.cmp(&b.answer.id));
    let (mut changes, mut content_changes) = (Vec::new(), Vec::new());
    println!("text to speech (espeak-ng at about 150 wpm; Whisper through `rehearse score`):");
    for s in picked.into_iter().take(n) {
        let wav = dir.path().join(format!("{}.wav", s.answer.id));
        let spoke = std::process::Command::new("espeak-ng")
            .args(["-s", "130", "-w"])
            .arg(&wav)
            .arg(&s.answer.text)
            .status()
            .expect("espeak-ng runs (scripts/bootstrap installs it)");
        assert!(spoke.success(), "espeak-ng failed on {}", s.answer.id);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(["score", "--no-save", "-q", "-f", "json", "--question"])
            .arg(&s.answer.question)
            .arg(&wav)
            .output()
            .expect("rehearse runs");
        assert!(
            out.status.success(),
            "rehearse score failed on {}: {}",
            s.answer.id,
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("rehearse prints JSON");
        let heard = report["score"]["overall"]
            .as_f64()
            .expect("an overall score");
        let content = report["score"]["content"]
            .as_f64()
            .expect("a content score");
        let change = heard - f64::from(s.card.overall);
        let content_change = content - f64::from(s.card.content);
        println!(
            "  {:<34} text {:>3}  speech {:>3}  change {:>+4}  (content {:>+4})",
            s.answer.id, s.card.overall, heard, change, content_change
        );
        changes.push(change);
        content_changes.push(content_change);
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    println!(
        "  {} answers: overall median change {:+.1}, mean {:+.1}; content median change {:+.1}, mean {:+.1}",
        changes.len(),
        median(&changes),
        mean(&changes),
        median(&content_changes),
        mean(&content_changes)
    );
}

/// The whole report, as printed.
fn report(bank: &Bank, scored: &[Scored], split: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scorer quality on the {split} split: {} answers\n",
        scored.len()
    );
    let _ = writeln!(
        out,
        "{:<26} {:>4} {:>6} {:>9} {:>9} {:>8} {:>6} {:>8}",
        "question", "n", "AUC", "Spearman", "presence", "flagged", "false", "answers"
    );
    let mut questions: Vec<&str> = scored.iter().map(|s| s.answer.question.as_str()).collect();
    questions.sort();
    questions.dedup();
    for q in &questions {
        let group: Vec<&Scored> = scored.iter().filter(|s| s.answer.question == *q).collect();
        row(&mut out, q, &group, bank);
    }
    let all: Vec<&Scored> = scored.iter().collect();
    row(&mut out, "all", &all, bank);
    let _ = writeln!(out, "\npresence agreement per dimension (all questions):");
    for (dim, (agree, n)) in per_dimension(&all, bank) {
        let _ = writeln!(out, "  {dim:<16} {:>5.1} %  (n={n})", pct(agree, n));
    }
    let _ = writeln!(
        out,
        "\nmistakes (all questions): flagged / labelled, false flags"
    );
    for (id, (hit, labelled, false_flags)) in per_mistake(&all) {
        let _ = writeln!(
            out,
            "  {id:<24} {hit:>3} / {labelled:<3} false {false_flags}"
        );
    }
    let _ = writeln!(out, "\nmedian score per label (all questions):");
    for label in ["strong", "average", "weak"] {
        let pick = |short: bool| -> Vec<f64> {
            all.iter()
                .filter(|s| s.answer.overall == label && (s.words < SHORT_WORDS) == short)
                .map(|s| f64::from(s.card.overall))
                .collect()
        };
        let (short, long) = (pick(true), pick(false));
        let _ = writeln!(
            out,
            "  {label:<8} short {:>5.1} (n={:<3}) long {:>5.1} (n={})",
            median(&short),
            short.len(),
            median(&long),
            long.len()
        );
    }
    let _ = writeln!(out, "\nmedian score per voice and label:");
    let mut voices: Vec<&str> = all.iter().map(|s| s.answer.voice.as_str()).collect();
    voices.sort();
    voices.dedup();
    for v in voices {
        let mut line = format!("  {v:<11}");
        for label in ["strong", "average", "weak"] {
            let xs: Vec<f64> = all
                .iter()
                .filter(|s| s.answer.voice == v && s.answer.overall == label)
                .map(|s| f64::from(s.card.overall))
                .collect();
            let _ = write!(line, " {label} {:>5.1} (n={:<2})", median(&xs), xs.len());
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// One row of the per-question table.
fn row(out: &mut String, name: &str, group: &[&Scored], bank: &Bank) {
    let scores: Vec<f64> = group.iter().map(|s| f64::from(s.card.overall)).collect();
    let strong: Vec<bool> = group.iter().map(|s| s.answer.overall == "strong").collect();
    let ranks: Vec<f64> = group
        .iter()
        .map(|s| label_rank(&s.answer.overall))
        .collect();
    let (agree, n) = per_dimension(group, bank)
        .values()
        .fold((0, 0), |(a, m), &(x, y)| (a + x, m + y));
    let (mut hit, mut labelled, mut false_flags) = (0, 0, 0);
    for (h, l, f) in per_mistake(group).values() {
        hit += h;
        labelled += l;
        false_flags += f;
    }
    let answers_false = group.iter().filter(|s| falsely_flagged(s)).count();
    let pairs: usize = group
        .iter()
        .map(|s| {
            let q = bank.get(&s.answer.question).expect("the question exists");
            q.anti_patterns.len()
        })
        .sum::<usize>()
        - labelled;
    let _ = writeln!(
        out,
        "{name:<26} {:>4} {:>6.3} {:>9.3} {:>8.1}% {:>7.1}% {:>5.1}% {:>7.1}%",
        group.len(),
        auc(&scores, &strong),
        spearman(&scores, &ranks),
        pct(agree, n),
        pct(hit, labelled),
        pct(false_flags, pairs),
        pct(answers_false, group.len()),
    );
}

/// Whether an answer was flagged with a mistake its label does not list.
fn falsely_flagged(s: &Scored) -> bool {
    s.card
        .mistakes
        .iter()
        .any(|m| !s.answer.mistakes.contains(&m.id))
}

/// Per dimension id: (answers where presence agreed, answers counted).
fn per_dimension(group: &[&Scored], bank: &Bank) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for s in group {
        let question = bank.get(&s.answer.question).expect("the question exists");
        for d in &s.card.dimensions {
            let story_only = question
                .dimension(&d.id)
                .is_some_and(|q| q.applies != Applies::Always);
            if story_only && !d.applies {
                continue;
            }
            let Some(label) = s.answer.dimensions.get(&d.id) else {
                continue;
            };
            let said = label != "absent";
            let heard = d.applies && d.covered > 0;
            let e = out.entry(d.id.clone()).or_default();
            e.0 += usize::from(said == heard);
            e.1 += 1;
        }
    }
    out
}

/// Per mistake id: (labelled and flagged, labelled, flagged without the label).
fn per_mistake(group: &[&Scored]) -> BTreeMap<String, (usize, usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for s in group {
        let flagged: Vec<&str> = s.card.mistakes.iter().map(|m| m.id.as_str()).collect();
        for m in &s.answer.mistakes {
            let e = out.entry(m.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(flagged.contains(&m.as_str()));
        }
        for f in flagged {
            if !s.answer.mistakes.iter().any(|m| m == f) {
                out.entry(f.to_string()).or_default().2 += 1;
            }
        }
    }
    out
}

/// Writes one JSON line per answer.
fn dump(scored: &[Scored], path: &Path) {
    let mut text = String::new();
    for s in scored {
        let levels: BTreeMap<&str, u8> = s
            .card
            .dimensions
            .iter()
            .map(|d| (d.id.as_str(), if d.applies { d.covered } else { 0 }))
            .collect();
        let evidence: BTreeMap<&str, Vec<(&str, &str)>> = s
            .card
            .dimensions
            .iter()
            .map(|d| {
                let quotes = d
                    .evidence
                    .iter()
                    .map(|q| (q.counts_as.as_str(), q.text.as_str()))
                    .collect();
                (d.id.as_str(), quotes)
            })
            .collect();
        let flagged: Vec<&str> = s.card.mistakes.iter().map(|m| m.id.as_str()).collect();
        let line = serde_json::json!({
            "id": s.answer.id,
            "question": s.answer.question,
            "voice": s.answer.voice,
            "overall_label": s.answer.overall,
            "overall": s.card.overall,
            "content": s.card.content,
            "words": s.words,
            "dimensions_label": s.answer.dimensions,
            "levels": levels,
            "evidence": evidence,
            "mistakes_label": s.answer.mistakes,
            "mistakes": flagged,
            "text": s.answer.text,
        });
        let _ = writeln!(text, "{line}");
    }
    std::fs::write(path, text).expect("the dump file can be written");
}

/// weak 0, average 1, strong 2.
fn label_rank(label: &str) -> f64 {
    match label {
        "strong" => 2.0,
        "average" => 1.0,
        _ => 0.0,
    }
}

/// The area under the ROC curve of `scores` for telling `positive` from the rest; ties count half.
fn auc(scores: &[f64], positive: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, &a) in scores.iter().enumerate() {
        for (j, &b) in scores.iter().enumerate() {
            if positive[i] && !positive[j] {
                pairs += 1.0;
                wins += match a.partial_cmp(&b) {
                    Some(std::cmp::Ordering::Greater) => 1.0,
                    Some(std::cmp::Ordering::Equal) => 0.5,
                    _ => 0.0,
                };
            }
        }
    }
    if pairs == 0.0 { f64::NAN } else { wins / pairs }
}

/// Spearman's rank correlation, with tied values given their average rank.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// The average ranks of `xs`.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&i, &j| xs[i].total_cmp(&xs[j]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation.
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The median, or NaN for none.
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `a` as a percentage of `b`.
fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        100.0 * a as f64 / b as f64
    }
}
