//! Drafting against a [`Loopback`] server scripted with a small model's replies: a good draft, a
//! reply that is not JSON, examples in the wrong order fixed on the second try, and a model that
//! never gets them right; a weak example nearly as good as the strong one, and examples too short
//! or wrapped in braces, go back once too.

use std::time::Duration;

use serde_json::json;

use super::super::loopback::{Answer, Loopback};
use super::super::{Endpoint, InterviewError, LlmClient};
use super::{Draft, Request, draft};
use crate::questions::{Kind, Question};

fn reply(v: serde_json::Value) -> Answer {
    reply_text(&v.to_string())
}

fn reply_text(text: &str) -> Answer {
    Answer::Stream {
        text: text.to_string(),
        piece: 40,
        gap: Duration::ZERO,
    }
}

fn plan() -> Answer {
    // In a fence with a trailing comma, and calling a design question a story, as small models
    // do; the question's wording says which kind it is.
    reply_text(
        "```json\n{\"kind\": \"story\", \"tags\": [\"Performance\", \"caching\"], \"dimensions\": [\
         {\"name\": \"Requirements\", \"means\": \"Pins down reads, writes and freshness.\"},\
         {\"name\": \"Cache design\", \"means\": \"Where the cache sits and what it keeps.\"},\
         {\"name\": \"Invalidation\", \"means\": \"How stale data is avoided.\"},]}\n```",
    )
}

fn dimension(items: &[(&str, &[&str])]) -> Answer {
    let evidence: Vec<_> = items
        .iter()
        .map(|(label, phrases)| json!({"label": label, "phrases": phrases, "misheard": ["cash"]}))
        .collect();
    reply(json!({"evidence": evidence, "advice": "Say it.", "weight": 3}))
}

fn dimensions() -> Vec<Answer> {
    vec![
        dimension(&[
            ("read heavy", &["read heavy", "reads per second"]),
            ("freshness", &["how fresh", "stale for"]),
        ]),
        dimension(&[
            ("placement", &["in front of the database", "cache aside"]),
            ("eviction", &["least recently used", "eviction"]),
            ("size", &["memory", "hit rate"]),
        ]),
        dimension(&[
            ("ttl", &["time to live", "ttl"]),
            ("events", &["invalidate on write", "delete the key"]),
        ]),
    ]
}

fn rules() -> Answer {
    reply(json!({
        "mistakes": [
            {"name": "Cache everything", "hurts": "cache-design", "phrases": ["cache everything"], "advice": "Choose."},
            {"name": "Unknown", "hurts": "no-such-dimension", "phrases": ["x"], "advice": "y"}
        ],
        "order": [{"first": "requirements", "then": "Cache design", "advice": "Numbers first."}],
        "follow_ups": ["What if the cache goes down", "Why?"]
    }))
}

const STRONG: &str = "First the requirements: it is read heavy, thousands of reads per second, \
    and data may be stale for a minute. I put a cache aside in front of the database, with least \
    recently used eviction, sized in memory for a high hit rate. Each key has a time to live, and \
    I invalidate on write by deleting the key.";
const WEAK: &str = "I would cache everything and it would be fast for the users.";
/// A weak answer long enough to pass for a strong example.
const VAGUE: &str = "I would think about it carefully and talk with the team about what we \
    need, then build something simple that works well for everyone, and I would keep improving \
    it over time as we learn more about the users and what they want from the system in the end.";

/// The replies to the strong and the weak example's requests.
fn examples(strong: &str, weak: &str) -> [Answer; 2] {
    [
        reply(json!({"strong": strong})),
        reply(json!({"weak": weak})),
    ]
}

/// The good script without its two example replies.
fn without_examples() -> Vec<Answer> {
    let mut script = good_script();
    script.truncate(script.len() - 2);
    script
}

fn good_script() -> Vec<Answer> {
    let mut script = vec![plan()];
    script.extend(dimensions());
    script.push(rules());
    script.extend(examples(STRONG, WEAK));
    script
}

fn request() -> Request<'static> {
    Request {
        id: "cache-layer",
        text: "How would you design a cache for a read-heavy API?",
        kind: None,
        posting: Some("We build <b>fast</b> APIs."),
        file: "cache-layer.toml",
    }
}

async fn run(server: &Loopback) -> (Result<Draft, InterviewError>, Vec<String>) {
    let client = LlmClient::new(Endpoint::new(server.url(), "test-model")).unwrap();
    let mut steps = Vec::new();
    let r = draft(&client, &request(), &mut |s| steps.push(s.to_string())).await;
    (r, steps)
}

#[tokio::test]
async fn a_good_draft_is_assembled_checked_and_scored() {
    let server = Loopback::start(good_script()).await;
    let (r, steps) = run(&server).await;
    let d = r.unwrap();
    assert_eq!(
        server.bodies().len(),
        7,
        "a plan, 3 dimensions, rules, a strong and a weak example"
    );
    assert_eq!(steps.len(), 7, "{steps:?}");
    assert!(d.strong > d.weak && d.repaired.is_none(), "{d:?}");
    let q = Question::from_toml(&d.toml, "t.toml").unwrap();
    assert_eq!(q.kind, Kind::Design);
    assert_eq!(q.tags(), ["system-design", "performance", "caching"]);
    let ids: Vec<&str> = q.dimensions.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["requirements", "cache-design", "invalidation"]);
    assert_eq!(q.dimensions[1].levels, [1, 2, 2, 3]);
    assert_eq!(q.dimensions[0].evidence[0].misheard, ["cash"]);
    assert_eq!(
        q.anti_patterns.len(),
        1,
        "the one naming no dimension is left out"
    );
    assert_eq!(q.order[0].then, "cache-design");
    assert_eq!(q.follow_ups, ["What if the cache goes down?"]);
    assert!(
        d.toml
            .starts_with("# Drafted by `rehearse questions new` with the model test-model")
    );
    let first = &server.bodies()[0];
    assert_eq!(first["response_format"]["type"], "json_schema");
    let system = first["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("read-heavy API") && system.contains("‹b›fast‹/b›"),
        "{system}"
    );
    let later = &server.bodies()[3];
    assert_eq!(
        later["messages"][0], first["messages"][0],
        "one system message, cached"
    );
}

#[tokio::test]
async fn a_reply_that_is_not_json_goes_back_once_with_why() {
    let mut script = vec![reply_text("Sure! Here are the dimensions: impact, fix.")];
    script.extend(good_script());
    let server = Loopback::start(script).await;
    let d = run(&server).await.0.unwrap();
    assert!(d.strong > d.weak);
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 8);
    let repair = bodies[1]["messages"][3]["content"].as_str().unwrap();
    assert!(
        repair.contains("its reply for the dimensions has no JSON object"),
        "{repair}"
    );
}

#[tokio::test]
async fn examples_in_the_wrong_order_go_back_once_with_the_scores() {
    let mut script = without_examples();
    script.extend(examples(VAGUE, STRONG));
    script.extend(examples(STRONG, WEAK));
    let server = Loopback::start(script).await;
    let (r, steps) = run(&server).await;
    let d = r.unwrap();
    assert!(
        d.repaired
            .as_deref()
            .unwrap()
            .contains("strong example answer scores")
    );
    assert!(
        steps.iter().any(|s| s.contains("asking once more")),
        "{steps:?}"
    );
    let last = server.bodies().pop().unwrap();
    let prompt = last["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains("failed a check"), "{prompt}");
}

/// STRONG without its last point (how the cache is invalidated on a write).
const NEARLY: &str = "First the requirements: it is read heavy, thousands of reads per second, \
    and data may be stale for a minute. I put a cache aside in front of the database, with least \
    recently used eviction, sized in memory for a high hit rate. Each key has a time to live.";

#[tokio::test]
async fn a_weak_example_nearly_as_good_as_the_strong_goes_back_once() {
    let mut script = without_examples();
    script.extend(examples(STRONG, NEARLY));
    script.extend(examples(STRONG, NEARLY));
    let server = Loopback::start(script).await;
    let d = run(&server).await.0.unwrap();
    let why = d.repaired.as_deref().unwrap();
    assert!(why.contains("not 15 points above its weak one"), "{why}");
    assert!(d.strong > d.weak && d.strong < d.weak + 15, "{d:?}");
    assert_eq!(server.bodies().len(), 9, "both examples asked for again");
    let weak = &server.bodies()[6];
    let prompt = weak["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("weak example") && !prompt.contains("time to live"),
        "the weak example is asked for without the rubric: {prompt}"
    );
}

#[tokio::test]
async fn examples_too_short_or_wrapped_in_braces_go_back_once() {
    let mut script = without_examples();
    let [short, _] = examples("{\"I would cache it and be done.\"}", WEAK);
    script.push(short);
    script.extend(examples(&format!("{{\"{STRONG}\"}}"), WEAK));
    let server = Loopback::start(script).await;
    let d = run(&server).await.0.unwrap();
    let q = Question::from_toml(&d.toml, "t.toml").unwrap();
    assert!(q.examples[0].text.starts_with("First the requirements"));
    assert!(q.examples[0].text.ends_with("deleting the key."));
    let repair = server.bodies()[6]["messages"][3]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        repair.contains("strong example answer of 7 words, too short"),
        "{repair}"
    );
    let schema = &server.bodies()[5]["response_format"]["json_schema"]["schema"];
    assert_eq!(schema["properties"]["strong"]["minLength"], 400);
}

#[tokio::test]
async fn a_model_that_never_gets_it_right_is_an_error_not_a_file() {
    let mut script = without_examples();
    script.extend(examples(VAGUE, STRONG));
    script.extend(examples(VAGUE, STRONG));
    let server = Loopback::start(script).await;
    let err = run(&server).await.0.unwrap_err();
    assert!(matches!(err, InterviewError::Draft { .. }), "{err:?}");
    let said = crate::error_chain(&err);
    assert!(
        said.contains("did not draft a usable question file")
            && said.contains("not above its weak one"),
        "{said}"
    );
    let server = Loopback::start(vec![reply_text("no idea")]).await;
    let said = crate::error_chain(&run(&server).await.0.unwrap_err());
    assert!(said.contains("has no JSON object"), "{said}");
    assert_eq!(server.bodies().len(), 2, "sent back once, not more");
}

#[test]
fn a_long_posting_is_cut_at_a_word() {
    let long = "word ".repeat(1000);
    let cut = super::trim_posting(&long);
    assert!(cut.ends_with("word [...]") && cut.chars().count() <= super::POSTING_CHARS + 6);
    assert_eq!(super::trim_posting("a\n\n b"), "a b");
}
