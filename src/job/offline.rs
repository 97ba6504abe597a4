//! The offline picker: which questions of the bank a job posting's interviewers would likely ask,
//! found by the words the posting shares with each question, with no model and no network.
//!
//! Each question is read as a bag of word stems with a weight for where each stands: its text and
//! tags count most, the posting words its tags stand for (`prompts/job/words.toml`) next, its
//! rubric (dimension names, what they mean, evidence labels and phrases) and follow-ups least. A
//! word shared by many questions says little about any of them, so every word is also weighted by
//! its inverse document frequency over the bank; stop words and posting boilerplate are dropped.
//! A question's score is its dot product with the posting's words (each counted sub-linearly),
//! divided by the length of the question's own vector, so a long rubric does not win by size.
//!
//! Pure and deterministic: the same bank and posting always give the same picks, ties broken by
//! bank order.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::Pick;
use crate::questions::Question;
use crate::text::stem;

/// The picker's word lists, compiled in.
const WORDS: &str = include_str!("../../prompts/job/words.toml");

/// The score under which a question is not counted as relevant to a posting: below it, the words
/// shared are the odd generic one ("design", "team") rather than the posting's subject.
pub const RELEVANT: f64 = 6.0;

/// Weights of a question's own words by where they stand.
const TEXT: f64 = 3.0;
const TAG: f64 = 3.0;
const NAME: f64 = 1.5;
const RUBRIC: f64 = 0.5;
/// What the question's own words weigh against its tags' posting words.
const OWN: f64 = 10.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    stop: Vec<String>,
    tags: BTreeMap<String, Vec<String>>,
}

/// A question's score against a posting, and the posting's words that earned it.
#[derive(Debug, Clone)]
pub struct Scored<'q> {
    /// The question.
    pub question: &'q Question,
    /// Its score; see [`RELEVANT`].
    pub score: f64,
    /// The posting's words it matched, as the posting writes them, the strongest first.
    pub matched: Vec<String>,
}

/// What the offline picker found.
#[derive(Debug, Clone)]
pub struct Offline {
    /// The questions picked, in the order to ask them.
    pub picks: Vec<Pick>,
    /// Whether any question other than a behavioural one matched the posting.
    pub relevant: bool,
    /// The posting's most frequent words the bank has no question about, for a suggestion.
    pub unmatched: Vec<String>,
}

/// The posting read against one bank.
struct Reader {
    stop: HashSet<String>,
    /// Each tag's posting words, as stems.
    tag_words: BTreeMap<String, Vec<String>>,
    /// Each tag's inverse document frequency over the bank.
    tag_idf: HashMap<String, f64>,
    /// Each question's own words: stem -> weight.
    profiles: Vec<HashMap<String, f64>>,
    /// Inverse document frequency of every stem of the questions' own words.
    idf: HashMap<String, f64>,
}

/// Picks up to `want` questions of `questions` (in bank order) for `posting`: the best-scoring
/// relevant questions, with at least one behavioural one among two or more.
pub fn pick(questions: &[&Question], posting: &str, want: usize) -> Offline {
    let reader = Reader::new(questions);
    let mut ranked = reader.rank(questions, posting);
    // A stable sort keeps bank order among equal scores.
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    let relevant = ranked
        .iter()
        .any(|s| s.score >= RELEVANT && !behavioural(s.question));
    let mut chosen: Vec<&Scored> = ranked
        .iter()
        .filter(|s| s.score >= RELEVANT)
        .take(want)
        .collect();
    // Two rounds or more keep one for a behavioural question; a single round is the best
    // question, behavioural only when nothing else matched.
    let short = !chosen.iter().any(|s| behavioural(s.question));
    if short && (want > 1 || (want == 1 && chosen.is_empty())) {
        let best = ranked
            .iter()
            .filter(|s| behavioural(s.question))
            // Among behavioural questions no word matched, the most general one.
            .min_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(a.question.tags().len().cmp(&b.question.tags().len()))
            });
        match best {
            Some(b) => {
                chosen.truncate(want - 1);
                chosen.push(b);
            }
            // A bank whose own files left every behavioural question out: its best question.
            None if chosen.is_empty() => chosen.extend(ranked.first()),
            None => {}
        }
    }
    Offline {
        picks: chosen.into_iter().map(reason).collect(),
        relevant,
        unmatched: reader.unmatched(posting),
    }
}

/// Whether a question is a behavioural one (every interview has at least one).
pub fn behavioural(q: &Question) -> bool {
    q.has_tag("behavioural")
}

/// Why a question was picked, naming the posting's words it matched.
fn reason(s: &Scored) -> Pick {
    let because = if s.matched.is_empty() || s.score < RELEVANT {
        "every interview has a behavioural question, and no other matched the posting's words more closely".to_string()
    } else {
        let quoted: Vec<String> = s
            .matched
            .iter()
            .take(3)
            .map(|w| format!("\"{w}\""))
            .collect();
        format!("the posting's {} match this question", and_list(&quoted))
    };
    Pick {
        question: s.question.id.clone(),
        because,
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `ln((n + 1) / (df + 0.5))`: near 0 for what every document has, largest for what one has.
fn inverse(n: usize, df: usize) -> f64 {
    ((n as f64 + 1.0) / (df as f64 + 0.5)).ln()
}

impl Reader {
    fn new(questions: &[&Question]) -> Reader {
        let words: Words = toml::from_str(WORDS).expect("prompts/job/words.toml is valid");
        let stop: HashSet<String> = words.stop.into_iter().collect();
        let tag_words: BTreeMap<String, Vec<String>> = words
            .tags
            .into_iter()
            .map(|(tag, list)| {
                let mut stems: Vec<String> = list
                    .iter()
                    .flat_map(|w| stems(w, &stop))
                    .map(|(_, s)| s)
                    .collect();
                stems.sort();
                stems.dedup();
                (tag, stems)
            })
            .collect();
        let n = questions.len();
        let tag_idf = tag_words
            .keys()
            .map(|t| {
                let df = questions.iter().filter(|q| q.has_tag(t)).count();
                (t.clone(), inverse(n, df))
            })
            .collect();
        let profiles: Vec<HashMap<String, f64>> =
            questions.iter().map(|q| profile(q, &stop)).collect();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for p in &profiles {
            for s in p.keys() {
                *df.entry(s.as_str()).or_default() += 1;
            }
        }
        let idf = df
            .into_iter()
            .map(|(s, d)| (s.to_string(), inverse(n, d)))
            .collect();
        Reader {
            stop,
            tag_words,
            tag_idf,
            profiles,
            idf,
        }
    }

    /// Every question's score against `posting`, in bank order.
    fn rank<'q>(&self, questions: &[&'q Question], posting: &str) -> Vec<Scored<'q>> {
        let counts = self.counts(posting);
        questions
            .iter()
            .zip(&self.profiles)
            .map(|(q, profile)| self.score(q, profile, &counts))
            .collect()
    }

    /// The posting's stems with their counts and the first way the posting writes each.
    fn counts(&self, posting: &str) -> BTreeMap<String, (usize, String)> {
        let mut counts: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for (word, s) in stems(posting, &self.stop) {
            counts.entry(s).or_insert((0, word)).0 += 1;
        }
        counts
    }

    /// A question's score: what its tags' posting words earn, plus what its own words earn
    /// (divided by the length of its word vector, so a long rubric does not win by size).
    fn score<'q>(
        &self,
        q: &'q Question,
        profile: &HashMap<String, f64>,
        counts: &BTreeMap<String, (usize, String)>,
    ) -> Scored<'q> {
        let idf = |s: &str| self.idf.get(s).copied().unwrap_or(0.0);
        let norm = profile
            .iter()
            .map(|(s, w)| (w * idf(s)).powi(2))
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        // Each posting word earns the most any one of its readings gives.
        let mut parts: BTreeMap<&str, f64> = BTreeMap::new();
        for (s, (n, word)) in counts {
            let said = 1.0 + (*n as f64).ln();
            let own = profile
                .get(s)
                .map_or(0.0, |w| OWN * w * said * idf(s) / norm);
            let tagged = q
                .tags()
                .iter()
                .filter(|t| self.tag_words.get(*t).is_some_and(|w| w.contains(s)))
                .map(|t| said * self.tag_idf[t])
                .fold(0.0, f64::max);
            let part = own.max(tagged);
            if part > 0.0 {
                let e = parts.entry(word.as_str()).or_insert(0.0);
                *e = e.max(part);
            }
        }
        let mut parts: Vec<(f64, &str)> = parts.into_iter().map(|(w, p)| (p, w)).collect();
        parts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        Scored {
            question: q,
            score: parts.iter().map(|(p, _)| p).sum(),
            matched: parts.into_iter().map(|(_, w)| w.to_string()).collect(),
        }
    }

    /// The posting's most frequent words that no question of the bank uses, at most three.
    fn unmatched(&self, posting: &str) -> Vec<String> {
        let tagged = |s: &String| self.tag_words.values().any(|w| w.contains(s));
        let mut words: Vec<(usize, String)> = self
            .counts(posting)
            .into_iter()
            .filter(|(s, _)| !self.idf.contains_key(s) && !tagged(s))
            .map(|(_, (n, word))| (n, word))
            .collect();
        words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        words.into_iter().take(3).map(|(_, w)| w).collect()
    }
}

/// A question's own words, each with the weight of the most telling place it stands in.
fn profile(q: &Question, stop: &HashSet<String>) -> HashMap<String, f64> {
    let mut out: HashMap<String, f64> = HashMap::new();
    let mut add = |text: &str, weight: f64| {
        for (_, s) in stems(text, stop) {
            let w = out.entry(s).or_insert(0.0);
            *w = w.max(weight);
        }
    };
    add(&q.text, TEXT);
    for tag in q.tags() {
        add(tag, TAG);
    }
    for d in &q.dimensions {
        add(&d.name, NAME);
        add(&d.means, RUBRIC);
        for e in &d.evidence {
            add(&e.label, RUBRIC);
            for p in &e.phrases {
                add(p, RUBRIC);
            }
        }
    }
    for f in &q.follow_ups {
        add(f, RUBRIC);
    }
    out
}

/// The words of `text` that are not stop words, each as written (lower case) with its stem. A
/// hyphenated word ("on-call") is written whole and stemmed by its parts.
fn stems(text: &str, stop: &HashSet<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
        let word = word.trim_matches('-').to_lowercase();
        if word.is_empty() || stop.contains(&word) {
            continue;
        }
        for part in word.split('-') {
            let useful = part.chars().count() >= 2 && !part.chars().all(|c| c.is_ascii_digit());
            if useful && !stop.contains(part) {
                out.push((word.clone(), stem(part)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
