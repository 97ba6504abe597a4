//! Live practice: one question answered out loud against the clock, transcribed while it is spoken,
//! scored the moment it ends.
//!
//! [`source`] gives 16 kHz audio from the microphone or from a recording played at speaking pace,
//! [`clock`] says where the answer stands against its target, the store (`crate::store`) keeps
//! each answer on disk,
//! [`screen`] shows progress (the full-screen view or plain lines), [`answer`] runs one answer from
//! the first sample to its report, and [`practice`] strings answers into a session: one answer, or
//! the 90-second then 2-minute drill of `--versions` with its comparison ([`versions`]).
//!
//! The order of work protects the answer: every block of audio is written to the answer's WAV file
//! before anything else sees it, and the file is finished before transcription results are awaited,
//! so no failure later in the pipeline can cost the recording.

pub mod answer;
pub mod clock;
pub mod practice;
pub mod record;
pub mod source;
pub mod versions;
pub mod view;

use std::path::PathBuf;

use crate::audio::AudioError;
use crate::store::StoreError;
use crate::transcribe::TranscribeError;

/// What stops a practice session. Each message names what failed and says what was kept.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The audio: the recording given with `--input` cannot be read, the microphone failed or is
    /// missing, or the answer could not be written to disk.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Transcription failed after the audio was saved.
    #[error("transcribing the answer failed; its audio is kept in {0}, and `rehearse score {0}` scores it later", audio.display())]
    Transcribe {
        /// The answer's WAV file.
        audio: PathBuf,
        /// What whisper reported.
        #[source]
        source: TranscribeError,
    },
    /// The session folder or a result file could not be written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing was recognised in the answer.
    #[error("no speech was recognised in the answer; its audio is kept in {}", audio.display())]
    NoSpeech {
        /// The answer's WAV file.
        audio: PathBuf,
    },
    /// The audio source failed mid-answer; what was recorded before was transcribed and scored.
    #[error("the answer was cut short, and what was recorded is kept in {}", answer.audio.display())]
    Interrupted {
        /// The answer as far as it went.
        answer: Box<answer::Answer>,
        /// What failed.
        #[source]
        source: Box<SessionError>,
    },
    /// The session ran to its end, but some of its files could not be written (a full disk, a
    /// folder gone); the session itself is here, so nothing computed is lost.
    #[error("{} of the session's files could not be saved in {} (the first: {}); the results above were computed but not kept there", unsaved.len(), session.session_dir.display(), unsaved[0])]
    NotSaved {
        /// The session as it ended.
        session: Box<record::Practice>,
        /// Every write that failed, in order; never empty.
        unsaved: Vec<StoreError>,
    },
    /// The terminal could not be drawn on or read from.
    #[error("the terminal failed: {0}")]
    Terminal(#[source] std::io::Error),
}
