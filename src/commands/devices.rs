//! `rehearse devices`: the audio inputs, and a level test of one of them.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::Error;
use crate::audio::capture::{self, DeviceInfo, Level, meter_fraction};
use crate::report::Format;
use crate::session::SessionError;

/// How long the level test listens.
const TEST_FOR: Duration = Duration::from_secs(5);

/// Lists the input devices in `format`.
pub fn list(format: Format) -> Result<String, Error> {
    let devices = capture::input_devices().map_err(SessionError::from)?;
    Ok(match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&devices).expect("devices serialise");
            s.push('\n');
            s
        }
        Format::Text | Format::Markdown => text(&devices),
    })
}

fn text(devices: &[DeviceInfo]) -> String {
    if devices.is_empty() {
        return "No audio input devices. Connect a microphone, or practise with a recording: \
                rehearse practice --input FILE\n"
            .into();
    }
    let mut out = String::from("Input devices (choose one with --device NAME):\n");
    for d in devices {
        out += &format!(
            "  {} {}  ({} Hz, {} channel{}, {})\n",
            if d.is_default { "*" } else { " " },
            d.name,
            d.sample_rate,
            d.channels,
            if d.channels == 1 { "" } else { "s" },
            d.sample_format
        );
    }
    out += "  * the system's default input\n";
    out
}

/// Shows a live level meter from `device` (empty: the default) for five seconds on standard error.
pub fn test(device: &str, quiet: bool) -> Result<String, Error> {
    let device = (!device.is_empty()).then_some(device);
    let live = std::io::stderr().is_terminal();
    let mut loudest = Level {
        rms_dbfs: -100.0,
        peak_dbfs: -100.0,
    };
    let mut last_line = Duration::ZERO;
    capture::level_test(device, TEST_FOR, |level, at| {
        if level.peak_dbfs > loudest.peak_dbfs {
            loudest = level;
        }
        if quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if live {
            let _ = write!(err, "\r{} ", meter(level));
        } else if at >= last_line + Duration::from_millis(500) {
            last_line = at;
            let _ = writeln!(err, "{:>4.1} s {}", at.as_secs_f64(), meter(level));
        }
    })
    .map_err(SessionError::from)?;
    if live && !quiet {
        let _ = writeln!(std::io::stderr());
    }
    Ok(verdict(loudest))
}

/// A 40-character bar with the level in dBFS.
fn meter(level: Level) -> String {
    let filled = (meter_fraction(level) * 40.0).round() as usize;
    format!(
        "[{}{}] {:>6.1} dBFS",
        "#".repeat(filled),
        " ".repeat(40 - filled),
        level.rms_dbfs
    )
}

/// What the loudest moment says about the microphone.
fn verdict(loudest: Level) -> String {
    let advice = if loudest.peak_dbfs < -50.0 {
        "nothing was heard: check the microphone is connected, unmuted and chosen with --device"
    } else if loudest.peak_dbfs < -30.0 {
        "very quiet: move closer or raise the input gain"
    } else if loudest.peak_dbfs > -1.0 {
        "clipping: lower the input gain or move back a little"
    } else {
        "a good level for transcription"
    };
    format!("Loudest peak {:.1} dBFS: {advice}.\n", loudest.peak_dbfs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_fills_with_the_level() {
        let quiet = Level {
            rms_dbfs: -90.0,
            peak_dbfs: -80.0,
        };
        let loud = Level {
            rms_dbfs: 0.0,
            peak_dbfs: 0.0,
        };
        assert!(meter(quiet).starts_with(&format!("[{}]", " ".repeat(40))));
        assert!(meter(loud).starts_with(&format!("[{}]", "#".repeat(40))));
    }

    #[test]
    fn the_verdict_names_silence_and_clipping() {
        let at = |p| Level {
            rms_dbfs: p - 10.0,
            peak_dbfs: p,
        };
        assert!(verdict(at(-70.0)).contains("nothing was heard"));
        assert!(verdict(at(-0.5)).contains("clipping"));
        assert!(verdict(at(-12.0)).contains("good level"));
    }
}
