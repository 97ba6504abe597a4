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
use super::error::{Breakoff, DiskAction, ModelError, NoAnswer};

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

/// Looks a name up in the catalogue, or says which names exist.
pub fn lookup(name: &str) -> Result<&'static CatalogEntry, ModelError> {
    catalog::find(name).ok_or_else(|| ModelError::UnknownModel {
        name: name.to_string(),
        known: catalog::names(),
    })
}

/// Downloads `entry` into `dest_dir` (created if missing) and verifies it.
pub async fn fetch(
    entry: &CatalogEntry,
    dest_dir: &Path,
    opts: &FetchOptions,
) -> Result<Fetched, ModelError> {
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
) -> Result<Fetched, ModelError> {
    fs::create_dir_all(dest_dir)
        .await
        .map_err(disk(DiskAction::CreateFolder, dest_dir))?;
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
        return Err(ModelError::Checksum {
            file,
            url,
            expected,
            got,
        });
    }
    fs::rename(&part, &path)
        .await
        .map_err(disk(DiskAction::Rename, &path))?;
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
fn client(t: &Target<'_>) -> Result<reqwest::Client, ModelError> {
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
    builder.build().map_err(|error| ModelError::HttpClient {
        model: t.name.to_string(),
        error,
    })
}

/// Brings `part` up to the whole file, resuming what is there; returns the offset it resumed from.
/// At most two requests are made: the second only after the first showed the part is unusable.
async fn download(
    client: &reqwest::Client,
    t: &Target<'_>,
    part: &Path,
    progress: &mut Progress,
) -> Result<u64, ModelError> {
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
                return Err(ModelError::NotOnServer {
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

fn status_error(t: &Target<'_>, status: StatusCode) -> ModelError {
    ModelError::HttpStatus {
        url: t.url.clone(),
        model: t.name.to_string(),
        status: status.as_u16(),
    }
}

async fn request(
    client: &reqwest::Client,
    t: &Target<'_>,
    offset: u64,
) -> Result<Response, ModelError> {
    let mut request = client.get(&t.url);
    if offset > 0 {
        request = request.header(RANGE, format!("bytes={offset}-"));
    }
    request.send().await.map_err(|e| ModelError::Unreachable {
        host: t.host(),
        model: t.name.to_string(),
        why: no_answer(e),
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
) -> Result<(), ModelError> {
    let total = response.content_length().map(|n| n + offset);
    let file = if offset == 0 {
        File::create(part).await
    } else {
        OpenOptions::new().append(true).open(part).await
    };
    let mut out = BufWriter::with_capacity(1 << 20, file.map_err(disk(DiskAction::Open, part))?);
    progress.start(offset, total);
    let mut got = offset;
    let mut stream = response.bytes_stream();
    let mut broken = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                out.write_all(&bytes)
                    .await
                    .map_err(disk(DiskAction::Write, part))?;
                got += bytes.len() as u64;
                progress.advance(got);
            }
            Err(e) => {
                broken = Some(breakoff(e));
                break;
            }
        }
    }
    out.flush().await.map_err(disk(DiskAction::Write, part))?;
    out.get_ref()
        .sync_all()
        .await
        .map_err(disk(DiskAction::Write, part))?;
    progress.finish();
    if broken.is_none() && total.is_some_and(|total| got < total) {
        broken = Some(Breakoff::ClosedEarly);
    }
    match broken {
        None => Ok(()),
        Some(why) => Err(ModelError::Interrupted {
            model: t.name.to_string(),
            host: t.host(),
            got,
            part: part.to_path_buf(),
            why,
        }),
    }
}

/// Why no answer came, in words a user can act on.
fn no_answer(e: reqwest::Error) -> NoAnswer {
    if e.is_dns() {
        NoAnswer::Dns
    } else if e.is_timeout() {
        NoAnswer::Timeout {
            secs: CONNECT_TIMEOUT.as_secs(),
        }
    } else if io_kind(&e) == Some(std::io::ErrorKind::ConnectionRefused) {
        NoAnswer::Refused
    } else {
        NoAnswer::Other(e)
    }
}

/// Why the body stopped coming.
fn breakoff(e: reqwest::Error) -> Breakoff {
    if e.is_timeout() {
        Breakoff::Stalled {
            secs: READ_TIMEOUT.as_secs(),
        }
    } else {
        Breakoff::Other(e)
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

/// The SHA-1 of a whole file, read on a blocking thread in 1 MiB blocks.
async fn sha1_hex(path: &Path) -> Result<String, ModelError> {
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
    hashed.map_err(disk(DiskAction::Read, path))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The size of a file, or `None` when there is none.
async fn file_len(path: &Path) -> Result<Option<u64>, ModelError> {
    match fs::metadata(path).await {
        Ok(meta) => Ok(Some(meta.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(disk(DiskAction::Read, path)(e)),
    }
}

async fn remove_if_present(path: &Path) -> Result<(), ModelError> {
    match fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(disk(DiskAction::Delete, path)(e))
        }
        _ => Ok(()),
    }
}

fn disk(action: DiskAction, path: &Path) -> impl FnOnce(std::io::Error) -> ModelError {
    let path = path.to_path_buf();
    move |source| ModelError::Disk {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests;
