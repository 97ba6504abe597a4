//! Text a server sent, made safe to show.

use std::fmt;

use super::ApiKey;

/// Text that came from the server (an error body, a stream's error, a reply that does not parse),
/// made safe to show: the API key scrubbed out, on one line, at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerText(String);

impl ServerText {
    /// `text` from a server that was sent `key`, scrubbed of the key and shortened.
    pub fn new(key: Option<&ApiKey>, text: &str) -> ServerText {
        let text = match key {
            Some(k) => k.redact(text),
            None => text.to_string(),
        };
        ServerText(shorten(&text))
    }
}

impl fmt::Display for ServerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` on one line, at most 200 characters.
pub fn shorten(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// The human part of an error body: `{"error": {"message": …}}`, `{"error": "…"}` or
/// `{"message": …}` as servers variously send it; the body itself otherwise. async-openai parses
/// 4xx bodies but passes 5xx bodies on raw.
pub fn server_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.trim().to_string();
    };
    let found = [
        v.pointer("/error/message"),
        v.get("error"),
        v.get("message"),
        v.get("detail"),
    ]
    .into_iter()
    .flatten()
    .find_map(|m| m.as_str().map(str::to_string));
    found.unwrap_or_else(|| body.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::server_message;

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(
            server_message(r#"{"error":{"message":"overloaded","code":null}}"#),
            "overloaded"
        );
        assert_eq!(
            server_message(r#"{"error":"model not loaded"}"#),
            "model not loaded"
        );
        assert_eq!(server_message(r#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(server_message("Bad Gateway"), "Bad Gateway");
        assert_eq!(server_message("{}"), "{}");
    }
}
