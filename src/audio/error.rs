//! The audio layer's one error, [`AudioError`]: loading a recording, resampling it, recording an
//! answer to disk and capturing from a microphone. Each message is one sentence that names the
//! file or the device, fit to show a user.
//!
//! What is wrong is typed, never formatted into a string where it is raised: a corrupt file says
//! how with a [`Corruption`], an unsupported codec which one with a [`Codec`], a failed resampler
//! why with a [`ResampleProblem`] and a device that does not open why with an [`OpenFailure`].
//! The errors of symphonia, rubato, cpal and the system are kept as they came.

use std::fmt;
use std::io;
use std::path::PathBuf;

use symphonia::core::codecs::audio::AudioCodecId;
use symphonia::core::errors::Error as SymError;

use super::{MAX_CHANNELS, format_duration};

/// Why a recording could not be loaded, recorded or captured.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// Nothing is at the path.
    #[error("{} does not exist", .0.display())]
    NotFound(PathBuf),
    /// The path is a folder.
    #[error("{} is a directory, not a recording", .0.display())]
    IsDirectory(PathBuf),
    /// The file exists but the system would not let it be read (permissions, I/O failure).
    #[error("{} could not be read: {source}", .path.display())]
    Unreadable {
        /// The recording.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// No known container was found in the file's content.
    #[error("{} is not an audio file rehearse can read ({FORMATS})", .0.display())]
    NotAudio(PathBuf),
    /// The container holds no audio track, such as a video-only MP4.
    #[error("{} has no audio track", .0.display())]
    NoAudioTrack(PathBuf),
    /// The container is known but its codec is not, such as Opus in Ogg.
    #[error("{} is encoded as {codec}, which rehearse cannot decode (it reads {FORMATS})", .path.display())]
    UnsupportedCodec {
        /// The recording.
        path: PathBuf,
        /// The codec it uses.
        codec: Codec,
    },
    /// The file breaks off or is damaged beyond what skipping bad packets can repair.
    #[error("{} is truncated or corrupt: {problem}", .path.display())]
    Corrupt {
        /// The recording.
        path: PathBuf,
        /// What is damaged.
        #[source]
        problem: Corruption,
    },
    /// The file is empty or its audio has no samples.
    #[error("{} holds no audio", .0.display())]
    Empty(PathBuf),
    /// The recording is longer than [`super::LoadLimits::max_duration_ms`].
    #[error(
        "{} is {} long; rehearse takes recordings up to {}",
        .path.display(),
        format_duration(*.duration_ms),
        format_duration(*.limit_ms)
    )]
    TooLong {
        /// The recording.
        path: PathBuf,
        /// Its length in milliseconds.
        duration_ms: u64,
        /// The longest accepted, in milliseconds.
        limit_ms: u64,
    },
    /// The sample rate is outside [`super::MIN_SOURCE_RATE`]..=[`super::MAX_SOURCE_RATE`].
    #[error("{} has a sample rate of {rate} Hz; {}", .path.display(), rate_bound(*.rate))]
    SampleRate {
        /// The recording.
        path: PathBuf,
        /// Its rate in Hz.
        rate: u32,
    },
    /// The channel count is 0 or above [`MAX_CHANNELS`].
    #[error("{} has {channels} channels; rehearse takes 1 to {MAX_CHANNELS}", .path.display())]
    Channels {
        /// The recording.
        path: PathBuf,
        /// Its channel count.
        channels: usize,
    },
    /// The resampler failed; the rates rehearse accepts should never cause this.
    #[error("{} could not be resampled to 16 kHz: {source}", .path.display())]
    Resample {
        /// The recording.
        path: PathBuf,
        /// Why the resampler failed.
        #[source]
        source: ResampleProblem,
    },
    /// The answer's WAV file could not be created.
    #[error("cannot create the recording {path}: {source}")]
    CreateRecording {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Writing the answer's WAV file failed, typically because the disk is full; what was written
    /// before is kept.
    #[error(
        "cannot write to the recording {path} ({source}); the {kept_secs:.1} s recorded before this are kept"
    )]
    WriteRecording {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
        /// Seconds of audio the file keeps.
        kept_secs: f64,
    },
    /// The answer's WAV file reached the size limit of the format.
    #[error("the recording {path} reached the 4 GiB limit of a WAV file")]
    RecordingFull {
        /// The file.
        path: PathBuf,
    },
    /// The system has no input device at all.
    #[error(
        "no audio input device was found; connect a microphone, or practise with a recording using --input FILE"
    )]
    NoDevice,
    /// No input device has the name asked for.
    #[error("no input device is named \"{name}\"; the inputs are: {}", available.join(", "))]
    UnknownDevice {
        /// The name asked for.
        name: String,
        /// The names there are.
        available: Vec<String>,
    },
    /// The device exists but cannot be opened or started.
    #[error(
        "the input device \"{device}\" cannot be opened ({source}); `rehearse devices` lists the inputs, and --input FILE practises with a recording"
    )]
    OpenDevice {
        /// The device.
        device: String,
        /// Why it does not open.
        #[source]
        source: OpenFailure,
    },
    /// The stream failed mid-answer: the device vanished or the driver reported an error.
    #[error("the input device \"{device}\" stopped: {source}; the answer recorded so far is kept")]
    DeviceFailed {
        /// The device.
        device: String,
        /// What the audio system said.
        #[source]
        source: cpal::Error,
    },
    /// The stream ended mid-answer without the audio system saying why.
    #[error(
        "the input device \"{device}\" stopped: the stream ended; the answer recorded so far is kept"
    )]
    DeviceEnded {
        /// The device.
        device: String,
    },
    /// The audio system itself cannot be used.
    #[error("the audio system cannot list input devices: {0}")]
    Host(#[source] cpal::Error),
    /// The thread that owns the microphone's stream could not be started.
    #[error("the audio system cannot list input devices: {0}")]
    CaptureThread(#[source] io::Error),
    /// The thread that owns the microphone's stream ended before it said whether the stream started.
    #[error("the audio system cannot list input devices: the capture thread stopped")]
    CaptureThreadStopped,
}

/// The formats named in messages, so a user knows what to convert to.
const FORMATS: &str = "WAV, MP3, FLAC, Ogg/Vorbis, M4A/AAC";

/// The half of the sample-rate message that says which bound was crossed.
fn rate_bound(rate: u32) -> String {
    if rate < super::MIN_SOURCE_RATE {
        format!("rehearse needs at least {} Hz", super::MIN_SOURCE_RATE)
    } else {
        format!("rehearse takes at most {} Hz", super::MAX_SOURCE_RATE)
    }
}

/// A codec rehearse cannot decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Opus, named because it is what phone voice notes use, the likeliest case.
    Opus,
    /// Any other codec symphonia has no decoder for.
    Id(AudioCodecId),
    /// A codec symphonia knows, in a variant it lacks; symphonia names the variant.
    Variant(&'static str),
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::Opus => f.write_str("Opus"),
            Codec::Id(id) => write!(f, "a codec with id {id}"),
            Codec::Variant(what) => write!(f, "a variant symphonia lacks ({what})"),
        }
    }
}

/// How a recording is damaged.
#[derive(Debug, thiserror::Error)]
pub enum Corruption {
    /// A codec panicked on malformed data; the panic was caught.
    #[error("the decoder failed on malformed data")]
    DecoderPanicked,
    /// symphonia could not probe or read the file.
    #[error(transparent)]
    Unreadable(#[from] SymError),
    /// A PCM header claims far more audio than the file has bytes for.
    #[error("its header promises {needed} bytes of audio but the file has {have}")]
    ShorterThanHeader {
        /// Bytes of audio the header promises.
        needed: u64,
        /// Bytes the file has.
        have: u64,
    },
    /// The codec's header cannot be used to build a decoder.
    #[error("its codec header is unusable ({0})")]
    CodecHeader(#[source] SymError),
    /// Most packets failed to decode.
    #[error("{failed} of {total} packets failed to decode{}", last_error(.last))]
    FailedPackets {
        /// Packets that failed.
        failed: u64,
        /// All packets read.
        total: u64,
        /// The last failure, when there was one.
        #[source]
        last: Option<SymError>,
    },
    /// Less than half of what the header announces could be decoded.
    #[error(
        "only {} of the {} its header announces could be decoded{}",
        format_duration(*.got_ms),
        format_duration(*.announced_ms),
        last_error(.last)
    )]
    MostlyMissing {
        /// Milliseconds decoded.
        got_ms: u64,
        /// Milliseconds the header announces.
        announced_ms: u64,
        /// The last failure, when there was one.
        #[source]
        last: Option<SymError>,
    },
}

/// The last decoding failure as a parenthesis after a sentence, or nothing.
fn last_error(last: &Option<SymError>) -> String {
    last.as_ref().map_or(String::new(), |e| format!(" ({e})"))
}

/// Why the resampler failed; the sample rates rehearse accepts never cause one.
#[derive(Debug, thiserror::Error)]
pub enum ResampleProblem {
    /// A rate of 0 Hz was given.
    #[error("a rate of 0 Hz cannot be resampled")]
    ZeroRate,
    /// rubato could not build a resampler for the rate.
    #[error(transparent)]
    Setup(#[from] rubato::ResamplerConstructionError),
    /// A buffer handed to rubato had the wrong size.
    #[error(transparent)]
    Buffer(#[from] rubato::audioadapter_buffers::SizeError),
    /// rubato failed while resampling.
    #[error(transparent)]
    Run(#[from] rubato::ResampleError),
}

/// Why an input device could not be opened or started.
#[derive(Debug, thiserror::Error)]
pub enum OpenFailure {
    /// The audio system refused: no usable format, or the stream would not build or play.
    #[error(transparent)]
    Audio(#[from] cpal::Error),
    /// The device delivers samples in a format rehearse does not convert.
    #[error("its sample format {0} is not supported")]
    SampleFormat(cpal::SampleFormat),
    /// No resampler could be made for the device's rate.
    #[error(transparent)]
    Resample(#[from] ResampleProblem),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_say_what_is_wrong() {
        let path = PathBuf::from("a.wav");
        let corrupt = |problem| AudioError::Corrupt {
            path: path.clone(),
            problem,
        };
        let cases = [
            (
                corrupt(Corruption::DecoderPanicked),
                "a.wav is truncated or corrupt: the decoder failed on malformed data",
            ),
            (
                corrupt(Corruption::ShorterThanHeader {
                    needed: 100,
                    have: 10,
                }),
                "a.wav is truncated or corrupt: its header promises 100 bytes of audio but the file has 10",
            ),
            (
                corrupt(Corruption::FailedPackets {
                    failed: 3,
                    total: 4,
                    last: Some(SymError::DecodeError("bad frame")),
                }),
                "a.wav is truncated or corrupt: 3 of 4 packets failed to decode (malformed stream: bad frame)",
            ),
            (
                corrupt(Corruption::MostlyMissing {
                    got_ms: 1_000,
                    announced_ms: 245_000,
                    last: None,
                }),
                "a.wav is truncated or corrupt: only 1 s of the 4 min 5 s its header announces could be decoded",
            ),
            (
                AudioError::UnsupportedCodec {
                    path: path.clone(),
                    codec: Codec::Variant("a profile"),
                },
                "a.wav is encoded as a variant symphonia lacks (a profile), which rehearse cannot decode (it reads WAV, MP3, FLAC, Ogg/Vorbis, M4A/AAC)",
            ),
            (
                AudioError::Resample {
                    path: path.clone(),
                    source: ResampleProblem::ZeroRate,
                },
                "a.wav could not be resampled to 16 kHz: a rate of 0 Hz cannot be resampled",
            ),
            (
                AudioError::OpenDevice {
                    device: "USB".into(),
                    source: OpenFailure::SampleFormat(cpal::SampleFormat::U64),
                },
                "the input device \"USB\" cannot be opened (its sample format u64 is not supported); `rehearse devices` lists the inputs, and --input FILE practises with a recording",
            ),
            (
                AudioError::DeviceEnded {
                    device: "USB".into(),
                },
                "the input device \"USB\" stopped: the stream ended; the answer recorded so far is kept",
            ),
            (
                AudioError::CaptureThreadStopped,
                "the audio system cannot list input devices: the capture thread stopped",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
            // Every cause is shown in the message already, so the chain adds nothing.
            assert_eq!(crate::error_chain(&err), want);
        }
    }
}
