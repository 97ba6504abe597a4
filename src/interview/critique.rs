//! The interviewer's critique: the JSON shape asked of the model, a tolerant reading of what comes
//! back, and where it disagrees with the local score. `report` renders it.
//!
//! Models that honour `response_format` return exactly the schema; others wrap it in prose or a
//! code fence, write a score as `"3"` or `3.0`, or give one string where a list was asked for. The
//! reader accepts all of that and keeps only dimensions the rubric has, with scores clamped to 0-4.
//! What it cannot read at all is an error with the reason, which the interviewer sends back to the
//! model once as a repair request.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::CritiqueProblem;
use super::partial;
use crate::questions::Question;
use crate::score::ScoreCard;

/// The critique of one answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Critique {
    /// One or two sentences on the answer as a whole.
    pub summary: String,
    /// Per-dimension verdicts, in the order the model gave them.
    pub dimensions: Vec<Verdict>,
    /// What went well.
    pub strengths: Vec<String>,
    /// What to change, most important first.
    pub improvements: Vec<String>,
    /// A model outline of a 90-second answer.
    pub outline_90s: Vec<String>,
    /// The rubric dimension the follow-up probes, when the model named one.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub follow_up_dimension: String,
    /// The next question.
    pub follow_up: String,
    /// Notes the interviewer keeps for later rounds; never shown to the candidate.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub interviewer_notes: String,
    /// How far the critique can be trusted, measured when it arrived (see [`super::check`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub check: Option<super::check::Check>,
}

/// The verdict on one rubric dimension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The rubric dimension's id.
    pub id: String,
    /// 0 to 4; `None` when there is not enough to judge.
    pub score: Option<u8>,
    /// Whether the transcript shows enough to judge this dimension.
    pub enough_to_judge: bool,
    /// The candidate's own words that support the score.
    pub evidence: Vec<String>,
    /// Why, in a sentence.
    pub comment: String,
}

/// Most quotes per dimension.
pub const MAX_QUOTES: usize = 1;
/// Longest comment on a dimension, in characters.
pub const COMMENT_CHARS: usize = 110;
/// Longest summary, in characters.
pub const SUMMARY_CHARS: usize = 220;
/// Most strengths, improvements and outline points.
pub const MAX_STRENGTHS: usize = 2;
/// Most improvements.
pub const MAX_IMPROVEMENTS: usize = 3;
/// Most outline points.
pub const MAX_OUTLINE: usize = 4;
/// Longest strength or improvement, in characters.
pub const ITEM_CHARS: usize = 150;
/// Longest outline point, in characters.
pub const OUTLINE_CHARS: usize = 80;
/// Longest follow-up question, in characters.
pub const FOLLOW_UP_CHARS: usize = 180;
/// Longest private note, in characters.
pub const NOTES_CHARS: usize = 120;
/// Most clauses offered as quotable evidence; a longer transcript gets free-text quotes, which are
/// checked against it on arrival.
pub const MAX_CLAUSES: usize = 90;

/// The JSON schema asked of the model, with its properties in the order a model should reason in:
/// per dimension the quotes first, then the score, then a short comment; then the whole-answer
/// fields; the follow-up after the dimension it probes. Every string and list is bounded, so a small
/// model cannot run on, and the quotes are, where the transcript is short enough, an `enum` of its
/// own clauses: constrained decoding can then only pick words the candidate said.
///
/// `ids` are the dimensions to judge (those that apply to this answer); `judge_all` is false for a
/// follow-up answer, which may leave dimensions unjudged (`null`).
pub fn schema(ids: &[&str], transcript: &str, judge_all: bool) -> Value {
    let spans = super::check::clauses(transcript);
    let quote = if !spans.is_empty() && spans.len() <= MAX_CLAUSES {
        json!({"type": "string", "enum": spans})
    } else {
        json!({"type": "string", "maxLength": 160})
    };
    let mut levels: Vec<Value> = (0..=4).map(Value::from).collect();
    if !judge_all {
        levels.push(Value::Null);
    }
    let mut dimensions = serde_json::Map::new();
    for id in ids {
        dimensions.insert(
            (*id).to_string(),
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["evidence", "score", "comment"],
                "properties": {
                    "evidence": {"type": "array", "items": quote, "maxItems": MAX_QUOTES},
                    "score": {"enum": levels},
                    "comment": {"type": "string", "maxLength": COMMENT_CHARS}
                }
            }),
        );
    }
    let bounded = |items: usize, chars: usize| json!({"type": "array", "items": {"type": "string", "maxLength": chars}, "maxItems": items});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["dimensions", "summary", "strengths", "improvements", "follow_up_dimension",
                     "follow_up", "outline_90s", "interviewer_notes"],
        "properties": {
            "dimensions": {
                "type": "object",
                "additionalProperties": false,
                "required": ids,
                "properties": dimensions
            },
            "summary": {"type": "string", "maxLength": SUMMARY_CHARS},
            "strengths": bounded(MAX_STRENGTHS, ITEM_CHARS),
            "improvements": bounded(MAX_IMPROVEMENTS, ITEM_CHARS),
            "follow_up_dimension": {"type": "string", "enum": ids},
            "follow_up": {"type": "string", "maxLength": FOLLOW_UP_CHARS},
            "outline_90s": bounded(MAX_OUTLINE, OUTLINE_CHARS),
            "interviewer_notes": {"type": "string", "maxLength": NOTES_CHARS}
        }
    })
}

/// The reply's shape in a few lines, for the system prompt: the same for every answer to
/// `question`, so a server's prompt cache keeps it, and far shorter than the schema itself.
pub fn shape(question: &Question) -> String {
    let ids: Vec<&str> = question.dimensions.iter().map(|d| d.id.as_str()).collect();
    format!(
        "{{\"dimensions\": {{for each dimension asked for, in rubric order ({}): \
         {{\"evidence\": [{MAX_QUOTES} exact clause of the transcript, or none], \
         \"score\": 0-4 (null: not judged), \"comment\": your reason, at most {COMMENT_CHARS} characters}}}},\n\
         \"summary\": at most {SUMMARY_CHARS} characters,\n\
         \"strengths\": [at most {MAX_STRENGTHS}, each at most {ITEM_CHARS} characters],\n\
         \"improvements\": [at most {MAX_IMPROVEMENTS}, most important first, each at most {ITEM_CHARS} characters],\n\
         \"follow_up_dimension\": the id of the dimension the follow-up probes,\n\
         \"follow_up\": one question, at most {FOLLOW_UP_CHARS} characters,\n\
         \"outline_90s\": [at most {MAX_OUTLINE} points of your own model answer, each at most {OUTLINE_CHARS} characters],\n\
         \"interviewer_notes\": private notes for later rounds, at most {NOTES_CHARS} characters}}",
        ids.join(", ")
    )
}

/// `schema` without the string length limits, for a server whose strict mode refuses
/// `maxLength` or `minLength`.
pub fn without_lengths(mut schema: Value) -> Value {
    match &mut schema {
        Value::Object(map) => {
            map.remove("maxLength");
            map.remove("minLength");
            for v in map.values_mut() {
                *v = without_lengths(v.take());
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = without_lengths(v.take());
            }
        }
        _ => {}
    }
    schema
}

/// The `response_format` value that asks for `schema`.
pub fn response_format(schema: Value) -> Value {
    json!({
        "type": "json_schema",
        "json_schema": {"name": "critique", "strict": true, "schema": schema}
    })
}

/// Reads a whole reply. The error says what is wrong, for the repair request.
pub fn parse(text: &str, question: &Question) -> Result<Critique, CritiqueProblem> {
    let span = partial::object_span(text).ok_or(if text.contains('{') {
        CritiqueProblem::NotClosed
    } else {
        CritiqueProblem::NoObject
    })?;
    let value: Value = serde_json::from_str(&text[span]).map_err(CritiqueProblem::InvalidJson)?;
    let critique = from_value(&value, question);
    if critique.summary.is_empty()
        && critique.dimensions.is_empty()
        && critique.follow_up.is_empty()
    {
        return Err(CritiqueProblem::NoFields);
    }
    Ok(critique)
}

/// What can be read from a partial reply, for showing it while it streams.
pub fn parse_partial(text: &str, question: &Question) -> Option<Critique> {
    partial::close(text).map(|v| from_value(&v, question))
}

/// A critique from any JSON value, taking what fits and leaving the rest.
pub fn from_value(value: &Value, question: &Question) -> Critique {
    let field = |k: &str| value.get(k).unwrap_or(&Value::Null);
    Critique {
        summary: text(field("summary")),
        dimensions: verdicts(field("dimensions"), question),
        strengths: texts(field("strengths")),
        improvements: texts(field("improvements")),
        outline_90s: texts(field("outline_90s")),
        follow_up_dimension: text(field("follow_up_dimension")),
        follow_up: text(field("follow_up")),
        interviewer_notes: text(field("interviewer_notes")),
        check: None,
    }
}

/// The verdicts, from the schema's object keyed by dimension id (in the order given) or from a
/// list of objects that each name their `id`, as models not held to the schema often write.
fn verdicts(v: &Value, question: &Question) -> Vec<Verdict> {
    match v {
        Value::Object(map) => map
            .iter()
            .filter_map(|(id, d)| verdict(id, d, question))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|d| verdict(&text(d.get("id")?), d, question))
            .collect(),
        _ => Vec::new(),
    }
}

fn verdict(id: &str, v: &Value, question: &Question) -> Option<Verdict> {
    let id = id.trim().to_string();
    question.dimensions.iter().find(|d| d.id == id)?;
    let score = match v.get("score") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().trim_end_matches("/4").parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| s.is_finite())
    .map(|s| s.round().clamp(0.0, 4.0) as u8);
    // The schema has no `enough_to_judge`: a `null` score says it. Older replies may carry it.
    let enough = v
        .get("enough_to_judge")
        .and_then(Value::as_bool)
        .unwrap_or(score.is_some());
    Some(Verdict {
        id,
        score: if enough { score } else { None },
        enough_to_judge: enough && score.is_some(),
        evidence: texts(v.get("evidence").unwrap_or(&Value::Null)),
        comment: text(v.get("comment").unwrap_or(&Value::Null)),
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Value::Array(items) => items.iter().map(text).filter(|s| !s.is_empty()).collect(),
        _ => Vec::new(),
    }
}

/// A dimension on which the two scores differ by two levels or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The dimension's name.
    pub dimension: String,
    /// The local scorer's level.
    pub local: u8,
    /// The interviewer's score.
    pub interviewer: u8,
    /// The interviewer's reason.
    pub comment: String,
}

/// Where the interviewer and the local scorer disagree by two levels or more.
pub fn disagreements(critique: &Critique, local: &ScoreCard) -> Vec<Disagreement> {
    critique
        .dimensions
        .iter()
        .filter_map(|v| {
            let d = local
                .dimensions
                .iter()
                .find(|d| d.id == v.id && d.applies)?;
            let score = v.score?;
            (score.abs_diff(d.level) >= 2).then(|| Disagreement {
                dimension: d.name.clone(),
                local: d.level,
                interviewer: score,
                comment: v.comment.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::Bank;

    fn question() -> Question {
        let bank = Bank::load(None).unwrap();
        bank.get(crate::questions::FLAGSHIP).unwrap().clone()
    }

    fn ids(q: &Question) -> Vec<String> {
        q.dimensions.iter().map(|d| d.id.clone()).collect()
    }

    #[test]
    fn a_reply_in_a_fence_with_loose_types_is_read() {
        let q = question();
        let id = &ids(&q)[0];
        let reply = format!(
            "Sure! Here is my critique:\n```json\n{{\"summary\": \"Solid.\", \"dimensions\": [\
             {{\"id\": \"{id}\", \"score\": \"3\", \"evidence\": \"we rolled back\", \"comment\": \"ok\"}},\
             {{\"id\": \"not-a-dimension\", \"score\": 4}},\
             {{\"id\": \"{id}\", \"score\": 9.2, \"enough_to_judge\": true}}],\
             \"strengths\": \"Calm.\", \"follow_up\": \"Why?\"}}\n```"
        );
        let c = parse(&reply, &q).unwrap();
        assert_eq!(c.summary, "Solid.");
        assert_eq!(c.dimensions.len(), 2, "the unknown id is dropped");
        assert_eq!(c.dimensions[0].score, Some(3));
        assert_eq!(c.dimensions[0].evidence, vec!["we rolled back"]);
        assert_eq!(c.dimensions[1].score, Some(4), "clamped");
        assert_eq!(c.strengths, vec!["Calm."]);
        assert_eq!(c.follow_up, "Why?");
    }

    #[test]
    fn not_enough_to_judge_has_no_score() {
        let q = question();
        let id = &ids(&q)[0];
        let reply = format!(
            "{{\"summary\": \"s\", \"dimensions\": [{{\"id\": \"{id}\", \"score\": 2, \"enough_to_judge\": false}},\
             {{\"id\": \"{id}\", \"score\": null}}]}}"
        );
        let c = parse(&reply, &q).unwrap();
        assert!(
            c.dimensions
                .iter()
                .all(|d| d.score.is_none() && !d.enough_to_judge)
        );
    }

    #[test]
    fn garbage_is_an_error_saying_why() {
        let q = question();
        assert!(
            parse("I think it was fine.", &q)
                .unwrap_err()
                .to_string()
                .contains("no JSON object")
        );
        assert!(
            parse("{\"summary\": \"cut", &q)
                .unwrap_err()
                .to_string()
                .contains("not closed")
        );
        assert!(
            parse("{\"a\": 1,}", &q)
                .unwrap_err()
                .to_string()
                .contains("invalid JSON")
        );
        assert!(
            parse("{\"verdict\": \"good\"}", &q)
                .unwrap_err()
                .to_string()
                .contains("none of the fields")
        );
    }

    #[test]
    fn the_schema_asks_in_reasoning_order_with_every_field_bounded() {
        let q = question();
        let said = "We roll back first. Then I check the error rate on the dashboard, and I ask \
                    who changed what.";
        let all: Vec<&str> = q.dimensions.iter().map(|d| d.id.as_str()).collect();
        let s = schema(&all, said, true);
        let text = serde_json::to_string(&s).unwrap();
        // Properties keep their order on the wire (grammar-building servers follow it).
        let dims = s["properties"]["dimensions"]["properties"]
            .as_object()
            .unwrap();
        let ids: Vec<&String> = dims.keys().collect();
        assert_eq!(ids, q.dimensions.iter().map(|d| &d.id).collect::<Vec<_>>());
        let first = dims.values().next().unwrap()["properties"]
            .as_object()
            .unwrap();
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            ["evidence", "score", "comment"]
        );
        assert!(text.find("\"dimensions\"").unwrap() < text.find("\"follow_up\"").unwrap());
        // Quotes can only be the transcript's own clauses.
        let quotes = &first["evidence"]["items"]["enum"];
        assert_eq!(
            quotes,
            &json!([
                "We roll back first",
                "Then I check the error rate on the dashboard, and I ask who changed what"
            ])
        );
        // Every string has a length limit and every array an item limit.
        fn bounded(v: &Value) -> bool {
            match v {
                Value::Object(m) => {
                    let ok = match m.get("type").and_then(Value::as_str) {
                        Some("string") => m.contains_key("maxLength") || m.contains_key("enum"),
                        Some("array") => m.contains_key("maxItems"),
                        _ => true,
                    };
                    ok && m.values().all(bounded)
                }
                Value::Array(items) => items.iter().all(bounded),
                _ => true,
            }
        }
        assert!(bounded(&s));
        assert!(
            !text.contains("null"),
            "a first answer is judged on every dimension"
        );
        assert!(
            serde_json::to_string(&schema(&all, said, false))
                .unwrap()
                .contains("null")
        );
        let loose = without_lengths(s.clone());
        assert!(!serde_json::to_string(&loose).unwrap().contains("maxLength"));
        assert_eq!(response_format(s)["json_schema"]["strict"], true);
    }

    #[test]
    fn a_long_transcript_gets_free_quotes() {
        let q = question();
        let said = "One clause here. ".repeat(MAX_CLAUSES + 5);
        let said: String = said
            .split(". ")
            .enumerate()
            .map(|(i, _)| format!("Clause number {i} here. "))
            .collect();
        let s = schema(&[q.dimensions[0].id.as_str()], &said, true);
        let item = &s["properties"]["dimensions"]["properties"][&q.dimensions[0].id]["properties"]
            ["evidence"]["items"];
        assert!(item.get("enum").is_none() && item["maxLength"].is_number());
    }

    #[test]
    fn the_schemas_object_of_dimensions_is_read_in_its_order() {
        let q = question();
        let (a, b) = (&q.dimensions[1].id, &q.dimensions[0].id);
        let reply = format!(
            "{{\"dimensions\": {{\"{a}\": {{\"evidence\": [\"x y\"], \"score\": 2, \"comment\": \"c\"}}, \
             \"{b}\": {{\"evidence\": [], \"score\": null, \"comment\": \"\"}}, \"nope\": {{\"score\": 3}}}}, \
             \"summary\": \"s\", \"follow_up_dimension\": \"{b}\", \"follow_up\": \"Why?\"}}"
        );
        let c = parse(&reply, &q).unwrap();
        assert_eq!(c.dimensions.len(), 2);
        assert_eq!((&c.dimensions[0].id, c.dimensions[0].score), (a, Some(2)));
        assert_eq!((&c.dimensions[1].id, c.dimensions[1].score), (b, None));
        assert!(!c.dimensions[1].enough_to_judge);
        assert_eq!(&c.follow_up_dimension, b);
    }

    #[test]
    fn the_shape_names_every_dimension_and_limit() {
        let q = question();
        let shape = shape(&q);
        assert!(q.dimensions.iter().all(|d| shape.contains(&d.id)));
        assert!(shape.contains(&format!("at most {COMMENT_CHARS} characters")));
    }
}
