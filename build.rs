//! Build script: finds the external programs and files some tests need, and sets
//! `cfg(missing = "NAME")` for each one that is absent, so those tests carry
//! `#[cfg_attr(missing = "NAME", ignore = "...")]` and are listed as ignored instead of passing
//! without testing anything. Under `CI` nothing is marked missing: CI provisions everything
//! (`scripts/bootstrap`), so there a missing tool must fail its tests, loudly, rather than hide.
//!
//! The search is the tests' own (`src/testkit/locate.rs`), so the two cannot disagree.

#[path = "src/testkit/locate.rs"]
mod locate;

use std::path::Path;

/// Every name `missing` can take; Cargo checks each `cfg(missing = ...)` in the code against it.
const NAMES: [&str; 5] = [
    "espeak-ng",
    "sox",
    "ffmpeg",
    "chromium",
    "faster-whisper-wheel",
];

fn main() {
    let values: Vec<String> = NAMES.iter().map(|n| format!("\"{n}\"")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(missing, values({}))",
        values.join(", ")
    );
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/testkit/locate.rs");
    for var in [
        "CI",
        "PATH",
        "REHEARSE_TEST_WHEEL",
        "XDG_CACHE_HOME",
        "HOME",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    watch_where_things_appear();
    if in_ci() {
        return;
    }
    let found = [
        locate::on_path("espeak-ng").is_some(),
        locate::on_path("sox").is_some(),
        locate::on_path("ffmpeg").is_some(),
        locate::CHROMIUM
            .into_iter()
            .any(|c| locate::on_path(c).is_some()),
        locate::cached_wheel().is_some(),
    ];
    for (name, _) in NAMES.iter().zip(found).filter(|(_, found)| !found) {
        println!("cargo::rustc-cfg=missing=\"{name}\"");
        println!(
            "cargo::warning=the tests that need {name} are ignored: it is not installed (scripts/bootstrap installs it)"
        );
    }
}

/// Whether this is a CI run, by the variable every CI service sets.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Asks Cargo to run this script again when a folder a tool or the wheel would land in changes,
/// so installing one turns its tests back on. Only folders that exist are named: Cargo reruns a
/// script on every build while a path it watches is absent, and that would rebuild the crate
/// every time.
fn watch_where_things_appear() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(locate::wheel_cache());
    for dir in dirs.filter(|d| d.is_absolute() && Path::new(d).is_dir()) {
        println!("cargo::rerun-if-changed={}", dir.display());
    }
}
