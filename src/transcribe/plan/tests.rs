//! Tests of [`Cuts`]: marks fall in pauses and between words, chunks stay within their bounds,
//! marks and chunks found as the audio arrives equal those found over the whole recording, and
//! the end of an answer leaves a short tail.

use super::*;
use crate::transcribe::Transcriber;
use crate::transcribe::fakes::{self, Ticks};

/// Continuous speech with a breath (450 ms) every 23 words.
fn talk(secs: u64) -> Vec<f32> {
    fakes::talk(secs, 23, 450)
}

fn cuts_of(audio: &[f32]) -> Cuts {
    let mut cuts = Cuts::default();
    cuts.update(audio);
    cuts
}

#[test]
fn marks_are_spaced_and_fall_in_the_quiet() {
    let audio = talk(60);
    let cuts = cuts_of(&audio);
    let marks = cuts.marks();
    assert_eq!(marks[0], 0);
    for pair in marks.windows(2) {
        let gap = samples_to_ms(pair[1] - pair[0]);
        assert!((1_480..=2_520).contains(&gap), "marks {gap} ms apart");
    }
    for &m in &marks[1..] {
        let around = &audio[m - 80..m + 80];
        assert!(
            around.iter().all(|s| *s == 0.0),
            "a mark at {} ms is inside a word",
            samples_to_ms(m)
        );
    }
}

#[test]
fn chunks_run_from_mark_to_mark_within_their_bounds_and_prefer_pauses() {
    let audio = talk(90);
    let cuts = cuts_of(&audio);
    let starts = cuts.chunk_starts();
    assert!(starts.len() >= 3, "{starts:?}");
    let marks = cuts.marks();
    for pair in starts.windows(2) {
        assert!(marks.contains(&pair[1]));
        let len = samples_to_ms(pair[1] - pair[0]);
        assert!(
            (CHUNK_MIN_MS..=CHUNK_MAX_MS).contains(&len),
            "a chunk of {len} ms"
        );
    }
    // Where a mark in range is in a pause of 450 ms, the chunk ends in one.
    let in_pause = |m: usize| audio[m - 3_200..m + 3_200].iter().all(|x| *x == 0.0);
    let mut in_pauses = 0;
    for pair in starts.windows(2) {
        let range = pair[0] + ms_to_samples(CHUNK_MIN_MS)..=pair[0] + ms_to_samples(CHUNK_MAX_MS);
        if marks.iter().any(|&m| range.contains(&m) && in_pause(m)) {
            assert!(
                in_pause(pair[1]),
                "a chunk ends at {} ms",
                samples_to_ms(pair[1])
            );
            in_pauses += 1;
        }
    }
    assert!(in_pauses >= 1);
}

#[test]
fn cuts_found_as_the_audio_arrives_equal_those_of_the_whole() {
    let audio = talk(75);
    let whole = cuts_of(&audio);
    let mut live = Cuts::default();
    for n in (0..audio.len()).step_by(1_777) {
        live.update(&audio[..n]);
    }
    live.update(&audio);
    assert_eq!(live.marks(), whole.marks());
    assert_eq!(live.chunk_starts(), whole.chunk_starts());
}

#[test]
fn the_end_leaves_a_short_tail_with_context_before_it() {
    for secs in [3, 11, 26, 41, 67, 119] {
        let audio = talk(secs);
        let cuts = cuts_of(&audio);
        let ending = cuts.ending(audio.len());
        let tail = *ending.pieces.last().unwrap();
        assert!(tail.tail);
        assert_eq!(tail.end, audio.len());
        let kept = samples_to_ms(tail.end - tail.keep_from);
        assert!(
            secs < 4 || (TAIL_MIN_MS..=TAIL_MIN_MS + 2_600).contains(&kept),
            "{secs} s: a tail of {kept} ms"
        );
        let decoded = samples_to_ms(tail.end - tail.start);
        assert!(decoded <= 6_200, "{secs} s: the tail decodes {decoded} ms");
        // The kept stretches follow one another with no gap and no overlap.
        let mut at = 0;
        for p in &ending.pieces {
            assert_eq!(p.keep_from, at, "{secs} s: {:?}", ending.pieces);
            assert!(p.start <= p.keep_from && p.keep_from < p.end);
            assert!(samples_to_ms(p.end - p.start) <= 28_000);
            at = p.end;
        }
    }
}

#[test]
fn a_hurried_end_keeps_from_a_mark_in_hand_only_when_the_tail_stays_short() {
    let audio = talk(50);
    let cuts = cuts_of(&audio);
    let len = audio.len();
    let marks = cuts.marks();
    let near = *marks
        .iter()
        .rfind(|&&m| len - m >= ms_to_samples(2_000))
        .unwrap();
    let hurried = cuts.hurried(0, near, len).expect("a short tail");
    assert_eq!(hurried.pieces[0].keep_from, 0);
    assert_eq!(hurried.pieces[0].end, near);
    let tail = hurried.pieces[1];
    assert!(tail.tail && tail.keep_from == near && tail.end == len);
    // A tail of usual length has a usual tail's context; a longer one, a chunk's.
    assert!(short_tail(len - near));
    assert!(samples_to_ms(near - tail.start) <= TAIL_CONTEXT_MS + 2_500);
    let long = *marks
        .iter()
        .rfind(|&&m| !short_tail(len - m) && len - m <= ms_to_samples(HURRY_TAIL_MAX_MS))
        .unwrap();
    let tail = cuts
        .hurried(0, long, len)
        .expect("a tail under the limit")
        .pieces[1];
    assert!(samples_to_ms(long - tail.start) >= CONTEXT_MS);
    let far = *marks
        .iter()
        .rfind(|&&m| len - m > ms_to_samples(HURRY_TAIL_MAX_MS))
        .unwrap();
    assert_eq!(cuts.hurried(0, far, len), None);
}

#[test]
fn a_whole_recording_is_transcribed_once_end_to_end() {
    let audio = talk(70);
    let mut decode = |s: &[f32], at: u64, _: u64| Ticks.transcribe(s, at);
    let t = transcribe_whole(&audio, 0, &mut decode, &|_| ()).unwrap();
    crate::transcribe::fakes::assert_whole(&t, &audio);
}

#[test]
fn a_word_heard_on_both_sides_of_a_seam_is_kept_once() {
    let word = |text: &str, start_ms, end_ms| Word {
        text: text.into(),
        start_ms,
        end_ms,
        confidence: 1.0,
    };
    let before = Transcript {
        text: "I dig.".into(),
        words: vec![word("I", 0, 300), word("dig.", 300, 600)],
        ..Transcript::default()
    };
    let after = Transcript {
        text: "dig. Um, then".into(),
        words: vec![
            word("dig.", 900, 920),
            word("Um,", 1_400, 1_500),
            word("then", 1_500, 1_700),
        ],
        ..Transcript::default()
    };
    assert_eq!(seam(Some(&before), after.clone()).text, "Um, then");
    // The same word said again later is a new word.
    let later = Transcript {
        words: vec![word("dig", 2_000, 2_300)],
        text: "dig".into(),
        ..Transcript::default()
    };
    assert_eq!(seam(Some(&before), later).text, "dig");
    assert_eq!(seam(None, after).text, "dig. Um, then");
    // A run of words heard again after the seam goes as a whole.
    let again = Transcript {
        words: vec![
            word("I", 400, 450),
            word("dig.", 450, 700),
            word("Then", 1_000, 1_200),
        ],
        text: "I dig. Then".into(),
        ..Transcript::default()
    };
    assert_eq!(seam(Some(&before), again).text, "Then");
}

#[test]
fn keeping_after_a_point_rebuilds_text_and_segments() {
    let audio = talk(8);
    let t = Ticks.transcribe(&audio, 0).unwrap();
    let kept = keep_after(t, 4_000);
    assert!(kept.words.iter().all(|w| w.start_ms >= 4_000));
    assert!(kept.text.starts_with("4000 "), "{}", kept.text);
}

/// A transcript of `text`, one word every 300 ms from `start_ms`.
fn spoken(text: &str, start_ms: u64) -> Transcript {
    let words: Vec<Word> = text
        .split_whitespace()
        .zip(0..)
        .map(|(w, i)| Word {
            text: w.into(),
            start_ms: start_ms + i * 300,
            end_ms: start_ms + i * 300 + 250,
            confidence: 1.0,
        })
        .collect();
    Transcript {
        text: text.into(),
        words,
        ..Transcript::default()
    }
}

#[test]
fn a_tail_is_heard_when_a_word_of_its_own_is_kept() {
    let t = spoken("caught it earlier and a test", 1_000);
    // Words at 1.0, 1.3, 1.6, 1.9, 2.2 and 2.5 s (middles 125 ms later).
    assert!(heard_tail(&t, 2_000));
    assert!(heard_tail(&t, 2_625));
    assert!(!heard_tail(&t, 2_626));
    assert!(!heard_tail(&Transcript::default(), 0));
}

#[test]
fn a_tail_that_lost_its_own_words_is_decoded_again_with_a_chunks_worth() {
    let audio = talk(40);
    let cuts = cuts_of(&audio);
    let ending = cuts.ending(audio.len());
    let tail = *ending.pieces.last().unwrap();
    assert!(tail.tail);
    let from_ms = samples_to_ms(tail.start);
    let keep_ms = samples_to_ms(tail.keep_from);
    // Made-up words, all in the context.
    let garbled = spoken("you should know", from_ms);
    assert!(keep_ms >= from_ms + 1_000);
    let again = cuts.tail_again(tail, &garbled, 0).expect("decoded again");
    assert_eq!(
        (again.keep_from, again.end, again.tail),
        (tail.keep_from, tail.end, true)
    );
    assert!(samples_to_ms(tail.keep_from - again.start) >= CONTEXT_MS);
    // Heard, or not a tail: decoded once.
    let heard = spoken("the graphs and then", keep_ms - 200);
    assert_eq!(cuts.tail_again(tail, &heard, 0), None);
    let chunk = Piece {
        tail: false,
        ..tail
    };
    assert_eq!(cuts.tail_again(chunk, &garbled, 0), None);
}
