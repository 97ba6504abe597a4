//! A scripted OpenAI-compatible transcription server on loopback, for the tests of the server
//! backend: each request to `POST /v1/audio/transcriptions` gets the next scripted answer (the last
//! one repeats), and every request's form fields are kept for the test to look at. Plain threads,
//! so both unit tests and the command-line tests (which run rehearse as a child process) can use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status with a JSON body, and a `Retry-After` header when given.
    Json {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<u32>,
    },
    /// A status with a plain-text body.
    Text {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// Read the request, then send nothing for this long (the connection stays open), then close.
    Stall(Duration),
    /// Close the connection without answering.
    Hang,
}

impl Reply {
    /// A 200 answer with `body`.
    pub fn ok(body: &str) -> Reply {
        Reply::Json {
            status: 200,
            body: body.into(),
            retry_after: None,
        }
    }

    /// An error status with an OpenAI-style error body.
    pub fn status(status: u16, message: &str) -> Reply {
        Reply::Json {
            status,
            body: serde_json::json!({"error": {"message": message}}).to_string(),
            retry_after: None,
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request line's path.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The multipart form's text fields, in order (name, value); the file's bytes are left out.
    pub fields: Vec<(String, String)>,
    /// The uploaded file's size in bytes.
    pub file_bytes: usize,
}

/// The server; it stops when dropped (or when [`SpeechServer::stop`] is called).
pub struct SpeechServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stopped: Arc<AtomicBool>,
}

impl SpeechServer {
    /// Starts a server answering with `script` in turn.
    pub fn start(script: Vec<Reply>) -> SpeechServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback can be bound");
        let url = format!(
            "http://{}/v1",
            listener
                .local_addr()
                .expect("a bound socket has an address")
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (log, stop) = (Arc::clone(&seen), Arc::clone(&stopped));
        thread::spawn(move || {
            let mut turn = 0;
            for stream in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let reply = script[turn.min(script.len() - 1)].clone();
                turn += 1;
                let log = Arc::clone(&log);
                thread::spawn(move || serve(stream, reply, &log));
            }
        });
        SpeechServer { url, seen, stopped }
    }

    /// The base URL, ending in `/v1`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("the log is not poisoned").clone()
    }

    /// Stops taking connections: the next connection attempt is refused (or closed unanswered).
    pub fn stop(&self) {
        if !self.stopped.swap(true, Ordering::Relaxed) {
            // Wakes the accept loop so it sees the flag and drops the listener.
            let addr = self
                .url
                .trim_start_matches("http://")
                .trim_end_matches("/v1");
            let _ = TcpStream::connect(addr);
        }
    }
}

impl Drop for SpeechServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(stream: TcpStream, reply: Reply, log: &Mutex<Vec<Seen>>) {
    let Some(seen) = read_request(&stream) else {
        return;
    };
    log.lock().expect("the log is not poisoned").push(seen);
    let mut stream = stream;
    let (status, kind, body, retry_after) = match reply {
        Reply::Json {
            status,
            body,
            retry_after,
        } => (status, "application/json", body, retry_after),
        Reply::Text { status, body } => (status, "text/plain", body, None),
        Reply::Stall(d) => {
            thread::sleep(d);
            return;
        }
        Reply::Hang => return,
    };
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(s) = retry_after {
        head += &format!("Retry-After: {s}\r\n");
    }
    let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
    let _ = stream.flush();
}

/// Reads one request: its head, then its body by `Content-Length`, and picks out the form.
fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let (mut length, mut authorization, mut boundary) = (0usize, None, None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h.trim().is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok()?,
            "authorization" => authorization = Some(value),
            "content-type" => {
                boundary = value
                    .split("boundary=")
                    .nth(1)
                    .map(|b| b.trim_matches('"').to_string())
            }
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (fields, file_bytes) = boundary.map_or((Vec::new(), 0), |b| form(&body, &b));
    Some(Seen {
        path,
        authorization,
        fields,
        file_bytes,
    })
}

/// The text fields of a multipart body, and the size of its file part.
fn form(body: &[u8], boundary: &str) -> (Vec<(String, String)>, usize) {
    let marker = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut fields = Vec::new();
    let mut file_bytes = 0;
    for part in text.split(marker.as_str()).skip(1) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        if head.contains("filename=") {
            // Lossy text is longer than the bytes where they are not UTF-8; the body's length less
            // the text fields is what the test compares, so count the raw part instead.
            file_bytes = raw_part_len(body, name);
        } else {
            fields.push((name.to_string(), value.to_string()));
        }
    }
    (fields, file_bytes)
}

/// The length of the file part named `name` in a multipart body.
fn raw_part_len(body: &[u8], name: &str) -> usize {
    let needle = format!("name=\"{name}\"");
    let Some(at) = find(body, needle.as_bytes()) else {
        return 0;
    };
    let Some(start) = find(&body[at..], b"\r\n\r\n").map(|i| at + i + 4) else {
        return 0;
    };
    find(&body[start..], b"\r\n--").unwrap_or(body.len() - start)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
