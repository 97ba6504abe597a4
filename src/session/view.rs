//! What the live screen shows, as plain data, and the seams the session talks to it through: the
//! session fills in a [`LiveView`] and hands it to a [`Screen`]; a [`Present`] turns its records
//! into the text the view shows.
//!
//! Keeping the view free of terminal code lets the full-screen interface and the plain progress
//! lines show the same state, and lets tests check what would be drawn without a terminal. Both
//! screens and the renderers sit above the session (in `screen` and `report`); the command that
//! starts a session passes them in, so the live pipeline imports neither.

use std::time::Duration;

use super::SessionError;
use super::record::Practice;
use crate::interview::critique::Critique;
use crate::score::{ScoreCard, ScoreReport};

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

/// A key the session reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// End the answer (Enter or Space), or leave the report.
    Finish,
    /// Quit, keeping the audio (q, Esc, Ctrl-C).
    Quit,
    /// Answer the question again (r).
    Retry,
    /// Scroll the report up.
    ScrollUp,
    /// Scroll the report down.
    ScrollDown,
    /// Anything else.
    Other,
}

/// Something that shows a live answer and reads the speaker's keys.
pub trait Screen {
    /// Shows the current state.
    fn show(&mut self, view: &LiveView) -> Result<(), SessionError>;
    /// Waits up to `timeout` for a key; `None` when none came.
    fn key(&mut self, timeout: Duration) -> Result<Option<Key>, SessionError>;
    /// Shows a finished answer's report and waits until the speaker moves on, returning the key
    /// that did it (`None`: no choice, go on).
    fn report(&mut self, view: &mut LiveView) -> Result<Option<Key>, SessionError>;
}

/// Turns the session's records into the text its screens show.
pub trait Present {
    /// A scored answer's report, as text.
    fn answer(&self, report: &ScoreReport) -> String;
    /// The interviewer's critique beside the local score; `finished` is false while it streams.
    fn critique(&self, critique: &Critique, local: &ScoreCard, finished: bool) -> String;
    /// Each round's question and scores, shown above the interviewer's summary.
    fn rounds(&self, session: &Practice) -> String;
}
