//! Signals, WAV writers and fixture-making commands shared by the audio tests.

use std::path::Path;

/// Runs `program` to make a fixture (see [`crate::testkit::run`]); the arguments are `OsStr`s so
/// that paths and flags mix in one list.
pub(crate) fn make(program: &str, args: &[&std::ffi::OsStr]) {
    crate::testkit::run(program, args);
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
