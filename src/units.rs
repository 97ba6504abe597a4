//! Durations as people type and read them: `90s`, `2m`, `1m30s`, `1h`, `250ms`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time with millisecond precision, written the way people say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    ms: u64,
}

impl Duration {
    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Duration { ms }
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Duration { ms: s * 1000 }
    }

    /// Milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.ms
    }

    /// Seconds, with fractions.
    pub fn as_secs_f64(self) -> f64 {
        self.ms as f64 / 1000.0
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration; write it like 90s, 2m, 1m30s or 500ms")]
pub struct DurationError(String);

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DurationError(s.to_string());
        let text = s.trim();
        if text.is_empty() {
            return Err(err());
        }
        let mut total: u64 = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(err());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| err())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            // A bare number is seconds; it can only be the last part, since digits run to the unit.
            let factor = match &rest[..unit_len] {
                "ms" => 1,
                "s" | "sec" | "" => 1000,
                "m" | "min" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(err()),
            };
            total = n
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(err)?;
            rest = &rest[unit_len..];
        }
        Ok(Duration { ms: total })
    }
}

impl fmt::Display for Duration {
    /// Writes the shortest form that reads back to the same value: `90s` as `1m30s`, `2m`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.ms;
        if !ms.is_multiple_of(1000) || ms == 0 {
            return write!(f, "{ms}ms");
        }
        let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
        let mut out = String::new();
        if h > 0 {
            out += &format!("{h}h");
        }
        if m > 0 {
            out += &format!("{m}m");
        }
        if s > 0 {
            out += &format!("{s}s");
        }
        f.write_str(&out)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `m:ss`, rounding down to whole seconds: the clock a speaker watches.
pub fn mmss(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// Formats milliseconds as a clock reading, `m:ss.s`, for reports.
pub fn clock(ms: u64) -> String {
    let tenths = ms / 100;
    format!("{}:{:02}.{}", tenths / 600, tenths / 10 % 60, tenths % 10)
}

/// A session stamp `20261128-232733` (UTC) as `2026-11-28 23:27`.
pub fn when(stamp: &str) -> String {
    match (
        stamp.get(0..4),
        stamp.get(4..6),
        stamp.get(6..8),
        stamp.get(9..11),
        stamp.get(11..13),
    ) {
        (Some(y), Some(m), Some(d), Some(h), Some(mi)) => format!("{y}-{m}-{d} {h}:{mi}"),
        _ => stamp.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_people_write() {
        let ms = |s: &str| s.parse::<Duration>().unwrap().as_millis();
        assert_eq!(ms("90s"), 90_000);
        assert_eq!(ms("2m"), 120_000);
        assert_eq!(ms("1m30s"), 90_000);
        assert_eq!(ms("250ms"), 250);
        assert_eq!(ms("1h"), 3_600_000);
        assert_eq!(ms("45"), 45_000);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "s", "2x", "-3s", "1.5m", "m2", "99999999999999999999h"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn display_reads_back() {
        for v in [250, 1000, 90_000, 120_000, 3_723_000] {
            let d = Duration::from_millis(v);
            assert_eq!(d.to_string().parse::<Duration>().unwrap(), d);
        }
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
    }

    #[test]
    fn clock_reads_minutes_and_seconds() {
        assert_eq!(clock(83_450), "1:23.4");
        assert_eq!(clock(0), "0:00.0");
    }
}
