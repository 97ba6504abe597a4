//! Requests to an OpenAI-compatible endpoint through async-openai: streamed chat completions, the
//! model list and speech.
//!
//! The request and chunk types are our own small ones (async-openai's "bring your own types"),
//! because servers that call themselves OpenAI-compatible leave out fields the full OpenAI types
//! require; rehearse only needs the text and the finish reason. Every failure becomes one
//! [`InterviewError`] that names the URL, says what is wrong in words a user can act on, and never
//! holds the API key.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::Endpoint;
use super::error::{Cut, InterviewError, KeySource, ReplyProblem, ServerText, Unexpected, Wait};
use crate::net::{RetryPolicy, Transport, server_message};

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message from `role`.
    pub fn new(role: &str, content: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A finished streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The whole text.
    pub text: String,
    /// Why the model stopped (`stop`, `length`, ...).
    pub finish_reason: String,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    stream: bool,
    max_tokens: u32,
    temperature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<&'a serde_json::Value>,
    /// llama.cpp's server: keep the prompt's processed tokens for the next request that shares
    /// its beginning. Sent only to servers configured for it (others may refuse unknown fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_prompt: Option<bool>,
}

/// What a streamed reply hands its caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// No text yet (the server is still reading the prompt); this long since the request went.
    Waiting(Duration),
    /// The next piece of the reply.
    Text(&'a str),
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

/// A client for one endpoint.
pub struct LlmClient {
    endpoint: Endpoint,
    client: Client<OpenAIConfig>,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// A client for `endpoint`.
    pub fn new(endpoint: Endpoint) -> Result<LlmClient, InterviewError> {
        // The stream's own per-chunk timeout (below) is the one that should fire, with its clear
        // message; the transport's read timeout only guards the wait for the headers.
        let read = endpoint.read_timeout.max(endpoint.first_token_timeout);
        let policy = RetryPolicy {
            retries: endpoint.retries,
            backoff: endpoint.backoff,
        };
        let transport = Transport::new(endpoint.connect_timeout, read, policy, "the interviewer")
            .map_err(|e| InterviewError::Other {
            url: endpoint.base_url.clone(),
            what: Unexpected::Client(e),
        })?;
        // An explicit (possibly empty) key: async-openai would otherwise read OPENAI_API_KEY by
        // itself, whatever variable the config names.
        let key = endpoint.api_key.as_ref().map_or("", |k| k.expose());
        let config = OpenAIConfig::new()
            .with_api_base(&endpoint.base_url)
            .with_api_key(key);
        let client = Client::with_config(config).with_http_service(transport);
        Ok(LlmClient { endpoint, client })
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Streams a chat reply to `messages`, handing each piece of text to `on_event` as it arrives,
    /// and, while no text has come yet, the time waited so far about once a second.
    /// `format` is the `response_format` to ask for, if any.
    pub async fn chat(
        &self,
        messages: &[Message],
        format: Option<&serde_json::Value>,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Reply, InterviewError> {
        self.chat_capped(messages, format, self.endpoint.max_tokens, on_event)
            .await
    }

    /// Like [`LlmClient::chat`], with at most `cap` tokens (and never more than the configured
    /// `max_tokens`): for a reply that should be short, so that a small model that loops is
    /// stopped early; past the cap it is [`InterviewError::TooLong`], the text having arrived.
    pub async fn chat_capped(
        &self,
        messages: &[Message],
        format: Option<&serde_json::Value>,
        cap: u32,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Reply, InterviewError> {
        let whole = self.endpoint.timeout;
        let cap = cap.min(self.endpoint.max_tokens);
        match tokio::time::timeout(whole, self.chat_inner(messages, format, cap, on_event)).await {
            Ok(r) => r,
            Err(_) => Err(self.timeout(Wait::WholeReply(whole))),
        }
    }

    /// Like [`LlmClient::chat`], trying each of `formats` in turn while the server refuses them
    /// with a 400, and last no `response_format` at all. Returns the reply and the index of the
    /// format used (`None`: none).
    pub async fn chat_with_fallback(
        &self,
        messages: &[Message],
        formats: &[serde_json::Value],
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<(Reply, Option<usize>), InterviewError> {
        for (i, format) in formats.iter().enumerate() {
            match self.chat(messages, Some(format), on_event).await {
                Err(e) if e.refuses_format() => {
                    tracing::info!("the server refused a response_format ({e}); trying the next");
                }
                r => return r.map(|reply| (reply, Some(i))),
            }
        }
        Ok((self.chat(messages, None, on_event).await?, None))
    }

    /// Sends `messages` for the server to read into its prompt cache, asking for one token and
    /// discarding it: the warm-up that lets a local model read an answer while it is spoken.
    pub async fn warm(&self, messages: &[Message]) -> Result<(), InterviewError> {
        let request = ChatRequest {
            model: &self.endpoint.model,
            messages,
            stream: false,
            max_tokens: 1,
            temperature: self.endpoint.temperature,
            response_format: None,
            cache_prompt: Some(true),
        };
        let wait = self.endpoint.first_token_timeout;
        let chat = self.client.chat();
        let sent = chat.create_byot::<_, serde_json::Value>(request);
        tokio::time::timeout(wait, sent)
            .await
            .map_err(|_| self.timeout(Wait::FirstToken(wait)))?
            .map_err(|e| self.classify(e, "chat completions"))?;
        Ok(())
    }

    /// One streamed request: send, read the chunks as they come under the first-token, stall and
    /// whole-reply timeouts, and map every way it can fail to its sentence. The timeouts and the
    /// stream share one loop, which is why this stays one function of about 75 lines.
    async fn chat_inner(
        &self,
        messages: &[Message],
        format: Option<&serde_json::Value>,
        max_tokens: u32,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Reply, InterviewError> {
        let request = ChatRequest {
            model: &self.endpoint.model,
            messages,
            stream: true,
            max_tokens,
            temperature: self.endpoint.temperature,
            response_format: format,
            cache_prompt: self.endpoint.cache_prompt,
        };
        let started = tokio::time::Instant::now();
        let first = self.endpoint.first_token_timeout;
        let deadline = started + first;
        let tick = Duration::from_secs(1);
        // Some servers answer the request only once the prompt is read: that is still the wait
        // for the first token.
        let chat = self.client.chat();
        let sent = chat.create_stream_byot::<_, Chunk>(&request);
        tokio::pin!(sent);
        let opened = loop {
            let until = deadline.min(tokio::time::Instant::now() + tick);
            match tokio::time::timeout_at(until, &mut sent).await {
                Ok(r) => break r,
                Err(_) if tokio::time::Instant::now() >= deadline => {
                    return Err(self.timeout(Wait::FirstToken(first)));
                }
                Err(_) => on_event(Event::Waiting(started.elapsed())),
            }
        };
        let mut stream = opened.map_err(|e| self.classify(e, "chat completions"))?;
        let mut text = String::new();
        let mut finish = None;
        let read = self.endpoint.read_timeout;
        loop {
            let next = if text.is_empty() {
                let until = deadline.min(tokio::time::Instant::now() + tick);
                match tokio::time::timeout_at(until, stream.next()).await {
                    Ok(next) => next,
                    Err(_) if tokio::time::Instant::now() >= deadline => {
                        return Err(self.timeout(Wait::FirstToken(first)));
                    }
                    Err(_) => {
                        on_event(Event::Waiting(started.elapsed()));
                        continue;
                    }
                }
            } else {
                tokio::time::timeout(read, stream.next())
                    .await
                    .map_err(|_| self.timeout(Wait::MidReply(read)))?
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| self.classify(e, "chat completions"))?;
            if let Some(err) = chunk.error {
                return Err(InterviewError::Truncated {
                    url: self.url(),
                    cut: Cut::Reported(self.server_text(&err.to_string())),
                });
            }
            for choice in chunk.choices {
                if let Some(piece) = choice.delta.content.filter(|p| !p.is_empty()) {
                    on_event(Event::Text(&piece));
                    text += &piece;
                }
                if let Some(reason) = choice.finish_reason {
                    finish = Some(reason);
                }
            }
        }
        match finish.as_deref() {
            None => Err(InterviewError::Truncated {
                url: self.url(),
                cut: Cut::NoFinish {
                    chars: text.chars().count(),
                },
            }),
            Some("length") => Err(InterviewError::TooLong {
                url: self.url(),
                max: max_tokens,
            }),
            Some(reason) => Ok(Reply {
                finish_reason: reason.to_string(),
                text,
            }),
        }
    }

    /// The ids of the models the server lists.
    pub async fn models(&self) -> Result<Vec<String>, InterviewError> {
        let list: ModelList = tokio::time::timeout(self.endpoint.timeout, async {
            self.client.models().list_byot().await
        })
        .await
        .map_err(|_| self.timeout(Wait::ModelList))?
        .map_err(|e| self.classify(e, "models"))?;
        Ok(list.data.into_iter().map(|m| m.id).collect())
    }

    /// Speech for `text` from the speech endpoint, as WAV bytes.
    pub async fn speech(
        &self,
        text: &str,
        model: &str,
        voice: &str,
    ) -> Result<Vec<u8>, InterviewError> {
        use async_openai::types::audio::{
            CreateSpeechRequest, SpeechModel, SpeechResponseFormat, Voice,
        };
        let request = CreateSpeechRequest {
            input: text.to_string(),
            model: SpeechModel::Other(model.to_string()),
            voice: Voice::Other(if voice.is_empty() { "alloy" } else { voice }.to_string()),
            response_format: Some(SpeechResponseFormat::Wav),
            ..Default::default()
        };
        let response = tokio::time::timeout(
            self.endpoint.timeout,
            self.client.audio().speech().create(request),
        )
        .await
        .map_err(|_| self.timeout(Wait::Speech))?
        .map_err(|e| self.classify(e, "audio/speech"))?;
        Ok(response.bytes.to_vec())
    }

    fn url(&self) -> String {
        self.endpoint.base_url.clone()
    }

    fn timeout(&self, wait: Wait) -> InterviewError {
        InterviewError::Timeout {
            url: self.url(),
            wait,
        }
    }

    /// Server text made safe to show: key scrubbed, one line, at most 200 characters.
    fn server_text(&self, text: &str) -> ServerText {
        ServerText::new(self.endpoint.api_key.as_ref(), text)
    }

    fn classify(&self, err: OpenAIError, path: &'static str) -> InterviewError {
        let url = self.url();
        match err {
            OpenAIError::Reqwest(e) => self.classify_http(e),
            OpenAIError::ApiError(api) => {
                self.classify_status(api.status_code, &api.api_error.message, path)
            }
            OpenAIError::JSONDeserialize(source, content) => InterviewError::Malformed {
                url,
                problem: ReplyProblem::Json {
                    source,
                    content: self.server_text(&content),
                },
            },
            OpenAIError::StreamError(e) if e.to_string().contains("timed out") => {
                self.timeout(Wait::MidReply(self.endpoint.read_timeout))
            }
            OpenAIError::StreamError(e) => InterviewError::Truncated {
                url,
                cut: Cut::Stream(self.server_text(&e.to_string())),
            },
            other => InterviewError::Other {
                url,
                what: Unexpected::Library(Box::new(other)),
            },
        }
    }

    fn classify_http(&self, e: reqwest::Error) -> InterviewError {
        let url = self.url();
        if e.is_connect() {
            return InterviewError::Connect { url, cause: e };
        }
        if e.is_timeout() {
            return self.timeout(Wait::Answer(self.endpoint.read_timeout));
        }
        if e.is_body() || e.is_decode() {
            return InterviewError::Truncated {
                url,
                cut: Cut::Body(e),
            };
        }
        InterviewError::Other {
            url,
            what: Unexpected::Http(e),
        }
    }

    fn classify_status(
        &self,
        status: StatusCode,
        message: &str,
        path: &'static str,
    ) -> InterviewError {
        let url = self.url();
        let message = self.server_text(&server_message(message));
        match status.as_u16() {
            401 | 403 => InterviewError::BadKey {
                url,
                key: match &self.endpoint.api_key {
                    Some(_) => KeySource::Env(self.endpoint.api_key_env.clone()),
                    None => KeySource::Unset(self.endpoint.api_key_env.clone()),
                },
                status,
            },
            404 if message.to_string().to_lowercase().contains("model") => {
                InterviewError::UnknownModel {
                    url,
                    model: self.endpoint.model.clone(),
                }
            }
            404 => InterviewError::NotFound { url, path },
            429 | 500..=599 => InterviewError::GaveUp {
                url,
                status,
                tries: self.endpoint.retries + 1,
                message,
            },
            _ => InterviewError::Rejected {
                url,
                status,
                message,
            },
        }
    }
}
