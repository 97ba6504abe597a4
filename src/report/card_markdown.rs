//! The Markdown rendering of a [`ScoreCard`], for saving next to a recording or pasting into notes.
//! It holds what the text rendering holds, as headings, a rubric table and lists, and is as pure:
//! the same card always gives the same bytes.

use std::fmt::Write;

use super::card::{broken_advice, deductions, delivery_lines, held, mistake, quote, versions};
use crate::score::card::{ScoreCard, TOP_IMPROVEMENTS};
use crate::score::rubric::Quote;

/// The card as Markdown.
pub fn render_markdown(card: &ScoreCard) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", card.question_text);
    let _ = writeln!(
        o,
        "**Overall: {}/100** (content {}{})",
        card.overall,
        card.content,
        deductions(card)
    );
    heading(&mut o, "Top improvements");
    for (i, imp) in card.improvements.iter().take(TOP_IMPROVEMENTS).enumerate() {
        let _ = writeln!(
            o,
            "{}. **{}** (+{}): {}",
            i + 1,
            imp.title,
            imp.points,
            imp.advice
        );
    }
    rubric(&mut o, card);
    checks(&mut o, card);
    heading(&mut o, "Versions");
    let _ = writeln!(
        o,
        "- **90 seconds must keep:** {}",
        versions(&card.versions.keep_in_90s)
    );
    let _ = writeln!(
        o,
        "- **2 minutes only:** {}",
        versions(&card.versions.only_in_2min)
    );
    heading(&mut o, "Delivery");
    for line in delivery_lines(card) {
        let _ = writeln!(o, "- {line}");
    }
    if card.improvements.len() > TOP_IMPROVEMENTS {
        heading(&mut o, "More improvements");
        for imp in card.improvements.iter().skip(TOP_IMPROVEMENTS) {
            let _ = writeln!(o, "- **{}** (+{}): {}", imp.title, imp.points, imp.advice);
        }
    }
    o
}

/// A blank line, a second-level heading and a blank line.
fn heading(o: &mut String, title: &str) {
    let _ = writeln!(o, "\n## {title}\n");
}

/// The rubric as a table, then the quoted evidence.
fn rubric(o: &mut String, card: &ScoreCard) {
    heading(o, "Rubric");
    let _ = writeln!(o, "| Dimension | Level | Why |\n|---|---|---|");
    for d in &card.dimensions {
        let level = if d.applies {
            format!("{}/4", d.level)
        } else {
            "-".into()
        };
        let _ = writeln!(o, "| {} | {level} | {} |", d.name, cell(&d.reason));
    }
    let quotes: Vec<&Quote> = card
        .dimensions
        .iter()
        .filter(|d| d.applies)
        .flat_map(|d| &d.evidence)
        .collect();
    if !quotes.is_empty() {
        let _ = writeln!(o, "\n### Evidence\n");
        for q in quotes {
            let _ = writeln!(o, "- {}", quote(q));
        }
    }
}

/// Ordering, mistakes and strengths as lists, each only when it has something to say.
fn checks(o: &mut String, card: &ScoreCard) {
    if !card.ordering.is_empty() {
        heading(o, "Order");
        for c in &card.ordering {
            let _ = writeln!(
                o,
                "- {}: {}{}",
                held(c.held),
                c.name,
                broken_advice(c.held, &c.advice)
            );
        }
    }
    if !card.mistakes.is_empty() {
        heading(o, "Mistakes");
        for m in &card.mistakes {
            let _ = writeln!(o, "- {}. {}", mistake(m), m.advice);
        }
    }
    if !card.strengths.is_empty() {
        heading(o, "Strengths");
        for s in &card.strengths {
            let _ = writeln!(o, "- {s}");
        }
    }
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}
