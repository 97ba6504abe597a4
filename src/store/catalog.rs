//! Reading the session store: every session folder under the sessions directory, summed up.
//!
//! Listing never fails because of one bad folder. A folder whose `summary.json` is missing or
//! unreadable is rebuilt from its answers' own files (each written atomically, so each is whole or
//! absent); a folder with nothing readable in it is skipped with a warning naming it and saying why.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::StoreError;
use super::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};
use crate::score::ScoreReport;

/// A session found in the store.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its folder.
    pub dir: PathBuf,
    /// What it holds.
    pub summary: SessionSummary,
}

impl Entry {
    /// The folder's name, which identifies the session.
    pub fn id(&self) -> String {
        self.dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

/// Every readable session, oldest first, and a warning for each folder that was not.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The sessions, oldest first.
    pub entries: Vec<Entry>,
    /// One sentence per folder skipped or repaired.
    pub warnings: Vec<String>,
}

impl Catalog {
    /// Reads every session folder under `root`; a missing `root` is an empty store.
    pub fn load(root: &Path) -> Catalog {
        let mut catalog = Catalog::default();
        let Ok(dirs) = fs::read_dir(root) else {
            return catalog;
        };
        let mut dirs: Vec<PathBuf> = dirs
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            match read(&dir) {
                Ok((summary, warning)) => {
                    catalog.warnings.extend(warning);
                    catalog.entries.push(Entry { dir, summary });
                }
                Err(why) => catalog
                    .warnings
                    .push(format!("skipped {}: {why}", dir.display())),
            }
        }
        catalog.entries.sort_by(|a, b| {
            a.summary
                .started
                .cmp(&b.summary.started)
                .then(a.dir.cmp(&b.dir))
        });
        catalog
    }

    /// The session whose folder name is `id` or starts with it (a unique prefix), else the latest.
    pub fn find(&self, id: Option<&str>) -> Result<&Entry, StoreError> {
        let Some(id) = id else {
            return self.entries.last().ok_or(StoreError::Empty);
        };
        let id = id.trim_end_matches('/');
        let id = Path::new(id)
            .file_name()
            .map_or(id.to_string(), |n| n.to_string_lossy().into_owned());
        // A whole name wins over longer names it begins ("…-issue" and "…-issue-2").
        if let Some(exact) = self.entries.iter().find(|e| e.id() == id) {
            return Ok(exact);
        }
        let hits: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.id().starts_with(&id))
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(StoreError::NotFound { id }),
            many => Err(StoreError::Ambiguous {
                count: many.len(),
                first: many[0].id(),
                id,
            }),
        }
    }
}

/// A folder's summary, and a warning when it had to be rebuilt.
fn read(dir: &Path) -> Result<(SessionSummary, Option<String>), String> {
    let path = dir.join("summary.json");
    let problem = match fs::read_to_string(&path) {
        Ok(text) => match serde_json::from_str::<SessionSummary>(&text) {
            Ok(mut s) => {
                add_unlisted(dir, &mut s);
                return Ok((s, None));
            }
            Err(e) => format!("summary.json is unreadable ({e})"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => format!("summary.json cannot be read ({e})"),
    };
    match rebuild(dir) {
        Ok(s) if problem.is_empty() => Ok((s, None)),
        Ok(s) => Ok((
            s,
            Some(format!(
                "{}: {problem}; rebuilt from its answers",
                dir.display()
            )),
        )),
        Err(why) if problem.is_empty() => Err(why),
        Err(why) => Err(format!("{problem}, and {why}")),
    }
}

/// Adds answers whose files are on disk but not yet in the summary: a session stopped between
/// saving an answer and rewriting its summary.
fn add_unlisted(dir: &Path, summary: &mut SessionSummary) {
    let listed = summary.answers.iter().map(|a| a.n).max().unwrap_or(0);
    let Ok(files) = fs::read_dir(dir) else { return };
    let mut extra: Vec<(usize, PathBuf)> = files
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| answer_number(&p).map(|n| (n, p)))
        .filter(|(n, _)| *n > listed)
        .collect();
    extra.sort();
    for (n, path) in extra {
        if let Ok((report, _)) = read_answer(&path) {
            summary.answers.push(answer_summary(dir, n, &path, &report));
            summary.complete = false;
        }
    }
}

fn answer_summary(dir: &Path, n: usize, path: &Path, report: &ScoreReport) -> AnswerSummary {
    let file = path
        .file_name()
        .map_or(String::new(), |f| f.to_string_lossy().into_owned());
    let mut a = AnswerSummary::new(n, "answer", &report.score.question_text, &file, report);
    let wav = dir.join(format!("answer-{n}.wav"));
    a.audio = wav.is_file().then(|| format!("answer-{n}.wav"));
    a
}

/// A summary from the answer files alone.
fn rebuild(dir: &Path) -> Result<SessionSummary, String> {
    let mut files: Vec<(usize, PathBuf)> = fs::read_dir(dir)
        .map_err(|e| format!("it cannot be read ({e})"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| answer_number(&p).map(|n| (n, p)))
        .collect();
    files.sort();
    let name = dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let started = name.get(..15).unwrap_or("").to_string();
    let mut summary = SessionSummary::new(Kind::Score, &started, "", UsedSettings::default());
    let mut unreadable = Vec::new();
    for (n, path) in files {
        match read_answer(&path) {
            Ok((report, practice)) => {
                if practice {
                    summary.kind = Kind::Practice;
                }
                summary.question = report.score.question.clone();
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                let mut a =
                    AnswerSummary::new(n, "answer", &report.score.question_text, &file, &report);
                let wav = dir.join(format!("answer-{n}.wav"));
                a.audio = wav.is_file().then(|| format!("answer-{n}.wav"));
                summary.answers.push(a);
            }
            Err(e) => unreadable.push(format!("{} ({})", path.display(), cause(&e))),
        }
    }
    if summary.answers.is_empty() {
        return Err(match unreadable.first() {
            Some(u) => format!("no answer in it can be read: {u}"),
            None => "it holds no scored answer".into(),
        });
    }
    Ok(summary)
}

/// What a store error says beyond the file it names.
fn cause(e: &StoreError) -> String {
    match e {
        StoreError::Unreadable { source, .. } => source.to_string(),
        StoreError::NotJson { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// `n` for `answer-n.json`.
fn answer_number(path: &Path) -> Option<usize> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("answer-")?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

/// The report in an answer file: a practice answer (`{"report": …}`) or a bare score report.
/// Returns whether it was a practice answer.
pub fn read_answer(path: &Path) -> Result<(ScoreReport, bool), StoreError> {
    let not_json = |source| StoreError::NotJson {
        path: path.to_path_buf(),
        source,
    };
    let text = fs::read_to_string(path).map_err(|source| StoreError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_json)?;
    let practice = value.get("report").is_some();
    let report = if practice { &value["report"] } else { &value };
    let report = ScoreReport::deserialize(report).map_err(not_json)?;
    Ok((report, practice))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            dir: PathBuf::from("/s").join(name),
            summary: SessionSummary::new(Kind::Score, &name[..15], "q", UsedSettings::default()),
        }
    }

    #[test]
    fn sessions_are_found_by_whole_name_or_unique_beginning() {
        let c = Catalog {
            entries: vec![
                entry("20261129-002656-q"),
                entry("20261129-002656-q-2"),
                entry("20261130-010101-q"),
            ],
            warnings: vec![],
        };
        assert_eq!(
            c.find(Some("20261129-002656-q")).unwrap().id(),
            "20261129-002656-q"
        );
        assert_eq!(
            c.find(Some("20261129-002656-q-2/")).unwrap().id(),
            "20261129-002656-q-2"
        );
        assert_eq!(c.find(Some("20261130")).unwrap().id(), "20261130-010101-q");
        assert!(
            c.find(Some("20261129"))
                .unwrap_err()
                .to_string()
                .contains("matches 2 sessions")
        );
        assert!(
            c.find(Some("2027"))
                .unwrap_err()
                .to_string()
                .contains("there is no session")
        );
        assert_eq!(c.find(None).unwrap().id(), "20261130-010101-q");
    }
}
