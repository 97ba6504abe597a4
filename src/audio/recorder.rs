//! Durable recording: answers are written to a WAV file while they are spoken.
//!
//! A live answer is the one thing rehearse can never recreate, so it reaches the disk before any
//! transcription or network call sees it. [`WavRecorder`] appends 16-bit PCM samples as they arrive
//! and, at least once a second, rewrites the two size fields of the header and asks the kernel to
//! put the file on disk. A WAV reader trusts those fields, so whatever happens next (Ctrl-C, a crash,
//! `SIGKILL`, a full disk) the file reads back as a valid recording of everything up to the last
//! sync, and at most about a second is lost. When a write fails, the header is pointed back at the
//! last sample that was written whole, so even a full disk leaves a readable file.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{AudioError, SAMPLE_RATE};

/// How often the header is brought up to date and the file synced.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// The canonical 44-byte header's length: RIFF, fmt and data chunk heads.
const HEADER_LEN: u64 = 44;
/// Bytes per sample: 16-bit PCM.
const BYTES_PER_SAMPLE: u64 = 2;
/// The most data a RIFF file can describe (its sizes are u32), rounded down to whole samples.
const MAX_DATA_BYTES: u64 = (u32::MAX as u64 - HEADER_LEN) / BYTES_PER_SAMPLE * BYTES_PER_SAMPLE;

/// A WAV file being written as samples arrive.
pub struct WavRecorder {
    path: PathBuf,
    file: File,
    /// Data bytes written to the file so far.
    written: u64,
    /// Data bytes the header describes: everything up to the last sync.
    synced: u64,
    last_sync: Instant,
    /// Reused encoding buffer, so appending does not allocate once it has grown.
    buf: Vec<u8>,
    failed: bool,
}

impl WavRecorder {
    /// Creates `path` (which must not exist yet) with an empty, valid header.
    pub fn create(path: &Path) -> Result<Self, AudioError> {
        let create_err = |source| AudioError::CreateRecording {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(create_err)?;
        file.write_all(&header(0)).map_err(create_err)?;
        file.sync_all().map_err(create_err)?;
        Ok(WavRecorder {
            path: path.to_path_buf(),
            file,
            written: 0,
            synced: 0,
            last_sync: Instant::now(),
            buf: Vec::new(),
            failed: false,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Seconds of audio written so far.
    pub fn seconds(&self) -> f64 {
        (self.written / BYTES_PER_SAMPLE) as f64 / SAMPLE_RATE as f64
    }

    /// Appends 16 kHz mono samples (-1.0 to 1.0, clipped beyond), syncing when a second has passed.
    pub fn append(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        if self.failed {
            return Err(self.write_error(io::Error::other("an earlier write failed")));
        }
        let room = (MAX_DATA_BYTES - self.written) / BYTES_PER_SAMPLE;
        let take = samples.len().min(room as usize);
        self.buf.clear();
        self.buf.extend(
            samples[..take]
                .iter()
                .flat_map(|s| to_i16(*s).to_le_bytes()),
        );
        if let Err(e) = self.file.write_all(&self.buf) {
            return Err(self.fail(e));
        }
        self.written += self.buf.len() as u64;
        if take < samples.len() {
            self.sync()?;
            return Err(AudioError::RecordingFull {
                path: self.path.clone(),
            });
        }
        if self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    /// Points the header at everything written and puts the file on disk.
    pub fn sync(&mut self) -> Result<(), AudioError> {
        if self.failed {
            return Err(self.write_error(io::Error::other("an earlier write failed")));
        }
        // Data first, then the header that describes it: a crash between the two leaves a header
        // that describes less than the file holds, which readers accept, never more.
        let result = self
            .file
            .sync_data()
            .and_then(|_| write_sizes(&mut self.file, self.written))
            .and_then(|_| self.file.sync_data());
        match result {
            Ok(()) => {
                self.synced = self.written;
                self.last_sync = Instant::now();
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Syncs a last time and closes the file, returning its length in seconds.
    pub fn finish(mut self) -> Result<f64, AudioError> {
        self.sync()?;
        Ok(self.seconds())
    }

    /// Records a write failure: the header goes back to the last whole sample written, best effort.
    fn fail(&mut self, source: io::Error) -> AudioError {
        self.failed = true;
        // A short write may have left part of a sample; the header only ever claims whole ones.
        let whole = self.file.stream_position().map_or(self.synced, |end| {
            let data = end.saturating_sub(HEADER_LEN);
            (data / BYTES_PER_SAMPLE * BYTES_PER_SAMPLE).max(self.synced)
        });
        self.written = whole.min(self.written.max(self.synced));
        if write_sizes(&mut self.file, self.written).is_ok() {
            let _ = self.file.sync_data();
            self.synced = self.written;
        }
        self.write_error(source)
    }

    fn write_error(&self, source: io::Error) -> AudioError {
        AudioError::WriteRecording {
            path: self.path.clone(),
            source,
            kept_secs: (self.synced / BYTES_PER_SAMPLE) as f64 / SAMPLE_RATE as f64,
        }
    }
}

impl Drop for WavRecorder {
    fn drop(&mut self) {
        // An early return or a panic still leaves a header that covers everything written.
        if !self.failed && self.synced != self.written {
            let _ = self.sync();
        }
    }
}

/// Rewrites the RIFF and data sizes for `data` bytes of samples, then returns to the end.
fn write_sizes(file: &mut File, data: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(4))?;
    file.write_all(&((HEADER_LEN - 8 + data) as u32).to_le_bytes())?;
    file.seek(SeekFrom::Start(40))?;
    file.write_all(&(data as u32).to_le_bytes())?;
    file.seek(SeekFrom::Start(HEADER_LEN + data))?;
    Ok(())
}

/// The 44-byte header of a 16 kHz mono 16-bit PCM WAV file holding `data` bytes.
fn header(data: u32) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    let byte_rate = SAMPLE_RATE * BYTES_PER_SAMPLE as u32;
    let fields: [(usize, &[u8]); 13] = [
        (0, b"RIFF"),
        (4, &(HEADER_LEN as u32 - 8 + data).to_le_bytes()),
        (8, b"WAVE"),
        (12, b"fmt "),
        (16, &16u32.to_le_bytes()),
        (20, &1u16.to_le_bytes()),
        (22, &1u16.to_le_bytes()),
        (24, &SAMPLE_RATE.to_le_bytes()),
        (28, &byte_rate.to_le_bytes()),
        (32, &(BYTES_PER_SAMPLE as u16).to_le_bytes()),
        (34, &16u16.to_le_bytes()),
        (36, b"data"),
        (40, &data.to_le_bytes()),
    ];
    for (at, bytes) in fields {
        h[at..at + bytes.len()].copy_from_slice(bytes);
    }
    h
}

/// A sample as 16-bit PCM. Decoders and capture read 16-bit audio as `n / 32768`, so the same
/// scale here gives back every 16-bit input sample unchanged.
fn to_i16(s: f32) -> i16 {
    (s * 32_768.0)
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(path: &Path) -> Vec<i16> {
        let mut r = hound::WavReader::open(path).expect("a valid WAV");
        let spec = r.spec();
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (16_000, 1, 16)
        );
        r.samples::<i16>().map(|s| s.unwrap()).collect()
    }

    #[test]
    fn a_finished_recording_reads_back_sample_for_sample() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut rec = WavRecorder::create(&path).unwrap();
        let samples: Vec<f32> = (0..48_000)
            .map(|i| ((i as f32) * 0.01).sin() * 0.5)
            .collect();
        for piece in samples.chunks(1_000) {
            rec.append(piece).unwrap();
        }
        assert_eq!(rec.finish().unwrap(), 3.0);
        let back = read_back(&path);
        assert_eq!(back.len(), samples.len());
        assert!(back.iter().zip(&samples).all(|(b, s)| *b == to_i16(*s)));
    }

    #[test]
    fn the_file_is_valid_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let _rec = WavRecorder::create(&path).unwrap();
        assert!(read_back(&path).is_empty());
    }

    #[test]
    fn after_a_sync_the_header_covers_what_was_written_even_if_never_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut rec = WavRecorder::create(&path).unwrap();
        rec.append(&[0.25; 16_000]).unwrap();
        rec.sync().unwrap();
        rec.append(&[0.25; 8_000]).unwrap();
        // Leak the recorder as a killed process would: no finish, no drop.
        std::mem::forget(rec);
        assert_eq!(read_back(&path).len(), 16_000);
    }

    #[test]
    fn dropping_a_recorder_syncs_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut rec = WavRecorder::create(&path).unwrap();
        rec.append(&[0.1; 4_000]).unwrap();
        drop(rec);
        assert_eq!(read_back(&path).len(), 4_000);
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        std::fs::write(&path, b"keep me").unwrap();
        let err = WavRecorder::create(&path).err().unwrap();
        assert!(err.to_string().contains("a.wav"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    }

    #[test]
    fn samples_beyond_full_scale_are_clipped_not_wrapped() {
        assert_eq!(to_i16(2.0), i16::MAX);
        assert_eq!(to_i16(-2.0), i16::MIN);
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(f32::NAN), 0);
    }

    #[test]
    fn sixteen_bit_samples_come_back_unchanged() {
        for n in [i16::MIN, -12_345, -1, 0, 1, 18_557, i16::MAX] {
            assert_eq!(to_i16(f32::from(n) / 32_768.0), n);
        }
    }

    #[test]
    fn a_full_disk_keeps_a_readable_file_and_names_what_was_kept() {
        // /dev/full fails every write with ENOSPC; a recorder over it shows the error path.
        let Ok(full) = OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        let mut rec = WavRecorder {
            path: PathBuf::from("/dev/full"),
            file: full,
            written: 0,
            synced: 0,
            last_sync: Instant::now(),
            buf: Vec::new(),
            failed: false,
        };
        let err = rec.append(&[0.5; 1_000]).unwrap_err();
        assert!(err.to_string().contains("0.0 s recorded"), "{err}");
        assert!(
            rec.append(&[0.5; 10]).is_err(),
            "later appends keep failing"
        );
    }
}
