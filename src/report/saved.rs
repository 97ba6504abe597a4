//! A saved session read back from the store, as text or Markdown (`rehearse report`).

use super::Format;
use crate::interview::critique::{Critique, Disagreement};
use crate::score::ScoreReport;
use crate::store::Entry;

/// One answer read back: the report and the critique beside it.
pub struct SavedAnswer {
    /// "answer", "round 2 of 3", "90-second version"...
    pub label: String,
    /// The question as asked.
    pub asked: String,
    /// Why the question was picked, when `practice --job` picked it for a posting.
    pub picked: Option<String>,
    /// The local report.
    pub report: ScoreReport,
    /// The interviewer's critique, if there was one.
    pub critique: Option<Critique>,
    /// Where the two disagree.
    pub disagreements: Vec<Disagreement>,
}

/// A saved session as text or Markdown (its JSON is the record the command that made it printed).
pub fn render(
    entry: &Entry,
    answers: &[SavedAnswer],
    format: Format,
    comparison: Option<&str>,
    closing: Option<&str>,
) -> String {
    let md = format == Format::Markdown;
    let mut out = if md {
        format!("# Session {}\n\n", entry.id())
    } else {
        format!(
            "Session {} ({})\n",
            entry.id(),
            crate::units::when(&entry.summary.started)
        )
    };
    for a in answers {
        out += &if md {
            format!("\n## {}: {}\n\n", a.label, a.asked)
        } else {
            format!("\n== {}: {} ==\n\n", a.label, a.asked)
        };
        if let Some(why) = &a.picked {
            out += &format!("{why}.\n\n");
        }
        out += &a.report.render(format);
        if let Some(c) = &a.critique {
            let text = super::critique::render(c, &a.report.score, true);
            out += &if md {
                format!("\n### Interviewer\n\n```text\n{text}```\n")
            } else {
                format!("\nInterviewer\n\n{text}")
            };
        }
    }
    if let Some(c) = comparison {
        out += &if md {
            format!("\n## The two versions\n\n```text\n{c}```\n")
        } else {
            format!("\n{c}")
        };
    }
    if let Some(s) = closing {
        out += &if md {
            format!("\n## Summary\n\n{s}\n")
        } else {
            format!("\nSession summary\n\n{s}\n")
        };
    }
    out
}
