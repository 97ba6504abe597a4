//! A transcription server's reply, read leniently, and turned into the segments and tokens the
//! local engine produces, so both go through the same cleaning and timing.
//!
//! Servers that call themselves OpenAI-compatible differ in what they send back for
//! `response_format=verbose_json`:
//!
//! - OpenAI: `text`, `duration`, `segments[]`, and `words[{word, start, end}]` at the top level
//!   when word timestamps were asked for.
//! - speaches (faster-whisper): the same, with `usage: null`, words with a leading space and a
//!   `probability`; some releases send `words: null`.
//! - whisper.cpp's server: per-token `words` inside each segment (a token that starts a word has a
//!   leading space; special tokens such as `[_BEG_]` are among them), DTW times in `t_dtw` when it
//!   runs with `--dtw`, and the language by name.
//! - vLLM: `duration` as a string, segment times only, no `words`.
//!
//! So every field is optional, numbers may come as strings, and `null` means absent. Times are in
//! seconds from the start of the uploaded audio.

use serde::{Deserialize, Deserializer};

use super::super::Timing;
use super::super::whisper::RawSegment;
use super::super::words::RawToken;
use crate::audio::vad::Span;

/// The reply, as far as rehearse reads it.
#[derive(Debug, Default, Deserialize)]
pub struct Reply {
    /// The whole text.
    #[serde(default, deserialize_with = "text")]
    pub text: Option<String>,
    /// The audio's length in seconds, as the server measured it.
    #[serde(default, deserialize_with = "seconds")]
    pub duration: Option<f64>,
    /// Segments with their times.
    #[serde(default, deserialize_with = "list")]
    pub segments: Vec<ReplySegment>,
    /// Words with their times, when the server gives them at the top level.
    #[serde(default, deserialize_with = "list")]
    pub words: Vec<ReplyWord>,
}

/// One segment of a reply.
#[derive(Debug, Default, Deserialize)]
pub struct ReplySegment {
    /// Start in seconds.
    #[serde(default, deserialize_with = "seconds")]
    pub start: Option<f64>,
    /// End in seconds.
    #[serde(default, deserialize_with = "seconds")]
    pub end: Option<f64>,
    /// The segment's text.
    #[serde(default, deserialize_with = "text")]
    pub text: Option<String>,
    /// The probability that the segment holds no speech.
    #[serde(default, deserialize_with = "seconds")]
    pub no_speech_prob: Option<f64>,
    /// The mean log probability of its tokens.
    #[serde(default, deserialize_with = "seconds")]
    pub avg_logprob: Option<f64>,
    /// Its words or tokens (whisper.cpp's server).
    #[serde(default, deserialize_with = "list")]
    pub words: Vec<ReplyWord>,
}

/// One word (or, from whisper.cpp's server, one token) of a reply.
#[derive(Debug, Default, Deserialize)]
pub struct ReplyWord {
    /// Its text; a leading space marks the start of a word where tokens are sent.
    #[serde(default, alias = "text", deserialize_with = "text")]
    pub word: Option<String>,
    /// Start in seconds.
    #[serde(default, deserialize_with = "seconds")]
    pub start: Option<f64>,
    /// End in seconds.
    #[serde(default, deserialize_with = "seconds")]
    pub end: Option<f64>,
    /// Its probability, 0 to 1.
    #[serde(default, alias = "p", deserialize_with = "seconds")]
    pub probability: Option<f64>,
    /// whisper.cpp's DTW time, in hundredths of a second; negative when DTW did not run.
    #[serde(default, deserialize_with = "seconds")]
    pub t_dtw: Option<f64>,
}

/// What a reply becomes: segments in the local engine's shape, and how their words are timed.
#[derive(Debug)]
pub struct Converted {
    /// Segments with tokens, in absolute time.
    pub segments: Vec<RawSegment>,
    /// `Words` when the server timed words; `Approximate` when only segments (or nothing) were
    /// timed and the words were spread over their segment's voiced audio.
    pub timing: Timing,
}

impl Reply {
    /// Whether the reply says anything a transcription reply would: a text, segments or words.
    /// A JSON reply with none of them (an error page that parsed, a different API) is not one.
    pub fn is_transcription(&self) -> bool {
        self.text.is_some() || !self.segments.is_empty() || !self.words.is_empty()
    }

    /// The reply as segments of tokens at `offset_ms`, for audio `len_ms` long whose voiced parts
    /// (relative to its start) are `spans`.
    pub fn convert(self, offset_ms: u64, len_ms: u64, spans: &[Span]) -> Converted {
        let at = |s: Option<f64>| offset_ms + secs_to_ms(s.unwrap_or(0.0)).min(len_ms);
        let mut segments = self.segments;
        if segments.is_empty() {
            // Words alone, or a text alone: one segment over the whole upload.
            segments.push(ReplySegment {
                start: Some(0.0),
                end: Some(len_ms as f64 / 1000.0),
                text: self.text.clone(),
                ..ReplySegment::default()
            });
        }
        let mut top_words = self.words.into_iter().peekable();
        let has_top_words = top_words.peek().is_some();
        let mut out = Vec::with_capacity(segments.len());
        let mut timing = Timing::Words;
        let count = segments.len();
        for (i, seg) in segments.into_iter().enumerate() {
            let start_ms = at(seg.start);
            let end_ms = at(seg.end).max(start_ms);
            let confidence = seg.avg_logprob.map_or(1.0, |l| l.exp().clamp(0.0, 1.0)) as f32;
            // Top-level words go to the segment they start in; the last segment takes the rest.
            let own: Vec<ReplyWord> = if has_top_words {
                let mut own = Vec::new();
                while let Some(w) = top_words.next_if(|w| i + 1 == count || at(w.start) < end_ms) {
                    own.push(w);
                }
                own
            } else {
                seg.words
            };
            let text = seg.text.unwrap_or_default();
            let tokens = if own.is_empty() {
                timing = Timing::Approximate;
                spread(&text, start_ms, end_ms, offset_ms, spans, confidence)
            } else {
                tokens(own, &at, confidence)
            };
            // A segment's own times can collapse (whisper.cpp's token times did, to the end of the
            // audio, after a prompt) while its DTW times stay right: the segment covers its words.
            let start_ms = tokens
                .iter()
                .map(RawToken::start_ms)
                .fold(start_ms, u64::min);
            let end_ms = tokens.iter().map(RawToken::end_ms).fold(end_ms, u64::max);
            out.push(RawSegment {
                text: text.trim().to_string(),
                start_ms,
                end_ms,
                no_speech_prob: seg.no_speech_prob.unwrap_or(0.0) as f32,
                tokens,
            });
        }
        // A segment list whose texts are empty, beside words: the words make the text.
        for seg in &mut out {
            if seg.text.is_empty() {
                let joined: Vec<u8> = seg.tokens.iter().flat_map(|t| t.text.clone()).collect();
                seg.text = String::from_utf8_lossy(&joined).trim().to_string();
            }
        }
        Converted {
            segments: out,
            timing,
        }
    }
}

/// Tokens from a server's timed words or tokens. When no entry starts with a space, each entry is
/// a whole word (OpenAI's words); otherwise a leading space opens a word, as with Whisper's own
/// tokens. Special tokens (`[_BEG_]`, `<|endoftext|>`) are dropped.
fn tokens(
    words: Vec<ReplyWord>,
    at: &dyn Fn(Option<f64>) -> u64,
    confidence: f32,
) -> Vec<RawToken> {
    let spaced = words
        .iter()
        .any(|w| w.word.as_deref().is_some_and(|t| t.starts_with(' ')));
    words
        .into_iter()
        .filter_map(|w| {
            let text = w.word?;
            let bare = text.trim();
            if bare.is_empty() || bare.starts_with("[_") || bare.starts_with("<|") {
                return None;
            }
            let text = if spaced { text } else { format!(" {bare}") };
            let t0_ms = at(w.start);
            let t1_ms = at(w.end).max(t0_ms);
            Some(RawToken {
                text: text.into_bytes(),
                prob: w.probability.map_or(confidence, |p| p as f32),
                t0_ms,
                t1_ms,
                dtw_ms: w.t_dtw.filter(|t| *t >= 0.0).map(|t| at(Some(t / 100.0))),
            })
        })
        .collect()
}

/// Tokens for a segment whose words have no times: each word gets a share of the segment's voiced
/// audio in proportion to its length, so a word falls where speech was heard rather than in a
/// pause. With no voiced audio under the segment, the whole segment is shared out.
fn spread(
    text: &str,
    start_ms: u64,
    end_ms: u64,
    offset_ms: u64,
    spans: &[Span],
    confidence: f32,
) -> Vec<RawToken> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut voiced: Vec<(u64, u64)> = spans
        .iter()
        .map(|s| {
            (
                (s.start_ms + offset_ms).max(start_ms),
                (s.end_ms + offset_ms).min(end_ms),
            )
        })
        .filter(|(a, b)| b > a)
        .collect();
    if voiced.is_empty() {
        voiced.push((start_ms, end_ms));
    }
    let total: u64 = voiced.iter().map(|(a, b)| b - a).sum();
    let weights: Vec<u64> = words.iter().map(|w| w.chars().count() as u64 + 1).collect();
    let weight_sum: u64 = weights.iter().sum();
    // Maps a position along the voiced audio (0..=total) to a time in the recording.
    let time_at = |pos: u64| {
        let mut left = pos;
        for &(a, b) in &voiced {
            if left <= b - a {
                return a + left;
            }
            left -= b - a;
        }
        voiced.last().map_or(end_ms, |v| v.1)
    };
    let mut before = 0;
    words
        .iter()
        .zip(&weights)
        .map(|(w, weight)| {
            let t0 = time_at(total * before / weight_sum);
            before += weight;
            let t1 = time_at(total * before / weight_sum);
            RawToken {
                text: format!(" {w}").into_bytes(),
                prob: confidence,
                t0_ms: t0,
                t1_ms: t1.max(t0),
                dtw_ms: None,
            }
        })
        .collect()
}

fn secs_to_ms(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        (s * 1000.0).round() as u64
    } else {
        0
    }
}

/// A number, a number written as a string (vLLM's `duration`), or nothing (`null`, or a value
/// that is neither).
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A string, or nothing for `null` or anything else.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// A list whose items each parse, or an empty one for `null`; items that do not parse are left
/// out rather than failing the whole reply.
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests;
