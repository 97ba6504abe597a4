//! One session's folder, and writing files into it atomically.
//!
//! Each session gets its own folder under the data directory, named by its UTC start time and
//! question, holding every answer's WAV file and, once scored, its report as JSON. Result files
//! are written to a temporary name and renamed into place, so a crash never leaves half a file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::StoreError;

/// One session's folder.
#[derive(Debug, Clone)]
pub struct SessionDir {
    path: PathBuf,
    stamp: String,
}

impl SessionDir {
    /// Creates a new folder under `root` for a session on `question`.
    pub fn create(root: &Path, question: &str) -> Result<SessionDir, StoreError> {
        let stamp = utc_stamp(SystemTime::now());
        let store = |path: &Path, source| StoreError::Write {
            path: path.to_path_buf(),
            source,
        };
        fs::create_dir_all(root).map_err(|e| store(root, e))?;
        // Two sessions started in the same second get distinct folders.
        for n in 1.. {
            let name = match n {
                1 => format!("{stamp}-{question}"),
                _ => format!("{stamp}-{question}-{n}"),
            };
            let path = root.join(name);
            match fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(SessionDir {
                        path,
                        stamp: stamp.clone(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(store(&path, e)),
            }
        }
        unreachable!("the loop returns")
    }

    /// When the session started, `YYYYMMDD-HHMMSS` in UTC.
    pub fn stamp(&self) -> &str {
        &self.stamp
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of a file in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `value` as pretty JSON to `name`, atomically.
    pub fn write_json(&self, name: &str, value: &impl Serialize) -> Result<PathBuf, StoreError> {
        let mut text = serde_json::to_string_pretty(value).expect("session records serialise");
        text.push('\n');
        let path = self.file(name);
        write_atomically(&path, text.as_bytes())?;
        Ok(path)
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let err = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension(format!("part-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename itself is made durable too, so a power cut cannot undo a finished write.
        if let Some(dir) = path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// `YYYYMMDD-HHMMSS` in UTC.
pub fn utc_stamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Seconds since 1970-01-01 UTC of a `YYYYMMDD-HHMMSS` stamp, as [`utc_stamp`] writes them;
/// `None` for anything else.
pub fn stamp_secs(stamp: &str) -> Option<i64> {
    let field = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = stamp.get(range)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    if stamp.len() != 15 || stamp.as_bytes()[8] != b'-' {
        return None;
    }
    let (y, m, d) = (field(0..4)?, field(4..6)?, field(6..8)?);
    let (h, mi, s) = (field(9..11)?, field(11..13)?, field(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days from 1970-01-01 to a Gregorian date (Howard Hinnant's civil-to-days algorithm, the
/// inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's days-to-civil algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_times() {
        let at = |s| utc_stamp(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "19700101-000000");
        assert_eq!(at(951_782_400), "20000229-000000");
        assert_eq!(at(1_795_894_813), "20261128-194013");
        for secs in [0, 951_782_400, 1_795_894_813, 4_107_542_399] {
            assert_eq!(stamp_secs(&at(secs)), Some(secs as i64));
        }
        for bad in [
            "",
            "20261128",
            "20261328-000000",
            "2026112x-000000",
            "20261128 000000",
        ] {
            assert_eq!(stamp_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn sessions_started_together_get_their_own_folders() {
        let root = tempfile::tempdir().unwrap();
        let a = SessionDir::create(root.path(), "q").unwrap();
        let b = SessionDir::create(root.path(), "q").unwrap();
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn json_is_written_whole_and_nothing_else_is_left() {
        let root = tempfile::tempdir().unwrap();
        let s = SessionDir::create(root.path(), "q").unwrap();
        let p = s
            .write_json("a.json", &serde_json::json!({"k": 1}))
            .unwrap();
        assert_eq!(fs::read_to_string(p).unwrap(), "{\n  \"k\": 1\n}\n");
        assert_eq!(fs::read_dir(s.path()).unwrap().count(), 1);
    }
}
