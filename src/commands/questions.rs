//! `rehearse questions`: the question bank, built-in and the user's own, all of it or one tag's;
//! and `rehearse questions check FILE`, a hand-written question file checked and its example
//! answers scored.

use std::path::Path;

use serde::Serialize;

use crate::Error;
use crate::questions::{Bank, Grade, Question, QuestionError};
use crate::report::Format;
use crate::score::{Heard, Scorer, assess};
use crate::settings::Settings;

/// One question as listed.
#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    kind: &'a str,
    tags: &'a [String],
    text: &'a str,
    origin: &'a str,
}

/// The bank, or its questions tagged `tag`, as text, Markdown or JSON.
pub fn list(settings: &Settings, tag: Option<&str>) -> Result<String, Error> {
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    let listed: Vec<Listed> = super::tagged(&bank, tag)?
        .into_iter()
        .map(|q| Listed {
            id: &q.id,
            kind: q.kind.as_str(),
            tags: q.tags(),
            text: &q.text,
            origin: bank.origin(&q.id).unwrap_or("built in"),
        })
        .collect();
    Ok(match settings.format {
        Format::Json => serde_json::to_string_pretty(&listed).expect("a list serialises") + "\n",
        Format::Markdown => listed
            .iter()
            .map(|q| {
                let tags = q.tags.join(", ");
                format!("- `{}` ({}; {tags}): {}\n", q.id, q.kind, q.text)
            })
            .collect(),
        Format::Text => text(&listed, &settings.default_question),
    })
}

/// One line per question: id, kind, tags and text, the default marked.
fn text(listed: &[Listed], default: &str) -> String {
    let tags: Vec<String> = listed.iter().map(|q| q.tags.join(",")).collect();
    let width = tags.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (q, tags) in listed.iter().zip(&tags) {
        let mark = if q.id == default { " (default)" } else { "" };
        out += &format!(
            "{:<28} {:<8} {tags:<width$} {}{mark}\n",
            q.id, q.kind, q.text
        );
    }
    out
}

/// One example answer of a checked file, as scored.
#[derive(Debug, Serialize)]
struct Scored {
    /// Where it is written.
    line: usize,
    /// How good its author meant it to be.
    label: Grade,
    /// Its overall score, 0-100.
    overall: u8,
    /// Its content score, 0-100.
    content: u8,
    /// Its words.
    words: usize,
}

/// What `questions check` found in a file that passes the format's checks.
#[derive(Debug, Serialize)]
struct Checked<'a> {
    file: String,
    id: &'a str,
    kind: &'a str,
    tags: &'a [String],
    dimensions: usize,
    evidence: usize,
    anti_patterns: usize,
    examples: Vec<Scored>,
    /// Whether every strong example scores above every weak one; `None` without both.
    strong_beats_weak: Option<bool>,
    notes: Vec<String>,
}

/// Checks the question file `file` as the bank checks the built-in ones and scores its example
/// answers. A file that breaks the format is an error naming the line; otherwise the findings are
/// returned to print, beside the verdict on the examples' order.
pub fn check(settings: &Settings, file: &Path) -> Result<(String, Result<(), Error>), Error> {
    let text = std::fs::read_to_string(file).map_err(|source| QuestionError::ReadFile {
        file: file.to_path_buf(),
        source,
    })?;
    let shown = file.display().to_string();
    let question = Question::from_toml(&text, &shown)?;
    let examples = score_examples(&question, &text);
    let verdict = order(&shown, &examples);
    let checked = Checked {
        strong_beats_weak: has_both(&examples).then_some(verdict.is_ok()),
        notes: notes(&question),
        file: shown,
        id: &question.id,
        kind: question.kind.as_str(),
        tags: question.tags(),
        dimensions: question.dimensions.len(),
        evidence: question.dimensions.iter().map(|d| d.evidence.len()).sum(),
        anti_patterns: question.anti_patterns.len(),
        examples,
    };
    let out = match settings.format {
        Format::Json => serde_json::to_string_pretty(&checked).expect("a check serialises") + "\n",
        Format::Text | Format::Markdown => checked_text(&checked),
    };
    Ok((out, verdict))
}

/// Each example answer scored by the question's own rubric, as a typed transcript.
fn score_examples(question: &Question, text: &str) -> Vec<Scored> {
    let scorer = Scorer::new(question);
    question
        .examples
        .iter()
        .enumerate()
        .map(|(i, example)| {
            let report = assess(&scorer, Heard::text("example", &example.text));
            Scored {
                line: Question::line_of(text, &format!("examples[{i}]")).unwrap_or(1),
                label: example.label,
                overall: report.score.overall,
                content: report.score.content,
                words: report.delivery.words,
            }
        })
        .collect()
}

/// Whether there is a strong example and a weak one to compare.
fn has_both(examples: &[Scored]) -> bool {
    let any = |grade| examples.iter().any(|e| e.label == grade);
    any(Grade::Strong) && any(Grade::Weak)
}

/// An error naming the first strong example that does not score above a weak one.
fn order(file: &str, examples: &[Scored]) -> Result<(), Error> {
    let of = |grade| examples.iter().filter(move |e| e.label == grade);
    for strong in of(Grade::Strong) {
        if let Some(weak) = of(Grade::Weak).find(|w| w.overall >= strong.overall) {
            return Err(Error::ExampleOrder {
                file: file.to_string(),
                strong_line: strong.line,
                strong: strong.overall,
                weak_line: weak.line,
                weak: weak.overall,
            });
        }
    }
    Ok(())
}

/// What the writer of a valid file may still want to know.
fn notes(question: &Question) -> Vec<String> {
    let mut notes = Vec::new();
    let has = |grade| question.examples.iter().any(|e| e.label == grade);
    if question.tags().is_empty() {
        notes.push(
            "it has no tags, so `rehearse questions --tag` and `practice --next --tag` never pick it"
                .to_string(),
        );
    }
    let builtin = Bank::builtin().ok();
    if builtin.is_some_and(|b| b.get(&question.id).is_some()) {
        notes.push(format!(
            "its id is a built-in question's: in your question folder it replaces `{}`",
            question.id
        ));
    }
    if question.examples.is_empty() {
        notes.push(
            "it has no example answers: add [[examples]] with a label (strong, average or weak) \
             and a text to see how its rubric ranks them"
                .to_string(),
        );
    } else if !(has(Grade::Strong) && has(Grade::Weak)) {
        notes.push("it needs a strong and a weak example to compare them".to_string());
    }
    notes
}

/// The findings as text: what the file holds, each example's score, the verdict and the notes.
fn checked_text(c: &Checked) -> String {
    let tags = match c.tags {
        [] => "no tags".to_string(),
        tags => format!("tags: {}", tags.join(", ")),
    };
    let mut out = format!(
        "{}: question `{}` ({}; {tags}) passes every check: {}, {}, {}\n",
        c.file,
        c.id,
        c.kind,
        count(c.dimensions, "dimension"),
        count(c.evidence, "evidence item"),
        count(c.anti_patterns, "anti-pattern"),
    );
    if !c.examples.is_empty() {
        out += "\nExamples\n";
        for e in &c.examples {
            out += &format!(
                "  line {:<5} {:<8} {:>3}/100  content {:>3}  {} words\n",
                e.line,
                e.label.as_str(),
                e.overall,
                e.content,
                e.words
            );
        }
    }
    match c.strong_beats_weak {
        Some(true) => out += "\nEvery strong example scores above every weak one.\n",
        Some(false) => out += "\nA strong example does not score above a weak one.\n",
        None => {}
    }
    if !c.notes.is_empty() {
        out += "\n";
    }
    for note in &c.notes {
        out += &format!("Note: {note}.\n");
    }
    out
}

/// "1 dimension", "5 dimensions".
fn count(n: usize, thing: &str) -> String {
    match n {
        1 => format!("1 {thing}"),
        _ => format!("{n} {thing}s"),
    }
}
