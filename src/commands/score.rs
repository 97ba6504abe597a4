//! `rehearse score FILE`: a recording (or a text transcript) in, a transcript and delivery figures out.

use std::path::Path;
use std::time::Instant;

use crate::Error;
use crate::audio::recorder::WavRecorder;
use crate::audio::{self, Audio};
use crate::error::{Silence, TranscriptProblem};
use crate::progress::{self, Bar, Unit};
use crate::questions::Bank;
use crate::score::{AudioFormat, Heard, ScoreReport, Scorer, Source, SourceKind, assess};
use crate::session::SessionError;
use crate::settings::Settings;
use crate::store::SessionDir;
use crate::store::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};
use crate::transcribe::Transcript;

/// File endings read as plain-text transcripts rather than recordings.
const TEXT_ENDINGS: [&str; 3] = ["txt", "text", "md"];

/// Scores the answer in `file` against the question `question` (default: the configured one).
/// Returns the report and, for a recording, its 16 kHz samples. Unless `quiet`, a recording's
/// decoding and transcription show a progress bar on a terminal.
pub fn run(
    settings: &Settings,
    file: &Path,
    question: Option<&str>,
    quiet: bool,
) -> Result<(ScoreReport, Option<Vec<f32>>), Error> {
    // The question is looked up first, so a typo costs nothing and never a transcription.
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    let question = super::find_question(&bank, question, settings)?;
    let is_text = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TEXT_ENDINGS.contains(&e.to_ascii_lowercase().as_str()));
    let (heard, audio) = if is_text {
        (heard_text(file)?, None)
    } else {
        let (heard, audio) = heard_audio(settings, file, quiet)?;
        (heard, Some(audio))
    };
    let samples = audio.as_ref().map(|a| a.samples.as_slice());
    let report = assess(&Scorer::new(question), Heard { samples, ..heard });
    Ok((report, audio.map(|a| a.samples)))
}

/// Keeps a scored answer in the session store: its report, its audio as 16 kHz WAV (the original
/// may be moved or deleted later) and the session's summary. Returns the session folder.
pub fn save(
    settings: &Settings,
    report: &ScoreReport,
    samples: Option<&[f32]>,
) -> Result<std::path::PathBuf, SessionError> {
    let question = &report.score.question;
    let dir = SessionDir::create(&settings.store.sessions_dir, question)?;
    let used = UsedSettings {
        model: report.model.as_ref().map(|m| m.name.clone()),
        language: settings.transcribe.language.clone(),
        ..UsedSettings::default()
    };
    let mut summary = SessionSummary::new(Kind::Score, dir.stamp(), question, used);
    let mut answer = AnswerSummary::new(
        1,
        "answer",
        &report.score.question_text,
        "answer-1.json",
        report,
    );
    if let Some(samples) = samples {
        let path = dir.file("answer-1.wav");
        let mut wav = WavRecorder::create(&path).map_err(SessionError::Audio)?;
        // Written a second at a time: the recorder converts what it is given in one buffer, which
        // for a whole long recording would be another copy of it.
        for block in samples.chunks(audio::SAMPLE_RATE as usize) {
            wav.append(block).map_err(SessionError::Audio)?;
        }
        wav.finish().map_err(SessionError::Audio)?;
        answer.audio = Some("answer-1.wav".into());
    }
    dir.write_json("answer-1.json", report)?;
    summary.answers.push(answer);
    summary.complete = true;
    dir.write_json("summary.json", &summary)?;
    Ok(dir.path().to_path_buf())
}

/// A text transcript, as heard: no audio, so no timing figures.
fn heard_text(file: &Path) -> Result<Heard<'static>, Error> {
    let problem = |problem| Error::Transcript {
        path: file.to_path_buf(),
        problem,
    };
    if file.is_dir() {
        return Err(problem(TranscriptProblem::IsDirectory));
    }
    let bytes = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => problem(TranscriptProblem::NotFound),
        _ => problem(TranscriptProblem::Unreadable(e)),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| problem(TranscriptProblem::NotUtf8))?;
    let transcript = Transcript::from_text(&text);
    if transcript.is_empty() {
        return Err(problem(TranscriptProblem::Empty));
    }
    Ok(Heard {
        source: Source {
            path: file.display().to_string(),
            kind: SourceKind::Transcript,
            audio: None,
        },
        model: None,
        transcript,
        samples: None,
        notes: vec!["timing figures are unknown: a text transcript has no timings".into()],
    })
}

/// A recording, decoded and transcribed; its samples are handed back beside what was heard.
/// The bar shows how much has been decoded, then how much transcribed; it is cleared on return.
fn heard_audio(
    settings: &Settings,
    file: &Path,
    quiet: bool,
) -> Result<(Heard<'static>, Audio), Error> {
    let started = Instant::now();
    let name = file
        .file_name()
        .unwrap_or(file.as_os_str())
        .to_string_lossy();
    let label = format!("decoding {name}");
    let bar = Bar::new(progress::on_terminal(quiet), &label, None, Unit::AudioMs);
    let audio = audio::load_reporting(file, &settings.audio, &|ms| bar.set(ms))?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "decoded {}",
        file.display()
    );
    let no_speech = |why| Error::NoSpeech {
        path: file.to_path_buf(),
        why,
    };
    if audio::vad::is_silent(&audio.samples) {
        return Err(no_speech(Silence::Silent));
    }
    let mut recogniser = super::engine::recogniser(settings)?;
    let mut engine = (recogniser.factory)()?;
    let model = recogniser.used;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "loaded {}",
        model.path
    );
    let label = format!("transcribing with {}", model.name);
    bar.stage(&label, 0, Some(audio.duration_ms()));
    let transcript =
        engine.transcribe_with_progress(&audio.samples, 0, &|done, _| bar.set(done))?;
    bar.finish();
    tracing::info!(ms = started.elapsed().as_millis() as u64, "transcribed");
    if transcript.is_empty() {
        return Err(no_speech(Silence::NoWords));
    }
    let heard = Heard {
        source: Source {
            path: file.display().to_string(),
            kind: SourceKind::Audio,
            audio: Some(AudioFormat {
                container: audio.source.container.clone(),
                codec: audio.source.codec.clone(),
                sample_rate: audio.source.sample_rate,
                channels: audio.source.channels,
            }),
        },
        model: Some(model),
        transcript,
        samples: None,
        notes: Vec::new(),
    };
    Ok((heard, audio))
}
