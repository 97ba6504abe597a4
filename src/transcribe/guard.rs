//! Guards against Whisper's known failure modes: text invented on silence, windows that drop the
//! middle of a long answer, and non-speech annotations.
//!
//! Whisper's own long-form loop seeks from window to window using timestamps it predicts itself; when
//! a prediction goes wrong it can skip a stretch of speech or fall into a repetition loop. We instead
//! cut the recording at pauses the audio itself shows (voice activity), so every stretch of speech is
//! decoded exactly once and silence is never decoded at all. What Whisper still returns is checked
//! against the voiced audio: text over silence ("Thank you." is the classic) is dropped.

use super::whisper::RawSegment;
use super::words::RawToken;
use crate::audio::{ms_to_samples, samples_to_ms, vad::Span};

/// The longest chunk we hand Whisper, in milliseconds: under its 30-second window with room for the
/// padding on each side.
pub const MAX_CHUNK_MS: u64 = 28_000;
/// Audio kept before the first and after the last voiced frame of a chunk, so that soft onsets and
/// trailing consonants the voice detector missed still reach the decoder.
const PAD_MS: u64 = 300;
/// A segment that overlaps less voiced audio than this is treated as invented.
const MIN_VOICED_OVERLAP_MS: u64 = 150;
/// Above this no-speech probability, a segment needs clearly voiced audio under it to be kept.
const NO_SPEECH_LIMIT: f32 = 0.6;
/// A suspicious segment (stock phrase or high no-speech probability) is kept only over this much voice.
const SUSPICIOUS_MIN_VOICED_MS: u64 = 600;

/// A range of sample indices to decode as one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

/// Groups the voiced spans of a recording of `len` samples into chunks of at most
/// [`MAX_CHUNK_MS`], cutting in the middle of pauses. A single voiced span longer than that is cut
/// at fixed points, which only happens with speech that never pauses for 28 seconds.
pub fn chunks(len: usize, spans: &[Span]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let Some(first) = spans.first() else {
        return out;
    };
    let mut start_ms = first.start_ms.saturating_sub(PAD_MS);
    let mut last_end_ms = first.end_ms;
    for pair in spans.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        if next.end_ms + PAD_MS - start_ms > MAX_CHUNK_MS {
            let cut = prev.end_ms + (next.start_ms - prev.end_ms) / 2;
            let cut = cut.min(prev.end_ms + PAD_MS);
            push_split(&mut out, start_ms, cut, len);
            start_ms = next.start_ms.saturating_sub(PAD_MS).max(cut);
        }
        last_end_ms = next.end_ms;
    }
    push_split(&mut out, start_ms, last_end_ms + PAD_MS, len);
    out
}

/// Pushes `[start_ms, end_ms)` as one or more chunks no longer than the maximum.
fn push_split(out: &mut Vec<Chunk>, start_ms: u64, end_ms: u64, len: usize) {
    let mut s = start_ms;
    while s < end_ms {
        let e = (s + MAX_CHUNK_MS).min(end_ms);
        let chunk = Chunk {
            start: ms_to_samples(s).min(len),
            end: ms_to_samples(e).min(len),
        };
        if chunk.end > chunk.start {
            out.push(chunk);
        }
        s = e;
    }
}

/// Voiced audio at least this long after the last recognised word means Whisper stopped early.
const MIN_SKIPPED_VOICE_MS: u64 = 700;
/// Whisper stops early after a long pause, so a retry needs at least this much silence between the
/// last recognised word and the next voice. A shorter gap is a word-end estimate that came out a
/// little early, and decoding from there again would transcribe the same words twice.
const MIN_SKIP_GAP_MS: u64 = 1_000;

/// Where the last kept word ends, in absolute ms: the DTW time of its last token when DTW ran.
pub fn last_word_end(segments: &[RawSegment]) -> Option<u64> {
    segments
        .iter()
        .flat_map(|s| s.tokens.iter())
        .map(RawToken::end_ms)
        .max()
}

/// Where the first kept word starts, in absolute ms: the DTW time of its first token when DTW ran.
pub fn first_word_start(segments: &[RawSegment]) -> Option<u64> {
    segments
        .iter()
        .flat_map(|s| s.tokens.iter())
        .map(RawToken::start_ms)
        .min()
}

/// Voice at least this long before the first recognised word, or between two of them, means
/// Whisper skipped speech there.
const MIN_SKIPPED_SPEECH_MS: u64 = 1_500;

/// The start of `chunk` that Whisper skipped, if it holds speech: tiny.en, given a stretch that
/// starts mid-sentence, now and then begins its transcript seconds in (eight seconds of a flite
/// voice in testing). `first_ms` is where the first recognised word starts, relative to the
/// recording like `spans`; the head ends there. Only speech from `keep_from` (a sample index)
/// counts: what comes before is context whose words are dropped anyway, and decoding it again
/// would only make the words kept wait.
pub fn skipped_head(
    chunk: Chunk,
    first_ms: u64,
    spans: &[Span],
    keep_from: usize,
) -> Option<Chunk> {
    let head = Chunk {
        start: chunk.start,
        end: ms_to_samples(first_ms).min(chunk.end),
    };
    (head.end > head.start && voiced_in(spans, from(head, keep_from)) >= MIN_SKIPPED_SPEECH_MS)
        .then_some(head)
}

/// The part of `chunk` from the sample `keep_from` on (empty when it ends before).
fn from(chunk: Chunk, keep_from: usize) -> Chunk {
    Chunk {
        start: chunk.start.max(keep_from).min(chunk.end),
        end: chunk.end,
    }
}

/// Where Whisper jumped ahead in the middle of `chunk`, skipping at least 1.5 s of voice between
/// two recognised words (tiny.en does, now and then, on a stretch that starts mid-sentence): the
/// words after the jump are dropped from `segments`, and the rest of the chunk from the end of
/// the last word kept is returned, to decode again. The words' times are absolute (`offset_ms`);
/// `spans`, the chunks and `keep_from` are relative to the recording. As with [`skipped_head`],
/// only voice skipped from `keep_from` on counts.
pub fn cut_at_skip(
    segments: &mut Vec<RawSegment>,
    chunk: Chunk,
    offset_ms: u64,
    spans: &[Span],
    keep_from: usize,
) -> Option<Chunk> {
    let mut prev_end: Option<u64> = None;
    let mut cut = None;
    'find: for (i, seg) in segments.iter().enumerate() {
        for (j, t) in seg.tokens.iter().enumerate() {
            let start = t.start_ms().saturating_sub(offset_ms);
            if let Some(end) = prev_end
                && start > end
            {
                let gap = Chunk {
                    start: ms_to_samples(end),
                    end: ms_to_samples(start),
                };
                if voiced_in(spans, from(gap, keep_from)) >= MIN_SKIPPED_SPEECH_MS {
                    cut = Some((i, j, end));
                    break 'find;
                }
            }
            let end = t.end_ms().saturating_sub(offset_ms);
            prev_end = Some(prev_end.map_or(end, |p| p.max(end)));
        }
    }
    let (i, j, end_ms) = cut?;
    let rest = Chunk {
        start: ms_to_samples(end_ms).max(chunk.start + 1),
        end: chunk.end,
    };
    if rest.start >= rest.end {
        return None;
    }
    segments.truncate(i + 1);
    segments[i].tokens.truncate(j);
    if segments[i].tokens.is_empty() {
        segments.pop();
    }
    Some(rest)
}

/// The rest of `chunk` that Whisper left undecoded, if it holds speech: Whisper's decoder may emit
/// its end-of-text token after a long pause although more speech follows in the same window.
/// `covered_ms` is where the last recognised word ends, relative to the recording like `spans`.
/// The rest starts at the first voiced span after that point, so each retry moves forward.
pub fn uncovered_rest(chunk: Chunk, covered_ms: u64, spans: &[Span]) -> Option<Chunk> {
    let chunk_end_ms = samples_to_ms(chunk.end);
    // Where the voice around the last recognised word really stops: the word-end estimate can
    // fall short of it, and only silence after this point counts as the pause Whisper stopped at.
    let voice_end = spans
        .iter()
        .filter(|s| s.start_ms <= covered_ms)
        .map(|s| s.end_ms)
        .max()
        .unwrap_or(covered_ms)
        .max(covered_ms);
    let next = spans.iter().find(|s| {
        s.start_ms >= voice_end + MIN_SKIP_GAP_MS
            && s.start_ms < chunk_end_ms
            && voiced_after(spans, s.start_ms, chunk_end_ms) >= MIN_SKIPPED_VOICE_MS
    })?;
    let start =
        ms_to_samples(next.start_ms.saturating_sub(PAD_MS).max(covered_ms)).max(chunk.start + 1);
    (start < chunk.end).then_some(Chunk {
        start,
        end: chunk.end,
    })
}

/// Milliseconds of voice in `spans` within `chunk`.
pub fn voiced_in(spans: &[Span], chunk: Chunk) -> u64 {
    voiced_after(spans, samples_to_ms(chunk.start), samples_to_ms(chunk.end))
}

/// Milliseconds of voice in `spans` between `from_ms` and `to_ms`.
fn voiced_after(spans: &[Span], from_ms: u64, to_ms: u64) -> u64 {
    spans
        .iter()
        .map(|s| s.end_ms.min(to_ms).saturating_sub(s.start_ms.max(from_ms)))
        .sum()
}

/// Drops what Whisper invented: segments over silence, annotations such as `[BLANK_AUDIO]`, and the
/// stock phrases it produces on near-silence when the window holds little voice.
pub fn keep_real_speech(raw: Vec<RawSegment>, spans: &[Span], offset_ms: u64) -> Vec<RawSegment> {
    raw.into_iter()
        .filter_map(|mut seg| {
            seg.tokens
                .retain(|t| !is_annotation(&String::from_utf8_lossy(&t.text)));
            seg.text = strip_annotations(&seg.text);
            let voiced = voiced_overlap(&seg, spans, offset_ms);
            let suspicious = seg.no_speech_prob > NO_SPEECH_LIMIT || is_stock_phrase(&seg.text);
            let keep = !seg.text.is_empty()
                && voiced >= MIN_VOICED_OVERLAP_MS
                && !(suspicious && voiced < SUSPICIOUS_MIN_VOICED_MS);
            keep.then_some(seg)
        })
        .collect()
}

/// Milliseconds of voiced audio under a segment. Spans are relative to the recording handed to the
/// transcriber; segment times are absolute, so `offset_ms` is added to the spans.
fn voiced_overlap(seg: &RawSegment, spans: &[Span], offset_ms: u64) -> u64 {
    spans
        .iter()
        .map(|s| {
            let a = (s.start_ms + offset_ms).max(seg.start_ms);
            let b = (s.end_ms + offset_ms).min(seg.end_ms);
            b.saturating_sub(a)
        })
        .sum()
}

/// Whisper's bracketed or starred non-speech notes: `[BLANK_AUDIO]`, `(music)`, `*laughs*`, `♪`.
fn is_annotation(token: &str) -> bool {
    let t = token.trim();
    t.starts_with('[') && t.ends_with(']') && t.len() > 2 || t.contains('♪')
}

/// Removes bracketed notes from a segment's text and tidies the spaces left behind.
pub fn strip_annotations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' if depth > 0 => depth -= 1,
            '♪' | '*' => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The phrases Whisper is known to produce on silence or noise, learned from subtitle credits.
fn is_stock_phrase(text: &str) -> bool {
    const STOCK: [&str; 8] = [
        "thank you",
        "thanks for watching",
        "thank you for watching",
        "you",
        "bye",
        "thank you very much",
        "subtitles by",
        "please subscribe",
    ];
    let t: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    let t = t.trim();
    STOCK.contains(&t) || t.starts_with("subtitles by")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a: u64, b: u64) -> Span {
        Span {
            start_ms: a,
            end_ms: b,
        }
    }

    #[test]
    fn no_speech_means_no_chunks() {
        assert!(chunks(16_000 * 10, &[]).is_empty());
    }

    #[test]
    fn short_answer_is_one_padded_chunk() {
        let c = chunks(16_000 * 10, &[span(1000, 4000), span(4500, 8000)]);
        assert_eq!(
            c,
            vec![Chunk {
                start: 700 * 16,
                end: 8300 * 16
            }]
        );
    }

    #[test]
    fn long_answer_is_cut_in_pauses_and_covers_all_speech() {
        // Ten-second phrases with one-second pauses, for two minutes.
        let spans: Vec<Span> = (0..11)
            .map(|i| span(i * 11_000, i * 11_000 + 10_000))
            .collect();
        let c = chunks(16_000 * 125, &spans);
        assert!(c.len() >= 5);
        for ch in &c {
            assert!(ch.end - ch.start <= ms_to_samples(MAX_CHUNK_MS));
        }
        for s in &spans {
            let (a, b) = (ms_to_samples(s.start_ms), ms_to_samples(s.end_ms));
            assert!(
                c.iter().any(|ch| ch.start <= a && b <= ch.end),
                "{s:?} split or dropped"
            );
        }
        for w in c.windows(2) {
            assert!(w[0].end <= w[1].start, "chunks overlap");
        }
    }

    #[test]
    fn speech_without_pauses_is_cut_at_the_limit_and_nothing_is_lost() {
        let c = chunks(16_000 * 70, &[span(0, 70_000)]);
        assert_eq!(c.first().unwrap().start, 0);
        assert_eq!(c.last().unwrap().end, 16_000 * 70);
        for w in c.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
    }

    #[test]
    fn speech_after_where_whisper_stopped_is_decoded_again() {
        let chunk = Chunk {
            start: 0,
            end: 16_000 * 10,
        };
        let spans = [span(1500, 3900), span(7200, 9200)];
        let rest = uncovered_rest(chunk, 3900, &spans).unwrap();
        assert_eq!(
            rest,
            Chunk {
                start: 6900 * 16,
                end: chunk.end
            }
        );
        assert_eq!(
            uncovered_rest(chunk, 9200, &spans),
            None,
            "everything was covered"
        );
        assert_eq!(
            uncovered_rest(chunk, 9100, &spans),
            None,
            "a word end inside the last span"
        );
    }

    /// A segment of one-token words, each `(start, end)` in absolute ms.
    fn said(times: &[(u64, u64)]) -> RawSegment {
        RawSegment {
            text: String::new(),
            start_ms: times[0].0,
            end_ms: times[times.len() - 1].1,
            no_speech_prob: 0.0,
            tokens: times
                .iter()
                .map(|&(a, b)| crate::transcribe::words::RawToken {
                    text: b" word".to_vec(),
                    prob: 0.9,
                    t0_ms: a,
                    t1_ms: b,
                    dtw_ms: None,
                })
                .collect(),
        }
    }

    #[test]
    fn speech_before_the_first_word_is_a_skipped_start() {
        let chunk = Chunk {
            start: 0,
            end: 16_000 * 12,
        };
        let spans = [span(300, 11_500)];
        // At an offset of 5 s: the first word at 9 s absolute is 4 s into the chunk.
        let words = [said(&[(9_000, 9_400), (9_500, 9_900)])];
        let first = first_word_start(&words).unwrap() - 5_000;
        assert_eq!(
            skipped_head(chunk, first, &spans, 0),
            Some(Chunk {
                start: 0,
                end: 4_000 * 16
            })
        );
        // A first word half a second after the voice starts is no skip.
        assert_eq!(skipped_head(chunk, 800, &spans, 0), None);
        // Nor is silence before the first word.
        assert_eq!(skipped_head(chunk, 4_000, &[span(3_900, 11_500)], 0), None);
        // Nor speech in the context before the words kept: from 3 s on, only 1 s is skipped.
        assert_eq!(skipped_head(chunk, first, &spans, 3_000 * 16), None);
        // But 1.5 s of it from 2.5 s on is, and the head is decoded whole.
        assert_eq!(
            skipped_head(chunk, first, &spans, 2_500 * 16),
            Some(Chunk {
                start: 0,
                end: 4_000 * 16
            })
        );
    }

    #[test]
    fn a_jump_over_speech_cuts_the_words_after_it_and_decodes_the_rest_again() {
        let chunk = Chunk {
            start: 0,
            end: 16_000 * 20,
        };
        let spans = [span(0, 19_800)];
        let mut words = vec![
            said(&[(0, 400), (500, 900)]),
            // Five seconds of voice go by unheard between 1.3 s and 6.3 s.
            said(&[(1_000, 1_300), (6_300, 6_700)]),
            said(&[(6_800, 7_200)]),
        ];
        // A jump within the context before the words kept (from 6 s on) is left alone.
        let mut before = words.clone();
        assert_eq!(cut_at_skip(&mut before, chunk, 0, &spans, 6_000 * 16), None);
        assert_eq!(before[1].tokens.len(), 2);
        let rest = cut_at_skip(&mut words, chunk, 0, &spans, 4_000 * 16).unwrap();
        assert_eq!(
            rest,
            Chunk {
                start: 1_300 * 16,
                end: chunk.end
            }
        );
        assert_eq!(words.len(), 2);
        assert_eq!(
            words[1].tokens.len(),
            1,
            "the words from the jump on are gone"
        );
        // Words close together, or apart over silence, are left alone.
        let mut close = vec![said(&[(0, 400), (500, 900), (1_000, 1_300)])];
        assert_eq!(cut_at_skip(&mut close, chunk, 0, &spans, 0), None);
        let mut paused = vec![said(&[(0, 400), (6_300, 6_700)])];
        assert_eq!(
            cut_at_skip(
                &mut paused,
                chunk,
                0,
                &[span(0, 500), span(6_200, 7_000)],
                0
            ),
            None
        );
        assert_eq!(paused[0].tokens.len(), 2);
    }

    #[test]
    fn annotations_are_removed() {
        assert_eq!(
            strip_annotations("[BLANK_AUDIO] so we rolled back (laughs)"),
            "so we rolled back"
        );
        assert!(is_annotation(" [BLANK_AUDIO]"));
        assert!(!is_annotation(" rollback"));
    }

    #[test]
    fn stock_phrases_are_recognised() {
        assert!(is_stock_phrase(" Thank you."));
        assert!(is_stock_phrase("Thanks for watching!"));
        assert!(!is_stock_phrase(
            "Thank you for the question, I would start with impact."
        ));
    }
}
