//! Loading recordings and finding where the speaker talks.
//!
//! [`load`] turns any recording rehearse accepts (WAV, MP3, FLAC, Ogg/Vorbis, M4A/AAC) into
//! 16 kHz mono `f32` samples, the form the transcriber and the measurements want. [`decode`]
//! reads the container and codec with symphonia and downmixes to mono, [`resample`] converts the
//! rate with a band-limited FFT resampler while decoding goes on, so only the 16 kHz result is
//! ever held in memory, and [`vad`] marks the voiced regions and the pauses between them. Every
//! failure of the layer (loading, recording, capture) is an [`AudioError`] ([`error`]) whose
//! message is one sentence naming the file or device, fit to show a user.

pub mod capture;
pub mod decode;
pub mod error;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod recorder;
pub mod resample;
pub mod vad;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use error::AudioError;

/// The sample rate of every [`Audio`] that [`load`] returns, in Hz.
pub const SAMPLE_RATE: u32 = 16_000;
/// Milliseconds of `n` samples at [`SAMPLE_RATE`], rounded down.
pub fn samples_to_ms(n: usize) -> u64 {
    n as u64 * 1000 / SAMPLE_RATE as u64
}

/// Samples at [`SAMPLE_RATE`] in `ms` milliseconds, rounded down.
pub fn ms_to_samples(ms: u64) -> usize {
    (ms * SAMPLE_RATE as u64 / 1000) as usize
}

/// The lowest source sample rate accepted: below it, speech is too band-limited to transcribe.
pub const MIN_SOURCE_RATE: u32 = 8_000;
/// The highest source sample rate accepted; higher claims are almost always a corrupt header.
pub const MAX_SOURCE_RATE: u32 = 384_000;
/// The most channels a recording may have.
pub const MAX_CHANNELS: usize = 32;

/// What a recording was before it was converted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceInfo {
    /// The path as the user gave it.
    pub path: PathBuf,
    /// The container: "wav", "mp3", "flac", "ogg" or "m4a" (also "aac", "aiff", "caf", "mkv").
    pub container: String,
    /// The codec's short name as symphonia reports it, such as "pcm_s16le", "mp3" or "aac".
    pub codec: String,
    /// The source sample rate in Hz.
    pub sample_rate: u32,
    /// The source channel count.
    pub channels: u16,
    /// The length of the decoded audio in milliseconds.
    pub duration_ms: u64,
}

/// A recording as 16 kHz mono samples, with what it was converted from.
#[derive(Debug, Clone)]
pub struct Audio {
    /// Samples at [`SAMPLE_RATE`], one channel, nominally within -1.0..=1.0.
    pub samples: Vec<f32>,
    /// The recording the samples came from.
    pub source: SourceInfo,
}

impl Audio {
    /// The length of the samples in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }
}

/// Bounds on what [`load`] accepts, so a mistaken file cannot eat the machine's memory.
#[derive(Debug, Clone)]
pub struct LoadLimits {
    /// The longest recording accepted, in milliseconds.
    pub max_duration_ms: u64,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_duration_ms: 30 * 60 * 1000,
        }
    }
}

/// Refuses a sample rate or channel count outside what rehearse handles, where one is known.
pub(crate) fn check_format(
    path: &Path,
    rate: Option<u32>,
    channels: Option<usize>,
) -> Result<(), AudioError> {
    let path = path.to_path_buf();
    match (rate, channels) {
        (Some(rate), _) if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&rate) => {
            Err(AudioError::SampleRate { path, rate })
        }
        (_, Some(channels)) if !(1..=MAX_CHANNELS).contains(&channels) => {
            Err(AudioError::Channels { path, channels })
        }
        _ => Ok(()),
    }
}

/// A duration the way a person reads it: "45 s", "30 min", "4 min 5 s", "2 h 0 min".
///
/// Seconds are rounded up, so a recording a fraction over the limit never reads as equal to it.
pub fn format_duration(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// Decodes the recording at `path` and converts it to 16 kHz mono.
///
/// The path is checked first so the common mistakes (a typo, a folder, an empty file) get a plain
/// message rather than a decoder's.
pub fn load(path: &Path, limits: &LoadLimits) -> Result<Audio, AudioError> {
    load_reporting(path, limits, &|_| {})
}

/// Like [`load`], calling `progress(ms)` with the milliseconds of the recording decoded so far
/// after each packet, for a progress bar.
pub fn load_reporting(
    path: &Path,
    limits: &LoadLimits,
    progress: &dyn Fn(u64),
) -> Result<Audio, AudioError> {
    check_file(path)?;
    let mut stream: Option<resample::Resampler16k> = None;
    let mut frames = 0u64;
    let resample_error = |source| AudioError::Resample {
        path: path.to_path_buf(),
        source,
    };
    let source = decode::decode(path, limits, &mut |rate, mono| {
        let resampler = match &mut stream {
            Some(resampler) => resampler,
            None => stream.insert(resample::Resampler16k::new(rate).map_err(resample_error)?),
        };
        resampler.push(mono).map_err(resample_error)?;
        frames += mono.len() as u64;
        progress(frames * 1000 / u64::from(rate.max(1)));
        Ok(())
    })?;
    let mut samples = match stream {
        Some(resampler) => resampler.finish().map_err(resample_error)?,
        None => Vec::new(),
    };
    if samples.is_empty() {
        return Err(AudioError::Empty(path.to_path_buf()));
    }
    // The output grew by doubling; the spare capacity (up to as much again) is given back, so a
    // long recording holds its samples and nothing more while it is transcribed.
    samples.shrink_to_fit();
    Ok(Audio { samples, source })
}

/// Refuses paths that are missing, folders or empty files before any decoder sees them, and
/// WAV headers whose channel count or rate is out of range.
fn check_file(path: &Path) -> Result<(), AudioError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => AudioError::NotFound(path.to_path_buf()),
        _ => AudioError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(AudioError::IsDirectory(path.to_path_buf()));
    }
    // Pipes and devices report a length of zero, so only a regular file can be judged empty here.
    if meta.is_file() && meta.len() == 0 {
        return Err(AudioError::Empty(path.to_path_buf()));
    }
    match wav_format(path) {
        Some((channels, rate)) => check_format(path, Some(rate), Some(usize::from(channels))),
        None => Ok(()),
    }
}

/// The channel count and sample rate a WAV file's format chunk states, read directly.
///
/// Symphonia refuses impossible channel counts with a generic parse error, so the WAV header is
/// looked at first to tell the user what is actually wrong with the file.
fn wav_format(path: &Path) -> Option<(u16, u32)> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut pos = 12usize;
    while let Some(chunk) = head.get(pos..pos + 8) {
        let len = u32::from_le_bytes(chunk[4..8].try_into().ok()?) as usize;
        if &chunk[0..4] == b"fmt " {
            let body = head.get(pos + 8..pos + 16)?;
            let channels = u16::from_le_bytes([body[2], body[3]]);
            return Some((channels, u32::from_le_bytes(body[4..8].try_into().ok()?)));
        }
        pos = pos.checked_add(8 + len + (len & 1))?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn load_bytes(dir: &Path, name: &str, bytes: &[u8]) -> Result<Audio, AudioError> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        load(&path, &LoadLimits::default())
    }

    #[test]
    fn bad_paths_and_headers_get_the_right_error() {
        use AudioError as E;
        type Check = fn(&AudioError) -> bool;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert!(matches!(
            load(&d.join("a.wav"), &LoadLimits::default()),
            Err(E::NotFound(_))
        ));
        assert!(matches!(
            load(d, &LoadLimits::default()),
            Err(E::IsDirectory(_))
        ));
        let pcm = vec![0u8; 32_000];
        let wav = |rate, channels, lens| raw_wav(1, channels, rate, 16, &pcm, lens);
        let good = wav(16_000, 1, None);
        let cases: [(&str, Vec<u8>, Check); 11] = [
            ("empty.wav", vec![], |e| matches!(e, E::Empty(_))),
            ("silent.wav", raw_wav(1, 1, 16_000, 16, &[], None), |e| {
                matches!(e, E::Empty(_))
            }),
            ("notes.pdf", b"%PDF-1.4\n1 0 obj\n".to_vec(), |e| {
                matches!(e, E::NotAudio(_))
            }),
            ("header.wav", good[..30].to_vec(), |e| {
                matches!(e, E::Corrupt { .. })
            }),
            ("cut.wav", good[..1000].to_vec(), |e| {
                matches!(e, E::Corrupt { .. })
            }),
            ("no-data.wav", good[..44].to_vec(), |e| {
                matches!(e, E::Corrupt { .. })
            }),
            ("huge.wav", wav(16_000, 1, Some(0xFFFF_FF00)), |e| {
                matches!(e, E::Corrupt { .. })
            }),
            ("low.wav", wav(4_000, 1, None), |e| {
                matches!(e, E::SampleRate { rate: 4_000, .. })
            }),
            ("high.wav", wav(500_000, 1, None), |e| {
                matches!(e, E::SampleRate { .. })
            }),
            ("none.wav", wav(16_000, 0, None), |e| {
                matches!(e, E::Channels { channels: 0, .. })
            }),
            ("many.wav", wav(16_000, 40, None), |e| {
                matches!(e, E::Channels { channels: 40, .. })
            }),
        ];
        for (name, bytes, check) in cases {
            let err = load_bytes(d, name, &bytes).unwrap_err();
            assert!(check(&err), "{name}: {err:?}");
        }
    }

    #[test]
    fn messages_are_one_sentence_naming_the_file() {
        let missing = load(Path::new("answer.wav"), &LoadLimits::default()).unwrap_err();
        assert_eq!(missing.to_string(), "answer.wav does not exist");
        let rate = AudioError::SampleRate {
            path: "a.wav".into(),
            rate: 4000,
        };
        let want = "a.wav has a sample rate of 4000 Hz; rehearse needs at least 8000 Hz";
        assert_eq!(rate.to_string(), want);
        let long = AudioError::TooLong {
            path: "a.wav".into(),
            duration_ms: 7_200_000,
            limit_ms: 1_800_000,
        };
        let want = "a.wav is 2 h 0 min long; rehearse takes recordings up to 30 min";
        assert_eq!(long.to_string(), want);
        let formatted = [45_000, 245_000, 1_800_001].map(format_duration);
        assert_eq!(formatted, ["45 s", "4 min 5 s", "30 min 1 s"]);
    }

    #[test]
    fn too_long_is_caught_from_the_header_and_while_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let lim = LoadLimits {
            max_duration_ms: 1000,
        };
        let pcm: Vec<u8> = sine(16_000, 3.0, 200.0, 0.5)
            .iter()
            .flat_map(|&s| ((s * 32767.0) as i16).to_le_bytes())
            .collect();
        let path = dir.path().join("a.wav");
        std::fs::write(&path, raw_wav(1, 1, 16_000, 16, &pcm, None)).unwrap();
        assert!(matches!(
            load(&path, &lim),
            Err(AudioError::TooLong {
                duration_ms: 3000,
                ..
            })
        ));
        // A streamed WAV leaves both lengths at their maximum, so only decoding finds the length;
        // the rest is then measured from packet durations, which round up to whole packets.
        std::fs::write(&path, raw_wav(1, 1, 16_000, 16, &pcm, Some(u32::MAX))).unwrap();
        let streamed = load(&path, &lim);
        assert!(
            matches!(
                streamed,
                Err(AudioError::TooLong {
                    duration_ms: 2900..=3100,
                    ..
                })
            ),
            "{streamed:?}"
        );
    }

    #[test]
    fn wav_format_reads_the_fmt_chunk_after_other_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wav");
        let mut bytes = b"RIFF\0\0\0\0WAVEJUNK\x03\0\0\0abc\0fmt \x10\0\0\0".to_vec();
        bytes.extend_from_slice(&[1, 0, 40, 0, 0x80, 0x3e, 0, 0]);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(wav_format(&path), Some((40, 16_000)));
        std::fs::write(&path, b"RIFF\0\0\0\0WAVEfmt \xff\xff\xff\xff").unwrap();
        assert_eq!(wav_format(&path), None);
    }

    /// A short stereo tone as a WAV file in `dir`, the seed of the mangling tests.
    fn valid_wav(dir: &Path) -> PathBuf {
        let wav = dir.join("v.wav");
        write_wav(&wav, 22_050, 2, 16, false, &sine(22_050, 0.3, 440.0, 0.5));
        wav
    }

    #[test]
    fn random_and_mangled_wav_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let wav = std::fs::read(valid_wav(dir.path())).unwrap();
        never_panics_on_mangled(dir.path(), &[wav]);
    }

    #[test]
    #[cfg_attr(
        missing = "sox",
        ignore = "sox is not installed (scripts/bootstrap installs it)"
    )]
    fn mangled_mp3_flac_and_ogg_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let wav = valid_wav(dir.path());
        let valid: Vec<Vec<u8>> = ["mp3", "flac", "ogg"]
            .into_iter()
            .map(|ext| {
                let out = dir.path().join(format!("v.{ext}"));
                make("sox", &[wav.as_ref(), out.as_ref()]);
                std::fs::read(&out).unwrap()
            })
            .collect();
        never_panics_on_mangled(dir.path(), &valid);
    }

    /// Loads 200 inputs made from `valid` files (random bytes, truncations, flipped bytes) and
    /// fails on a panic or on a codec panic that was caught and reported as corruption.
    fn never_panics_on_mangled(dir: &Path, valid: &[Vec<u8>]) {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || xorshift(&mut seed) as usize;
        for round in 0..200 {
            let mut bytes = valid[round / 4 % valid.len()].clone();
            match round % 4 {
                0 => bytes = (0..next() % 20_000).map(|_| next() as u8).collect(),
                1 => bytes.truncate(next() % bytes.len()),
                _ => (0..1 + next() % 40).for_each(|_| {
                    let i = next() % bytes.len();
                    bytes[i] = next() as u8;
                }),
            }
            // Any outcome but a panic is fine for garbage, and a codec panic that was caught
            // would still be a bug worth knowing about.
            if let Err(AudioError::Corrupt { problem, .. }) = load_bytes(dir, "f.bin", &bytes) {
                assert!(
                    !matches!(problem, error::Corruption::DecoderPanicked),
                    "round {round}: {problem}"
                );
            }
        }
    }
}
