//! Tests of [`Phrases`]: what is decoded when while an answer is spoken, that a live session
//! keeping up ends with the one-shot transcript, and what is left when the answer ends. The fake
//! engines and the speech-like test audio are in `transcribe::fakes`.

use super::*;
use crate::audio::ms_to_samples;
use crate::transcribe::Transcriber;
use crate::transcribe::fakes::{self, Ticks, assert_whole};

/// Continuous speech with a pause (500 ms) every 17 words.
fn talk(secs: u64) -> Vec<f32> {
    fakes::talk(secs, 17, 500)
}

/// Decodes `job` with [`Ticks`] and hands the result back.
fn run(p: &mut Phrases, job: Job) {
    let t = Ticks
        .transcribe(&p.samples()[job.start..job.end], samples_to_ms(job.start))
        .unwrap();
    p.apply(job, t);
}

/// Ends the answer, decoding what is left with [`Ticks`].
fn finish(p: &mut Phrases) -> Transcript {
    for piece in p.end(true) {
        let t = match p.ready(piece) {
            Some(t) => t,
            None => Ticks
                .transcribe(
                    &p.samples()[piece.start..piece.end],
                    samples_to_ms(piece.start),
                )
                .unwrap(),
        };
        p.apply_end(piece, t);
    }
    p.settled()
}

/// Feeds `audio` in 20 ms blocks, decoding every job at once (a session that keeps up).
fn keep_up(p: &mut Phrases, audio: &[f32]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for block in audio.chunks(320) {
        p.push(block);
        while let Some(job) = p.next_job() {
            jobs.push(job);
            run(p, job);
        }
    }
    jobs
}

#[test]
fn nothing_is_decoded_before_the_first_mark() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&talk(1));
    assert_eq!(p.next_job(), None);
}

#[test]
fn each_new_mark_gives_one_prefix_of_the_chunk_being_spoken() {
    let mut p = Phrases::new(LiveParams::default());
    p.push(&talk(3));
    let job = p.next_job().expect("a prefix at the first mark");
    assert!(job.settle);
    assert_eq!((job.start, job.keep_from), (0, 0));
    run(&mut p, job);
    assert_eq!(p.next_job(), None, "the same mark is not decoded twice");
    assert!(p.provisional().is_some(), "the prefix is shown");
    assert!(p.settled().text.is_empty(), "a prefix settles nothing yet");
}

#[test]
fn a_session_that_keeps_up_ends_with_the_one_shot_transcript() {
    for secs in [2, 9, 30, 47, 80] {
        let audio = talk(secs);
        let mut p = Phrases::new(LiveParams::default());
        let jobs = keep_up(&mut p, &audio);
        // Chunks settle from prefixes in hand: every job decodes up to a mark, once.
        let mut ends: Vec<usize> = jobs.iter().map(|j| j.end).collect();
        ends.dedup();
        assert_eq!(
            ends.len(),
            jobs.len(),
            "{secs} s: a stretch decoded twice: {jobs:?}"
        );
        let live = finish(&mut p);
        let mut decode = |s: &[f32], at: u64, _: u64| Ticks.transcribe(s, at);
        let one_shot = plan::transcribe_whole(&audio, 0, &mut decode, &|_| ()).unwrap();
        assert_eq!(live.text, one_shot.text, "{secs} s");
        assert_whole(&live, &audio);
    }
}

#[test]
fn a_session_that_falls_behind_still_covers_the_answer_once() {
    let audio = talk(60);
    let mut p = Phrases::new(LiveParams::default());
    let mut n = 0;
    for block in audio.chunks(320) {
        p.push(block);
        // Only every third job is decoded in time; the others are overtaken by newer ones.
        if let Some(job) = p.next_job() {
            n += 1;
            if n % 3 == 0 {
                run(&mut p, job);
            }
        }
    }
    assert_whole(&finish(&mut p), &audio);
}

#[test]
fn the_end_leaves_only_a_short_tail_when_the_session_kept_up() {
    let audio = talk(50);
    let mut p = Phrases::new(LiveParams::default());
    keep_up(&mut p, &audio);
    let mut left: Vec<Piece> = p
        .end(true)
        .into_iter()
        .filter(|&x| p.ready(x).is_none())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let tail = left.pop().unwrap();
    assert!(tail.tail);
    assert!(samples_to_ms(tail.end - tail.start) <= 6_200);
}

#[test]
fn with_a_server_prefixes_are_only_shown_and_the_server_settles_whole_chunks() {
    let params = LiveParams {
        provisional: true,
        settle_provisional: false,
    };
    let audio = talk(45);
    let mut p = Phrases::new(params);
    let jobs = keep_up(&mut p, &audio);
    let chunks = jobs.iter().filter(|j| j.settle).count();
    assert!(chunks >= 1, "{jobs:?}");
    assert!(
        jobs.iter().any(|j| !j.settle),
        "prefixes are decoded to be shown"
    );
    let pieces = p.end(true);
    let last = pieces.last().unwrap();
    assert_eq!(
        last.keep_from, p.settled_to,
        "the last chunk is decoded whole"
    );
    assert!(pieces.iter().all(|x| p.ready(*x).is_none()));
    assert_whole(&finish(&mut p), &audio);
}

#[test]
fn without_provisional_decodes_only_chunks_are_decoded() {
    let params = LiveParams {
        provisional: false,
        settle_provisional: false,
    };
    let mut p = Phrases::new(params);
    let jobs = keep_up(&mut p, &talk(45));
    assert!(
        !jobs.is_empty() && jobs.iter().all(|j| j.settle),
        "{jobs:?}"
    );
}

#[test]
fn the_decode_to_the_mark_the_tail_starts_at_is_wanted_at_the_end_and_no_other() {
    let audio = talk(30);
    let mut p = Phrases::new(LiveParams::default());
    keep_up(&mut p, &audio);
    // The last chunk's decode to the mark the tail would start at, were the answer to end now.
    let piece = p
        .cuts
        .ending(audio.len())
        .pieces
        .into_iter()
        .find(|piece| !piece.tail && piece.keep_from == p.settled_to)
        .expect("a prefix before the tail");
    let job = Job {
        start: piece.start,
        keep_from: piece.keep_from,
        end: piece.end,
        settle: true,
    };
    assert!(p.wanted_at_end(job), "{job:?}");
    // A decode to another mark is not, nor one whose text is only shown.
    let other = Job {
        end: job.end - ms_to_samples(500),
        ..job
    };
    assert!(!p.wanted_at_end(other));
    assert!(!p.wanted_at_end(Job {
        settle: false,
        ..job
    }));
}

#[test]
fn a_prefix_waits_until_the_answer_has_gone_on_a_tail_past_its_mark() {
    let audio = talk(20);
    let mut p = Phrases::new(LiveParams::default());
    let mut seen = Vec::new();
    for block in audio.chunks(320) {
        p.push(block);
        while let Some(job) = p.next_job() {
            // Only a prefix the end could use: its mark at least the tail's length back.
            let heard = p.samples().len();
            assert!(
                heard >= job.end + ms_to_samples(plan::TAIL_MIN_MS),
                "a prefix to {} ms asked for at {} ms",
                samples_to_ms(job.end),
                samples_to_ms(heard)
            );
            seen.push(job.end);
            run(&mut p, job);
        }
    }
    // And every mark the end could use gets its prefix.
    let usable: Vec<usize> = p
        .cuts
        .marks()
        .into_iter()
        .filter(|&m| m > 0 && m + ms_to_samples(plan::TAIL_MIN_MS) <= audio.len())
        .collect();
    assert_eq!(seen, usable);
}

#[test]
fn the_end_can_do_without_the_latest_prefix_at_the_cost_of_the_longer_tail_it_leaves() {
    let audio = talk(30);
    let mut p = Phrases::new(LiveParams::default());
    keep_up(&mut p, &audio);
    let marks = p.cuts.marks();
    let last = *marks.last().unwrap();
    let job = Job {
        start: 0,
        keep_from: p.settled_to,
        end: last,
        settle: true,
    };
    let before = p
        .prefixes
        .iter()
        .map(|x| x.end)
        .filter(|&e| e < last)
        .max()
        .expect("a prefix before the last mark");
    let tail = audio.len() - before;
    // The tail grows by the stretch from that prefix to the job's end, and a tail longer than a
    // usual one is decoded with a chunk's worth of context.
    let context = if plan::short_tail(tail) {
        0
    } else {
        plan::CONTEXT_MS - plan::TAIL_CONTEXT_MS
    };
    assert_eq!(
        p.extra_without(job),
        Some(samples_to_ms(last - before) + context)
    );
    // A tail too long to hurry needs the job.
    let mut longer = Phrases::new(LiveParams::default());
    keep_up(&mut longer, &audio);
    longer.push(&talk(9));
    assert_eq!(longer.extra_without(job), None);
    // With nothing in hand before it, the end needs it.
    let mut empty = Phrases::new(LiveParams::default());
    empty.push(&audio[..ms_to_samples(4_000)]);
    assert_eq!(empty.extra_without(job), None);
}
