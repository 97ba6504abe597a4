//! What the live screen shows, as plain data: the session fills it in, the renderers draw it.
//!
//! Keeping the view free of terminal code lets the full-screen interface and the plain progress
//! lines show the same state, and lets tests check what would be drawn without a terminal.

use std::time::Duration;

/// Where the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// The question is shown; recording has not started.
    #[default]
    Ready,
    /// Recording.
    Recording,
    /// Recording has stopped; the last phrase is being transcribed.
    Finishing,
    /// The report is shown.
    Report,
}

/// One rubric dimension on the checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckItem {
    /// The dimension's name.
    pub label: String,
    /// Whether the answer has covered it so far.
    pub covered: bool,
}

/// Everything on the live screen.
#[derive(Debug, Clone, Default)]
pub struct LiveView {
    /// The title bar.
    pub title: String,
    /// The question.
    pub question: String,
    /// Where the answer is.
    pub phase: Phase,
    /// Audio recorded so far.
    pub elapsed: Duration,
    /// How long the answer should be.
    pub target: Duration,
    /// Where recording stops.
    pub hard_cap: Duration,
    /// The warning window before the target.
    pub warn_before: Duration,
    /// The input level, 0.0 to 1.0.
    pub level: f32,
    /// Settled transcript.
    pub transcript: String,
    /// Provisional text after it, still being transcribed.
    pub pending: String,
    /// The rubric's dimensions.
    pub checklist: Vec<CheckItem>,
    /// One line of status: where the audio goes, warnings, errors.
    pub status: String,
    /// Key hints: (key, action).
    pub keys: Vec<(String, String)>,
    /// The report text, in [`Phase::Report`].
    pub report: Option<String>,
    /// The interviewer's critique (or summary) below the report, as far as it has arrived.
    pub critique: Option<String>,
    /// Lines scrolled down in the report.
    pub scroll: u16,
}
