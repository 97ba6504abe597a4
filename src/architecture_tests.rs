//! Keeps the layering of `ARCHITECTURE.md` true: every top-level module imports only modules of a
//! lower layer, so data flows one way and no two modules import each other.
//!
//! The check reads the source files rather than trusting a tool that may not be installed: every
//! `crate::NAME` path outside comments counts, whether in a `use` line, a brace group
//! (`use crate::{audio, score::Delivery}`) or an inline path (`crate::units::mmss(..)`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers from the bottom up. A module may import the crate root and any module of a lower
/// layer; modules of one layer may not import each other.
const LAYERS: &[&[&str]] = &[
    &["units", "logging", "text", "testkit"],
    &["audio"],
    &["models"],
    &["transcribe"],
    &["questions"],
    &["score"],
    &["interview"],
    &["store"],
    &["session"],
    &["report"],
    &["screen"],
    &["config"],
    &["cli"],
    &["settings"],
    &["error"],
    &["commands"],
];

/// The layer of a top-level module, if the table names it.
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ lists").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The top-level module a file belongs to (`src/score/card.rs` -> `score`); `None` for the crate
/// root, `main.rs` and this check.
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "architecture_tests")).then(|| name.to_string())
}

/// The top-level modules a piece of code names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `$crate::` in a macro and `my_crate::` are not this crate's paths.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            out.insert(ident(rest).to_string());
        }
    }
    out.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_lowercase()));
    out
}

/// The first segment of each path in a brace group, up to its closing brace.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && !c.is_whitespace() => {
                start = false;
                heads.push(ident(&group[i..]).to_string());
            }
            _ => {}
        }
    }
    heads
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

#[test]
fn modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for file in rust_files(&src) {
        let Some(module) = owner(&src, &file) else {
            continue;
        };
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "module `{module}` is in no layer of src/architecture_tests.rs"
            ));
            continue;
        };
        let code = std::fs::read_to_string(&file).expect("a source file reads");
        for used in imports(&code) {
            checked += 1;
            if used == module || used == "error_chain" || used == "Error" {
                continue;
            }
            match layer(&used) {
                Some(l) if l < own => {}
                _ => wrong.push(format!(
                    "{} imports crate::{used}, which is not below `{module}`",
                    file.strip_prefix(&src).unwrap_or(&file).display()
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A check that found nothing to check would pass whatever the code did.
    assert!(checked > 100, "only {checked} imports were found in src/");
}

#[test]
fn every_import_form_is_seen() {
    let code = "use crate::{audio::vad, score::{Delivery, card}};\n\
                // crate::commands in a comment\n\
                let x = crate::units::mmss(d); $crate::report::x; my_crate::store::y;";
    let found: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(found, ["audio", "score", "units"]);
}
