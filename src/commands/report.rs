//! `rehearse report`: a saved session (or a question's history) as text, Markdown, JSON or one
//! self-contained HTML page.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::interview::critique::{Critique, Disagreement};
use crate::questions::Bank;
use crate::report::saved::SavedAnswer;
use crate::report::{self, Format, html};
use crate::session::practice::Practice;
use crate::settings::Settings;
use crate::store::catalog::{Entry, read_answer};
use crate::store::history;

/// Runs `rehearse report`; returns what to print.
pub fn run(
    settings: &Settings,
    args: &crate::cli::ReportArgs,
    quiet: bool,
) -> Result<String, Error> {
    let catalog = super::history::load(settings, quiet);
    if let Some(id) = &args.question {
        let bank = Bank::load(settings.questions_dir.as_deref())?;
        let q = super::find_question(&bank, Some(id), settings)?;
        let h = history::history(&catalog.entries, q);
        if args.html {
            let out = args.output.clone().unwrap_or_else(|| {
                settings
                    .store
                    .sessions_dir
                    .join(format!("history-{}.html", q.id))
            });
            return write_html(&out, &html::history(&h, &q.text), args.open);
        }
        return emit(
            args,
            match settings.format {
                Format::Json => report::json(&h),
                _ => report::history::question(&h, q),
            },
        );
    }
    let entry = catalog.find(args.session.as_deref())?;
    let answers = load(entry)?;
    let practice = read_practice(&entry.dir);
    let comparison = practice
        .as_ref()
        .and_then(|p| p.comparison.as_ref())
        .map(report::render_versions);
    let closing = practice.as_ref().and_then(|p| p.summary.clone());
    if args.html {
        let pages: Vec<html::AnswerPage<'_>> = answers
            .iter()
            .map(|a| html::AnswerPage {
                label: &a.label,
                asked: &a.asked,
                report: &a.report,
                critique: a.critique.as_ref(),
                disagreements: &a.disagreements,
            })
            .collect();
        let page = html::session(
            &entry.summary,
            &pages,
            comparison.as_deref(),
            closing.as_deref(),
        );
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| entry.dir.join("report.html"));
        return write_html(&out, &page, args.open);
    }
    emit(
        args,
        report::saved::render(
            entry,
            &answers,
            settings.format,
            comparison.as_deref(),
            closing.as_deref(),
        ),
    )
}

fn emit(args: &crate::cli::ReportArgs, text: String) -> Result<String, Error> {
    match &args.output {
        None => Ok(text),
        Some(path) => {
            crate::store::dir::write_atomically(path, text.as_bytes())?;
            Ok(format!("wrote {}\n", path.display()))
        }
    }
}

fn write_html(path: &Path, page: &str, open: bool) -> Result<String, Error> {
    crate::store::dir::write_atomically(path, page.as_bytes())?;
    if open {
        open_in_browser(path);
    }
    Ok(format!("wrote {}\n", path.display()))
}

/// Opens `path` with the desktop's opener; a failure is a warning, the file is written anyway.
fn open_in_browser(path: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener).arg(path).spawn() {
        Ok(_) => {}
        Err(e) => eprintln!(
            "rehearse: warning: cannot open {} with {opener}: {e}",
            path.display()
        ),
    }
}

/// The session's answers, in order, with their critiques.
fn load(entry: &Entry) -> Result<Vec<SavedAnswer>, Error> {
    let mut out = Vec::new();
    for a in &entry.summary.answers {
        let path = entry.dir.join(&a.report);
        let (report, _) = read_answer(&path)?;
        let (critique, disagreements) = a
            .critique
            .as_ref()
            .and_then(|f| read_critique(&entry.dir.join(f)))
            .map_or((None, Vec::new()), |(c, d)| (Some(c), d));
        out.push(SavedAnswer {
            label: a.label.clone(),
            asked: a.asked.clone(),
            report,
            critique,
            disagreements,
        });
    }
    Ok(out)
}

/// A `critique-N.json` file (a saved round): the critique and the disagreements.
fn read_critique(path: &PathBuf) -> Option<(Critique, Vec<Disagreement>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let c = serde_json::from_value(v.get("critique")?.clone()).ok()?;
    let d = serde_json::from_value(v.get("disagreements").cloned().unwrap_or_default())
        .unwrap_or_default();
    Some((c, d))
}

fn read_practice(dir: &Path) -> Option<Practice> {
    let text = std::fs::read_to_string(dir.join("session.json")).ok()?;
    serde_json::from_str(&text).ok()
}
