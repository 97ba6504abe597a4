//! whisper.cpp's own server for the opt-in tests of `server.rs`: started by `scripts/whisper-server`
//! on a free loopback port with the repository's tiny.en model, watched through its log, and killed
//! with `SIGKILL` when a test says so or when it is dropped, so a failing test leaves none behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::util::root;

/// The longest wait for the server to answer. The first run of `scripts/whisper-server` builds
/// whisper.cpp (about 4 minutes on 2 cores, more on a busy machine); later runs start at once.
const START_LIMIT: Duration = Duration::from_secs(20 * 60);
/// The longest wait for a step of a session (a chunk settled, the server's next request). Only
/// stops a broken run from hanging; how long a loaded machine takes is no part of the checks.
const STEP_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Counts the time spent polling, a poll at a time, so the limits above are of time the test was
/// running: a machine that stops the test's processes for a while (`SIGSTOP`, as a benchmark
/// that wants the cores to itself does) delays it, but does not fail it.
struct Patience {
    waited: Duration,
    limit: Duration,
}

impl Patience {
    fn new(limit: Duration) -> Patience {
        Patience {
            waited: Duration::ZERO,
            limit,
        }
    }

    /// Notes a poll of `poll`; false once the limit is reached.
    fn poll(&mut self, poll: Duration) -> bool {
        self.waited += poll;
        self.waited < self.limit
    }
}

/// A running whisper.cpp server.
pub struct RealServer {
    child: Child,
    url: String,
    /// Requests the server has started to decode: its log's "processing '...'" lines.
    requests: Arc<AtomicUsize>,
    /// Its standard error so far, for the message of a test that fails.
    log: Arc<Mutex<String>>,
    killed: bool,
}

impl RealServer {
    /// Starts the server and waits until it answers HTTP.
    pub fn start() -> RealServer {
        let port = free_port();
        let mut child = Command::new("bash")
            .arg(root().join("scripts/whisper-server"))
            .arg(root().join("models/ggml-tiny.en.bin"))
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so a kill also reaches a build still running under the script.
            .process_group(0)
            .spawn()
            .expect("bash runs scripts/whisper-server");
        let requests = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let (counted, kept) = (requests.clone(), log.clone());
        thread::spawn(move || {
            // whisper-server writes this line to (unbuffered) standard error before each decode.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains(": processing '") {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut server = RealServer {
            child,
            url: format!("http://127.0.0.1:{port}/v1"),
            requests,
            log,
            killed: false,
        };
        server.wait_until_it_answers(port);
        server
    }

    fn wait_until_it_answers(&mut self, port: u16) {
        let mut patience = Patience::new(START_LIMIT);
        while !answers(port) {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.killed = true;
                panic!("scripts/whisper-server exited ({status}):\n{}", self.log());
            }
            let poll = Duration::from_millis(200);
            assert!(
                patience.poll(poll),
                "whisper-server did not answer within {START_LIMIT:?}:\n{}",
                self.log()
            );
            thread::sleep(poll);
        }
    }

    /// The base URL (`http://127.0.0.1:PORT/v1`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many requests the server has started to decode.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// What the server has written to standard error.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Kills the server without warning, as a crash or the out-of-memory killer would.
    pub fn kill(&mut self) {
        if !self.killed {
            self.killed = true;
            // SAFETY: kill only sends a signal to the process group of our own child.
            unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nobody listens on.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port can be bound");
    listener.local_addr().unwrap().port()
}

/// Whether an HTTP server answers on `port` (whisper-server listens once its model is loaded).
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = [0u8; 7];
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && stream.read_exact(&mut head).is_ok()
        && &head == b"HTTP/1."
}

/// How one practice session whose server was killed mid-answer went.
pub struct KilledRun {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// The seconds of the answer recorded when the server was killed, as the WAV file's header
    /// (brought up to date every second) said just after the kill.
    pub killed_at_secs: f64,
    /// From the start of the session to its exit.
    pub took: Duration,
    /// The request the server was decoding when it was killed (1 for the first).
    pub killed_in_request: usize,
}

/// Runs `cmd` (a `rehearse` command whose data directory is `data`) as a one-answer practice
/// session of `input` at speaking pace, transcribed by `server`, and kills the server once it has
/// settled a chunk of the answer (shown as a "heard:" line) and has started to decode the next
/// request: mid-answer, mid-request.
pub fn practice_killing_the_server(
    cmd: &mut Command,
    data: &Path,
    input: &Path,
    server: &mut RealServer,
) -> KilledRun {
    let started = Instant::now();
    let mut child = cmd
        .args(["practice", "--plain", "--offline", "--format", "json"])
        .args(["--rounds", "1", "--speed", "1"])
        .args(["--transcribe-url", server.url(), "--input"])
        .arg(input)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rehearse runs");
    let stdout = read_all(child.stdout.take().expect("stdout is piped"));
    let lines = lines_of(child.stderr.take().expect("stderr is piped"));
    let mut stderr = String::new();
    let mut step = |what: &str, done: &mut dyn FnMut(&str) -> bool| {
        let mut patience = Patience::new(STEP_LIMIT);
        let poll = Duration::from_millis(5);
        loop {
            match lines.recv_timeout(poll) {
                Ok(line) => {
                    let found = done(&line);
                    stderr += &line;
                    stderr.push('\n');
                    if found {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) if done("") => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the session ended before {what}:\n{stderr}")
                }
            }
            assert!(patience.poll(poll), "waited for {what}:\n{stderr}");
        }
    };
    step("the server settled a chunk", &mut |line| {
        line.contains("] heard: ")
    });
    let settled = server.requests();
    step("the server's next request", &mut |_| {
        server.requests() > settled
    });
    let killed_in_request = server.requests();
    server.kill();
    let killed_at_secs = recorded_secs(data);
    stderr.extend(lines.iter().map(|line| line + "\n"));
    let status = child.wait().expect("rehearse is waited for");
    KilledRun {
        status,
        stdout: stdout.join().expect("stdout is read"),
        stderr,
        killed_at_secs,
        took: started.elapsed(),
        killed_in_request,
    }
}

/// The seconds of audio the header of the answer's WAV file under `data` claims so far.
fn recorded_secs(data: &Path) -> f64 {
    let sessions = std::fs::read_dir(data.join("sessions")).expect("the session folder exists");
    let wav = sessions
        .filter_map(|e| Some(e.ok()?.path().join("answer-1.wav")))
        .find(|p| p.is_file())
        .expect("the answer is being recorded");
    let reader = hound::WavReader::open(&wav).expect("the recording's header reads");
    f64::from(reader.duration()) / 16_000.0
}

/// Reads `from` to its end on a thread of its own, so a full pipe never stalls the child.
fn read_all(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut all = Vec::new();
        let _ = from.read_to_end(&mut all);
        all
    })
}

/// The lines of `from` as they come, until it closes.
fn lines_of(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
