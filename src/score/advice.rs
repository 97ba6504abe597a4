//! What to tell the candidate: improvements ranked by what they are worth, strengths, and which
//! dimensions the 90-second and 2-minute versions of the answer should hold.
//!
//! Red flags come first (an anti-pattern or a broken ordering rule is what an interviewer
//! remembers), then everything else by the overall points it would win back; ties fall back to a
//! fixed order so the list is the same on every run.

use super::card::{
    Deduction, DeductionKind, Improvement, ScoreCard, VersionItem, Versions, level_worth,
};
use super::fluency::{self, FILLERS_AMBER_PER_100, round1};
use super::pace::{Band, Verdict};
use super::rubric::{DimensionScore, list};
use crate::questions::Question;

/// Overall points a dimension with `weight` gains by going from level `from` to level `to`.
fn level_points(card: &ScoreCard, weight: f64, from: u8, to: u8) -> f64 {
    let total: f64 = card
        .dimensions
        .iter()
        .filter(|d| d.applies)
        .map(|d| d.weight)
        .sum();
    if total > 0.0 {
        weight / total * (level_worth(to) - level_worth(from)).max(0.0) * 100.0
    } else {
        0.0
    }
}

/// Every improvement, most valuable first.
pub fn improvements(q: &Question, card: &ScoreCard) -> Vec<Improvement> {
    let mut ranked: Vec<(u8, Improvement)> = Vec::new();
    ranked.extend(red_flags(q, card).into_iter().map(|i| (0, i)));
    ranked.extend(gaps(q, card).into_iter().map(|i| (1, i)));
    ranked.extend(
        card.deductions
            .iter()
            .map(|d| (2, delivery_advice(card, d))),
    );
    ranked.sort_by(|a, b| {
        a.0.min(1)
            .cmp(&b.0.min(1))
            .then(b.1.points.total_cmp(&a.1.points))
            .then(a.0.cmp(&b.0))
            .then_with(|| a.1.title.cmp(&b.1.title))
    });
    ranked.into_iter().map(|(_, i)| i).collect()
}

/// An improvement, its points rounded so the card prints the same everywhere.
fn improvement(title: &str, advice: String, points: f64) -> Improvement {
    Improvement {
        title: title.to_string(),
        advice,
        points: round1(points),
    }
}

/// The anti-patterns shown and the ordering rules broken, each worth the levels it cost.
fn red_flags(q: &Question, card: &ScoreCard) -> Vec<Improvement> {
    // A red flag is worth the levels it costs, counted up from where the dimension stands.
    let worth = |id: &str, levels: u8| {
        card.dimensions
            .iter()
            .find(|d| d.id == id)
            .map_or(0.0, |d| {
                level_points(card, d.weight, d.level, d.level.saturating_add(levels))
            })
    };
    let mut out: Vec<Improvement> = card
        .mistakes
        .iter()
        .map(|m| {
            let heard = m
                .quote
                .as_ref()
                .map(|qt| format!(" (heard: \"{}\")", qt.text))
                .unwrap_or_default();
            improvement(
                &m.name,
                format!("{}{heard}", m.advice),
                worth(&m.hurts, m.penalty),
            )
        })
        .collect();
    for (rule, check) in q.order.iter().zip(&card.ordering) {
        if check.held == Some(false) {
            let title = format!("Order: {}", rule.name);
            out.push(improvement(
                &title,
                rule.advice.clone(),
                worth(&rule.hurts, rule.penalty),
            ));
        }
    }
    out
}

/// The dimensions not fully covered, each worth the levels it is short of 4.
fn gaps(q: &Question, card: &ScoreCard) -> Vec<Improvement> {
    card.dimensions
        .iter()
        .zip(&q.dimensions)
        .filter(|(d, _)| d.applies && d.covered < 4)
        .map(|(d, dim)| {
            let missing: Vec<&str> = d.missing.iter().take(3).map(String::as_str).collect();
            let advice = format!("{} Not heard: {}.", dim.advice, list(&missing));
            improvement(&d.name, advice, level_points(card, d.weight, d.covered, 4))
        })
        .collect()
}

/// What to do about a deduction, worth the points it took.
fn delivery_advice(card: &ScoreCard, d: &Deduction) -> Improvement {
    let (s, l) = (&card.length.short, &card.length.long);
    let ([s0, s1], [l0, l1]) = (s.on_target_words, l.on_target_words);
    let reason = &d.reason;
    let (title, advice) = match d.kind {
        DeductionKind::Rambling | DeductionKind::Long => (
            "Length",
            format!(
                "Cut to {l0}-{l1} words for {} ({s0}-{s1} for {}); {reason}.",
                l.target, s.target
            ),
        ),
        DeductionKind::TooThin | DeductionKind::Short => (
            "Length",
            format!("Say more: {s0}-{s1} words fit {}; {reason}.", s.target),
        ),
        DeductionKind::KeywordList => (
            "Keyword list",
            format!("Explain each step in a sentence: what you do and why; {reason}."),
        ),
        DeductionKind::Fillers => {
            let top = forms(&card.fluency.fillers);
            (
                "Fillers",
                format!("Pause silently instead of filling: {reason} ({top})."),
            )
        }
        DeductionKind::Hedging => {
            let top = forms(&card.fluency.hedges);
            (
                "Hedging",
                format!("Say what you did or would do plainly: {reason} ({top})."),
            )
        }
        DeductionKind::Pace => (
            "Pace",
            format!("Aim for 120-160 words per minute; {reason}."),
        ),
        DeductionKind::Rushing => (
            "Pace",
            "Keep the close at the pace of the opening; the end is what is remembered.".into(),
        ),
    };
    improvement(title, advice, f64::from(d.points))
}

/// The three most frequent forms of a count: "\"um\" x4, \"like\" x2".
fn forms(r: &fluency::Rate) -> String {
    let top: Vec<String> = r
        .forms
        .iter()
        .take(3)
        .map(|(f, n)| format!("\"{f}\" x{n}"))
        .collect();
    top.join(", ")
}

/// What went well, in report order.
pub fn strengths(card: &ScoreCard) -> Vec<String> {
    let mut out = Vec::new();
    for d in card.dimensions.iter().filter(|d| d.applies && d.level >= 3) {
        let heard: Vec<&str> = d
            .evidence
            .iter()
            .take(3)
            .map(|q| q.counts_as.as_str())
            .collect();
        out.push(format!("{} {}/4: {}", d.name, d.level, list(&heard)));
    }
    for c in card.ordering.iter().filter(|c| c.held == Some(true)) {
        out.push(format!("Kept the order: {}", c.name));
    }
    let f = &card.fluency;
    if f.words >= 50 && f.fillers.per_100_words <= FILLERS_AMBER_PER_100 {
        out.push(format!(
            "Few fillers: {} per 100 words",
            f.fillers.per_100_words
        ));
    }
    if let (Some(Band::Green), Some(wpm)) = (card.pace.band, card.delivery.speaking_rate_wpm) {
        out.push(format!("Comfortable pace: {wpm} words per minute"));
    }
    for c in [&card.length.short, &card.length.long] {
        if c.verdict == Verdict::OnTarget {
            out.push(format!(
                "On target for the {} version ({} %)",
                c.target, c.percent
            ));
        }
    }
    out
}

/// Splits the applicable dimensions between the 90-second and the 2-minute versions.
pub fn versions(dims: &[DimensionScore]) -> Versions {
    let item = |d: &DimensionScore| VersionItem {
        dimension: d.name.clone(),
        heard: d.evidence.first().map(|q| q.text.clone()),
    };
    let applicable = || dims.iter().filter(|d| d.applies);
    Versions {
        keep_in_90s: applicable().filter(|d| d.keep_in_short).map(item).collect(),
        only_in_2min: applicable()
            .filter(|d| !d.keep_in_short)
            .map(item)
            .collect(),
    }
}
