//! Progress of long work on standard error: a bar on a terminal, and nothing anywhere else.
//!
//! Work that can take more than a second (transcribing a long recording, downloading or
//! converting a model) reports how far it has got to a [`Bar`]. The bar is drawn only when
//! standard error is a terminal and the user did not pass `--quiet` ([`on_terminal`]), so piped
//! and redirected output, logs and `--format json` stay exactly what they would be without it. It
//! appears only once the work has run for [`SHOW_AFTER`], so a quick run never flashes one, and is
//! cleared when the work ends, leaving nothing behind on the screen.
//!
//! The time left ([`time_left`]) is the rate so far applied to what remains, and counts down
//! between updates, which for a transcription come only once per chunk of up to half a minute of
//! audio.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::units::mmss;

/// How long work runs before its bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often a shown bar is redrawn between updates, so its clock and estimate keep moving.
const TICK: Duration = Duration::from_millis(250);
const MIB: f64 = 1024.0 * 1024.0;

/// What a bar counts, which decides how its figures read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes: sizes in MiB and a rate in MiB/s.
    Bytes,
    /// Milliseconds of audio: times as `m:ss` and the speed as a multiple of real time.
    AudioMs,
}

/// True when a bar may be drawn: standard error is a terminal and `quiet` is off.
pub fn on_terminal(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// The time the rest of the work should take, at the rate of the part done in `elapsed`: `None`
/// until something is done, since no rate is known before.
pub fn time_left(done: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    if done == 0 {
        return None;
    }
    let rest = total.saturating_sub(done);
    Some(elapsed.mul_f64(rest as f64 / done as f64))
}

/// When the bar's work started and where it stood at its last update.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// When the current stage started.
    started: Instant,
    /// The position the stage started from (a resumed download starts part-way).
    from: u64,
    /// The position at the last update, and when it came.
    last: Option<(u64, Instant)>,
    /// Set once the work has ended, so a bar about to be revealed stays hidden.
    ended: bool,
}

impl Clock {
    fn new(from: u64) -> Self {
        Clock {
            started: Instant::now(),
            from,
            last: None,
            ended: false,
        }
    }

    /// The time left at `now`: the estimate made at the last update, less the time since.
    fn left(&self, total: u64, now: Instant) -> Option<Duration> {
        let (pos, at) = self.last?;
        let done = pos.saturating_sub(self.from);
        let spent = at.saturating_duration_since(self.started);
        let estimate = time_left(done, total.saturating_sub(self.from), spent)?;
        Some(estimate.saturating_sub(now.saturating_duration_since(at)))
    }

    /// The work done per second of this stage so far.
    fn rate(&self) -> Option<f64> {
        let (pos, at) = self.last?;
        let secs = at.saturating_duration_since(self.started).as_secs_f64();
        (secs > 0.0).then(|| pos.saturating_sub(self.from) as f64 / secs)
    }
}

/// A progress bar on standard error, hidden unless it was asked for, stderr is a terminal and
/// the work has run for [`SHOW_AFTER`]. Dropping it clears it.
pub struct Bar {
    bar: ProgressBar,
    clock: Arc<Mutex<Clock>>,
    unit: Unit,
}

impl Bar {
    /// A bar for work of `total` units (unknown: `None`), labelled `label`. `show` is whether it
    /// may ever be drawn, normally [`on_terminal`].
    pub fn new(show: bool, label: &str, total: Option<u64>, unit: Unit) -> Self {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let clock = Arc::new(Mutex::new(Clock::new(0)));
        let this = Bar { bar, clock, unit };
        this.restyle(label, total);
        if show {
            this.reveal_later();
        }
        this
    }

    /// Starts a new stage of the work on the same bar: a new label and total, from `from`.
    pub fn stage(&self, label: &str, from: u64, total: Option<u64>) {
        *lock(&self.clock) = Clock::new(from);
        self.restyle(label, total);
        match total {
            Some(total) => self.bar.set_length(total),
            None => self.bar.unset_length(),
        }
        self.bar.set_position(from);
    }

    /// Moves the bar to `pos` units done.
    pub fn set(&self, pos: u64) {
        lock(&self.clock).last = Some((pos, Instant::now()));
        self.bar.set_position(pos);
    }

    /// Prints `text` on standard error, above the bar when one is drawn.
    pub fn note(&self, text: &str) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    /// Clears the bar; it never appears after this.
    pub fn finish(&self) {
        lock(&self.clock).ended = true;
        self.bar.finish_and_clear();
    }

    /// Draws the bar on stderr once the work has run for [`SHOW_AFTER`], unless it ended first.
    fn reveal_later(&self) {
        let (bar, clock) = (self.bar.downgrade(), Arc::downgrade(&self.clock));
        // A thread that cannot be started only means no bar; the work itself goes on.
        let _ = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                std::thread::sleep(SHOW_AFTER);
                let (Some(bar), Some(clock)) = (bar.upgrade(), clock.upgrade()) else {
                    return;
                };
                // The clock's lock is held while revealing, so `finish` cannot slip in between
                // the check and the reveal and leave a finished bar on the screen.
                let clock = lock(&clock);
                if !clock.ended {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(TICK);
                }
            });
    }

    fn restyle(&self, label: &str, total: Option<u64>) {
        let template = match total {
            Some(_) => "{msg} [{wide_bar}] {done} of {total}, {rate}{left}",
            None => "{msg} {spinner} {done}, {rate}",
        };
        let (unit, clock, left_clock) = (self.unit, self.clock.clone(), self.clock.clone());
        let style = ProgressStyle::with_template(template).map(|style| {
            style
                .progress_chars("=> ")
                .with_key(
                    "done",
                    move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&amount(unit, s.pos()));
                    },
                )
                .with_key(
                    "total",
                    move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&amount(unit, s.len().unwrap_or(0)));
                    },
                )
                .with_key(
                    "rate",
                    move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(unit, lock(&clock).rate()));
                    },
                )
                .with_key(
                    "left",
                    move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let left = lock(&left_clock).left(s.len().unwrap_or(0), Instant::now());
                        let _ = w.write_str(&left_text(left));
                    },
                )
        });
        // The templates are fixed text, so they always parse; were one not to, the bar would
        // keep indicatif's default look rather than fail the work.
        if let Ok(style) = style {
            self.bar.set_style(style);
        }
        self.bar.set_message(label.to_string());
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The clock behind a lock that a panicking draw cannot make unusable.
fn lock(clock: &Mutex<Clock>) -> std::sync::MutexGuard<'_, Clock> {
    clock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An amount of `unit` as a person reads it: `12.0 MiB`, `3:12`.
fn amount(unit: Unit, n: u64) -> String {
    match unit {
        Unit::Bytes => format!("{:.1} MiB", n as f64 / MIB),
        Unit::AudioMs => mmss(Duration::from_millis(n)),
    }
}

/// The speed so far: `4.1 MiB/s`, `18x real time`; `…` before the first update.
fn rate(unit: Unit, per_sec: Option<f64>) -> String {
    match (unit, per_sec) {
        (_, None) => "…".to_string(),
        (Unit::Bytes, Some(r)) => format!("{:.1} MiB/s", r / MIB),
        (Unit::AudioMs, Some(r)) => format!("{:.0}x real time", r / 1000.0),
    }
}

/// `, about 25 s left`, `, about 2:05 left`, or nothing while the time left is unknown.
fn left_text(left: Option<Duration>) -> String {
    let Some(left) = left else {
        return String::new();
    };
    let mut out = String::from(", about ");
    let secs = left.as_secs_f64().ceil() as u64;
    if secs < 60 {
        let _ = write!(out, "{secs} s left");
    } else {
        let _ = write!(out, "{} left", mmss(Duration::from_secs(secs)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_the_rate_so_far_applied_to_the_rest() {
        let ten_s = Duration::from_secs(10);
        assert_eq!(time_left(0, 600, ten_s), None, "no rate before any work");
        assert_eq!(time_left(150, 600, ten_s), Some(Duration::from_secs(30)));
        assert_eq!(time_left(600, 600, ten_s), Some(Duration::ZERO));
        assert_eq!(
            time_left(700, 600, ten_s),
            Some(Duration::ZERO),
            "overshoot"
        );
    }

    #[test]
    fn the_estimate_counts_down_between_updates_and_stops_at_zero() {
        let mut clock = Clock::new(0);
        let start = clock.started;
        assert_eq!(clock.left(600, start + Duration::from_secs(5)), None);
        clock.last = Some((200, start + Duration::from_secs(10)));
        let at = |s| clock.left(600, start + Duration::from_secs(s));
        assert_eq!(at(10), Some(Duration::from_secs(20)));
        assert_eq!(at(15), Some(Duration::from_secs(15)));
        assert_eq!(at(90), Some(Duration::ZERO));
    }

    #[test]
    fn a_resumed_stage_counts_only_its_own_work() {
        let mut clock = Clock::new(400);
        let start = clock.started;
        clock.last = Some((500, start + Duration::from_secs(10)));
        // 100 units in 10 s, 500 to go: 50 s, and 10 units a second.
        assert_eq!(
            clock.left(1000, start + Duration::from_secs(10)),
            Some(Duration::from_secs(50))
        );
        assert_eq!(clock.rate(), Some(10.0));
    }

    #[test]
    fn figures_read_in_their_units() {
        assert_eq!(amount(Unit::AudioMs, 192_500), "3:12");
        assert_eq!(amount(Unit::Bytes, 12 * 1024 * 1024), "12.0 MiB");
        assert_eq!(rate(Unit::AudioMs, Some(18_000.0)), "18x real time");
        assert_eq!(rate(Unit::Bytes, Some(4.1 * MIB)), "4.1 MiB/s");
        assert_eq!(rate(Unit::Bytes, None), "…");
        assert_eq!(left_text(None), "");
        assert_eq!(
            left_text(Some(Duration::from_millis(24_200))),
            ", about 25 s left"
        );
        assert_eq!(
            left_text(Some(Duration::from_secs(125))),
            ", about 2:05 left"
        );
    }

    #[test]
    fn a_bar_that_may_not_be_shown_stays_hidden_and_keeps_count() {
        let bar = Bar::new(false, "transcribing", Some(600_000), Unit::AudioMs);
        bar.set(30_000);
        assert!(bar.bar.is_hidden());
        assert_eq!(bar.bar.position(), 30_000);
        bar.stage("writing", 0, None);
        assert_eq!((bar.bar.position(), bar.bar.length()), (0, None));
        bar.finish();
        assert!(bar.bar.is_finished());
    }
}
