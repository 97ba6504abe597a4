use super::*;
use crate::transcribe::guard;
use crate::transcribe::whisper::assemble;

const JFK: &str = "and so my fellow americans ask not what your country can do for you ask what you can do for your country";

fn fixture(name: &str) -> Reply {
    let path = format!(
        "{}/tests/fixtures/speech-servers/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the fixture reads");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// jfk.wav's voiced stretches, roughly: speech with the pauses the speaker makes.
fn jfk_spans() -> Vec<Span> {
    [(300, 2200), (3250, 4400), (5350, 7700), (8150, 10800)]
        .into_iter()
        .map(|(start_ms, end_ms)| Span { start_ms, end_ms })
        .collect()
}

fn transcript(reply: Reply, offset_ms: u64) -> (crate::transcribe::Transcript, Timing) {
    let spans = jfk_spans();
    let c = reply.convert(offset_ms, 11_000, &spans);
    let kept = guard::keep_real_speech(c.segments, &spans, offset_ms);
    (assemble(kept, &spans, offset_ms, 11_000), c.timing)
}

#[test]
fn every_servers_reply_shape_gives_the_words() {
    for (name, timing) in [
        ("openai-verbose.json", Timing::Words),
        ("speaches-verbose.json", Timing::Words),
        ("whisper-cpp-verbose.json", Timing::Words),
        ("whisper-cpp-verbose-rehearse-params.json", Timing::Words),
        ("speaches-words-null.json", Timing::Approximate),
        ("vllm-verbose.json", Timing::Approximate),
        ("whisper-cpp-json.json", Timing::Approximate),
    ] {
        let (t, got) = transcript(fixture(name), 0);
        assert_eq!(got, timing, "{name}");
        assert_eq!(
            crate::testkit::normalise(&t.text).join(" "),
            JFK,
            "{name}: {}",
            t.text
        );
        assert_eq!(t.words.len(), 22, "{name}: {:?}", t.words);
        let mut last = 0;
        for w in &t.words {
            assert!(
                w.start_ms >= last && w.end_ms >= w.start_ms,
                "{name}: {w:?}"
            );
            assert!(w.end_ms <= 11_000, "{name}: {w:?}");
            last = w.end_ms;
        }
    }
}

#[test]
fn punctuation_and_word_pieces_from_whisper_cpp_join_their_words() {
    let (t, _) = transcript(fixture("whisper-cpp-verbose-rehearse-params.json"), 0);
    assert!(t.words.iter().any(|w| w.text == "so,"), "{:?}", t.words);
    assert!(t.words.last().unwrap().text.ends_with('.'));
}

#[test]
fn whisper_cpp_word_ends_come_from_dtw() {
    // " Americans" has token times 3.28-3.70 s but its DTW time is 2.26 s: the word ends where the
    // voice stops, before the pause, as the local engine has it.
    let (t, _) = transcript(fixture("whisper-cpp-verbose-rehearse-params.json"), 0);
    let americans = t
        .words
        .iter()
        .find(|w| w.text.starts_with("Americans"))
        .unwrap();
    assert!(americans.end_ms <= 2_300, "{americans:?}");
}

#[test]
fn times_are_offset_into_the_recording() {
    let (t, _) = transcript(fixture("openai-verbose.json"), 60_000);
    assert!(t.words[0].start_ms >= 60_000, "{:?}", t.words[0]);
    assert!(t.words.last().unwrap().end_ms <= 71_000);
}

#[test]
fn approximate_words_land_in_speech_not_in_pauses() {
    let (t, _) = transcript(fixture("vllm-verbose.json"), 0);
    let spans = jfk_spans();
    for w in &t.words {
        let mid = (w.start_ms + w.end_ms) / 2;
        assert!(
            spans.iter().any(|s| s.start_ms <= mid && mid <= s.end_ms),
            "{w:?} sits in a pause"
        );
    }
}

#[test]
fn odd_values_are_read_leniently() {
    let r: Reply = serde_json::from_str(
        r#"{"text": "hello there", "duration": "2.5", "segments": null, "words": null,
            "usage": null, "language": "english"}"#,
    )
    .unwrap();
    assert_eq!(r.duration, Some(2.5));
    assert!(r.is_transcription());
    let r: Reply = serde_json::from_str(
        r#"{"segments": [{"start": "0.5", "end": 1.5, "text": "hi", "no_speech_prob": null},
                         "not a segment"]}"#,
    )
    .unwrap();
    assert_eq!(r.segments.len(), 1);
    assert_eq!(r.segments[0].start, Some(0.5));
}

#[test]
fn a_reply_with_nothing_a_transcription_has_is_not_one() {
    let r: Reply = serde_json::from_str(r#"{"object": "list", "data": []}"#).unwrap();
    assert!(!r.is_transcription());
    let r: Reply = serde_json::from_str(r#"{"text": ""}"#).unwrap();
    assert!(
        r.is_transcription(),
        "an empty text is a transcription of silence"
    );
}

#[test]
fn special_tokens_are_dropped() {
    let r: Reply = serde_json::from_str(
        r#"{"segments": [{"start": 0, "end": 2, "text": " hello",
            "words": [{"word": "[_BEG_]", "start": 0, "end": 0},
                      {"word": " hello", "start": 0.4, "end": 0.9, "t_dtw": -1},
                      {"word": "<|endoftext|>", "start": 1, "end": 1}]}]}"#,
    )
    .unwrap();
    let c = r.convert(
        0,
        2_000,
        &[Span {
            start_ms: 300,
            end_ms: 1_000,
        }],
    );
    assert_eq!(c.segments[0].tokens.len(), 1);
    assert_eq!(c.segments[0].tokens[0].dtw_ms, None);
    assert_eq!(c.segments[0].tokens[0].t1_ms, 900);
}
