//! The HTTP layer under async-openai: one `reqwest` client with the configured timeouts, and the
//! retry policy, shared by the interviewer and the transcription server client.
//!
//! async-openai's own executor retries with a policy of its own; rehearse installs this service in
//! its place (through the `middleware` feature) so the rules are ours and tested: a 429 or 5xx
//! answer is retried up to `retries` times, after the server's `Retry-After` when it gives one and
//! otherwise after an exponential backoff with jitter; every other answer, 400, 401 and 404 among
//! them, goes straight back, because asking again cannot change it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};

/// The longest `Retry-After` honoured; a server asking for more is given up on.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// How much longer the HTTP layer waits for bytes than the client's per-chunk timeout.
const READ_TIMEOUT_SLACK: Duration = Duration::from_secs(2);
/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// When to try again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; each further one doubles it.
    pub backoff: Duration,
}

impl RetryPolicy {
    /// Whether an answer with `status` is worth asking again for.
    pub fn retryable(status: StatusCode) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
    }

    /// The wait before retry number `attempt` (0 for the first retry), or `None` to give up.
    /// `jitter` is uniform in [0, 1): the wait is spread over the upper half of the backoff so
    /// clients that failed together do not come back together.
    pub fn delay(&self, attempt: u32, headers: &HeaderMap, jitter: f64) -> Option<Duration> {
        if attempt >= self.retries {
            return None;
        }
        if let Some(wait) = retry_after(headers) {
            return (wait <= MAX_RETRY_AFTER).then_some(wait);
        }
        let full = self
            .backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(MAX_BACKOFF);
        Some(full.mul_f64(0.5 + 0.5 * jitter))
    }
}

/// The wait a `Retry-After` header asks for, when it gives seconds.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = text.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The tower service async-openai sends every request through.
#[derive(Clone, Debug)]
pub struct Transport {
    http: reqwest::Client,
    policy: RetryPolicy,
    /// Who answers, for the log line about a retry ("the interviewer", "the transcription server").
    who: &'static str,
}

impl Transport {
    /// A transport that connects within `connect`, gives up on a server that sends nothing for
    /// `read` (a little longer, so the caller's own timeout, with its clearer message, fires
    /// first), and retries by `policy`. `who` names the server in log lines.
    pub fn new(
        connect: Duration,
        read: Duration,
        policy: RetryPolicy,
        who: &'static str,
    ) -> Result<Transport, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .read_timeout(read + READ_TIMEOUT_SLACK)
            // Requests are seconds apart, longer than local servers keep an idle connection
            // (llama.cpp's closes it after 5 s): a pooled one would often be found closed.
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Transport { http, policy, who })
    }

    async fn send(self, factory: HttpRequestFactory) -> Result<Response, OpenAIError> {
        let mut attempt = 0;
        loop {
            let request = factory.build().await?;
            let response = self.http.execute(request).await?;
            let status = response.status();
            if !RetryPolicy::retryable(status) {
                return Ok(response);
            }
            let Some(wait) = self
                .policy
                .delay(attempt, response.headers(), fastrand::f64())
            else {
                return Ok(response);
            };
            tracing::info!(
                "{} answered {status}; trying again in {} ms",
                self.who,
                wait.as_millis()
            );
            drop(response);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        Box::pin(self.clone().send(factory))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            backoff: Duration::from_millis(500),
        }
    }

    fn headers(retry_after: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, retry_after.parse().unwrap());
        h
    }

    #[test]
    fn only_429_and_5xx_are_retried() {
        for code in [429, 500, 502, 503, 504] {
            assert!(RetryPolicy::retryable(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 400, 401, 403, 404, 422] {
            assert!(!RetryPolicy::retryable(StatusCode::from_u16(code).unwrap()));
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_in_the_upper_half() {
        let p = policy();
        let none = HeaderMap::new();
        assert_eq!(p.delay(0, &none, 0.0), Some(Duration::from_millis(250)));
        assert_eq!(p.delay(0, &none, 0.999_999).unwrap().as_millis(), 499);
        assert_eq!(p.delay(1, &none, 0.0), Some(Duration::from_millis(500)));
        assert_eq!(p.delay(2, &none, 0.0), Some(Duration::from_millis(1000)));
        assert_eq!(p.delay(3, &none, 0.0), None, "three retries, then give up");
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy {
            retries: 40,
            backoff: Duration::from_secs(1),
        };
        assert_eq!(
            p.delay(30, &HeaderMap::new(), 0.999_999),
            Some(MAX_BACKOFF.mul_f64(0.999_999_5))
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = policy();
        assert_eq!(p.delay(0, &headers("2"), 0.5), Some(Duration::from_secs(2)));
        assert_eq!(
            p.delay(0, &headers("0.25"), 0.5),
            Some(Duration::from_millis(250))
        );
        assert_eq!(p.delay(0, &headers("120"), 0.5), None);
        // A date form is not read; the backoff applies.
        let dated = headers("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(p.delay(0, &dated, 0.0), Some(Duration::from_millis(250)));
    }
}
