//! Placeholder view.
use std::time::Duration;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Ready,
    Recording,
    Finishing,
    Report,
}
#[derive(Debug, Clone, PartialEq)]
pub struct CheckItem {
    pub label: String,
    pub covered: bool,
}
#[derive(Debug, Clone, Default)]
pub struct LiveView {
    pub title: String,
    pub question: String,
    pub phase: Phase,
    pub elapsed: Duration,
    pub target: Duration,
    pub hard_cap: Duration,
    pub warn_before: Duration,
    pub level: f32,
    pub transcript: String,
    pub pending: String,
    pub checklist: Vec<CheckItem>,
    pub status: String,
    pub keys: Vec<(String, String)>,
    pub report: Option<String>,
    pub scroll: u16,
}
