//! Loudness of a block of samples, for the level meter and the silence end.

/// The quietest level reported, in dBFS: digital silence reads as this, never as minus infinity.
pub const FLOOR_DBFS: f32 = -100.0;

/// A block's loudness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Root-mean-square level in dB relative to full scale.
    pub rms_dbfs: f32,
    /// Peak level in dB relative to full scale.
    pub peak_dbfs: f32,
}

/// The level of `samples` (-1.0 to 1.0).
pub fn level(samples: &[f32]) -> Level {
    let finite = samples.iter().copied().filter(|s| s.is_finite());
    let (sum, peak, n) = finite.fold((0.0f64, 0.0f32, 0usize), |(sum, peak, n), s| {
        (sum + f64::from(s * s), peak.max(s.abs()), n + 1)
    });
    let rms = if n == 0 {
        0.0
    } else {
        (sum / n as f64).sqrt() as f32
    };
    Level {
        rms_dbfs: to_dbfs(rms),
        peak_dbfs: to_dbfs(peak),
    }
}

/// 0.0 to 1.0 for a meter bar: -60 dBFS and below is empty, 0 dBFS is full.
pub fn meter_fraction(level: Level) -> f32 {
    ((level.rms_dbfs + 60.0) / 60.0).clamp(0.0, 1.0)
}

fn to_dbfs(amplitude: f32) -> f32 {
    if amplitude <= 0.0 {
        FLOOR_DBFS
    } else {
        (20.0 * amplitude.log10()).max(FLOOR_DBFS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_reads_as_the_floor_not_minus_infinity() {
        assert_eq!(level(&[0.0; 100]).rms_dbfs, FLOOR_DBFS);
        assert_eq!(level(&[]).peak_dbfs, FLOOR_DBFS);
        assert_eq!(meter_fraction(level(&[0.0; 10])), 0.0);
    }

    #[test]
    fn a_full_scale_sine_is_minus_three_db_rms_and_zero_peak() {
        let sine: Vec<f32> = (0..16_000)
            .map(|i| (i as f32 * 2.0 * std::f32::consts::PI * 440.0 / 16_000.0).sin())
            .collect();
        let l = level(&sine);
        assert!((l.rms_dbfs + 3.01).abs() < 0.05, "{l:?}");
        assert!(l.peak_dbfs.abs() < 0.01, "{l:?}");
        assert!(meter_fraction(l) > 0.9);
    }
}
