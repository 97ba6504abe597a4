//! The plain-text rendering of a [`ScoreCard`], and the pieces it shares with the Markdown one in
//! [`super::card_markdown`]. Both are pure functions of the card, so the same card always prints the
//! same bytes; JSON is the card's own `Serialize`.
//!
//! Both follow the order a coach would talk in: the score, the three most valuable improvements,
//! the rubric with its quoted evidence, ordering and mistakes, strengths, what the 90-second and
//! 2-minute versions should hold, then the delivery figures and the remaining improvements.

use std::fmt::Write;

use crate::score::card::{Improvement, ScoreCard, TOP_IMPROVEMENTS, VersionItem};
use crate::score::fluency::Rate;
use crate::score::pace::{Band, LengthCheck, Verdict};
use crate::score::rubric::{Mistake, Quote};

/// The card as plain text for a terminal.
pub fn render_text(card: &ScoreCard) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Question: {} ({})", card.question_text, card.question);
    let _ = writeln!(
        o,
        "Overall: {}/100 (content {}{})",
        card.overall,
        card.content,
        deductions(card)
    );
    section(&mut o, "Top improvements");
    numbered(&mut o, card.improvements.iter().take(TOP_IMPROVEMENTS), 1);
    section(&mut o, "Rubric");
    for d in &card.dimensions {
        let _ = writeln!(o, "  {:<34} {}", d.name, d.reason);
        for q in d.evidence.iter().filter(|_| d.applies) {
            let _ = writeln!(o, "      {}", quote(q));
        }
    }
    checks(&mut o, card);
    section(&mut o, "Versions");
    let _ = writeln!(
        o,
        "  90 seconds must keep: {}",
        versions(&card.versions.keep_in_90s)
    );
    let _ = writeln!(
        o,
        "  2 minutes only:       {}",
        versions(&card.versions.only_in_2min)
    );
    section(&mut o, "Delivery");
    for line in delivery_lines(card) {
        let _ = writeln!(o, "  {line}");
    }
    if card.improvements.len() > TOP_IMPROVEMENTS {
        section(&mut o, "More improvements");
        numbered(
            &mut o,
            card.improvements.iter().skip(TOP_IMPROVEMENTS),
            TOP_IMPROVEMENTS + 1,
        );
    }
    o
}

/// Ordering rules, mistakes and strengths, each section only when it has something to say.
fn checks(o: &mut String, card: &ScoreCard) {
    if !card.ordering.is_empty() {
        section(o, "Order");
        for c in &card.ordering {
            let _ = writeln!(
                o,
                "  {:<8} {}{}",
                held(c.held),
                c.name,
                broken_advice(c.held, &c.advice)
            );
        }
    }
    if !card.mistakes.is_empty() {
        section(o, "Mistakes");
        for m in &card.mistakes {
            let _ = writeln!(o, "  {}", mistake(m));
        }
    }
    if !card.strengths.is_empty() {
        section(o, "Strengths");
        for s in &card.strengths {
            let _ = writeln!(o, "  - {s}");
        }
    }
}

/// A blank line and a heading.
fn section(o: &mut String, title: &str) {
    let _ = writeln!(o, "\n{title}");
}

/// Improvements numbered from `first`.
fn numbered<'a>(o: &mut String, items: impl Iterator<Item = &'a Improvement>, first: usize) {
    for (i, imp) in items.enumerate() {
        let _ = writeln!(
            o,
            "  {}. {} (+{}): {}",
            first + i,
            imp.title,
            imp.points,
            imp.advice
        );
    }
}

/// ", -10 rambling: 140 % of the 2 min target" for each deduction.
pub(super) fn deductions(card: &ScoreCard) -> String {
    card.deductions
        .iter()
        .map(|d| format!(", -{} {}", d.points, d.reason))
        .collect()
}

/// A quote with its time and what it counts as.
pub(super) fn quote(q: &Quote) -> String {
    match q.at_ms {
        Some(ms) => format!("[{}] \"{}\" ({})", clock(ms), q.text, q.counts_as),
        None => format!("\"{}\" ({})", q.text, q.counts_as),
    }
}

/// "Reckless fix (-2 on fix): "just restart all the services" (Reckless fix)".
pub(super) fn mistake(m: &Mistake) -> String {
    let at = m
        .quote
        .as_ref()
        .map(|q| format!(": {}", quote(q)))
        .unwrap_or_default();
    format!("{} (-{} on {}){at}", m.name, m.penalty, m.hurts)
}

/// "kept", "broken" or "n/a".
pub(super) fn held(h: Option<bool>) -> &'static str {
    match h {
        Some(true) => "kept",
        Some(false) => "broken",
        None => "n/a",
    }
}

/// The rule's advice after a broken rule.
pub(super) fn broken_advice(h: Option<bool>, advice: &str) -> String {
    if h == Some(false) {
        format!(" ({advice})")
    } else {
        String::new()
    }
}

/// Dimension names, each with what was heard for it.
pub(super) fn versions(items: &[VersionItem]) -> String {
    if items.is_empty() {
        return "-".into();
    }
    let shown: Vec<String> = items
        .iter()
        .map(|i| match &i.heard {
            Some(h) => format!("{} (\"{h}\")", i.dimension),
            None => format!("{} (not yet said)", i.dimension),
        })
        .collect();
    shown.join("; ")
}

/// The delivery figures, one per line; timing lines only for a timed transcript.
pub(super) fn delivery_lines(card: &ScoreCard) -> Vec<String> {
    let mut out = vec![format!("Words: {}", card.delivery.words)];
    out.extend(timing_lines(card));
    let f = &card.fluency;
    out.push(rate_line("Fillers", &f.fillers));
    out.push(rate_line("Hedges", &f.hedges));
    out.push(rate_line("Repeats", &f.repeats));
    if !card.pace.windows.is_empty() {
        let w: Vec<String> = card
            .pace
            .windows
            .iter()
            .map(|w| format!("{}", w.wpm.round()))
            .collect();
        let rush = if card.pace.rushing_at_end {
            " - rushing at the end"
        } else {
            ""
        };
        out.push(format!("Pace per 15 s: {} wpm{rush}", w.join(" ")));
    }
    let (s, l) = (&card.length.short, &card.length.long);
    out.push(format!("Length: {}; {}", length(s), length(l)));
    out
}

/// Speaking time and rates, time to first word and long pauses, when the transcript is timed.
fn timing_lines(card: &ScoreCard) -> Vec<String> {
    let d = &card.delivery;
    let mut out = Vec::new();
    if let (Some(ms), Some(wpm)) = (d.speaking_ms, d.speaking_rate_wpm) {
        let art = d
            .articulation_rate_wpm
            .map(|a| format!(", articulation {a} wpm"))
            .unwrap_or_default();
        out.push(format!(
            "Speaking: {} at {wpm} wpm ({}){art}",
            clock(ms),
            band(card.pace.band)
        ));
    }
    if let Some(ms) = d.time_to_first_word_ms {
        out.push(format!("Time to first word: {}", seconds(ms)));
    }
    if let Some(pauses) = &d.long_pauses {
        let at: Vec<String> = pauses
            .iter()
            .map(|p| format!("{} for {}", clock(p.start_ms), seconds(p.duration_ms())))
            .collect();
        let list = if at.is_empty() {
            String::new()
        } else {
            format!(" ({})", at.join(", "))
        };
        out.push(format!("Pauses of 2 s or more: {}{list}", pauses.len()));
    }
    out
}

/// "Fillers: 3 (2.1 per 100 words, 1.5 per minute): "um" x2, "like" x1".
fn rate_line(name: &str, r: &Rate) -> String {
    let per_min = r
        .per_minute
        .map(|m| format!(", {m} per minute"))
        .unwrap_or_default();
    let forms: Vec<String> = r
        .forms
        .iter()
        .map(|(f, n)| format!("\"{f}\" x{n}"))
        .collect();
    let forms = if forms.is_empty() {
        String::new()
    } else {
        format!(": {}", forms.join(", "))
    };
    format!(
        "{name}: {} ({} per 100 words{per_min}){forms}",
        r.count, r.per_100_words
    )
}

/// "90 s target 117 % (long; 168-231 words on target)".
fn length(c: &LengthCheck) -> String {
    let v = match c.verdict {
        Verdict::TooThin => "too thin",
        Verdict::Short => "short",
        Verdict::OnTarget => "on target",
        Verdict::Long => "long",
        Verdict::Rambling => "rambling",
    };
    let [lo, hi] = c.on_target_words;
    format!(
        "{} target {} % ({v}; {lo}-{hi} words on target)",
        c.target, c.percent
    )
}

/// The name of a pace band.
fn band(b: Option<Band>) -> &'static str {
    match b {
        Some(Band::Slow) => "slow",
        Some(Band::Green) => "green",
        Some(Band::Fast) => "fast",
        None => "unknown",
    }
}

/// "1:05" for 65,000 ms.
fn clock(ms: u64) -> String {
    format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)
}

/// "2.4 s" for 2,400 ms.
fn seconds(ms: u64) -> String {
    format!("{}.{} s", ms / 1000, ms % 1000 / 100)
}
