//! The plain-text rendering, for a terminal.

use super::{ScoreReport, or_unknown, secs};
use crate::score::Delivery;
use crate::units::clock;

/// Renders `r` for a person at a terminal.
pub fn render(r: &ScoreReport) -> String {
    let mut out = String::new();
    out += &format!("{}\n", r.source.path);
    if let Some(m) = &r.model {
        out += &format!("  transcribed by {} ({})\n", m.name, m.path);
    }
    out += "\nTranscript\n";
    if r.transcript.is_empty() {
        out += "  (nothing was said)\n";
    } else {
        out += &wrap(&r.transcript.text, 76, "  ");
    }
    out += "\nDelivery\n";
    for (label, value) in rows(&r.delivery) {
        out += &format!("  {label:<23}{value}\n");
    }
    out += "\n";
    out += &super::card::render_text(&r.score);
    for note in &r.notes {
        out += &format!("\nNote: {note}\n");
    }
    out
}

/// The delivery figures as label and value, shared with the Markdown rendering.
pub(super) fn rows(d: &Delivery) -> Vec<(&'static str, String)> {
    vec![
        ("Duration", or_unknown(d.duration_ms.map(clock))),
        ("Words", d.words.to_string()),
        (
            "Speaking rate",
            or_unknown(d.speaking_rate_wpm.map(|r| format!("{r:.1} words/min"))),
        ),
        (
            "Articulation rate",
            or_unknown(
                d.articulation_rate_wpm
                    .map(|r| format!("{r:.1} words/min (pauses of 250 ms or more left out)")),
            ),
        ),
        (
            "Time to first word",
            or_unknown(d.time_to_first_word_ms.map(secs)),
        ),
        (
            "Pauses of 2 s or more",
            or_unknown(d.long_pauses.as_ref().map(|p| pause_list(p))),
        ),
    ]
}

fn pause_list(pauses: &[crate::score::Pause]) -> String {
    if pauses.is_empty() {
        return "none".into();
    }
    pauses
        .iter()
        .map(|p| format!("{} at {}", secs(p.duration_ms()), clock(p.start_ms)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Wraps `text` at word boundaries to `width` columns, each line indented.
pub(super) fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out += &format!("{indent}{line}\n");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += word;
    }
    if !line.is_empty() {
        out += &format!("{indent}{line}\n");
    }
    out
}
