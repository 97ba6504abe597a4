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
    /// The next question.
    pub follow_up: String,
    /// Notes the interviewer keeps for later rounds; never shown to the candidate.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub interviewer_notes: String,
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

/// The JSON schema asked of the model.
pub fn schema(question: &Question) -> Value {
    let ids: Vec<&str> = question.dimensions.iter().map(|d| d.id.as_str()).collect();
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["summary", "dimensions", "strengths", "improvements", "outline_90s", "follow_up", "interviewer_notes"],
        "properties": {
            "summary": {"type": "string", "description": "One or two sentences on the whole answer."},
            "dimensions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "score", "enough_to_judge", "evidence", "comment"],
                    "properties": {
                        "id": {"type": "string", "enum": ids},
                        "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 4},
                        "enough_to_judge": {"type": "boolean"},
                        "evidence": strings,
                        "comment": {"type": "string"}
                    }
                }
            },
            "strengths": strings,
            "improvements": strings,
            "outline_90s": strings,
            "follow_up": {"type": "string", "description": "One follow-up question."},
            "interviewer_notes": {"type": "string", "description": "Private notes for later rounds."}
        }
    })
}

/// The `response_format` value that asks for [`schema`].
pub fn response_format(question: &Question) -> Value {
    json!({
        "type": "json_schema",
        "json_schema": {"name": "critique", "strict": true, "schema": schema(question)}
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
        dimensions: list(field("dimensions"))
            .iter()
            .filter_map(|d| verdict(d, question))
            .collect(),
        strengths: texts(field("strengths")),
        improvements: texts(field("improvements")),
        outline_90s: texts(field("outline_90s")),
        follow_up: text(field("follow_up")),
        interviewer_notes: text(field("interviewer_notes")),
    }
}

fn verdict(v: &Value, question: &Question) -> Option<Verdict> {
    let id = text(v.get("id")?);
    question.dimensions.iter().find(|d| d.id == id)?;
    let score = match v.get("score") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().trim_end_matches("/4").parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| s.is_finite())
    .map(|s| s.round().clamp(0.0, 4.0) as u8);
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

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
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
    fn the_schema_names_every_rubric_dimension() {
        let q = question();
        let s = schema(&q);
        let listed = &s["properties"]["dimensions"]["items"]["properties"]["id"]["enum"];
        assert_eq!(listed.as_array().unwrap().len(), q.dimensions.len());
        assert_eq!(response_format(&q)["json_schema"]["strict"], true);
    }
}
