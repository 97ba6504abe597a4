//! The whisper.cpp engine, through whisper-rs.
//!
//! One [`WhisperEngine`] loads the model once and keeps one decoding state for its whole life. Long
//! recordings are cut at pauses into chunks that fit Whisper's 30-second window (see [`super::guard`]
//! for why we do not leave this to whisper.cpp), each chunk is decoded with the filler-keeping prompt,
//! and the words come back with DTW timings refined by the audio's own pauses.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

use whisper_rs::{
    DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext,
    WhisperContextParameters, WhisperState,
};

use super::error::LoadFailure;
use super::guard::{self, Chunk};
use super::words::{self, RawToken};
use super::{Segment, TranscribeError, Transcriber, Transcript};
use crate::audio::{SAMPLE_RATE, ms_to_samples, samples_to_ms, vad};
use crate::models::inspect::ModelInfo;

/// The initial prompt that keeps disfluencies in the transcript.
///
/// Whisper was trained on cleaned-up captions, so it drops "um" and "uh" unless the context shows
/// them. A short prompt written in that style keeps them; long prompts are reported to cause
/// repetition loops, so this stays one line. Measured in the README's "Fillers" section.
pub const FILLER_PROMPT: &str = "Um, uh, hmm. So, like, I mean.";

/// How to run whisper.cpp.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    /// The ggml model file.
    pub model: PathBuf,
    /// The spoken language, as a Whisper code such as `en`.
    pub language: String,
    /// CPU threads for decoding.
    pub threads: usize,
    /// Text shown to the decoder before the audio; empty for none.
    pub initial_prompt: String,
    /// Beam width; 1 decodes greedily.
    pub beam_size: usize,
}

/// A loaded model and its decoding state.
pub struct WhisperEngine {
    // The context must outlive the state; whisper-rs keeps it alive through an Arc inside the state,
    // and keeping it here too lets us ask the model about itself.
    _ctx: WhisperContext,
    state: WhisperState,
    opts: WhisperOptions,
    eot: i32,
}

impl WhisperEngine {
    /// Checks and loads the model at `opts.model`. Everything whisper.cpp would print goes to our
    /// log instead.
    pub fn load(opts: WhisperOptions) -> Result<Self, TranscribeError> {
        let info = crate::models::inspect::inspect(&opts.model)
            .map_err(|e| bad_model(&opts.model, LoadFailure::Unusable(Box::new(e))))?;
        Self::load_inspected(opts, &info)
    }

    /// Loads the model at `opts.model`, which the caller has already checked and described as
    /// `info` (the check walks the whole file, so it is done once).
    pub fn load_inspected(opts: WhisperOptions, info: &ModelInfo) -> Result<Self, TranscribeError> {
        route_whisper_logs();
        let path = opts.model.clone();
        let mut cparams = WhisperContextParameters::default();
        if let Some(preset) = dtw_preset(&info.kind, info.english_only) {
            cparams.dtw_parameters(DtwParameters {
                mode: DtwMode::ModelPreset {
                    model_preset: preset,
                },
                ..DtwParameters::default()
            });
        }
        let ctx = WhisperContext::new_with_params(&path, cparams)
            .map_err(|e| bad_model(&path, LoadFailure::Whisper(e)))?;
        let state = ctx.create_state().map_err(TranscribeError::Engine)?;
        let eot = ctx.token_eot();
        Ok(WhisperEngine {
            _ctx: ctx,
            state,
            opts,
            eot,
        })
    }

    /// Decodes one chunk of at most 30 seconds and returns its tokens with absolute times.
    /// `None` when `stop` was raised while it ran. The whisper.cpp parameters are set in one
    /// place, in the order the library reads them, which is why this runs to about 60 lines.
    fn decode_chunk(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        stop: Option<&Arc<AtomicBool>>,
        prompted: bool,
    ) -> Result<Option<Vec<RawSegment>>, TranscribeError> {
        // Half a second of silence after the audio: whisper.cpp's word-timing pass aborts the
        // process when a segment ends in the last few frames it was given (its median filter is
        // wider than what is left), which a stretch cut in mid-speech makes likely.
        let mut padded = Vec::with_capacity(samples.len() + END_PAD);
        padded.extend_from_slice(samples);
        padded.resize(samples.len() + END_PAD, 0.0);
        let samples = &padded[..];
        let mut params = full_params(&self.opts, prompted);
        params.set_audio_ctx(audio_ctx(samples.len()));
        params.set_max_tokens(token_budget(samples.len() - END_PAD));
        if let Some(stop) = stop {
            // whisper-rs 0.16's `set_abort_callback_safe` hands whisper.cpp a pointer to a boxed
            // trait object but reads it back as the bare closure type, which is undefined
            // behaviour (we saw spurious aborts), so the raw hook is used with a plain flag.
            // SAFETY: the flag outlives `full` below (the caller holds the Arc), and
            // `stop_requested` only reads it atomically.
            unsafe {
                params.set_abort_callback(Some(stop_requested));
                params.set_abort_callback_user_data(Arc::as_ptr(stop) as *mut std::ffi::c_void);
            }
        }
        let started = std::time::Instant::now();
        let result = self.state.full(params, samples);
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            tracing::debug!(
                offset_ms,
                audio_ms = samples_to_ms(samples.len()),
                took_ms = started.elapsed().as_millis() as u64,
                "abandoned a decode"
            );
            return Ok(None);
        }
        give_back_freed_memory();
        result.map_err(TranscribeError::Engine)?;
        tracing::debug!(
            offset_ms,
            audio_ms = samples_to_ms(samples.len()),
            took_ms = started.elapsed().as_millis() as u64,
            "decoded a chunk"
        );
        let mut out = Vec::new();
        for seg in self.state.as_iter() {
            let mut tokens = Vec::new();
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else {
                    continue;
                };
                let data = tok.token_data();
                if data.id >= self.eot {
                    continue;
                }
                tokens.push(RawToken {
                    text: tok.to_bytes().unwrap_or_default().to_vec(),
                    prob: data.p,
                    t0_ms: offset_ms + cs_to_ms(data.t0),
                    t1_ms: offset_ms + cs_to_ms(data.t1),
                    dtw_ms: (data.t_dtw >= 0).then(|| offset_ms + cs_to_ms(data.t_dtw)),
                });
            }
            out.push(RawSegment {
                text: seg
                    .to_str_lossy()
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
                start_ms: offset_ms + cs_to_ms(seg.start_timestamp()),
                end_ms: offset_ms + cs_to_ms(seg.end_timestamp()),
                no_speech_prob: seg.no_speech_probability(),
                tokens,
            });
        }
        Ok(Some(out))
    }

    /// Transcribes chunk by chunk; `None` when `stop` was raised. After each chunk `progress`
    /// hears how much of `samples` is done, in milliseconds, and their length. The words before
    /// `keep_from_ms` (absolute) are context the caller drops: speech Whisper skips there is not
    /// decoded again.
    fn run(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        keep_from_ms: u64,
        stop: Option<&Arc<AtomicBool>>,
        progress: Option<&dyn Fn(u64, u64)>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        let total_ms = samples_to_ms(samples.len());
        let report = |done: usize| {
            if let Some(progress) = progress {
                progress(samples_to_ms(done).min(total_ms), total_ms);
            }
        };
        let spans = vad::speech_spans(samples, &vad::VadParams::default());
        if spans.is_empty() || vad::is_silent(samples) {
            report(samples.len());
            return Ok(Some(Transcript {
                timed: super::Timing::Words,
                ..Transcript::default()
            }));
        }
        let keep_from = ms_to_samples(keep_from_ms.saturating_sub(offset_ms));
        let mut segments = Vec::new();
        let mut queue: VecDeque<Chunk> = guard::chunks(samples.len(), &spans).into();
        while let Some(chunk) = queue.pop_front() {
            let chunk_offset = offset_ms + samples_to_ms(chunk.start);
            let part = &samples[chunk.start..chunk.end];
            let Some(raw) = self.decode_chunk(part, chunk_offset, stop, true)? else {
                return Ok(None);
            };
            let mut kept = guard::keep_real_speech(raw, &spans, offset_ms);
            // tiny.en now and then writes nothing at all for a stretch of clear speech when
            // given the filler prompt, and transcribes it well without: try once more so.
            if kept.is_empty() && guard::voiced_in(&spans, chunk) >= RETRY_VOICED_MS {
                tracing::debug!(
                    offset_ms = chunk_offset,
                    "nothing heard: decoding again unprompted"
                );
                let Some(raw) = self.decode_chunk(part, chunk_offset, stop, false)? else {
                    return Ok(None);
                };
                kept = guard::keep_real_speech(raw, &spans, offset_ms);
            }
            let first_ms = guard::first_word_start(&kept).map(|t| t.saturating_sub(offset_ms));
            if let Some(head) =
                first_ms.and_then(|f| guard::skipped_head(chunk, f, &spans, keep_from))
            {
                let head_offset = offset_ms + samples_to_ms(head.start);
                tracing::debug!(
                    from_ms = head_offset,
                    to_ms = offset_ms + samples_to_ms(head.end),
                    "decoding the start Whisper skipped"
                );
                let part = &samples[head.start..head.end];
                let Some(raw) = self.decode_chunk(part, head_offset, stop, true)? else {
                    return Ok(None);
                };
                segments.extend(guard::keep_real_speech(raw, &spans, offset_ms));
            }
            // Whisper sometimes jumps ahead in the middle, skipping seconds of speech: what comes
            // after the jump is decoded again.
            if let Some(rest) = guard::cut_at_skip(&mut kept, chunk, offset_ms, &spans, keep_from) {
                tracing::debug!(
                    from_ms = offset_ms + samples_to_ms(rest.start),
                    "decoding again from where Whisper skipped ahead"
                );
                segments.extend(kept);
                queue.push_front(rest);
                report(rest.start);
                continue;
            }
            let covered_ms = guard::last_word_end(&kept).map(|t| t.saturating_sub(offset_ms));
            segments.extend(kept);
            // Whisper sometimes ends a window early, after a long pause: decode what it left out.
            // Progress then stands where that rest starts, so it never goes back.
            if let Some(rest) = covered_ms.and_then(|c| guard::uncovered_rest(chunk, c, &spans)) {
                tracing::debug!(
                    from_ms = samples_to_ms(rest.start),
                    "decoding speech Whisper skipped"
                );
                queue.push_front(rest);
                report(rest.start);
            } else {
                report(chunk.end);
            }
        }
        report(samples.len());
        Ok(Some(assemble(
            segments,
            &spans,
            offset_ms,
            samples_to_ms(samples.len()),
        )))
    }
}

/// The most tokens one decoding pass over `samples` may write: 16 and 10 a second, more than
/// twice what the fastest speech needs. Whisper caught in a loop on a short stretch otherwise
/// writes hundreds of tokens, and again at each higher temperature it retries with: a 1.2-second
/// stretch took 4 seconds in testing.
fn token_budget(samples: usize) -> i32 {
    (16 + 10 * samples / SAMPLE_RATE as usize) as i32
}

/// A chunk with this much voice, in milliseconds, that comes back empty is decoded again.
const RETRY_VOICED_MS: u64 = 1_000;

/// Returns the heap memory freed by a decode to the system. whisper.cpp allocates buffers sized
/// to each stretch (the spectrogram, the word-timing pass), and a live session decodes stretches
/// of every length, which leaves glibc's heap fragmented and the process's memory growing.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Silence appended to every decode, in samples (0.5 s).
const END_PAD: usize = SAMPLE_RATE as usize / 2;

/// Decoding parameters for one chunk.
fn full_params(opts: &WhisperOptions, prompted: bool) -> FullParams<'_, '_> {
    let strategy = if opts.beam_size > 1 {
        SamplingStrategy::BeamSearch {
            beam_size: opts.beam_size as i32,
            patience: -1.0,
        }
    } else {
        SamplingStrategy::Greedy { best_of: 1 }
    };
    let mut p = FullParams::new(strategy);
    p.set_language(Some(&opts.language));
    p.set_n_threads(opts.threads.max(1) as i32);
    p.set_print_special(false);
    p.set_print_progress(false);
    p.set_print_realtime(false);
    p.set_print_timestamps(false);
    p.set_token_timestamps(true);
    // Chunks are cut at pauses, so carrying text across them buys little and is how repetition
    // loops spread from one window to the next.
    p.set_no_context(true);
    if prompted && !opts.initial_prompt.is_empty() {
        p.set_initial_prompt(&opts.initial_prompt);
    }
    // No retries at higher temperatures: whisper.cpp samples them with a random generator it
    // seeds once per state, so a stretch came out differently depending on what the state had
    // decoded before (a live session and a one-shot run of the same recording disagreed).
    p.set_temperature_inc(0.0);
    p
}

impl Transcriber for WhisperEngine {
    fn transcribe(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
    ) -> Result<Transcript, TranscribeError> {
        self.transcribe_with_progress(samples, offset_ms, &|_, _| ())
    }

    /// A whole recording, cut as a live session of it would be ([`super::plan`]), so `rehearse
    /// score` of a saved answer gives the transcript its session gave.
    fn transcribe_with_progress(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Transcript, TranscribeError> {
        let total_ms = samples_to_ms(samples.len());
        let mut decode = |piece: &[f32], at_ms: u64, keep_from_ms: u64| {
            Ok(self
                .run(piece, at_ms, keep_from_ms, None, None)?
                .unwrap_or_default())
        };
        let t = super::plan::transcribe_whole(samples, offset_ms, &mut decode, &|done| {
            progress(done.min(total_ms), total_ms)
        })?;
        progress(total_ms, total_ms);
        Ok(t)
    }

    fn transcribe_until(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        keep_from_ms: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        self.run(samples, offset_ms, keep_from_ms, Some(stop), None)
    }
}

/// A segment as whisper.cpp returned it, before cleaning.
#[derive(Debug, Clone)]
pub struct RawSegment {
    /// Its text.
    pub text: String,
    /// Absolute start.
    pub start_ms: u64,
    /// Absolute end.
    pub end_ms: u64,
    /// Whisper's no-speech probability for the window.
    pub no_speech_prob: f32,
    /// The text tokens.
    pub tokens: Vec<RawToken>,
}

/// Builds the final transcript from cleaned segments: words from their tokens, timed with the
/// voiced `spans` of the `len_ms` of audio at `offset_ms`.
pub(crate) fn assemble(
    segments: Vec<RawSegment>,
    spans: &[vad::Span],
    offset_ms: u64,
    len_ms: u64,
) -> Transcript {
    let mut all_words = Vec::new();
    let mut out_segments = Vec::new();
    let mut counts = Vec::new();
    for seg in segments {
        let seg_words = words::from_tokens(&seg.tokens);
        if seg_words.is_empty() {
            continue;
        }
        // The text is rebuilt from the words so that it never holds what the words dropped, such
        // as a lone dash Whisper sometimes writes before a segment or a repetition loop.
        out_segments.push(Segment {
            text: join_words(&seg_words),
            start_ms: seg.start_ms,
            end_ms: seg.end_ms,
            no_speech_prob: seg.no_speech_prob,
        });
        counts.push(seg_words.len());
        all_words.extend(seg_words);
    }
    words::refine_with_pauses(&mut all_words, spans, offset_ms, offset_ms + len_ms);
    // Whisper stamps a segment to the end of its 30-second window even when the audio is shorter;
    // the refined words say where each segment really starts and ends.
    let mut first = 0;
    for (seg, n) in out_segments.iter_mut().zip(counts) {
        let own = &all_words[first..first + n];
        seg.start_ms = own[0].start_ms;
        seg.end_ms = own[n - 1].end_ms;
        first += n;
    }
    let text = join_words(&all_words);
    Transcript {
        text,
        words: all_words,
        segments: out_segments,
        timed: super::Timing::Words,
    }
}

fn join_words(words: &[super::Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn dtw_preset(kind: &str, english_only: bool) -> Option<DtwModelPreset> {
    Some(match (kind, english_only) {
        ("tiny", true) => DtwModelPreset::TinyEn,
        ("tiny", false) => DtwModelPreset::Tiny,
        ("base", true) => DtwModelPreset::BaseEn,
        ("base", false) => DtwModelPreset::Base,
        ("small", true) => DtwModelPreset::SmallEn,
        ("small", false) => DtwModelPreset::Small,
        ("medium", true) => DtwModelPreset::MediumEn,
        ("medium", false) => DtwModelPreset::Medium,
        _ => return None,
    })
}

fn bad_model(path: &Path, source: LoadFailure) -> TranscribeError {
    if !path.exists() {
        return TranscribeError::MissingModel {
            path: path.to_path_buf(),
        };
    }
    TranscribeError::BadModel {
        path: path.to_path_buf(),
        source,
    }
}

/// whisper.cpp's abort hook: true once the flag behind `flag` is raised. whisper.cpp asks after
/// the encoder and after each decoder step, so a decode stops within a fraction of a second.
unsafe extern "C" fn stop_requested(flag: *mut std::ffi::c_void) -> bool {
    // SAFETY: `decode_chunk` passes a pointer to an `AtomicBool` that lives until `full` returns.
    let flag = unsafe { &*(flag as *const AtomicBool) };
    flag.load(Ordering::Relaxed)
}

/// Sends whisper.cpp's and ggml's log lines to `tracing` instead of stderr, once per process.
fn route_whisper_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}

fn cs_to_ms(cs: i64) -> u64 {
    (cs.max(0) as u64) * 10
}

/// The encoder context for a chunk of `samples`: its length in encoder frames (50 a second) plus a
/// margin, rounded up to a multiple of 16, at most Whisper's full 1,500.
///
/// whisper.cpp pads every chunk to 30 seconds and encodes all of it, so a 12-second phrase costs as
/// much as a full window. Sizing the context to the audio cuts that cost; the margin keeps the end of
/// the phrase well inside what the decoder attends to, which is where a tight context loses words.
///
/// The rounding matters as much as the sizing. ggml hands a matrix product to its tiled kernels
/// only when the rows are a multiple of 4 and the shared dimension a multiple of 16; the encoder's
/// attention and its second convolution have the context in those places, so any other length
/// falls back to one dot product at a time and the encoder takes twice as long (README,
/// "Performance").
pub(crate) fn audio_ctx(samples: usize) -> i32 {
    const FRAMES_PER_SECOND: usize = 50;
    const MARGIN_FRAMES: usize = 64;
    const TILE: usize = 16;
    let frames = (samples * FRAMES_PER_SECOND).div_ceil(SAMPLE_RATE as usize) + MARGIN_FRAMES;
    (frames.div_ceil(TILE) * TILE).min(1500) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::ms_to_samples;

    #[test]
    fn the_encoder_context_covers_the_chunk_in_whole_tiles() {
        for ms in (100..=guard::MAX_CHUNK_MS).step_by(10) {
            let ctx = audio_ctx(ms_to_samples(ms)) as u64;
            assert_eq!(ctx % 16, 0, "{ms} ms gives a context of {ctx} frames");
            assert!(ctx < 1500, "{ms} ms needs the whole window ({ctx} frames)");
            assert!(
                ctx * 20 >= ms + 64 * 20,
                "{ms} ms is not covered with its margin by {ctx} frames"
            );
        }
    }

    #[test]
    fn the_encoder_context_never_exceeds_the_window() {
        assert_eq!(audio_ctx(ms_to_samples(30_000)), 1500);
        assert_eq!(audio_ctx(ms_to_samples(600_000)), 1500);
    }
}
