//! Capture through a real ALSA device backed by a file (see `testkit::alsa_file_device`), and
//! device lookup.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::*;
use crate::audio::fixtures::make;
use crate::testkit::alsa_file_device;

/// Speech from espeak-ng as raw 16 kHz mono S16_LE; the test fails, naming the tool, when
/// espeak-ng or sox is missing or fails.
fn raw_speech(dir: &Path) -> PathBuf {
    let wav = dir.join("speech.wav");
    let raw = dir.join("speech.raw");
    let text = "Testing the microphone, one two three, testing.";
    make(
        "espeak-ng",
        &[
            "-v".as_ref(),
            "en-us".as_ref(),
            "-w".as_ref(),
            wav.as_ref(),
            text.as_ref(),
        ],
    );
    let to_raw = [
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        "-e",
        "signed-integer",
        "-t",
        "raw",
    ];
    let args: Vec<&OsStr> = std::iter::once(wav.as_os_str())
        .chain(to_raw.map(OsStr::new))
        .chain([raw.as_os_str()])
        .collect();
    make("sox", &args);
    raw
}

#[test]
fn an_unknown_device_is_named_with_the_ones_there_are() {
    match Microphone::open(Some("no-such-device-anywhere")) {
        Err(AudioError::UnknownDevice { name, .. }) => {
            assert_eq!(name, "no-such-device-anywhere")
        }
        Err(AudioError::Host(_) | AudioError::NoDevice) => {}
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("a device with that name cannot exist"),
    }
}

#[test]
#[cfg_attr(
    any(missing = "espeak-ng", missing = "sox"),
    ignore = "espeak-ng or sox is not installed (scripts/bootstrap installs them)"
)]
fn speech_is_captured_from_a_real_alsa_device() {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_speech(dir.path());
    let out = dir.path().join("captured.f32");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "audio::capture::tests::capture_child",
            "--ignored",
            "--nocapture",
        ])
        .env("ALSA_CONFIG_PATH", alsa_file_device(dir.path(), &raw))
        .env("REHEARSE_CAPTURE_OUT", &out)
        .status()
        .unwrap();
    assert!(status.success(), "the capture child failed");
    let bytes = std::fs::read(&out).unwrap();
    let got: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let want_len = std::fs::metadata(&raw).unwrap().len() as usize / 2;
    assert!(
        got.len() >= want_len,
        "captured {} of {want_len} samples",
        got.len()
    );
    // The file's speech comes back at the start of what was captured, with its loudness contour.
    // ALSA's plug converts the file to the device's default format on the way, so the samples
    // themselves differ slightly; the contour in 50 ms windows must not.
    let want: Vec<f32> = std::fs::read(&raw)
        .unwrap()
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    let r = correlation(&envelope(&want), &envelope(&got[..want.len()]));
    assert!(r > 0.95, "loudness contours correlate only {r:.3}");
}

fn envelope(x: &[f32]) -> Vec<f32> {
    x.chunks(800)
        .map(|w| level(w).rms_dbfs.max(-60.0))
        .collect()
}

fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len()) as f32;
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let cov: f32 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f32 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f32 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Run only by `speech_is_captured_from_a_real_alsa_device`, in a process whose ALSA configuration
/// is the file-backed device.
#[test]
#[ignore = "a child of speech_is_captured_from_a_real_alsa_device"]
fn capture_child() {
    // Run by hand (`--ignored`), this child has no device to read and nowhere to write, and it
    // must not pass for having done nothing.
    let out = std::env::var_os("REHEARSE_CAPTURE_OUT")
        .expect("REHEARSE_CAPTURE_OUT is set by speech_is_captured_from_a_real_alsa_device");
    let devices = input_devices().unwrap();
    assert!(devices.iter().any(|d| d.is_default), "{devices:?}");
    let mut mic = Microphone::open(None).unwrap();
    let mut got = Vec::new();
    let started = Instant::now();
    while got.len() < 16_000 * 5 && started.elapsed() < Duration::from_secs(20) {
        got.extend(mic.read(Duration::from_millis(50)).unwrap());
    }
    got.extend(mic.stop().unwrap());
    let bytes: Vec<u8> = got.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(out, bytes).unwrap();
}
