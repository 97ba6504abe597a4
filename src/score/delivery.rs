//! Delivery figures: how long, how fast, how many pauses, how quickly the speaker got going.
//!
//! Rates follow the usual speech-science definitions. The speaking rate counts words over the whole
//! answer, from the first word's start to the last word's end, pauses included; the articulation rate
//! counts the same words over that time less every pause of 250 ms or more (the conventional lower
//! bound of a perceived silent pause), so it says how fast the person talks when they are talking.
//! Pauses come from the audio's voice activity where we have it: Whisper's word times are good at
//! word ends but unreliable at the edges of silences.

use serde::{Deserialize, Serialize};

use crate::audio::vad::Span;
use crate::transcribe::Transcript;

/// Silences at least this long count against the articulation rate.
pub const ARTICULATION_PAUSE_MS: u64 = 250;
/// Silences at least this long are reported one by one: long enough for a listener to notice.
pub const LONG_PAUSE_MS: u64 = 2_000;

/// A silence inside the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Where the silence starts, in ms from the start of the recording.
    pub start_ms: u64,
    /// Where it ends.
    pub end_ms: u64,
}

impl Pause {
    /// Its length in ms.
    pub fn duration_ms(&self) -> u64 {
        self.end_ms - self.start_ms
    }
}

/// The figures `rehearse score` prints. A figure is `None` when the input cannot support it (a text
/// transcript has no timings); nothing is invented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Length of the recording.
    pub duration_ms: Option<u64>,
    /// Words spoken.
    pub words: usize,
    /// From the first word's start to the last word's end.
    pub speaking_ms: Option<u64>,
    /// Words per minute over `speaking_ms`, one decimal.
    pub speaking_rate_wpm: Option<f64>,
    /// Words per minute over `speaking_ms` less pauses of 250 ms or more, one decimal.
    pub articulation_rate_wpm: Option<f64>,
    /// Total of the pauses of 250 ms or more inside the answer.
    pub pause_ms: Option<u64>,
    /// From the start of the recording to the first word.
    pub time_to_first_word_ms: Option<u64>,
    /// Pauses of 2 s or more inside the answer, in order.
    pub long_pauses: Option<Vec<Pause>>,
}

/// Measures a transcript. `duration_ms` is the recording's length and `voiced` its voice activity,
/// both `None` for a text transcript.
pub fn measure(t: &Transcript, duration_ms: Option<u64>, voiced: Option<&[Span]>) -> Delivery {
    let words = t.word_count();
    let timed = t.timed.has_times() && !t.words.is_empty();
    if !timed {
        return Delivery {
            duration_ms,
            words,
            speaking_ms: None,
            speaking_rate_wpm: None,
            articulation_rate_wpm: None,
            pause_ms: None,
            time_to_first_word_ms: None,
            long_pauses: None,
        };
    }
    let first = t.words.first().map_or(0, |w| w.start_ms);
    let last = t.words.last().map_or(0, |w| w.end_ms).max(first);
    let pauses = match voiced {
        Some(spans) => pauses_from_audio(spans, first, last),
        None => pauses_from_words(t),
    };
    let pause_ms = pauses
        .iter()
        .map(Pause::duration_ms)
        .fold(0u64, u64::saturating_add);
    let speaking_ms = last - first;
    Delivery {
        duration_ms,
        words,
        speaking_ms: Some(speaking_ms),
        speaking_rate_wpm: rate(words, speaking_ms),
        articulation_rate_wpm: rate(words, speaking_ms.saturating_sub(pause_ms)),
        pause_ms: Some(pause_ms),
        time_to_first_word_ms: Some(first),
        long_pauses: Some(
            pauses
                .into_iter()
                .filter(|p| p.duration_ms() >= LONG_PAUSE_MS)
                .collect(),
        ),
    }
}

/// Silences of at least [`ARTICULATION_PAUSE_MS`] between voiced spans, clipped to the answer.
fn pauses_from_audio(spans: &[Span], first: u64, last: u64) -> Vec<Pause> {
    spans
        .windows(2)
        .map(|w| Pause {
            start_ms: w[0].end_ms.max(first),
            end_ms: w[1].start_ms.min(last),
        })
        .filter(|p| p.end_ms > p.start_ms && p.duration_ms() >= ARTICULATION_PAUSE_MS)
        .collect()
}

/// Gaps between consecutive words, for transcripts timed without audio.
fn pauses_from_words(t: &Transcript) -> Vec<Pause> {
    t.words
        .windows(2)
        .map(|w| Pause {
            start_ms: w[0].end_ms,
            end_ms: w[1].start_ms.max(w[0].end_ms),
        })
        .filter(|p| p.duration_ms() >= ARTICULATION_PAUSE_MS)
        .collect()
}

/// Words per minute, rounded to one decimal so output is stable; `None` over no time.
fn rate(words: usize, ms: u64) -> Option<f64> {
    (ms > 0).then(|| (words as f64 * 60_000.0 / ms as f64 * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::Word;

    fn timed(words: &[(u64, u64)]) -> Transcript {
        Transcript {
            text: String::new(),
            words: words
                .iter()
                .enumerate()
                .map(|(i, &(s, e))| Word {
                    text: format!("w{i}"),
                    start_ms: s,
                    end_ms: e,
                    confidence: 1.0,
                })
                .collect(),
            segments: vec![],
            timed: crate::transcribe::Timing::Words,
        }
    }

    #[test]
    fn text_transcripts_report_timing_as_unknown() {
        let d = measure(&Transcript::from_text("we rolled back first"), None, None);
        assert_eq!(d.words, 4);
        assert_eq!(d.speaking_rate_wpm, None);
        assert_eq!(d.long_pauses, None);
        assert_eq!(d.time_to_first_word_ms, None);
    }

    #[test]
    fn rates_exclude_pauses_only_for_articulation() {
        // Ten words from 1 s to 31 s, with a 3 s and a 200 ms silence in the audio.
        let words: Vec<(u64, u64)> = (0..10)
            .map(|i| (1000 + i * 3000, 3000 + i * 3000))
            .collect();
        let t = timed(&words);
        let spans = [
            Span {
                start_ms: 1000,
                end_ms: 10_000,
            },
            Span {
                start_ms: 13_000,
                end_ms: 20_000,
            },
            Span {
                start_ms: 20_200,
                end_ms: 30_000,
            },
        ];
        let d = measure(&t, Some(32_000), Some(&spans));
        assert_eq!(d.speaking_ms, Some(29_000));
        assert_eq!(d.speaking_rate_wpm, Some(20.7));
        assert_eq!(d.pause_ms, Some(3000));
        assert_eq!(d.articulation_rate_wpm, Some(23.1));
        assert_eq!(d.time_to_first_word_ms, Some(1000));
        assert_eq!(
            d.long_pauses,
            Some(vec![Pause {
                start_ms: 10_000,
                end_ms: 13_000
            }])
        );
    }

    #[test]
    fn silences_before_and_after_the_answer_are_not_pauses() {
        let t = timed(&[(5000, 6000), (6000, 7000)]);
        let spans = [Span {
            start_ms: 5000,
            end_ms: 7000,
        }];
        let d = measure(&t, Some(20_000), Some(&spans));
        assert_eq!(d.pause_ms, Some(0));
        assert_eq!(d.long_pauses, Some(vec![]));
    }
}
