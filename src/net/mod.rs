//! What every client of an OpenAI-compatible HTTP server shares: the API key that never prints
//! ([`ApiKey`]), text a server sent made safe to show ([`ServerText`]), and the HTTP layer under async-openai with its timeouts and retry policy
//! ([`transport`]). The interviewer's chat client and the transcription server's client both build
//! on it.

pub mod key;
pub mod text;
pub mod transport;

pub use key::ApiKey;
pub use text::{ServerText, server_message, shorten};
pub use transport::{RetryPolicy, Transport};
