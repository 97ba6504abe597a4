//! Finding where the speaker talks, from frame energy alone.
//!
//! The signal is cut into 10 ms frames and each frame's energy taken in dB relative to full scale,
//! with the frame's mean removed so a DC offset does not read as sound. The noise floor is a low
//! percentile of those energies, which adapts to each recording's room and microphone; a frame is
//! voiced when it rises a margin above that floor, and stays voiced, with hysteresis, until it
//! falls a few dB below the entry level, so a word's decaying tail is kept. Voiced runs closer
//! than a short bridge are joined (a stop consonant's silence must not split a word) and runs
//! shorter than a minimum are dropped as clicks. Span edges are not padded, so the pauses between
//! them keep their true length.

use super::SAMPLE_RATE;

/// A stretch of a recording, in milliseconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start_ms: u64,
    pub end_ms: u64,
}

impl Span {
    /// The span's length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.end_ms.saturating_sub(self.start_ms)
    }
}

/// How [`speech_spans`] decides what is speech.
#[derive(Debug, Clone)]
pub struct VadParams {
    /// Frame length in milliseconds.
    pub frame_ms: u64,
    /// The fraction of frames, quietest first, below which the noise floor lies.
    pub floor_percentile: f32,
    /// How far above the noise floor, in dB, a frame must rise to start speech.
    pub margin_db: f32,
    /// How far below the start level, in dB, speech may fall and still continue.
    pub hysteresis_db: f32,
    /// No frame quieter than this, in dBFS, is ever speech, however quiet the room.
    pub min_level_dbfs: f32,
    /// Voiced runs separated by less than this many milliseconds are one run.
    pub bridge_ms: u64,
    /// Voiced runs shorter than this many milliseconds are dropped.
    pub min_speech_ms: u64,
}

impl Default for VadParams {
    fn default() -> Self {
        VadParams {
            frame_ms: 10,
            floor_percentile: 0.10,
            margin_db: 10.0,
            hysteresis_db: 6.0,
            min_level_dbfs: -55.0,
            bridge_ms: 150,
            min_speech_ms: 80,
        }
    }
}

/// The floor assigned to digital silence, in dB, so logarithms stay finite.
const SILENCE_DB: f32 = -120.0;
/// A recording whose loudest sample is below this, in dBFS, is silent whatever the VAD says.
const SILENT_PEAK_DBFS: f32 = -50.0;
/// A recording with no voiced span at least this long, in milliseconds, is silent.
const MIN_SPOKEN_MS: u64 = 200;

/// The voiced regions of 16 kHz mono `samples`, in order and not overlapping.
pub fn speech_spans(samples: &[f32], params: &VadParams) -> Vec<Span> {
    let frame_ms = params.frame_ms.max(1);
    let frame_len = (u64::from(SAMPLE_RATE) * frame_ms / 1000).max(1) as usize;
    let energies = frame_energies_db(samples, frame_len);
    if energies.is_empty() {
        return Vec::new();
    }
    let floor = percentile(&energies, params.floor_percentile);
    let enter = (floor + params.margin_db).max(params.min_level_dbfs);
    let stay = (enter - params.hysteresis_db).max(floor + 3.0);
    let runs = voiced_runs(&energies, enter, stay);
    let spans = runs.into_iter().map(|(a, b)| Span {
        start_ms: a as u64 * frame_ms,
        end_ms: b as u64 * frame_ms,
    });
    let bridged = bridge(spans, params.bridge_ms);
    bridged
        .into_iter()
        .filter(|s| s.duration_ms() >= params.min_speech_ms)
        .collect()
}

/// The silences between consecutive voiced spans that last at least `min_ms`; the silence
/// before the first span and after the last one are not pauses and are left out.
pub fn gaps(spans: &[Span], min_ms: u64) -> Vec<Span> {
    spans
        .windows(2)
        .map(|w| Span {
            start_ms: w[0].end_ms,
            end_ms: w[1].start_ms,
        })
        .filter(|g| g.end_ms > g.start_ms && g.duration_ms() >= min_ms)
        .collect()
}

/// Whether 16 kHz mono `samples` hold no speech worth transcribing: a peak below -50 dBFS, or
/// no voiced span of 200 ms or more.
pub fn is_silent(samples: &[f32]) -> bool {
    let peak = samples.iter().fold(
        0.0f32,
        |m, s| if s.is_finite() { m.max(s.abs()) } else { m },
    );
    if to_db(peak * peak) < SILENT_PEAK_DBFS {
        return true;
    }
    !speech_spans(samples, &VadParams::default())
        .iter()
        .any(|s| s.duration_ms() >= MIN_SPOKEN_MS)
}

/// Each whole frame's mean-removed energy in dB relative to full scale; a trailing partial
/// frame is ignored.
pub fn frame_energies_db(samples: &[f32], frame_len: usize) -> Vec<f32> {
    samples
        .chunks_exact(frame_len.max(1))
        .map(|frame| {
            let n = frame.len() as f64;
            let mean = frame.iter().map(|&s| f64::from(s)).sum::<f64>() / n;
            let power = frame
                .iter()
                .map(|&s| (f64::from(s) - mean).powi(2))
                .sum::<f64>()
                / n;
            to_db(power as f32)
        })
        .collect()
}

fn to_db(power: f32) -> f32 {
    if power.is_finite() && power > 0.0 {
        (10.0 * power.log10()).max(SILENCE_DB)
    } else {
        SILENCE_DB
    }
}

/// The value below which `fraction` of `values` lie.
fn percentile(values: &[f32], fraction: f32) -> f32 {
    let mut sorted = values.to_vec();
    let idx = ((sorted.len() - 1) as f32 * fraction.clamp(0.0, 1.0)).round() as usize;
    let (_, value, _) = sorted.select_nth_unstable_by(idx, f32::total_cmp);
    *value
}

/// Half-open frame ranges that are voiced: entered above `enter`, held while above `stay`.
fn voiced_runs(energies: &[f32], enter: f32, stay: f32) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &e) in energies.iter().enumerate() {
        match start {
            None if e >= enter => start = Some(i),
            Some(s) if e < stay => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, energies.len()));
    }
    runs
}

/// Joins spans separated by less than `bridge_ms`.
fn bridge(spans: impl Iterator<Item = Span>, bridge_ms: u64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start_ms.saturating_sub(last.end_ms) < bridge_ms => {
                last.end_ms = span.end_ms;
            }
            _ => out.push(span),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::fixtures::{make, sine, xorshift};
    use crate::audio::{LoadLimits, load};

    /// Uniform white noise at `dbfs` RMS, the same every run.
    fn noise(len: usize, dbfs: f64) -> Vec<f32> {
        let amp = 10f64.powf(dbfs / 20.0) * 3f64.sqrt();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = move || (xorshift(&mut seed) >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
        (0..len).map(|_| (amp * uniform()) as f32).collect()
    }

    fn with_noise(mut x: Vec<f32>, dbfs: f64) -> Vec<f32> {
        let n = noise(x.len(), dbfs);
        x.iter_mut().zip(n).for_each(|(s, n)| *s += n);
        x
    }

    /// Asserts the pauses found are the `want` ones, each edge within `tol_ms`.
    fn assert_gaps(found: &[Span], want: &[(u64, u64)], tol_ms: u64) {
        let ok = found.len() == want.len()
            && found.iter().zip(want).all(|(g, &(s, e))| {
                g.start_ms.abs_diff(s) <= tol_ms && g.end_ms.abs_diff(e) <= tol_ms
            });
        assert!(ok, "found {found:?}, wanted {want:?}");
    }

    #[test]
    fn silence_near_silence_and_steady_noise_are_silent() {
        let len = 5 * 16_000;
        assert!(is_silent(&vec![0.0; len]));
        assert!(is_silent(&noise(len, -70.0)));
        assert!(is_silent(&noise(len, -40.0)));
        assert!(is_silent(&vec![0.2; len]), "a DC offset is not sound");
        let mut click = vec![0.0; len];
        click[16_000..16_080].fill(0.5);
        assert!(is_silent(&click), "a click is not speech");
        // A steady tone is no more speech than steady noise; syllable-like bursts are.
        assert!(is_silent(&sine(16_000, 1.0, 300.0, 0.3)));
        let rise =
            |i: usize| 0.03 + 0.97 * (i as f32 * 3.0 * std::f32::consts::PI / 16e3).sin().powi(2);
        let tone = sine(16_000, 2.0, 300.0, 0.3);
        let syllables: Vec<f32> = tone.iter().enumerate().map(|(i, s)| s * rise(i)).collect();
        assert!(!is_silent(&syllables));
        assert!(is_silent(&[]));
    }

    #[test]
    fn low_level_noise_is_never_called_speech() {
        for level in [-80.0, -70.0, -55.0, -40.0] {
            let spans = speech_spans(&noise(10 * 16_000, level), &VadParams::default());
            assert!(spans.is_empty(), "noise at {level} dBFS: {spans:?}");
        }
    }

    #[test]
    fn tone_bursts_give_exact_spans_and_a_stop_does_not_split_a_word() {
        let on = |secs| sine(16_000, secs, 220.0, 0.3);
        let off = |secs: f64| vec![0.0; (secs * 16_000.0) as usize];
        let parts = [
            on(1.0),
            off(0.25),
            on(0.2),
            off(0.08),
            on(0.2),
            off(2.0),
            on(1.0),
        ];
        let x = with_noise([off(0.5), parts.concat(), off(0.5)].concat(), -60.0);
        let spans = speech_spans(&x, &VadParams::default());
        let want = [(500, 1500), (1750, 2230), (4230, 5230)];
        assert_eq!(spans.len(), 3, "{spans:?}");
        assert!(
            spans
                .iter()
                .zip(want)
                .all(|(s, (a, b))| s.start_ms.abs_diff(a) <= 10 && s.end_ms.abs_diff(b) <= 10)
        );
        assert_gaps(&gaps(&spans, 250), &[(1500, 1750), (2230, 4230)], 10);
        assert_gaps(&gaps(&spans, 300), &[(2230, 4230)], 10);
    }

    #[test]
    fn gaps_leave_out_the_edges_and_short_pauses() {
        let s = |start_ms, end_ms| Span { start_ms, end_ms };
        let spans = [s(100, 900), s(1000, 2000), s(2400, 3000)];
        assert_eq!(gaps(&spans, 250), vec![s(2000, 2400)]);
        assert_eq!(gaps(&spans, 50), vec![s(900, 1000), s(2000, 2400)]);
        assert!(gaps(&spans[..1], 0).is_empty());
    }

    /// Says `text` with espeak-ng and returns it at 16 kHz with the silence around it cut off.
    fn spoken(dir: &std::path::Path, text: &str) -> Vec<f32> {
        let path = dir.join(format!("{}.wav", text.len()));
        make("espeak-ng", &["-w".as_ref(), path.as_ref(), text.as_ref()]);
        let samples = load(&path, &LoadLimits::default()).unwrap().samples;
        let first = samples.iter().position(|s| s.abs() > 1e-3).unwrap();
        let last = samples.iter().rposition(|s| s.abs() > 1e-3).unwrap();
        samples[first..=last].to_vec()
    }

    #[test]
    #[cfg_attr(
        missing = "espeak-ng",
        ignore = "espeak-ng is not installed (scripts/bootstrap installs it)"
    )]
    fn pauses_of_2_s_300_ms_and_250_ms_are_found_in_espeak_speech() {
        let dir = tempfile::tempdir().unwrap();
        let a = spoken(dir.path(), "The quick brown fox jumps over the lazy dog.");
        let b = spoken(
            dir.path(),
            "Tell me about a time you solved a hard problem.",
        );
        let pause = |ms: usize| vec![0.0; ms * 16];
        let parts = [&a[..], &pause(2000), &b, &pause(300), &a, &pause(250), &b];
        let x = with_noise([pause(400), parts.concat(), pause(400)].concat(), -65.0);
        let ms = |len: usize| len as u64 / 16;
        let t1 = 400 + ms(a.len());
        let t2 = t1 + 2000 + ms(b.len());
        let t3 = t2 + 300 + ms(a.len());
        let want = [(t1, t1 + 2000), (t2, t2 + 300), (t3, t3 + 250)];
        let spans = speech_spans(&x, &VadParams::default());
        assert_gaps(&gaps(&spans, 200), &want, 50);
        assert!(!is_silent(&x));
        // Talk with no pause at all must still count as speech.
        assert!(!is_silent(&[&a[..], &b, &a].concat()));
    }
}
