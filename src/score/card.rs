//! The score card: everything `rehearse score` reports about one answer, and [`score`], the pure
//! function that fills it in.
//!
//! The overall score is content first: the weighted mean worth of the applicable dimensions' levels
//! ([`LEVEL_WORTH`]), as a percentage, so covering the rubric is what moves it. Delivery and length then take off a few
//! named points each (rambling, too many fillers, pace out of the band), never more than a content
//! gap would cost. Improvements put red flags first (an anti-pattern or a broken ordering rule is
//! what an interviewer remembers), then rank by the points each would win back, so the first three
//! are the most valuable; ties fall back to a fixed order, and every figure is rounded before it is
//! stored, so the same input always serialises to the same bytes.

use serde::{Deserialize, Serialize};

use super::advice;
use super::delivery::Delivery;
use super::fluency::{
    self, FILLERS_AMBER_PER_100, FILLERS_RED_PER_100, Fluency, HEDGES_RED_PER_100, round1,
};
use super::pace::{self, Band, Length, Pace, Verdict};
use super::rubric::{self, DimensionScore, Mistake, OrderCheck, Scorer};
use super::spoken::Spoken;
use crate::transcribe::Transcript;

/// Points off for rambling past 125 % of the 2-minute target: an interviewer stops listening.
pub const RAMBLING_POINTS: u8 = 10;
/// Points off for running 110-125 % of the 2-minute target.
pub const LONG_POINTS: u8 = 3;
/// Points off for an answer under half the 90-second target: too little to judge judgment by.
pub const TOO_THIN_POINTS: u8 = 10;
/// Points off for an answer at 50-80 % of the 90-second target.
pub const SHORT_POINTS: u8 = 3;
/// Points off for fillers above the red line of 5 per 100 words.
pub const FILLERS_RED_POINTS: u8 = 5;
/// Points off for fillers in the amber band.
pub const FILLERS_AMBER_POINTS: u8 = 2;
/// Points off for hedging above the red line.
pub const HEDGES_POINTS: u8 = 2;
/// Points off for an overall pace outside 120-160 words per minute.
pub const PACE_POINTS: u8 = 3;
/// Points off for speeding up at the end.
pub const RUSHING_POINTS: u8 = 2;
/// More distinct rubric items than this per 100 words is a list of keywords, not an explanation.
/// Our calibration answers carry 10 to 17 per 100 words; 30 leaves a wide margin for dense but
/// real speech, and a bare keyword list runs at 60 or more.
pub const KEYWORD_ITEMS_MAX_PER_100: f64 = 30.0;
/// What each level of a dimension is worth, as a share of the dimension's weight. The first level
/// is worth the most: an interviewer hears an element covered when it is said once, clearly, and
/// more detail adds less each time. So a concise answer that touches every element of the
/// framework once scores as a good answer, and length is judged by its own deduction, not by
/// how many items were packed in.
pub const LEVEL_WORTH: [f64; 5] = [0.0, 0.55, 0.75, 0.9, 1.0];
/// Improvements the report puts first.
pub const TOP_IMPROVEMENTS: usize = 3;

/// What a deduction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductionKind {
    /// Above 125 % of the 2-minute target.
    Rambling,
    /// 110-125 % of the 2-minute target.
    Long,
    /// Below 50 % of the 90-second target.
    TooThin,
    /// 50-80 % of the 90-second target.
    Short,
    /// A list of rubric terms rather than an explanation.
    KeywordList,
    /// Fillers above the amber or red line.
    Fillers,
    /// Hedges above the red line.
    Hedging,
    /// Speaking rate outside 120-160 words per minute.
    Pace,
    /// The last 15 seconds much faster than the rest.
    Rushing,
}

/// Points taken off the content score, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    /// What it is for.
    pub kind: DeductionKind,
    /// Why, in a few words with the figure behind it.
    pub reason: String,
    /// Points off.
    pub points: u8,
}

/// One thing to do better, with what it is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Improvement {
    /// What it is about ("Stabilise first", "Reckless fix", "Length").
    pub title: String,
    /// What to do, in a sentence or two.
    pub advice: String,
    /// About how many overall points doing it would win back, one decimal.
    pub points: f64,
}

/// A dimension as it belongs in one version of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionItem {
    /// The dimension's name.
    pub dimension: String,
    /// What the answer said for it, if anything.
    pub heard: Option<String>,
}

/// What the 90-second version must keep and what only the 2-minute one has room for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    /// Dimensions to keep even in 90 seconds.
    pub keep_in_90s: Vec<VersionItem>,
    /// Dimensions that belong only in the 2-minute version.
    pub only_in_2min: Vec<VersionItem>,
}

/// Everything reported about one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    /// The question's id.
    pub question: String,
    /// The question as asked.
    pub question_text: String,
    /// 0 to 100.
    pub overall: u8,
    /// 0 to 100 from the rubric alone, before deductions.
    pub content: u8,
    /// What was taken off the content score.
    pub deductions: Vec<Deduction>,
    /// What to do better, most valuable first.
    pub improvements: Vec<Improvement>,
    /// What went well.
    pub strengths: Vec<String>,
    /// Whether the answer tells a story (so STAR completeness counts).
    pub story: bool,
    /// Every rubric dimension.
    pub dimensions: Vec<DimensionScore>,
    /// Ordering rules.
    pub ordering: Vec<OrderCheck>,
    /// Anti-patterns shown.
    pub mistakes: Vec<Mistake>,
    /// The 90-second and 2-minute versions.
    pub versions: Versions,
    /// Fillers, hedges, repeats.
    pub fluency: Fluency,
    /// Speaking rate and its windows.
    pub pace: Pace,
    /// Length against the targets.
    pub length: Length,
    /// Timing figures from the recording.
    pub delivery: Delivery,
}

impl Scorer<'_> {
    /// Scores an answer. Pure: the same question, transcript and delivery always give the same card.
    pub fn score(&self, transcript: &Transcript, delivery: &Delivery) -> ScoreCard {
        card(self, transcript, delivery)
    }
}

fn card(scorer: &Scorer<'_>, transcript: &Transcript, delivery: &Delivery) -> ScoreCard {
    let question = scorer.question;
    let spoken = Spoken::new(transcript);
    let rubric = rubric::evaluate(scorer, &spoken);
    let fluency = fluency::measure(&spoken, delivery.speaking_ms);
    let pace = pace::pace(&spoken, delivery);
    let length = pace::length(&question.targets, spoken.words.len(), delivery.speaking_ms);
    let content = content(&rubric.dimensions);
    let mut deductions = deductions(&fluency, &pace, &length);
    deductions.extend(keyword_list(
        &rubric.dimensions,
        spoken.words.len(),
        content,
    ));
    let taken: u32 = deductions.iter().map(|d| u32::from(d.points)).sum();
    let mut card = ScoreCard {
        question: question.id.clone(),
        question_text: question.text.clone(),
        overall: u32::from(content).saturating_sub(taken) as u8,
        content,
        deductions,
        improvements: Vec::new(),
        strengths: Vec::new(),
        story: rubric.story,
        versions: advice::versions(&rubric.dimensions),
        dimensions: rubric.dimensions,
        ordering: rubric.ordering,
        mistakes: rubric.mistakes,
        fluency,
        pace,
        length,
        delivery: delivery.clone(),
    };
    card.improvements = advice::improvements(question, &card);
    card.strengths = advice::strengths(&card);
    card
}

/// The weighted mean worth of the applicable dimensions' levels (see [`LEVEL_WORTH`]), as a
/// percentage.
fn content(dims: &[DimensionScore]) -> u8 {
    let total: f64 = dims.iter().filter(|d| d.applies).map(|d| d.weight).sum();
    if total <= 0.0 {
        return 0;
    }
    let got: f64 = dims
        .iter()
        .filter(|d| d.applies)
        .map(|d| d.weight * level_worth(d.level))
        .sum();
    (got / total * 100.0).round().clamp(0.0, 100.0) as u8
}

/// What a dimension's level is worth, 0 to 1.
pub fn level_worth(level: u8) -> f64 {
    LEVEL_WORTH[usize::from(level.min(4))]
}

/// The points a keyword list loses: its content is scaled down to what
/// [`KEYWORD_ITEMS_MAX_PER_100`] items per 100 words would earn.
fn keyword_list(dims: &[DimensionScore], words: usize, content: u8) -> Option<Deduction> {
    let items: usize = dims
        .iter()
        .filter(|d| d.applies)
        .map(|d| d.evidence.len())
        .sum();
    let density = if words == 0 {
        0.0
    } else {
        items as f64 * 100.0 / words as f64
    };
    if density <= KEYWORD_ITEMS_MAX_PER_100 {
        return None;
    }
    let kept = (f64::from(content) * KEYWORD_ITEMS_MAX_PER_100 / density).round() as u8;
    Some(Deduction {
        kind: DeductionKind::KeywordList,
        reason: format!(
            "keyword list: {} rubric items per 100 words",
            round1(density)
        ),
        points: content - kept,
    })
}

/// Points off for length, fillers, hedges and pace.
fn deductions(fluency: &Fluency, pace: &Pace, length: &Length) -> Vec<Deduction> {
    let mut out: Vec<Deduction> = length_deduction(length).into_iter().collect();
    let mut add = |kind, reason, points| {
        out.push(Deduction {
            kind,
            reason,
            points,
        })
    };
    let f = fluency.fillers.per_100_words;
    if f > FILLERS_AMBER_PER_100 {
        let points = if f > FILLERS_RED_PER_100 {
            FILLERS_RED_POINTS
        } else {
            FILLERS_AMBER_POINTS
        };
        add(
            DeductionKind::Fillers,
            format!("fillers: {f} per 100 words"),
            points,
        );
    }
    let h = fluency.hedges.per_100_words;
    if h > HEDGES_RED_PER_100 {
        add(
            DeductionKind::Hedging,
            format!("hedging: {h} per 100 words"),
            HEDGES_POINTS,
        );
    }
    if matches!(pace.band, Some(Band::Slow | Band::Fast)) {
        add(
            DeductionKind::Pace,
            "pace outside 120-160 words per minute".into(),
            PACE_POINTS,
        );
    }
    if pace.rushing_at_end {
        add(
            DeductionKind::Rushing,
            "rushing at the end".into(),
            RUSHING_POINTS,
        );
    }
    out
}

/// Points off for running long against the 2-minute target or short against the 90-second one.
fn length_deduction(length: &Length) -> Option<Deduction> {
    let (s, l) = (&length.short, &length.long);
    let (kind, name, check, points) = match (s.verdict, l.verdict) {
        (_, Verdict::Rambling) => (DeductionKind::Rambling, "rambling", l, RAMBLING_POINTS),
        (_, Verdict::Long) => (DeductionKind::Long, "long", l, LONG_POINTS),
        (Verdict::TooThin, _) => (DeductionKind::TooThin, "too thin", s, TOO_THIN_POINTS),
        (Verdict::Short, _) => (DeductionKind::Short, "short", s, SHORT_POINTS),
        _ => return None,
    };
    let reason = format!("{name}: {} % of the {} target", check.percent, check.target);
    Some(Deduction {
        kind,
        reason,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::Targets;
    use crate::score::rubric::Quote;

    fn dim(weight: f64, level: u8, applies: bool) -> DimensionScore {
        DimensionScore {
            id: "d".into(),
            name: "D".into(),
            weight,
            applies,
            level,
            covered: level,
            reason: String::new(),
            evidence: Vec::new(),
            missing: Vec::new(),
            losses: Vec::new(),
            keep_in_short: true,
        }
    }

    #[test]
    fn content_is_the_weighted_mean_of_applicable_levels() {
        let dims = [dim(3.0, 4, true), dim(1.0, 0, true), dim(5.0, 0, false)];
        assert_eq!(content(&dims), 75);
        assert_eq!(content(&[]), 0);
    }

    #[test]
    fn length_deductions_follow_the_verdicts() {
        let kinds = |words| {
            let length = pace::length(&Targets::default(), words, None);
            length_deduction(&length).map(|d| (d.kind, d.points))
        };
        assert_eq!(kinds(50), Some((DeductionKind::TooThin, TOO_THIN_POINTS)));
        assert_eq!(kinds(150), Some((DeductionKind::Short, SHORT_POINTS)));
        assert_eq!(kinds(250), None);
        assert_eq!(kinds(330), Some((DeductionKind::Long, LONG_POINTS)));
        assert_eq!(kinds(400), Some((DeductionKind::Rambling, RAMBLING_POINTS)));
    }

    #[test]
    fn a_keyword_list_keeps_only_what_its_density_allows() {
        let mut d = dim(1.0, 4, true);
        d.evidence = (0..20)
            .map(|i| Quote {
                counts_as: format!("item {i}"),
                text: String::new(),
                matched: String::new(),
                word: i,
                at_ms: None,
            })
            .collect();
        let cut = keyword_list(&[d.clone()], 33, 90).expect("60 items per 100 words is a list");
        assert_eq!(cut.kind, DeductionKind::KeywordList);
        assert_eq!(cut.points, 90 - 45);
        assert!(keyword_list(&[d], 200, 90).is_none());
    }
}
