//! The integration tests: they run the `rehearse` binary as a user would, on real speech, with the
//! real Whisper model that `scripts/bootstrap` provisions in `models/`.

mod bad_input;
mod capture;
mod full_disk;
mod install;
mod interview_session;
mod interview_setup;
mod interviewer;
mod job;
mod llm_server;
mod models;
mod practice;
mod question_new;
mod questions;
mod real_server;
mod score;
mod server;
mod store;
mod util;
