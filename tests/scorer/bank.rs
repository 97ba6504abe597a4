//! The question bank: every built-in question is usable, user files add and override, and a
//! broken file is named in the error.

use crate::{card_for, repo_file};
use rehearse::questions::{Bank, FLAGSHIP, Grade, QuestionError};

#[test]
fn every_builtin_question_scores_a_relevant_answer_above_an_empty_one() {
    let bank = Bank::builtin().unwrap();
    assert!(bank.all().len() >= 8);
    for q in bank.all() {
        let empty = card_for(q, "");
        assert_eq!(empty.overall, 0, "{}", q.id);
        let words: Vec<&str> = q
            .dimensions
            .iter()
            .flat_map(|d| d.evidence.iter().map(|e| e.phrases[0].as_str()))
            .collect();
        let answer = format!(
            "In my experience, what matters is this: {}.",
            words.join(", and then ")
        );
        assert!(card_for(q, &answer).content >= 75, "{}", q.id);
    }
}

#[test]
fn user_questions_add_to_and_override_the_bank() {
    let dir = tempfile::tempdir().unwrap();
    let mine = repo_file("prompts/questions/debug-production-issue.toml").replace(
        "How do you debug a production issue?",
        "Walk me through debugging an outage.",
    );
    std::fs::write(dir.path().join("a.toml"), &mine).unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        mine.replace("id = \"debug-production-issue\"", "id = \"my-outage\""),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a question").unwrap();
    let bank = Bank::load(Some(dir.path())).unwrap();
    assert_eq!(
        bank.get(FLAGSHIP).unwrap().text,
        "Walk me through debugging an outage."
    );
    assert_eq!(bank.all()[0].id, FLAGSHIP);
    assert_eq!(bank.all().last().unwrap().id, "my-outage");
    assert!(bank.origin(FLAGSHIP).unwrap().ends_with("a.toml"));
    std::fs::write(
        dir.path().join("c.toml"),
        mine.replace("id = \"debug-production-issue\"", "id = \"my-outage\""),
    )
    .unwrap();
    assert!(matches!(
        Bank::load(Some(dir.path())),
        Err(QuestionError::Duplicate { .. })
    ));
    assert_eq!(
        Bank::load(Some(&dir.path().join("missing")))
            .unwrap()
            .all()
            .len(),
        Bank::builtin().unwrap().all().len()
    );
}

#[test]
fn a_broken_user_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "id = \"x\"\ntext = \"?\"\nkind = \"story\"\nkeep_in_short = []\ndimension = []\n",
    )
    .unwrap();
    let err = Bank::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("bad.toml") && err.contains("dimension"),
        "{err}"
    );
}

#[test]
fn every_builtin_strong_example_scores_above_every_weak_one() {
    let bank = Bank::builtin().unwrap();
    let mut compared = 0;
    for q in bank.all() {
        let scores = |grade| -> Vec<u8> {
            q.examples
                .iter()
                .filter(|e| e.label == grade)
                .map(|e| card_for(q, &e.text).overall)
                .collect()
        };
        let (strong, weak) = (scores(Grade::Strong), scores(Grade::Weak));
        for s in &strong {
            assert!(
                weak.iter().all(|w| s > w),
                "{}: {strong:?} vs {weak:?}",
                q.id
            );
        }
        compared += usize::from(!strong.is_empty() && !weak.is_empty());
    }
    assert!(
        compared >= 2,
        "only {compared} built-in questions carry both examples"
    );
}

#[test]
fn a_templates_strong_example_scores_well_above_its_weak_one() {
    for kind in ["story", "process", "design"] {
        let raw = repo_file(&format!("prompts/templates/{kind}.toml"));
        let q = rehearse::questions::Question::from_toml(&raw, "t.toml").unwrap();
        let strong = card_for(&q, &q.examples[0].text).overall;
        let weak = card_for(&q, &q.examples[1].text).overall;
        assert!(strong >= weak + 30, "{kind}: {strong} vs {weak}");
    }
}
