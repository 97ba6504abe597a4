//! The requests of a draft: each step's prompt (`prompts/drafting/*.md`), the JSON schema its reply
//! is held to, and sending it, with one repair request when the reply cannot be used.
//!
//! Every request starts with the same system message (the question, its kind, the posting), so a
//! local server's prompt cache reads it once for the whole draft; only the step's own short
//! instruction is new each time. The schemas are small and bounded so that a server building a
//! grammar from them (llama.cpp's) keeps a small model to the shape.

use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};

use super::super::client::{LlmClient, Message};
use super::super::critique::without_lengths;
use super::super::endpoint::Structured;
use super::super::error::{DraftProblem, InterviewError};
use super::build::{PHRASE_CHARS, Planned, TEXT_CHARS};
use super::json;
use crate::questions::{Dimension, Kind};

/// The drafting prompts, by name.
const PROMPTS: [(&str, &str); 6] = [
    (
        "system",
        include_str!("../../../prompts/drafting/system.md"),
    ),
    ("plan", include_str!("../../../prompts/drafting/plan.md")),
    (
        "dimension",
        include_str!("../../../prompts/drafting/dimension.md"),
    ),
    ("rules", include_str!("../../../prompts/drafting/rules.md")),
    (
        "examples",
        include_str!("../../../prompts/drafting/examples.md"),
    ),
    ("weak", include_str!("../../../prompts/drafting/weak.md")),
];

/// What a kind of question asks for, in the system prompt's words.
fn asks_for(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Story) => "a story: a past experience told as situation, action and result",
        Some(Kind::Process) => "a method, told as steps",
        Some(Kind::Design) => "a system design and its trade-offs",
        None => "a story, a method or a design; the first step says which",
    }
}

/// Renders the drafting prompt `name` with `values`. The prompts are built in and every one is
/// rendered by the tests, so a failure here is a bug.
pub(super) fn render(name: &str, values: Value) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let (_, text) = PROMPTS.iter().find(|(n, _)| *n == name).expect("a prompt");
    // Every value is a string; minijinja takes them as a map.
    let values: std::collections::BTreeMap<String, String> = values
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    env.template_from_str(text)
        .and_then(|t| t.render(&values))
        .expect("the built-in drafting prompts render")
}

/// The system message of every request.
pub(super) fn system(text: &str, kind: Option<Kind>, posting: Option<&str>) -> String {
    render(
        "system",
        json!({"question": text, "kind": asks_for(kind), "posting": posting.unwrap_or("")}),
    )
}

/// The plan's request and schema.
pub(super) fn plan(kind: Option<Kind>) -> (String, Value) {
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k.as_str()],
        None => vec!["story", "process", "design"],
    };
    let prompt = render("plan", json!({"kind": kinds.join("|")}));
    let schema = object(json!({
        "kind": {"type": "string", "enum": kinds},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 24}, "maxItems": 3},
        "dimensions": {
            "type": "array", "minItems": 3, "maxItems": 6,
            "items": object(json!({
                "name": {"type": "string", "maxLength": 48},
                "means": {"type": "string", "maxLength": TEXT_CHARS}
            }))
        }
    }));
    (prompt, schema)
}

/// The request and schema for the evidence of the planned dimension `i`.
pub(super) fn dimension(dimensions: &[Planned], i: usize) -> (String, Value) {
    let names: Vec<String> = dimensions
        .iter()
        .map(|d| format!("\"{}\"", d.name))
        .collect();
    let d = &dimensions[i];
    let prompt = render(
        "dimension",
        json!({"dimensions": names.join(", "), "name": d.name, "means": d.means}),
    );
    let phrase = json!({"type": "string", "maxLength": PHRASE_CHARS});
    let schema = object(json!({
        "evidence": {
            "type": "array", "minItems": 2, "maxItems": 5,
            "items": object(json!({
                "label": {"type": "string", "maxLength": 40},
                "phrases": {"type": "array", "items": phrase, "minItems": 2, "maxItems": 6},
                "misheard": {"type": "array", "items": phrase, "maxItems": 2}
            }))
        },
        "advice": {"type": "string", "maxLength": TEXT_CHARS},
        "weight": {"enum": [1, 2, 3]}
    }));
    (prompt, schema)
}

/// The request and schema for the mistakes, ordering rules and follow-ups.
pub(super) fn rules(dimensions: &[Dimension]) -> (String, Value) {
    let ids: Vec<&str> = dimensions.iter().map(|d| d.id.as_str()).collect();
    let listed: Vec<String> = dimensions
        .iter()
        .map(|d| format!("{} ({})", d.id, d.name))
        .collect();
    let prompt = render("rules", json!({"dimensions": listed.join(", ")}));
    let id = json!({"type": "string", "enum": ids});
    let text = |n: usize| json!({"type": "string", "maxLength": n});
    let schema = object(json!({
        "mistakes": {"type": "array", "minItems": 1, "maxItems": 3, "items": object(json!({
            "name": text(40),
            "hurts": id,
            "phrases": {"type": "array", "items": text(PHRASE_CHARS), "minItems": 1, "maxItems": 4},
            "advice": text(TEXT_CHARS)
        }))},
        "order": {"type": "array", "maxItems": 2, "items": object(json!({
            "first": id, "then": id, "advice": text(TEXT_CHARS)
        }))},
        "follow_ups": {"type": "array", "items": text(160), "minItems": 1, "maxItems": 4}
    }));
    (prompt, schema)
}

/// The strong example answer's prompt and schema: it is to use the first phrase of every
/// evidence item.
pub(super) fn strong(dimensions: &[Dimension]) -> (String, Value) {
    let rubric: Vec<String> = dimensions
        .iter()
        .map(|d| {
            let phrases: Vec<String> = d
                .evidence
                .iter()
                .map(|e| format!("\"{}\"", e.phrases[0]))
                .collect();
            format!("- {}: {}", d.name, phrases.join(", "))
        })
        .collect();
    let prompt = render("examples", json!({"rubric": rubric.join("\n")}));
    let schema = object(json!({
        "strong": {"type": "string", "minLength": 400, "maxLength": 1600}
    }));
    (prompt, schema)
}

/// The weak example answer's prompt and schema. The rubric is not shown: a small model shown the
/// phrases uses them, and the weak example then scores like the strong one. `mistake` is a phrase
/// of the draft's first mistake, for the weak example to say.
pub(super) fn weak(mistake: Option<&str>) -> (String, Value) {
    let prompt = render("weak", json!({"mistake": mistake.unwrap_or("")}));
    let schema = object(json!({
        "weak": {"type": "string", "minLength": 120, "maxLength": 600}
    }));
    (prompt, schema)
}

/// A JSON schema object whose properties are all required, in the order given.
fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

/// Sends the requests of one draft to one client.
pub(super) struct Asker<'a> {
    client: &'a LlmClient,
    system: String,
    /// How many of the `response_format`s tried in turn the server has refused.
    refused: usize,
}

impl<'a> Asker<'a> {
    /// An asker whose every request starts with the system message `system`.
    pub(super) fn new(client: &'a LlmClient, system: String) -> Asker<'a> {
        Asker {
            client,
            system,
            refused: 0,
        }
    }

    /// Asks for `step` with `prompt` held to `schema`, and reads the reply with `read`. A reply
    /// that is not JSON, or that `read` cannot use, goes back once with what is wrong.
    pub(super) async fn ask<T>(
        &mut self,
        step: &str,
        prompt: String,
        schema: &Value,
        read: impl Fn(&Value) -> Result<T, String>,
    ) -> Result<T, InterviewError> {
        let mut messages = vec![
            Message::new("system", self.system.clone()),
            Message::new("user", prompt),
        ];
        let reply = self.send(&messages, schema).await?;
        let problem = match parse(&reply, step, &read) {
            Ok(v) => return Ok(v),
            Err(p) => p,
        };
        tracing::info!("{problem}; sending it back once");
        messages.push(Message::new("assistant", reply));
        messages.push(Message::new(
            "user",
            format!(
                "That cannot be used: {problem}. Send {step} again as one JSON object in the \
                 shape asked for, with nothing before or after it."
            ),
        ));
        let reply = self.send(&messages, schema).await?;
        parse(&reply, step, &read).map_err(|problem| InterviewError::Draft {
            url: self.client.endpoint().base_url.clone(),
            problem: Box::new(problem),
        })
    }

    /// Sends `messages`, with `schema` as `response_format` in the ways the server has not
    /// refused yet (as the interviewer does), and returns the reply's text.
    async fn send(
        &mut self,
        messages: &[Message],
        schema: &Value,
    ) -> Result<String, InterviewError> {
        let format = |s: Value| json!({"type": "json_schema", "json_schema": {"name": "draft", "strict": true, "schema": s}});
        let client = self.client;
        let reply = match client.endpoint().structured {
            Structured::Auto => {
                let formats: Vec<Value> = [
                    format(schema.clone()),
                    format(without_lengths(schema.clone())),
                ]
                .into_iter()
                .skip(self.refused)
                .collect();
                let tried = formats.len();
                let (reply, used) = client
                    .chat_with_fallback(messages, &formats, &mut |_| {})
                    .await?;
                self.refused += used.unwrap_or(tried);
                reply
            }
            Structured::JsonSchema => {
                let f = format(schema.clone());
                client.chat(messages, Some(&f), &mut |_| {}).await?
            }
            Structured::JsonObject => {
                let f = json!({"type": "json_object"});
                client.chat(messages, Some(&f), &mut |_| {}).await?
            }
            Structured::Prompt => client.chat(messages, None, &mut |_| {}).await?,
        };
        Ok(reply.text)
    }
}

/// The reply read as JSON and then by `read`; the problem names the step.
fn parse<T>(
    reply: &str,
    step: &str,
    read: &impl Fn(&Value) -> Result<T, String>,
) -> Result<T, DraftProblem> {
    let value = json::read(reply, step)?;
    read(&value).map_err(|lacks| DraftProblem::Lacks {
        step: step.to_string(),
        lacks,
    })
}
