//! `rehearse models list | fetch | import | path`.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::print;
use crate::Error;
use crate::cli::ModelsCommand;
use crate::models::{self, catalog, fetch, import, inspect};
use crate::progress::{self, Bar, Unit};
use crate::settings::Settings;

/// Runs one `models` action.
pub fn run(settings: &Settings, action: &ModelsCommand, quiet: bool) -> Result<(), Error> {
    match action {
        ModelsCommand::List => print(&list(settings)),
        ModelsCommand::Fetch { name, force, dir } => {
            let dest = dir
                .clone()
                .unwrap_or_else(|| settings.model_dirs.store.clone());
            fetch_model(settings, name, &dest, *force, quiet)
        }
        ModelsCommand::Import { paths, dir } => {
            let started = Instant::now();
            let dest = dir.as_ref().unwrap_or(&settings.model_dirs.store);
            let summary = import_model(paths, dest, quiet)?;
            let info = inspect::inspect(&summary.output)?;
            let from: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            print(&format!(
                "imported {} from {} to {} ({} tensors, {:.1} MB) in {:.1} s\n",
                info.name(),
                from.join(" and "),
                summary.output.display(),
                info.tensors,
                info.bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            ))
        }
        ModelsCommand::Path { name } => {
            let choice = name.as_deref().or(settings.transcribe.model.as_deref());
            let path = models::resolve(choice, &settings.model_dirs)?;
            inspect::inspect(&path)?;
            print(&format!("{}\n", path.display()))
        }
    }
}

/// Converts the model at `paths` into `dest`, with a progress bar on a terminal unless `quiet`.
fn import_model(
    paths: &[PathBuf],
    dest: &Path,
    quiet: bool,
) -> Result<import::ImportSummary, Error> {
    let bar = Bar::new(progress::on_terminal(quiet), "reading", None, Unit::Bytes);
    let stage = Cell::new("");
    let report = |step| {
        let (label, done, total) = match step {
            import::Step::Reading { done, total } => ("reading the model", done, total),
            import::Step::Writing { done, total } => ("writing the ggml file", done, total),
        };
        if stage.replace(label) != label {
            bar.stage(label, 0, Some(total));
        }
        bar.set(done);
    };
    Ok(import::import_reporting(paths, dest, &report)?)
}

fn fetch_model(
    settings: &Settings,
    name: &str,
    dest: &Path,
    force: bool,
    quiet: bool,
) -> Result<(), Error> {
    let entry = fetch::lookup(name)?;
    let opts = fetch::FetchOptions {
        base_url: settings.models_base_url.clone(),
        force,
        progress: !quiet,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let fetched = runtime.block_on(fetch::fetch(entry, dest, &opts))?;
    let verb = if fetched.already_present {
        "already have"
    } else {
        "fetched"
    };
    print(&format!(
        "{verb} {} at {}\n",
        entry.name,
        fetched.path.display()
    ))
}

fn list(settings: &Settings) -> String {
    let installed = models::installed(&settings.model_dirs);
    let mut out = format!(
        "Models are stored in {}\n\n",
        settings.model_dirs.store.display()
    );
    out += &format!("{:<22} {:>9}  {}\n", "name", "size", "installed");
    for e in catalog::all() {
        let here = settings.model_dirs.find(e.name);
        let mark = here.map_or(String::new(), |p| p.display().to_string());
        out += &format!("{:<22} {:>9}  {}\n", e.name, e.disk, mark);
    }
    let known: Vec<String> = catalog::all()
        .iter()
        .map(|e| models::file_name(e.name))
        .collect();
    let others: Vec<_> = installed
        .iter()
        .filter(|p| {
            !known
                .iter()
                .any(|k| p.file_name().is_some_and(|n| n == k.as_str()))
        })
        .collect();
    if !others.is_empty() {
        out += "\nOther model files:\n";
        for p in others {
            out += &format!("  {}\n", p.display());
        }
    }
    out
}
