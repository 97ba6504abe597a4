//! `rehearse models fetch NAME`: downloads one of the catalogue's ggml files into the model folder,
//! resumably and verified. The bytes go to `ggml-<name>.bin.part`; a later run resumes it with an
//! HTTP range request; only once the whole file's SHA-1 matches the published one is it renamed to
//! `ggml-<name>.bin`, so a model file that exists under its final name is always a complete one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{Response, StatusCode, Url};
use sha1::{Digest, Sha1};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncWriteExt, BufWriter};

mod progress;

use progress::Progress;
#[cfg(test)]
use progress::progress_line;

use super::catalog::{self, CatalogEntry};

/// How long to wait for a connection; a longer wait is almost always a network that is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a read may stall; there is no overall timeout, because the large models take minutes.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a progress line is printed when stderr is not a terminal, so logs stay short.
pub(crate) const LINE_EVERY: Duration = Duration::from_secs(5);
pub(crate) const MIB: f64 = 1024.0 * 1024.0;

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The folder URL the file name is appended to; [`catalog::DEFAULT_BASE_URL`] unless overridden.
    pub base_url: String,
    /// Download again even when a file with the right checksum is already there.
    pub force: bool,
    /// Report progress on stderr: a bar on a terminal, a line every few seconds otherwise.
    pub progress: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            base_url: catalog::DEFAULT_BASE_URL.to_string(),
            force: false,
            progress: true,
        }
    }
}

/// What a fetch left on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The verified model file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many bytes an earlier, interrupted run had already downloaded (0 for a fresh start).
    pub resumed_from: u64,
    /// True when the file was already there with the right checksum and nothing was downloaded.
    pub already_present: bool,
}

/// Why a fetch failed; each message is one sentence that names the model and the host or file.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The name is not in the catalogue.
    #[error("unknown model {name}; the known models are {known}")]
    UnknownModel { name: String, known: String },
    /// No connection: offline, DNS failure, refused, or the connect timeout.
    #[error(
        "could not reach {host} to fetch {model}: {reason}; check your connection, or import a faster-whisper model with `rehearse models import PATH`"
    )]
    Unreachable {
        host: String,
        model: String,
        reason: String,
    },
    /// The server has no such file.
    #[error(
        "{url} does not exist (HTTP 404), so {model} cannot be fetched from there; check the models base URL"
    )]
    NotFound { url: String, model: String },
    /// Any other unexpected HTTP status.
    #[error("{url} answered HTTP {status} while fetching {model}; try again later")]
    Status {
        url: String,
        model: String,
        status: u16,
    },
    /// The HTTP client could not be set up (for example no TLS support).
    #[error("could not set up the HTTP client to fetch {model}: {reason}")]
    Client { model: String, reason: String },
    /// Reading or writing the model folder failed.
    #[error(
        "could not {action} {path}: {source}; check the free disk space and that the folder is writable"
    )]
    Disk {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The connection broke mid-way; the partial file is kept.
    #[error(
        "the download of {model} from {host} stopped after {got} bytes ({reason}); {part} is kept, and running the command again resumes it"
    )]
    Interrupted {
        model: String,
        host: String,
        got: u64,
        part: String,
        reason: String,
    },
    /// The whole file does not have the published SHA-1; the partial file was deleted.
    #[error(
        "{file} from {url} has the wrong checksum (expected SHA-1 {expected}, got {got}), so the download was deleted; running the command again downloads it afresh"
    )]
    Checksum {
        file: String,
        url: String,
        expected: String,
        got: String,
    },
}

/// Looks a name up in the catalogue, or says which names exist.
pub fn lookup(name: &str) -> Result<&'static CatalogEntry, FetchError> {
    catalog::find(name).ok_or_else(|| FetchError::UnknownModel {
        name: name.to_string(),
        known: catalog::names(),
    })
}

/// Downloads `entry` into `dest_dir` (created if missing) and verifies it.
pub async fn fetch(
    entry: &CatalogEntry,
    dest_dir: &Path,
    opts: &FetchOptions,
) -> Result<Fetched, FetchError> {
    let target = Target {
        name: entry.name,
        file: entry.file,
        sha1: entry.sha1,
        url: entry.url(&opts.base_url),
    };
    fetch_url(&target, dest_dir, opts).await
}

/// One file to fetch; separate from the catalogue so tests can serve their own bodies.
struct Target<'a> {
    name: &'a str,
    file: &'a str,
    sha1: &'a str,
    url: String,
}

impl Target<'_> {
    /// The host (and port, when one is given) for messages: the part a user can check.
    fn host(&self) -> String {
        Url::parse(&self.url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(u.port().map_or(host.clone(), |p| format!("{host}:{p}")))
            })
            .unwrap_or_else(|| self.url.clone())
    }
}

async fn fetch_url(
    t: &Target<'_>,
    dest_dir: &Path,
    opts: &FetchOptions,
) -> Result<Fetched, FetchError> {
    fs::create_dir_all(dest_dir)
        .await
        .map_err(disk("create the folder", dest_dir))?;
    let path = dest_dir.join(t.file);
    let part = dest_dir.join(format!("{}.part", t.file));
    let mut progress = Progress::new(opts, t.name);
    if opts.force {
        remove_if_present(&part).await?;
    } else if let Some(bytes) = file_len(&path).await? {
        progress.note(&format!("checking the SHA-1 of {}", path.display()));
        if sha1_hex(&path).await? == t.sha1 {
            let (resumed_from, already_present) = (0, true);
            return Ok(Fetched {
                path,
                bytes,
                resumed_from,
                already_present,
            });
        }
        let shown = path.display();
        progress.note(&format!(
            "{shown} does not have the published SHA-1; fetching it again"
        ));
    }
    let client = client(t)?;
    let resumed_from = download(&client, t, &part, &mut progress).await?;
    progress.note(&format!("verifying the SHA-1 of {}", t.file));
    let got = sha1_hex(&part).await?;
    if got != t.sha1 {
        remove_if_present(&part).await?;
        let (file, url, expected) = (t.file.to_string(), t.url.clone(), t.sha1.to_string());
        return Err(FetchError::Checksum {
            file,
            url,
            expected,
            got,
        });
    }
    fs::rename(&part, &path)
        .await
        .map_err(disk("rename the download to", &path))?;
    let bytes = file_len(&path).await?.unwrap_or(0);
    Ok(Fetched {
        path,
        bytes,
        resumed_from,
        already_present: false,
    })
}

/// The client: timeouts on connecting and on each read, none overall; loopback skips any proxy,
/// which would otherwise capture the test servers.
fn client(t: &Target<'_>) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("rehearse/", env!("CARGO_PKG_VERSION")));
    let loopback = Url::parse(&t.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    if matches!(
        loopback.as_deref(),
        Some("127.0.0.1" | "localhost" | "[::1]")
    ) {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| FetchError::Client {
        model: t.name.to_string(),
        reason: cause(&e),
    })
}

/// Brings `part` up to the whole file, resuming what is there; returns the offset it resumed from.
/// At most two requests are made: the second only after the first showed the part is unusable.
async fn download(
    client: &reqwest::Client,
    t: &Target<'_>,
    part: &Path,
    progress: &mut Progress,
) -> Result<u64, FetchError> {
    let mut offset = file_len(part).await?.unwrap_or(0);
    for _ in 0..2 {
        let response = request(client, t, offset).await?;
        match response.status() {
            StatusCode::PARTIAL_CONTENT if offset > 0 && range_start(&response) == Some(offset) => {
                progress.note(&format!(
                    "resuming {} at {:.1} MiB",
                    t.name,
                    offset as f64 / MIB
                ));
                write_body(response, t, part, offset, progress).await?;
                return Ok(offset);
            }
            StatusCode::OK => {
                if offset > 0 {
                    progress.note("the server does not resume downloads; starting over");
                }
                write_body(response, t, part, 0, progress).await?;
                return Ok(0);
            }
            // The part already holds at least the whole file: keep it if it is the file.
            StatusCode::RANGE_NOT_SATISFIABLE if offset > 0 => {
                if sha1_hex(part).await? == t.sha1 {
                    return Ok(offset);
                }
                progress.note(&format!(
                    "{} is not a prefix of {}; starting over",
                    part.display(),
                    t.file
                ));
            }
            StatusCode::PARTIAL_CONTENT if offset > 0 => {
                progress.note("the server resumed at the wrong offset; starting over");
            }
            StatusCode::NOT_FOUND => {
                return Err(FetchError::NotFound {
                    url: t.url.clone(),
                    model: t.name.to_string(),
                });
            }
            status => return Err(status_error(t, status)),
        }
        remove_if_present(part).await?;
        offset = 0;
    }
    Err(status_error(t, StatusCode::RANGE_NOT_SATISFIABLE))
}

fn status_error(t: &Target<'_>, status: StatusCode) -> FetchError {
    FetchError::Status {
        url: t.url.clone(),
        model: t.name.to_string(),
        status: status.as_u16(),
    }
}

async fn request(
    client: &reqwest::Client,
    t: &Target<'_>,
    offset: u64,
) -> Result<Response, FetchError> {
    let mut request = client.get(&t.url);
    if offset > 0 {
        request = request.header(RANGE, format!("bytes={offset}-"));
    }
    request.send().await.map_err(|e| FetchError::Unreachable {
        host: t.host(),
        model: t.name.to_string(),
        reason: unreachable_reason(&e),
    })
}

/// The first byte a 206 answer covers, from `Content-Range: bytes FIRST-LAST/TOTAL`.
fn range_start(response: &Response) -> Option<u64> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let spec = value.trim().strip_prefix("bytes")?.trim_start();
    spec.split('-').next()?.trim().parse().ok()
}

/// Streams the body into `part`, appending when `offset` is not zero. A broken stream keeps what
/// arrived, flushed to disk, so the next run can resume from it.
async fn write_body(
    response: Response,
    t: &Target<'_>,
    part: &Path,
    offset: u64,
    progress: &mut Progress,
) -> Result<(), FetchError> {
    let total = response.content_length().map(|n| n + offset);
    let file = if offset == 0 {
        File::create(part).await
    } else {
        OpenOptions::new().append(true).open(part).await
    };
    let mut out = BufWriter::with_capacity(1 << 20, file.map_err(disk("open", part))?);
    progress.start(offset, total);
    let mut got = offset;
    let mut stream = response.bytes_stream();
    let mut broken = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                out.write_all(&bytes).await.map_err(disk("write", part))?;
                got += bytes.len() as u64;
                progress.advance(got);
            }
            Err(e) => {
                broken = Some(stream_reason(&e));
                break;
            }
        }
    }
    out.flush().await.map_err(disk("write", part))?;
    out.get_ref()
        .sync_all()
        .await
        .map_err(disk("write", part))?;
    progress.finish();
    if broken.is_none() && total.is_some_and(|total| got < total) {
        broken = Some("the server closed the connection early".to_string());
    }
    match broken {
        None => Ok(()),
        Some(reason) => Err(FetchError::Interrupted {
            model: t.name.to_string(),
            host: t.host(),
            got,
            part: part.display().to_string(),
            reason,
        }),
    }
}

/// Why no answer came, in words a user can act on.
fn unreachable_reason(e: &reqwest::Error) -> String {
    if e.is_dns() {
        "the host name could not be resolved (offline, or no DNS)".to_string()
    } else if e.is_timeout() {
        format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())
    } else if io_kind(e) == Some(std::io::ErrorKind::ConnectionRefused) {
        "the connection was refused".to_string()
    } else {
        cause(e)
    }
}

fn stream_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no data for {} s", READ_TIMEOUT.as_secs())
    } else {
        cause(e)
    }
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = err.source();
    }
    None
}

/// The innermost cause's text, lower-cased at the start to sit inside a sentence.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map_or(text.clone(), |c| c.to_lowercase().chain(chars).collect())
}

/// The SHA-1 of a whole file, read on a blocking thread in 1 MiB blocks.
async fn sha1_hex(path: &Path) -> Result<String, FetchError> {
    let owned = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut file = std::fs::File::open(&owned)?;
        let (mut hasher, mut buf) = (Sha1::new(), vec![0u8; 1 << 20]);
        loop {
            match file.read(&mut buf)? {
                0 => return Ok(hex(&hasher.finalize())),
                n => hasher.update(&buf[..n]),
            }
        }
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    hashed.map_err(disk("read", path))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The size of a file, or `None` when there is none.
async fn file_len(path: &Path) -> Result<Option<u64>, FetchError> {
    match fs::metadata(path).await {
        Ok(meta) => Ok(Some(meta.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(disk("read", path)(e)),
    }
}

async fn remove_if_present(path: &Path) -> Result<(), FetchError> {
    match fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(disk("delete", path)(e)),
        _ => Ok(()),
    }
}

fn disk(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FetchError {
    let path = path.display().to_string();
    move |source| FetchError::Disk {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
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
        async fn get(&self, sha1: &str, force: bool) -> Result<Fetched, FetchError> {
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
        let start =
            range.and_then(|r| r.strip_prefix("bytes=")?.trim_end_matches('-').parse().ok());
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
            matches!(err, FetchError::Interrupted { got: 120_000, .. }),
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
        assert!(matches!(err, FetchError::Checksum { .. }), "{msg}");
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
        assert!(matches!(err, FetchError::NotFound { .. }), "{msg}");
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
            matches!(err, FetchError::Status { status: 503, .. }),
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
        let start = format!(
            "could not reach 127.0.0.1:{port} to fetch tiny.en: the connection was refused;"
        );
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
}
