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
    &["progress"],
    &["net"],
    &["audio"],
    &["models"],
    &["transcribe"],
    &["questions"],
    &["score"],
    &["interview"],
    &["job"],
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
    let code = without_comments(code);
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

/// `code` with every `//` comment cut off, so that paths named in prose do not count.
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
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

/// The names `models` defines outside its importer: its other modules and every item its `mod.rs`
/// declares, private ones included, since a child module may reach those too.
fn models_names(models: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(models).expect("src/models/ is readable") {
        let path = entry.expect("src/models/ lists").path();
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            names.insert(stem.to_string());
        }
    }
    let root = std::fs::read_to_string(models.join("mod.rs")).expect("models/mod.rs reads");
    const KINDS: [&str; 7] = [
        "fn ", "struct ", "enum ", "const ", "static ", "type ", "mod ",
    ];
    for line in without_comments(&root).lines() {
        let line = line.trim_start().trim_start_matches("pub ");
        for rest in KINDS.iter().filter_map(|k| line.strip_prefix(k)) {
            names.insert(ident(rest).to_string());
        }
    }
    for own in ["mod", "import", "tests"] {
        names.remove(own);
    }
    names
}

/// The first names after each `super::` chain in `code` (the heads of a brace group count).
fn names_after_super(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code = without_comments(code);
    let mut rest = code.as_str();
    while let Some(at) = rest.find("super::") {
        rest = &rest[at..];
        while let Some(tail) = rest.strip_prefix("super::") {
            rest = tail;
        }
        match rest.strip_prefix('{') {
            Some(group) => out.extend(group_heads(group)),
            None => {
                out.insert(ident(rest).to_string());
            }
        }
    }
    out
}

/// `models::import` is a subsystem: it reaches nothing of `models` outside itself and the rest of
/// `models` reaches nothing inside it, so the two can never import each other in a cycle.
#[test]
fn the_importer_and_the_rest_of_models_stay_apart() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/models");
    let import = models.join("import");
    let outside = models_names(&models);
    let mut wrong = Vec::new();
    for file in rust_files(&models) {
        let code = std::fs::read_to_string(&file).expect("a source file reads");
        let name = file.strip_prefix(&models).unwrap_or(&file).display();
        if file.starts_with(&import) {
            let crate_paths = without_comments(&code).replace("crate::models::import", "");
            if crate_paths.contains("crate::models") {
                wrong.push(format!("{name} names crate::models outside the importer"));
            }
            for used in names_after_super(&code).intersection(&outside) {
                wrong.push(format!("{name} reaches `{used}` of models through super::"));
            }
        } else if without_comments(&code).contains("import::") {
            wrong.push(format!("{name} reaches into models::import"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(outside.contains("inspect") && outside.contains("ModelDirs"));
}
