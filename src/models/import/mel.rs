//! The mel filter bank that whisper.cpp reads from the model file.
//!
//! Whisper was trained on log-mel spectrograms made with librosa's default filters: the
//! Slaney mel scale (linear below 1 kHz, logarithmic above) and Slaney area normalisation,
//! from 0 Hz to the Nyquist frequency. whisper.cpp does not compute these itself; it expects
//! them in the ggml file, so the importer computes them here, in f64 like librosa, and
//! stores them as f32 like the `mel_filters.npz` that ships with OpenAI's package.

/// The sample rate every Whisper model expects.
pub const SAMPLE_RATE: f64 = 16_000.0;

/// The FFT size Whisper uses (25 ms windows at 16 kHz).
pub const N_FFT: usize = 400;

/// Hz per mel below the 1 kHz break of the Slaney scale.
const F_SP: f64 = 200.0 / 3.0;

/// Where the Slaney scale turns logarithmic, in Hz and in mels.
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

/// The mel filter bank as written to a ggml file: `n_mels` rows of `n_fft / 2 + 1` bins.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilters {
    pub n_mels: usize,
    pub n_bins: usize,
    /// Row-major weights, `n_mels * n_bins` of them.
    pub data: Vec<f32>,
}

/// Converts a frequency to the Slaney mel scale.
fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

/// Converts a Slaney mel value back to Hz.
fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        mel * F_SP
    }
}

/// The width of one mel in the logarithmic part: 27 mels span a factor of 6.4.
fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// The `n_mels + 2` band edges in Hz, evenly spaced in mels from 0 Hz to the Nyquist frequency.
fn band_edges(n_mels: usize, sample_rate: f64) -> Vec<f64> {
    let top = hz_to_mel(sample_rate / 2.0);
    (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect()
}

/// Computes the Slaney-normalised triangular filters for `n_mels` bands.
///
/// Each band is a triangle over the FFT bin frequencies between its two neighbouring mel
/// points, scaled by 2 / (upper - lower) Hz so every band has the same area.
pub fn mel_filters(n_mels: usize, n_fft: usize, sample_rate: f64) -> MelFilters {
    let n_bins = n_fft / 2 + 1;
    let bin_hz: Vec<f64> = (0..n_bins)
        .map(|k| k as f64 * sample_rate / n_fft as f64)
        .collect();
    let points = band_edges(n_mels, sample_rate);
    let mut data = Vec::with_capacity(n_mels * n_bins);
    for m in 0..n_mels {
        let (lower, centre, upper) = (points[m], points[m + 1], points[m + 2]);
        let norm = 2.0 / (upper - lower);
        for &f in &bin_hz {
            let rising = (f - lower) / (centre - lower);
            let falling = (upper - f) / (upper - centre);
            data.push((rising.min(falling).max(0.0) * norm) as f32);
        }
    }
    MelFilters {
        n_mels,
        n_bins,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whisper80() -> MelFilters {
        mel_filters(80, N_FFT, SAMPLE_RATE)
    }

    fn at(m: &MelFilters, row: usize, col: usize) -> f32 {
        m.data[row * m.n_bins + col]
    }

    #[test]
    fn has_whispers_shape() {
        let m = whisper80();
        assert_eq!((m.n_mels, m.n_bins, m.data.len()), (80, 201, 80 * 201));
        assert!(m.data.iter().all(|w| w.is_finite() && *w >= 0.0));
        assert_eq!(mel_filters(128, N_FFT, SAMPLE_RATE).data.len(), 128 * 201);
    }

    #[test]
    fn matches_openai_mel_filters_npz() {
        // These values were read from `mel_80` in the `mel_filters.npz` of the openai-whisper
        // source distribution (librosa's output stored as float32).
        let expected = [
            (0, 1, 0.024_862_594_902_515_41),
            (1, 2, 0.022_871_771_827_340_126),
            (17, 17, 0.019_862_858_578_562_737),
            (31, 31, 0.011_751_330_457_627_773),
            (34, 35, 0.007_420_188_747_346_401),
            (51, 66, 0.008_628_834_970_295_43),
            (66, 115, 0.003_263_183_869_421_482),
            (68, 128, 0.003_226_396_394_893_527),
            (72, 145, 0.002_751_024_439_930_916),
            (79, 190, 0.002_232_054_946_944_117_5),
            (79, 198, 0.000_897_518_009_878_695),
            (79, 199, 0.000_448_759_004_939_347_5),
        ];
        let m = whisper80();
        for (row, col, value) in expected {
            let got = f64::from(at(&m, row, col));
            assert!(
                (got - value).abs() < 1e-6,
                "[{row}][{col}] = {got}, expected {value}"
            );
        }
        for (row, col) in [(0, 2), (1, 3), (10, 12), (30, 37), (40, 50), (60, 100)] {
            assert_eq!(at(&m, row, col), 0.0, "[{row}][{col}]");
        }
    }

    #[test]
    fn rows_are_single_triangles_with_slaney_peaks() {
        let m = whisper80();
        for row in 0..m.n_mels {
            let r = &m.data[row * m.n_bins..(row + 1) * m.n_bins];
            let nonzero: Vec<usize> = (0..r.len()).filter(|&i| r[i] > 0.0).collect();
            assert!(!nonzero.is_empty(), "row {row} is empty");
            // A triangle's support is one run of bins, with no gap inside it.
            assert_eq!(
                nonzero.len(),
                nonzero[nonzero.len() - 1] - nonzero[0] + 1,
                "row {row}"
            );
            // Slaney normalisation caps each peak at 2 / (band width in Hz), and no band is
            // so narrow that the nearest bin sits far below that cap.
            let edges = band_edges(80, SAMPLE_RATE);
            let cap = 2.0 / (edges[row + 2] - edges[row]);
            let peak = f64::from(r.iter().copied().fold(0.0f32, f32::max));
            assert!(
                peak <= cap + 1e-9 && peak > cap / 4.0,
                "row {row} peaks at {peak}"
            );
        }
        // The linear part of the scale gives the lowest bands equal widths, so equal sums.
        let sum = |row: usize| {
            m.data[row * m.n_bins..(row + 1) * m.n_bins]
                .iter()
                .sum::<f32>()
        };
        assert!((sum(0) - sum(4)).abs() < 1e-6);
        // Bands widen above 1 kHz, so their peaks fall.
        assert!(at(&m, 79, 190) < at(&m, 0, 1));
    }

    #[test]
    fn the_scale_round_trips() {
        for hz in [0.0, 300.0, 999.0, 1000.0, 4000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9, "{hz}");
        }
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    }
}
