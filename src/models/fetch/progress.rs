//! How a download shows its progress on standard error: a bar on a terminal (the crate's shared
//! [`crate::progress::Bar`]), a plain line every few seconds elsewhere (a log, CI), or nothing when
//! asked to be quiet.

use std::time::{Duration, Instant};

use super::{FetchOptions, LINE_EVERY, MIB};
use crate::progress::{self, Bar, Unit};

/// Progress on stderr: a bar on a terminal, a plain line every few seconds elsewhere, or nothing.
pub(super) struct Progress {
    name: String,
    show: Show,
    bar: Option<Bar>,
    started: Instant,
    last: Instant,
    from: u64,
    total: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    Nothing,
    Bar,
    Lines,
}

impl Progress {
    pub(super) fn new(opts: &FetchOptions, name: &str) -> Self {
        let show = match (progress::on_terminal(!opts.progress), opts.progress) {
            (true, _) => Show::Bar,
            (false, true) => Show::Lines,
            (false, false) => Show::Nothing,
        };
        let (name, now) = (name.to_string(), Instant::now());
        let (started, last, from, total, bar) = (now, now, 0, None, None);
        Progress {
            name,
            show,
            bar,
            started,
            last,
            from,
            total,
        }
    }

    /// A body starts arriving at byte `from` of `total`; the rate and time left count from here.
    pub(super) fn start(&mut self, from: u64, total: Option<u64>) {
        (self.started, self.last) = (Instant::now(), Instant::now());
        (self.from, self.total) = (from, total);
        match self.show {
            Show::Nothing => {}
            Show::Bar => {
                let bar = Bar::new(true, &self.name, total, Unit::Bytes);
                bar.stage(&self.name, from, total);
                self.bar = Some(bar);
            }
            Show::Lines => {
                let size = total.map_or(String::new(), |n| format!(" ({:.1} MiB)", n as f64 / MIB));
                eprintln!("fetching {}{size}", self.name);
            }
        }
    }

    pub(super) fn advance(&mut self, pos: u64) {
        if let Some(bar) = &self.bar {
            bar.set(pos);
        } else if self.show == Show::Lines && self.last.elapsed() >= LINE_EVERY {
            self.last = Instant::now();
            let elapsed = self.started.elapsed();
            eprintln!(
                "{}",
                progress_line(&self.name, pos, self.from, self.total, elapsed)
            );
        }
    }

    pub(super) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
    }

    /// A one-off remark, printed above the bar when there is one.
    pub(super) fn note(&self, text: &str) {
        match (&self.bar, self.show) {
            (_, Show::Nothing) => {}
            (Some(bar), _) => bar.note(text),
            (None, _) => eprintln!("{text}"),
        }
    }
}

/// `tiny.en: 12.0 of 75.0 MiB (16%), 4.1 MiB/s, about 15 s left`, the rate counting only this run.
pub(super) fn progress_line(
    name: &str,
    pos: u64,
    from: u64,
    total: Option<u64>,
    elapsed: Duration,
) -> String {
    let rate = pos.saturating_sub(from) as f64 / elapsed.as_secs_f64().max(0.001);
    let mut line = format!("{name}: {:.1}", pos as f64 / MIB);
    if let Some(total) = total.filter(|&t| t > 0) {
        let left = progress::time_left(
            pos.saturating_sub(from),
            total.saturating_sub(from),
            elapsed,
        )
        .map_or(String::new(), |left| {
            format!(", about {:.0} s left", left.as_secs_f64())
        });
        let percent = pos * 100 / total;
        line += &format!(
            " of {:.1} MiB ({percent}%), {:.1} MiB/s{left}",
            total as f64 / MIB,
            rate / MIB
        );
    } else {
        line += &format!(" MiB, {:.1} MiB/s", rate / MIB);
    }
    line
}
