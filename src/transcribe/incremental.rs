//! Incremental transcription: the answer is transcribed while it is spoken, so the transcript is
//! ready the moment the speaker stops, however long they went on without a pause.
//!
//! Audio arrives in small blocks. [`Phrases`] keeps it and decides what to decode next, following
//! [`plan::Cuts`]: a mark every couple of seconds at the quietest moment, and chunks of 10 to 15
//! seconds from mark to mark, which are exactly what a one-shot transcription of the recording
//! decodes. Each time a new mark is found, the chunk being spoken is decoded from its start to that
//! mark (a *prefix*); a prefix that ends where the chunk turns out to end is the chunk's settled
//! transcript, so nothing is decoded twice for settling. When the answer ends, the prefix to the
//! last mark a second or more before the end is normally in hand, and only the few seconds after it
//! are left to decode ([`plan::Cuts::ending`]).
//!
//! With a transcription server, chunks are settled by the server and the prefixes, decoded by a
//! local model if there is one, are only shown while the person speaks.
//!
//! This module is the bookkeeping alone, with no threads and no engine, so it can be tested step
//! by step; [`super::live::LiveTranscriber`] drives it while an answer is recorded.

use super::plan::{self, Cuts, Piece};
use super::{Segment, Transcript, Word};
use crate::audio::{ms_to_samples, samples_to_ms};

/// What a live session decodes.
#[derive(Debug, Clone)]
pub struct LiveParams {
    /// Whether to decode prefixes of the chunk being spoken at all; false for an engine that
    /// does not decode provisionally (a transcription server with no local model), which then
    /// only settles chunks.
    pub provisional: bool,
    /// Whether a prefix is as good as a settled transcript. False when prefixes come from another
    /// model than settled text (a local model beside a transcription server): they are then only
    /// shown, and the server decodes each chunk and the end of the answer whole.
    pub settle_provisional: bool,
}

impl Default for LiveParams {
    fn default() -> Self {
        LiveParams {
            provisional: true,
            settle_provisional: true,
        }
    }
}

/// A stretch of samples to decode while the answer goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// First sample decoded.
    pub start: usize,
    /// Where the words kept start: the settled point (what is before is context).
    pub keep_from: usize,
    /// One past the last sample.
    pub end: usize,
    /// True: decoded by the engine that settles text. False: the text is only shown.
    pub settle: bool,
}

/// The audio heard so far and what of it is transcribed.
#[derive(Debug, Default)]
pub struct Phrases {
    params: LiveParams,
    samples: Vec<f32>,
    cuts: Cuts,
    /// One transcript per settled chunk, then the pieces of the end.
    settled: Vec<Transcript>,
    /// Samples before this index are settled.
    settled_to: usize,
    /// What is heard of the chunk being spoken, from its start to a mark.
    prefixes: Vec<Prefix>,
    /// Text to show after the settled part.
    shown: Option<(usize, Transcript)>,
}

/// The words of the chunk being spoken from its start to a mark.
#[derive(Debug)]
struct Prefix {
    /// The mark.
    end: usize,
    transcript: Transcript,
    /// True: decoded as a one-shot run would. False: cut from a decode of the chunk before,
    /// which ran past where that chunk turned out to end; used only when the answer ends before
    /// the exact one is decoded.
    exact: bool,
}

impl Phrases {
    /// An empty answer.
    pub fn new(params: LiveParams) -> Self {
        Phrases {
            params,
            ..Phrases::default()
        }
    }

    /// Appends newly captured 16 kHz samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.samples.extend_from_slice(samples);
    }

    /// All samples so far.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// The samples, once the answer is transcribed.
    pub fn into_samples(self) -> Vec<f32> {
        self.samples
    }

    /// What to decode next while the answer goes on, if anything.
    pub fn next_job(&mut self) -> Option<Job> {
        self.cuts.update(&self.samples);
        let starts = self.cuts.chunk_starts();
        // A chunk whose end is decided settles first: from a prefix in hand, else by a decode.
        while let Some(&end) = starts.get(self.settled.len() + 1) {
            match self.take_prefix(end, true) {
                Some(t) => self.settle(end, t),
                None => return Some(self.job(end, true)),
            }
        }
        if !self.params.provisional {
            return None;
        }
        let latest = self.prefix_mark()?;
        // A prefix cut from the decode of the chunk before (inexact) is not decoded again: were
        // the answer to end before the next mark's prefix, the end would use it as it is.
        let known = self.prefixes.iter().any(|p| p.end == latest)
            || self.shown.as_ref().is_some_and(|(e, _)| *e == latest);
        (latest > self.settled_to && !known)
            .then(|| self.job(latest, self.params.settle_provisional))
    }

    /// The mark whose prefix to decode next: the latest one. When prefixes settle text, the
    /// latest one with at least the tail's length of audio after it, since the end of the answer
    /// can use no other: a prefix started sooner, when the answer then ends within that second,
    /// is work the end must stop (or wait for) before it can decode the tail. A mark is found up
    /// to a second after it is spoken, so this delays the prefix by at most that second.
    fn prefix_mark(&self) -> Option<usize> {
        let marks = self.cuts.marks();
        if !self.params.settle_provisional {
            return marks.last().copied();
        }
        let latest = self
            .samples
            .len()
            .checked_sub(ms_to_samples(plan::TAIL_MIN_MS))?;
        marks.into_iter().rev().find(|&m| m <= latest)
    }

    /// The job that decodes from the settled point to `end`, with context before it.
    fn job(&self, end: usize, settle: bool) -> Job {
        let piece = self.cuts.piece(self.settled_to, end);
        Job {
            start: piece.start,
            keep_from: piece.keep_from,
            end,
            settle,
        }
    }

    /// Takes the transcript of `job`.
    pub fn apply(&mut self, job: Job, transcript: Transcript) {
        if job.keep_from != self.settled_to {
            return;
        }
        let transcript = plan::keep_after(transcript, samples_to_ms(job.keep_from));
        let starts = self.cuts.chunk_starts();
        if job.settle && starts.get(self.settled.len() + 1) == Some(&job.end) {
            self.settle(job.end, transcript);
        } else if job.settle && self.params.settle_provisional {
            self.prefixes.retain(|p| p.end != job.end);
            self.prefixes.push(Prefix {
                end: job.end,
                transcript,
                exact: true,
            });
        } else if !job.settle {
            self.shown = Some((job.end, transcript));
        }
    }

    /// The prefix that ends at `end`, if one was decoded by the settling engine (`exact`) or is
    /// in hand at all.
    fn take_prefix(&mut self, end: usize, exact: bool) -> Option<Transcript> {
        let i = self
            .prefixes
            .iter()
            .position(|p| p.end == end && (p.exact || !exact))?;
        Some(self.prefixes.swap_remove(i).transcript)
    }

    /// Settles the chunk that ends at `end`. What the prefixes heard after it is kept, inexact,
    /// for the chunk that starts there.
    fn settle(&mut self, end: usize, t: Transcript) {
        let t = plan::seam(self.settled.last(), t);
        self.settled.push(t);
        self.settled_to = end;
        let from_ms = samples_to_ms(end);
        self.prefixes = std::mem::take(&mut self.prefixes)
            .into_iter()
            .filter(|p| p.end > end)
            .map(|p| Prefix {
                end: p.end,
                transcript: plan::keep_after(p.transcript, from_ms),
                exact: false,
            })
            .collect();
        self.shown = None;
    }

    /// The answer has ended: settles what is in hand and returns what is left to decode, in
    /// order. Each piece's transcript goes to [`Phrases::apply_end`] before the next is asked for
    /// with [`Phrases::ready`].
    ///
    /// `hurry` is for audio that came in real time, where someone waits on the end: a session
    /// that fell behind then ends from the latest stretch heard when that leaves a short tail.
    /// Otherwise (audio read faster than it plays) what is left is decoded as a one-shot run
    /// would, which transcribes better than a hurried end.
    pub fn end(&mut self, hurry: bool) -> Vec<Piece> {
        self.cuts.update(&self.samples);
        let len = self.samples.len();
        let settled_to = self.settled_to;
        let pieces = if self.params.settle_provisional {
            let exact = self.cuts.ending(len).pieces;
            // What a one-shot run decodes is in hand but for the tail when the session kept up.
            let prefixes = &self.prefixes;
            let in_hand = exact.iter().all(|p| {
                p.tail
                    || p.end <= settled_to
                    || (p.keep_from == settled_to
                        && prefixes.iter().any(|x| x.exact && x.end == p.end))
            });
            // Else the latest stretch heard, when it leaves a short tail.
            let latest_heard = self.prefixes.iter().map(|p| p.end).max().filter(|_| hurry);
            match latest_heard.and_then(|to| self.cuts.hurried(settled_to, to, len)) {
                Some(hurried) if !in_hand => hurried.pieces,
                _ => exact,
            }
        } else {
            // The server settles the rest whole: any chunk decided but not settled, then the last.
            let starts = self.cuts.chunk_starts();
            let mut bounds: Vec<usize> = starts.into_iter().filter(|&s| s >= settled_to).collect();
            bounds.push(len);
            bounds
                .windows(2)
                .map(|w| Piece {
                    tail: w[1] == len,
                    ..self.cuts.piece(w[0], w[1])
                })
                .collect()
        };
        pieces
            .into_iter()
            .filter(|p| p.end > settled_to && p.end > p.start)
            .collect()
    }

    /// Whether the end of the answer, were it now, would use `job`'s transcript as it is: a
    /// chunk to settle, or the last chunk's decode to the mark the tail starts at.
    pub fn wanted_at_end(&mut self, job: Job) -> bool {
        if !job.settle || job.keep_from != self.settled_to {
            return false;
        }
        self.cuts.update(&self.samples);
        if self.cuts.chunk_starts().contains(&job.end) {
            return true;
        }
        self.params.settle_provisional
            && self
                .cuts
                .ending(self.samples.len())
                .pieces
                .iter()
                .any(|p| !p.tail && p.keep_from == job.keep_from && p.end == job.end)
    }

    /// How much more audio, in milliseconds, the end would decode if the answer ended now
    /// without `job`'s transcript than with it: the end then decodes from the latest stretch in
    /// hand before `job`'s end ([`plan::Cuts::hurried`]), which leaves a longer tail, with more
    /// context when it is longer than a usual one. `None` when the end needs `job`.
    pub fn extra_without(&self, job: Job) -> Option<u64> {
        let len = self.samples.len();
        let to = self
            .prefixes
            .iter()
            .map(|p| p.end)
            .filter(|&e| e < job.end)
            .max()?;
        self.cuts.hurried(self.settled_to, to, len)?;
        let context = plan::hurried_context_ms(len.saturating_sub(to)) - plan::TAIL_CONTEXT_MS;
        Some(samples_to_ms(job.end.saturating_sub(to)) + context)
    }

    /// The transcript of `piece` if it is in hand (a prefix decoded while the answer went on).
    pub fn ready(&mut self, piece: Piece) -> Option<Transcript> {
        if piece.tail || piece.keep_from != self.settled_to {
            return None;
        }
        self.take_prefix(piece.end, false)
    }

    /// The tail `piece` to decode again with more context, when its decode `t` lost its own
    /// words, as a one-shot run does ([`plan::Cuts::tail_again`]).
    pub fn tail_again(&self, piece: Piece, t: &Transcript) -> Option<Piece> {
        self.cuts.tail_again(piece, t, 0)
    }

    /// Settles one piece of the end: the words from its `keep_from` on.
    pub fn apply_end(&mut self, piece: Piece, t: Transcript) {
        let t = plan::keep_after(t, samples_to_ms(piece.keep_from));
        let t = plan::seam(self.settled.last(), t);
        self.settled.push(t);
        self.settled_to = piece.end;
        self.prefixes.clear();
        self.shown = None;
    }

    /// The settled transcript.
    pub fn settled(&self) -> Transcript {
        join(&self.settled)
    }

    /// The provisional transcript of the speech after the settled part, if there is one: the
    /// latest prefix.
    pub fn provisional(&self) -> Option<&Transcript> {
        let prefix = self.prefixes.iter().max_by_key(|p| p.end);
        match (prefix, &self.shown) {
            (Some(p), Some((end, s))) => Some(if p.end >= *end { &p.transcript } else { s }),
            (Some(p), None) => Some(&p.transcript),
            (None, Some((_, s))) => Some(s),
            (None, None) => None,
        }
    }
}

/// Joins transcripts of consecutive stretches into one.
pub fn join(parts: &[Transcript]) -> Transcript {
    let words: Vec<Word> = parts.iter().flat_map(|t| t.words.clone()).collect();
    let segments: Vec<Segment> = parts.iter().flat_map(|t| t.segments.clone()).collect();
    let text = parts
        .iter()
        .map(|t| t.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Approximate times anywhere make the whole approximate.
    let timed = if parts.iter().any(|t| t.timed == super::Timing::Approximate) {
        super::Timing::Approximate
    } else {
        super::Timing::Words
    };
    Transcript {
        text,
        words,
        segments,
        timed,
    }
}

#[cfg(test)]
mod tests;
