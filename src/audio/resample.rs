//! Converting mono audio to 16 kHz with a band-limited resampler.
//!
//! [`Resampler16k`] wraps rubato's synchronous FFT resampler, which low-pass filters before it
//! changes the rate, so energy above 8 kHz is removed rather than folded back into the speech
//! band. It takes input in pieces of any size, as a decoder produces them, and keeps only the
//! 16 kHz output; it trims the resampler's start-up delay and flushes its tail, so the output has
//! exactly `round(input_len * 16000 / rate)` samples, aligned with the input. Input already at
//! 16 kHz passes through untouched.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use super::SAMPLE_RATE;

/// The output frames per FFT block the resampler is sized for, at least. The anti-aliasing
/// filter's transition band narrows as the block grows: with 2048 output frames a tone at
/// 7.9 kHz still passes while one at 8.1 kHz is gone, and the memory stays small.
const BLOCK_OUT_FRAMES: usize = 2048;

/// An input chunk that gives blocks of about [`BLOCK_OUT_FRAMES`] and a fast FFT.
///
/// The resampler's FFT covers a whole number of the smallest blocks that map exactly onto the
/// output rate (`rate / gcd(rate, 16000)` frames in, `16000 / gcd` out); a power-of-two number
/// of them keeps the FFT length free of large prime factors, which would make it several times
/// slower (48 kHz cut into 1366 blocks, say, where 683 is prime).
fn chunk_frames(rate: usize) -> usize {
    let (mut a, mut b) = (rate, SAMPLE_RATE as usize);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let (block_in, block_out) = (rate / a, SAMPLE_RATE as usize / a);
    block_in * BLOCK_OUT_FRAMES.div_ceil(block_out).next_power_of_two()
}

/// A failure inside the resampler; the sample rates rehearse accepts never cause one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ResampleError(String);

/// A streaming converter from one fixed sample rate to 16 kHz, for a single channel.
pub struct Resampler16k {
    rate: u32,
    input_frames: u64,
    /// `None` when the input is already at 16 kHz and is passed through.
    stage: Option<FftStage>,
    /// Input not yet handed to the resampler, always shorter than one chunk between calls.
    pending: Vec<f32>,
    out: Vec<f32>,
    /// Output already handed out by [`Resampler16k::take`].
    taken: usize,
}

impl Resampler16k {
    /// A resampler from `rate` Hz to 16 kHz.
    pub fn new(rate: u32) -> Result<Self, ResampleError> {
        let stage = match rate {
            0 => return Err(ResampleError("a rate of 0 Hz cannot be resampled".into())),
            SAMPLE_RATE => None,
            _ => Some(FftStage::new(rate as usize)?),
        };
        let (pending, out) = (Vec::new(), Vec::new());
        Ok(Resampler16k {
            rate,
            input_frames: 0,
            stage,
            pending,
            out,
            taken: 0,
        })
    }

    /// Feeds the next piece of input.
    pub fn push(&mut self, mut input: &[f32]) -> Result<(), ResampleError> {
        self.input_frames += input.len() as u64;
        let Some(stage) = self.stage.as_mut() else {
            self.out.extend_from_slice(input);
            return Ok(());
        };
        let need = stage.fft.input_frames_next();
        // Top up a partly filled chunk first; after that, whole chunks are read straight from the
        // input so a long input is never copied twice.
        if !self.pending.is_empty() {
            let take = (need - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() < need {
                return Ok(());
            }
            stage.run(&self.pending, None, &mut self.out)?;
            self.pending.clear();
        }
        while input.len() >= need {
            stage.run(&input[..need], None, &mut self.out)?;
            input = &input[need..];
        }
        self.pending.extend_from_slice(input);
        Ok(())
    }

    /// Hands out the 16 kHz output produced so far, for callers that consume it as it comes.
    pub fn take(&mut self) -> Vec<f32> {
        self.taken += self.out.len();
        std::mem::take(&mut self.out)
    }

    /// Flushes the resampler and returns the 16 kHz output not yet taken.
    pub fn finish(mut self) -> Result<Vec<f32>, ResampleError> {
        let expected = output_len(self.input_frames, self.rate).saturating_sub(self.taken);
        if let Some(stage) = self.stage.as_mut() {
            if !self.pending.is_empty() {
                stage.run(&self.pending, Some(self.pending.len()), &mut self.out)?;
            }
            // The last input is still inside the filter; zeros push it out.
            while self.out.len() < expected {
                stage.run(&[], Some(0), &mut self.out)?;
            }
        }
        self.out.truncate(expected);
        Ok(self.out)
    }
}

/// The FFT resampler with its output buffer and the delay still to trim.
struct FftStage {
    fft: Fft<f32>,
    /// Room for one chunk of resampler output.
    scratch: Vec<f32>,
    /// Output frames still to drop: the resampler's delay, so output lines up with input.
    to_trim: usize,
}

impl FftStage {
    fn new(rate: usize) -> Result<Self, ResampleError> {
        let out_rate = SAMPLE_RATE as usize;
        let fft = Fft::new(rate, out_rate, chunk_frames(rate), 1, FixedSync::Both)
            .map_err(|err| ResampleError(err.to_string()))?;
        let (scratch, to_trim) = (vec![0.0; fft.output_frames_max()], fft.output_delay());
        Ok(FftStage {
            fft,
            scratch,
            to_trim,
        })
    }

    /// Resamples one chunk (shorter only when `partial` says so) onto `out`, less the delay.
    fn run(
        &mut self,
        input: &[f32],
        partial: Option<usize>,
        out: &mut Vec<f32>,
    ) -> Result<(), ResampleError> {
        let fail = |err: &dyn std::fmt::Display| ResampleError(err.to_string());
        let frames_out = self.scratch.len();
        let adapter_in = InterleavedSlice::new(input, 1, input.len()).map_err(|e| fail(&e))?;
        let mut adapter_out =
            InterleavedSlice::new_mut(&mut self.scratch, 1, frames_out).map_err(|e| fail(&e))?;
        let indexing = partial.map(|len| Indexing::new().partial_len(len));
        let (_, produced) = self
            .fft
            .process_into_buffer(&adapter_in, &mut adapter_out, indexing.as_ref())
            .map_err(|e| fail(&e))?;
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        out.extend_from_slice(&self.scratch[skip..produced]);
        Ok(())
    }
}

/// The number of 16 kHz samples that `input_frames` frames at `rate` Hz become.
pub fn output_len(input_frames: u64, rate: u32) -> usize {
    let rate = u128::from(rate.max(1));
    ((u128::from(input_frames) * u128::from(SAMPLE_RATE) + rate / 2) / rate) as usize
}

/// Resamples a whole mono signal at `rate` Hz to 16 kHz in one call.
pub fn to_16k(samples: &[f32], rate: u32) -> Result<Vec<f32>, ResampleError> {
    let mut resampler = Resampler16k::new(rate)?;
    resampler.push(samples)?;
    resampler.finish()
}

/// Signals, WAV writers and tool checks shared by the audio tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::Path;
    use std::process::Command;

    /// Whether an external tool runs here; tests that need one skip, saying so, when it does not.
    pub(crate) fn have(tool: &str) -> bool {
        let found = Command::new(tool).arg("-h").output().is_ok();
        if !found {
            eprintln!("skipping: {tool} is not installed");
        }
        found
    }

    /// Runs a command that makes a fixture; on failure (a missing codec, say) the test using it
    /// skips that fixture, saying why.
    pub(crate) fn made(cmd: &mut Command) -> bool {
        let out = cmd.output();
        let ok = out.as_ref().is_ok_and(|o| o.status.success());
        if !ok {
            let why = out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
            eprintln!("skipping: {cmd:?} failed: {why:?}");
        }
        ok
    }

    /// The next number from a xorshift generator, for test data that is the same every run.
    pub(crate) fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    pub(crate) fn sine(rate: u32, secs: f64, freq: f64, amp: f64) -> Vec<f32> {
        let n = (f64::from(rate) * secs).round() as usize;
        let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        (0..n)
            .map(|i| (amp * (w * i as f64).sin()) as f32)
            .collect()
    }

    pub(crate) fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
    }

    /// Writes `mono` to every channel of a WAV file with hound.
    pub(crate) fn write_wav(
        path: &Path,
        rate: u32,
        channels: u16,
        bits: u16,
        float: bool,
        mono: &[f32],
    ) {
        use hound::SampleFormat::{Float, Int};
        let sample_format = if float { Float } else { Int };
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        let scale = f64::from((1u32 << (bits - 1)) - 1);
        for &s in mono
            .iter()
            .flat_map(|s| std::iter::repeat_n(s, channels.into()))
        {
            match (float, bits) {
                (true, _) => w.write_sample(s).unwrap(),
                (false, 8) => w.write_sample((f64::from(s) * scale) as i8).unwrap(),
                (false, _) => w.write_sample((f64::from(s) * scale) as i32).unwrap(),
            }
        }
        w.finalize().unwrap();
    }

    /// A hand-built WAV: `tag` 1 is integer PCM, 3 is float; `lens` overrides both lengths.
    pub(crate) fn raw_wav(
        tag: u16,
        channels: u16,
        rate: u32,
        bits: u16,
        data: &[u8],
        lens: Option<u32>,
    ) -> Vec<u8> {
        let block = channels.wrapping_mul(bits / 8);
        let data_len = lens.unwrap_or(data.len() as u32);
        let riff_len = lens.unwrap_or(36 + data.len() as u32);
        let rate_bytes = rate.wrapping_mul(u32::from(block));
        let fmt = [tag.to_le_bytes(), channels.to_le_bytes()].concat();
        let fmt = [
            fmt,
            rate.to_le_bytes().to_vec(),
            rate_bytes.to_le_bytes().to_vec(),
        ]
        .concat();
        let fmt = [
            fmt,
            block.to_le_bytes().to_vec(),
            bits.to_le_bytes().to_vec(),
        ]
        .concat();
        let head = [
            b"RIFF".as_slice(),
            &riff_len.to_le_bytes(),
            b"WAVEfmt \x10\0\0\0",
            &fmt,
        ]
        .concat();
        [head.as_slice(), b"data", &data_len.to_le_bytes(), data].concat()
    }

    /// The power of `x` at `freq` Hz (a Goertzel filter), normalised so a unit sine gives 0.25.
    pub(crate) fn tone_power(x: &[f32], rate: u32, freq: f64) -> f64 {
        let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / f64::from(rate)).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in x {
            (s1, s2) = (f64::from(v) + coeff * s1 - s2, s1);
        }
        (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (x.len() as f64).powi(2)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::audio::{LoadLimits, load};
    use std::process::Command;

    #[test]
    fn input_at_16k_passes_through_unchanged() {
        let x = sine(16_000, 0.3, 440.0, 0.5);
        assert_eq!(to_16k(&x, 16_000).unwrap(), x);
    }

    #[test]
    fn output_length_is_the_rounded_rate_ratio_with_nothing_lost_or_added() {
        for rate in [
            8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 384_000, 44_101,
        ] {
            for len in [0, 1, 7, 4095, 4096, 4097, 100_003] {
                let out = to_16k(&vec![0.1; len], rate).unwrap();
                assert_eq!(
                    out.len(),
                    output_len(len as u64, rate),
                    "{rate} Hz, {len} frames"
                );
            }
        }
        assert_eq!(output_len(44_100, 44_100), 16_000);
        assert_eq!(output_len(3, 48_000), 1);
    }

    #[test]
    fn pieces_of_any_size_give_the_same_output_as_one_call() {
        let x = sine(44_100, 1.0, 300.0, 0.5);
        let whole = to_16k(&x, 44_100).unwrap();
        let mut r = Resampler16k::new(44_100).unwrap();
        let mut rest = x.as_slice();
        for size in [1, 100, 4409, 4410, 4411, 9000, 3].iter().cycle() {
            let (piece, tail) = rest.split_at((*size).min(rest.len()));
            r.push(piece).unwrap();
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        let pieces = r.finish().unwrap();
        assert_eq!(pieces.len(), whole.len());
        assert!(pieces.iter().zip(&whole).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn output_taken_as_it_comes_adds_up_to_the_whole() {
        let x = sine(48_000, 1.0, 440.0, 0.5);
        let whole = to_16k(&x, 48_000).unwrap();
        let mut r = Resampler16k::new(48_000).unwrap();
        let mut taken = Vec::new();
        for piece in x.chunks(480) {
            r.push(piece).unwrap();
            taken.extend(r.take());
        }
        taken.extend(r.finish().unwrap());
        assert_eq!(taken.len(), whole.len());
        assert!(taken.iter().zip(&whole).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn a_44k_stereo_recording_becomes_16k_mono_with_its_pitch_and_timing_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        write_wav(&path, 44_100, 2, 16, false, &sine(44_100, 2.0, 1000.0, 0.5));
        let audio = load(&path, &LoadLimits::default()).unwrap();
        assert_eq!(audio.samples.len(), 32_000);
        let crossings = audio
            .samples
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!(crossings.abs_diff(4000) <= 4, "{crossings} zero crossings");
        assert!(tone_power(&audio.samples, 16_000, 1000.0) > 0.05);
        assert!(tone_power(&audio.samples, 16_000, 1100.0) < 1e-4);
        // Compensating the resampler's delay keeps each sample where it was in time.
        let ideal = sine(16_000, 2.0, 1000.0, 0.5);
        let worst = (400..31_600)
            .map(|i| (audio.samples[i] - ideal[i]).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.01, "off by up to {worst}");
    }

    #[test]
    fn tones_above_8k_are_removed_instead_of_folding_into_the_speech_band() {
        for (freq, passes) in [
            (7_000.0, true),
            (8_100.0, false),
            (9_000.0, false),
            (12_000.0, false),
        ] {
            let out = to_16k(&sine(44_100, 0.5, freq, 0.5), 44_100).unwrap();
            let level = rms(&out[800..7200]);
            assert_eq!(level > 0.3, passes, "{freq} Hz comes out at rms {level}");
            assert!(passes || level < 1e-3, "{freq} Hz leaks at rms {level}");
        }
    }

    #[test]
    fn wav_of_every_rate_layout_and_sample_format_loads_as_16k_mono() {
        let dir = tempfile::tempdir().unwrap();
        let formats = [
            (8, false),
            (16, false),
            (24, false),
            (32, false),
            (32, true),
        ];
        let rates = [8_000, 11_025, 22_050, 32_000, 44_100, 48_000, 96_000];
        for (i, &(bits, float)) in formats.iter().enumerate() {
            for (j, &rate) in rates.iter().enumerate() {
                let channels = [1, 2, 6][(i + j) % 3];
                let path = dir
                    .path()
                    .join(format!("{bits}-{float}-{rate}-{channels}.wav"));
                write_wav(
                    &path,
                    rate,
                    channels,
                    bits,
                    float,
                    &sine(rate, 0.5, 440.0, 0.5),
                );
                let audio = load(&path, &LoadLimits::default()).unwrap();
                let what = format!("{bits}-bit float={float} {rate} Hz x{channels}");
                assert!(audio.samples.len().abs_diff(8000) <= 1, "{what}");
                assert_eq!(
                    (audio.source.sample_rate, audio.source.channels),
                    (rate, channels)
                );
                assert!(
                    (rms(&audio.samples[800..7200]) - 0.3536).abs() < 0.02,
                    "{what}"
                );
            }
        }
        let f64_data: Vec<u8> = sine(22_050, 0.5, 300.0, 0.5)
            .iter()
            .flat_map(|&s| f64::from(s).to_le_bytes())
            .collect();
        let path = dir.path().join("f64.wav");
        std::fs::write(&path, raw_wav(3, 1, 22_050, 64, &f64_data, None)).unwrap();
        let audio = load(&path, &LoadLimits::default()).unwrap();
        assert_eq!(
            (audio.samples.len(), audio.source.codec.as_str()),
            (8000, "pcm_f64le")
        );
    }

    #[test]
    fn mp3_flac_ogg_and_m4a_decode_to_about_the_right_duration() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("src.wav");
        write_wav(&wav, 44_100, 2, 16, false, &sine(44_100, 2.0, 440.0, 0.5));
        let wanted = [
            ("mp3", "mp3", "sox"),
            ("flac", "flac", "sox"),
            ("ogg", "vorbis", "sox"),
            ("m4a", "aac", "ffmpeg"),
        ];
        for (ext, codec, tool) in wanted.into_iter().filter(|w| have(w.2)) {
            let out = dir.path().join(format!("out.{ext}"));
            let made = match tool {
                "sox" => made(Command::new("sox").arg(&wav).arg(&out)),
                _ => made(
                    Command::new("ffmpeg")
                        .args(["-v", "error", "-i"])
                        .arg(&wav)
                        .arg(&out),
                ),
            };
            if !made {
                continue;
            }
            let audio = load(&out, &LoadLimits::default()).unwrap();
            let source = (audio.source.container.as_str(), audio.source.codec.as_str());
            assert_eq!(source, (ext, codec));
            // Lossy codecs may keep their encoder delay and padding, which is under 100 ms.
            assert!(
                audio.duration_ms().abs_diff(2000) <= 100,
                "{ext}: {} ms",
                audio.duration_ms()
            );
            assert!(
                (rms(&audio.samples[4000..28000]) - 0.3536).abs() < 0.03,
                "{ext}"
            );
        }
    }
}
