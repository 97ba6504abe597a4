//! `models fetch` against a loopback HTTP server: resuming, restarting, checksums and every way a
//! download fails.

use super::*;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the loopback server answers.
#[derive(Clone, Copy)]
enum Mode {
    /// Honour `Range` with 206, or 416 past the end.
    Ranges,
    /// Always send the whole body with 200.
    IgnoreRanges,
    /// Like `Ranges`, but the first answer promises its whole body and stops after this many bytes.
    CutFirstAt(usize),
    /// Answer every request with this status and no body.
    Status(u16),
}

/// Each request's path and `Range` header, in arrival order.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A loopback HTTP/1.1 server serving `data`, a folder to fetch into, and what the server saw.
struct Fixture {
    base: String,
    data: Vec<u8>,
    dir: tempfile::TempDir,
    seen: Seen,
}

async fn fixture(mode: Mode) -> Fixture {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/models", listener.local_addr().unwrap());
    let (data, seen): (_, Seen) = (body(), Arc::default());
    let (body, log) = (Arc::new(data.clone()), seen.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, body.clone(), mode, log.clone()));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        base,
        data,
        dir,
        seen,
    }
}

impl Fixture {
    async fn get(&self, sha1: &str, force: bool) -> Result<Fetched, ModelError> {
        let url = format!("{}/ggml-test.bin", self.base);
        let target = Target {
            name: "test",
            file: "ggml-test.bin",
            sha1,
            url,
        };
        let opts = FetchOptions {
            base_url: self.base.clone(),
            force,
            progress: false,
        };
        fetch_url(&target, self.dir.path(), &opts).await
    }

    fn sum(&self) -> String {
        hex(&Sha1::digest(&self.data))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ranges(&self) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }
}

async fn answer(mut socket: TcpStream, body: Arc<Vec<u8>>, mode: Mode, seen: Seen) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if socket.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let range = head
        .lines()
        .find_map(|l| l.strip_prefix("range: ").map(str::to_owned));
    let first = {
        let mut seen = seen.lock().unwrap();
        seen.push((path, range.clone()));
        seen.len() == 1
    };
    let start = range.and_then(|r| r.strip_prefix("bytes=")?.trim_end_matches('-').parse().ok());
    let len = body.len();
    let (status, from, extra) = match (mode, start) {
        (Mode::Status(code), _) => (code, len, String::new()),
        (Mode::IgnoreRanges, _) | (_, None) => (200, 0, String::new()),
        (_, Some(s)) if s >= len => (416, len, format!("content-range: bytes */{len}\r\n")),
        (_, Some(s)) => (
            206,
            s,
            format!("content-range: bytes {s}-{}/{len}\r\n", len - 1),
        ),
    };
    let slice = &body[from..];
    let sent = match mode {
        Mode::CutFirstAt(n) if first => &slice[..n.min(slice.len())],
        _ => slice,
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n{extra}\r\n",
        slice.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(sent).await;
    let _ = socket.shutdown().await;
}

/// 300 KiB of bytes that differ at every offset, so a misplaced resume fails the checksum.
fn body() -> Vec<u8> {
    let xorshift = |&x: &u32| {
        let x = x ^ (x << 13);
        let x = x ^ (x >> 17);
        Some(x ^ (x << 5))
    };
    let words = std::iter::successors(Some(0x2545_f491_u32), xorshift);
    words.take(300 * 1024).map(|x| x as u8).collect()
}

#[tokio::test]
async fn a_full_download_is_verified_and_renamed() {
    let f = fixture(Mode::Ranges).await;
    let got = f.get(&f.sum(), false).await.unwrap();
    assert_eq!(got.path, f.path("ggml-test.bin"));
    let len = f.data.len() as u64;
    assert_eq!(
        (got.bytes, got.resumed_from, got.already_present),
        (len, 0, false)
    );
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
    assert!(!f.path("ggml-test.bin.part").exists());
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen, [("/models/ggml-test.bin".to_string(), None)]);
}

#[tokio::test]
async fn a_part_file_is_resumed_with_a_range_request() {
    let f = fixture(Mode::Ranges).await;
    std::fs::write(f.path("ggml-test.bin.part"), &f.data[..100_000]).unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    assert_eq!(got.resumed_from, 100_000);
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
    assert_eq!(f.ranges(), [Some("bytes=100000-".to_string())]);
}

#[tokio::test]
async fn a_server_ignoring_the_range_restarts_the_file() {
    let f = fixture(Mode::IgnoreRanges).await;
    std::fs::write(f.path("ggml-test.bin.part"), vec![7u8; 50_000]).unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    assert_eq!(got.resumed_from, 0);
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
    assert_eq!(f.ranges(), [Some("bytes=50000-".to_string())]);
}

#[tokio::test]
async fn a_cut_stream_keeps_the_part_and_the_next_run_resumes() {
    let f = fixture(Mode::CutFirstAt(120_000)).await;
    let err = f.get(&f.sum(), false).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ModelError::Interrupted { got: 120_000, .. }),
        "{msg}"
    );
    assert!(msg.contains("127.0.0.1") && msg.ends_with("running the command again resumes it"));
    let part = f.path("ggml-test.bin.part");
    assert_eq!(std::fs::read(&part).unwrap(), &f.data[..120_000]);
    let got = f.get(&f.sum(), false).await.unwrap();
    assert_eq!(got.resumed_from, 120_000);
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
    assert!(!part.exists());
}

#[tokio::test]
async fn a_checksum_mismatch_deletes_the_part_and_names_both_sums() {
    let f = fixture(Mode::Ranges).await;
    let wrong = hex(&Sha1::digest(b"something else"));
    let err = f.get(&wrong, false).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ModelError::Checksum { .. }), "{msg}");
    assert!(msg.contains(&wrong) && msg.contains(&f.sum()), "{msg}");
    assert!(!f.path("ggml-test.bin.part").exists());
    assert!(!f.path("ggml-test.bin").exists());
}

#[tokio::test]
async fn a_complete_part_answered_with_416_is_kept() {
    let f = fixture(Mode::Ranges).await;
    std::fs::write(f.path("ggml-test.bin.part"), &f.data).unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    let len = f.data.len() as u64;
    assert_eq!((got.resumed_from, got.bytes), (len, len));
    assert_eq!(f.ranges().len(), 1);
}

#[tokio::test]
async fn an_oversized_part_answered_with_416_starts_over() {
    let f = fixture(Mode::Ranges).await;
    std::fs::write(f.path("ggml-test.bin.part"), vec![1u8; f.data.len() + 10]).unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    assert_eq!(got.resumed_from, 0);
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
    assert_eq!(f.ranges()[1], None);
}

#[tokio::test]
async fn a_missing_file_is_a_404_naming_the_url() {
    let f = fixture(Mode::Status(404)).await;
    let opts = FetchOptions {
        base_url: f.base.clone(),
        force: false,
        progress: false,
    };
    let entry = catalog::find("tiny.en").unwrap();
    let err = fetch(entry, f.dir.path(), &opts).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ModelError::NotOnServer { .. }), "{msg}");
    assert!(msg.starts_with(&format!(
        "{}/ggml-tiny.en.bin does not exist (HTTP 404)",
        f.base
    )));
}

#[tokio::test]
async fn another_status_is_reported_with_its_code() {
    let f = fixture(Mode::Status(503)).await;
    let err = f.get(&f.sum(), false).await.unwrap_err();
    assert!(
        matches!(err, ModelError::HttpStatus { status: 503, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("answered HTTP 503 while fetching test"),
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_connection_says_it_could_not_reach_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = FetchOptions {
        base_url: format!("http://127.0.0.1:{port}"),
        ..Default::default()
    };
    let opts = FetchOptions {
        progress: false,
        ..opts
    };
    let entry = catalog::find("tiny.en").unwrap();
    let msg = fetch(entry, dir.path(), &opts)
        .await
        .unwrap_err()
        .to_string();
    let start =
        format!("could not reach 127.0.0.1:{port} to fetch tiny.en: the connection was refused;");
    assert!(msg.starts_with(&start), "{msg}");
    assert!(msg.ends_with("import a faster-whisper model with `rehearse models import PATH`"));
}

#[tokio::test]
async fn a_verified_file_is_not_fetched_again_unless_forced() {
    let f = fixture(Mode::Ranges).await;
    std::fs::write(f.path("ggml-test.bin"), &f.data).unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    assert!(got.already_present && f.ranges().is_empty());
    let got = f.get(&f.sum(), true).await.unwrap();
    assert!(!got.already_present && f.ranges().len() == 1);
}

#[tokio::test]
async fn a_corrupt_file_is_replaced() {
    let f = fixture(Mode::Ranges).await;
    std::fs::write(f.path("ggml-test.bin"), b"not a model").unwrap();
    let got = f.get(&f.sum(), false).await.unwrap();
    assert!(!got.already_present);
    assert_eq!(std::fs::read(&got.path).unwrap(), f.data);
}

#[test]
fn an_unknown_name_lists_the_known_ones() {
    assert_eq!(lookup("ggml-base.en.bin").unwrap().name, "base.en");
    let msg = lookup("huge").unwrap_err().to_string();
    assert!(
        msg.starts_with("unknown model huge; the known models are tiny,"),
        "{msg}"
    );
    assert!(msg.contains("small.en-q5_1"), "{msg}");
}

#[test]
fn progress_lines_give_size_rate_and_time_left() {
    let mib = 1024 * 1024;
    let line = progress_line("tiny.en", 2 * mib, 0, Some(4 * mib), Duration::from_secs(2));
    assert_eq!(
        line,
        "tiny.en: 2.0 of 4.0 MiB (50%), 1.0 MiB/s, about 2 s left"
    );
    let line = progress_line("x", 3 * mib, mib, None, Duration::from_secs(1));
    assert_eq!(line, "x: 3.0 MiB, 2.0 MiB/s");
}
