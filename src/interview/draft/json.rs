//! Reading the JSON object in a small model's reply leniently: prose or a Markdown fence around it,
//! and commas before a closing bracket, are forgiven; an object that never closes is not.

use serde_json::Value;

use super::super::error::DraftProblem;
use super::super::partial::{object_span, without_trailing_commas};

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
