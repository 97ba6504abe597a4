//! A practice session as text, Markdown or JSON, and the renderings its live screens show.

use std::time::Duration;

use super::Format;
use crate::interview::critique::Critique;
use crate::job::{PickedBy, Picks};
use crate::score::{ScoreCard, ScoreReport};
use crate::session::record::Practice;
use crate::session::view::Present;

/// The renderings the live session shows on its screen, from this module's renderers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Presenter;

impl Present for Presenter {
    fn answer(&self, report: &ScoreReport) -> String {
        report.render(Format::Text)
    }

    fn critique(&self, critique: &Critique, local: &ScoreCard, finished: bool) -> String {
        super::critique::render(critique, local, finished)
    }

    fn rounds(&self, session: &Practice) -> String {
        rounds(session)
    }
}

/// What is printed when the session ends.
pub fn session(session: &Practice, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(session).expect("a session serialises");
            s.push('\n');
            s
        }
        Format::Text | Format::Markdown => {
            let mut out = String::new();
            if let Some(drawn) = &session.drawn {
                out += &format!("{}.\n\n", drawn.because);
            }
            if let Some(job) = &session.job {
                out += &job_header(job);
            }
            for round in &session.rounds {
                if session.rounds.len() > 1 || round.picked.is_some() {
                    out += &format!("\n== {} ==\n\n", round.label);
                    out += &format!("Question: {}\n", round.asked);
                    if let Some(why) = &round.picked {
                        out += &format!("{why}.\n");
                    }
                    out += "\n";
                }
                out += &round.answer.report.render(format);
                if let Some(c) = &round.critique {
                    out += "\nInterviewer\n\n";
                    out += &super::critique::render(c, &round.answer.report.score, true);
                }
            }
            if let Some(c) = &session.comparison {
                out += "\n";
                out += &super::versions::render(c);
            }
            if let Some(summary) = &session.summary {
                out += &format!("\nSession summary\n\n{summary}\n");
            }
            for note in &session.notes {
                out += &format!("\nNote: {note}\n");
            }
            if session.quit && session.rounds.is_empty() {
                out += "Quit before the end of the answer; nothing was scored.\n";
            }
            out += &format!("\nSession saved in {}\n", session.session_dir.display());
            out
        }
    }
}

/// Which posting the questions were picked for, by whom, and what to know about the picking.
fn job_header(job: &Picks) -> String {
    let by = match job.picked_by {
        PickedBy::Interviewer => "the interviewer",
        PickedBy::Offline => "matching the posting's words against the question bank",
    };
    let mut out = format!("Questions picked for {} by {by}.\n", job.posting.display());
    if let Some(note) = &job.fallback {
        out += &format!("{note}\n");
    }
    if let Some(s) = &job.suggestion {
        out += &format!("{s}\n");
    }
    out
}

/// Each round's question and scores, shown above the summary.
fn rounds(session: &Practice) -> String {
    let mut out = String::new();
    for (i, r) in session.rounds.iter().enumerate() {
        out += &format!(
            "Round {}: {}/100 · {} words · {}\n  {}\n",
            i + 1,
            r.answer.report.score.overall,
            r.answer.report.delivery.words,
            crate::units::mmss(Duration::from_secs_f64(r.answer.seconds)),
            r.asked
        );
    }
    out
}
