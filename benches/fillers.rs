//! Measurement: how many filler words ("um", "uh", "hmm") survive transcription under different
//! prompts and beam widths, and what each setting costs in accuracy on the other words.
//!
//! Run with `cargo bench --bench fillers`. The answers are synthesized with espeak-ng from text
//! written for this study, so the fillers are clearly articulated; real hesitations are softer and
//! shorter, and the README says so next to the figures.

use std::path::Path;
use std::process::Command;

use rehearse::audio::{self, LoadLimits};
use rehearse::models::{self, ModelDirs};
use rehearse::transcribe::{Transcriber, WhisperEngine, WhisperOptions, whisper::FILLER_PROMPT};

const ANSWERS: [&str; 6] = [
    "Um, so the first thing I do is, uh, check the dashboards to see who is affected.",
    "We had, um, a spike in errors after the deploy, and, uh, I rolled it back right away.",
    "Hmm, I think the hardest part was, um, finding which service was actually slow.",
    "Uh, then we looked at the traces, and, um, the database pool was exhausted.",
    "So, uh, after that we added an alert, and, hmm, a runbook for the on-call engineer.",
    "I, um, told the support team what we knew, and, uh, updated them every half hour.",
];

const FILLERS: [&str; 4] = ["um", "uh", "hmm", "er"];

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let clips: Vec<Vec<f32>> = ANSWERS
        .iter()
        .enumerate()
        .map(|(i, t)| synth(dir.path(), i, t))
        .collect();
    let model =
        models::resolve(None, &default_dirs()).expect("a model is installed (scripts/bootstrap)");
    let settings: [(&str, &str, usize); 4] = [
        ("no prompt, greedy", "", 1),
        ("filler prompt, greedy", FILLER_PROMPT, 1),
        ("filler prompt, beam 5", FILLER_PROMPT, 5),
        (
            "long conversational prompt, greedy",
            "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, you know, I mean, er.",
            1,
        ),
    ];
    let expected: usize = ANSWERS.iter().map(|a| count_fillers(a)).sum();
    println!(
        "{expected} fillers spoken in {} synthesized answers; model {}",
        ANSWERS.len(),
        model.display()
    );
    for (label, prompt, beam) in settings {
        let mut engine = WhisperEngine::load(WhisperOptions {
            model: model.clone(),
            language: "en".into(),
            threads: num_threads(),
            initial_prompt: prompt.into(),
            beam_size: beam,
        })
        .expect("the model loads");
        let (mut kept, mut other_errors, mut other_words) = (0, 0.0, 0);
        for (clip, reference) in clips.iter().zip(ANSWERS) {
            let text = engine.transcribe(clip, 0).expect("transcribes").text;
            kept += count_fillers(&text).min(count_fillers(reference));
            let r = without_fillers(reference);
            other_errors += wer(&r, &without_fillers(&text)) * r.len() as f64;
            other_words += r.len();
        }
        println!(
            "{label:<36} fillers kept {kept}/{expected} ({:.0} %), WER on other words {:.1} %",
            100.0 * kept as f64 / expected as f64,
            100.0 * other_errors / other_words as f64
        );
    }
}

fn default_dirs() -> ModelDirs {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ModelDirs {
        store: rehearse::settings::data_dir().join("models"),
        extra: vec![root.join("models")],
    }
}

fn num_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn synth(dir: &Path, i: usize, text: &str) -> Vec<f32> {
    let wav = dir.join(format!("a{i}.wav"));
    let ok = Command::new("espeak-ng")
        .args([
            "-v",
            "en-us",
            "-s",
            "150",
            "-w",
            wav.to_str().unwrap(),
            text,
        ])
        .status()
        .expect("espeak-ng runs");
    assert!(ok.success());
    audio::load(
        &wav,
        &LoadLimits {
            max_duration_ms: 60_000,
        },
    )
    .expect("decodes")
    .samples
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_filler(w: &str) -> bool {
    FILLERS.contains(&w) || w == "umm" || w == "uhh" || w == "hm" || w == "mm"
}

fn count_fillers(text: &str) -> usize {
    words(text).iter().filter(|w| is_filler(w)).count()
}

fn without_fillers(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| !is_filler(w)).collect()
}

fn wer(r: &[String], h: &[String]) -> f64 {
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(rw != hw))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len().max(1) as f64
}
