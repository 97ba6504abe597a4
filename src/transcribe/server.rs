//! Transcription on a server: any OpenAI-compatible `POST {base_url}/audio/transcriptions`
//! (speaches, whisper.cpp's server, vLLM, hosted APIs), for a class or a team sharing one machine.
//!
//! [`ServerClient`] sends 16 kHz audio as a WAV upload with `response_format=verbose_json` and word
//! and segment timestamps, reads the reply leniently ([`reply`]) and turns it into the same
//! segments and tokens the local engine produces, so the same cleaning (what Whisper invents over
//! silence) and the same word timing with the audio's own pauses apply. A server that gives
//! segment times only yields words timed approximately ([`Timing::Approximate`]). Recordings longer
//! than an upload may be are sent in pieces cut in pauses.
//!
//! [`ServerTranscriber`] is the [`Transcriber`] a session uses: every settled chunk goes to the
//! server; provisional decodes while the speaker talks run on a local model when one is installed
//! and are skipped otherwise. When the server fails, it goes on with the local model for the rest
//! of the session if there is one, and otherwise the error ends the answer with its audio kept.

pub mod reply;

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::traits::AsyncTryFrom;
use reqwest::StatusCode;

use super::error::{ServerProblem, ServerWait};
use super::guard::Chunk;
use super::{Timing, TranscribeError, Transcriber, Transcript, guard, whisper};
use crate::audio::vad::{self, Span};
use crate::audio::{SAMPLE_RATE, samples_to_ms};
use crate::net::{ApiKey, RetryPolicy, ServerText, Transport, server_message};

/// The model asked for when none is configured: the name OpenAI's API knows; whisper.cpp's server
/// ignores it, and speaches and vLLM want the name of a model they serve.
pub const DEFAULT_MODEL: &str = "whisper-1";

/// One transcription server, resolved from `[transcribe]`.
#[derive(Debug, Clone)]
pub struct ServerEndpoint {
    /// The base URL, without a trailing slash (`http://127.0.0.1:8178/v1`).
    pub base_url: String,
    /// The model's name as the server knows it.
    pub model: String,
    /// The key, when the variable is set.
    pub api_key: Option<ApiKey>,
    /// The variable the key is read from, for messages.
    pub api_key_env: String,
    /// The spoken language, a Whisper code.
    pub language: String,
    /// The initial prompt (the filler prompt keeps "um" and "uh"); empty for none.
    pub prompt: String,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// The longest wait for the reply's first byte (a server transcribes before it answers).
    pub first_byte_timeout: Duration,
    /// The longest a whole request may take, retries included.
    pub timeout: Duration,
    /// Retries after a 429 or 5xx answer.
    pub retries: u32,
    /// The first retry's delay; each further one doubles it.
    pub backoff: Duration,
}

impl ServerEndpoint {
    /// An endpoint at `base_url` with the default model, limits and no key.
    pub fn new(base_url: &str) -> ServerEndpoint {
        ServerEndpoint {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: DEFAULT_MODEL.into(),
            api_key: None,
            api_key_env: "OPENAI_API_KEY".into(),
            language: "en".into(),
            prompt: String::new(),
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(120),
            timeout: Duration::from_secs(300),
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

/// A client for one transcription server. It owns a small runtime of its own, so it can be used
/// from the plain threads that transcribe.
pub struct ServerClient {
    endpoint: ServerEndpoint,
    client: Client<OpenAIConfig>,
    runtime: tokio::runtime::Runtime,
    /// Set once a reply showed the server is whisper.cpp's, which takes a few fields of its own.
    whisper_cpp: AtomicBool,
}

impl std::fmt::Debug for ServerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ServerClient {
    /// A client for `endpoint`.
    pub fn new(endpoint: ServerEndpoint) -> Result<ServerClient, TranscribeError> {
        let policy = RetryPolicy {
            retries: endpoint.retries,
            backoff: endpoint.backoff,
        };
        let fail = |problem| TranscribeError::Server {
            url: endpoint.base_url.clone(),
            problem,
        };
        let transport = Transport::new(
            endpoint.connect_timeout,
            endpoint.first_byte_timeout,
            policy,
            "the transcription server",
        )
        .map_err(|e| fail(ServerProblem::Client(Box::new(OpenAIError::Reqwest(e)))))?;
        // An explicit (possibly empty) key: async-openai would otherwise read OPENAI_API_KEY by
        // itself, whatever variable the config names.
        let key = endpoint.api_key.as_ref().map_or("", |k| k.expose());
        let config = OpenAIConfig::new()
            .with_api_base(&endpoint.base_url)
            .with_api_key(key);
        let client = Client::with_config(config).with_http_service(transport);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(ServerProblem::Runtime(e)))?;
        Ok(ServerClient {
            endpoint,
            client,
            runtime,
            whisper_cpp: AtomicBool::new(false),
        })
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &ServerEndpoint {
        &self.endpoint
    }

    /// Transcribes `samples` (16 kHz mono) on the server; times are offset by `offset_ms`.
    pub fn transcribe(
        &self,
        samples: &[f32],
        offset_ms: u64,
    ) -> Result<Transcript, TranscribeError> {
        self.transcribe_reporting(samples, offset_ms, &|_, _| {})
    }

    /// Like [`ServerClient::transcribe`], telling `progress` how many milliseconds are done after
    /// each request, and the total.
    ///
    /// The audio goes up in chunks of at most 28 s cut in pauses ([`guard::chunks`]), so no upload
    /// comes near a server's size limit (25 MB for OpenAI's) and a long recording shows progress.
    /// (The local engine now cuts a whole recording into the live pipeline's shorter pieces
    /// instead, [`super::plan`], so a server running the same model may hear a word with other
    /// context than the local engine does.) As locally, speech a reply leaves out at the end of its
    /// chunk is sent again.
    pub fn transcribe_reporting(
        &self,
        samples: &[f32],
        offset_ms: u64,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Transcript, TranscribeError> {
        let len_ms = samples_to_ms(samples.len());
        let spans = vad::speech_spans(samples, &vad::VadParams::default());
        if spans.is_empty() || vad::is_silent(samples) {
            progress(len_ms, len_ms);
            return Ok(Transcript {
                timed: Timing::Words,
                ..Transcript::default()
            });
        }
        let mut segments = Vec::new();
        let mut timing = Timing::Words;
        let mut queue: VecDeque<Chunk> = guard::chunks(samples.len(), &spans).into();
        while let Some(chunk) = queue.pop_front() {
            let (start, end) = (samples_to_ms(chunk.start), samples_to_ms(chunk.end));
            let reply = self.request(&samples[chunk.start..chunk.end])?;
            let converted =
                reply.convert(offset_ms + start, end - start, &within(&spans, start, end));
            if converted.timing == Timing::Approximate {
                timing = Timing::Approximate;
            }
            let kept = guard::keep_real_speech(converted.segments, &spans, offset_ms);
            let covered_ms = guard::last_word_end(&kept).map(|t| t.saturating_sub(offset_ms));
            segments.extend(kept);
            match covered_ms.and_then(|c| guard::uncovered_rest(chunk, c, &spans)) {
                Some(rest) => {
                    queue.push_front(rest);
                    progress(samples_to_ms(rest.start), len_ms);
                }
                None => progress(end, len_ms),
            }
        }
        progress(len_ms, len_ms);
        let mut t = whisper::assemble(segments, &spans, offset_ms, len_ms);
        t.timed = timing;
        Ok(t)
    }

    /// One request for `samples`, under the whole-request timeout.
    pub fn request(&self, samples: &[f32]) -> Result<reply::Reply, TranscribeError> {
        let whole = self.endpoint.timeout;
        let upload = Upload {
            wav: wav_bytes(samples),
            endpoint: self.endpoint.clone(),
            whisper_cpp: self
                .whisper_cpp
                .load(Ordering::Relaxed)
                .then(|| whisper::audio_ctx(samples.len())),
        };
        let value = self.runtime.block_on(async {
            tokio::time::timeout(whole, self.send(upload))
                .await
                .map_err(|_| self.fail(ServerProblem::Timeout(ServerWait::Whole(whole))))?
        })?;
        if value.get("language_probabilities").is_some() || value.get("detected_language").is_some()
        {
            // whisper.cpp's server: from now on, ask it to skip its language detection pass
            // (a second encoder run) and to size the encoder to the audio, as the local engine does.
            self.whisper_cpp.store(true, Ordering::Relaxed);
        }
        let garbage = || {
            self.fail(ServerProblem::Garbage {
                content: self.server_text(&value.to_string()),
            })
        };
        if let Some(error) = value.get("error").filter(|_| value.get("text").is_none()) {
            // whisper.cpp's server reports bad audio with a 200 and an error object.
            let message = error
                .get("message")
                .and_then(|m| m.as_str())
                .or(error.as_str())
                .map_or_else(|| error.to_string(), str::to_string);
            return Err(self.fail(ServerProblem::Reported {
                message: self.server_text(&message),
            }));
        }
        let reply =
            <reply::Reply as serde::Deserialize>::deserialize(&value).map_err(|_| garbage())?;
        if !reply.is_transcription() {
            return Err(garbage());
        }
        Ok(reply)
    }

    async fn send(&self, upload: Upload) -> Result<serde_json::Value, TranscribeError> {
        self.client
            .audio()
            .transcription()
            .create_byot::<_, serde_json::Value>(upload)
            .await
            .map_err(|err| self.classify(err))
    }

    fn fail(&self, problem: ServerProblem) -> TranscribeError {
        TranscribeError::Server {
            url: self.endpoint.base_url.clone(),
            problem,
        }
    }

    fn server_text(&self, text: &str) -> ServerText {
        ServerText::new(self.endpoint.api_key.as_ref(), text)
    }

    fn classify(&self, err: OpenAIError) -> TranscribeError {
        let problem = match err {
            OpenAIError::Reqwest(e) if e.is_connect() => ServerProblem::Unreachable(e),
            OpenAIError::Reqwest(e) if e.is_timeout() => {
                ServerProblem::Timeout(ServerWait::FirstByte(self.endpoint.first_byte_timeout))
            }
            OpenAIError::Reqwest(e) if e.is_body() || e.is_decode() => ServerProblem::Broken(e),
            OpenAIError::ApiError(api) => {
                self.status_problem(api.status_code, &api.api_error.message)
            }
            OpenAIError::JSONDeserialize(_, content) => ServerProblem::Garbage {
                content: self.server_text(&content),
            },
            other => ServerProblem::Client(Box::new(other)),
        };
        self.fail(problem)
    }

    fn status_problem(&self, status: StatusCode, body: &str) -> ServerProblem {
        let message = self.server_text(&server_message(body));
        let e = &self.endpoint;
        match status.as_u16() {
            401 | 403 => ServerProblem::BadKey {
                status,
                key_env: e.api_key_env.clone(),
                key_set: e.api_key.is_some(),
            },
            404 if message.to_string().to_lowercase().contains("model") => {
                ServerProblem::UnknownModel {
                    model: e.model.clone(),
                }
            }
            404 | 405 => ServerProblem::NotFound,
            429 | 500..=599 => ServerProblem::GaveUp {
                status,
                tries: e.retries + 1,
                message,
            },
            _ => ServerProblem::Rejected { status, message },
        }
    }
}

/// One upload: the multipart form of `POST /audio/transcriptions`. Every field rehearse relies on
/// is sent every time (whisper.cpp's server keeps a failed request's settings for the next one).
#[derive(Clone)]
struct Upload {
    wav: Vec<u8>,
    endpoint: ServerEndpoint,
    /// For whisper.cpp's server: the encoder context to use.
    whisper_cpp: Option<i32>,
}

impl AsyncTryFrom<Upload> for reqwest::multipart::Form {
    type Error = OpenAIError;

    async fn try_from(u: Upload) -> Result<Self, Self::Error> {
        let e = &u.endpoint;
        let file = reqwest::multipart::Part::bytes(u.wav)
            .file_name("answer.wav")
            .mime_str("audio/wav")
            .map_err(OpenAIError::Reqwest)?;
        let mut form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("model", e.model.clone())
            .text("response_format", "verbose_json")
            .text("temperature", "0")
            .text("timestamp_granularities[]", "word")
            .text("timestamp_granularities[]", "segment");
        if !e.language.is_empty() {
            form = form.text("language", e.language.clone());
        }
        if !e.prompt.is_empty() {
            form = form.text("prompt", e.prompt.clone());
        }
        if let Some(ctx) = u.whisper_cpp {
            // No retries at higher temperatures, as in the local engine (`whisper::full_params`): the
            // server's default (0.2) made its words differ from local ones.
            form = form
                .text("no_language_probabilities", "true")
                .text("audio_ctx", ctx.to_string())
                .text("best_of", "1")
                .text("temperature_inc", "0");
        }
        Ok(form)
    }
}

/// `samples` as a 16-bit mono 16 kHz WAV file in memory.
pub fn wav_bytes(samples: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    {
        let mut w = hound::WavWriter::new(&mut out, spec).expect("a WAV header fits in memory");
        for s in samples {
            let v = if s.is_finite() { *s } else { 0.0 };
            w.write_sample((v.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)
                .expect("memory takes the samples");
        }
        w.finalize().expect("memory takes the header");
    }
    out.into_inner()
}

/// The parts of `spans` inside `[from_ms, to_ms)`, relative to `from_ms`.
fn within(spans: &[Span], from_ms: u64, to_ms: u64) -> Vec<Span> {
    spans
        .iter()
        .filter(|s| s.end_ms > from_ms && s.start_ms < to_ms)
        .map(|s| Span {
            start_ms: s.start_ms.max(from_ms) - from_ms,
            end_ms: s.end_ms.min(to_ms) - from_ms,
        })
        .collect()
}

/// The transcriber of a session or a `score` run with `backend = "server"`: the server for every
/// transcript that counts, a local model (when one is installed) for provisional text and as the
/// fallback once the server fails.
pub struct ServerTranscriber {
    server: ServerClient,
    local: Option<Box<dyn Transcriber>>,
    /// Set once the server has failed and the local model took over: why it failed.
    failed: Option<String>,
}

impl ServerTranscriber {
    /// Transcribes with `server`, and with `local` for provisional text and as the fallback.
    pub fn new(server: ServerClient, local: Option<Box<dyn Transcriber>>) -> ServerTranscriber {
        ServerTranscriber {
            server,
            local,
            failed: None,
        }
    }

    /// The server's transcript of `samples`; once the server has failed (now or before), what
    /// `fallback` makes of them with the local model. Each caller passes the local engine's own
    /// way of decoding what it was asked (a live piece as one decode, a whole recording cut as a
    /// session of it would be), so the words after a failure are those a local session gives.
    fn settle(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        progress: &dyn Fn(u64, u64),
        fallback: impl FnOnce(&mut dyn Transcriber) -> Result<Option<Transcript>, TranscribeError>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        if self.failed.is_none() {
            match self
                .server
                .transcribe_reporting(samples, offset_ms, progress)
            {
                Ok(t) => return Ok(Some(t)),
                Err(e) if self.local.is_none() => return Err(e),
                Err(e) => {
                    let why = crate::error_chain(&e);
                    tracing::warn!(
                        "{why}; transcribing on this computer with the local model from now on"
                    );
                    self.failed = Some(why);
                }
            }
        }
        let local = self.local.as_deref_mut();
        fallback(local.expect("only a fallback reaches here"))
    }
}

impl Transcriber for ServerTranscriber {
    fn transcribe(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
    ) -> Result<Transcript, TranscribeError> {
        self.transcribe_with_progress(samples, offset_ms, &|_, _| {})
    }

    /// A settling decode: the server's answer is kept even when the answer ended meanwhile, since
    /// the end would only have to ask again. Once the local model has taken over, the piece is
    /// decoded as a local session decodes it (stopped when the end no longer needs it).
    fn transcribe_until(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        keep_from_ms: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        self.settle(samples, offset_ms, &|_, _| {}, |local| {
            local.transcribe_until(samples, offset_ms, keep_from_ms, stop)
        })
    }

    fn transcribe_provisional(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        keep_from_ms: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        match self.local.as_mut() {
            Some(local) => local.transcribe_until(samples, offset_ms, keep_from_ms, stop),
            None => Ok(None),
        }
    }

    fn transcribe_with_progress(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Transcript, TranscribeError> {
        let whole = |local: &mut dyn Transcriber| {
            local
                .transcribe_with_progress(samples, offset_ms, progress)
                .map(Some)
        };
        let t = self.settle(samples, offset_ms, progress, whole)?;
        Ok(t.expect("a whole transcription always gives a transcript"))
    }

    fn decodes_provisionally(&self) -> bool {
        self.local.is_some()
    }

    fn provisional_is_final(&self) -> bool {
        // Once the server has failed, the local model settles everything anyway.
        self.failed.is_some()
    }
}

#[cfg(test)]
mod tests;
