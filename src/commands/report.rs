//! `rehearse report`: a saved session (or a question's history) as text, Markdown, JSON or one
//! self-contained HTML page.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::interview::critique::{Critique, Disagreement};
use crate::questions::Bank;
use crate::report::saved::SavedAnswer;
use crate::report::{self, Format, html};
use crate::session::answer::Answer;
use crate::session::record::{self, Asker, Practice, Round};
use crate::settings::Settings;
use crate::store::catalog::{Catalog, Entry, read_answer};
use crate::store::history;
use crate::store::summary::Kind;

/// Runs `rehearse report`; returns what to print.
pub fn run(
    settings: &Settings,
    args: &crate::cli::ReportArgs,
    quiet: bool,
) -> Result<String, Error> {
    let catalog = super::history::load(settings, quiet);
    if let Some(id) = &args.question {
        return progress(settings, args, &catalog, id);
    }
    let entry = catalog.find(args.session.as_deref())?;
    let mut answers = load(entry)?;
    let practice = read_practice(&entry.dir);
    if let Some(p) = &practice {
        for (a, round) in answers.iter_mut().zip(&p.rounds) {
            a.picked = round.picked.clone();
        }
    }
    if settings.format == Format::Json && !args.html {
        return emit(args, saved_json(entry, &answers, practice));
    }
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
                picked: a.picked.as_deref(),
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

/// One question's progress across sessions: text, JSON, or a page of charts.
fn progress(
    settings: &Settings,
    args: &crate::cli::ReportArgs,
    catalog: &Catalog,
    id: &str,
) -> Result<String, Error> {
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
    emit(
        args,
        match settings.format {
            Format::Json => report::json(&h),
            _ => report::history::question(&h, q),
        },
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
            picked: None,
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

/// A saved session as JSON, in the one shape of the command that made it: a practice session as
/// `practice --format json` prints it (`rehearse.practice/2`), a scored recording as
/// `score --format json` does (`rehearse.score/1`).
fn saved_json(entry: &Entry, answers: &[SavedAnswer], practice: Option<Practice>) -> String {
    match (entry.summary.kind, practice) {
        (Kind::Practice, Some(p)) => report::json(&p),
        (Kind::Practice, None) => report::json(&rebuilt_practice(entry)),
        (Kind::Score, _) => match answers {
            [one] => report::json(&one.report),
            many => report::json(&many.iter().map(|a| &a.report).collect::<Vec<_>>()),
        },
    }
}

/// A practice session whose `session.json` is missing (it was killed before writing it), rebuilt
/// from its rounds' files: `critique-N.json` holds a whole round, `answer-N.json` the answer.
fn rebuilt_practice(entry: &Entry) -> Practice {
    let read = |name: &str| std::fs::read_to_string(entry.dir.join(name)).ok();
    let rounds = entry
        .summary
        .answers
        .iter()
        .filter_map(|a| {
            let round = a.critique.as_deref().and_then(read);
            if let Some(r) = round.and_then(|t| serde_json::from_str::<Round>(&t).ok()) {
                return Some(r);
            }
            let answer: Answer = serde_json::from_str(&read(&a.report)?).ok()?;
            Some(Round {
                label: a.label.clone(),
                target_secs: entry.summary.settings.target_secs.unwrap_or_default(),
                asked: a.asked.clone(),
                asked_by: Asker::QuestionBank,
                question: a
                    .question
                    .clone()
                    .unwrap_or_else(|| entry.summary.question.clone()),
                picked: None,
                answer,
                critique: None,
                disagreements: Vec::new(),
            })
        })
        .collect();
    Practice {
        schema: record::SCHEMA.into(),
        session_dir: entry.dir.clone(),
        question: entry.summary.question.clone(),
        drawn: None,
        job: None,
        rounds,
        abandoned: Vec::new(),
        comparison: None,
        quit: !entry.summary.complete,
        interviewer: None,
        summary: None,
        interviewer_notes: Vec::new(),
        notes: vec![
            "rebuilt from the answers' files: the session was stopped before it was summed up"
                .into(),
        ],
    }
}
