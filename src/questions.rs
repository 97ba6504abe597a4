//! The question bank: interview questions and their rubrics, read from TOML data files.
//!
//! A question is data, not code. Each `prompts/questions/*.toml` file holds one question: its text,
//! kind, target lengths, rubric dimensions with the evidence that counts for each, ordering rules,
//! anti-patterns and follow-up questions (the format is documented in `prompts/README.md`). The
//! built-in files are compiled into the binary; [`Bank::load`] adds a user's own folder on top, where
//! a file with the same `id` replaces the built-in question. Parsing is separate from reading files,
//! so tests and tools can check a file's text directly with [`Question::from_toml`], and every
//! validation error names the file and the key at fault.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The id of the flagship question, the default for `rehearse score`.
pub const FLAGSHIP: &str = "debug-production-issue";

/// The most words a rubric phrase may have once normalised ([`crate::text`]): longer phrases would
/// rarely be said word for word.
pub const MAX_PHRASE_TOKENS: usize = 8;
/// How far, in words either side and within its sentence, a phrase's `near` and `not_near`
/// context is looked for.
pub const CONTEXT_WORDS: usize = 8;

/// The tags the built-in questions use, as documented in `prompts/README.md`: one for the shape of
/// the answer (`story`, `process`, `system-design`), the others for what it is about. A user's own
/// files may use other tags too.
pub const TAGS: [&str; 10] = [
    "story",
    "process",
    "system-design",
    "behavioural",
    "teamwork",
    "debugging",
    "incident",
    "reliability",
    "performance",
    "data",
];

/// The built-in question files, by file name. Adding one here is the only Rust a new built-in
/// question needs; a user's own questions need none.
const BUILTIN: [(&str, &str); 20] = [
    (
        "debug-production-issue.toml",
        include_str!("../prompts/questions/debug-production-issue.toml"),
    ),
    (
        "production-incident.toml",
        include_str!("../prompts/questions/production-incident.toml"),
    ),
    (
        "improve-reliability.toml",
        include_str!("../prompts/questions/improve-reliability.toml"),
    ),
    (
        "database-design.toml",
        include_str!("../prompts/questions/database-design.toml"),
    ),
    (
        "slow-endpoint.toml",
        include_str!("../prompts/questions/slow-endpoint.toml"),
    ),
    (
        "rate-limiter.toml",
        include_str!("../prompts/questions/rate-limiter.toml"),
    ),
    (
        "zero-downtime-migration.toml",
        include_str!("../prompts/questions/zero-downtime-migration.toml"),
    ),
    (
        "technical-disagreement.toml",
        include_str!("../prompts/questions/technical-disagreement.toml"),
    ),
    (
        "url-shortener.toml",
        include_str!("../prompts/questions/url-shortener.toml"),
    ),
    (
        "flaky-test-suite.toml",
        include_str!("../prompts/questions/flaky-test-suite.toml"),
    ),
    (
        "on-call-handover.toml",
        include_str!("../prompts/questions/on-call-handover.toml"),
    ),
    (
        "risky-pull-request.toml",
        include_str!("../prompts/questions/risky-pull-request.toml"),
    ),
    (
        "tight-deadline.toml",
        include_str!("../prompts/questions/tight-deadline.toml"),
    ),
    (
        "critical-feedback.toml",
        include_str!("../prompts/questions/critical-feedback.toml"),
    ),
    (
        "incomplete-data-decision.toml",
        include_str!("../prompts/questions/incomplete-data-decision.toml"),
    ),
    (
        "why-this-role.toml",
        include_str!("../prompts/questions/why-this-role.toml"),
    ),
    (
        "tell-me-about-yourself.toml",
        include_str!("../prompts/questions/tell-me-about-yourself.toml"),
    ),
    (
        "conflict-with-colleague.toml",
        include_str!("../prompts/questions/conflict-with-colleague.toml"),
    ),
    (
        "failure-lesson.toml",
        include_str!("../prompts/questions/failure-lesson.toml"),
    ),
    (
        "leading-without-authority.toml",
        include_str!("../prompts/questions/leading-without-authority.toml"),
    ),
];

/// What shape of answer a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// "Tell me about a time...": a past story, judged for STAR completeness.
    Story,
    /// "How do you...": a method, told as steps.
    Process,
    /// "How would you design...": trade-offs and structure.
    Design,
}

impl Kind {
    /// The name used in question files and listings: "story", "process" or "design".
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Story => "story",
            Kind::Process => "process",
            Kind::Design => "design",
        }
    }
}

/// One target length: the time and the word range that fits it at a comfortable pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Seconds.
    pub seconds: u32,
    /// Words, lowest and highest, at 120 to 160 words per minute.
    pub words: [u32; 2],
}

/// The two versions of an answer a candidate should be able to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// The 90-second version.
    pub short: Target,
    /// The 2-minute version.
    pub long: Target,
}

impl Targets {
    /// Whether these are the 90 s and 2 min defaults, which a written file need not repeat.
    pub fn is_default(&self) -> bool {
        *self == Targets::default()
    }
}

impl Default for Targets {
    /// 90 s and 2 min at 120 to 160 words per minute, the usual coaching norm.
    fn default() -> Self {
        Targets {
            short: Target {
                seconds: 90,
                words: [180, 240],
            },
            long: Target {
                seconds: 120,
                words: [240, 320],
            },
        }
    }
}

/// When a dimension is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applies {
    /// Always.
    #[default]
    Always,
    /// Only when the answer tells a story (or the question asks for one).
    Story,
}

impl Applies {
    /// Whether the dimension is always scored, which a written file need not say.
    pub fn is_always(&self) -> bool {
        *self == Applies::Always
    }
}

/// One thing the answer should show, and the words that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Short id, unique in its dimension.
    pub id: String,
    /// How the report names it ("who is affected").
    pub label: String,
    /// Phrases and synonyms that count. Inflections, spacing and hyphens need not be listed.
    pub phrases: Vec<String>,
    /// What Whisper tends to write instead ("cash" for "cache").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misheard: Vec<String>,
    /// When set, a phrase counts only with one of these said near it (see [`CONTEXT_WORDS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near: Vec<String>,
    /// A phrase with one of these said near it means something else and does not count: "tests"
    /// near "regression" is prevention, not testing a hypothesis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_near: Vec<String>,
    /// More phrases, each group with context rules of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "sense")]
    pub senses: Vec<Sense>,
}

impl Evidence {
    /// Every phrase that can earn the item: its phrases, misheard spellings and `sense` tables'.
    pub fn every_phrase(&self) -> impl Iterator<Item = &String> {
        let senses = self.senses.iter().flat_map(|s| &s.phrases);
        self.phrases.iter().chain(&self.misheard).chain(senses)
    }
}

/// Phrases that count only in the sense their own context rules give, written
/// `[[dimension.evidence.sense]]` or `[[anti_pattern.sense]]`. The item's own `near` and
/// `not_near` do not apply to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sense {
    /// The phrases.
    pub phrases: Vec<String>,
    /// When set, a phrase counts only with one of these said near it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near: Vec<String>,
    /// A phrase with one of these said near it does not count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_near: Vec<String>,
}

/// A scored aspect of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Short id, unique in the question.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Relative weight in the overall score; positive.
    pub weight: f64,
    /// What a good answer does here, in one sentence.
    pub means: String,
    /// What to do when this dimension scores low, in one sentence.
    pub advice: String,
    /// Distinct evidence items needed for levels 1, 2, 3 and 4; non-decreasing.
    pub levels: [u32; 4],
    /// When the dimension is scored.
    #[serde(default, skip_serializing_if = "Applies::is_always")]
    pub applies: Applies,
    /// The evidence items.
    pub evidence: Vec<Evidence>,
}

/// "Mention `first` before `then`", checked on first mentions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRule {
    /// How the report names the rule ("stabilise before root cause").
    pub name: String,
    /// The dimension that should come first.
    pub first: String,
    /// The dimension that should come after it.
    pub then: String,
    /// The dimension that loses levels when the order is wrong.
    pub hurts: String,
    /// Levels lost, 1 to 4.
    pub penalty: u8,
    /// What to do instead, in one sentence.
    pub advice: String,
}

/// A phrase pattern that signals a mistake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntiPattern {
    /// Short id, unique in the question.
    pub id: String,
    /// How the report names it ("reckless fix").
    pub name: String,
    /// The dimension it costs levels on.
    pub hurts: String,
    /// Levels lost, 1 to 4.
    pub penalty: u8,
    /// Phrases that show the mistake when said plainly (not negated, not hypothetical).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phrases: Vec<String>,
    /// Also triggered when the hurt dimension's evidence is only these items ("only logs").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// Also shown when none of these items of the hurt dimension is heard ("stops at the fix":
    /// no follow-up of any kind).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// When set, a phrase shows the mistake only with one of these said near it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near: Vec<String>,
    /// A phrase with one of these said near it does not show the mistake.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_near: Vec<String>,
    /// More phrases, each group with context rules of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "sense")]
    pub senses: Vec<Sense>,
    /// What to do instead, in one sentence.
    pub advice: String,
}

/// How good an example answer is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// What a well-prepared candidate says: it should score above every weak example.
    Strong,
    /// A passable answer with gaps.
    Average,
    /// An answer an interviewer would mark down.
    Weak,
}

impl Grade {
    /// The name used in question files: "strong", "average" or "weak".
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Strong => "strong",
            Grade::Average => "average",
            Grade::Weak => "weak",
        }
    }
}

/// An example answer written into a question file, `[[examples]]`, that `rehearse questions
/// check` scores to show the rubric ranks answers as their author meant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// How good it is meant to be.
    pub label: Grade,
    /// The answer as it would be spoken.
    pub text: String,
}

/// One interview question and its rubric, as plain data. Build it through [`Bank`] or
/// [`Question::from_toml`]; the scorer prepares its own matching form of the phrases.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique id, lower-case words joined by hyphens.
    pub id: String,
    /// The question as an interviewer asks it.
    pub text: String,
    /// The shape of answer it asks for.
    pub kind: Kind,
    /// What to find it by (`rehearse questions --tag`): lower-case words joined by hyphens. Every
    /// built-in question has some; a user's file may leave the key out (see [`Question::tags`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Target lengths; the 90 s and 2 min norm when absent.
    #[serde(default, skip_serializing_if = "Targets::is_default")]
    pub targets: Targets,
    /// Ids of the dimensions the 90-second version must keep; the rest belong to the 2-minute one.
    pub keep_in_short: Vec<String>,
    /// The rubric.
    #[serde(rename = "dimension")]
    pub dimensions: Vec<Dimension>,
    /// Ordering rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "order")]
    pub order: Vec<OrderRule>,
    /// Mistakes to listen for.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "anti_pattern"
    )]
    pub anti_patterns: Vec<AntiPattern>,
    /// Questions an interviewer might ask next.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<String>,
    /// Example answers, labelled strong, average or weak.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

impl Question {
    /// Parses and validates one question file's text; `file` names it in errors, with the line at
    /// fault where there is one.
    pub fn from_toml(text: &str, file: &str) -> Result<Question, QuestionError> {
        let q: Question = toml::from_str(text).map_err(|e| QuestionError::Parse {
            file: file.to_string(),
            line: e.span().map(|span| lines::line_at(text, span.start)),
            problem: e.message().trim().replace('\n', " "),
        })?;
        q.validate(file, text)?;
        Ok(q)
    }

    /// The line of the question file's `text` where `key` (a path such as
    /// `dimension[0].evidence[2]` or `examples[1]`) is written, as errors name keys.
    pub fn line_of(text: &str, key: &str) -> Option<usize> {
        lines::line_of(text, key)
    }

    /// The question's tags; none when its file leaves `tags` out.
    pub fn tags(&self) -> &[String] {
        self.tags.as_deref().unwrap_or_default()
    }

    /// Whether the question carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags().iter().any(|t| t == tag)
    }

    /// The dimension with this id.
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }
}

/// A question file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum QuestionError {
    /// The user's question folder exists but cannot be listed.
    #[error("cannot list question folder {}", dir.display())]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// A question file cannot be read.
    #[error("cannot read question file {}", file.display())]
    ReadFile {
        file: PathBuf,
        source: std::io::Error,
    },
    /// A question file is not TOML of the expected shape. The parser's message is kept on its own,
    /// without the excerpt of the file it would print over several lines.
    #[error("question file {file}{}: {problem}", at_line(.line))]
    Parse {
        /// The file.
        file: String,
        /// Where the parser stopped, when it says.
        line: Option<usize>,
        /// The parser's message, on one line.
        problem: String,
    },
    /// A question file parses but breaks a rule of the format.
    #[error("question file {file}{}: `{key}` {problem}", at_line(.line))]
    Invalid {
        /// The file.
        file: String,
        /// Where the key at fault is written; `None` when it is missing altogether.
        line: Option<usize>,
        /// The key at fault, as a path such as `dimension[0].evidence[2].phrases[1]`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two files of the same source define the same id.
    #[error("question files {first} and {second} both define the id `{id}`")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}

/// ", line N" when the line is known.
fn at_line(line: &Option<usize>) -> String {
    line.map_or_else(String::new, |n| format!(", line {n}"))
}

mod bank;
mod lines;
pub mod template;
mod validate;

pub(crate) use validate::is_id;

pub use bank::Bank;
