//! Renderings of the session store: the list of sessions, one question's progress with
//! sparklines, and what changed since the attempt before.

use std::path::Path;

use super::Format;
use crate::questions::{Bank, Question};
use crate::store::history::{self, Change, History};
use crate::store::summary::SessionSummary;
use crate::store::{Catalog, Entry};

/// The list of sessions and a line per question, as `rehearse history` prints it.
pub fn sessions(catalog: &Catalog, bank: &Bank, root: &Path, format: Format) -> String {
    if format == Format::Json {
        let sessions: Vec<serde_json::Value> = catalog
            .entries
            .iter()
            .map(|e| serde_json::json!({"id": e.id(), "dir": e.dir, "summary": e.summary}))
            .collect();
        return super::json(&sessions);
    }
    let root = root.display();
    if catalog.entries.is_empty() {
        return format!(
            "No saved sessions in {root} yet: `rehearse practice` or `rehearse score` make one.\n"
        );
    }
    let mut out = format!("{} sessions in {root}\n\n", catalog.entries.len());
    out += &format!(
        "  {:<16}  {:<8}  {:<26} {:>7}  {}\n",
        "started", "kind", "question", "answers", "scores"
    );
    for e in catalog.entries.iter().rev() {
        out += &row(e);
    }
    out += "\nBy question\n";
    for q in bank.all() {
        let h = history::history(&catalog.entries, q);
        if let Some(o) = &h.overall {
            out += &format!(
                "  {:<26} {:>3} attempts  first {:>3}  best {:>3}  latest {:>3}  {}\n",
                q.id,
                h.attempts.len(),
                o.first,
                o.best,
                o.latest,
                sparkline(&o.series)
            );
        }
    }
    out += "\n`rehearse history --question ID` shows one question's progress; `rehearse report ID` one session.\n";
    out
}

fn row(e: &Entry) -> String {
    let s: &SessionSummary = &e.summary;
    let scores: Vec<String> = s.answers.iter().map(|a| a.overall.to_string()).collect();
    let kind = format!("{:?}", s.kind).to_lowercase();
    let mark = if s.complete || s.answers.is_empty() {
        ""
    } else {
        " (cut short)"
    };
    // A session for a job posting asks several questions: it is shown by its posting.
    let question = match &s.job {
        Some(job) => format!(
            "for {}",
            Path::new(job)
                .file_name()
                .map_or(job.clone(), |f| f.to_string_lossy().into_owned())
        ),
        None => s.question.clone(),
    };
    format!(
        "  {:<16}  {:<8}  {:<26} {:>7}  {}{mark}\n      {}\n",
        crate::units::when(&s.started),
        kind,
        question,
        s.answers.len(),
        if scores.is_empty() {
            "-".into()
        } else {
            scores.join(" ")
        },
        e.id()
    )
}

/// One question's history as text, with sparklines.
pub fn question(h: &History, q: &Question) -> String {
    let mut out = format!("{}: {}\n", q.id, q.text);
    let Some(overall) = &h.overall else {
        return out + "  No attempts yet: `rehearse practice -Q " + &q.id + "` makes the first.\n";
    };
    let first = h
        .attempts
        .first()
        .map(|a| crate::units::when(&a.started))
        .unwrap_or_default();
    let last = h
        .attempts
        .last()
        .map(|a| crate::units::when(&a.started))
        .unwrap_or_default();
    out += &format!("  {} attempts, {first} to {last}\n\n", h.attempts.len());
    out += &format!(
        "  {:<32} {:>6} {:>6} {:>6}  trend\n",
        "", "first", "best", "latest"
    );
    let line = |label: &str, s: &history::Span, fmt: &dyn Fn(f64) -> String| {
        format!(
            "  {label:<32} {:>6} {:>6} {:>6}  {}\n",
            fmt(s.first),
            fmt(s.best),
            fmt(s.latest),
            sparkline(&s.series)
        )
    };
    out += &line("Overall", overall, &|v| format!("{v:.0}"));
    for (_, name, s) in &h.dimensions {
        out += &line(name, s, &|v| format!("{v:.0}/4"));
    }
    if let Some(s) = &h.pace {
        out += &line("Pace (words/min)", s, &|v| format!("{v:.0}"));
    }
    if let Some(s) = &h.fillers {
        out += &line("Fillers per 100 words", s, &|v| format!("{v:.1}"));
    }
    if let Some(s) = &h.length {
        out += &line("Length", s, &|v| crate::units::clock((v * 1000.0) as u64));
    }
    if let [.., before, after] = h.attempts.as_slice() {
        out += &format!(
            "\nSince the attempt before ({} → {}):\n",
            crate::units::when(&before.started),
            crate::units::when(&after.started)
        );
        out += &change(&history::change(&before.answer, &after.answer, q));
    }
    out
}

/// The change as lines of text.
pub fn change(c: &Change) -> String {
    let (b, a) = c.overall;
    let mut out = format!("  Overall {b} → {a} ({:+})\n", i32::from(a) - i32::from(b));
    for (label, list) in [("Better", &c.better), ("Worse", &c.worse)] {
        if !list.is_empty() {
            let items: Vec<String> = list
                .iter()
                .map(|(n, b, a)| format!("{n} {b}/4 → {a}/4"))
                .collect();
            out += &format!("  {label}: {}\n", items.join("; "));
        }
    }
    if c.better.is_empty() && c.worse.is_empty() {
        out += "  Every rubric dimension kept its level.\n";
    }
    let pace = |p: Option<f64>| p.map_or("?".to_string(), |w| format!("{w:.0}"));
    out += &format!(
        "  Pace {} → {} words/min; fillers {:.1} → {:.1} per 100 words; length {} → {}\n",
        pace(c.pace.0),
        pace(c.pace.1),
        c.fillers.0,
        c.fillers.1,
        length(c.seconds.0),
        length(c.seconds.1),
    );
    out
}

/// Seconds as `m:ss`, or `?` for an untimed answer.
fn length(secs: f64) -> String {
    if secs > 0.0 {
        crate::units::clock((secs * 1000.0) as u64)
    } else {
        "?".into()
    }
}

/// A sparkline of `values`: one block character each, scaled between their minimum and maximum.
pub fn sparkline(values: &[f64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let lo = values.iter().copied().fold(f64::MAX, f64::min);
    let hi = values.iter().copied().fold(f64::MIN, f64::max);
    values
        .iter()
        .map(|v| {
            if hi - lo < 1e-9 {
                BLOCKS[3]
            } else {
                BLOCKS[(((v - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_span_the_range() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 8.0]), "▁▂▃█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        assert_eq!(sparkline(&[]), "");
    }
}
