//! Judging what an answer covered against a question's rubric: a 0-4 level per dimension with a
//! one-line reason and the quoted words that earned it, the ordering rules, the anti-patterns, and
//! whether the answer tells a story (which turns on the STAR dimension).
//!
//! A dimension's level comes from how many *distinct* evidence items were heard, so saying "logs"
//! ten times is one item, and the same words never count for two items of one dimension. Negated
//! mentions ("we didn't roll back") earn nothing; hypothetical ones ("if customers are hit, I roll
//! back") count as evidence, because describing a method is the point of a process question.
//! Anti-patterns are the opposite: only a plainly asserted mistake costs levels, so "I would never
//! just restart it" is not held against anyone. Ordering rules compare first mentions.

use serde::{Deserialize, Serialize};

pub use super::evidence::Quote;
use super::evidence::{Chosen, Group, Item, choose, clause, quote};
use super::matcher::{Hit, Index, Phrase};
use super::modality::{CONDITION_WINDOW, Modality, modality};
use super::senses::Senses;
use super::spoken::Spoken;
use super::story::{self, STORY_MARKERS};
use crate::questions::{Applies, Dimension, Kind, Question, Sense};

/// A question made ready to score answers against: the question, and its phrases in matching form,
/// prepared once. The question bank keeps questions as plain data; the scorer owns this form of them.
#[derive(Debug, Clone)]
pub struct Scorer<'q> {
    pub(super) question: &'q Question,
    pub(super) prepared: Prepared,
}

impl<'q> Scorer<'q> {
    /// Prepares every phrase of `question`.
    pub fn new(question: &'q Question) -> Scorer<'q> {
        Scorer {
            question,
            prepared: Prepared::new(question),
        }
    }

    /// The question answers are scored against.
    pub fn question(&self) -> &'q Question {
        self.question
    }
}

/// A question's phrases in matching form.
#[derive(Debug, Clone, Default)]
pub(super) struct Prepared {
    evidence: Vec<Vec<Item>>,
    anti: Vec<Item>,
    story: Vec<Phrase>,
    max_key_len: usize,
}

impl Prepared {
    /// Prepares every phrase of `q`; phrases that normalise to nothing are skipped (validation
    /// rejects them in bank files).
    fn new(q: &Question) -> Prepared {
        let compile = |list: &mut dyn Iterator<Item = &String>| {
            list.filter_map(|p| Phrase::new(p)).collect::<Vec<_>>()
        };
        let evidence: Vec<Vec<Item>> = q
            .dimensions
            .iter()
            .map(|d| {
                d.evidence
                    .iter()
                    .map(|e| Item {
                        groups: groups(
                            compile(&mut e.phrases.iter().chain(&e.misheard)),
                            Senses::new(&e.near, &e.not_near),
                            &e.senses,
                        ),
                    })
                    .collect()
            })
            .collect();
        let anti: Vec<Item> = q
            .anti_patterns
            .iter()
            .map(|a| Item {
                groups: groups(
                    compile(&mut a.phrases.iter()),
                    Senses::new(&a.near, &a.not_near),
                    &a.senses,
                ),
            })
            .collect();
        let story: Vec<Phrase> = STORY_MARKERS
            .iter()
            .filter_map(|p| Phrase::new(p))
            .collect();
        let items = evidence.iter().flatten().chain(&anti);
        let all = items.flat_map(Item::all_phrases).chain(&story);
        let max_key_len = all.map(|p| p.key.len()).max().unwrap_or(0);
        Prepared {
            evidence,
            anti,
            story,
            max_key_len,
        }
    }
}

/// An item's groups: its own phrases under its own rules, then each `sense` table's.
fn groups(own: Vec<Phrase>, rules: Senses, senses: &[Sense]) -> Vec<Group> {
    let mut out = vec![Group {
        phrases: own,
        senses: rules,
    }];
    out.extend(senses.iter().map(|s| Group {
        phrases: s.phrases.iter().filter_map(|p| Phrase::new(p)).collect(),
        senses: Senses::new(&s.near, &s.not_near),
    }));
    out
}

/// Levels a dimension lost, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loss {
    /// The anti-pattern or ordering rule.
    pub cause: String,
    /// Levels taken away.
    pub levels: u8,
}

/// One dimension's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    /// The dimension's id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its weight.
    pub weight: f64,
    /// Whether it counts for this answer (story-only dimensions do not count for a method answer).
    pub applies: bool,
    /// 0 to 4, after losses.
    pub level: u8,
    /// 0 to 4, from coverage alone.
    pub covered: u8,
    /// One line saying why.
    pub reason: String,
    /// The evidence heard, one quote per item, in the order the rubric lists the items.
    pub evidence: Vec<Quote>,
    /// Labels of the items not heard.
    pub missing: Vec<String>,
    /// What cost it levels.
    pub losses: Vec<Loss>,
    /// Whether the 90-second version must keep it.
    pub keep_in_short: bool,
}

/// One ordering rule's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCheck {
    /// The rule's name.
    pub name: String,
    /// `Some(true)` when kept, `Some(false)` when broken, `None` when one side was never mentioned.
    pub held: Option<bool>,
    /// First mention of the dimension that should come first.
    pub first_at: Option<Quote>,
    /// First mention of the dimension that should come after it.
    pub then_at: Option<Quote>,
    /// What to do, shown when broken.
    pub advice: String,
}

/// An anti-pattern the answer showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mistake {
    /// The anti-pattern's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The dimension it cost.
    pub hurts: String,
    /// Levels it cost.
    pub penalty: u8,
    /// The words that showed it; absent when it was shown by what was missing ("only logs").
    pub quote: Option<Quote>,
    /// What to do instead.
    pub advice: String,
}

/// The rubric's verdict on an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    /// Whether the answer tells a story, so story-only dimensions count.
    pub story: bool,
    /// Every dimension, in the rubric's order.
    pub dimensions: Vec<DimensionScore>,
    /// Every ordering rule, in the rubric's order.
    pub ordering: Vec<OrderCheck>,
    /// The anti-patterns shown, in the rubric's order.
    pub mistakes: Vec<Mistake>,
}

/// Judges `spoken` against the scorer's rubric.
pub fn evaluate(scorer: &Scorer<'_>, spoken: &Spoken) -> Rubric {
    let (q, prepared) = (scorer.question, &scorer.prepared);
    let index = Index::new(&spoken.tokens, prepared.max_key_len);
    let story = q.kind == Kind::Story || story::tells_story(&index, &prepared.story);
    let said = said_mistakes(prepared, &index);
    let blocked = blocked_clauses(q, &index, &said);
    let chosen: Vec<Chosen> = prepared
        .evidence
        .iter()
        .zip(&blocked)
        .map(|(items, b)| choose(&index, items, b))
        .collect();
    let mut losses: Vec<Vec<Loss>> = vec![Vec::new(); q.dimensions.len()];
    let mistakes = mistakes(q, &said, spoken, &chosen, &mut losses);
    let ordering = ordering(q, spoken, &chosen, &mut losses);
    let dimensions = q
        .dimensions
        .iter()
        .zip(&chosen)
        .zip(losses)
        .map(|((d, hits), lost)| {
            let applies = d.applies == Applies::Always || story;
            dimension_score(
                d,
                hits,
                lost,
                applies,
                q.keep_in_short.contains(&d.id),
                spoken,
            )
        })
        .collect();
    Rubric {
        story,
        dimensions,
        ordering,
        mistakes,
    }
}

/// One dimension's result from its chosen hits and the levels it lost.
fn dimension_score(
    d: &Dimension,
    hits: &Chosen,
    losses: Vec<Loss>,
    applies: bool,
    keep_in_short: bool,
    spoken: &Spoken,
) -> DimensionScore {
    let heard = d.evidence.iter().zip(hits);
    let evidence: Vec<Quote> = heard
        .clone()
        .filter_map(|(e, h)| h.map(|h| quote(spoken, &h, &e.label)))
        .collect();
    let missing = heard
        .filter(|(_, h)| h.is_none())
        .map(|(e, _)| e.label.clone())
        .collect();
    let covered = d
        .levels
        .iter()
        .filter(|&&n| evidence.len() >= n as usize)
        .count() as u8;
    let level = covered.saturating_sub(losses.iter().map(|l| l.levels).sum());
    let mut s = DimensionScore {
        id: d.id.clone(),
        name: d.name.clone(),
        weight: d.weight,
        applies,
        level,
        covered,
        reason: String::new(),
        evidence,
        missing,
        losses,
        keep_in_short,
    };
    s.reason = reason(&s);
    s
}

/// Every plainly said hit of each anti-pattern, in text order. A denial anywhere in the clause
/// clears the speaker, so the whole clause is the negation window here.
fn said_mistakes(prepared: &Prepared, index: &Index) -> Vec<Vec<Hit>> {
    let plain = |h: &Hit| modality(index.tokens(), h.first, CONDITION_WINDOW) == Modality::Asserted;
    let said = |item: &Item| {
        let (mut hits, _) = item.hits(index, |p| index.find(p));
        hits.retain(plain);
        hits
    };
    prepared.anti.iter().map(said).collect()
}

/// Per dimension, the clauses where a mistake against it was said plainly.
fn blocked_clauses(q: &Question, index: &Index, said: &[Vec<Hit>]) -> Vec<Vec<(usize, usize)>> {
    let mut out = vec![Vec::new(); q.dimensions.len()];
    for (a, hits) in q.anti_patterns.iter().zip(said) {
        if let Some(dim) = q.dimensions.iter().position(|d| d.id == a.hurts) {
            out[dim].extend(hits.iter().map(|h| clause(index.tokens(), h.first, h.last)));
        }
    }
    out
}

/// The anti-patterns shown, adding their losses to the dimensions they hurt. A mistake is shown
/// by a phrase said plainly, by the hurt dimension's evidence lacking every `missing` item, or
/// (for `only` rules) by that evidence being nothing but the listed items.
fn mistakes(
    q: &Question,
    said: &[Vec<Hit>],
    spoken: &Spoken,
    chosen: &[Chosen],
    losses: &mut [Vec<Loss>],
) -> Vec<Mistake> {
    let mut out = Vec::new();
    for (a, hits) in q.anti_patterns.iter().zip(said) {
        let Some(dim) = q.dimensions.iter().position(|d| d.id == a.hurts) else {
            continue;
        };
        let first = hits.first();
        let d = &q.dimensions[dim];
        let shown_by_gap =
            only_these(&a.only, d, &chosen[dim]) || none_of(&a.missing, d, &chosen[dim]);
        if first.is_none() && !shown_by_gap {
            continue;
        }
        losses[dim].push(Loss {
            cause: a.name.clone(),
            levels: a.penalty,
        });
        out.push(Mistake {
            id: a.id.clone(),
            name: a.name.clone(),
            hurts: a.hurts.clone(),
            penalty: a.penalty,
            quote: first.map(|h| quote(spoken, h, &a.name)),
            advice: a.advice.clone(),
        });
    }
    out
}

/// Whether `missing` names items of `d` and none of them was heard.
fn none_of(missing: &[String], d: &Dimension, hits: &Chosen) -> bool {
    !missing.is_empty()
        && d.evidence
            .iter()
            .zip(hits)
            .all(|(e, h)| h.is_none() || !missing.contains(&e.id))
}

/// Whether the evidence heard for `d` is something, and nothing but the items in `only`.
fn only_these(only: &[String], d: &Dimension, hits: &Chosen) -> bool {
    let mut heard = d
        .evidence
        .iter()
        .zip(hits)
        .filter(|(_, h)| h.is_some())
        .map(|(e, _)| &e.id);
    let first = heard.next();
    !only.is_empty()
        && first.is_some()
        && first.into_iter().chain(heard).all(|id| only.contains(id))
}

/// Checks the ordering rules on first mentions, adding losses for broken ones.
fn ordering(
    q: &Question,
    spoken: &Spoken,
    chosen: &[Chosen],
    losses: &mut [Vec<Loss>],
) -> Vec<OrderCheck> {
    let position = |id: &str| q.dimensions.iter().position(|d| d.id == id);
    let mut out = Vec::new();
    for rule in &q.order {
        let (Some(f), Some(t), Some(hurt)) = (
            position(&rule.first),
            position(&rule.then),
            position(&rule.hurts),
        ) else {
            continue;
        };
        let first = first_mention(&q.dimensions[f], &chosen[f], spoken);
        let then = first_mention(&q.dimensions[t], &chosen[t], spoken);
        let held = match (&first, &then) {
            (Some((a, _)), Some((b, _))) => Some(a <= b),
            _ => None,
        };
        if held == Some(false) {
            losses[hurt].push(Loss {
                cause: rule.name.clone(),
                levels: rule.penalty,
            });
        }
        out.push(OrderCheck {
            name: rule.name.clone(),
            held,
            first_at: first.map(|(_, q)| q),
            then_at: then.map(|(_, q)| q),
            advice: rule.advice.clone(),
        });
    }
    out
}

/// The token where a dimension's evidence is first heard, and its quote.
fn first_mention(d: &Dimension, hits: &Chosen, spoken: &Spoken) -> Option<(usize, Quote)> {
    let (item, hit) = hits
        .iter()
        .enumerate()
        .filter_map(|(k, h)| h.map(|h| (k, h)))
        .min_by_key(|(_, h)| h.first)?;
    Some((hit.first, quote(spoken, &hit, &d.evidence[item].label)))
}

/// The one-line reason for a dimension's level.
fn reason(s: &DimensionScore) -> String {
    if !s.applies {
        return "not scored: the answer tells no story".to_string();
    }
    let mut out = format!("{}/4", s.level);
    let heard: Vec<&str> = s.evidence.iter().map(|q| q.counts_as.as_str()).collect();
    if heard.is_empty() {
        out += ": nothing heard";
    } else {
        out += &format!(": heard {}", list(&heard));
    }
    if !s.missing.is_empty() && s.covered < 4 {
        let missing: Vec<&str> = s.missing.iter().take(3).map(String::as_str).collect();
        out += &format!("; not heard {}", list(&missing));
    }
    for loss in &s.losses {
        out += &format!("; lost {} for {}", loss.levels, loss.cause);
    }
    out
}

/// "a", "a and b", "a, b and c".
pub fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
