//! Words from Whisper's tokens, and word times made trustworthy with the audio's own pauses.
//!
//! Whisper's plain token timestamps collapse (many words stamped with the same time at the end of a
//! window); its DTW timestamps land near each word's end. So a word's end comes from DTW, and its start
//! is where the previous word ended, moved forward past any silence the voice detector found in
//! between. An end that falls inside a silence is pulled back to where the voice stopped.

use super::Word;
use crate::audio::vad::Span;

/// A text token as decoded, with absolute times.
#[derive(Debug, Clone)]
pub struct RawToken {
    /// The token's bytes; a word-initial token starts with a space. Bytes, not text, because
    /// byte-level BPE can split one character across tokens.
    pub text: Vec<u8>,
    /// The token's probability.
    pub prob: f32,
    /// Whisper's token start.
    pub t0_ms: u64,
    /// Whisper's token end.
    pub t1_ms: u64,
    /// The DTW alignment time, when DTW ran.
    pub dtw_ms: Option<u64>,
}

impl RawToken {
    /// When the token starts: its DTW time when DTW ran, else Whisper's start.
    pub fn start_ms(&self) -> u64 {
        self.dtw_ms.unwrap_or(self.t0_ms)
    }

    /// When the token ends: its DTW time when DTW ran, else Whisper's end.
    pub fn end_ms(&self) -> u64 {
        self.dtw_ms.unwrap_or(self.t1_ms)
    }
}

/// Joins tokens into words: a token that starts with a space opens a new word, any other token
/// (a word piece or punctuation) extends the current one.
pub fn from_tokens(tokens: &[RawToken]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Option<(Vec<u8>, Vec<&RawToken>)> = None;
    for tok in tokens {
        let opens = tok.text.first() == Some(&b' ') || current.is_none();
        if opens {
            if let Some((bytes, toks)) = current.take() {
                words.extend(finish(&bytes, &toks));
            }
            current = Some((Vec::new(), Vec::new()));
        }
        let (bytes, toks) = current.as_mut().expect("a word is open");
        bytes.extend_from_slice(&tok.text);
        toks.push(tok);
    }
    if let Some((bytes, toks)) = current {
        words.extend(finish(&bytes, &toks));
    }
    drop_repeated_tail(attach_punctuation(words))
}

/// The shortest run of words treated as a repetition loop when it repeats back to back.
const MIN_LOOP_WORDS: usize = 4;

/// Removes a repetition loop: Whisper's decoder can run past the end of the speech and write the
/// same words again ("... the on-call engineer. So, after that ... the on-call engineer."). A run of
/// four or more words said twice in a row at the end of a segment is almost never real speech, so
/// the copy goes. Shorter repeats ("I, I") are real restarts and stay.
fn drop_repeated_tail(mut words: Vec<Word>) -> Vec<Word> {
    let key = |w: &Word| {
        w.text
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "")
    };
    loop {
        let n = words.len();
        let repeated = (MIN_LOOP_WORDS..=n / 2)
            .find(|&k| (0..k).all(|i| key(&words[n - k + i]) == key(&words[n - 2 * k + i])));
        match repeated {
            Some(k) => words.truncate(n - k),
            None => return words,
        }
    }
}

/// A "word" of punctuation alone (Whisper's " -" or " ...") is not a word: it joins the word before
/// it, or goes when nothing comes before, so word counts and rates count only words.
fn attach_punctuation(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    for w in words {
        if w.text.chars().any(char::is_alphanumeric) {
            out.push(w);
        } else if let Some(prev) = out.last_mut() {
            prev.text.push_str(&w.text);
            prev.end_ms = prev.end_ms.max(w.end_ms);
        }
    }
    out
}

fn finish(bytes: &[u8], toks: &[&RawToken]) -> Option<Word> {
    let text = String::from_utf8_lossy(bytes).trim().to_string();
    if text.is_empty() {
        return None;
    }
    let first = toks.first()?;
    // Trailing punctuation is aligned with the pause after the word, not with the word: a comma's
    // time lands where the next word starts. The word ends with its last token that has letters.
    let last = toks
        .iter()
        .rev()
        .find(|t| t.text.iter().any(u8::is_ascii_alphanumeric) || t.text.iter().any(|b| *b >= 0x80))
        .or(toks.last())?;
    let confidence = toks.iter().map(|t| t.prob).sum::<f32>() / toks.len() as f32;
    Some(Word {
        text,
        start_ms: first.t0_ms,
        end_ms: last.end_ms(),
        confidence,
    })
}

/// Makes word times monotonic, keeps them inside `[from_ms, to_ms]`, and aligns them with the voiced
/// `spans` (relative to `from_ms`): no word starts or ends inside a silence it could not be in.
pub fn refine_with_pauses(words: &mut [Word], spans: &[Span], from_ms: u64, to_ms: u64) {
    let silences = silences(spans, from_ms, to_ms);
    let mut prev_end = from_ms;
    for w in words.iter_mut() {
        let mut end = w.end_ms.clamp(prev_end, to_ms);
        if let Some(s) = silences.iter().find(|s| s.start_ms < end && end < s.end_ms) {
            end = s.start_ms.max(prev_end);
        }
        let mut start = prev_end;
        for s in &silences {
            if s.end_ms <= end && s.end_ms > start {
                start = s.end_ms;
            }
        }
        w.start_ms = start.min(end);
        w.end_ms = end;
        prev_end = end;
    }
}

/// The silences of `[from_ms, to_ms]` in absolute time: before the first span, between spans, and
/// after the last.
fn silences(spans: &[Span], from_ms: u64, to_ms: u64) -> Vec<Span> {
    let mut out = Vec::with_capacity(spans.len() + 1);
    let mut cursor = from_ms;
    for s in spans {
        let (a, b) = (from_ms + s.start_ms, from_ms + s.end_ms);
        if a > cursor {
            out.push(Span {
                start_ms: cursor,
                end_ms: a,
            });
        }
        cursor = cursor.max(b);
    }
    if to_ms > cursor {
        out.push(Span {
            start_ms: cursor,
            end_ms: to_ms,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(text: &str, t1: u64, dtw: Option<u64>) -> RawToken {
        RawToken {
            text: text.as_bytes().to_vec(),
            prob: 0.9,
            t0_ms: t1.saturating_sub(100),
            t1_ms: t1,
            dtw_ms: dtw,
        }
    }

    #[test]
    fn tokens_join_into_words_with_punctuation() {
        let w = from_tokens(&[
            tok(" roll", 500, Some(400)),
            tok("back", 600, Some(650)),
            tok(",", 600, Some(660)),
            tok(" then", 900, Some(900)),
        ]);
        let texts: Vec<_> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["rollback,", "then"]);
        assert_eq!(
            w[0].end_ms, 650,
            "the comma's time is the pause's, not the word's"
        );
    }

    #[test]
    fn a_repetition_loop_at_the_end_is_cut_and_restarts_stay() {
        let toks: Vec<RawToken> = [
            "So", "we", "added", "an", "alert.", "So", "we", "added", "an", "alert.",
        ]
        .iter()
        .enumerate()
        .map(|(i, w)| tok(&format!(" {w}"), 100 * i as u64, None))
        .collect();
        assert_eq!(from_tokens(&toks).len(), 5);
        let restart: Vec<RawToken> = ["I,", "I", "rolled", "back"]
            .iter()
            .map(|w| tok(&format!(" {w}"), 100, None))
            .collect();
        assert_eq!(from_tokens(&restart).len(), 4);
    }

    #[test]
    fn punctuation_alone_is_not_a_word() {
        let w = from_tokens(&[
            tok(" -", 100, None),
            tok(" And", 300, None),
            tok(" ...", 400, None),
        ]);
        let texts: Vec<_> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["And..."]);
    }

    #[test]
    fn a_character_split_across_tokens_survives() {
        let e = "é".as_bytes();
        let w = from_tokens(&[
            RawToken {
                text: vec![b' ', b'c', b'a', b'f', e[0]],
                ..tok("", 100, None)
            },
            RawToken {
                text: vec![e[1]],
                ..tok("", 200, None)
            },
        ]);
        assert_eq!(w[0].text, "café");
    }

    #[test]
    fn starts_skip_silence_and_ends_leave_it() {
        // Voice 0-1000 ms and 3000-4000 ms; DTW put the first word's end inside the pause.
        let spans = [
            Span {
                start_ms: 0,
                end_ms: 1000,
            },
            Span {
                start_ms: 3000,
                end_ms: 4000,
            },
        ];
        let mut words = vec![
            Word {
                text: "first".into(),
                start_ms: 0,
                end_ms: 1200,
                confidence: 1.0,
            },
            Word {
                text: "second".into(),
                start_ms: 0,
                end_ms: 3600,
                confidence: 1.0,
            },
        ];
        refine_with_pauses(&mut words, &spans, 0, 4000);
        assert_eq!((words[0].start_ms, words[0].end_ms), (0, 1000));
        assert_eq!((words[1].start_ms, words[1].end_ms), (3000, 3600));
    }

    #[test]
    fn collapsed_times_stay_ordered_and_inside_the_audio() {
        let spans = [Span {
            start_ms: 0,
            end_ms: 5000,
        }];
        let mut words: Vec<Word> = (0..5)
            .map(|i| Word {
                text: format!("w{i}"),
                start_ms: 9000,
                end_ms: 9000,
                confidence: 1.0,
            })
            .collect();
        refine_with_pauses(&mut words, &spans, 0, 5000);
        for w in words.windows(2) {
            assert!(w[0].end_ms <= w[1].start_ms);
        }
        assert!(
            words
                .iter()
                .all(|w| w.end_ms <= 5000 && w.start_ms <= w.end_ms)
        );
    }
}
