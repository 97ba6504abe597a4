//! How long a critique takes on this server: the doctor's check, timed on a request the size of a
//! real one (the bundled sample answer to the flagship question), so a user learns before a
//! session that a round would take minutes, and why.

use std::time::{Duration, Instant};

use super::client::{Event, LlmClient, Message};
use super::interviewer::{Interviewer, Turn};
use super::prompts::Prompts;
use super::{Endpoint, InterviewError};
use crate::questions::Question;
use crate::score::{Heard, Scorer, assess};

/// The answer the probe sends: the bundled sample, a 90-second answer.
const SAMPLE: &str = include_str!("../../samples/answer.txt");

/// Tokens a critique typically has, for the estimate.
pub const CRITIQUE_TOKENS: f64 = 650.0;

/// What the probe measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed {
    /// From sending the whole critique prompt, unread, to its first token.
    pub first_token: Duration,
    /// Tokens per second once writing, when enough came to tell.
    pub tokens_per_second: Option<f64>,
}

impl Speed {
    /// About how long a whole critique takes after the answer ends: `read_ahead` when most of the
    /// prompt was read while the candidate spoke (a quarter of the reading is left).
    pub fn estimate(&self, read_ahead: bool) -> Option<Duration> {
        let reading = if read_ahead {
            self.first_token / 4
        } else {
            self.first_token
        };
        let writing = CRITIQUE_TOKENS / self.tokens_per_second?;
        Some(reading + Duration::from_secs_f64(writing))
    }
}

/// The critique request for the sample answer to `question`, as a session would send it. Built
/// outside any async context: the interviewer it renders with owns a runtime.
pub fn request(question: &Question) -> Result<Vec<Message>, InterviewError> {
    let heard = Heard::text("samples/answer.txt", SAMPLE);
    let report = assess(&Scorer::new(question), heard);
    let interviewer = Interviewer::new(question, 90, None, Prompts::load(None)?)?;
    interviewer.critique_messages(&Turn {
        asked: &question.text,
        round: 0,
        report: &report,
    })
}

/// Sends `messages` (see [`request`]) with the server's prompt cache off (where the endpoint uses
/// it), asking for 40 tokens, and times the reply.
pub async fn probe(endpoint: &Endpoint, messages: &[Message]) -> Result<Speed, InterviewError> {
    let mut e = endpoint.clone();
    e.max_tokens = 40;
    e.retries = 0;
    if e.cache_prompt.is_some() {
        e.cache_prompt = Some(false);
    }
    let client = LlmClient::new(e)?;
    let started = Instant::now();
    let mut first = None;
    let mut pieces = 0usize;
    let result = client
        .chat(messages, None, &mut |e| {
            if let Event::Text(_) = e {
                first.get_or_insert_with(|| started.elapsed());
                pieces += 1;
            }
        })
        .await;
    let ended = started.elapsed();
    match result {
        Ok(_) | Err(InterviewError::TooLong { .. }) => {}
        Err(e) => return Err(e),
    }
    let first_token = first.unwrap_or(ended);
    let writing = ended.saturating_sub(first_token).as_secs_f64();
    let tokens_per_second = (pieces >= 5 && writing > 0.0).then(|| (pieces - 1) as f64 / writing);
    Ok(Speed {
        first_token,
        tokens_per_second,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_counts_reading_and_writing() {
        let s = Speed {
            first_token: Duration::from_secs(40),
            tokens_per_second: Some(10.0),
        };
        assert_eq!(s.estimate(false), Some(Duration::from_secs(105)));
        assert_eq!(s.estimate(true), Some(Duration::from_secs(75)));
        let unknown = Speed {
            tokens_per_second: None,
            ..s
        };
        assert_eq!(unknown.estimate(true), None);
    }
}
