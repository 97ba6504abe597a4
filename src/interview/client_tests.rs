//! The client's timeouts and retries against a [`Loopback`] server in the test's own runtime, with
//! tokio's clock paused: every wait (the server's gaps, the client's read and whole-reply
//! timeouts, `Retry-After` and the backoff) is on one virtual clock that jumps ahead whenever
//! everything is waiting, so each test is exact about how long things took and runs in
//! milliseconds. What the user reads of these errors is checked by the CLI tests.

use std::time::Duration;

use tokio::time::Instant;

use super::client::{Event, Message, Reply};
use super::loopback::{Answer, Loopback};
use super::{Endpoint, InterviewError, LlmClient};

const TEXT: &str = "Strong triage, thin prevention. Ask about the rollback.";

/// An endpoint at `server` with a 3 s wait for the first token, a 1 s read timeout after it and a
/// 20 s limit on the whole reply.
fn endpoint(server: &Loopback) -> Endpoint {
    let mut e = Endpoint::new(server.url(), "test-model");
    e.first_token_timeout = Duration::from_secs(3);
    e.read_timeout = Duration::from_secs(1);
    e.timeout = Duration::from_secs(20);
    e
}

/// Sends one chat request; returns its result and how long it took on the runtime's clock.
async fn chat(e: Endpoint) -> (Result<Reply, InterviewError>, Duration) {
    let client = LlmClient::new(e).unwrap();
    let started = Instant::now();
    let messages = [Message::new("user", "Judge this.")];
    let r = client.chat(&messages, None, &mut |_| {}).await;
    (r, started.elapsed())
}

/// Fails unless `took` is `want` on the paused clock, give or take the timer wheel's millisecond.
fn assert_took(took: Duration, want: Duration) {
    assert!(
        took >= want && took <= want + Duration::from_millis(5),
        "took {took:?}, not {want:?}"
    );
}

fn stream(piece: usize, gap_ms: u64) -> Answer {
    Answer::Stream {
        text: TEXT.into(),
        piece,
        gap: Duration::from_millis(gap_ms),
    }
}

fn status(code: u16, retry_after: Option<&str>) -> Answer {
    Answer::Status {
        code,
        message: format!("status {code}"),
        retry_after: retry_after.map(str::to_string),
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_stream_within_the_read_timeout_is_waited_for() {
    let server = Loopback::start(vec![stream(5, 900)]).await;
    let (r, took) = chat(endpoint(&server)).await;
    assert_eq!(r.unwrap().text, TEXT);
    // Twelve pieces and the finish, each followed by 0.9 s: the client waited through all of it.
    assert!(took >= Duration::from_millis(900 * 12), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stalls_past_the_read_timeout_is_a_timeout() {
    let server = Loopback::start(vec![stream(5, 2500)]).await;
    let (r, took) = chat(endpoint(&server)).await;
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("sent nothing for 1 s"), "{err}");
    // The first piece came at once; the client gave up 1 s later, not when the server resumed.
    assert_took(took, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_reply_that_keeps_trickling_past_the_whole_timeout_is_cut_off() {
    let server = Loopback::start(vec![stream(1, 900)]).await;
    let mut e = endpoint(&server);
    e.timeout = Duration::from_secs(5);
    let (r, took) = chat(e).await;
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("did not finish its reply within 5 s"),
        "{err}"
    );
    assert_took(took, Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_sends_its_headers_has_sent_no_first_token() {
    let server = Loopback::start(vec![Answer::Silent]).await;
    let (r, took) = chat(endpoint(&server)).await;
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("sent no first token within 3 s (interviewer.first_token_timeout)"),
        "{err}"
    );
    assert_took(took, Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_model_reading_a_long_prompt_is_waited_for_and_the_wait_is_told() {
    let server = Loopback::start(vec![Answer::Reading {
        reading: Duration::from_millis(2500),
        text: TEXT.into(),
        piece: 7,
    }])
    .await;
    let client = LlmClient::new(endpoint(&server)).unwrap();
    let mut waits = Vec::new();
    let mut text = String::new();
    let messages = [Message::new("user", "Judge this.")];
    let r = client
        .chat(&messages, None, &mut |e| match e {
            Event::Waiting(d) => waits.push(d.as_secs()),
            Event::Text(p) => text += p,
        })
        .await;
    assert_eq!(
        r.unwrap().text,
        TEXT,
        "2.5 s of reading is longer than the read timeout, but it is the first-token wait"
    );
    assert_eq!(text, TEXT);
    assert_eq!(waits, vec![1, 2], "told once a second while reading");
}

#[tokio::test(start_paused = true)]
async fn a_first_token_later_than_its_limit_is_a_first_token_timeout() {
    let server = Loopback::start(vec![Answer::Reading {
        reading: Duration::from_secs(10),
        text: TEXT.into(),
        piece: 7,
    }])
    .await;
    let (r, took) = chat(endpoint(&server)).await;
    let err = r.unwrap_err().to_string();
    assert!(err.contains("sent no first token within 3 s"), "{err}");
    assert!(!err.contains("in the middle"), "{err}");
    assert_took(took, Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_the_servers_retry_after() {
    let server = Loopback::start(vec![status(429, Some("7")), stream(10, 0)]).await;
    // The wait before a retry counts towards the first token's.
    let mut e = endpoint(&server);
    e.first_token_timeout = Duration::from_secs(10);
    let (r, _) = chat(e).await;
    assert_eq!(r.unwrap().text, TEXT);
    let chats = server.chats();
    assert_eq!(chats.len(), 2);
    assert_took(chats[1] - chats[0], Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_longer_than_the_limit_is_not_waited_for() {
    let server = Loopback::start(vec![status(503, Some("120")), stream(10, 0)]).await;
    let (r, took) = chat(endpoint(&server)).await;
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::GaveUp { .. }), "{err:?}");
    assert_eq!(server.chats().len(), 1);
    assert_took(took, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn server_errors_back_off_doubling_until_the_client_gives_up() {
    let server = Loopback::start(vec![status(500, None)]).await;
    let mut e = endpoint(&server);
    e.retries = 3;
    e.backoff = Duration::from_millis(400);
    let (r, _) = chat(e).await;
    let err = r.unwrap_err();
    assert!(
        matches!(err, InterviewError::GaveUp { tries: 4, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("after 4 tries: status 500"),
        "{err}"
    );
    let chats = server.chats();
    assert_eq!(chats.len(), 4);
    // Each wait is in the upper half of a backoff that doubles: 400, 800, then 1600 ms.
    for (i, pair) in chats.windows(2).enumerate() {
        let full = Duration::from_millis(400 << i);
        let waited = pair[1] - pair[0];
        // (The timer wheel rounds a sleep up to the next millisecond.)
        assert!(
            waited >= full / 2 && waited <= full,
            "retry {i}: {waited:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_is_never_accepted_times_out_as_a_connect_error() {
    // A listener with a backlog of one whose queue is already full drops further handshakes, so
    // the client's connection attempt hangs until its connect timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let _queued = std::net::TcpStream::connect(addr).unwrap();
    let mut e = Endpoint::new(&format!("http://{addr}/v1"), "test-model");
    e.connect_timeout = Duration::from_secs(3);
    let (r, took) = chat(e).await;
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::Connect { .. }), "{err:?}");
    assert_took(took, Duration::from_secs(3));
}
