//! The interviewer: a language model behind any OpenAI-compatible chat endpoint that critiques each
//! answer and asks the follow-up question a sharp interviewer would ask.
//!
//! # Layout
//!
//! - [`endpoint`]: the resolved endpoint settings and the API key, which never prints.
//! - [`client`]: streaming chat requests, the model list and the speech endpoint, with every failure
//!   turned into one [`InterviewError`] sentence that names the URL.
//! - [`error`]: the layer's one error, [`InterviewError`], for the endpoint, the templates and the
//!   voice.
//! - [`prompts`]: the prompt templates, built in and overridable, checked at start-up.
//! - [`check`]: checking a critique against the transcript: verbatim quotes, capped levels, the
//!   quality measures saved with it.
//! - [`critique`]: the critique's JSON schema, a tolerant parser and its rendering beside the local
//!   score.
//! - [`draft`]: drafting a new question file in small JSON pieces, checked with the bank's checks.
//! - [`partial`]: closing a half-received JSON text so a streaming critique can be shown as it grows.
//! - [`read_ahead`]: sending the answer to the server while it is spoken, for its prompt cache.
//! - [`speed`]: timing a critique-sized request, for the doctor.
//! - [`interviewer`]: one interviewer for a session: the conversation, hidden notes, fallback.
//! - [`voice`]: speaking questions aloud.
//!
//! Everything here is optional: without an endpoint, or after it fails, a session goes on with the
//! local scorer and the question bank's own follow-ups.

pub mod check;
pub mod client;
#[cfg(test)]
mod client_tests;
pub mod critique;
pub mod draft;
pub mod endpoint;
pub mod error;
pub mod interviewer;
#[cfg(test)]
mod loopback;
pub mod partial;
pub mod prompts;
pub mod read_ahead;
pub mod speed;
pub mod voice;

pub use client::LlmClient;
pub use critique::Critique;
pub use endpoint::{ApiKey, Endpoint};
pub use error::InterviewError;
pub use interviewer::Interviewer;
