//! The outputs of `score` and `practice` on the bundled sample and the scorer fixtures, as they were
//! before the one-way architecture step (kept in `tests/fixtures/before/`). The step moves code,
//! not behaviour, so every byte must stay the same; the fixtures go once the step is done.
//!
//! What differs from run to run is normalised on both sides: the data folder, the repository's
//! own path, the session folder's name (its start time) and the measured end latency.

use std::path::Path;
use std::process::Command;

use super::util::{assert_ok, rehearse, root};

/// The question a fixture answers: the one whose id starts with the same two words, else the
/// flagship.
fn question_of(name: &str, ids: &[String]) -> String {
    let head = |s: &str| s.split('-').take(2).collect::<Vec<_>>().join("-");
    ids.iter()
        .find(|id| head(id) == head(name))
        .cloned()
        .unwrap_or_else(|| "debug-production-issue".into())
}

/// `text` with the run's own paths, session name and latency replaced by placeholders.
fn normalise(text: &str, data: &Path) -> String {
    let text = text
        .replace(&data.display().to_string(), "<data>")
        .replace(&format!("{}/", root().display()), "<root>/");
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        if let Some(at) = line.find("\"final_latency_ms\": ") {
            let start = at + "\"final_latency_ms\": ".len();
            let end = start + line[start..].bytes().take_while(u8::is_ascii_digit).count();
            line.replace_range(start..end, "0");
        }
        let marker = "<data>/sessions/";
        if let Some(at) = line.find(marker) {
            let start = at + marker.len();
            let end = start + line[start..].find(['/', '"']).unwrap_or(line.len() - start);
            line.replace_range(start..end, "<session>");
        }
        out += &line;
    }
    out
}

/// Runs `rehearse args` from the repository root and checks its normalised output against the
/// fixture `name`.
fn check(cmd: &mut Command, data: &Path, name: &str, mismatches: &mut Vec<String>) {
    let out = cmd.current_dir(root()).output().expect("rehearse runs");
    assert_ok(&out);
    let now = normalise(&String::from_utf8_lossy(&out.stdout), data);
    let path = root().join("tests/fixtures/before").join(name);
    let before = std::fs::read_to_string(&path).expect("the fixture is readable");
    if now != before {
        let line = now
            .lines()
            .zip(before.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(now.lines().count().min(before.lines().count()));
        mismatches.push(format!("{name} differs from line {}", line + 1));
    }
}

#[test]
fn score_outputs_of_the_fixtures_are_unchanged() {
    let data = tempfile::tempdir().unwrap();
    let questions = rehearse(data.path())
        .args(["questions", "--format", "json"])
        .output()
        .unwrap();
    assert_ok(&questions);
    let list: serde_json::Value = serde_json::from_slice(&questions.stdout).unwrap();
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    let mut mismatches = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/answers"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 18, "the fixtures are there");
    for name in names {
        let q = question_of(&name, &ids);
        let file = format!("tests/fixtures/answers/{name}.txt");
        for format in ["json", "text", "markdown"] {
            let mut cmd = rehearse(data.path());
            cmd.args(["score", "--no-save", "-Q", &q, "--format", format, &file]);
            check(
                &mut cmd,
                data.path(),
                &format!("score-{name}.{format}"),
                &mut mismatches,
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn score_and_practice_of_the_sample_are_unchanged() {
    let data = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for format in ["json", "text"] {
        let mut cmd = rehearse(data.path());
        cmd.args([
            "score",
            "--no-save",
            "--format",
            format,
            "samples/answer.flac",
        ]);
        check(
            &mut cmd,
            data.path(),
            &format!("score-sample.{format}"),
            &mut mismatches,
        );
    }
    let mut cmd = rehearse(data.path());
    cmd.args([
        "practice",
        "--plain",
        "--input",
        "samples/answer.flac",
        "--speed",
        "0",
        "--format",
        "json",
    ])
    .stdin(std::process::Stdio::null());
    check(
        &mut cmd,
        data.path(),
        "practice-sample.json",
        &mut mismatches,
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
