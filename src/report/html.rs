//! The HTML report: one self-contained page (inline CSS and SVG, no script, no fetches), readable
//! from `file://` and printable.
//!
//! A session page shows, for each answer: the score, the transcript with fillers, hedges, long
//! pauses and rubric evidence highlighted and timestamped (and where the target fell), pace over
//! time, the rubric as a chart, and the local score beside the interviewer's critique; then the
//! comparison of a `--versions` drill and the interviewer's summary. A history page charts one
//! question's progress across attempts.

use super::ScoreReport;
use super::charts::{LineChart, esc, level_bars};
use crate::interview::critique::{Critique, Disagreement};
use crate::score::fluency;
use crate::store::history::History;
use crate::store::summary::SessionSummary;
use std::time::Duration;

use crate::units::{clock, mmss};

/// One answer of a session, as the page shows it.
pub struct AnswerPage<'a> {
    /// The label and question asked.
    pub label: &'a str,
    /// The question as asked.
    pub asked: &'a str,
    /// The local report.
    pub report: &'a ScoreReport,
    /// The interviewer's critique, if any.
    pub critique: Option<&'a Critique>,
    /// Where the two disagree.
    pub disagreements: &'a [Disagreement],
}

const STYLE: &str = include_str!("report.css");

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n",
        esc(title)
    )
}

/// The page of a session.
pub fn session(
    summary: &SessionSummary,
    answers: &[AnswerPage<'_>],
    comparison: Option<&str>,
    closing: Option<&str>,
) -> String {
    let mut body = format!(
        "<header><h1>{}</h1><p class=\"meta\">{} · {} · {} answer(s){}</p></header>",
        esc(answers.first().map_or(summary.question.as_str(), |a| a
            .report
            .score
            .question_text
            .as_str())),
        esc(&crate::units::when(&summary.started)),
        esc(&format!("{:?}", summary.kind).to_lowercase()),
        answers.len(),
        summary
            .settings
            .target_secs
            .map_or(String::new(), |t| format!(" · target {t} s"))
    );
    for a in answers {
        body += &answer(a, summary.settings.target_secs);
    }
    if let Some(c) = comparison {
        body += &format!(
            "<section class=\"versions\"><h2>The two versions compared</h2><pre>{}</pre></section>",
            esc(c)
        );
    }
    if let Some(s) = closing {
        body += &format!(
            "<section class=\"summary\"><h2>The interviewer's summary</h2><p>{}</p></section>",
            esc(s).replace('\n', "<br>")
        );
    }
    page(&format!("rehearse · {}", summary.question), &body)
}

fn answer(a: &AnswerPage<'_>, target_secs: Option<u64>) -> String {
    let r = a.report;
    let s = &r.score;
    let target_ms = target_secs
        .map(|t| t * 1000)
        .or(Some(90_000))
        .filter(|_| r.transcript.timed);
    let mut out = format!(
        "<section class=\"answer\"><h2>{}</h2><p class=\"asked\">{}</p><div class=\"scores\"><div class=\"big\">{}<small>/100</small></div><div>content {}/100 · {} words · {} · {}</div></div>",
        esc(a.label),
        esc(a.asked),
        s.overall,
        s.content,
        r.delivery.words,
        r.delivery.duration_ms.map_or("untimed".into(), clock),
        r.delivery
            .speaking_rate_wpm
            .map_or(String::new(), |w| format!("{w:.0} words/min"))
    );
    if !s.deductions.is_empty() {
        let items: Vec<String> = s
            .deductions
            .iter()
            .map(|d| format!("<li>−{} {}</li>", d.points, esc(&d.reason)))
            .collect();
        out += &format!("<ul class=\"deductions\">{}</ul>", items.join(""));
    }
    out += "<h3>Transcript</h3><p class=\"legend\"><span class=\"filler\">filler</span> <span class=\"hedge\">hedge</span> <span class=\"evidence\">rubric evidence</span> <span class=\"pause\">long pause</span> <span class=\"target\">target</span></p>";
    out += &format!("<p class=\"transcript\">{}</p>", transcript(r, target_ms));
    if !s.pace.windows.is_empty() {
        out += "<h3>Pace over time</h3>";
        out += &pace_chart(r, target_ms);
    }
    out += "<h3>Rubric</h3>";
    let rows: Vec<(String, u8, Option<u8>)> = s
        .dimensions
        .iter()
        .filter(|d| d.applies)
        .map(|d| {
            let theirs = a
                .critique
                .and_then(|c| c.dimensions.iter().find(|v| v.id == d.id))
                .and_then(|v| v.score);
            (d.name.clone(), d.level, theirs)
        })
        .collect();
    out += &level_bars(
        "the rubric, local levels (and the interviewer's, thin bars)",
        &rows,
    );
    out += &side_by_side(a);
    out + "</section>"
}

/// The transcript as HTML with its marks.
fn transcript(r: &ScoreReport, target_ms: Option<u64>) -> String {
    let words: Vec<(String, Option<u64>)> = if r.transcript.words.is_empty() {
        r.transcript
            .text
            .split_whitespace()
            .map(|w| (w.to_string(), None))
            .collect()
    } else {
        r.transcript
            .words
            .iter()
            .map(|w| (w.text.trim().to_string(), Some(w.start_ms)))
            .collect()
    };
    let (fillers, hedges) = fluency::spans(&r.transcript);
    let mut class = vec![""; words.len()];
    let mut titles = vec![String::new(); words.len()];
    for d in &r.score.dimensions {
        for q in &d.evidence {
            let n = q.text.split_whitespace().count().max(1);
            for i in q.word..(q.word + n).min(words.len()) {
                class[i] = "evidence";
                titles[i] = format!("{}: {}", d.name, q.counts_as);
            }
        }
    }
    for (list, name) in [(&hedges, "hedge"), (&fillers, "filler")] {
        for &(a, b) in list {
            for c in class.iter_mut().take(b + 1).skip(a) {
                *c = name;
            }
        }
    }
    let pauses = r.delivery.long_pauses.clone().unwrap_or_default();
    let mut out = String::new();
    let mut next_stamp = 0u64;
    let mut target_shown = false;
    let mut pause_i = 0;
    for (i, (w, start)) in words.iter().enumerate() {
        if let Some(start) = *start {
            while pause_i < pauses.len() && pauses[pause_i].end_ms <= start {
                let p = &pauses[pause_i];
                out += &format!(
                    "<span class=\"pause\">⏸ {:.1} s</span> ",
                    (p.end_ms - p.start_ms) as f64 / 1000.0
                );
                pause_i += 1;
            }
            if !target_shown && target_ms.is_some_and(|t| start >= t) {
                target_shown = true;
                out += &format!(
                    "<span class=\"target\">{} target</span> ",
                    clock(target_ms.unwrap_or(0))
                );
            }
            if start >= next_stamp {
                out += &format!(
                    "<span class=\"ts\">{}</span> ",
                    mmss(Duration::from_millis(start))
                );
                next_stamp = start - start % 15_000 + 15_000;
            }
        }
        let word = esc(w);
        out += &match (class[i], titles[i].as_str()) {
            ("", _) => word,
            (c, "") => format!("<span class=\"{c}\">{word}</span>"),
            (c, t) => format!("<span class=\"{c}\" title=\"{}\">{word}</span>", esc(t)),
        };
        out.push(' ');
    }
    out
}

fn pace_chart(r: &ScoreReport, target_ms: Option<u64>) -> String {
    let points: Vec<(f64, f64)> = r
        .score
        .pace
        .windows
        .iter()
        .map(|w| ((w.start_ms + w.end_ms) as f64 / 2000.0, w.wpm))
        .collect();
    let end = r
        .delivery
        .duration_ms
        .map_or(60.0, |d| d as f64 / 1000.0)
        .max(1.0);
    let hi = points.iter().map(|p| p.1).fold(200.0, f64::max);
    let marks: Vec<(f64, String)> = target_ms
        .map(|t| t as f64 / 1000.0)
        .filter(|t| *t <= end)
        .map(|t| (t, format!("{} target", clock((t * 1000.0) as u64))))
        .into_iter()
        .collect();
    let label = |x: f64| clock((x * 1000.0) as u64);
    LineChart {
        title: "speaking rate over the answer, words per minute",
        points: &points,
        x_range: (0.0, end),
        y_range: (60.0, hi.ceil()),
        band: Some((120.0, 160.0, "120-160 words/min")),
        marks: &marks,
        x_label: &label,
        y_unit: " wpm",
    }
    .svg()
}

fn side_by_side(a: &AnswerPage<'_>) -> String {
    let s = &a.report.score;
    let mut local = String::from("<h3>Local score</h3><ul>");
    for d in s.dimensions.iter().filter(|d| d.applies) {
        local += &format!(
            "<li><b>{}</b> {}/4 — {}</li>",
            esc(&d.name),
            d.level,
            esc(&d.reason)
        );
    }
    local += "</ul>";
    if !s.improvements.is_empty() {
        local += "<h4>Improvements</h4><ol>";
        for i in s.improvements.iter().take(3) {
            local += &format!("<li><b>{}</b>: {}</li>", esc(&i.title), esc(&i.advice));
        }
        local += "</ol>";
    }
    let theirs = match a.critique {
        None => "<h3>Interviewer</h3><p class=\"none\">No interviewer critique for this answer (none configured, offline, or it failed).</p>".to_string(),
        Some(c) => {
            let mut t = format!("<h3>Interviewer</h3><p>{}</p>", esc(&c.summary));
            if !a.disagreements.is_empty() {
                t += "<h4>Where the two disagree</h4><ul>";
                for g in a.disagreements {
                    t += &format!("<li><b>{}</b>: local {}/4, interviewer {}/4. {}</li>", esc(&g.dimension), g.local, g.interviewer, esc(&g.comment));
                }
                t += "</ul>";
            }
            t += &critique_html(c, a.report);
            t
        }
    };
    format!("<div class=\"side\"><div>{local}</div><div>{theirs}</div></div>")
}

/// The critique's verdicts and advice as HTML.
fn critique_html(c: &Critique, r: &ScoreReport) -> String {
    let mut t = String::from("<ul>");
    for v in &c.dimensions {
        let name = r
            .score
            .dimensions
            .iter()
            .find(|d| d.id == v.id)
            .map_or(v.id.as_str(), |d| d.name.as_str());
        let score = v
            .score
            .map_or("not enough to judge".to_string(), |s| format!("{s}/4"));
        let quotes: Vec<String> = v.evidence.iter().map(|q| format!("“{}”", esc(q))).collect();
        t += &format!(
            "<li><b>{}</b> {score} — {} <i>{}</i></li>",
            esc(name),
            esc(&v.comment),
            quotes.join(" ")
        );
    }
    t += "</ul>";
    for (title, items) in [
        ("Strengths", &c.strengths),
        ("Improvements", &c.improvements),
        ("A 90-second outline", &c.outline_90s),
    ] {
        if !items.is_empty() {
            let li: Vec<String> = items
                .iter()
                .map(|i| format!("<li>{}</li>", esc(i)))
                .collect();
            t += &format!("<h4>{title}</h4><ul>{}</ul>", li.concat());
        }
    }
    if !c.follow_up.is_empty() {
        t += &format!("<p><b>Follow-up:</b> {}</p>", esc(&c.follow_up));
    }
    t
}

/// The page of a question's history.
pub fn history(h: &History, question_text: &str) -> String {
    let mut body = format!(
        "<header><h1>{}</h1><p class=\"meta\">{} attempt(s) · progress</p></header>",
        esc(question_text),
        h.attempts.len()
    );
    // Attempts are whole numbers; the axis's in-between ticks stay blank.
    let x_label = |x: f64| {
        if (x - x.round()).abs() < 1e-6 {
            format!("#{}", x.round() as usize + 1)
        } else {
            String::new()
        }
    };
    let chart = |title: &str, series: &[f64], lo: f64, hi: f64, unit: &str| {
        let points: Vec<(f64, f64)> = series
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v))
            .collect();
        LineChart {
            title,
            points: &points,
            x_range: (0.0, (series.len().max(2) - 1) as f64),
            y_range: (lo, hi),
            band: None,
            marks: &[],
            x_label: &x_label,
            y_unit: unit,
        }
        .svg()
    };
    let Some(overall) = &h.overall else {
        return page("rehearse · history", &(body + "<p>No attempts yet.</p>"));
    };
    body += &format!(
        "<section><h2>Overall score</h2>{}</section>",
        chart("overall score per attempt", &overall.series, 0.0, 100.0, "")
    );
    body += "<section><h2>Rubric dimensions</h2><div class=\"grid2\">";
    for (_, name, s) in &h.dimensions {
        body += &format!(
            "<div><h3>{}</h3>{}</div>",
            esc(name),
            chart(name, &s.series, 0.0, 4.0, "/4")
        );
    }
    body += "</div></section><section><h2>Delivery</h2><div class=\"grid2\">";
    if let Some(s) = &h.pace {
        body += &format!(
            "<div><h3>Pace</h3>{}</div>",
            chart("words per minute", &s.series, 60.0, 220.0, " wpm")
        );
    }
    if let Some(s) = &h.fillers {
        let hi = s.series.iter().copied().fold(6.0, f64::max).ceil();
        body += &format!(
            "<div><h3>Fillers per 100 words</h3>{}</div>",
            chart("fillers per 100 words", &s.series, 0.0, hi, "")
        );
    }
    if let Some(s) = &h.length {
        let hi = s.series.iter().copied().fold(150.0, f64::max).ceil();
        body += &format!(
            "<div><h3>Length (s)</h3>{}</div>",
            chart("length in seconds", &s.series, 0.0, hi, " s")
        );
    }
    body += "</div></section>";
    page(&format!("rehearse · {} · history", h.question), &body)
}
