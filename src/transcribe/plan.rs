//! Where an answer is cut for decoding, decided from the audio alone and as it arrives, so a live
//! session and a one-shot transcription of the same recording decode the same pieces.
//!
//! Every couple of seconds a *mark* is set at the quietest moment of the next stretch: a pause
//! when the speaker makes one, else the gap between two words. Marks depend only on the audio
//! before them (plus a second after), so a live session finds them as the answer is spoken, and
//! a one-shot run over the whole recording finds the same ones.
//!
//! Chunks, the stretches Whisper decodes whole, run from mark to mark: a chunk ends at the
//! quietest mark between [`CHUNK_MIN_MS`] and [`CHUNK_MAX_MS`] after its start, decided once every
//! mark in that range is known. The last chunk, the one the answer ends in, is decoded from its
//! start to the last mark at least [`TAIL_MIN_MS`] before the end (the *prefix*), and the few
//! seconds after that mark (the *tail*) are decoded on their own, with the stretch since the mark
//! before as context, keeping only the words after the mark.
//!
//! While an answer is spoken, [`super::incremental::Phrases`] decodes each new prefix of the chunk
//! being spoken as soon as its mark is known, so whichever mark turns out to be the last one's,
//! its prefix is in hand when the answer ends, and only the tail is left: a few seconds of audio,
//! whatever the speaker did. A one-shot run decodes the same chunks, prefix and tail, so the two
//! transcripts agree.

use super::{Transcript, Word};
use crate::audio::{SAMPLE_RATE, ms_to_samples, samples_to_ms, vad};

/// The frame marks are placed on: 20 ms.
const FRAME: usize = SAMPLE_RATE as usize / 50;
/// The nearest a mark comes to the one before it, in frames (1.5 s).
const GAP_MIN: usize = 75;
/// The farthest a mark is from the one before it, in frames (2.5 s).
const GAP_MAX: usize = 125;
/// A tail no longer than this, in milliseconds, is as long as a usual one can be: the tail's
/// shortest, a mark's farthest from the one before, and the second it takes to find a mark.
const SHORT_TAIL_MS: u64 = TAIL_MIN_MS + GAP_MAX as u64 * 20 + 1_000;
/// A mark is the middle of the quietest run of this many frames on each side and the frame itself.
const MARK_HALF: usize = 2;
/// A chunk ends at the mark quietest over this many frames on each side (a pause beats a dip
/// between words).
const QUIET_HALF: usize = 10;
/// The shortest chunk, in milliseconds, unless the answer ends sooner. Chunks are short because a
/// decode's memory grows with its length, about 6.5 MB a second with tiny.en (whisper.cpp's
/// attention over the whole stretch, for the encoder and for word timings): a 2-minute session with
/// chunks of 16-24 s peaked at 314 MB, with 10-15 s at 260 MB. The shorter each prefix decoded
/// while the person speaks, the less CPU the session takes, too.
pub const CHUNK_MIN_MS: u64 = 10_000;
/// The longest chunk, in milliseconds; with its context, a decode stays under 22 s.
pub const CHUNK_MAX_MS: u64 = 15_000;
/// The tail is at least this long, in milliseconds, so it never holds only the last syllable.
pub const TAIL_MIN_MS: u64 = 1_000;

/// The marks and chunks of an answer, found as its audio arrives.
#[derive(Debug, Default, Clone)]
pub struct Cuts {
    /// Each whole frame's energy (mean square, mean removed).
    energy: Vec<f32>,
    /// The marks, in frames; the first is frame 0, the start of the answer.
    marks: Vec<usize>,
    /// Indices into `marks` where chunks start; the first is 0.
    chunks: Vec<usize>,
}

impl Cuts {
    /// Takes in the answer's audio so far (all of it, from the start; only the frames not yet
    /// seen are read) and finds any new marks and chunks.
    pub fn update(&mut self, samples: &[f32]) {
        let done = self.energy.len() * FRAME;
        if let Some(new) = samples.get(done..) {
            self.energy
                .extend(new.chunks_exact(FRAME).map(frame_energy));
        }
        if self.marks.is_empty() {
            self.marks.push(0);
            self.chunks.push(0);
        }
        while let Some(next) = self.next_mark() {
            self.marks.push(next);
        }
        while let Some(next) = self.next_chunk() {
            self.chunks.push(next);
        }
    }

    /// The mark after the last one, if the audio reaches far enough to place it.
    fn next_mark(&self) -> Option<usize> {
        let last = *self.marks.last()?;
        let (from, to) = (last + GAP_MIN, last + GAP_MAX);
        if to + MARK_HALF >= self.energy.len() {
            return None;
        }
        let quietest = (from..=to).min_by(|&a, &b| {
            self.quiet(a, MARK_HALF)
                .total_cmp(&self.quiet(b, MARK_HALF))
        })?;
        // In a pause, the middle of it: the run of frames about as quiet around the quietest.
        let near = self.quiet(quietest, MARK_HALF) * 2.0 + f32::MIN_POSITIVE;
        let (mut lo, mut hi) = (quietest, quietest);
        while lo > from && self.quiet(lo - 1, MARK_HALF) <= near {
            lo -= 1;
        }
        while hi < to && self.quiet(hi + 1, MARK_HALF) <= near {
            hi += 1;
        }
        Some((lo + hi) / 2)
    }

    /// The start of the chunk after the last one, once every mark it could be is known.
    fn next_chunk(&self) -> Option<usize> {
        let start = *self.chunks.last()?;
        let at = |ms: u64| self.marks[start] + ms_to_samples(ms) / FRAME;
        let (lo, hi) = (at(CHUNK_MIN_MS), at(CHUNK_MAX_MS));
        if self.marks.last().is_none_or(|&m| m <= hi) {
            return None;
        }
        // The quietest mark in range; of equals, the latest, for the longer chunk.
        (start + 1..self.marks.len())
            .filter(|&i| (lo..=hi).contains(&self.marks[i]))
            .min_by(|&a, &b| {
                let (qa, qb) = (
                    self.quiet(self.marks[a], QUIET_HALF),
                    self.quiet(self.marks[b], QUIET_HALF),
                );
                qa.total_cmp(&qb).then(b.cmp(&a))
            })
    }

    /// The piece that decodes `[keep_from, end)`, with context before it unless it starts the
    /// answer.
    pub fn piece(&self, keep_from: usize, end: usize) -> Piece {
        Piece {
            start: self.context_start(keep_from, CONTEXT_MS),
            end,
            keep_from,
            tail: false,
        }
    }

    /// The latest mark at least `ms` before `keep_from` (the start of the answer if none is), or
    /// `keep_from` itself when it is the start.
    fn context_start(&self, keep_from: usize, ms: u64) -> usize {
        let Some(latest) = keep_from.checked_sub(ms_to_samples(ms)) else {
            return 0;
        };
        self.marks
            .iter()
            .map(|&f| mark_sample(f))
            .filter(|&m| m <= latest)
            .max()
            .unwrap_or(0)
    }

    /// The mean energy of the frames within `half` of `frame`.
    fn quiet(&self, frame: usize, half: usize) -> f32 {
        let from = frame.saturating_sub(half);
        let to = (frame + half + 1).min(self.energy.len());
        let run = &self.energy[from..to];
        run.iter().sum::<f32>() / run.len().max(1) as f32
    }

    /// The marks so far, in samples from the start of the answer; the first is 0.
    pub fn marks(&self) -> Vec<usize> {
        self.marks.iter().map(|&f| mark_sample(f)).collect()
    }

    /// Where each chunk decided so far starts, in samples; the first is 0.
    pub fn chunk_starts(&self) -> Vec<usize> {
        self.chunks
            .iter()
            .map(|&i| mark_sample(self.marks[i]))
            .collect()
    }

    /// The decoding of an answer that ends after `len` samples, as a one-shot run does it.
    pub fn ending(&self, len: usize) -> Ending {
        let marks: Vec<usize> = self.marks().into_iter().filter(|&m| m < len).collect();
        let starts: Vec<usize> = self.chunk_starts();
        let mut pieces: Vec<Piece> = starts.windows(2).map(|w| self.piece(w[0], w[1])).collect();
        let chunk = *starts.last().unwrap_or(&0);
        // The last mark at least the tail's length before the end, in the last chunk.
        let latest = len.saturating_sub(ms_to_samples(TAIL_MIN_MS));
        let keep_from = marks
            .iter()
            .copied()
            .filter(|&m| m > chunk && m <= latest)
            .max()
            .unwrap_or(chunk);
        if keep_from > chunk {
            pieces.push(self.piece(chunk, keep_from));
        }
        pieces.push(Piece {
            start: self.context_start(keep_from, TAIL_CONTEXT_MS),
            end: len,
            keep_from,
            tail: true,
        });
        pieces.retain(|p| p.end > p.start);
        Ending { pieces }
    }

    /// The tail to decode again, with a chunk's worth of context, when its decode `t` kept none
    /// of its own words (see [`heard_tail`]). `None` for a piece that is not a tail, one heard,
    /// or one with that much context already. `offset_ms` is where the samples start in the
    /// recording.
    pub fn tail_again(&self, piece: Piece, t: &Transcript, offset_ms: u64) -> Option<Piece> {
        let start = self.context_start(piece.keep_from, CONTEXT_MS);
        let keep_ms = offset_ms + samples_to_ms(piece.keep_from);
        if !piece.tail || start >= piece.start || heard_tail(t, keep_ms) {
            return None;
        }
        tracing::debug!(
            start_ms = samples_to_ms(start),
            keep_from_ms = samples_to_ms(piece.keep_from),
            heard = t.text,
            "the tail misheard its context: decoding it again with more"
        );
        Some(Piece { start, ..piece })
    }

    /// A quicker end for a live session that has fallen behind: the stretch from `from` (the
    /// settled point) to the mark `to`, which the session has heard already, and the tail after
    /// it, when that tail is short; `None` otherwise.
    pub fn hurried(&self, from: usize, to: usize, len: usize) -> Option<Ending> {
        if len.saturating_sub(to) > ms_to_samples(HURRY_TAIL_MAX_MS)
            || len.saturating_sub(to) < ms_to_samples(TAIL_MIN_MS) / 2
        {
            return None;
        }
        Some(Ending {
            pieces: vec![
                self.piece(from, to),
                Piece {
                    start: self.context_start(to, hurried_context_ms(len - to)),
                    end: len,
                    keep_from: to,
                    tail: true,
                },
            ],
        })
    }
}

/// Audio before a chunk or prefix that is decoded with it, from the latest mark at least this
/// many milliseconds before it (so 4 to 6.5 s), for Whisper to hear the sentence it starts in; its
/// words belong to the stretch before. With 2.5 s, a short last chunk of the tests' answer came
/// out garbled.
pub const CONTEXT_MS: u64 = 4_000;
/// The same for the tail, which starts at the mark before the one it keeps from (1.5 to 2.5 s),
/// because the end of the answer waits for it.
pub const TAIL_CONTEXT_MS: u64 = 1_000;

/// A tail longer than this, in milliseconds, is worth decoding what a one-shot run would instead.
const HURRY_TAIL_MAX_MS: u64 = 8_000;

/// The context a hurried end's tail of `samples` is decoded with: a tail longer than a usual one
/// gets a chunk's worth (a long stretch decoded with little context before it came out garbled in
/// testing); one no longer than usual, a usual tail's.
pub fn hurried_context_ms(samples: usize) -> u64 {
    if short_tail(samples) {
        TAIL_CONTEXT_MS
    } else {
        CONTEXT_MS
    }
}

/// Whether a tail of `samples` is no longer than a usual one can be.
pub fn short_tail(samples: usize) -> bool {
    samples <= ms_to_samples(SHORT_TAIL_MS)
}

/// The sample a mark on `frame` stands for: the middle of the frame, or 0 for the first.
fn mark_sample(frame: usize) -> usize {
    if frame == 0 {
        0
    } else {
        frame * FRAME + FRAME / 2
    }
}

fn frame_energy(frame: &[f32]) -> f32 {
    let n = frame.len() as f32;
    let mean = frame.iter().sum::<f32>() / n;
    let e = frame.iter().map(|s| (s - mean) * (s - mean)).sum::<f32>() / n;
    if e.is_finite() { e } else { 0.0 }
}

/// One stretch to decode: `[start, end)`, keeping the words from `keep_from` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// First sample decoded.
    pub start: usize,
    /// One past the last sample decoded.
    pub end: usize,
    /// Words before this sample are context only.
    pub keep_from: usize,
    /// The answer's last piece, decoded after it ends.
    pub tail: bool,
}

/// What decodes an ended answer: its pieces, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub pieces: Vec<Piece>,
}

/// Drops the words at the start of `next` that repeat the last words of `before`: a word cut by
/// a mark can be heard at the end of one stretch and again at the start of the next, and a decode
/// with context now and then places a few of the context's words after the seam.
pub fn seam(before: Option<&Transcript>, mut next: Transcript) -> Transcript {
    let Some(before) = before else {
        return next;
    };
    let plain = |w: &Word| -> String {
        w.text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let tail = &before.words[before.words.len().saturating_sub(SEAM_WORDS)..];
    // The longest run that ends `before` and starts `next`, close enough in time to be one.
    let repeated = (1..=tail.len().min(next.words.len()))
        .rev()
        .find(|&n| {
            let (old, new) = (&tail[tail.len() - n..], &next.words[..n]);
            let close_ms = if n == 1 { SEAM_MS } else { SEAM_RUN_MS };
            old.iter().zip(new).all(|(a, b)| plain(a) == plain(b))
                && new[0].start_ms < old[0].end_ms + close_ms
        })
        .unwrap_or(0);
    if repeated > 0 {
        next.words.drain(..repeated);
        next = rebuilt(next);
    }
    next
}

/// How far apart, in milliseconds, a single word's two hearings at a seam may be.
const SEAM_MS: u64 = 1_000;
/// The same for a run of two or more words, whose repetition is no coincidence.
const SEAM_RUN_MS: u64 = 6_000;
/// The longest repeated run looked for at a seam.
const SEAM_WORDS: usize = 24;

/// Keeps the words of `t` whose middle is at or after `keep_ms`, as a transcript of their own;
/// `t` as it is when all its words are.
pub fn keep_after(mut t: Transcript, keep_ms: u64) -> Transcript {
    if t.words.iter().all(|w| middle(w) >= keep_ms) {
        return t;
    }
    t.words.retain(|w| middle(w) >= keep_ms);
    rebuilt(t)
}

fn middle(w: &Word) -> u64 {
    (w.start_ms + w.end_ms) / 2
}

/// `t` with its text and segments made again from its words, after some were dropped: a segment
/// keeps the words whose middle falls in it, and goes when none does.
fn rebuilt(t: Transcript) -> Transcript {
    let join = |words: &[&Word]| {
        words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let segments = t
        .segments
        .into_iter()
        .filter_map(|mut seg| {
            let inside: Vec<&Word> = t
                .words
                .iter()
                .filter(|w| (seg.start_ms..seg.end_ms.max(seg.start_ms + 1)).contains(&middle(w)))
                .collect();
            let (first, last) = (inside.first()?, inside.last()?);
            seg.start_ms = first.start_ms;
            seg.end_ms = seg.end_ms.max(last.end_ms);
            seg.text = join(&inside);
            Some(seg)
        })
        .collect();
    Transcript {
        text: join(&t.words.iter().collect::<Vec<_>>()),
        segments,
        words: t.words,
        timed: t.timed,
    }
}

/// Whether the answer in `samples` holds no speech after sample `from` worth decoding: less
/// than 200 ms of voice there, as the voice detector hears the whole answer (a short stretch
/// judged on its own has no pause to tell its noise floor from).
pub fn silent_after(samples: &[f32], from: usize) -> bool {
    let from_ms = samples_to_ms(from);
    let voiced: u64 = vad::speech_spans(samples, &vad::VadParams::default())
        .iter()
        .map(|s| s.end_ms.saturating_sub(s.start_ms.max(from_ms)))
        .sum();
    voiced < MIN_TAIL_VOICE_MS
}

/// Whether the decode `t` of a tail heard any of the tail's own words, those from `keep_ms` on.
/// A tail has little context, and tiny.en now and then makes up words for a few seconds of fast
/// speech it is given with little before them, placing them all in the context and dropping the
/// tail's own ("I don't know what you should know" for the last sentence of an answer in testing).
/// Only tails with voice in them are decoded ([`silent_after`]), so one that keeps no word lost it.
pub fn heard_tail(t: &Transcript, keep_ms: u64) -> bool {
    t.words.iter().any(|w| middle(w) >= keep_ms)
}

/// Voice a tail needs, in milliseconds, to be decoded.
const MIN_TAIL_VOICE_MS: u64 = 200;

/// Decodes one stretch of samples, given their offset in milliseconds and where the words kept
/// start (the context before is dropped), in milliseconds too.
pub type DecodeFn<'a> =
    dyn FnMut(&[f32], u64, u64) -> Result<Transcript, super::TranscribeError> + 'a;

/// Transcribes a whole recording piece by piece, as a live session of it would have: `decode`
/// turns one stretch (its samples and their offset) into a transcript, and `progress` hears how
/// many milliseconds are done after each.
pub fn transcribe_whole(
    samples: &[f32],
    offset_ms: u64,
    decode: &mut DecodeFn<'_>,
    progress: &dyn Fn(u64),
) -> Result<Transcript, super::TranscribeError> {
    let mut cuts = Cuts::default();
    cuts.update(samples);
    let ending = cuts.ending(samples.len());
    let mut parts = Vec::with_capacity(ending.pieces.len());
    for piece in ending.pieces {
        if piece.tail && silent_after(samples, piece.keep_from) {
            break;
        }
        tracing::debug!(
            start_ms = samples_to_ms(piece.start),
            keep_from_ms = samples_to_ms(piece.keep_from),
            end_ms = samples_to_ms(piece.end),
            "a piece of the recording"
        );
        let keep_from_ms = offset_ms + samples_to_ms(piece.keep_from);
        let mut t = decode(
            &samples[piece.start..piece.end],
            offset_ms + samples_to_ms(piece.start),
            keep_from_ms,
        )?;
        tracing::trace!(heard = t.text, "the piece decoded");
        if let Some(longer) = cuts.tail_again(piece, &t, offset_ms) {
            t = decode(
                &samples[longer.start..longer.end],
                offset_ms + samples_to_ms(longer.start),
                keep_from_ms,
            )?;
        }
        let t = keep_after(t, keep_from_ms);
        let t = seam(parts.last(), t);
        tracing::trace!(kept = t.text, "the piece's words kept");
        parts.push(t);
        progress(samples_to_ms(piece.end));
    }
    Ok(super::incremental::join(&parts))
}

#[cfg(test)]
mod tests;
