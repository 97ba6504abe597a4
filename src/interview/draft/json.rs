//! Reading the JSON object in a small model's reply leniently: prose or a Markdown fence around it,
//! and commas before a closing bracket, are forgiven; an object that never closes is not.

use serde_json::Value;

use super::super::error::DraftProblem;
use super::super::partial::object_span;

/// The JSON object in `reply`, the reply to `step`.
pub(super) fn read(reply: &str, step: &str) -> Result<Value, DraftProblem> {
    let step = step.to_string();
    let Some(span) = object_span(reply) else {
        return Err(if reply.contains('{') {
            DraftProblem::NotClosed { step }
        } else {
            DraftProblem::NoObject { step }
        });
    };
    let object = &reply[span];
    match serde_json::from_str(object) {
        Ok(v) => Ok(v),
        Err(first) => serde_json::from_str(&without_trailing_commas(object)).map_err(|_| {
            DraftProblem::InvalidJson {
                step,
                source: first,
            }
        }),
    }
}

/// `json` without the commas that come right before a `}` or `]` (outside strings), which JSON
/// forbids and models write anyway.
fn without_trailing_commas(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut pending_comma = None;
    for c in json.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            out.push(c);
            continue;
        }
        match c {
            ',' => {
                if let Some(held) = pending_comma.replace(String::new()) {
                    out.push(',');
                    out += &held;
                }
                continue;
            }
            c if c.is_whitespace() => {
                if let Some(held) = pending_comma.as_mut() {
                    held.push(c);
                    continue;
                }
            }
            '}' | ']' => {
                // The held comma is dropped; the whitespace after it is kept.
                if let Some(held) = pending_comma.take() {
                    out += &held;
                }
            }
            _ => {
                if let Some(held) = pending_comma.take() {
                    out.push(',');
                    out += &held;
                }
                in_string = c == '"';
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fenced_object_with_trailing_commas_is_read() {
        let reply = "Here you go:\n```json\n{\"a\": [1, 2,], \"b\": {\"c\": \"x, ]\",},\n}\n```";
        let v = read(reply, "the plan").unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, 2], "b": {"c": "x, ]"}}));
    }

    #[test]
    fn what_cannot_be_read_says_why_and_names_the_step() {
        let e = read("I cannot help with that.", "the plan").unwrap_err();
        assert_eq!(e.to_string(), "its reply for the plan has no JSON object");
        let e = read("{\"a\": [1, 2", "the plan").unwrap_err();
        assert!(e.to_string().contains("not closed"), "{e}");
        let e = read("{\"a\": nope}", "the plan").unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }
}
