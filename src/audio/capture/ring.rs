//! The hand-off from the audio callback to the reader: a single-producer, single-consumer ring of
//! mono `f32` samples.
//!
//! [`Sink`] lives inside the cpal callback. Its [`Sink::push_frames`] averages each frame's
//! channels into one sample and pushes it with a wait-free write; when the ring is full the sample
//! is dropped and counted. Nothing in it allocates, locks or waits. [`Feed`] is the reader's end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cpal::traits::DeviceTrait;
use cpal::{FromSample, Sample, SampleFormat, SizedSample};
use rtrb::{Consumer, Producer, RingBuffer};

use crate::audio::error::OpenFailure;

/// The callback's end of the ring.
pub struct Sink {
    producer: Producer<f32>,
    dropped: Arc<AtomicU64>,
    channels: usize,
}

/// The reader's end of the ring.
pub struct Feed {
    consumer: Consumer<f32>,
    dropped: Arc<AtomicU64>,
}

/// A ring holding `capacity` mono samples, for frames of one channel (see [`Sink::channels`]).
pub fn pair(capacity: usize) -> (Sink, Feed) {
    let (producer, consumer) = RingBuffer::new(capacity.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    let sink = Sink {
        producer,
        dropped: Arc::clone(&dropped),
        channels: 1,
    };
    (sink, Feed { consumer, dropped })
}

impl Sink {
    /// Sets how many interleaved channels each frame has.
    pub fn channels(mut self, channels: usize) -> Self {
        self.channels = channels.max(1);
        self
    }

    /// Converts interleaved frames to mono `f32` and pushes them; never blocks or allocates.
    pub fn push_frames<T>(&mut self, data: &[T])
    where
        T: Sample,
        f32: FromSample<T>,
    {
        let scale = 1.0 / self.channels as f32;
        for frame in data.chunks_exact(self.channels) {
            let sum: f32 = frame.iter().map(|s| f32::from_sample(*s)).sum();
            if self.producer.push(sum * scale).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Feed {
    /// Takes every sample waiting in the ring.
    pub fn drain(&mut self) -> Vec<f32> {
        let n = self.consumer.slots();
        let mut out = Vec::with_capacity(n);
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            out.extend(chunk);
        }
        out
    }

    /// Samples the callback had to drop because the ring was full.
    pub fn overflows(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Builds an input stream for `config` whose callback feeds `sink`, whatever the sample format.
pub fn build_stream(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    sink: Sink,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, OpenFailure> {
    let sink = sink.channels(config.channels() as usize);
    let stream_config: cpal::StreamConfig = (*config).into();
    match config.sample_format() {
        SampleFormat::I8 => typed::<i8>(device, &stream_config, sink, on_error),
        SampleFormat::I16 => typed::<i16>(device, &stream_config, sink, on_error),
        SampleFormat::I32 => typed::<i32>(device, &stream_config, sink, on_error),
        SampleFormat::U8 => typed::<u8>(device, &stream_config, sink, on_error),
        SampleFormat::U16 => typed::<u16>(device, &stream_config, sink, on_error),
        SampleFormat::U32 => typed::<u32>(device, &stream_config, sink, on_error),
        SampleFormat::F32 => typed::<f32>(device, &stream_config, sink, on_error),
        SampleFormat::F64 => typed::<f64>(device, &stream_config, sink, on_error),
        other => Err(OpenFailure::SampleFormat(other)),
    }
}

fn typed<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut sink: Sink,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, OpenFailure>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    device
        .build_input_stream(
            *config,
            move |data: &[T], _: &cpal::InputCallbackInfo| sink.push_frames(data),
            on_error,
            None,
        )
        .map_err(OpenFailure::Audio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_frames_are_averaged_into_one_sample() {
        let (sink, mut feed) = pair(16);
        let mut sink = sink.channels(2);
        sink.push_frames(&[1.0f32, 0.0, 0.5, 0.5, -1.0, -0.5]);
        assert_eq!(feed.drain(), vec![0.5, 0.5, -0.75]);
    }

    #[test]
    fn integer_samples_are_scaled_to_plus_minus_one() {
        let (mut sink, mut feed) = pair(16);
        sink.push_frames(&[i16::MAX, 0, i16::MIN]);
        let got = feed.drain();
        assert!((got[0] - 1.0).abs() < 1e-3 && got[1] == 0.0 && (got[2] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_full_ring_drops_and_counts_instead_of_waiting() {
        let (mut sink, mut feed) = pair(4);
        sink.push_frames(&[0.1f32; 10]);
        assert_eq!(feed.overflows(), 6);
        assert_eq!(feed.drain().len(), 4);
        sink.push_frames(&[0.2f32; 3]);
        assert_eq!(feed.drain(), vec![0.2; 3], "room again after a drain");
    }
}
