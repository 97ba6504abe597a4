//! Every kind of bad input gets one sentence naming the file and the problem, a non-zero exit and no
//! result on standard output.

use std::io::Write;

use crate::util::*;

fn score(dir: &std::path::Path, file: &std::path::Path) -> std::process::Output {
    run(dir, &["score", file.to_str().unwrap()])
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.wav");
    fails_with(&score(dir.path(), &missing), "nowhere.wav");
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails_with(
        &score(dir.path(), dir.path()),
        &dir.path().display().to_string(),
    );
    assert!(err.contains("directory"), "{err}");
}

#[test]
fn a_file_that_is_not_audio_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("notes.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .unwrap();
    fails_with(&score(dir.path(), &pdf), "notes.pdf");
    let random = dir.path().join("noise.wav");
    let bytes: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&random, bytes).unwrap();
    fails_with(&score(dir.path(), &random), "noise.wav");
}

#[test]
fn a_truncated_wav_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    let bytes = std::fs::read(wav).unwrap();
    let cut = dir.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..30]).unwrap();
    fails_with(&score(dir.path(), &cut), "cut.wav");
}

#[test]
fn a_zero_length_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::File::create(&empty).unwrap();
    fails_with(&score(dir.path(), &empty), "empty.wav");
    let no_samples = dir.path().join("header-only.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(&no_samples, spec)
        .unwrap()
        .finalize()
        .unwrap();
    fails_with(&score(dir.path(), &no_samples), "header-only.wav");
}

#[test]
#[cfg_attr(
    missing = "sox",
    ignore = "sox is not installed (scripts/bootstrap installs it)"
)]
fn silence_and_near_silence_are_refused_without_invented_text() {
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent.wav");
    tool(
        "sox",
        &[
            "-n",
            "-r",
            "16000",
            "-c",
            "1",
            silent.to_str().unwrap(),
            "trim",
            "0",
            "10",
        ],
    );
    let err = fails_with(&score(dir.path(), &silent), "silent.wav");
    assert!(err.contains("no speech"), "{err}");
    let hiss = dir.path().join("hiss.wav");
    tool(
        "sox",
        &[
            "-n",
            "-r",
            "16000",
            "-c",
            "1",
            hiss.to_str().unwrap(),
            "synth",
            "10",
            "whitenoise",
            "vol",
            "0.0005",
        ],
    );
    fails_with(&score(dir.path(), &hiss), "hiss.wav");
}

#[test]
fn a_sample_rate_too_low_for_speech_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let low = dir.path().join("low.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 4_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&low, spec).unwrap();
    for i in 0..8_000 {
        w.write_sample(((i as f32 * 0.3).sin() * 8_000.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
    let err = fails_with(&score(dir.path(), &low), "low.wav");
    assert!(err.contains("4000"), "{err}");
}

#[test]
#[cfg_attr(
    missing = "sox",
    ignore = "sox is not installed (scripts/bootstrap installs it)"
)]
fn a_two_hour_file_is_refused_before_it_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("two-hours.flac");
    tool(
        "sox",
        &[
            "-n",
            "-r",
            "16000",
            "-c",
            "1",
            long.to_str().unwrap(),
            "trim",
            "0",
            "7200",
        ],
    );
    let started = std::time::Instant::now();
    let err = fails_with(&score(dir.path(), &long), "two-hours.flac");
    assert!(err.contains("2 h"), "{err}");
    // Not a timing assertion on speed: a refusal that decoded two hours first would take minutes.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn a_wrong_or_truncated_model_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    let wav = wav.to_str().unwrap();
    let fake = dir.path().join("ggml-fake.bin");
    std::fs::File::create(&fake)
        .unwrap()
        .write_all(b"this is not a model at all")
        .unwrap();
    fails_with(
        &run(
            dir.path(),
            &["score", "--model", fake.to_str().unwrap(), wav],
        ),
        "ggml-fake.bin",
    );

    let good = run(dir.path(), &["models", "path"]);
    assert!(
        good.status.success(),
        "no model installed: {}",
        String::from_utf8_lossy(&good.stderr)
    );
    let good = String::from_utf8(good.stdout).unwrap();
    let bytes = std::fs::read(good.trim()).unwrap();
    let cut = dir.path().join("ggml-cut.bin");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = fails_with(
        &run(
            dir.path(),
            &["score", "--model", cut.to_str().unwrap(), wav],
        ),
        "ggml-cut.bin",
    );
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_model_that_is_not_installed_names_the_commands_that_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = jfk();
    let err = fails_with(
        &run(
            dir.path(),
            &[
                "score",
                "--model",
                "small.en-nonexistent",
                wav.to_str().unwrap(),
            ],
        ),
        "small.en-nonexistent",
    );
    assert!(err.contains("rehearse models fetch"), "{err}");
}

#[test]
fn a_bad_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[transcribe]\nlanguge = \"en\"\n").unwrap();
    let (wav, _) = jfk();
    let out = run(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "score",
            wav.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("languge") && err.contains("config.toml"),
        "{err}"
    );
}
