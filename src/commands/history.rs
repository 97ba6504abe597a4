//! `rehearse history` and `rehearse delete`, and the audio retention rule applied before the
//! commands that add sessions: the session store as the user sees it.

use std::time::Duration;

use crate::Error;
use crate::questions::Bank;
use crate::report::{self, Format};
use crate::settings::Settings;
use crate::store::{Catalog, Entry, StoreError, history, retention};

/// Loads the store, printing a warning for each folder skipped or repaired.
pub fn load(settings: &Settings, quiet: bool) -> Catalog {
    let catalog = Catalog::load(&settings.store.sessions_dir);
    if !quiet {
        for w in &catalog.warnings {
            eprintln!("rehearse: warning: {w}");
        }
    }
    catalog
}

/// `rehearse history [--question ID]`.
pub fn run(settings: &Settings, question: Option<&str>, quiet: bool) -> Result<String, Error> {
    let catalog = load(settings, quiet);
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    match question {
        None => Ok(report::history::sessions(
            &catalog,
            &bank,
            &settings.store.sessions_dir,
            settings.format,
        )),
        Some(id) => {
            let q = super::find_question(&bank, Some(id), settings)?;
            let h = history::history(&catalog.entries, q);
            Ok(match settings.format {
                Format::Json => report::json(&h),
                _ => report::history::question(&h, q),
            })
        }
    }
}

/// `rehearse delete`: whole sessions, or only their recordings.
pub fn delete(
    settings: &Settings,
    ids: &[String],
    older_than: Option<Duration>,
    audio_only: bool,
    quiet: bool,
) -> Result<String, Error> {
    let catalog = load(settings, quiet);
    let mut chosen: Vec<&Entry> = Vec::new();
    for id in ids {
        chosen.push(catalog.find(Some(id))?);
    }
    if let Some(age) = older_than {
        chosen.extend(catalog.entries.iter().filter(|e| retention::older(e, age)));
    }
    if ids.is_empty() && older_than.is_none() {
        return Err(StoreError::NothingNamed.into());
    }
    let mut out = String::new();
    for e in chosen {
        if audio_only {
            let n = retention::delete_audio(e)?;
            out += &format!("deleted {n} recording(s) of {}\n", e.id());
        } else {
            retention::delete_session(e)?;
            out += &format!("deleted {}\n", e.id());
        }
    }
    if out.is_empty() {
        out = "nothing to delete\n".into();
    }
    Ok(out)
}

/// Applies `[practice] keep_audio_days`, when it is set.
pub fn apply_retention(settings: &Settings) {
    if let Some(days) = settings.store.keep_audio_days {
        retention::apply(&settings.store.sessions_dir, days);
    }
}
