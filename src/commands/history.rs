//! `rehearse history`, `rehearse delete` and the audio retention rule: the session store as the
//! user sees it.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::Error;
use crate::config::Format;
use crate::questions::{Bank, Question};
use crate::session::catalog::{Catalog, Entry};
use crate::session::history::{self, History, sparkline};
use crate::session::summary::SessionSummary;
use crate::settings::Settings;

/// Loads the store, printing a warning for each folder skipped or repaired.
pub fn load(settings: &Settings, quiet: bool) -> Catalog {
    let catalog = Catalog::load(&settings.practice.sessions_dir);
    if !quiet {
        for w in &catalog.warnings {
            eprintln!("rehearse: warning: {w}");
        }
    }
    catalog
}

/// `rehearse history [--question ID]`.
pub fn run(settings: &Settings, question: Option<&str>, quiet: bool) -> Result<String, Error> {
    let catalog = load(settings, quiet);
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    match question {
        None => Ok(list(&catalog, &bank, settings)),
        Some(id) => {
            let q = super::find_question(&bank, Some(id), settings)?;
            let h = history::history(&catalog.entries, q);
            Ok(match settings.format {
                Format::Json => json(&h),
                _ => render_history(&h, q),
            })
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("history serialises");
    s.push('\n');
    s
}

fn list(catalog: &Catalog, bank: &Bank, settings: &Settings) -> String {
    if settings.format == Format::Json {
        let sessions: Vec<serde_json::Value> = catalog
            .entries
            .iter()
            .map(|e| serde_json::json!({"id": e.id(), "dir": e.dir, "summary": e.summary}))
            .collect();
        return json(&sessions);
    }
    let root = settings.practice.sessions_dir.display();
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
    format!(
        "  {:<16}  {:<8}  {:<26} {:>7}  {}{mark}\n      {}\n",
        crate::units::when(&s.started),
        kind,
        s.question,
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
pub fn render_history(h: &History, q: &Question) -> String {
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
        out += &history::render_change(&history::change(&before.answer, &after.answer, q));
    }
    out
}

/// `rehearse delete`: whole sessions, or only their recordings.
pub fn delete(
    settings: &Settings,
    ids: &[String],
    older_than: Option<Duration>,
    audio_only: bool,
    quiet: bool,
) -> Result<String, Error> {
    let catalog = load(settings, quiet);
    let mut chosen: Vec<&Entry> = Vec::new();
    for id in ids {
        chosen.push(catalog.find(Some(id)).map_err(Error::Store)?);
    }
    if let Some(age) = older_than {
        chosen.extend(catalog.entries.iter().filter(|e| older(e, age)));
    }
    if ids.is_empty() && older_than.is_none() {
        return Err(Error::Store(
            "name the sessions to delete, or give --older-than".into(),
        ));
    }
    let mut out = String::new();
    for e in chosen {
        if audio_only {
            let n = remove_audio(e).map_err(|err| {
                Error::Store(format!(
                    "cannot delete the recordings in {}: {err}",
                    e.dir.display()
                ))
            })?;
            out += &format!("deleted {n} recording(s) of {}\n", e.id());
        } else {
            fs::remove_dir_all(&e.dir)
                .map_err(|err| Error::Store(format!("cannot delete {}: {err}", e.dir.display())))?;
            out += &format!("deleted {}\n", e.id());
        }
    }
    if out.is_empty() {
        out = "nothing to delete\n".into();
    }
    Ok(out)
}

fn older(e: &Entry, age: Duration) -> bool {
    let cutoff = crate::session::store::utc_stamp(SystemTime::now() - age);
    e.summary.started < cutoff
}

/// Removes a session's WAV files and records that in its summary. Returns how many went.
fn remove_audio(e: &Entry) -> std::io::Result<usize> {
    let mut n = 0;
    for file in fs::read_dir(&e.dir)? {
        let path = file?.path();
        if path.extension().is_some_and(|x| x == "wav") {
            fs::remove_file(&path)?;
            n += 1;
        }
    }
    let mut summary = e.summary.clone();
    for a in &mut summary.answers {
        a.audio = None;
    }
    let mut text = serde_json::to_string_pretty(&summary).expect("a summary serialises");
    text.push('\n');
    crate::session::store::write_atomically(&e.dir.join("summary.json"), text.as_bytes())
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    Ok(n)
}

/// Applies `[practice] keep_audio_days`: recordings of sessions older than that are removed (their
/// transcripts, scores and critiques stay). Failures are warnings: retention must never stop a
/// session.
pub fn apply_retention(settings: &Settings) {
    let Some(days) = settings.practice.keep_audio_days else {
        return;
    };
    let catalog = Catalog::load(&settings.practice.sessions_dir);
    let age = Duration::from_secs(u64::from(days) * 86_400);
    for e in catalog.entries.iter().filter(|e| older(e, age)) {
        if e.summary.answers.iter().all(|a| a.audio.is_none()) && !has_wav(&e.dir) {
            continue;
        }
        match remove_audio(e) {
            Ok(n) => tracing::info!(
                "removed {n} recording(s) older than {days} days from {}",
                e.id()
            ),
            Err(err) => tracing::warn!(
                "cannot remove old recordings from {}: {err}",
                e.dir.display()
            ),
        }
    }
}

fn has_wav(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|f| f.path().extension().is_some_and(|x| x == "wav"))
    })
}
