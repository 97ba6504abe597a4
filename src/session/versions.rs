//! The `--versions` drill: the same question as a 90-second answer, then as a 2-minute one, side by
//! side.
//!
//! The drill teaches what to cut. The comparison shows each version's time and words, the rubric
//! dimensions each covered, what the short one dropped that the long one had, and whether the short
//! one still holds the framework: every dimension the question says a 90-second answer must keep.

use serde::{Deserialize, Serialize};

use crate::questions::Question;
use crate::score::ScoreReport;

/// One version's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionSummary {
    /// "90-second version" or "2-minute version".
    pub label: String,
    /// Seconds spoken.
    pub seconds: f64,
    /// Words recognised.
    pub words: usize,
    /// The 0-100 overall score.
    pub overall: u8,
    /// Names of the dimensions covered.
    pub covered: Vec<String>,
}

/// The two versions compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// The 90-second version.
    pub short: VersionSummary,
    /// The 2-minute version.
    pub long: VersionSummary,
    /// Dimensions the long version covered and the short one did not.
    pub dropped: Vec<String>,
    /// Whether the short version covered every dimension a 90-second answer must keep.
    pub holds_framework: bool,
    /// The must-keep dimensions the short version missed.
    pub framework_missing: Vec<String>,
}

/// Compares the two versions' reports.
pub fn compare(question: &Question, short: &ScoreReport, long: &ScoreReport) -> Comparison {
    let short_sum = summary("90-second version", short);
    let long_sum = summary("2-minute version", long);
    let dropped = long_sum
        .covered
        .iter()
        .filter(|d| !short_sum.covered.contains(d))
        .cloned()
        .collect();
    let framework_missing: Vec<String> = question
        .dimensions
        .iter()
        .filter(|d| question.keep_in_short.contains(&d.id))
        .filter(|d| !short_sum.covered.contains(&d.name))
        .map(|d| d.name.clone())
        .collect();
    Comparison {
        holds_framework: framework_missing.is_empty(),
        framework_missing,
        dropped,
        short: short_sum,
        long: long_sum,
    }
}

fn summary(label: &str, r: &ScoreReport) -> VersionSummary {
    VersionSummary {
        label: label.into(),
        seconds: r.delivery.duration_ms.unwrap_or(0) as f64 / 1000.0,
        words: r.transcript.word_count(),
        overall: r.score.overall,
        covered: r
            .score
            .dimensions
            .iter()
            .filter(|d| d.applies && d.covered > 0)
            .map(|d| d.name.clone())
            .collect(),
    }
}
