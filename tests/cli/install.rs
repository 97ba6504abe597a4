//! An installed `rehearse`: a copy of the binary in a folder outside the repository, run from a
//! working directory outside it too, as `cargo install --path .` leaves it in `~/.cargo/bin`. It
//! must find its model in the data directory, carry its questions inside it, and when there is no
//! model say where it looked, naming no folder of the machine it was built on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::util::*;

/// A copy of the built binary in `tmp/bin/`, where nothing above it is a checkout of rehearse.
pub fn install(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("rehearse");
    std::fs::copy(env!("CARGO_BIN_EXE_rehearse"), &exe).expect("the binary can be copied");
    exe
}

/// Runs `cmd`, trying again while the kernel calls the fresh copy busy (see [`when_not_busy`]).
fn output(cmd: &mut Command) -> Output {
    when_not_busy(|| cmd.output())
}

/// Starts a fresh copy of the binary with `start`, trying again while the kernel calls it busy: a
/// process another test thread forks while the copy is being written holds it open for writing
/// until that process starts its own program, and until then the copy cannot be run.
pub fn when_not_busy<T>(mut start: impl FnMut() -> std::io::Result<T>) -> T {
    for _ in 0..100 {
        match start() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            result => return result.expect("the installed binary runs"),
        }
    }
    panic!("the copied binary stayed busy for 5 s");
}

/// The folders of one test: the data directory and a working directory, both fresh.
fn folders(tmp: &Path) -> (PathBuf, PathBuf) {
    let (data, work) = (tmp.join("data"), tmp.join("work"));
    std::fs::create_dir_all(data.join("models")).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    (data, work)
}

#[test]
fn an_installed_binary_finds_its_model_in_the_data_directory_and_carries_its_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(tmp.path());
    let (data, work) = folders(tmp.path());
    let model = data.join("models/ggml-tiny.en.bin");
    std::os::unix::fs::symlink(root().join("models/ggml-tiny.en.bin"), &model).unwrap();
    let answer = root().join("tests/fixtures/answers/flagship-star.txt");
    std::fs::copy(answer, work.join("answer.txt")).unwrap();
    let run = |args: &[&str]| {
        output(
            rehearse_binary(&exe, &data, "")
                .current_dir(&work)
                .args(args),
        )
    };

    let path = run(&["models", "path"]);
    assert_ok(&path);
    let printed = String::from_utf8(path.stdout).unwrap();
    assert_eq!(printed.trim_end(), model.display().to_string());

    let questions = run(&["questions"]);
    assert_ok(&questions);
    let listed = String::from_utf8(questions.stdout).unwrap();
    assert!(listed.contains("debug-production-issue"), "{listed}");

    let score = run(&["score", "--no-save", "answer.txt"]);
    assert_ok(&score);
    let report = String::from_utf8(score.stdout).unwrap();
    assert!(report.contains("Overall: "), "{report}");
}

#[test]
fn with_no_model_anywhere_an_installed_binary_says_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(tmp.path());
    let (data, work) = folders(tmp.path());
    let out = output(
        rehearse_binary(&exe, &data, "")
            .current_dir(&work)
            .args(["models", "path"]),
    );
    let err = fails_with(&out, "no Whisper model is installed");
    let store = data.join("models").display().to_string();
    assert!(err.contains(&format!("(looked in {store})")), "{err}");
    let built = Path::new(env!("CARGO_BIN_EXE_rehearse"));
    for build_path in [root(), built.parent().unwrap().to_path_buf()] {
        let build_path = build_path.display().to_string();
        assert!(!err.contains(&build_path), "{build_path} is in: {err}");
    }

    // The same binary started inside the checkout uses the checkout's own model.
    let out = output(
        rehearse_binary(&exe, &data, "")
            .current_dir(root().join("tests"))
            .args(["models", "path"]),
    );
    assert_ok(&out);
    let printed = String::from_utf8(out.stdout).unwrap();
    let repo_model = root().join("models/ggml-tiny.en.bin");
    assert_eq!(printed.trim_end(), repo_model.display().to_string());
}
