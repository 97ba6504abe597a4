//! Deleting from the store: whole sessions, or only their recordings, and the audio retention rule
//! (`[practice] keep_audio_days`), which removes old recordings and keeps their transcripts, scores
//! and critiques.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::dir::{utc_stamp, write_atomically};
use super::{Catalog, Entry, StoreError};

/// Whether `e` started more than `age` ago.
pub fn older(e: &Entry, age: Duration) -> bool {
    let cutoff = utc_stamp(SystemTime::now() - age);
    e.summary.started < cutoff
}

/// Deletes a whole session folder.
pub fn delete_session(e: &Entry) -> Result<(), StoreError> {
    fs::remove_dir_all(&e.dir).map_err(|source| StoreError::Delete {
        dir: e.dir.clone(),
        source,
    })
}

/// Removes a session's WAV files and records that in its summary. Returns how many went.
pub fn delete_audio(e: &Entry) -> Result<usize, StoreError> {
    remove_wavs(e).map_err(|source| StoreError::DeleteAudio {
        dir: e.dir.clone(),
        source,
    })
}

fn remove_wavs(e: &Entry) -> std::io::Result<usize> {
    let mut n = 0;
    for file in fs::read_dir(&e.dir)? {
        let path = file?.path();
        if path.extension().is_some_and(|x| x == "wav") {
            fs::remove_file(&path)?;
            n += 1;
        }
    }
    let mut summary = e.summary.clone();
    for a in &mut summary.answers {
        a.audio = None;
    }
    let mut text = serde_json::to_string_pretty(&summary).expect("a summary serialises");
    text.push('\n');
    write_atomically(&e.dir.join("summary.json"), text.as_bytes())
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    Ok(n)
}

/// Removes the recordings of sessions under `root` older than `days` days. Failures are warnings:
/// retention must never stop a session.
pub fn apply(root: &Path, days: u32) {
    let catalog = Catalog::load(root);
    let age = Duration::from_secs(u64::from(days) * 86_400);
    for e in catalog.entries.iter().filter(|e| older(e, age)) {
        if e.summary.answers.iter().all(|a| a.audio.is_none()) && !has_wav(&e.dir) {
            continue;
        }
        match remove_wavs(e) {
            Ok(n) => tracing::info!(
                "removed {n} recording(s) older than {days} days from {}",
                e.id()
            ),
            Err(err) => tracing::warn!(
                "cannot remove old recordings from {}: {err}",
                e.dir.display()
            ),
        }
    }
}

fn has_wav(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|f| f.path().extension().is_some_and(|x| x == "wav"))
    })
}
