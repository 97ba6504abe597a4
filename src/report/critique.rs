//! The interviewer's critique as text, each rubric dimension beside the local scorer's level.

use crate::interview::critique::{Critique, Verdict, disagreements};
use crate::score::ScoreCard;

/// The critique as text, each rubric dimension beside the local scorer's level. While the reply
/// is still arriving (`finished` false), the last dimension is held back until something after it
/// has arrived, so a row is never shown before its score; the comparison comes last, once whole.
pub fn render(critique: &Critique, local: &ScoreCard, finished: bool) -> String {
    let mut out = String::new();
    if !critique.summary.is_empty() {
        out += &format!("{}\n", critique.summary);
    }
    let later = !(critique.strengths.is_empty()
        && critique.improvements.is_empty()
        && critique.outline_90s.is_empty()
        && critique.follow_up.is_empty());
    let shown = match (finished || later, critique.dimensions.len()) {
        (true, n) => n,
        (false, n) => n.saturating_sub(1),
    };
    if shown > 0 {
        out += &format!(
            "\n  {:<32} {:>5}  {:>11}\n",
            "dimension", "local", "interviewer"
        );
        for v in &critique.dimensions[..shown] {
            out += &dimension_row(v, local);
        }
        if critique.dimensions[..shown]
            .iter()
            .any(|v| v.score.is_none())
        {
            out += "  Where the interviewer had not enough to judge, the local level stands.\n";
        }
    }
    out += &section("Strengths", &critique.strengths, "  - ");
    out += &numbered("Improvements", &critique.improvements);
    out += &section("A 90-second outline", &critique.outline_90s, "  - ");
    if !critique.follow_up.is_empty() {
        out += &format!("\nFollow-up: {}\n", critique.follow_up);
    }
    if finished {
        let gaps = disagreements(critique, local);
        if !gaps.is_empty() {
            out += "\nWhere the interviewer and the local scorer disagree:\n";
            for g in gaps {
                out += &format!(
                    "  - {}: the local scorer heard {}/4, the interviewer gives {}/4. {}\n",
                    g.dimension, g.local, g.interviewer, g.comment
                );
            }
        }
    }
    out
}

fn dimension_row(v: &Verdict, local: &ScoreCard) -> String {
    let local_dim = local.dimensions.iter().find(|d| d.id == v.id);
    let name = local_dim.map_or(v.id.as_str(), |d| d.name.as_str());
    let local_level = local_dim
        .filter(|d| d.applies)
        .map_or("-".to_string(), |d| format!("{}/4", d.level));
    let theirs = match v.score {
        Some(s) => format!("{s}/4"),
        None => "not enough".into(),
    };
    let mut row = format!("  {name:<32} {local_level:>5}  {theirs:>11}\n");
    if !v.comment.is_empty() {
        row += &format!("      {}\n", v.comment);
    }
    for quote in &v.evidence {
        row += &format!("      “{quote}”\n");
    }
    row
}

fn section(title: &str, items: &[String], bullet: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{title}:\n");
    for item in items {
        out += &format!("{bullet}{item}\n");
    }
    out
}

fn numbered(title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{title}:\n");
    for (i, item) in items.iter().enumerate() {
        out += &format!("  {}. {item}\n", i + 1);
    }
    out
}
