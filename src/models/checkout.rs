//! Finds the `models/` folder of a rehearse source checkout, so that a model `scripts/bootstrap` or
//! `models/provision.sh` put there is used without being copied into the data directory.
//!
//! Nothing from the build machine is compiled into the binary: a path baked in at build time would
//! point an installed binary at a folder that may since have moved or gone. Instead a checkout is
//! looked for at run time in two places. The first is the working directory and its ancestors, so
//! `cargo run` and an installed `rehearse` started anywhere inside a checkout use its models. The
//! second is the executable's own location, for a binary cargo built in `<checkout>/target/<profile>/`
//! and started from elsewhere. A folder counts as a checkout only when it holds a `Cargo.toml` whose
//! package is rehearse, so an unrelated `models/` folder, or `~/.cargo` above an installed binary,
//! is never searched.

use std::path::{Path, PathBuf};

/// The `models/` folders of the checkouts around `cwd` and around the executable `exe`, in that
/// order, leaving out repeats and checkouts that have no `models/` folder.
pub fn checkout_models(cwd: Option<&Path>, exe: Option<&Path>) -> Vec<PathBuf> {
    let around_cwd = cwd.and_then(|d| d.ancestors().find(|a| is_checkout(a)));
    let around_exe = exe.and_then(built_in);
    let mut out: Vec<PathBuf> = Vec::new();
    for root in [around_cwd, around_exe].into_iter().flatten() {
        let models = root.join("models");
        if models.is_dir() && !out.contains(&models) {
            out.push(models);
        }
    }
    out
}

/// The checkout an executable was built in: cargo writes it to `<checkout>/target/<profile>/`, so
/// the checkout is two folders above the executable's own.
fn built_in(exe: &Path) -> Option<&Path> {
    let root = exe.parent()?.parent()?.parent()?;
    is_checkout(root).then_some(root)
}

/// True when `dir` holds the `Cargo.toml` of this package.
fn is_checkout(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return false;
    };
    // A manifest that does not parse is not ours; the lookup then goes on to the next place.
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return false;
    };
    manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        == Some(env!("CARGO_PKG_NAME"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder laid out like a checkout of `package`, with an empty `models/`.
    fn checkout(at: &Path, package: &str) -> PathBuf {
        std::fs::create_dir_all(at.join("models")).unwrap();
        let manifest = format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\n");
        std::fs::write(at.join("Cargo.toml"), manifest).unwrap();
        at.join("models")
    }

    #[test]
    fn the_working_directory_or_an_ancestor_is_the_checkout() {
        let tmp = tempfile::tempdir().unwrap();
        let models = checkout(tmp.path(), "rehearse");
        let deep = tmp.path().join("tests/fixtures");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(checkout_models(Some(&deep), None), vec![models.clone()]);
        assert_eq!(checkout_models(Some(tmp.path()), None), vec![models]);
    }

    #[test]
    fn a_binary_in_target_finds_its_checkout_and_an_installed_one_finds_none() {
        let tmp = tempfile::tempdir().unwrap();
        let models = checkout(&tmp.path().join("repo"), "rehearse");
        let built = tmp.path().join("repo/target/release/rehearse");
        assert_eq!(checkout_models(None, Some(&built)), vec![models.clone()]);
        let elsewhere = tempfile::tempdir().unwrap();
        let found = checkout_models(Some(elsewhere.path()), Some(&built));
        assert_eq!(found, vec![models.clone()]);
        let from_inside = checkout_models(Some(&tmp.path().join("repo")), Some(&built));
        assert_eq!(
            from_inside,
            vec![models],
            "the same checkout is searched once"
        );
        let installed = tmp.path().join(".cargo/bin/rehearse");
        assert!(checkout_models(Some(elsewhere.path()), Some(&installed)).is_empty());
    }

    #[test]
    fn other_packages_and_broken_manifests_are_not_checkouts() {
        let tmp = tempfile::tempdir().unwrap();
        checkout(tmp.path(), "something-else");
        assert!(checkout_models(Some(tmp.path()), None).is_empty());
        std::fs::write(tmp.path().join("Cargo.toml"), "[package\n").unwrap();
        assert!(checkout_models(Some(tmp.path()), None).is_empty());
    }
}
