//! A loopback OpenAI-compatible server for the interviewer's tests: it records every request and
//! answers from a script of canned replies, including the broken ones real servers send (byte-split
//! streams, slow streams, 429 and 5xx, 401, garbage, a stream cut in the middle).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One canned reply to a chat request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A server-sent-event stream of `events` (the JSON of each `data:` line).
    Stream {
        /// Each event's data.
        events: Vec<String>,
        /// Send one byte per write.
        every_byte: bool,
        /// Wait between events.
        gap: Duration,
        /// End with `data: [DONE]`.
        done: bool,
        /// Close the connection after this many bytes of the body.
        cut_at: Option<usize>,
    },
    /// A plain HTTP answer.
    Status {
        /// The status code.
        code: u16,
        /// The JSON body.
        body: String,
        /// A `Retry-After` header.
        retry_after: Option<String>,
    },
}

impl Reply {
    /// A normal stream of `text` in pieces of about `piece` characters, ending with `stop`.
    pub fn text(text: &str, piece: usize) -> Reply {
        Reply::stream(text, piece, false, Duration::ZERO, None)
    }

    /// A stream of `text` in pieces of `piece` characters with `gap` between them, sent a byte
    /// per write when `every_byte`, cut after `cut_at` bytes when given.
    pub fn stream(
        text: &str,
        piece: usize,
        every_byte: bool,
        gap: Duration,
        cut_at: Option<usize>,
    ) -> Reply {
        Reply::Stream {
            events: chunks(text, piece, Some("stop")),
            every_byte,
            gap,
            done: true,
            cut_at,
        }
    }

    /// An error status with an OpenAI-style error body.
    pub fn status(code: u16, message: &str) -> Reply {
        Reply::Status {
            code,
            body: serde_json::json!({"error": {"message": message, "type": "test", "param": null, "code": null}}).to_string(),
            retry_after: None,
        }
    }
}

/// The `data:` payloads of a stream of `text`.
pub fn chunks(text: &str, piece: usize, finish: Option<&str>) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut events: Vec<String> = chars
        .chunks(piece.max(1))
        .map(|c| chunk(&c.iter().collect::<String>(), None))
        .collect();
    if let Some(f) = finish {
        events.push(chunk("", Some(f)));
    }
    events
}

fn chunk(content: &str, finish: Option<&str>) -> String {
    serde_json::json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
    })
    .to_string()
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Request {
    /// `POST /v1/chat/completions`.
    pub line: String,
    /// Lower-cased header lines.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Request {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The server; it stops with the test process.
pub struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Starts a server answering chat requests from `script` (the last reply repeats) and listing
    /// `models`.
    pub fn start(script: Vec<Reply>, models: &[&str]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let models: Vec<String> = models.iter().map(|m| m.to_string()).collect();
        let seen = requests.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (seen, script, models) = (seen.clone(), script.clone(), models.clone());
                thread::spawn(move || serve(conn, &seen, &script, &models));
            }
        });
        Server { port, requests }
    }

    /// The base URL to configure.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The chat requests so far.
    pub fn chats(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.line.contains("/chat/completions"))
            .collect()
    }
}

fn serve(
    mut conn: TcpStream,
    seen: &Mutex<Vec<Request>>,
    script: &Mutex<VecDeque<Reply>>,
    models: &[String],
) {
    let _ = conn.set_nodelay(true);
    let Some(request) = read_request(&conn) else {
        return;
    };
    let line = request.line.clone();
    let warm = request.json()["stream"] == false;
    seen.lock().unwrap().push(request);
    if warm {
        // A request to read a prompt ahead (one token, not streamed): answered at once, off the
        // script.
        let body = serde_json::json!({"id": "warm", "object": "chat.completion", "created": 0,
            "model": "test-model", "choices": [{"index": 0, "finish_reason": "length",
            "message": {"role": "assistant", "content": "x"}}]})
        .to_string();
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        return;
    }
    if line.starts_with("GET") && line.contains("/models") {
        let data: Vec<_> = models
            .iter()
            .map(|m| serde_json::json!({"id": m, "object": "model"}))
            .collect();
        let body = serde_json::json!({"object": "list", "data": data}).to_string();
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        return;
    }
    let reply = {
        let mut s = script.lock().unwrap();
        if s.len() > 1 {
            s.pop_front()
        } else {
            s.front().cloned()
        }
    };
    match reply {
        Some(r) => send(&mut conn, r),
        None => {
            let _ = conn.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}

fn read_request(conn: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        line: line.trim_end().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn send(conn: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Status {
            code,
            body,
            retry_after,
        } => {
            let extra = retry_after.map_or(String::new(), |r| format!("Retry-After: {r}\r\n"));
            let _ = write!(
                conn,
                "HTTP/1.1 {code} Status\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Stream {
            events,
            every_byte,
            gap,
            done,
            cut_at,
        } => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n");
            let mut body = String::new();
            let mut ends = Vec::new();
            for e in &events {
                body += &format!("data: {e}\n\n");
                ends.push(body.len());
            }
            if done {
                body += "data: [DONE]\n\n";
                ends.push(body.len());
            }
            let bytes = &body.as_bytes()[..cut_at.unwrap_or(body.len()).min(body.len())];
            let mut start = 0;
            for end in ends.into_iter().map(|e| e.min(bytes.len())) {
                if end <= start {
                    continue;
                }
                let part = &bytes[start..end];
                if every_byte {
                    for b in part {
                        if conn.write_all(&[*b]).is_err() {
                            return;
                        }
                    }
                } else if conn.write_all(part).is_err() {
                    return;
                }
                start = end;
                thread::sleep(gap);
            }
            if start < bytes.len() {
                let _ = conn.write_all(&bytes[start..]);
            }
        }
    }
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
}
