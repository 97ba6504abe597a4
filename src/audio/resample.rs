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
use super::error::ResampleProblem;

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
    pub fn new(rate: u32) -> Result<Self, ResampleProblem> {
        let stage = match rate {
            0 => return Err(ResampleProblem::ZeroRate),
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
    pub fn push(&mut self, mut input: &[f32]) -> Result<(), ResampleProblem> {
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
    pub fn finish(mut self) -> Result<Vec<f32>, ResampleProblem> {
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
    fn new(rate: usize) -> Result<Self, ResampleProblem> {
        let out_rate = SAMPLE_RATE as usize;
        let fft = Fft::new(rate, out_rate, chunk_frames(rate), 1, FixedSync::Both)?;
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
    ) -> Result<(), ResampleProblem> {
        let frames_out = self.scratch.len();
        let adapter_in = InterleavedSlice::new(input, 1, input.len())?;
        let mut adapter_out = InterleavedSlice::new_mut(&mut self.scratch, 1, frames_out)?;
        let indexing = partial.map(|len| Indexing::new().partial_len(len));
        let (_, produced) =
            self.fft
                .process_into_buffer(&adapter_in, &mut adapter_out, indexing.as_ref())?;
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
pub fn to_16k(samples: &[f32], rate: u32) -> Result<Vec<f32>, ResampleProblem> {
    let mut resampler = Resampler16k::new(rate)?;
    resampler.push(samples)?;
    resampler.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::fixtures::*;
    use crate::audio::{LoadLimits, load};
    use std::path::{Path, PathBuf};

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

    /// Two seconds of a 440 Hz tone at 44.1 kHz stereo, written as a WAV file in `dir`.
    fn tone_wav(dir: &Path) -> PathBuf {
        let wav = dir.join("src.wav");
        write_wav(&wav, 44_100, 2, 16, false, &sine(44_100, 2.0, 440.0, 0.5));
        wav
    }

    /// Checks that `path` decodes as `codec` in a container named like its extension, to the two
    /// seconds and the loudness of [`tone_wav`].
    fn assert_decodes_as_the_tone(path: &Path, codec: &str) {
        let ext = path.extension().unwrap().to_str().unwrap();
        let audio = load(path, &LoadLimits::default()).unwrap();
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

    #[test]
    #[cfg_attr(
        missing = "sox",
        ignore = "sox is not installed (scripts/bootstrap installs it)"
    )]
    fn mp3_flac_and_ogg_decode_to_about_the_right_duration() {
        let dir = tempfile::tempdir().unwrap();
        let wav = tone_wav(dir.path());
        for (ext, codec) in [("mp3", "mp3"), ("flac", "flac"), ("ogg", "vorbis")] {
            let out = dir.path().join(format!("out.{ext}"));
            make("sox", &[wav.as_ref(), out.as_ref()]);
            assert_decodes_as_the_tone(&out, codec);
        }
    }

    #[test]
    #[cfg_attr(
        missing = "ffmpeg",
        ignore = "ffmpeg is not installed (scripts/bootstrap installs it)"
    )]
    fn m4a_decodes_to_about_the_right_duration() {
        let dir = tempfile::tempdir().unwrap();
        let wav = tone_wav(dir.path());
        let out = dir.path().join("out.m4a");
        make(
            "ffmpeg",
            &[
                "-v".as_ref(),
                "error".as_ref(),
                "-i".as_ref(),
                wav.as_ref(),
                out.as_ref(),
            ],
        );
        assert_decodes_as_the_tone(&out, "aac");
    }
}
