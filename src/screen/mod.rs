//! What the speaker sees during an answer: the full-screen terminal view, or plain progress lines.
//! This is the one place that touches the terminal.
//!
//! The session fills in one [`LiveView`] and hands it to a [`Screen`] several times a second; the
//! screen decides what to draw. [`TuiScreen`] draws the full-screen view with ratatui ([`draw`]),
//! owning the terminal through [`terminal`] (raw mode, the alternate screen, keys, and restoring
//! everything on the way out, even after a panic). [`PlainScreen`] is for pipes, CI and `--plain`: it prints a line to
//! standard error when something changes (a clock milestone, newly settled words, a rubric point
//! covered) and takes commands as lines on standard input (an empty line finishes the answer, `q`
//! quits keeping the audio, `r` retries), so the report on standard output stays clean.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

mod draw;
mod terminal;

use terminal::Tui;
pub use terminal::is_interactive;

use crate::session::SessionError;
use crate::session::clock::mmss;
use crate::session::view::{Key, LiveView, Phase, Screen};

/// Progress as plain lines on standard error; commands as lines on standard input.
pub struct PlainScreen {
    quiet: bool,
    keys: Receiver<Key>,
    said_question: bool,
    status: String,
    settled_chars: usize,
    covered: HashSet<String>,
    last_tick: Option<u64>,
    critique: LineStream,
}

/// Seconds between clock lines.
const TICK_SECS: u64 = 15;

impl PlainScreen {
    /// A plain screen; `quiet` prints nothing but the report.
    pub fn new(quiet: bool) -> PlainScreen {
        PlainScreen {
            quiet,
            keys: stdin_keys(),
            said_question: false,
            status: String::new(),
            settled_chars: 0,
            covered: HashSet::new(),
            last_tick: None,
            critique: LineStream::default(),
        }
    }

    /// The lines that tell what changed since the last view.
    fn changes(&mut self, view: &LiveView) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.said_question {
            self.said_question = true;
            lines.push(format!("{}\n  {}", view.title, view.question));
            let keys: Vec<String> = view.keys.iter().map(|(k, a)| format!("{k}: {a}")).collect();
            lines.push(format!("  ({})", keys.join(", ")));
        }
        if view.status != self.status && !view.status.is_empty() {
            self.status = view.status.clone();
            lines.push(format!("[{}] {}", mmss(view.elapsed), view.status));
        }
        let tick = view.elapsed.as_secs() / TICK_SECS;
        if view.phase == Phase::Recording && self.last_tick != Some(tick) {
            self.last_tick = Some(tick);
            if tick > 0 {
                lines.push(format!("[{}] recording", mmss(view.elapsed)));
            }
        }
        if view.transcript.len() > self.settled_chars {
            let new = view
                .transcript
                .get(self.settled_chars..)
                .unwrap_or("")
                .trim();
            self.settled_chars = view.transcript.len();
            if !new.is_empty() {
                lines.push(format!("[{}] heard: {new}", mmss(view.elapsed)));
            }
        }
        for item in view.checklist.iter().filter(|i| i.covered) {
            if self.covered.insert(item.label.clone()) {
                lines.push(format!("[{}] covered: {}", mmss(view.elapsed), item.label));
            }
        }
        lines
    }
}

impl Screen for PlainScreen {
    fn show(&mut self, view: &LiveView) -> Result<(), SessionError> {
        let lines = self.changes(view);
        if self.quiet || (lines.is_empty() && view.critique.is_none()) {
            return Ok(());
        }
        // Progress is a courtesy; a closed stderr must not stop the answer.
        let mut err = std::io::stderr().lock();
        if let Some(text) = &view.critique {
            let _ = write!(err, "{}", self.critique.update(text));
            if !lines.is_empty() {
                let _ = write!(err, "{}", self.critique.end_line());
            }
        }
        for line in lines {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
        Ok(())
    }

    fn key(&mut self, timeout: Duration) -> Result<Option<Key>, SessionError> {
        match self.keys.recv_timeout(timeout) {
            Ok(k) => Ok(Some(k)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            // Standard input is closed: there will be no keys, so wait out the time quietly.
            Err(RecvTimeoutError::Disconnected) => {
                thread::sleep(timeout);
                Ok(None)
            }
        }
    }

    fn report(&mut self, view: &mut LiveView) -> Result<Option<Key>, SessionError> {
        // The report itself goes to standard output with the session's other results; the next
        // answer starts its progress from scratch.
        self.show(view)?;
        if !self.quiet {
            let _ = write!(std::io::stderr().lock(), "{}", self.critique.finish());
        }
        self.said_question = false;
        self.status.clear();
        self.settled_chars = 0;
        self.covered.clear();
        self.last_tick = None;
        Ok(None)
    }
}

/// Turns successive versions of a growing text into what to print so a terminal shows it as it
/// grows: whole new lines, and the new end of the line still arriving. A line that changed after
/// part of it was printed (a score filled in) is not printed again; the full text is in the
/// results at the end.
#[derive(Debug, Default)]
pub struct LineStream {
    started: bool,
    lines_done: usize,
    partial: String,
}

impl LineStream {
    /// What to print now that the text reads `text`.
    pub fn update(&mut self, text: &str) -> String {
        let mut out = String::new();
        // The last line may still grow even when the text ends in a newline.
        let text = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            return out;
        }
        if !self.started {
            self.started = true;
            out += "\nInterviewer:\n";
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let (whole, last) = lines.split_at(lines.len() - 1);
        for line in whole.iter().skip(self.lines_done) {
            match line.strip_prefix(self.partial.as_str()) {
                Some(rest) => out += rest,
                None => out += &format!("\n{line}"),
            }
            out += "\n";
            self.partial.clear();
            self.lines_done += 1;
        }
        let last = last[0];
        if self.lines_done >= lines.len() {
            // The last line was ended by other output; it is not printed twice.
            return out;
        }
        if let Some(rest) = last.strip_prefix(self.partial.as_str()) {
            out += rest;
            self.partial = last.to_string();
        }
        out
    }

    /// A newline if a line is unfinished, so other output can follow; the text goes on after it.
    pub fn end_line(&mut self) -> String {
        if self.partial.is_empty() {
            return String::new();
        }
        // The unfinished line counts as printed; if it grows, the rest is printed on a new line.
        self.partial.clear();
        self.lines_done += 1;
        "\n".into()
    }

    /// Ends the text: a newline if a line is unfinished; ready for the next text.
    pub fn finish(&mut self) -> String {
        let out = if self.partial.is_empty() { "" } else { "\n" };
        *self = LineStream::default();
        out.to_string()
    }
}

/// The full-screen view.
pub struct TuiScreen {
    tui: Tui,
}

impl TuiScreen {
    /// Takes over the terminal until the screen is dropped.
    pub fn start() -> Result<TuiScreen, SessionError> {
        Ok(TuiScreen {
            tui: Tui::start().map_err(SessionError::Terminal)?,
        })
    }
}

impl Screen for TuiScreen {
    fn show(&mut self, view: &LiveView) -> Result<(), SessionError> {
        self.tui.draw(view).map_err(SessionError::Terminal)
    }

    fn key(&mut self, timeout: Duration) -> Result<Option<Key>, SessionError> {
        self.tui.poll_key(timeout).map_err(SessionError::Terminal)
    }

    fn report(&mut self, view: &mut LiveView) -> Result<Option<Key>, SessionError> {
        loop {
            self.show(view)?;
            match self.key(Duration::from_millis(250))? {
                Some(k @ (Key::Finish | Key::Quit)) => return Ok(Some(k)),
                Some(Key::ScrollDown) => {
                    // Scrolling stops with the last lines still in view.
                    let lines = view.report.as_deref().map_or(0, |r| r.lines().count())
                        + view
                            .critique
                            .as_deref()
                            .map_or(0, |c| c.lines().count() + 3);
                    let last = u16::try_from(lines.saturating_sub(5)).unwrap_or(u16::MAX);
                    view.scroll = view.scroll.saturating_add(3).min(last);
                }
                Some(Key::ScrollUp) => view.scroll = view.scroll.saturating_sub(3),
                _ => {}
            }
        }
    }
}

/// Reads standard input on its own thread and turns each line into a key.
fn stdin_keys() -> Receiver<Key> {
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("stdin-keys".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { return };
                if tx.send(line_key(&line)).is_err() {
                    return;
                }
            }
        });
    // Without the thread there are no keys; answers still end at the end of input or the cap.
    drop(spawned);
    rx
}

/// The key a line of input stands for.
pub fn line_key(line: &str) -> Key {
    match line.trim().to_ascii_lowercase().as_str() {
        "" | "f" | "finish" | "done" => Key::Finish,
        "q" | "quit" => Key::Quit,
        "r" | "retry" => Key::Retry,
        _ => Key::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::view::CheckItem;

    fn screen() -> PlainScreen {
        PlainScreen {
            quiet: false,
            keys: mpsc::channel().1,
            said_question: true,
            status: String::new(),
            settled_chars: 0,
            covered: HashSet::new(),
            last_tick: Some(0),
            critique: LineStream::default(),
        }
    }

    #[test]
    fn a_growing_text_is_printed_once() {
        let mut l = LineStream::default();
        let mut out = l.update("");
        out += &l.update("Good tri\n");
        out += &l.update("Good triage.\n");
        out += &l.update("Good triage.\n  impact …");
        out += &l.update("Good triage.\n  impact 3/4\n  + calm");
        out += &l.finish();
        assert_eq!(
            out,
            "\nInterviewer:\nGood triage.\n  impact …\n  impact 3/4\n  + calm\n"
        );
    }

    #[test]
    fn lines_of_input_are_keys() {
        assert_eq!(line_key(""), Key::Finish);
        assert_eq!(line_key(" q "), Key::Quit);
        assert_eq!(line_key("R"), Key::Retry);
        assert_eq!(line_key("what"), Key::Other);
    }

    #[test]
    fn only_what_changed_is_printed() {
        let mut s = screen();
        let mut v = LiveView {
            phase: Phase::Recording,
            transcript: "first words".into(),
            checklist: vec![CheckItem {
                label: "Impact".into(),
                covered: true,
            }],
            ..LiveView::default()
        };
        let lines = s.changes(&v);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].ends_with("heard: first words"));
        assert!(lines[1].ends_with("covered: Impact"));
        assert!(s.changes(&v).is_empty());
        v.transcript.push_str(" and more");
        assert!(s.changes(&v)[0].ends_with("heard: and more"));
    }
}
