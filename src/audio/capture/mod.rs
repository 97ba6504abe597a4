//! Placeholder until capture lands.
use std::time::Duration;
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no audio input device was found")]
    NoDevice,
}
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub name: String,
    pub is_default: bool,
    pub sample_rate: u32,
    pub channels: u16,
    pub sample_format: String,
}
pub struct Microphone {
    info: DeviceInfo,
}
impl Microphone {
    pub fn open(_device: Option<&str>) -> Result<Microphone, CaptureError> {
        Err(CaptureError::NoDevice)
    }
    pub fn device(&self) -> &DeviceInfo {
        &self.info
    }
    pub fn read(&mut self, _timeout: Duration) -> Result<Vec<f32>, CaptureError> {
        Ok(Vec::new())
    }
    pub fn overflows(&self) -> u64 {
        0
    }
    pub fn stop(self) -> Result<Vec<f32>, CaptureError> {
        Ok(Vec::new())
    }
}
#[derive(Debug, Clone, Copy)]
pub struct Level {
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
}
pub fn level(samples: &[f32]) -> Level {
    let e = samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32;
    Level {
        rms_dbfs: 10.0 * e.max(1e-10).log10(),
        peak_dbfs: 0.0,
    }
}
pub fn meter_fraction(level: Level) -> f32 {
    ((level.rms_dbfs + 60.0) / 60.0).clamp(0.0, 1.0)
}
