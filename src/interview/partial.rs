//! Closing a JSON text that is still arriving, so a streamed critique can be shown as it grows.
//!
//! [`close`] keeps everything that is certain (whole values, and the part of a string value received
//! so far) and drops what is not (a half-received key, number or `true`), then closes the open
//! strings, arrays and objects. The result always parses; it only ever gains fields as more text
//! arrives. [`object_span`] finds the one whole JSON object inside a reply that wrapped it in prose
//! or a Markdown fence.

use serde_json::Value;

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Object,
    Array,
}

fn closers(stack: &[Open]) -> String {
    stack
        .iter()
        .rev()
        .map(|o| if *o == Open::Object { '}' } else { ']' })
        .collect()
}

/// The JSON value the text `prefix` is the beginning of, as far as it is known; `None` before the
/// first `{` or `[`.
///
/// One pass over the characters with a small state machine (inside a string, after a key, the stack
/// of open brackets): its states only make sense together, so it stays one function of 61 lines.
pub fn close(prefix: &str) -> Option<Value> {
    let start = prefix.find(['{', '['])?;
    let text = &prefix[start..];
    let mut stack: Vec<Open> = Vec::new();
    let mut expect_key = false;
    let mut in_string = false;
    let mut is_key = false;
    let mut escaped = false;
    // The longest prefix that closes into valid JSON, with its closers.
    let mut safe = (0usize, String::new());
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    if !is_key {
                        safe = (i + 1, closers(&stack));
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '{' | '[' => {
                stack.push(if c == '{' { Open::Object } else { Open::Array });
                expect_key = c == '{';
                safe = (i + 1, closers(&stack));
            }
            '}' | ']' => {
                stack.pop();
                if stack.is_empty() {
                    return serde_json::from_str(&text[..=i]).ok();
                }
                expect_key = false;
                safe = (i + 1, closers(&stack));
            }
            '"' => {
                in_string = true;
                is_key = expect_key && stack.last() == Some(&Open::Object);
            }
            ':' => expect_key = false,
            ',' => {
                // A number or literal before the comma is whole now.
                if safe.0 < i {
                    safe = (i, closers(&stack));
                }
                expect_key = stack.last() == Some(&Open::Object);
            }
            _ => {}
        }
    }
    let candidate = if in_string && !is_key {
        format!("{}\"{}", trim_escape(text), closers(&stack))
    } else {
        format!("{}{}", &text[..safe.0], safe.1)
    };
    serde_json::from_str(&candidate).ok()
}

/// `text` without a trailing half escape (`\` or `\u12`), which cannot be closed.
fn trim_escape(text: &str) -> &str {
    let odd = |s: &str| s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1;
    let hex = text
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_hexdigit())
        .count();
    if hex < 4
        && let Some(stem) = text[..text.len() - hex].strip_suffix('u')
        && odd(stem)
    {
        return &stem[..stem.len() - 1];
    }
    if odd(text) {
        return &text[..text.len() - 1];
    }
    text
}

/// The byte range of the first whole JSON object in `text`, skipping prose or a code fence around
/// it.
pub fn object_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find('{')?;
    Some(start..start + bracketed_len(&text[start..])?)
}

/// Where a scan of JSON text stands with respect to its strings.
#[derive(Default)]
struct Quotes {
    in_string: bool,
    escaped: bool,
}

impl Quotes {
    /// Takes in the next character `c`; whether it belongs to a string, its quotes included.
    fn take(&mut self, c: char) -> bool {
        if self.in_string {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, '\\') => self.escaped = true,
                (false, '"') => self.in_string = false,
                _ => {}
            }
            true
        } else {
            self.in_string = c == '"';
            self.in_string
        }
    }
}

/// The length of the bracketed JSON value (object or array) `text` starts with, brackets inside
/// strings skipped; `None` if it never closes.
pub fn bracketed_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quotes = Quotes::default();
    for (i, c) in text.char_indices() {
        if quotes.take(c) {
            continue;
        }
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` without the commas that stand right before a `}` or `]` (outside strings), which JSON
/// forbids and small models write anyway.
pub fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quotes = Quotes::default();
    for c in text.chars() {
        if !quotes.take(c) && matches!(c, '}' | ']') {
            let kept = out.trim_end().len();
            if out[..kept].ends_with(',') {
                out.truncate(kept - 1);
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_string_is_kept_as_far_as_it_came() {
        assert_eq!(
            close(r#"{"summary": "We chec"#),
            Some(json!({"summary": "We chec"}))
        );
    }

    #[test]
    fn half_keys_and_numbers_are_dropped() {
        assert_eq!(close(r#"{"a": "x", "b"#), Some(json!({"a": "x"})));
        assert_eq!(close(r#"{"a": "x", "score": 3"#), Some(json!({"a": "x"})));
        assert_eq!(close(r#"{"a": 3, "b": tr"#), Some(json!({"a": 3})));
        assert_eq!(close(r#"{"a": "#), Some(json!({})));
    }

    #[test]
    fn open_arrays_and_objects_are_closed() {
        assert_eq!(
            close(r#"{"d": [{"id": "triage", "evidence": ["we looked"#),
            Some(json!({"d": [{"id": "triage", "evidence": ["we looked"]}]}))
        );
        assert_eq!(close(r#"{"d": ["#), Some(json!({"d": []})));
    }

    #[test]
    fn half_escapes_are_dropped() {
        assert_eq!(close(r#"{"a": "x\"#), Some(json!({"a": "x"})));
        assert_eq!(close(r#"{"a": "x\u00"#), Some(json!({"a": "x"})));
        assert_eq!(close(r#"{"a": "x\"y"#), Some(json!({"a": "x\"y"})));
        assert_eq!(close(r#"{"a": "x\\"#), Some(json!({"a": "x\\"})));
    }

    #[test]
    fn every_prefix_of_a_document_closes() {
        let doc = r#"```json
{"summary": "Good \"triage\", weak prevention.", "dimensions": [{"id": "a", "score": 3,
"evidence": ["x", "y"], "enough_to_judge": true}], "strengths": [], "follow_up": "Why?"}
```"#;
        let whole: Value = serde_json::from_str(&doc[8..doc.len() - 4]).unwrap();
        for end in (0..=doc.len()).filter(|e| doc.is_char_boundary(*e)) {
            let v = close(&doc[..end]);
            if end > 8 {
                assert!(v.is_some(), "prefix of {end} bytes did not close");
            }
        }
        assert_eq!(close(doc), Some(whole));
    }

    #[test]
    fn the_object_is_found_inside_prose() {
        let text = "Here you go:\n```json\n{\"a\": \"}\", \"b\": [1]}\n```\nHope it helps.";
        let span = object_span(text).unwrap();
        assert_eq!(&text[span], "{\"a\": \"}\", \"b\": [1]}");
        assert_eq!(object_span("no json here"), None);
        assert_eq!(object_span("{\"a\": 1"), None);
    }

    #[test]
    fn trailing_commas_go_and_commas_in_strings_stay() {
        let text = "{\"a\": [1, 2, ], \"b\": {\"c\": \"x, ]\",},\n}";
        let v: Value = serde_json::from_str(&without_trailing_commas(text)).unwrap();
        assert_eq!(v, json!({"a": [1, 2], "b": {"c": "x, ]"}}));
    }
}
