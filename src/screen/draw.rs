//! Drawing the live view: title, question, clock, level meter, transcript, checklist, keys; then
//! the report.
//!
//! The clock is the thing a speaker glances at, so it is large and changes colour: plain while
//! there is time, yellow inside the warning window, magenta past the target with the time over and
//! where recording will stop. The bar under it runs to the hard cap with a mark where the target
//! falls. Blocks are dropped from the bottom up when the terminal is too small for them.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};

use crate::session::view::{LiveView, Phase};
use crate::units::mmss;

/// Where the clock stands, for its colour and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Time left, well before the target.
    Running,
    /// Inside the warning window.
    Warning,
    /// Past the target.
    Over,
}

/// Draws `view` over the whole frame.
pub fn draw(frame: &mut Frame, view: &LiveView) {
    let area = frame.area();
    if area.height < 3 || area.width < 10 {
        frame.render_widget(Paragraph::new(clock_text(view).0), area);
        return;
    }
    if view.phase == Phase::Report {
        draw_report(frame, view, area);
        return;
    }
    let question_h = (wrapped_lines(&view.question, area.width.saturating_sub(2)) + 2).min(6);
    let [title, question, clock, level, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(question_h),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(title_line(&view.title), title);
    frame.render_widget(
        Paragraph::new(view.question.as_str())
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Question ")),
        question,
    );
    draw_clock(frame, view, clock);
    frame.render_widget(level_gauge(view.level), level);
    draw_body(frame, view, body);
    frame.render_widget(Paragraph::new(view.status.as_str()).style(dim()), status);
    frame.render_widget(key_line(&view.keys), keys);
}

/// The countdown's words and state: "1:23 left", "0:12 left", "+0:07 over target".
pub fn clock_text(view: &LiveView) -> (String, ClockState) {
    let e = view.elapsed;
    if e >= view.target {
        let text = format!(
            "+{} over target · stops at {}",
            mmss(e - view.target),
            mmss(view.hard_cap)
        );
        (text, ClockState::Over)
    } else if e + view.warn_before >= view.target {
        (
            format!("{} left · wrap up", mmss(view.target - e)),
            ClockState::Warning,
        )
    } else {
        (
            format!("{} left of {}", mmss(view.target - e), mmss(view.target)),
            ClockState::Running,
        )
    }
}

fn draw_clock(frame: &mut Frame, view: &LiveView, area: Rect) {
    let (text, state) = clock_text(view);
    let colour = match state {
        ClockState::Running => Color::Green,
        ClockState::Warning => Color::Yellow,
        ClockState::Over => Color::Magenta,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} recorded ", mmss(view.elapsed)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [words, bar] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    let style = Style::default().fg(colour).add_modifier(Modifier::BOLD);
    frame.render_widget(Paragraph::new(Span::styled(text, style)), words);
    frame.render_widget(
        Paragraph::new(clock_bar(view, bar.width)).style(Style::default().fg(colour)),
        bar,
    );
}

/// A bar of `width` cells from 0 to the hard cap, filled to now, with `|` where the target falls.
pub fn clock_bar(view: &LiveView, width: u16) -> String {
    let width = width as usize;
    if width == 0 || view.hard_cap.is_zero() {
        return String::new();
    }
    let cell = |d: Duration| {
        ((d.as_secs_f64() / view.hard_cap.as_secs_f64()) * width as f64).round() as usize
    };
    let filled = cell(view.elapsed).min(width);
    let target = cell(view.target).min(width.saturating_sub(1));
    (0..width)
        .map(|i| match (i == target, i < filled) {
            (true, _) => '|',
            (false, true) => '█',
            (false, false) => '·',
        })
        .collect()
}

fn level_gauge(level: f32) -> Gauge<'static> {
    Gauge::default()
        .ratio(f64::from(level.clamp(0.0, 1.0)))
        .label("input level")
        .gauge_style(Style::default().fg(Color::Cyan))
}

/// The transcript on the left, the checklist on the right (below each other when narrow).
fn draw_body(frame: &mut Frame, view: &LiveView, area: Rect) {
    let [left, right] = if area.width >= 70 {
        Layout::horizontal([Constraint::Min(30), Constraint::Length(36)]).areas(area)
    } else {
        Layout::vertical([
            Constraint::Min(2),
            Constraint::Length(view.checklist.len() as u16 + 2),
        ])
        .areas(area)
    };
    draw_transcript(frame, view, left);
    frame.render_widget(checklist(view), right);
}

fn draw_transcript(frame: &mut Frame, view: &LiveView, area: Rect) {
    let mut spans = vec![Span::raw(view.transcript.clone())];
    if !view.pending.is_empty() {
        if !view.transcript.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            view.pending.clone(),
            dim().add_modifier(Modifier::ITALIC),
        ));
    }
    let text = Text::from(Line::from(spans));
    let inner_w = area.width.saturating_sub(2);
    let total = wrapped_lines(&format!("{} {}", view.transcript, view.pending), inner_w);
    // The newest words stay in sight: scroll so the last line is at the bottom.
    let scroll = total.saturating_sub(area.height.saturating_sub(2));
    let title = if view.phase == Phase::Finishing {
        " Transcript (finishing…) "
    } else {
        " Transcript "
    };
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .scroll((scroll, 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn checklist(view: &LiveView) -> Paragraph<'static> {
    let lines: Vec<Line> = view
        .checklist
        .iter()
        .map(|item| {
            if item.covered {
                Line::styled(
                    format!("✓ {}", item.label),
                    Style::default().fg(Color::Green),
                )
            } else {
                Line::styled(format!("· {}", item.label), dim())
            }
        })
        .collect();
    Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Rubric "))
}

fn draw_report(frame: &mut Frame, view: &LiveView, area: Rect) {
    let [title, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(title_line(&view.title), title);
    let mut text = view.report.clone().unwrap_or_default();
    if let Some(critique) = &view.critique {
        text += "\nInterviewer\n\n";
        text += critique;
    }
    frame.render_widget(
        Paragraph::new(text)
            .scroll((view.scroll, 0))
            .block(Block::default().borders(Borders::ALL).title(" Report ")),
        body,
    );
    frame.render_widget(Paragraph::new(view.status.as_str()).style(dim()), status);
    frame.render_widget(key_line(&view.keys), keys);
}

fn title_line(title: &str) -> Paragraph<'_> {
    Paragraph::new(title).style(
        Style::default()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    )
}

fn key_line(keys: &[(String, String)]) -> Paragraph<'static> {
    let mut spans = Vec::new();
    for (k, action) in keys {
        spans.push(Span::styled(
            format!(" {k} "),
            Style::default().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(format!(" {action}  ")));
    }
    Paragraph::new(Line::from(spans))
}

fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// Roughly how many lines `text` takes wrapped at `width`.
fn wrapped_lines(text: &str, width: u16) -> u16 {
    let width = width.max(1) as usize;
    let chars = text.chars().count();
    (chars.div_ceil(width)).max(1).min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::session::view::CheckItem;

    fn view(elapsed: u64) -> LiveView {
        LiveView {
            title: "rehearse · debug-production-issue · answer".into(),
            question: "How do you debug a production issue?".into(),
            phase: Phase::Recording,
            elapsed: Duration::from_secs(elapsed),
            target: Duration::from_secs(90),
            hard_cap: Duration::from_secs(135),
            warn_before: Duration::from_secs(15),
            level: 0.5,
            transcript: "First I check who is affected.".into(),
            pending: "Then I roll back".into(),
            checklist: vec![
                CheckItem {
                    label: "Impact triage".into(),
                    covered: true,
                },
                CheckItem {
                    label: "Prevention".into(),
                    covered: false,
                },
            ],
            status: "recording to answer-1.wav".into(),
            keys: vec![
                ("Enter".into(), "finish".into()),
                ("q".into(), "quit".into()),
            ],
            report: None,
            critique: None,
            scroll: 0,
        }
    }

    fn render(v: &LiveView, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(f, v)).unwrap();
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn a_recording_view_shows_question_clock_transcript_checklist_and_keys() {
        let screen = render(&view(7), 100, 30);
        for needle in [
            "How do you debug a production issue?",
            "1:23 left of 1:30",
            "First I check who is affected.",
            "Then I roll back",
            "✓ Impact triage",
            "· Prevention",
            "finish",
            "recording to answer-1.wav",
        ] {
            assert!(
                screen.contains(needle),
                "{needle:?} missing from:\n{screen}"
            );
        }
    }

    #[test]
    fn the_clock_warns_before_the_target_and_counts_over_it() {
        assert_eq!(
            clock_text(&view(80)),
            ("0:10 left · wrap up".into(), ClockState::Warning)
        );
        let (text, state) = clock_text(&view(97));
        assert_eq!(state, ClockState::Over);
        assert_eq!(text, "+0:07 over target · stops at 2:15");
        assert!(render(&view(97), 100, 30).contains("over target"));
    }

    #[test]
    fn the_bar_marks_the_target() {
        let bar = clock_bar(&view(45), 27);
        assert_eq!(bar.chars().count(), 27);
        assert_eq!(bar.chars().nth(18), Some('|'), "{bar}");
        assert!(bar.starts_with("█████████"));
    }

    #[test]
    fn the_critique_is_drawn_below_the_report() {
        let mut v = view(60);
        v.phase = Phase::Report;
        v.report = Some("Score 65/100\n".into());
        v.critique = Some("Solid triage, weak prevention.".into());
        let text = render(&v, 80, 20);
        assert!(text.contains("Interviewer"), "{text}");
        assert!(text.contains("Solid triage, weak prevention."), "{text}");
    }

    #[test]
    fn the_report_scrolls() {
        let mut v = view(100);
        v.phase = Phase::Report;
        v.report = Some((1..=50).map(|i| format!("line {i}\n")).collect());
        assert!(render(&v, 80, 20).contains("line 1 "));
        v.scroll = 10;
        let screen = render(&v, 80, 20);
        assert!(
            screen.contains("line 11") && !screen.contains("line 1 "),
            "{screen}"
        );
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        for (w, h) in [(1, 1), (20, 5), (9, 2), (40, 8)] {
            render(&view(10), w, h);
        }
    }
}
