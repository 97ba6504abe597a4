//! Microphone capture with cpal.
//!
//! One thread owns the cpal stream for its whole life: it opens the device, starts the stream,
//! reports back whether that worked, and then waits for the stop message. The stream's callback
//! runs on the audio driver's real-time thread, so it only converts each frame to one `f32`
//! (averaging the channels) and pushes it into a lock-free ring buffer; it never blocks, locks or
//! allocates, and when the ring is full it counts the samples it had to drop instead of hiding them.
//! The reader side ([`Microphone::read`]) drains the ring and resamples to 16 kHz with the same
//! streaming resampler as file decoding. A stream error (a device unplugged mid-answer) is recorded
//! by the error callback and reported only after everything captured before it has been read, so
//! nothing recorded is lost.

mod level;
mod ring;

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

pub use level::{Level, level, meter_fraction};
use ring::Feed;

use super::AudioError;
use super::error::OpenFailure;
use super::resample::Resampler16k;

/// One input device as the system reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    /// The name to pass to `--device`.
    pub name: String,
    /// Whether it is the system's default input.
    pub is_default: bool,
    /// Its default sample rate in Hz.
    pub sample_rate: u32,
    /// Its default channel count.
    pub channels: u16,
    /// Its default sample format, such as `i16` or `f32`.
    pub sample_format: String,
}

/// A live microphone.
pub struct Microphone {
    info: DeviceInfo,
    feed: Feed,
    resampler: Resampler16k,
    failure: Arc<Mutex<Option<cpal::Error>>>,
    failed: Arc<AtomicBool>,
    stop: mpsc::Sender<()>,
    owner: Option<JoinHandle<()>>,
}

/// Seconds of audio the ring holds between reads. The session reads every few milliseconds, so
/// this only matters when it stalls (a slow disk, a machine under load) or when a device delivers
/// faster than real time, as ALSA's file-backed test device does: 30 seconds covers both at a cost
/// of 2 MB at 16 kHz.
const RING_SECONDS: usize = 30;

impl Microphone {
    /// Opens the named device (`None`: the system default input) and starts capturing at once.
    /// Names match exactly first, then as a unique case-insensitive part of a name.
    pub fn open(device: Option<&str>) -> Result<Microphone, AudioError> {
        let wanted = device.map(str::to_string);
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stop_rx) = mpsc::channel::<()>();
        let failure = Arc::new(Mutex::new(None));
        let failed = Arc::new(AtomicBool::new(false));
        let (fail_slot, fail_flag) = (Arc::clone(&failure), Arc::clone(&failed));
        let owner = thread::Builder::new()
            .name("capture".into())
            .spawn(move || {
                let _quiet = silence_alsa();
                match start_stream(wanted.as_deref(), fail_slot, fail_flag) {
                    Ok((stream, info, feed)) => {
                        let _ = ready_tx.send(Ok((info, feed)));
                        // The stream lives until the stop message comes or the reader goes away.
                        let _ = stop_rx.recv();
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(AudioError::CaptureThread)?;
        let (info, feed) = ready_rx
            .recv()
            .map_err(|_| AudioError::CaptureThreadStopped)??;
        let resampler =
            Resampler16k::new(info.sample_rate).map_err(|e| AudioError::OpenDevice {
                device: info.name.clone(),
                source: OpenFailure::Resample(e),
            })?;
        Ok(Microphone {
            info,
            feed,
            resampler,
            failure,
            failed,
            stop,
            owner: Some(owner),
        })
    }

    /// The device being captured.
    pub fn device(&self) -> &DeviceInfo {
        &self.info
    }

    /// Waits up to `timeout` for audio and returns the 16 kHz samples that arrived since the last
    /// call, possibly none. After the stream fails, whatever was still buffered comes first; the
    /// error comes on the next call.
    pub fn read(&mut self, timeout: Duration) -> Result<Vec<f32>, AudioError> {
        let deadline = Instant::now() + timeout;
        loop {
            let raw = self.feed.drain();
            if !raw.is_empty() {
                return Ok(self.resample(&raw));
            }
            if self.failed.load(Ordering::Acquire) {
                return Err(self.stream_error());
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            thread::sleep((deadline - now).min(Duration::from_millis(5)));
        }
    }

    /// Samples dropped so far because the reader fell behind.
    pub fn overflows(&self) -> u64 {
        self.feed.overflows()
    }

    /// Stops the stream and returns every sample not yet read.
    pub fn stop(mut self) -> Result<Vec<f32>, AudioError> {
        let _ = self.stop.send(());
        if let Some(owner) = self.owner.take() {
            let _ = owner.join();
        }
        let raw = self.feed.drain();
        let mut out = self.resample(&raw);
        let resampler = std::mem::replace(
            &mut self.resampler,
            Resampler16k::new(super::SAMPLE_RATE).expect("16 kHz needs no resampling"),
        );
        out.extend(resampler.finish().unwrap_or_default());
        Ok(out)
    }

    fn resample(&mut self, raw: &[f32]) -> Vec<f32> {
        // The rates cpal reports are ones the resampler accepts; a failure would only lose this block.
        let _ = self.resampler.push(raw);
        self.resampler.take()
    }

    fn stream_error(&self) -> AudioError {
        let device = self.info.name.clone();
        match self.failure.lock().ok().and_then(|f| f.clone()) {
            Some(source) => AudioError::DeviceFailed { device, source },
            None => AudioError::DeviceEnded { device },
        }
    }
}

impl Drop for Microphone {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(owner) = self.owner.take() {
            let _ = owner.join();
        }
    }
}

/// Lists input devices with their default formats; none is an empty list, not an error.
pub fn input_devices() -> Result<Vec<DeviceInfo>, AudioError> {
    let _quiet = silence_alsa();
    let host = cpal::default_host();
    let default = host.default_input_device().and_then(|d| d.id().ok());
    let devices = host.input_devices().map_err(AudioError::Host)?;
    Ok(devices
        .filter_map(|d| {
            let name = device_name(&d);
            let config = d.default_input_config().ok()?;
            Some(DeviceInfo {
                is_default: default.is_some() && d.id().ok() == default,
                sample_rate: config.sample_rate(),
                channels: config.channels(),
                sample_format: config.sample_format().to_string(),
                name,
            })
        })
        .collect())
}

/// Opens `device` and calls `on_level` about twenty times a second with the latest block's level
/// and the time since the start, for `duration`.
pub fn level_test(
    device: Option<&str>,
    duration: Duration,
    mut on_level: impl FnMut(Level, Duration),
) -> Result<(), AudioError> {
    let mut mic = Microphone::open(device)?;
    let started = Instant::now();
    while started.elapsed() < duration {
        let block = mic.read(Duration::from_millis(50))?;
        if !block.is_empty() {
            on_level(level(&block), started.elapsed());
        }
    }
    mic.stop().map(|_| ())
}

/// The name a device is listed and chosen by.
fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_string())
        .or_else(|_| d.id().map(|id| id.to_string()))
        .unwrap_or_else(|_| "unnamed device".into())
}

/// Finds the device called `wanted`, or the default input.
fn find_device(host: &cpal::Host, wanted: Option<&str>) -> Result<cpal::Device, AudioError> {
    let Some(wanted) = wanted else {
        return host.default_input_device().ok_or(AudioError::NoDevice);
    };
    let devices: Vec<cpal::Device> = host.input_devices().map_err(AudioError::Host)?.collect();
    let names: Vec<String> = devices.iter().map(device_name).collect();
    let pick = |i: usize| devices[i].clone();
    if let Some(i) = names.iter().position(|n| n == wanted) {
        return Ok(pick(i));
    }
    let lower = wanted.to_lowercase();
    let matches: Vec<usize> = (0..names.len())
        .filter(|&i| names[i].to_lowercase().contains(&lower))
        .collect();
    match matches.as_slice() {
        [i] => Ok(pick(*i)),
        _ => Err(AudioError::UnknownDevice {
            name: wanted.to_string(),
            available: names,
        }),
    }
}

/// Opens the device and starts its stream; runs on the owning thread.
fn start_stream(
    wanted: Option<&str>,
    failure: Arc<Mutex<Option<cpal::Error>>>,
    failed: Arc<AtomicBool>,
) -> Result<(cpal::Stream, DeviceInfo, Feed), AudioError> {
    let host = cpal::default_host();
    let device = find_device(&host, wanted)?;
    let name = device_name(&device);
    let open_err = |source: OpenFailure| AudioError::OpenDevice {
        device: name.clone(),
        source,
    };
    let config = choose_config(&device).map_err(|e| open_err(e.into()))?;
    let info = DeviceInfo {
        name: name.clone(),
        is_default: wanted.is_none(),
        sample_rate: config.sample_rate(),
        channels: config.channels(),
        sample_format: config.sample_format().to_string(),
    };
    let (sink, feed) = ring::pair(info.sample_rate as usize * RING_SECONDS);
    let on_error = move |e: cpal::Error| {
        // Not the real-time path: the error callback may lock.
        if let Ok(mut slot) = failure.lock() {
            slot.get_or_insert(e);
        }
        failed.store(true, Ordering::Release);
    };
    let stream = ring::build_stream(&device, &config, sink, on_error).map_err(open_err)?;
    stream.play().map_err(|e| open_err(e.into()))?;
    Ok((stream, info, feed))
}

/// The stream format: 16 kHz mono when the device offers it (what Whisper wants, so nothing is
/// resampled twice), else the device's default.
fn choose_config(device: &cpal::Device) -> Result<cpal::SupportedStreamConfig, cpal::Error> {
    let rate = super::SAMPLE_RATE;
    let preferred = device.supported_input_configs().ok().and_then(|configs| {
        let mut fits: Vec<_> = configs
            .filter(|c| {
                c.channels() == 1 && c.min_sample_rate() <= rate && rate <= c.max_sample_rate()
            })
            .collect();
        // 16-bit integers first: they are what microphones deliver, and through ALSA's plug and file
        // plugins an f32 request came back with whole periods missing while i16 was exact.
        fits.retain(|c| {
            matches!(
                c.sample_format(),
                cpal::SampleFormat::I16 | cpal::SampleFormat::F32
            )
        });
        fits.sort_by_key(|c| c.sample_format() != cpal::SampleFormat::I16);
        fits.into_iter().next().map(|c| c.with_sample_rate(rate))
    });
    match preferred {
        Some(c) => Ok(c),
        None => device.default_input_config(),
    }
}

/// Keeps alsa-lib's own error printing off the terminal while devices are probed; probing the
/// card-less configurations of a typical Linux machine prints a screenful otherwise.
#[cfg(target_os = "linux")]
fn silence_alsa() -> Option<impl Sized> {
    alsa::Output::local_error_handler().ok()
}

#[cfg(not(target_os = "linux"))]
fn silence_alsa() -> Option<()> {
    None
}

#[cfg(test)]
mod tests;
