//! The interviewer against a loopback OpenAI-compatible server: what the client sends, and what
//! every kind of reply (normal, byte-split, slow, 429, 500s, 401, garbage, cut) turns into, first
//! through the library's client, the sessions that use it are in `interview_session.rs` and
//! `interview_setup.rs`. The client's timeouts and retry waits are tested in the
//! library (`src/interview/client_tests.rs`) on tokio's paused clock, where no race against a
//! loaded machine can make them flaky.

use std::time::Duration;

use rehearse::interview::client::{Message, Reply as ChatReply};
use rehearse::interview::{ApiKey, Endpoint, InterviewError, LlmClient};

use crate::llm_server::{Reply, Server, chunks};

pub const KEY: &str = "sk-test-4f9a1c0ffee";

fn endpoint(server: &Server) -> Endpoint {
    let mut e = Endpoint::new(&server.url(), "test-model");
    e.backoff = Duration::from_millis(20);
    e.read_timeout = Duration::from_secs(3);
    e.timeout = Duration::from_secs(20);
    e
}

/// Sends one chat request; returns the result and the pieces streamed.
fn chat(e: Endpoint) -> (Result<ChatReply, InterviewError>, Vec<String>) {
    let client = LlmClient::new(e).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut pieces = Vec::new();
    let messages = [Message::new("user", "Judge this.")];
    let r = rt.block_on(client.chat(&messages, None, &mut |e| {
        if let rehearse::interview::client::Event::Text(p) = e {
            pieces.push(p.to_string());
        }
    }));
    (r, pieces)
}

fn stream(events: Vec<String>) -> Reply {
    Reply::Stream {
        events,
        every_byte: false,
        gap: Duration::ZERO,
        done: true,
        cut_at: None,
    }
}

const TEXT: &str = "Strong triage — naïve prevention. Ask about the rollback.";

#[test]
fn a_normal_stream_arrives_in_pieces_and_whole() {
    let server = Server::start(vec![Reply::text(TEXT, 5)], &["test-model"]);
    let (r, pieces) = chat(endpoint(&server));
    let reply = r.unwrap();
    assert_eq!(reply.text, TEXT);
    assert_eq!(reply.finish_reason, "stop");
    assert!(pieces.len() > 5, "{pieces:?}");
    let sent = server.chats()[0].json();
    assert_eq!(sent["model"], "test-model");
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["messages"][0]["content"], "Judge this.");
}

#[test]
fn a_stream_split_at_every_byte_is_put_back_together() {
    let server = Server::start(
        vec![Reply::stream(TEXT, 3, true, Duration::ZERO, None)],
        &[],
    );
    assert_eq!(chat(endpoint(&server)).0.unwrap().text, TEXT);
}

#[test]
fn a_401_is_not_retried_and_never_shows_the_key() {
    let server = Server::start(
        vec![Reply::status(
            401,
            &format!("Incorrect API key provided: {KEY}"),
        )],
        &[],
    );
    let mut e = endpoint(&server);
    e.api_key = Some(ApiKey::new(KEY.into()));
    e.api_key_env = "TEST_KEY".into();
    let client_debug = format!("{:?}", LlmClient::new(e.clone()).unwrap());
    let err = chat(e).0.unwrap_err();
    assert!(matches!(err, InterviewError::BadKey { .. }), "{err:?}");
    let text = format!("{err} {err:?} {}", rehearse::error_chain(&err));
    assert!(
        text.contains("refused the API key from $TEST_KEY"),
        "{text}"
    );
    assert!(
        !text.contains(KEY) && !client_debug.contains(KEY),
        "{text} {client_debug}"
    );
    let chats = server.chats();
    assert_eq!(chats.len(), 1, "a 401 was retried");
    assert_eq!(
        chats[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn a_400_and_a_404_are_not_retried() {
    let server = Server::start(vec![Reply::status(400, "bad response_format")], &[]);
    let err = chat(endpoint(&server)).0.unwrap_err();
    assert!(matches!(err, InterviewError::Rejected { .. }), "{err:?}");
    assert_eq!(server.chats().len(), 1);
    let server = Server::start(
        vec![Reply::status(404, "model 'test-model' not found")],
        &[],
    );
    let err = chat(endpoint(&server)).0.unwrap_err();
    assert!(
        err.to_string().contains("has no model `test-model`"),
        "{err}"
    );
    assert_eq!(server.chats().len(), 1);
}

#[test]
fn garbage_in_the_stream_is_a_malformed_reply() {
    let server = Server::start(vec![stream(vec!["this is not json".into()])], &[]);
    let err = chat(endpoint(&server)).0.unwrap_err();
    assert!(matches!(err, InterviewError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("this is not json"), "{err}");
}

#[test]
fn a_stream_cut_in_the_middle_is_truncated() {
    let events = chunks(TEXT, 4, Some("stop"));
    let half: usize = events
        .iter()
        .take(events.len() / 2)
        .map(|e| e.len() + 8)
        .sum::<usize>()
        + 20;
    let server = Server::start(
        vec![Reply::Stream {
            events,
            every_byte: false,
            gap: Duration::ZERO,
            done: true,
            cut_at: Some(half),
        }],
        &[],
    );
    let (r, pieces) = chat(endpoint(&server));
    let err = r.unwrap_err();
    assert!(matches!(err, InterviewError::Truncated { .. }), "{err:?}");
    assert!(
        err.to_string().contains("broke off before it was finished"),
        "{err}"
    );
    assert!(!pieces.is_empty(), "the part before the cut was streamed");
}

#[test]
fn a_reply_stopped_by_max_tokens_says_so() {
    let server = Server::start(vec![stream(chunks(TEXT, 10, Some("length")))], &[]);
    let err = chat(endpoint(&server)).0.unwrap_err();
    assert!(
        err.to_string().contains("raise interviewer.max_tokens"),
        "{err}"
    );
}

#[test]
fn nothing_listening_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = Endpoint::new(&format!("http://127.0.0.1:{port}/v1"), "m");
    let err = chat(e).0.unwrap_err();
    assert!(matches!(err, InterviewError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot connect to the interviewer at http://127.0.0.1:"),
        "{err}"
    );
}
