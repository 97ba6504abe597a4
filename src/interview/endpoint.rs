//! The resolved settings of one OpenAI-compatible endpoint, and the API key that goes with it
//! ([`ApiKey`], from [`crate::net`], which never prints).

use std::time::Duration;

pub use crate::net::ApiKey;

/// How the critique's JSON shape is asked of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Structured {
    /// `json_schema` first; without it (the server refuses it) the prompt alone.
    Auto,
    /// Always `response_format: json_schema`.
    JsonSchema,
    /// `response_format: json_object`, the schema in the prompt.
    JsonObject,
    /// No `response_format`; the schema in the prompt.
    Prompt,
}

/// One OpenAI-compatible endpoint, resolved from `[interviewer]`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The base URL, without a trailing slash (`http://127.0.0.1:8080/v1`).
    pub base_url: String,
    /// The model's name.
    pub model: String,
    /// The key, when the environment variable is set.
    pub api_key: Option<ApiKey>,
    /// The variable the key is read from, for messages.
    pub api_key_env: String,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// The longest wait for a reply's first token (a local model reads the whole prompt first).
    pub first_token_timeout: Duration,
    /// The longest wait for the next piece of a reply once it has begun.
    pub read_timeout: Duration,
    /// The longest a whole reply may take.
    pub timeout: Duration,
    /// Retries after 429 or 5xx.
    pub retries: u32,
    /// The first retry's delay; each further one doubles it.
    pub backoff: Duration,
    /// Most tokens in a reply.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// How JSON is asked for.
    pub structured: Structured,
    /// llama.cpp's `cache_prompt` for each request: `None` sends nothing (servers that do not
    /// know it may refuse it); `Some(true)` also has the interviewer send the answer as it is
    /// spoken, so the server has read most of it before the answer ends.
    pub cache_prompt: Option<bool>,
}

impl Endpoint {
    /// An endpoint at `base_url` for `model` with the default limits and no key.
    pub fn new(base_url: &str, model: &str) -> Endpoint {
        Endpoint {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key: None,
            api_key_env: "OPENAI_API_KEY".into(),
            connect_timeout: Duration::from_secs(5),
            first_token_timeout: Duration::from_secs(180),
            read_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(480),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_tokens: 1500,
            temperature: 0.3,
            structured: Structured::Auto,
            cache_prompt: None,
        }
    }

    /// `text` with the key scrubbed out, when there is a key.
    pub fn redact(&self, text: &str) -> String {
        match &self.api_key {
            Some(k) => k.redact(text),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let mut e = Endpoint::new("http://127.0.0.1:1/v1/", "m");
        e.api_key = Some(ApiKey::new("sk-secret-123456".into()));
        let shown = format!("{e:?} {} {:?}", e.api_key.as_ref().unwrap(), e.api_key);
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
        assert_eq!(e.base_url, "http://127.0.0.1:1/v1");
    }

    #[test]
    fn the_key_is_scrubbed_from_server_text() {
        let k = ApiKey::new("sk-secret-123456".into());
        assert_eq!(
            k.redact("Incorrect API key provided: sk-secret-123456."),
            "Incorrect API key provided: [REDACTED]."
        );
    }
}
