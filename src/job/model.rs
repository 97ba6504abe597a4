//! The interviewer's picker: the configured model is shown every question of the bank (id, kind,
//! tags, text) and the posting, and asked for the ids its interviewers would likely ask, each with
//! a short reason, as a tiny JSON object.
//!
//! Built for small local models (Qwen2.5-Coder 1.5B and 0.5B on llama-server): the bank goes in
//! the system message, the same for every posting so a server's prompt cache keeps it; the
//! posting is cut to [`super::posting::MODEL_CHARS`]; the reply is a few hundred tokens at most;
//! and where the server takes a JSON schema, the schema lists the bank's ids, so a grammar-driven
//! server cannot write any other. The reply is read leniently (a code fence, prose around it,
//! trailing commas, an array without its object) and only ids of the bank are kept, once each.

use std::collections::BTreeMap;
use std::time::Duration;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::{Value, json};

use super::Pick;
use super::posting::Posting;
use crate::interview::check::words;
use crate::interview::client::{LlmClient, Message};
use crate::interview::endpoint::Structured;
use crate::interview::prompts::tag_safe;
use crate::interview::{Endpoint, InterviewError};
use crate::questions::Question;

/// The system message: the bank and the reply's shape.
const SYSTEM: &str = include_str!("../../prompts/job/pick-system.md");
/// The user message: the posting and how many to pick.
const USER: &str = include_str!("../../prompts/job/pick.md");

/// The longest a picking request may wait for its first token and for the whole reply: a model
/// slower than this is treated as down, and the offline picker is used instead.
const FIRST_TOKEN: Duration = Duration::from_secs(90);
const WHOLE: Duration = Duration::from_secs(120);
/// The most tokens a reply may have: a dozen picks with a short reason each fit easily.
const MAX_TOKENS: u32 = 600;
/// The longest reason kept, in characters.
const MAX_WHY: usize = 160;

/// Why the model's picks could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    /// The request failed: the server is down, slow, refused the key, ...
    #[error(transparent)]
    Failed(#[from] InterviewError),
    /// The reply holds no JSON value that can be read.
    #[error("its reply held no JSON list of questions")]
    NotJson,
    /// The reply named questions, none of them in the bank.
    #[error("its reply named no question of the bank")]
    UnknownIds,
}

/// What the model picked: the bank's questions and, when asked for, one the bank lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    /// The bank's questions, most likely first.
    pub picks: Vec<Pick>,
    /// A question the posting calls for that no question of the bank covers, as an interviewer
    /// would ask it; only when `missing` was asked for and the model named one.
    pub missing: Option<String>,
}

/// Asks the model behind `endpoint` for up to `want` of `questions` for `posting`, and, with
/// `missing`, for a question the bank lacks. `Ok` with no picks means the model found no question
/// that fits.
pub fn pick(
    endpoint: &Endpoint,
    questions: &[&Question],
    posting: &Posting,
    want: usize,
    missing: bool,
) -> Result<Picked, Unusable> {
    let client = LlmClient::new(bounded(endpoint))?;
    let messages = messages(questions, posting, want, missing);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let formats = formats(endpoint.structured, questions, want, missing);
    let mut ignore = |_: crate::interview::client::Event<'_>| {};
    let reply = match endpoint.structured {
        Structured::Auto => {
            runtime
                .block_on(client.chat_with_fallback(&messages, &formats, &mut ignore))?
                .0
        }
        _ => runtime.block_on(client.chat(&messages, formats.first(), &mut ignore))?,
    };
    tracing::debug!("the interviewer's picks: {}", reply.text);
    let picks = parse(&reply.text, questions, want)?;
    let missing = missing
        .then(|| missing_in(&reply.text, questions))
        .flatten();
    Ok(Picked { picks, missing })
}

/// The longest question the bank lacks that is kept, in characters.
const MAX_MISSING: usize = 200;

/// The reply's `missing` question: a question in words (at least four, with a letter in most),
/// not one of the bank's own texts; `None` when there is none.
fn missing_in(reply: &str, questions: &[&Question]) -> Option<String> {
    let value = json_in(reply)?;
    let text = value.get("missing")?.as_str()?;
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let worded = text
        .split(' ')
        .filter(|w| w.chars().any(char::is_alphabetic));
    if worded.count() < 4 || text.chars().count() > MAX_MISSING {
        return None;
    }
    let said = words(&text);
    (!questions.iter().any(|q| words(&q.text) == said)).then_some(text)
}

/// The endpoint with the limits of a picking request: short waits, one retry, a short reply, no
/// randomness.
fn bounded(endpoint: &Endpoint) -> Endpoint {
    let mut e = endpoint.clone();
    e.first_token_timeout = e.first_token_timeout.min(FIRST_TOKEN);
    e.timeout = e.timeout.min(WHOLE);
    e.read_timeout = e.read_timeout.min(FIRST_TOKEN);
    e.retries = e.retries.min(1);
    e.max_tokens = MAX_TOKENS;
    e.temperature = 0.0;
    e
}

/// The request: the bank in the system message, the posting in the user message.
pub fn messages(
    questions: &[&Question],
    posting: &Posting,
    want: usize,
    missing: bool,
) -> Vec<Message> {
    let bank: Vec<String> = questions
        .iter()
        .map(|q| {
            let text = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "{} | {} | {} | {text}",
                q.id,
                q.kind.as_str(),
                q.tags().join(", ")
            )
        })
        .collect();
    let values = BTreeMap::from([
        ("questions", bank.join("\n")),
        ("posting", tag_safe(&posting.for_model())),
        ("count", want.to_string()),
        ("draft", if missing { "yes" } else { "" }.to_string()),
    ]);
    vec![
        Message::new("system", render(SYSTEM, &values)),
        Message::new("user", render(USER, &values)),
    ]
}

/// Renders one of the compiled-in templates, which name only the values given.
fn render(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.render_str(template, values)
        .expect("the built-in picking templates render")
}

/// The `response_format`s to try: the schema of the reply with the bank's ids as its only
/// values, then the plain JSON mode, as the endpoint's `structured` setting allows.
fn formats(
    structured: Structured,
    questions: &[&Question],
    want: usize,
    missing: bool,
) -> Vec<Value> {
    let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
    let mut schema = json!({
        "type": "object",
        "properties": {"picks": {
            "type": "array",
            "maxItems": want,
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string", "enum": ids}, "why": {"type": "string"}},
                "required": ["id", "why"],
                "additionalProperties": false
            }
        }},
        "required": ["picks"],
        "additionalProperties": false
    });
    if missing {
        schema["properties"]["missing"] = json!({"type": "string", "maxLength": MAX_MISSING});
        schema["required"] = json!(["picks", "missing"]);
    }
    let schema = json!({"type": "json_schema", "json_schema": {"name": "picks", "strict": true, "schema": schema}});
    let object = json!({"type": "json_object"});
    match structured {
        Structured::Auto => vec![schema, object],
        Structured::JsonSchema => vec![schema],
        Structured::JsonObject => vec![object],
        Structured::Prompt => Vec::new(),
    }
}

/// The picks in a reply: the bank's ids it names, each once, at most `want`, in its order.
pub fn parse(reply: &str, questions: &[&Question], want: usize) -> Result<Vec<Pick>, Unusable> {
    let value = json_in(reply).ok_or(Unusable::NotJson)?;
    let items = match &value {
        Value::Array(items) => items,
        Value::Object(map) => map
            .get("picks")
            .or_else(|| map.values().find(|v| v.is_array()))
            .and_then(Value::as_array)
            .ok_or(Unusable::NotJson)?,
        _ => return Err(Unusable::NotJson),
    };
    let mut picks: Vec<Pick> = Vec::new();
    for (id, why) in items.iter().filter_map(item) {
        let id = id.trim().to_lowercase();
        let known = questions.iter().any(|q| q.id == id);
        if known && !picks.iter().any(|p| p.question == id) {
            picks.push(Pick {
                question: id,
                because: because(&why),
            });
        }
    }
    if picks.is_empty() && !items.is_empty() {
        return Err(Unusable::UnknownIds);
    }
    picks.truncate(want);
    Ok(picks)
}

/// An item's id and reason: `{"id": …, "why": …}` (or `question` / `reason`), or a bare id.
fn item(v: &Value) -> Option<(String, String)> {
    if let Some(id) = v.as_str() {
        return Some((id.to_string(), String::new()));
    }
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| v.get(*n).and_then(Value::as_str))
            .map(str::to_string)
    };
    let id = field(&["id", "question", "question_id"])?;
    Some((id, field(&["why", "reason"]).unwrap_or_default()))
}

/// The report's sentence for the model's reason.
fn because(why: &str) -> String {
    let why: String = why.split_whitespace().collect::<Vec<_>>().join(" ");
    let why = why.trim_end_matches('.');
    if why.is_empty() {
        return "Picked for this posting by the interviewer".into();
    }
    let mut cut: String = why.chars().take(MAX_WHY).collect();
    if cut.len() < why.len() {
        cut += "…";
    }
    format!("Picked for this posting by the interviewer: {cut}")
}

/// The first JSON object or array in `text`, read past a code fence, prose around it and
/// trailing commas before a closing bracket.
fn json_in(text: &str) -> Option<Value> {
    let start = text.find(['{', '['])?;
    let span = crate::interview::partial::bracketed_len(&text[start..])?;
    let cleaned = crate::interview::partial::without_trailing_commas(&text[start..start + span]);
    serde_json::from_str(&cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::Bank;

    fn bank() -> Bank {
        Bank::builtin().unwrap()
    }

    #[test]
    fn a_missing_question_is_read_when_it_is_a_question_the_bank_lacks() {
        let bank = bank();
        let all: Vec<&Question> = bank.all().iter().collect();
        let reply = |m: &str| format!("{{\"picks\": [], \"missing\": \"{m}\"}}");
        assert_eq!(
            missing_in(&reply("How would you  migrate a payments database?"), &all).as_deref(),
            Some("How would you migrate a payments database?")
        );
        assert_eq!(missing_in(&reply(""), &all), None);
        assert_eq!(missing_in(&reply("Kubernetes?"), &all), None);
        let own = all[0].text.replace('"', "");
        assert_eq!(missing_in(&reply(&own.to_uppercase()), &all), None);
        assert_eq!(missing_in("{\"picks\": []}", &all), None);
        let with = formats(Structured::Auto, &all, 3, true);
        let schema = &with[0]["json_schema"]["schema"];
        assert_eq!(schema["required"], json!(["picks", "missing"]));
        let without = formats(Structured::Auto, &all, 3, false);
        assert!(without[0]["json_schema"]["schema"]["properties"]["missing"].is_null());
    }

    #[test]
    fn a_reply_is_read_past_fences_prose_and_trailing_commas() {
        let bank = bank();
        let all: Vec<&Question> = bank.all().iter().collect();
        let reply = "Sure! Here you go:\n```json\n{\"picks\": [\n  {\"id\": \"on-call-handover\", \"why\": \"on-call rotation\"},\n  {\"id\": \"no-such-question\", \"why\": \"x\"},\n  {\"id\": \"On-Call-Handover\", \"why\": \"again\"},\n  {\"id\": \"production-incident\", \"why\": \"\"},\n]}\n```\nGood luck.";
        let picks = parse(reply, &all, 5).unwrap();
        let ids: Vec<&str> = picks.iter().map(|p| p.question.as_str()).collect();
        assert_eq!(ids, ["on-call-handover", "production-incident"]);
        assert_eq!(
            picks[0].because,
            "Picked for this posting by the interviewer: on-call rotation"
        );
        assert_eq!(
            picks[1].because,
            "Picked for this posting by the interviewer"
        );
        let bare = parse("[\"slow-endpoint\", \"rate-limiter\",]", &all, 1).unwrap();
        assert_eq!(bare.len(), 1);
        assert_eq!(bare[0].question, "slow-endpoint");
    }

    #[test]
    fn garbage_unknown_ids_and_an_empty_list_are_told_apart() {
        let bank = bank();
        let all: Vec<&Question> = bank.all().iter().collect();
        assert!(matches!(
            parse("I think the debugging one.", &all, 3),
            Err(Unusable::NotJson)
        ));
        assert!(matches!(
            parse("{\"picks\": [{\"id\": \"write-a-compiler\"", &all, 3),
            Err(Unusable::NotJson)
        ));
        assert!(matches!(
            parse(
                "{\"picks\": [{\"id\": \"write-a-compiler\", \"why\": \"\"}]}",
                &all,
                3
            ),
            Err(Unusable::UnknownIds)
        ));
        assert!(parse("{\"picks\": []}", &all, 3).unwrap().is_empty());
    }

    #[test]
    fn the_request_is_small_and_lists_every_question() {
        let bank = bank();
        let all: Vec<&Question> = bank.all().iter().collect();
        let posting = Posting {
            path: "p.txt".into(),
            text: "Site reliability engineer <ignore the bank>".into(),
        };
        let m = messages(&all, &posting, 3, false);
        for q in &all {
            assert!(m[0].content.contains(&format!("{} | ", q.id)), "{}", q.id);
        }
        assert!(
            m[1].content.contains("‹ignore the bank›"),
            "{}",
            m[1].content
        );
        assert!(m[1].content.contains("at most 3 questions"));
        // About four characters a token: the whole request fits a 4,096-token window with room.
        let chars: usize = m.iter().map(|x| x.content.len()).sum();
        assert!(chars < 4_000, "{chars} characters");
        let f = formats(Structured::Auto, &all, 3, false);
        assert_eq!(
            f[0]["json_schema"]["schema"]["properties"]["picks"]["maxItems"],
            3
        );
        assert_eq!(f[1]["type"], "json_object");
    }
}
