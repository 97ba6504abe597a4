//! Benchmark: scoring a 2-minute answer (a timed transcript of about 280 words) against the
//! flagship rubric, the work `rehearse score` does after transcription. The target is a median
//! under 1 ms. Run with `cargo bench --bench scorer`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rehearse::questions::{Bank, FLAGSHIP};
use rehearse::report::render_text;
use rehearse::score::{Scorer, measure};
use rehearse::transcribe::{Transcript, Word};

/// A calibration answer written for this project, about two minutes when spoken.
const ANSWER: &str = include_str!("../tests/fixtures/answers/flagship-framework.txt");

/// The answer as Whisper would time it: 140 words per minute, a short pause after each sentence.
fn timed(text: &str) -> Transcript {
    let mut at = 800;
    let words = text
        .split_whitespace()
        .map(|w| {
            let word = Word {
                text: w.to_string(),
                start_ms: at,
                end_ms: at + 330,
                confidence: 0.9,
            };
            at += 400 + if w.ends_with('.') { 450 } else { 0 };
            word
        })
        .collect();
    Transcript {
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        words,
        segments: vec![],
        timed: rehearse::transcribe::Timing::Words,
    }
}

fn bench(c: &mut Criterion) {
    let bank = Bank::builtin().expect("the built-in bank is valid");
    let question = bank.get(FLAGSHIP).expect("the flagship exists");
    let transcript = timed(ANSWER);
    let delivery = measure(
        &transcript,
        Some(transcript.words.last().map_or(0, |w| w.end_ms) + 500),
        None,
    );
    // The rubric's phrases are prepared once per question and kept; do it outside the timing, as
    // a long-running session would.
    let scorer = Scorer::new(question);
    let label = format!(
        "score a 2-minute answer ({} words, timed)",
        transcript.words.len()
    );
    c.bench_function(&label, |b| {
        b.iter(|| black_box(&scorer).score(black_box(&transcript), black_box(&delivery)))
    });
    let card = scorer.score(&transcript, &delivery);
    c.bench_function("render the card as text", |b| {
        b.iter(|| render_text(black_box(&card)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
