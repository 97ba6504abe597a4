//! `rehearse score` on real and synthesized speech, in every format.

use crate::util::*;

#[test]
fn jfk_is_transcribed_accurately_with_word_timings_inside_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, reference) = jfk();
    let report = score_json(dir.path(), &wav);
    let text = text_of(&report);
    let error = wer(&reference, &text);
    assert!(error <= 0.10, "WER {error:.3} for {text:?}");
    let duration = report["delivery"]["duration_ms"].as_u64().unwrap();
    assert!((10_900..=11_100).contains(&duration), "duration {duration}");
    let words = report["transcript"]["words"].as_array().unwrap();
    assert!(words.len() >= 20, "{} words", words.len());
    let mut last_end = 0;
    for w in words {
        let (s, e) = (
            w["start_ms"].as_u64().unwrap(),
            w["end_ms"].as_u64().unwrap(),
        );
        assert!(s <= e && e <= duration, "word {w} outside the audio");
        assert!(
            s >= last_end,
            "word {w} starts before the previous word ends"
        );
        last_end = e;
    }
    // "country." is the last word, and ends near 10.5 s in the recording.
    assert!(
        (9_500..=11_000).contains(&last_end),
        "last word ends at {last_end}"
    );
}

#[test]
#[cfg_attr(
    missing = "sox",
    ignore = "sox is not installed (scripts/bootstrap installs it)"
)]
fn the_same_speech_in_other_rates_channels_and_codecs_gives_the_same_words() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    let baseline = normalise(&text_of(&score_json(dir.path(), &wav)));
    let stereo = dir.path().join("jfk-44k-stereo.wav");
    tool(
        "sox",
        &[
            wav.to_str().unwrap(),
            "-r",
            "44100",
            "-c",
            "2",
            "-b",
            "24",
            stereo.to_str().unwrap(),
        ],
    );
    let mp3 = dir.path().join("jfk.mp3");
    tool(
        "sox",
        &[stereo.to_str().unwrap(), "-C", "192", mp3.to_str().unwrap()],
    );
    let flac = dir.path().join("jfk.flac");
    tool("sox", &[stereo.to_str().unwrap(), flac.to_str().unwrap()]);
    for file in [&stereo, &mp3, &flac] {
        let words = normalise(&text_of(&score_json(dir.path(), file)));
        assert_eq!(
            words,
            baseline,
            "{} differs from the 16 kHz WAV",
            file.display()
        );
    }
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn speaking_rate_matches_a_synthesized_answer_of_known_length() {
    let dir = tempfile::tempdir().unwrap();
    let text = "I start with impact: which users are failing, since when, and what changed. \
        Then I stop the damage, usually by rolling back the deploy, and I tell the team. \
        With the system stable, I compare metrics, logs and traces until one hypothesis survives, \
        fix it safely, and write down how we keep it from happening again.";
    let known_words = text.split_whitespace().count();
    let wav = dir.path().join("answer.wav");
    speak(text, &wav, 150);
    let report = score_json(dir.path(), &wav);
    let d = &report["delivery"];
    let words = d["words"].as_u64().unwrap() as usize;
    assert!(
        words.abs_diff(known_words) <= known_words / 10,
        "{words} words, expected about {known_words}"
    );
    // espeak-ng leaves almost no silence at either end, so the whole file is the answer.
    let expected_wpm = known_words as f64 / (duration_secs(&wav) / 60.0);
    let wpm = d["speaking_rate_wpm"].as_f64().unwrap();
    assert!(
        (wpm - expected_wpm).abs() <= expected_wpm * 0.1,
        "{wpm:.1} wpm, expected about {expected_wpm:.1}"
    );
    let articulation = d["articulation_rate_wpm"].as_f64().unwrap();
    assert!(
        articulation >= wpm,
        "articulation {articulation} below speaking rate {wpm}"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn pauses_and_time_to_first_word_come_from_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    speak("First I would check the dashboards for errors.", &a, 160);
    speak("Then I would roll back the release.", &b, 160);
    let joined = dir.path().join("joined.wav");
    // 1.5 s of silence, the first sentence, 3 s of silence, the second.
    tool(
        "sox",
        &[
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            joined.to_str().unwrap(),
            "pad",
            "1.5",
            "0",
        ],
    );
    let gapped = dir.path().join("gapped.wav");
    let a_len = duration_secs(&a) + 1.5;
    tool(
        "sox",
        &[
            joined.to_str().unwrap(),
            gapped.to_str().unwrap(),
            "pad",
            &format!("3@{a_len}"),
        ],
    );
    let d = score_json(dir.path(), &gapped)["delivery"].clone();
    let first = d["time_to_first_word_ms"].as_u64().unwrap();
    assert!((1_300..=1_900).contains(&first), "first word at {first} ms");
    let pauses = d["long_pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 1, "{pauses:?}");
    let len = pauses[0]["end_ms"].as_u64().unwrap() - pauses[0]["start_ms"].as_u64().unwrap();
    assert!((2_800..=3_600).contains(&len), "pause of {len} ms");
}

#[test]
fn a_text_transcript_reports_timing_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("answer.txt");
    std::fs::write(&txt, "We rolled back first,\nthen we looked at the logs.\n").unwrap();
    let report = score_json(dir.path(), &txt);
    assert_eq!(report["source"]["kind"], "transcript");
    assert_eq!(report["delivery"]["words"], 10);
    assert!(report["delivery"]["speaking_rate_wpm"].is_null());
    assert!(report["delivery"]["long_pauses"].is_null());
    let out = run(dir.path(), &["score", txt.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unknown"), "{text}");
}

#[test]
fn output_is_identical_across_runs_and_formats_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    let wav = wav.to_str().unwrap();
    let a = run(dir.path(), &["score", "--format", "json", wav]);
    let b = run(dir.path(), &["score", "--format", "json", wav]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout, "two runs on the same file differ");
    let report: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(report["schema"], "rehearse.score/1");
    let md =
        String::from_utf8(run(dir.path(), &["score", "--format", "markdown", wav]).stdout).unwrap();
    assert!(md.starts_with("# rehearse score"), "{md}");
    assert!(md.contains("| Speaking rate |"), "{md}");
    let text = String::from_utf8(run(dir.path(), &["score", wav]).stdout).unwrap();
    assert!(text.contains("Speaking rate"), "{text}");
    assert!(
        text.to_lowercase().contains("ask not what your country"),
        "{text}"
    );
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn a_long_answer_is_transcribed_with_no_dropped_middle() {
    let dir = tempfile::tempdir().unwrap();
    // Twelve distinct paragraphs, each tagged with a number word, repeated into about ten minutes.
    let topics = [
        "checked the error budget",
        "paused the queue consumer",
        "rolled back the release",
        "compared the latency graphs",
        "read the slow query log",
        "raised the connection pool limit",
        "called the payment provider",
        "turned off the feature flag",
        "replayed the failed request",
        "added a canary stage",
        "wrote the incident timeline",
        "tested the database failover",
    ];
    let numbers = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    let mut parts = Vec::new();
    for round in 0..4 {
        for (n, topic) in numbers.iter().zip(topics) {
            let text = format!(
                "Step {n}. In round {} we {topic}, and then we waited to see whether the graphs recovered before moving on to the next thing on the list.",
                round + 1
            );
            let p = dir.path().join(format!("p{round}-{n}.wav"));
            speak(&text, &p, 150);
            parts.push(p);
        }
    }
    let long = dir.path().join("long.wav");
    let mut args: Vec<&str> = parts.iter().map(|p| p.to_str().unwrap()).collect();
    args.push(long.to_str().unwrap());
    tool("sox", &args);
    let secs = duration_secs(&long);
    assert!(secs > 400.0, "the fixture is only {secs} s");
    let text = normalise(&text_of(&score_json(dir.path(), &long))).join(" ");
    // Every paragraph ends with the same phrase, which tiny.en recognises reliably: a dropped
    // stretch shows up as missing copies of it. The topics are only there to make the paragraphs
    // differ; tiny.en mishears some of them ("queue" as "cue"), which is not what this test is about.
    let endings = text.matches("next thing on the list").count();
    assert!(
        endings >= 47,
        "only {endings} of 48 paragraphs transcribed: {text}"
    );
    let first = text
        .find("checked the error budget")
        .expect("the first paragraph is there");
    let last = text
        .rfind("database failover")
        .expect("the last paragraph is there");
    assert!(first < last);
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn trailing_silence_invents_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let speech = dir.path().join("s.wav");
    speak("I would roll back the deploy first.", &speech, 160);
    let padded = dir.path().join("padded.wav");
    tool(
        "sox",
        &[
            speech.to_str().unwrap(),
            padded.to_str().unwrap(),
            "pad",
            "0",
            "25",
        ],
    );
    let report = score_json(dir.path(), &padded);
    let text = text_of(&report).to_lowercase();
    assert!(!text.contains("thank"), "invented text: {text}");
    let words = report["transcript"]["words"].as_array().unwrap();
    let last_end = words.last().unwrap()["end_ms"].as_u64().unwrap();
    assert!(
        last_end < (duration_secs(&speech) * 1000.0) as u64 + 500,
        "a word was placed in the silence"
    );
}

#[test]
#[cfg_attr(
    missing = "espeak-ng",
    ignore = "espeak-ng is not installed (scripts/bootstrap installs it)"
)]
fn an_answer_read_through_whisper_loses_at_most_ten_points_against_its_text() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["flagship-framework", "flagship-star"] {
        let txt = root().join(format!("tests/fixtures/answers/{name}.txt"));
        let text = std::fs::read_to_string(&txt).unwrap();
        let wav = dir.path().join(format!("{name}.wav"));
        speak(&text, &wav, 150);
        let clean = score_json(dir.path(), &txt)["score"]["overall"]
            .as_i64()
            .unwrap();
        let heard = score_json(dir.path(), &wav)["score"]["overall"]
            .as_i64()
            .unwrap();
        assert!(
            clean - heard <= 10,
            "{name}: {clean} as text, {heard} through Whisper"
        );
    }
}

#[test]
fn the_question_can_be_chosen_and_an_unknown_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("answer.txt");
    std::fs::write(&txt, "I would normalise the tables, pick keys and indexes from the queries, and plan migrations.").unwrap();
    let out = run(
        dir.path(),
        &[
            "score",
            "--format",
            "json",
            "--question",
            "database-design",
            txt.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["score"]["question"], "database-design");
    let err = fails_with(
        &run(
            dir.path(),
            &[
                "score",
                "--question",
                "no-such-question",
                txt.to_str().unwrap(),
            ],
        ),
        "no-such-question",
    );
    assert!(err.contains("debug-production-issue"), "{err}");
    let list = String::from_utf8(run(dir.path(), &["questions"]).stdout).unwrap();
    assert!(
        list.contains("database-design") && list.contains("(default)"),
        "{list}"
    );
}

/// With standard error a pipe, as here, a long score draws no progress bar: nothing at all on
/// stderr, no escape codes or carriage returns on either stream, and `--format json` stays JSON.
/// The bundled answer takes several seconds to transcribe, longer than a bar waits before it
/// would appear on a terminal, so a bar drawn regardless of the terminal would show up here.
#[test]
fn a_piped_score_prints_no_progress_and_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    let answer = root().join("samples/answer.flac");
    let answer = answer.to_str().unwrap();
    let runs: [&[&str]; 3] = [
        &["score", answer],
        &["score", "--format", "json", answer],
        &["-q", "score", "--no-save", answer],
    ];
    for args in runs {
        let out = run(dir.path(), args);
        assert_ok(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout.contains(['\x1b', '\r']),
            "{args:?} printed control characters: {stdout:?}"
        );
        if args.contains(&"json") {
            let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(report["schema"], "rehearse.score/1");
        }
    }
}
