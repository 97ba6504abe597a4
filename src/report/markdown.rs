//! The Markdown rendering, for notes and sharing.

use super::ScoreReport;
use super::text::rows;

/// Renders `r` as a Markdown document.
pub fn render(r: &ScoreReport) -> String {
    let mut out = format!("# rehearse score: `{}`\n\n", r.source.path);
    if let Some(m) = &r.model {
        out += &format!("Transcribed locally by Whisper {}.\n\n", m.name);
    }
    out += "## Transcript\n\n";
    if r.transcript.is_empty() {
        out += "_Nothing was said._\n\n";
    } else {
        out += &format!("> {}\n\n", r.transcript.text);
    }
    out += "## Delivery\n\n| Figure | Value |\n|---|---|\n";
    for (label, value) in rows(&r.delivery) {
        out += &format!("| {label} | {} |\n", value.replace('|', "\\|"));
    }
    out += "\n";
    out += &super::card_markdown::render_markdown(&r.score);
    for note in &r.notes {
        out += &format!("\n**Note:** {note}\n");
    }
    out
}
