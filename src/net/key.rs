//! An API key that never prints.
//!
//! The key is held in [`ApiKey`], whose `Debug` and `Display` print `[REDACTED]`, so no log line,
//! error or saved settings dump can carry it. [`ApiKey::redact`] scrubs it from text a server sent
//! back, in case a server echoes what it was given.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An API key. It is only ever exposed to build the `Authorization` header.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key read from the environment.
    pub fn new(key: String) -> ApiKey {
        ApiKey(SecretString::from(key))
    }

    /// The key itself, for the request header only.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// `text` with every occurrence of the key replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        let key = self.expose();
        if key.len() < 4 {
            return text.to_string();
        }
        text.replace(key, "[REDACTED]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}
