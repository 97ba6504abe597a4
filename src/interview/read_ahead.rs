//! Reading the answer while it is spoken. A model on a CPU reads a prompt at a few dozen tokens a
//! second, so a critique that starts only when the answer ends waits most of a minute for its first
//! word. Instead, each time more of the transcript settles, the beginning of the critique request
//! (the system prompt, the rubric and the transcript so far) is sent for the server to read into
//! its prompt cache (llama.cpp's `cache_prompt`, the prefix caching of vLLM and Ollama), asking for
//! one token. When the answer ends, only its last part and the instruction are new.
//!
//! The requests go from a thread of their own, newest text first: a request still being read when
//! more text settles is followed by one with all of it, never by a queue of stale ones. A failure
//! stops the reading ahead quietly; the critique request reports what is wrong with the server.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::client::{LlmClient, Message};
use super::endpoint::Endpoint;

/// What reading ahead did during one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadStats {
    /// Requests the server finished reading.
    pub sent: usize,
    /// Their time on the server side, summed: the work taken off the end of the answer.
    pub busy: Duration,
    /// How long the end of the answer waited for the last request to finish.
    pub waited: Duration,
    /// Whether a request failed (reading ahead stopped there).
    pub failed: bool,
}

/// The reading-ahead thread of one answer.
pub struct ReadAhead {
    tx: Option<Sender<Vec<Message>>>,
    thread: Option<JoinHandle<ReadStats>>,
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead").finish_non_exhaustive()
    }
}

impl ReadAhead {
    /// Starts the thread for `endpoint`; `None` when its client cannot be made.
    pub fn start(endpoint: Endpoint) -> Option<ReadAhead> {
        let client = LlmClient::new(endpoint).ok()?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || read(&client, &rx))
            .ok()?;
        Some(ReadAhead {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Hands the thread the request's beginning as it now stands; it never blocks.
    pub fn send(&self, messages: Vec<Message>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(messages);
        }
    }

    /// Ends reading ahead: waits for the request the server is reading (it holds the slot whose
    /// cache the critique will use) and says what was done.
    pub fn finish(mut self) -> ReadStats {
        self.tx.take();
        let started = Instant::now();
        let mut stats = self
            .thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        stats.waited = started.elapsed();
        stats
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Dropped without `finish` (the answer was abandoned): the thread ends after its current
        // request, on its own.
        self.tx.take();
    }
}

/// The thread: sends the newest beginning it has been given, one request at a time.
fn read(client: &LlmClient, rx: &Receiver<Vec<Message>>) -> ReadStats {
    let mut stats = ReadStats::default();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        stats.failed = true;
        return stats;
    };
    while let Ok(mut messages) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            messages = newer;
        }
        let started = Instant::now();
        match runtime.block_on(client.warm(&messages)) {
            Ok(()) => {
                stats.sent += 1;
                stats.busy += started.elapsed();
            }
            Err(e) => {
                tracing::info!("reading ahead stopped: {}", crate::error_chain(&e));
                stats.failed = true;
                // Drain what comes, so senders never wait; send nothing more.
                while rx.recv().is_ok() {}
                break;
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::loopback::{Answer, Loopback};

    #[test]
    fn the_newest_beginning_is_read_and_the_end_waits_for_it() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(Loopback::start(vec![Answer::Plain {
            text: "ok".into(),
            delay: Duration::from_millis(150),
        }]));
        let mut e = Endpoint::new(server.url(), "m");
        e.cache_prompt = Some(true);
        let ahead = ReadAhead::start(e).unwrap();
        for words in ["one", "one two", "one two three"] {
            ahead.send(vec![Message::new("user", words)]);
        }
        let stats = ahead.finish();
        assert!(!stats.failed);
        let bodies = server.bodies();
        assert!(
            (1..=2).contains(&bodies.len()),
            "the second text was skipped for the third: {bodies:?}"
        );
        let last = bodies.last().unwrap();
        assert_eq!(last["messages"][0]["content"], "one two three");
        assert_eq!(last["max_tokens"], 1);
        assert_eq!(last["cache_prompt"], true);
        assert_eq!(last["stream"], false);
        assert_eq!(stats.sent, bodies.len());
    }

    #[test]
    fn a_server_that_is_down_stops_reading_ahead_quietly() {
        let e = Endpoint::new("http://127.0.0.1:9/v1", "m");
        let ahead = ReadAhead::start(e).unwrap();
        ahead.send(vec![Message::new("user", "text")]);
        ahead.send(vec![Message::new("user", "more text")]);
        let stats = ahead.finish();
        assert!(stats.failed && stats.sent == 0);
    }
}
