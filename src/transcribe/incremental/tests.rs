//! Tests of [`Phrases`]: where an answer is cut, what is decoded when, and how the last phrase is
//! joined to the rest. The fake engines and the speech-like test audio are in `transcribe::fakes`.

use super::*;
use crate::transcribe::Transcriber;
use crate::transcribe::fakes::{Stamps, answer};

#[test]
fn nothing_is_decoded_while_the_first_phrase_is_still_being_spoken() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&answer(&[(2_000, 0)]));
    assert_eq!(p.next_job(), None);
}

#[test]
fn a_pause_gives_a_provisional_job_once() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&answer(&[(2_000, 1_500)]));
    let job = p.next_job().expect("a job at the pause");
    assert!(!job.settle);
    assert_eq!(job.start, 0);
    p.apply(job, Transcript::default());
    assert_eq!(p.next_job(), None, "the same pause is not decoded twice");
    p.push(&answer(&[(300, 400)]));
    assert_eq!(p.next_job(), None, "a short step waits for more");
    p.push(&answer(&[(3_000, 400)]));
    assert!(p.next_job().is_some(), "a longer step is decoded");
}

#[test]
fn a_chunk_settles_where_a_one_shot_run_would_cut_it() {
    let mut p = Phrases::new(LiveParams::default());
    let mut audio = vec![0.0; ms_to_samples(1_000)];
    audio.extend(answer(&[
        (8_000, 1_000),
        (8_000, 1_000),
        (8_000, 1_000),
        (4_000, 1_000),
    ]));
    p.push(&audio);
    let job = p.next_job().expect("a settled chunk");
    assert!(job.settle);
    let spans = vad::speech_spans(&audio, &vad::VadParams::default());
    let one_shot = guard::chunks(audio.len(), &spans);
    assert_eq!(job.end, one_shot[0].end);
}

#[test]
fn cuts_fall_inside_pauses() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&answer(&[(3_000, 800), (2_000, 400)]));
    let job = p.next_job().unwrap();
    let end_ms = samples_to_ms(job.end);
    assert!((5_800..=6_300).contains(&end_ms), "cut at {end_ms} ms");
}

#[test]
fn speech_with_no_pause_is_cut_before_whisper_s_window_is_full() {
    let mut p = Phrases::new(LiveParams::default());
    // Gaps of 200 ms are too short to cut at; the leading silence sets the noise floor.
    p.push(&vec![0.0; ms_to_samples(4_000)]);
    p.push(&answer(&[(1_800, 200); 16]));
    let job = p.next_job().expect("a forced cut");
    assert!(job.settle);
    // The chunk starts 300 ms before the speech, which starts after 4 s of silence.
    assert!(
        samples_to_ms(job.end) <= 3_700 + guard::MAX_CHUNK_MS,
        "{job:?}"
    );
}

#[test]
fn ending_settles_the_provisional_text_and_leaves_only_the_last_phrase() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&answer(&[(3_000, 500)]));
    let job = p.next_job().unwrap();
    p.apply(job, Stamps.transcribe(&p.samples()[..job.end], 0).unwrap());
    p.push(&answer(&[(1_500, 0)]));
    let last = p.end().expect("the last phrase");
    assert_eq!(last.keep_from, job.end);
    assert_eq!(last.end, p.samples().len());
    assert!(
        last.decode_from < last.keep_from,
        "the last job has context"
    );
    assert_eq!(p.settled().words.len(), 1);
    let t = Stamps.transcribe(
        &p.samples()[last.decode_from..],
        samples_to_ms(last.decode_from),
    );
    let mut t = t.unwrap();
    // Two words: one inside the context, one after the provisional end.
    t.words = vec![
        Word {
            text: "old".into(),
            start_ms: 100,
            end_ms: 400,
            confidence: 1.0,
        },
        Word {
            text: "new".into(),
            start_ms: 3_600,
            end_ms: 4_000,
            confidence: 1.0,
        },
    ];
    p.apply_last(last, t);
    assert_eq!(p.settled().text, "[0-3250] new");
}

#[test]
fn a_silent_tail_needs_no_last_job() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&answer(&[(3_000, 500)]));
    let job = p.next_job().unwrap();
    p.apply(job, Transcript::default());
    p.push(&vec![0.0; 8_000]);
    assert_eq!(p.end(), None);
}
