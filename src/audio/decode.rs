//! Reading a recording's container and codec with symphonia, downmixed to mono.
//!
//! [`decode`] probes the file by its content (the extension is only a hint), picks the default
//! audio track, checks its header against the limits before decoding anything, then decodes packet
//! by packet and hands each packet's mono samples to a sink at the source rate. Following
//! symphonia's advice, a packet that fails to decode is skipped; the file is refused as corrupt
//! only when nothing decodes, most packets fail, or most of what the header promised is missing.

use std::fs::File;
use std::io::ErrorKind;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_OPUS, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S32LE,
};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatReader, Track, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::packet::Packet;

use super::error::{Codec, Corruption};
use super::{AudioError, LoadLimits, SourceInfo, check_format};

/// How many times in a row a damaged stream is read past before giving up on the rest.
const DEMUX_RETRIES: u32 = 16;

/// Receives each decoded packet as mono samples, with the rate they are at.
pub type Sink<'a> = dyn FnMut(u32, &[f32]) -> Result<(), AudioError> + 'a;

/// Decodes the recording at `path`, feeding mono samples to `sink`, and describes the source.
///
/// A panic inside a codec on hostile input is caught and reported as corruption, so no input can
/// bring the program down.
pub fn decode(
    path: &Path,
    limits: &LoadLimits,
    sink: &mut Sink<'_>,
) -> Result<SourceInfo, AudioError> {
    let run = AssertUnwindSafe(|| decode_inner(path, limits, sink));
    panic::catch_unwind(run).unwrap_or_else(|_| Err(corrupt(path, Corruption::DecoderPanicked)))
}

fn decode_inner(
    path: &Path,
    limits: &LoadLimits,
    sink: &mut Sink<'_>,
) -> Result<SourceInfo, AudioError> {
    let (mut reader, file_len) = open(path)?;
    // An audio track of a codec symphonia lacks is kept, to name the codec in the error.
    let track = (reader.default_track(TrackType::Audio))
        .or_else(|| reader.first_track(TrackType::Audio))
        .cloned()
        .ok_or_else(|| AudioError::NoAudioTrack(path.to_path_buf()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .unwrap_or_default();
    check_format(
        path,
        params.sample_rate,
        params.channels.as_ref().map(|c| c.count()),
    )?;
    // The MPEG audio and ADTS readers guess a length from the first frames' bitrate when the
    // file states none, which can be far off for variable bitrate, so their guess is not used.
    let guessed = matches!(
        reader.format_info().short_name,
        "mp1" | "mp2" | "mp3" | "aac"
    );
    let expected_frames = header_frames(&track, &params).filter(|_| !guessed);
    check_header_duration(path, limits, &params, expected_frames, file_len)?;
    let expected = expected_frames.zip(params.sample_rate);
    let mut decoder = make_decoder(path, &params)?;
    let mut run = Run::new(path, limits, track.id);
    run.decode_all(reader.as_mut(), decoder.as_mut(), sink)?;
    run.verify(expected)?;
    let rate = run.rate.unwrap_or_default();
    Ok(SourceInfo {
        path: path.to_path_buf(),
        container: container_name(reader.format_info().short_name),
        codec: decoder.codec_info().short_name.to_string(),
        sample_rate: rate,
        channels: run.channels as u16,
        duration_ms: frames_to_ms(run.frames, rate),
    })
}

/// Opens and probes the file, returning the format reader and the file's length in bytes.
fn open(path: &Path) -> Result<(Box<dyn FormatReader>, Option<u64>), AudioError> {
    let unreadable = |source| AudioError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(unreadable)?;
    let file_len = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(&ext.to_ascii_lowercase());
    }
    match symphonia::default::get_probe().probe(&hint, mss, Default::default(), Default::default())
    {
        Ok(reader) => Ok((reader, file_len)),
        Err(SymError::Unsupported(_)) => Err(AudioError::NotAudio(path.to_path_buf())),
        Err(SymError::IoError(err)) if err.kind() != ErrorKind::UnexpectedEof => {
            Err(unreadable(err))
        }
        Err(err) => Err(corrupt(path, err.into())),
    }
}

/// The number of frames the header promises, when it says.
fn header_frames(track: &Track, params: &AudioCodecParameters) -> Option<u64> {
    if let Some(frames) = track.num_frames {
        return Some(frames);
    }
    let (dur, tb, rate) = (track.duration?, track.time_base?, params.sample_rate?);
    let ticks = u128::from(dur.get()) * u128::from(tb.numer.get()) * u128::from(rate);
    u64::try_from(ticks / u128::from(tb.denom.get())).ok()
}

/// Refuses an over-long recording from its header alone, before spending time decoding it.
///
/// A PCM header that claims far more audio than the file has bytes for is a truncated file (or a
/// streaming header left unpatched), not a long one, so it is reported as such.
fn check_header_duration(
    path: &Path,
    limits: &LoadLimits,
    params: &AudioCodecParameters,
    frames: Option<u64>,
    file_len: Option<u64>,
) -> Result<(), AudioError> {
    let (Some(frames), Some(rate)) = (frames, params.sample_rate) else {
        return Ok(());
    };
    let duration_ms = frames_to_ms(frames, rate);
    if duration_ms <= limits.max_duration_ms {
        return Ok(());
    }
    if let (Some(needed), Some(have)) = (pcm_bytes(params, frames), file_len)
        && have < needed / 2
    {
        return Err(corrupt(
            path,
            Corruption::ShorterThanHeader { needed, have },
        ));
    }
    let limit_ms = limits.max_duration_ms;
    Err(AudioError::TooLong {
        path: path.to_path_buf(),
        duration_ms,
        limit_ms,
    })
}

/// The bytes `frames` frames of uncompressed PCM take, or `None` for compressed codecs.
fn pcm_bytes(params: &AudioCodecParameters, frames: u64) -> Option<u64> {
    let is_pcm = (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&params.codec);
    let bits = params.bits_per_coded_sample.or(params.bits_per_sample)?;
    let channels = params.channels.as_ref()?.count() as u64;
    is_pcm.then(|| {
        frames
            .saturating_mul(channels)
            .saturating_mul(u64::from(bits))
            / 8
    })
}

/// Builds the decoder, telling an unsupported codec apart from a broken header.
fn make_decoder(
    path: &Path,
    params: &AudioCodecParameters,
) -> Result<Box<dyn AudioDecoder>, AudioError> {
    let registry = symphonia::default::get_codecs();
    if registry.get_audio_decoder(params.codec).is_none() {
        // Opus is named because it is what phone voice notes use, the likeliest case here.
        let codec = match params.codec {
            CODEC_ID_OPUS => Codec::Opus,
            id => Codec::Id(id),
        };
        return Err(AudioError::UnsupportedCodec {
            path: path.to_path_buf(),
            codec,
        });
    }
    registry
        .make_audio_decoder(params, &Default::default())
        .map_err(|err| corrupt(path, Corruption::CodecHeader(err)))
}

/// The container names rehearse reports, from symphonia's format short names.
fn container_name(short_name: &str) -> String {
    match short_name {
        "wave" => "wav",
        "isomp4" => "m4a",
        "matroska" => "mkv",
        other => other,
    }
    .to_string()
}

fn frames_to_ms(frames: u64, rate: u32) -> u64 {
    (u128::from(frames) * 1000 / u128::from(rate.max(1))) as u64
}

fn corrupt(path: &Path, problem: Corruption) -> AudioError {
    AudioError::Corrupt {
        path: path.to_path_buf(),
        problem,
    }
}

/// The state of one decoding pass: what has been decoded and what went wrong along the way.
#[derive(Default)]
struct Run {
    path: PathBuf,
    limit_ms: u64,
    track_id: u32,
    rate: Option<u32>,
    channels: usize,
    frames: u64,
    good_packets: u64,
    bad_packets: u64,
    last_error: Option<SymError>,
    planes: Vec<Vec<f32>>,
    mono: Vec<f32>,
}

impl Run {
    fn new(path: &Path, limits: &LoadLimits, track_id: u32) -> Self {
        let (path, limit_ms) = (path.to_path_buf(), limits.max_duration_ms);
        Run {
            path,
            limit_ms,
            track_id,
            ..Default::default()
        }
    }

    /// Decodes every packet of the track, skipping the ones that fail as symphonia recommends.
    fn decode_all(
        &mut self,
        reader: &mut dyn FormatReader,
        decoder: &mut dyn AudioDecoder,
        sink: &mut Sink<'_>,
    ) -> Result<(), AudioError> {
        while let Some(packet) = self.next_packet(reader)? {
            if packet.track_id != self.track_id {
                continue;
            }
            match decoder.decode(&packet) {
                Ok(buf) => self.accept(buf, sink)?,
                Err(SymError::ResetRequired) => break,
                Err(
                    err @ (SymError::DecodeError(_)
                    | SymError::IoError(_)
                    | SymError::Unsupported(_)),
                ) => {
                    tracing::debug!(path = %self.path.display(), "skipped a packet: {err}");
                    self.bad_packets += 1;
                    self.last_error = Some(err);
                }
                Err(err) => return Err(corrupt(&self.path, err.into())),
            }
            if self
                .rate
                .is_some_and(|rate| frames_to_ms(self.frames, rate) > self.limit_ms)
            {
                return Err(self.too_long(reader));
            }
        }
        Ok(())
    }

    /// The next packet, taking a stream that breaks off as its end: how much is missing is judged
    /// afterwards against the header. A damaged page or frame is retried a few times, since
    /// readers such as Ogg's resynchronise on the next call.
    fn next_packet(&mut self, reader: &mut dyn FormatReader) -> Result<Option<Packet>, AudioError> {
        let mut failures = 0;
        loop {
            match reader.next_packet() {
                Ok(packet) => return Ok(packet),
                Err(SymError::ResetRequired) => return Ok(None),
                Err(SymError::IoError(err)) if err.kind() == ErrorKind::UnexpectedEof => {
                    return Ok(None);
                }
                Err(err @ SymError::DecodeError(_)) if failures < DEMUX_RETRIES => {
                    tracing::debug!(path = %self.path.display(), "skipped damaged data: {err}");
                    (failures, self.bad_packets) = (failures + 1, self.bad_packets + 1);
                    self.last_error = Some(err);
                }
                Err(err) if self.frames > 0 => {
                    tracing::warn!(path = %self.path.display(), "stopped reading early: {err}");
                    self.last_error = Some(err);
                    return Ok(None);
                }
                Err(err) => return Err(corrupt(&self.path, err.into())),
            }
        }
    }

    /// Downmixes one decoded buffer to mono by averaging its channels and passes it on.
    fn accept(
        &mut self,
        buf: GenericAudioBufferRef<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), AudioError> {
        let (rate, channels) = (buf.spec().rate(), buf.spec().channels().count());
        if self.rate.is_none() {
            check_format(&self.path, Some(rate), Some(channels))?;
            (self.rate, self.channels) = (Some(rate), channels);
        }
        if self.rate != Some(rate) || self.channels != channels || buf.frames() == 0 {
            // A mid-stream change of format cannot be resampled as one signal; such packets are
            // rare glitches and are dropped like any other undecodable packet.
            self.bad_packets += u64::from(buf.frames() > 0);
            return Ok(());
        }
        buf.copy_to_vecs_planar::<f32>(&mut self.planes);
        downmix(&self.planes, &mut self.mono);
        self.good_packets += 1;
        self.frames += self.mono.len() as u64;
        sink(rate, &self.mono)
    }

    /// Reports the recording as too long, measuring its full length by reading (not decoding)
    /// the remaining packets so the message can say how long it is.
    fn too_long(&self, reader: &mut dyn FormatReader) -> AudioError {
        let mut frames = self.frames;
        while let Ok(Some(packet)) = reader.next_packet() {
            if packet.track_id == self.track_id {
                frames = frames.saturating_add(packet.dur.get());
            }
        }
        let duration_ms = frames_to_ms(frames, self.rate.unwrap_or(1));
        AudioError::TooLong {
            path: self.path.clone(),
            duration_ms,
            limit_ms: self.limit_ms,
        }
    }

    /// Judges the pass as a whole: nothing decoded, mostly failures, or mostly missing (against
    /// `expected`, the header's frame count and rate) is an error.
    fn verify(&mut self, expected: Option<(u64, u32)>) -> Result<(), AudioError> {
        let missing_most = expected.filter(|&(want, _)| self.frames.saturating_mul(2) < want);
        if let (0, Some(SymError::Unsupported(what))) = (self.good_packets, &self.last_error) {
            return Err(AudioError::UnsupportedCodec {
                path: self.path.clone(),
                codec: Codec::Variant(what),
            });
        }
        let last = self.last_error.take();
        let problem = if self.bad_packets > self.good_packets {
            let total = self.bad_packets + self.good_packets;
            let failed = self.bad_packets;
            Corruption::FailedPackets {
                failed,
                total,
                last,
            }
        } else if let Some((want, rate)) = missing_most {
            Corruption::MostlyMissing {
                got_ms: frames_to_ms(self.frames, rate),
                announced_ms: frames_to_ms(want, rate),
                last,
            }
        } else if self.good_packets == 0 {
            return Err(AudioError::Empty(self.path.clone()));
        } else {
            return Ok(());
        };
        Err(corrupt(&self.path, problem))
    }
}

/// Averages the channel planes into `mono`, replacing its contents.
fn downmix(planes: &[Vec<f32>], mono: &mut Vec<f32>) {
    mono.clear();
    let Some((first, rest)) = planes.split_first() else {
        return;
    };
    mono.extend_from_slice(first);
    for plane in rest {
        mono.iter_mut().zip(plane).for_each(|(m, s)| *m += s);
    }
    // Not-a-number and infinite samples (possible in float WAV) would smear across the whole
    // resampled signal, so they become silence.
    let scale = 1.0 / planes.len() as f32;
    for m in mono.iter_mut() {
        *m = if m.is_finite() { *m * scale } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downmix_averages_channels_and_silences_non_finite_samples() {
        let planes = vec![vec![1.0, 0.5, f32::NAN], vec![0.0, -0.5, 1.0]];
        let mut mono = vec![9.0; 7];
        downmix(&planes, &mut mono);
        assert_eq!(mono, vec![0.5, 0.0, 0.0]);
    }
}
