//! Pace and length: the speaking rate against the comfortable band, the rate in 15-second windows
//! (speeding up at the end is a finding of its own), and the answer's length against its 90-second
//! and 2-minute targets.
//!
//! Length is measured in time when the transcript is timed and in words otherwise, against the
//! middle of the target's word range. The verdict bands come from the issue: below 50 % is too
//! thin, 80-110 % is on target, above 125 % is rambling; between them an answer is short or long.
//! Every verdict also says the word counts it implies, which is what a candidate can act on.

use serde::{Deserialize, Serialize};

use super::delivery::Delivery;
use super::fluency::round1;
use super::spoken::Spoken;
use crate::questions::{Target, Targets};

/// Below this rate an answer drags. Source: the speech-coaching norm of 120-160 words per minute.
pub const PACE_GREEN_MIN_WPM: f64 = 120.0;
/// Above this rate an answer is hard to follow. Source: the same norm.
pub const PACE_GREEN_MAX_WPM: f64 = 160.0;
/// The window the rate is followed in, from the issue.
pub const PACE_WINDOW_MS: u64 = 15_000;
/// A last window shorter than this joins the one before, so a closing phrase is not a "rush".
pub const MIN_WINDOW_MS: u64 = 5_000;
/// The last window is rushed when it is this much faster than the windows before it (and above
/// the green band). Our own threshold: a 20 % change in rate is readily heard.
pub const RUSH_RATIO: f64 = 1.2;
/// Answers needing more windows than this (over ten hours) get no windows at all.
const MAX_WINDOWS: u64 = 2_400;
/// Below this share of the target an answer is too thin. Source: the issue.
pub const TOO_THIN_BELOW_PERCENT: u32 = 50;
/// From this share an answer is on target. Source: the issue.
pub const ON_TARGET_FROM_PERCENT: u32 = 80;
/// Up to this share an answer is on target. Source: the issue.
pub const ON_TARGET_TO_PERCENT: u32 = 110;
/// Above this share an answer is rambling. Source: the issue.
pub const RAMBLING_ABOVE_PERCENT: u32 = 125;

/// Where a rate falls against the green band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Below 120 wpm.
    Slow,
    /// 120-160 wpm.
    Green,
    /// Above 160 wpm.
    Fast,
}

/// The rate over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// Words starting in it.
    pub words: usize,
    /// Words per minute, one decimal.
    pub wpm: f64,
}

/// The answer's pace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    /// The overall speaking rate's band, for a timed transcript.
    pub band: Option<Band>,
    /// The rate per window; empty for a text transcript.
    pub windows: Vec<Window>,
    /// Whether the last window is rushed.
    pub rushing_at_end: bool,
}

/// How an answer's length compares to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Below 50 %.
    TooThin,
    /// 50-80 %.
    Short,
    /// 80-110 %.
    OnTarget,
    /// 110-125 %.
    Long,
    /// Above 125 %.
    Rambling,
}

/// The length against one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthCheck {
    /// "90 s", "2 min".
    pub target: String,
    /// The target in seconds.
    pub seconds: u32,
    /// The answer as a share of the target, in percent.
    pub percent: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Word counts that are on target.
    pub on_target_words: [u32; 2],
    /// Fewer words than this is too thin.
    pub too_thin_below_words: u32,
    /// More words than this is rambling.
    pub rambling_above_words: u32,
}

/// The length against both targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Length {
    /// `true` when measured in time, `false` when in words.
    pub by_time: bool,
    /// The 90-second target.
    pub short: LengthCheck,
    /// The 2-minute target.
    pub long: LengthCheck,
}

/// The pace of a transcript.
pub fn pace(spoken: &Spoken, delivery: &Delivery) -> Pace {
    let windows = spoken.times.as_deref().map(windows).unwrap_or_default();
    Pace {
        band: delivery.speaking_rate_wpm.map(band),
        rushing_at_end: rushing(&windows),
        windows,
    }
}

/// The band of a rate.
pub fn band(wpm: f64) -> Band {
    if wpm < PACE_GREEN_MIN_WPM {
        Band::Slow
    } else if wpm > PACE_GREEN_MAX_WPM {
        Band::Fast
    } else {
        Band::Green
    }
}

/// Words per [`PACE_WINDOW_MS`] from the first word's start, each word in the window it starts in.
fn windows(times: &[(u64, u64)]) -> Vec<Window> {
    let (Some(t0), Some(end)) = (
        times.iter().map(|t| t.0).min(),
        times.iter().map(|t| t.1).max(),
    ) else {
        return Vec::new();
    };
    let n = (end - t0) / PACE_WINDOW_MS + 1;
    if n > MAX_WINDOWS {
        return Vec::new();
    }
    let mut counts = vec![0usize; n as usize];
    for &(start, _) in times {
        counts[((start - t0) / PACE_WINDOW_MS) as usize] += 1;
    }
    let mut bounds: Vec<(u64, u64, usize)> = counts
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let s = t0 + k as u64 * PACE_WINDOW_MS;
            (s, s.saturating_add(PACE_WINDOW_MS).min(end), c)
        })
        .collect();
    if bounds.len() > 1
        && bounds
            .last()
            .is_some_and(|&(s, e, _)| e - s < MIN_WINDOW_MS)
    {
        let (_, e, c) = bounds.pop().expect("checked");
        let last = bounds.last_mut().expect("checked");
        (last.1, last.2) = (e, last.2 + c);
    }
    bounds
        .into_iter()
        .filter(|&(s, e, _)| e > s)
        .map(|(s, e, c)| Window {
            start_ms: s,
            end_ms: e,
            words: c,
            wpm: round1(c as f64 * 60_000.0 / (e - s) as f64),
        })
        .collect()
}

/// Whether the last of three or more windows is [`RUSH_RATIO`] faster than the rest and fast.
fn rushing(windows: &[Window]) -> bool {
    let [rest @ .., last] = windows else {
        return false;
    };
    if rest.len() < 2 {
        return false;
    }
    let mean = rest.iter().map(|w| w.wpm).sum::<f64>() / rest.len() as f64;
    last.wpm > PACE_GREEN_MAX_WPM && last.wpm >= mean * RUSH_RATIO
}

/// The answer's length against both targets: by `speaking_ms` when known, else by `words`.
pub fn length(targets: &Targets, words: usize, speaking_ms: Option<u64>) -> Length {
    Length {
        by_time: speaking_ms.is_some(),
        short: check(&targets.short, words, speaking_ms),
        long: check(&targets.long, words, speaking_ms),
    }
}

/// The length against one target.
fn check(target: &Target, words: usize, speaking_ms: Option<u64>) -> LengthCheck {
    let mid = (u64::from(target.words[0]) + u64::from(target.words[1])) / 2;
    let share = |num: u64, den: u64| {
        num.saturating_mul(100)
            .saturating_add(den / 2)
            .checked_div(den)
            .unwrap_or(0)
    };
    let percent = match speaking_ms {
        Some(ms) => share(ms, u64::from(target.seconds) * 1000),
        None => share(words as u64, mid),
    }
    .min(u64::from(u32::MAX)) as u32;
    let words_at = |p: u32| ((mid * u64::from(p) + 50) / 100) as u32;
    LengthCheck {
        target: label(target.seconds),
        seconds: target.seconds,
        percent,
        verdict: verdict(percent),
        on_target_words: [
            words_at(ON_TARGET_FROM_PERCENT),
            words_at(ON_TARGET_TO_PERCENT),
        ],
        too_thin_below_words: words_at(TOO_THIN_BELOW_PERCENT),
        rambling_above_words: words_at(RAMBLING_ABOVE_PERCENT),
    }
}

/// The verdict for a share of the target.
pub fn verdict(percent: u32) -> Verdict {
    match percent {
        p if p < TOO_THIN_BELOW_PERCENT => Verdict::TooThin,
        p if p < ON_TARGET_FROM_PERCENT => Verdict::Short,
        p if p <= ON_TARGET_TO_PERCENT => Verdict::OnTarget,
        p if p <= RAMBLING_ABOVE_PERCENT => Verdict::Long,
        _ => Verdict::Rambling,
    }
}

/// "90 s", "2 min", "2 min 30 s".
fn label(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (m, 0) if m >= 2 => format!("{m} min"),
        (m, s) if m >= 2 => format!("{m} min {s} s"),
        _ => format!("{seconds} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evenly(words: usize, ms_per_word: u64) -> Vec<(u64, u64)> {
        (0..words as u64)
            .map(|i| (i * ms_per_word, i * ms_per_word + ms_per_word / 2))
            .collect()
    }

    #[test]
    fn verdict_bands_follow_the_issue() {
        let v: Vec<Verdict> = [49, 50, 79, 80, 110, 111, 125, 126]
            .into_iter()
            .map(verdict)
            .collect();
        use Verdict::*;
        assert_eq!(
            v,
            [
                TooThin, Short, Short, OnTarget, OnTarget, Long, Long, Rambling
            ]
        );
    }

    #[test]
    fn length_by_words_states_the_implied_counts() {
        let l = length(&Targets::default(), 105, None);
        assert!(!l.by_time);
        assert_eq!((l.short.percent, l.short.verdict), (50, Verdict::Short));
        assert_eq!(l.short.on_target_words, [168, 231]);
        assert_eq!(l.short.too_thin_below_words, 105);
        assert_eq!(l.short.rambling_above_words, 263);
        assert_eq!(l.long.target, "2 min");
        let l = length(&Targets::default(), 10, Some(180_000));
        assert_eq!((l.short.percent, l.short.verdict), (200, Verdict::Rambling));
    }

    #[test]
    fn windows_follow_the_rate_and_find_a_rush() {
        // 45 s at 140 wpm, then 15 s at 220 wpm.
        let mut t = evenly(105, 60_000 / 140);
        let start = 45_000;
        t.extend((0..55u64).map(|i| (start + i * 272, start + i * 272 + 200)));
        let w = windows(&t);
        assert_eq!(w.len(), 4);
        assert!(w[..3].iter().all(|w| (w.wpm - 140.0).abs() < 6.0), "{w:?}");
        assert!(rushing(&w));
        assert!(!rushing(&windows(&evenly(200, 60_000 / 140))));
    }

    #[test]
    fn a_short_last_window_joins_the_one_before() {
        let w = windows(&evenly(40, 400));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].words, 40);
    }
}
