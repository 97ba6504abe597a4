//! The score's anchors, as the README describes them: an example answer for 30, 50, 70 and 90
//! (`tests/fixtures/anchors/`), each scoring within a few points of its anchor.

use crate::{card_for, flagship, repo_file};

/// How far an example may land from its anchor.
const SLACK: i32 = 7;

#[test]
fn each_anchor_example_scores_near_its_anchor() {
    for anchor in [30, 50, 70, 90] {
        let text = repo_file(&format!("tests/fixtures/anchors/{anchor}.txt"));
        let card = card_for(flagship(), &text);
        let got = i32::from(card.overall);
        assert!(
            (got - anchor).abs() <= SLACK,
            "the {anchor} example scores {got}"
        );
    }
}
