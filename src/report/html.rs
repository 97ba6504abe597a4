//! The HTML report: one self-contained page (inline CSS and SVG, no script, no fetches), readable
//! from `file://` and printable.
//!
//! A session page shows, for each answer: the score, the transcript with fillers, hedges, long
//! pauses and rubric evidence highlighted and timestamped (and where the target fell), pace over
//! time, the rubric as a chart, and the local score beside the interviewer's critique; then the
//! comparison of a `--versions` drill and the interviewer's summary. A history page charts one
//! question's progress across attempts.
//!
//! The markup lives in the templates (see [`super::templates`]); this module turns the records into
//! the views they print: numbers formatted, the transcript cut into marked pieces, the charts drawn.

use serde::Serialize;
use std::time::Duration;

use super::ScoreReport;
use super::charts::{LineChart, level_bars};
use super::templates;
use crate::interview::critique::{Critique, Disagreement};
use crate::score::fluency;
use crate::store::history::History;
use crate::store::summary::SessionSummary;
use crate::units::{clock, mmss};

/// One answer of a session, as the page shows it.
pub struct AnswerPage<'a> {
    /// The label and question asked.
    pub label: &'a str,
    /// The question as asked.
    pub asked: &'a str,
    /// Why the question was picked, when `practice --job` picked it for a posting.
    pub picked: Option<&'a str>,
    /// The local report.
    pub report: &'a ScoreReport,
    /// The interviewer's critique, if any.
    pub critique: Option<&'a Critique>,
    /// Where the two disagree.
    pub disagreements: &'a [Disagreement],
}

/// What `session.html` prints.
#[derive(Serialize)]
struct SessionView<'a> {
    question: &'a str,
    heading: &'a str,
    when: String,
    kind: String,
    target_secs: Option<u64>,
    answers: Vec<AnswerView<'a>>,
    comparison: Option<&'a str>,
    /// The closing summary's lines, which the page joins with line breaks.
    closing: Option<Vec<&'a str>>,
}

/// One answer, for `answer.html`.
#[derive(Serialize)]
struct AnswerView<'a> {
    label: &'a str,
    asked: &'a str,
    picked: Option<&'a str>,
    overall: u8,
    content: u8,
    words: usize,
    duration: String,
    rate: String,
    deductions: Vec<Deduction<'a>>,
    transcript: Vec<Piece>,
    pace_svg: Option<String>,
    rubric_svg: String,
    local: Vec<Level<'a>>,
    improvements: Vec<Advice<'a>>,
    critique: Option<CritiqueView<'a>>,
}

#[derive(Serialize)]
struct Deduction<'a> {
    points: u8,
    reason: &'a str,
}

#[derive(Serialize)]
struct Level<'a> {
    name: &'a str,
    level: u8,
    reason: &'a str,
}

#[derive(Serialize)]
struct Advice<'a> {
    title: &'a str,
    advice: &'a str,
}

/// One piece of the transcript: a word, or a pause, target or timestamp mark. `class` is empty for
/// a plain word and `title` empty when there is no tooltip.
#[derive(Serialize)]
struct Piece {
    class: &'static str,
    title: String,
    text: String,
}

/// The interviewer's critique, its verdicts named as the rubric names them.
#[derive(Serialize)]
struct CritiqueView<'a> {
    summary: &'a str,
    disagreements: &'a [Disagreement],
    verdicts: Vec<VerdictView<'a>>,
    strengths: &'a [String],
    improvements: &'a [String],
    outline: &'a [String],
    follow_up: &'a str,
}

#[derive(Serialize)]
struct VerdictView<'a> {
    name: &'a str,
    score: String,
    comment: &'a str,
    quotes: &'a [String],
}

/// The page of a session.
pub fn session(
    summary: &SessionSummary,
    answers: &[AnswerPage<'_>],
    comparison: Option<&str>,
    closing: Option<&str>,
) -> String {
    let target_secs = summary.settings.target_secs;
    let view = SessionView {
        question: &summary.question,
        heading: answers.first().map_or(summary.question.as_str(), |a| {
            a.report.score.question_text.as_str()
        }),
        when: crate::units::when(&summary.started),
        kind: format!("{:?}", summary.kind).to_lowercase(),
        target_secs,
        answers: answers.iter().map(|a| answer(a, target_secs)).collect(),
        comparison,
        closing: closing.map(|s| s.split('\n').collect()),
    };
    templates::render("session.html", view)
}

fn answer<'a>(a: &AnswerPage<'a>, target_secs: Option<u64>) -> AnswerView<'a> {
    let r = a.report;
    let s = &r.score;
    let target_ms = target_secs
        .map(|t| t * 1000)
        .or(Some(90_000))
        .filter(|_| r.transcript.timed.has_times());
    AnswerView {
        label: a.label,
        asked: a.asked,
        picked: a.picked,
        overall: s.overall,
        content: s.content,
        words: r.delivery.words,
        duration: r.delivery.duration_ms.map_or("untimed".into(), clock),
        rate: r
            .delivery
            .speaking_rate_wpm
            .map_or(String::new(), |w| format!("{w:.0} words/min")),
        deductions: s
            .deductions
            .iter()
            .map(|d| Deduction {
                points: d.points,
                reason: &d.reason,
            })
            .collect(),
        transcript: transcript(r, target_ms),
        pace_svg: (!s.pace.windows.is_empty()).then(|| pace_chart(r, target_ms)),
        rubric_svg: level_bars(
            "the rubric, local levels (and the interviewer's, thin bars)",
            &rubric_rows(a),
        ),
        local: s
            .dimensions
            .iter()
            .filter(|d| d.applies)
            .map(|d| Level {
                name: &d.name,
                level: d.level,
                reason: &d.reason,
            })
            .collect(),
        improvements: s
            .improvements
            .iter()
            .take(3)
            .map(|i| Advice {
                title: &i.title,
                advice: &i.advice,
            })
            .collect(),
        critique: a.critique.map(|c| critique(c, a.disagreements, r)),
    }
}

/// The rubric chart's rows: each applying dimension's local level and the interviewer's, if any.
fn rubric_rows(a: &AnswerPage<'_>) -> Vec<(String, u8, Option<u8>)> {
    a.report
        .score
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
        .collect()
}

/// The transcript cut into pieces, with its marks.
fn transcript(r: &ScoreReport, target_ms: Option<u64>) -> Vec<Piece> {
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
    let (class, titles) = marks(r, words.len());
    let pauses = r.delivery.long_pauses.clone().unwrap_or_default();
    let mut out = Vec::new();
    let mut next_stamp = 0u64;
    let mut target_shown = false;
    let mut pause_i = 0;
    let mark = |class, text| Piece {
        class,
        title: String::new(),
        text,
    };
    for ((text, start), (class, title)) in words.into_iter().zip(class.into_iter().zip(titles)) {
        if let Some(start) = start {
            while pause_i < pauses.len() && pauses[pause_i].end_ms <= start {
                let p = &pauses[pause_i];
                let secs = (p.end_ms - p.start_ms) as f64 / 1000.0;
                out.push(mark("pause", format!("⏸ {secs:.1} s")));
                pause_i += 1;
            }
            if !target_shown && target_ms.is_some_and(|t| start >= t) {
                target_shown = true;
                let at = clock(target_ms.unwrap_or(0));
                out.push(mark("target", format!("{at} target")));
            }
            if start >= next_stamp {
                out.push(mark("ts", mmss(Duration::from_millis(start))));
                next_stamp = start - start % 15_000 + 15_000;
            }
        }
        out.push(Piece { class, title, text });
    }
    out
}

/// Each word's class (filler, hedge, rubric evidence or none) and its tooltip. A filler or hedge
/// inside a piece of evidence wins the colour, as it always has.
fn marks(r: &ScoreReport, n: usize) -> (Vec<&'static str>, Vec<String>) {
    let (fillers, hedges) = fluency::spans(&r.transcript);
    let mut class = vec![""; n];
    let mut titles = vec![String::new(); n];
    for d in &r.score.dimensions {
        for q in &d.evidence {
            let len = q.text.split_whitespace().count().max(1);
            for i in q.word..(q.word + len).min(n) {
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
    (class, titles)
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

/// The critique as the page shows it: each verdict under the rubric's name for its dimension.
fn critique<'a>(
    c: &'a Critique,
    disagreements: &'a [Disagreement],
    r: &'a ScoreReport,
) -> CritiqueView<'a> {
    let verdicts = c
        .dimensions
        .iter()
        .map(|v| VerdictView {
            name: r
                .score
                .dimensions
                .iter()
                .find(|d| d.id == v.id)
                .map_or(v.id.as_str(), |d| d.name.as_str()),
            score: v.score.map_or(
                "not enough to judge: the local level stands".to_string(),
                |s| format!("{s}/4"),
            ),
            comment: &v.comment,
            quotes: &v.evidence,
        })
        .collect();
    CritiqueView {
        summary: &c.summary,
        disagreements,
        verdicts,
        strengths: &c.strengths,
        improvements: &c.improvements,
        outline: &c.outline_90s,
        follow_up: &c.follow_up,
    }
}

/// What `history.html` prints; the charts are `None` when there is nothing to chart.
#[derive(Serialize)]
struct HistoryView<'a> {
    question: &'a str,
    heading: &'a str,
    attempts: usize,
    overall_svg: Option<String>,
    dimensions: Vec<Chart<'a>>,
    pace_svg: Option<String>,
    fillers_svg: Option<String>,
    length_svg: Option<String>,
}

#[derive(Serialize)]
struct Chart<'a> {
    name: &'a str,
    svg: String,
}

/// A line chart of one series across attempts, from `lo` to `hi`.
fn attempts_chart(title: &str, series: &[f64], lo: f64, hi: f64, unit: &str) -> String {
    // Attempts are whole numbers; the axis's in-between ticks stay blank.
    let x_label = |x: f64| {
        if (x - x.round()).abs() < 1e-6 {
            format!("#{}", x.round() as usize + 1)
        } else {
            String::new()
        }
    };
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
}

/// The page of a question's history.
pub fn history(h: &History, question_text: &str) -> String {
    // The fillers and length axes grow to fit the worst attempt.
    let top = |series: &[f64], floor: f64| series.iter().copied().fold(floor, f64::max).ceil();
    let view = HistoryView {
        question: &h.question,
        heading: question_text,
        attempts: h.attempts.len(),
        overall_svg: h
            .overall
            .as_ref()
            .map(|s| attempts_chart("overall score per attempt", &s.series, 0.0, 100.0, "")),
        dimensions: h
            .dimensions
            .iter()
            .map(|(_, name, s)| Chart {
                name,
                svg: attempts_chart(name, &s.series, 0.0, 4.0, "/4"),
            })
            .collect(),
        pace_svg: h
            .pace
            .as_ref()
            .map(|s| attempts_chart("words per minute", &s.series, 60.0, 220.0, " wpm")),
        fillers_svg: h.fillers.as_ref().map(|s| {
            let hi = top(&s.series, 6.0);
            attempts_chart("fillers per 100 words", &s.series, 0.0, hi, "")
        }),
        length_svg: h.length.as_ref().map(|s| {
            let hi = top(&s.series, 150.0);
            attempts_chart("length in seconds", &s.series, 0.0, hi, " s")
        }),
    };
    templates::render("history.html", view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::critique::Verdict;
    use crate::questions::{Bank, FLAGSHIP};
    use crate::score::{Heard, Scorer, assess};
    use crate::store::summary::{Kind, UsedSettings};

    /// Text that breaks the page unless it is escaped: a tag, both quotes and an ampersand.
    const HOSTILE: &str = "<script>alert(\"pwned\")</script> & 'it's'";

    fn report(bank: &Bank) -> ScoreReport {
        let question = bank.get(FLAGSHIP).unwrap();
        let text = format!("I checked the error rate {HOSTILE} and rolled back the deploy, um.");
        let heard = Heard::text("answer.txt", &text);
        let mut report = assess(&Scorer::new(question), heard);
        report.score.question_text = format!("The question {HOSTILE}");
        report
    }

    fn critique(id: &str) -> Critique {
        Critique {
            summary: format!("Summary {HOSTILE}"),
            dimensions: vec![Verdict {
                id: id.into(),
                score: Some(1),
                enough_to_judge: true,
                evidence: vec![format!("quote {HOSTILE}")],
                comment: format!("Comment {HOSTILE}"),
            }],
            strengths: vec![format!("Strength {HOSTILE}")],
            improvements: vec![format!("Improve {HOSTILE}")],
            outline_90s: vec![format!("Outline {HOSTILE}")],
            follow_up: format!("Follow-up {HOSTILE}"),
            ..Critique::default()
        }
    }

    /// Fails unless no hostile text came through raw and at least `places` places show it escaped.
    fn assert_escaped(page: &str, places: usize) {
        assert!(
            !page.contains("<script"),
            "a script tag came through: {page}"
        );
        assert!(!page.contains("\"pwned\""), "a quote came through raw");
        let escaped = "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; 'it's'";
        assert!(page.matches(escaped).count() >= places, "{page}");
    }

    #[test]
    fn a_session_page_escapes_everything_user_derived() {
        let bank = Bank::builtin().unwrap();
        let report = report(&bank);
        let first = &report.score.dimensions[0];
        let critique = critique(&first.id);
        let disagreements = [Disagreement {
            dimension: first.name.clone(),
            local: 3,
            interviewer: 1,
            comment: format!("Disagree {HOSTILE}"),
        }];
        let summary = SessionSummary {
            schema: "rehearse.session/1".into(),
            kind: Kind::Practice,
            started: "20260101-120000".into(),
            question: FLAGSHIP.into(),
            job: None,
            settings: UsedSettings::default(),
            answers: Vec::new(),
            complete: true,
        };
        let answer = AnswerPage {
            label: HOSTILE,
            asked: HOSTILE,
            picked: Some(HOSTILE),
            report: &report,
            critique: Some(&critique),
            disagreements: &disagreements,
        };
        let closing = format!("First line {HOSTILE}\nsecond line");
        let page = session(&summary, &[answer], Some(HOSTILE), Some(&closing));
        // The heading, label, asked, why it was picked, summary, disagreement, verdict comment and
        // quote, the three lists, follow-up, comparison and closing summary; the transcript's
        // words are marked one by one, so they are checked apart.
        assert_escaped(&page, 14);
        assert!(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; "));
        assert!(page.contains("“quote &lt;script&gt;"));
        assert!(page.contains("'it's'<br>second line"));
        assert!(page.starts_with("<!DOCTYPE html>\n") && page.ends_with("</html>\n"));
    }

    #[test]
    fn a_history_page_escapes_the_question() {
        let bank = Bank::builtin().unwrap();
        let h = crate::store::history::history(&[], bank.get(FLAGSHIP).unwrap());
        let page = history(&h, HOSTILE);
        assert_escaped(&page, 1);
        assert!(page.contains("<p>No attempts yet.</p>"));
    }
}
