//! From the model's small JSON pieces to a question file: each piece read leniently into the
//! bank's own types (ids made from names, phrases cleaned to what the matcher can use, levels
//! fitted to the items there are), the file written with the bank's serializer, then checked with
//! the bank's checks and its example answers scored with the bank's scorer.
//!
//! Whatever a piece holds that cannot be used is left out here rather than sent back: a mistake
//! naming no dimension, a phrase of twenty words. A piece is only sent back when what is left is
//! not enough (a dimension with no phrases at all), and the whole file only when it fails a check.

use serde_json::Value;

use super::super::error::DraftProblem;
use crate::questions::template::slug;
use crate::questions::{
    AntiPattern, Dimension, Evidence, Example, Grade, Kind, MAX_PHRASE_TOKENS, OrderRule, Question,
    Targets,
};
use crate::score::{Heard, Scorer, assess};

/// The most dimensions, evidence items per dimension and phrases per item kept.
const MAX_DIMENSIONS: usize = 6;
const MAX_ITEMS: usize = 6;
const MAX_PHRASES: usize = 8;
/// The most mistakes, ordering rules, follow-ups and tags kept.
const MAX_MISTAKES: usize = 3;
const MAX_ORDER: usize = 2;
const MAX_FOLLOW_UPS: usize = 5;
const MAX_TAGS: usize = 4;
/// The longest phrase and the longest sentence (a dimension's `means`, advice) the schemas allow.
/// A string that long was most likely cut off by a server holding the model to the schema.
pub(super) const PHRASE_CHARS: usize = 40;
pub(super) const TEXT_CHARS: usize = 180;

/// The first piece: the kind, the tags and the dimensions by name.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub kind: Kind,
    pub tags: Vec<String>,
    pub dimensions: Vec<Planned>,
}

/// A dimension as planned, before its evidence is asked for.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    pub id: String,
    pub name: String,
    pub means: String,
}

/// The mistakes, ordering rules and follow-ups.
#[derive(Debug, Clone, Default)]
pub(super) struct Rules {
    pub anti_patterns: Vec<AntiPattern>,
    pub order: Vec<OrderRule>,
    pub follow_ups: Vec<String>,
}

/// Every piece of a draft.
#[derive(Debug, Clone)]
pub(super) struct Parts {
    pub plan: Plan,
    pub dimensions: Vec<Dimension>,
    pub rules: Rules,
    pub examples: [String; 2],
}

/// The part of a draft a failed check belongs to, which goes back to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Dimension(usize),
    Rules,
    Examples,
}

/// A draft that failed: the part at fault and what is wrong.
#[derive(Debug)]
pub(super) struct Fault {
    pub part: Part,
    pub problem: DraftProblem,
}

/// A draft that passed: the file's text, the question as the bank reads it, and the examples'
/// scores (strong, weak).
#[derive(Debug)]
pub(super) struct Checked {
    pub toml: String,
    pub question: Question,
    pub scores: (u8, u8),
}

/// The plan from the model's reply; `kind` is the one asked for, if the user gave one. The error
/// ends a sentence about the reply.
pub(super) fn plan(v: &Value, kind: Option<Kind>, text: &str) -> Result<Plan, String> {
    let kind = kind
        .or_else(|| Kind::from_name(&string(v.get("kind"))))
        .unwrap_or_else(|| Kind::guess(text));
    let mut tags = vec![kind.shape_tag().to_string()];
    for tag in strings(v.get("tags")).iter().filter_map(|t| slug(t)) {
        if !tags.contains(&tag) && tags.len() < MAX_TAGS {
            tags.push(tag);
        }
    }
    let mut dimensions: Vec<Planned> = Vec::new();
    for d in items(v.get("dimensions")) {
        let name = match d {
            Value::String(s) => s.trim().to_string(),
            _ => string(d.get("name")),
        };
        let means = uncut(&string(d.get("means")), TEXT_CHARS);
        let Some(base) = slug(&name) else { continue };
        if dimensions
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        let id = fresh(&base, dimensions.iter().map(|p| p.id.as_str()));
        let means = if means.is_empty() {
            format!("Covers {}.", name.to_lowercase())
        } else {
            means
        };
        dimensions.push(Planned { id, name, means });
    }
    dimensions.truncate(MAX_DIMENSIONS);
    match dimensions.len() {
        0 | 1 => Err("names fewer than two dimensions to score".into()),
        _ => Ok(Plan {
            kind,
            tags,
            dimensions,
        }),
    }
}

/// One dimension from the model's reply on `planned`.
pub(super) fn dimension(v: &Value, planned: &Planned) -> Result<Dimension, String> {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for item in items(v.get("evidence")).into_iter().take(MAX_ITEMS) {
        let mut phrases = Vec::new();
        for p in strings(item.get("phrases"))
            .iter()
            .filter_map(|p| phrase(p))
        {
            if !used.contains(&p) && phrases.len() < MAX_PHRASES {
                used.push(p.clone());
                phrases.push(p);
            }
        }
        let Some(first) = phrases.first().cloned() else {
            continue;
        };
        let misheard: Vec<String> = strings(item.get("misheard"))
            .iter()
            .filter_map(|p| phrase(p))
            .filter(|p| !used.contains(p))
            .take(2)
            .collect();
        let label = Some(string(item.get("label")))
            .filter(|l| !l.is_empty())
            .unwrap_or(first);
        let base = slug(&label).unwrap_or_else(|| "item".into());
        let id = fresh(&base, evidence.iter().map(|e| e.id.as_str()));
        evidence.push(Evidence {
            id,
            label: label.to_lowercase(),
            phrases,
            misheard,
            near: Vec::new(),
            not_near: Vec::new(),
            senses: Vec::new(),
        });
    }
    if evidence.is_empty() {
        return Err(format!(
            "gives no evidence phrases for \"{}\"",
            planned.name
        ));
    }
    let advice = Some(uncut(&string(v.get("advice")), TEXT_CHARS))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| {
            format!(
                "Say how your answer covers {}.",
                planned.name.to_lowercase()
            )
        });
    Ok(Dimension {
        id: planned.id.clone(),
        name: planned.name.clone(),
        weight: number(v.get("weight")).map_or(2.0, |w| w.round().clamp(1.0, 3.0)),
        means: planned.means.clone(),
        advice,
        levels: levels(evidence.len()),
        applies: Default::default(),
        evidence,
    })
}

/// The mistakes, ordering rules and follow-ups that can be used; the rest is left out.
pub(super) fn rules(v: &Value, dimensions: &[Dimension]) -> Rules {
    let known = |raw: &str| {
        let raw = raw.trim();
        dimensions
            .iter()
            .find(|d| d.id == raw || d.name.eq_ignore_ascii_case(raw))
            .map(|d| d.id.clone())
    };
    let mut anti_patterns: Vec<AntiPattern> = Vec::new();
    for m in items(v.get("mistakes")) {
        let (Some(hurts), Some(base)) =
            (known(&string(m.get("hurts"))), slug(&string(m.get("name"))))
        else {
            continue;
        };
        let phrases: Vec<String> = strings(m.get("phrases"))
            .iter()
            .filter_map(|p| phrase(p))
            .take(MAX_PHRASES)
            .collect();
        if phrases.is_empty() || anti_patterns.len() == MAX_MISTAKES {
            continue;
        }
        let advice = Some(uncut(&string(m.get("advice")), TEXT_CHARS))
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "Leave this out of your answer.".into());
        anti_patterns.push(AntiPattern {
            id: fresh(&base, anti_patterns.iter().map(|a| a.id.as_str())),
            name: string(m.get("name")),
            hurts,
            penalty: 1,
            phrases,
            only: Vec::new(),
            missing: Vec::new(),
            near: Vec::new(),
            not_near: Vec::new(),
            senses: Vec::new(),
            advice,
        });
    }
    Rules {
        anti_patterns,
        order: order(v.get("order"), dimensions, &known),
        follow_ups: follow_ups(v.get("follow_ups")),
    }
}

/// The ordering rules between two different known dimensions, each pair once.
fn order(
    v: Option<&Value>,
    dimensions: &[Dimension],
    known: &dyn Fn(&str) -> Option<String>,
) -> Vec<OrderRule> {
    let name = |id: &str| {
        dimensions
            .iter()
            .find(|d| d.id == id)
            .map_or(id.to_string(), |d| d.name.to_lowercase())
    };
    let mut rules: Vec<OrderRule> = Vec::new();
    for r in items(v) {
        let (Some(first), Some(then)) = (
            known(&string(r.get("first"))),
            known(&string(r.get("then"))),
        ) else {
            continue;
        };
        let seen = rules
            .iter()
            .any(|o| (o.first == first && o.then == then) || (o.first == then && o.then == first));
        if first == then || seen || rules.len() == MAX_ORDER {
            continue;
        }
        let advice = Some(uncut(&string(r.get("advice")), TEXT_CHARS))
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| format!("Cover {} before {}.", name(&first), name(&then)));
        rules.push(OrderRule {
            name: format!("{} before {}", name(&first), name(&then)),
            hurts: first.clone(),
            first,
            then,
            penalty: 1,
            advice,
        });
    }
    rules
}

/// The follow-up questions, each once, each a question.
fn follow_ups(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in strings(v) {
        let q = q.trim().trim_end_matches('.').to_string();
        let q = if q.ends_with('?') { q } else { format!("{q}?") };
        if q.split_whitespace().count() >= 3 && !out.contains(&q) && out.len() < MAX_FOLLOW_UPS {
            out.push(q);
        }
    }
    out
}

/// The fewest words a strong and a weak example answer may have (the prompts ask for 150 to 220
/// and 40 to 70): an example much shorter says nothing about the rubric.
pub(super) const MIN_WORDS: [usize; 2] = [40, 10];

/// The example answer under `key` ("strong" or "weak"), unwrapped from the braces and quotes a
/// small model sometimes puts around an answer inside the string.
pub(super) fn example(v: &Value, key: &str) -> Result<String, String> {
    let min = if key == "strong" {
        MIN_WORDS[0]
    } else {
        MIN_WORDS[1]
    };
    let s = string(v.get(key));
    let words: Vec<&str> = s
        .trim_matches(|c: char| c.is_whitespace() || "{}[]\"'`".contains(c))
        .split_whitespace()
        .collect();
    if words.is_empty() {
        Err(format!("has no {key} example answer"))
    } else if words.len() < min {
        Err(format!(
            "has a {key} example answer of {} words, too short to show the rubric; write at \
             least {min}",
            words.len()
        ))
    } else if words.iter().any(|w| w.contains(['{', '}'])) {
        Err(format!(
            "has a {key} example answer that is not plain spoken sentences"
        ))
    } else {
        Ok(words.join(" "))
    }
}

/// The question the parts make, as the bank would read it.
pub(super) fn assemble(parts: &Parts, id: &str, text: &str) -> Question {
    let mut by_weight: Vec<&Dimension> = parts.dimensions.iter().collect();
    by_weight.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let short: Vec<&str> = by_weight.iter().take(3).map(|d| d.id.as_str()).collect();
    let [strong, weak] = &parts.examples;
    Question {
        id: id.to_string(),
        text: text.to_string(),
        kind: parts.plan.kind,
        tags: Some(parts.plan.tags.clone()),
        targets: Targets::default(),
        keep_in_short: parts
            .dimensions
            .iter()
            .filter(|d| short.contains(&d.id.as_str()))
            .map(|d| d.id.clone())
            .collect(),
        dimensions: parts.dimensions.clone(),
        order: parts.rules.order.clone(),
        anti_patterns: parts.rules.anti_patterns.clone(),
        follow_ups: parts.rules.follow_ups.clone(),
        examples: vec![
            Example {
                label: Grade::Strong,
                text: strong.clone(),
            },
            Example {
                label: Grade::Weak,
                text: weak.clone(),
            },
        ],
    }
}

/// Writes `question` as a file under `header` (comment lines), reads it back with the bank's checks
/// (`file` names it in errors), and scores its examples: the strong one must score at least
/// `margin` points above the weak one.
pub(super) fn verify(
    question: &Question,
    header: &str,
    file: &str,
    margin: u8,
) -> Result<Checked, Fault> {
    let body = toml::to_string_pretty(question).expect("a question serialises as TOML");
    let toml = format!("{header}\n{body}");
    let read = Question::from_toml(&toml, file).map_err(|e| Fault {
        part: part_of(&e),
        problem: DraftProblem::Check(e),
    })?;
    let scorer = Scorer::new(&read);
    let report = |grade| {
        let example = read.examples.iter().find(|e| e.label == grade);
        assess(
            &scorer,
            Heard::text("example", &example.expect("both examples").text),
        )
    };
    let (strong, weak) = (report(Grade::Strong), report(Grade::Weak));
    let scores = (strong.score.overall, weak.score.overall);
    if scores.0 < scores.1.saturating_add(margin) {
        let missed = strong
            .score
            .dimensions
            .iter()
            .filter(|d| d.applies && d.covered == 0)
            .map(|d| d.name.clone())
            .collect();
        return Err(Fault {
            part: Part::Examples,
            problem: DraftProblem::ExampleOrder {
                margin,
                strong: scores.0,
                weak: scores.1,
                missed,
            },
        });
    }
    Ok(Checked {
        toml,
        question: read,
        scores,
    })
}

/// The part of the draft a failed check's key belongs to.
fn part_of(e: &crate::questions::QuestionError) -> Part {
    let key = match e {
        crate::questions::QuestionError::Invalid { key, .. } => key.as_str(),
        _ => "",
    };
    if let Some(rest) = key.strip_prefix("dimension[")
        && let Some(i) = rest.split(']').next().and_then(|n| n.parse().ok())
    {
        return Part::Dimension(i);
    }
    if key.starts_with("examples") {
        Part::Examples
    } else {
        Part::Rules
    }
}

/// The levels for a dimension with `n` evidence items: every level reachable, each a little
/// harder than the one before.
fn levels(n: usize) -> [u32; 4] {
    match n {
        0 | 1 => [1, 1, 1, 1],
        2 => [1, 1, 2, 2],
        3 => [1, 2, 2, 3],
        4 => [1, 2, 3, 3],
        _ => [1, 2, 3, 4],
    }
}

/// A phrase as the matcher can use it: lower case, letters, digits, apostrophes and hyphens, 1 to
/// [`MAX_PHRASE_TOKENS`] words once normalised.
fn phrase(raw: &str) -> Option<String> {
    // One the schema's limit cut off ends in half a word ("a stronger sense of camar").
    if raw.chars().count() >= PHRASE_CHARS {
        return None;
    }
    let cleaned: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect();
    // A small model's phrase that drifts into another script midway is noise, not speech.
    let latin = |c: char| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c);
    let letters = cleaned.chars().filter(|c| c.is_alphabetic());
    if letters.clone().any(latin) && letters.clone().any(|c| !latin(c)) {
        return None;
    }
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let n = crate::text::tokenize(words.iter().copied()).len();
    (1..=MAX_PHRASE_TOKENS)
        .contains(&n)
        .then(|| words.join(" "))
}

/// `text`, without the half sentence at its end when it is as long as the schema allowed
/// (`cap`) and so was likely cut off; as it is when it has no whole sentence to keep.
fn uncut(text: &str, cap: usize) -> String {
    if text.chars().count() + 1 < cap {
        return text.to_string();
    }
    match text.rfind(['.', '!', '?']) {
        Some(end) if end > 0 => text[..=end].to_string(),
        _ => text.to_string(),
    }
}

/// `base`, or `base-2`, `base-3`... whichever none of `taken` is.
fn fresh<'a>(base: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut id = base.to_string();
    let mut n = 2;
    while taken.clone().any(|t| t == id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// A string field, trimmed; a number as its digits; anything else empty.
fn string(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A list of strings; one string given where a list was asked for is split at commas.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| string(Some(i)))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ';'])
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// The items of a list, or the values of an object given where a list was asked for.
fn items(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    }
}

/// A number, or a string holding one.
fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_cut_off_or_drifting_into_another_script_are_left_out() {
        assert_eq!(phrase("Roll back!").as_deref(), Some("roll back"));
        assert_eq!(phrase("they developed a stronger sense of camar"), None);
        assert_eq!(phrase("handle more complex 棘手"), None);
        assert_eq!(phrase("откатить релиз").as_deref(), Some("откатить релиз"));
        assert_eq!(phrase("café décor").as_deref(), Some("café décor"));
    }

    #[test]
    fn a_sentence_cut_off_at_the_limit_keeps_its_whole_sentences() {
        let short = "Say who was affected.";
        assert_eq!(uncut(short, TEXT_CHARS), short);
        let cut = format!("Say who was affected. {}", "and then ".repeat(20));
        let cut: String = cut.chars().take(TEXT_CHARS).collect();
        assert_eq!(uncut(&cut, TEXT_CHARS), "Say who was affected.");
        let no_end = "word ".repeat(40);
        assert_eq!(uncut(&no_end, TEXT_CHARS), no_end);
    }
}
