//! A loopback OpenAI-compatible chat server for the client's timing tests, run as a task of the
//! test's own tokio runtime. Because its waits are `tokio::time::sleep`, a test with paused time
//! ([`tokio::time::pause`]) sees the server's gaps and the client's timeouts on one virtual clock:
//! a 2.5 s stall against a 1 s read timeout takes no real time and cannot lose a race against a
//! loaded machine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer to a chat request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A server-sent-event stream of `text` in pieces of `piece` characters, `gap` apart, ending
    /// with the `stop` finish reason and `[DONE]`.
    Stream {
        text: String,
        piece: usize,
        gap: Duration,
    },
    /// A plain status with an OpenAI-style error `message` and, when given, a `Retry-After`.
    Status {
        code: u16,
        message: String,
        retry_after: Option<String>,
    },
    /// Reads the request and then says nothing, holding the connection open.
    Silent,
    /// A whole (not streamed) chat completion of `text`, after `delay`.
    Plain { text: String, delay: Duration },
    /// Like a local model reading a long prompt: the headers and a role-only chunk at once, then
    /// nothing for `reading`, then `text` in pieces of `piece` characters with no gap.
    Reading {
        reading: Duration,
        text: String,
        piece: usize,
    },
}

/// A server bound to `127.0.0.1:0`, answering chat requests from a script whose last answer
/// repeats. It stops when the runtime does.
pub struct Loopback {
    url: String,
    chats: Arc<Mutex<Vec<tokio::time::Instant>>>,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Loopback {
    /// Starts the server on the current runtime.
    pub async fn start(script: Vec<Answer>) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let chats = Arc::new(Mutex::new(Vec::new()));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let mut script = VecDeque::from(script);
        let seen = (chats.clone(), bodies.clone());
        tokio::spawn(async move {
            // Every answer says `Connection: close`, so each connection carries one request.
            while let Ok((conn, _)) = listener.accept().await {
                let answer = if script.len() > 1 {
                    script.pop_front()
                } else {
                    script.front().cloned()
                };
                tokio::spawn(serve(conn, answer, seen.clone()));
            }
        });
        Loopback { url, chats, bodies }
    }

    /// The base URL to give the client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// When each chat request arrived, on the runtime's clock.
    pub fn chats(&self) -> Vec<tokio::time::Instant> {
        self.chats.lock().unwrap().clone()
    }

    /// The JSON bodies of the requests, in the order they arrived.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// Where the server notes each request: its arrival and its body.
type Seen = (
    Arc<Mutex<Vec<tokio::time::Instant>>>,
    Arc<Mutex<Vec<serde_json::Value>>>,
);

/// Reads one request on `conn`, notes its arrival, and answers it.
async fn serve(conn: TcpStream, answer: Option<Answer>, seen: Seen) {
    let _ = conn.set_nodelay(true);
    let mut conn = BufReader::new(conn);
    let Some(body) = read_request(&mut conn).await else {
        return;
    };
    seen.0.lock().unwrap().push(tokio::time::Instant::now());
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    seen.1.lock().unwrap().push(body);
    let mut conn = conn.into_inner();
    // A failed write means the client hung up, which is what some tests wait for.
    let _ = match answer {
        Some(Answer::Stream { text, piece, gap }) => stream(&mut conn, &text, piece, gap).await,
        Some(Answer::Status {
            code,
            message,
            retry_after,
        }) => status(&mut conn, code, &message, retry_after.as_deref()).await,
        Some(Answer::Reading {
            reading,
            text,
            piece,
        }) => reading_first(&mut conn, &text, piece, reading).await,
        Some(Answer::Plain { text, delay }) => {
            tokio::time::sleep(delay).await;
            plain(&mut conn, &text).await
        }
        Some(Answer::Silent) => {
            // Holding the connection is the point: the client must give up by itself.
            std::future::pending::<()>().await;
            Ok(())
        }
        None => status(&mut conn, 500, "no answer scripted", None).await,
    };
    let _ = conn.shutdown().await;
}

/// Reads the request line, the headers and a `Content-Length` body; `None` if the client left.
async fn read_request(conn: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut len = 0;
    loop {
        let mut line = String::new();
        if conn.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).await.ok()?;
    Some(body)
}

const STREAM_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

/// The headers and a role-only chunk, then `reading` of silence, then the text at once.
async fn reading_first(
    conn: &mut TcpStream,
    text: &str,
    piece: usize,
    reading: Duration,
) -> std::io::Result<()> {
    conn.write_all(STREAM_HEAD).await?;
    let role = serde_json::json!({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]});
    conn.write_all(format!("data: {role}\n\n").as_bytes())
        .await?;
    tokio::time::sleep(reading).await;
    chunks(conn, text, piece, Duration::ZERO).await
}

/// Streams `text` as chat-completion chunks, `gap` apart on the runtime's clock.
async fn stream(
    conn: &mut TcpStream,
    text: &str,
    piece: usize,
    gap: Duration,
) -> std::io::Result<()> {
    conn.write_all(STREAM_HEAD).await?;
    chunks(conn, text, piece, gap).await
}

/// `text` as chat-completion chunks, `gap` apart, the finish and `[DONE]`.
async fn chunks(
    conn: &mut TcpStream,
    text: &str,
    piece: usize,
    gap: Duration,
) -> std::io::Result<()> {
    let chars: Vec<char> = text.chars().collect();
    let pieces = chars
        .chunks(piece.max(1))
        .map(|c| (c.iter().collect::<String>(), None));
    for (content, finish) in pieces.chain([(String::new(), Some("stop"))]) {
        let chunk = serde_json::json!({
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
        });
        conn.write_all(format!("data: {chunk}\n\n").as_bytes())
            .await?;
        tokio::time::sleep(gap).await;
    }
    conn.write_all(b"data: [DONE]\n\n").await
}

/// A whole chat completion of `text`.
async fn plain(conn: &mut TcpStream, text: &str) -> std::io::Result<()> {
    let body = serde_json::json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}]
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body.as_bytes()).await
}

/// Answers with `code` and an OpenAI-style error body.
async fn status(
    conn: &mut TcpStream,
    code: u16,
    message: &str,
    retry_after: Option<&str>,
) -> std::io::Result<()> {
    let body = serde_json::json!({"error": {"message": message, "type": "test", "param": null, "code": null}})
        .to_string();
    let extra = retry_after.map_or(String::new(), |r| format!("Retry-After: {r}\r\n"));
    let head = format!(
        "HTTP/1.1 {code} Status\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body.as_bytes()).await
}
