//! Whisper models: where they are looked for, how they are fetched, how faster-whisper models are
//! imported, and how a model file is checked before whisper.cpp sees it.
//!
//! The lookup order is the one the README documents: the `--model` flag (a name or a path), the config
//! file's `transcribe.model`, `$REHEARSE_MODEL`, then the data directory and the `models/` folder
//! of a rehearse checkout around the working directory or the executable ([`checkout`]). A name is
//! looked up as `ggml-<name>.bin` in those folders.

pub mod catalog;
pub mod checkout;
pub mod error;
pub mod fetch;
pub mod import;
pub mod inspect;

use std::path::{Path, PathBuf};

pub use error::ModelError;

/// The model used when nothing names one: small, fast, and the one CI provisions.
pub const DEFAULT_MODEL: &str = "tiny.en";

/// Names tried, in order, when no model is named anywhere: the English models from small to large,
/// then the multilingual ones.
const PREFERRED: [&str; 6] = ["tiny.en", "base.en", "small.en", "tiny", "base", "small"];

/// Where models are looked for.
#[derive(Debug, Clone)]
pub struct ModelDirs {
    /// Where `fetch` and `import` write: the data directory's `models/` unless configured.
    pub store: PathBuf,
    /// Other folders searched after `store`: the `models/` of the checkouts [`checkout`] finds.
    pub extra: Vec<PathBuf>,
}

impl ModelDirs {
    /// Every folder searched, in order.
    pub fn all(&self) -> impl Iterator<Item = &Path> {
        std::iter::once(self.store.as_path()).chain(self.extra.iter().map(PathBuf::as_path))
    }

    /// The path of `ggml-<name>.bin` in the first folder that has it.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        let file = file_name(name);
        self.all().map(|d| d.join(&file)).find(|p| p.is_file())
    }
}

/// The ggml file name of a model name: `tiny.en` gives `ggml-tiny.en.bin`.
pub fn file_name(name: &str) -> String {
    let name = name.trim_start_matches("ggml-").trim_end_matches(".bin");
    format!("ggml-{name}.bin")
}

/// True when `choice` reads as a path rather than a model name.
fn looks_like_path(choice: &str) -> bool {
    choice.contains(std::path::MAIN_SEPARATOR) || choice.contains('/') || choice.ends_with(".bin")
}

/// Finds the model file: `choice` is the first of flag, config and `$REHEARSE_MODEL` that is set.
pub fn resolve(choice: Option<&str>, dirs: &ModelDirs) -> Result<PathBuf, ModelError> {
    let searched = || dirs.all().map(Path::to_path_buf).collect();
    match choice {
        Some(c) if looks_like_path(c) || Path::new(c).is_file() => {
            let p = PathBuf::from(c);
            if p.is_file() {
                Ok(p)
            } else {
                Err(ModelError::NoSuchFile(p))
            }
        }
        Some(name) => dirs.find(name).ok_or_else(|| ModelError::NotInstalled {
            name: name.to_string(),
            searched: searched(),
        }),
        None => PREFERRED
            .iter()
            .find_map(|n| dirs.find(n))
            .or_else(|| any_model(dirs))
            .ok_or_else(|| ModelError::NoneInstalled {
                searched: searched(),
            }),
    }
}

/// The first `ggml-*.bin` in any folder, by name, for models outside the preferred list.
fn any_model(dirs: &ModelDirs) -> Option<PathBuf> {
    dirs.all().find_map(|d| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(d)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.starts_with("ggml-") && n.ends_with(".bin") && p.is_file()
            })
            .collect();
        found.sort();
        found.into_iter().next()
    })
}

/// Every installed model file in the searched folders, with the folder order kept.
pub fn installed(dirs: &ModelDirs) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs.all() {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "bin") && p.is_file())
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(store: &Path, extra: &Path) -> ModelDirs {
        ModelDirs {
            store: store.to_path_buf(),
            extra: vec![extra.to_path_buf()],
        }
    }

    #[test]
    fn names_map_to_files() {
        assert_eq!(file_name("tiny.en"), "ggml-tiny.en.bin");
        assert_eq!(file_name("ggml-base.bin"), "ggml-base.bin");
    }

    #[test]
    fn lookup_follows_the_documented_order() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let d = dirs(a.path(), b.path());
        assert!(matches!(
            resolve(None, &d),
            Err(ModelError::NoneInstalled { .. })
        ));
        std::fs::write(b.path().join("ggml-base.en.bin"), b"x").unwrap();
        assert_eq!(
            resolve(None, &d).unwrap(),
            b.path().join("ggml-base.en.bin")
        );
        std::fs::write(a.path().join("ggml-tiny.en.bin"), b"x").unwrap();
        assert_eq!(
            resolve(None, &d).unwrap(),
            a.path().join("ggml-tiny.en.bin")
        );
        assert_eq!(
            resolve(Some("base.en"), &d).unwrap(),
            b.path().join("ggml-base.en.bin")
        );
    }

    #[test]
    fn a_missing_name_says_how_to_get_it() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let msg = resolve(Some("small.en"), &dirs(a.path(), b.path()))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("rehearse models fetch small.en"), "{msg}");
    }

    #[test]
    fn a_missing_path_is_named() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let msg = resolve(Some("/nowhere/ggml-x.bin"), &dirs(a.path(), b.path()))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("/nowhere/ggml-x.bin"), "{msg}");
    }
}
