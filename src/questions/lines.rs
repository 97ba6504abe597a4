//! Where a key of a question file is written: the line a validation error points at.
//!
//! The checks run on the parsed question, which has no positions, and name the key at fault as a
//! path such as `dimension[1].evidence[0].phrases[2]`. This module parses the file's text again
//! with positions kept and follows that path, so an error can say "line 42" to someone editing
//! the file by hand.

use toml::de::{DeTable, DeValue};

/// The line (1 for the first) where `key` is written in `text`: the deepest part of the path
/// that is in the file, so a missing key points at the table it belongs in. `None` when the text
/// does not parse or not even the path's first name is in it.
pub(super) fn line_of(text: &str, key: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut found = None;
    for segment in key.split('.') {
        let (name, indexes) = split_indexes(segment);
        let Some((k, mut value)) = table.iter().find(|(k, _)| k.get_ref() == name) else {
            break;
        };
        found = Some(k.span().start);
        for i in indexes {
            match value.get_ref() {
                DeValue::Array(items) if i < items.len() => {
                    value = &items[i];
                    found = Some(value.span().start);
                }
                _ => return found.map(|at| line_at(text, at)),
            }
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    found.map(|at| line_at(text, at))
}

/// The line (1 for the first) of byte `at` in `text`.
pub(super) fn line_at(text: &str, at: usize) -> usize {
    let before = &text.as_bytes()[..at.min(text.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// `evidence[2]` as `("evidence", [2])`; a name without brackets has no indexes.
fn split_indexes(segment: &str) -> (&str, Vec<usize>) {
    let Some(open) = segment.find('[') else {
        return (segment, Vec::new());
    };
    let indexes = segment[open..]
        .split(['[', ']'])
        .filter_map(|n| n.parse().ok())
        .collect();
    (&segment[..open], indexes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"id = "q"
tags = ["a",
  "b"]

[targets]
short = { seconds = 90, words = [180, 240] }

[[dimension]]
id = "one"
weight = 1

[[dimension.evidence]]
id = "x"
phrases = [
  "first",
  "second",
]

[[dimension]]
id = "two"
weight = 0
"#;

    #[test]
    fn keys_are_found_through_tables_arrays_and_arrays_of_tables() {
        let line = |key| line_of(FILE, key);
        assert_eq!(line("id"), Some(1));
        assert_eq!(line("tags[1]"), Some(3));
        assert_eq!(line("targets.short.seconds"), Some(6));
        assert_eq!(line("dimension[0].weight"), Some(10));
        assert_eq!(line("dimension[0].evidence[0].phrases[1]"), Some(16));
        assert_eq!(line("dimension[1].weight"), Some(21));
    }

    #[test]
    fn a_missing_key_points_at_where_it_belongs() {
        assert_eq!(line_of(FILE, "dimension[1].evidence"), Some(19));
        assert_eq!(line_of(FILE, "dimension[5].id"), Some(8));
        assert_eq!(line_of(FILE, "keep_in_short[0]"), None);
        assert_eq!(line_of("not = toml = at all", "id"), None);
    }
}
