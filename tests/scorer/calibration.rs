//! Calibration sets: for questions whose answers were written by writers who saw only the question
//! (never its rubric, phrase lists or scores), the scorer must tell the strong answers from the
//! rest (`tests/devset/calibration/*.jsonl`, one file per question; the format is
//! `tests/devset/FORMAT.md`'s, with only the overall label). The goal is an AUC of at least 0.95
//! per question, and the README reports each question's; this test fails any question under
//! [`AUC_FLOOR`], the goal, so a rubric change that breaks the ranking cannot land unnoticed. The sets are
//! never used for tuning: the rubrics' authors tuned on answers of their own (`tests/devset/`).

use serde::Deserialize;

use super::*;

/// No calibrated question may rank strong answers worse than this (issue 16's goal).
const AUC_FLOOR: f64 = 0.95;

#[derive(Deserialize)]
struct Labelled {
    id: String,
    question: String,
    text: String,
    overall: String,
}

/// The share of (strong, other) pairs the scorer orders right; ties count half.
fn auc(scored: &[(f64, bool)]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for &(a, _) in scored.iter().filter(|s| s.1) {
        for &(b, _) in scored.iter().filter(|s| !s.1) {
            pairs += 1.0;
            wins += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / pairs
}

#[test]
fn every_calibrated_question_tells_strong_answers_from_the_rest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/devset/calibration");
    let bank = Bank::builtin().expect("the built-in bank is valid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/devset/calibration/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no calibration set in {}", dir.display());
    let mut failed = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let answers: Vec<Labelled> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a calibration line parses"))
            .collect();
        let id = &answers[0].question;
        let q = bank
            .get(id)
            .unwrap_or_else(|| panic!("{}: no question {id}", file.display()));
        assert!(answers.len() >= 10, "{id}: only {} answers", answers.len());
        let scored: Vec<(f64, bool)> = answers
            .iter()
            .map(|a| {
                assert_eq!(&a.question, id, "{}", a.id);
                let card = card_for(q, &a.text);
                (f64::from(card.overall), a.overall == "strong")
            })
            .collect();
        assert!(
            scored.iter().any(|s| s.1) && scored.iter().any(|s| !s.1),
            "{id}"
        );
        let area = auc(&scored);
        let median = |strong: bool| {
            let mut v: Vec<f64> = scored
                .iter()
                .filter(|s| s.1 == strong)
                .map(|s| s.0)
                .collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        eprintln!(
            "{id}: AUC {area:.3} over {} answers; median strong {:.0}, others {:.0}",
            scored.len(),
            median(true),
            median(false)
        );
        if area < AUC_FLOOR {
            failed.push(format!("{id}: AUC {area:.3}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("; "));
}
