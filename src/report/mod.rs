//! Every rendering of every record: an answer's report ([`text`], [`markdown`], with the score card
//! in [`card`] and [`card_markdown`]), the interviewer's critique, the `--versions` comparison, a
//! practice session ([`practice`]), the store's listings and progress ([`history`]) and the HTML
//! pages ([`html`], [`charts`], laid out by the template files in [`templates`]). Nothing else in
//! the crate formats a record for people; only the commands and the terminal view import this
//! module.
//!
//! Every renderer is a pure function of its record, so the same input prints the same bytes. JSON
//! is each record's own `Serialize`; its shape is a documented contract, versioned by `schema`.

mod card;
mod card_markdown;
pub mod charts;
mod critique;
pub mod history;
pub mod html;
mod markdown;
pub mod practice;
pub mod saved;
mod templates;
mod text;
mod versions;

pub use card::render_text;
pub use card_markdown::render_markdown;
pub use critique::render as render_critique;
pub use versions::render as render_versions;

use serde::{Deserialize, Serialize};

use crate::score::ScoreReport;

/// How a report is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// For people at a terminal.
    #[default]
    Text,
    /// For programs: stable, documented in the README.
    Json,
    /// For notes and pull requests.
    Markdown,
}

impl ScoreReport {
    /// Renders the report in `format`. The output ends with a newline.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Markdown => markdown::render(self),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("a report always serialises");
                s.push('\n');
                s
            }
        }
    }
}

/// Pretty JSON of any record, ending with a newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("records serialise");
    s.push('\n');
    s
}

/// A figure that may be unknown, for the human renderings.
fn or_unknown(v: Option<String>) -> String {
    v.unwrap_or_else(|| "unknown (no timings in a text transcript)".to_string())
}

/// Seconds with one decimal, for pause lengths.
fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}
