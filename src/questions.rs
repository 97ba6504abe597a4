//! The question bank: interview questions and their rubrics, read from TOML data files.
//!
//! A question is data, not code. Each `prompts/questions/*.toml` file holds one question: its text,
//! kind, target lengths, rubric dimensions with the evidence that counts for each, ordering rules,
//! anti-patterns and follow-up questions (the format is documented in `prompts/README.md`). The
//! built-in files are compiled into the binary; [`Bank::load`] adds a user's own folder on top, where
//! a file with the same `id` replaces the built-in question. Parsing is separate from reading files,
//! so tests and tools can check a file's text directly with [`Question::from_toml`], and every
//! validation error names the file and the key at fault.

use std::path::{Path, PathBuf};

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
const BUILTIN: [(&str, &str); 8] = [
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
    #[serde(default)]
    pub misheard: Vec<String>,
    /// When set, a phrase counts only with one of these said near it (see [`CONTEXT_WORDS`]).
    #[serde(default)]
    pub near: Vec<String>,
    /// A phrase with one of these said near it means something else and does not count: "tests"
    /// near "regression" is prevention, not testing a hypothesis.
    #[serde(default)]
    pub not_near: Vec<String>,
    /// More phrases, each group with context rules of its own.
    #[serde(default, rename = "sense")]
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
    #[serde(default)]
    pub near: Vec<String>,
    /// A phrase with one of these said near it does not count.
    #[serde(default)]
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
    #[serde(default)]
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
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Also triggered when the hurt dimension's evidence is only these items ("only logs").
    #[serde(default)]
    pub only: Vec<String>,
    /// Also shown when none of these items of the hurt dimension is heard ("stops at the fix":
    /// no follow-up of any kind).
    #[serde(default)]
    pub missing: Vec<String>,
    /// When set, a phrase shows the mistake only with one of these said near it.
    #[serde(default)]
    pub near: Vec<String>,
    /// A phrase with one of these said near it does not show the mistake.
    #[serde(default)]
    pub not_near: Vec<String>,
    /// More phrases, each group with context rules of its own.
    #[serde(default, rename = "sense")]
    pub senses: Vec<Sense>,
    /// What to do instead, in one sentence.
    pub advice: String,
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
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Target lengths; the 90 s and 2 min norm when absent.
    #[serde(default)]
    pub targets: Targets,
    /// Ids of the dimensions the 90-second version must keep; the rest belong to the 2-minute one.
    pub keep_in_short: Vec<String>,
    /// The rubric.
    #[serde(rename = "dimension")]
    pub dimensions: Vec<Dimension>,
    /// Ordering rules.
    #[serde(default, rename = "order")]
    pub order: Vec<OrderRule>,
    /// Mistakes to listen for.
    #[serde(default, rename = "anti_pattern")]
    pub anti_patterns: Vec<AntiPattern>,
    /// Questions an interviewer might ask next.
    #[serde(default)]
    pub follow_ups: Vec<String>,
}

impl Question {
    /// Parses and validates one question file's text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Question, QuestionError> {
        let q: Question = toml::from_str(text).map_err(|source| QuestionError::Parse {
            file: file.to_string(),
            source,
        })?;
        q.validate(file)?;
        Ok(q)
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
    /// A question file is not TOML of the expected shape.
    #[error("question file {file} does not parse")]
    Parse {
        file: String,
        source: toml::de::Error,
    },
    /// A question file parses but breaks a rule of the format.
    #[error("question file {file}: `{key}` {problem}")]
    Invalid {
        file: String,
        key: String,
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

/// The questions available to score against: the built-in ones, overridden and extended by a user's.
#[derive(Debug, Clone)]
pub struct Bank {
    questions: Vec<Question>,
    origins: Vec<String>,
}

impl Bank {
    /// The questions compiled into rehearse.
    pub fn builtin() -> Result<Bank, QuestionError> {
        let mut bank = Bank {
            questions: Vec::new(),
            origins: Vec::new(),
        };
        for (name, text) in BUILTIN {
            let q = Question::from_toml(text, name)?;
            q.require_tags(name)?;
            bank.add(q, format!("built-in {name}"), true)?;
        }
        Ok(bank)
    }

    /// The built-in questions plus every `*.toml` file in `user_dir`, read in name order. A user file
    /// with a built-in question's id replaces it. A folder that does not exist adds nothing.
    pub fn load(user_dir: Option<&Path>) -> Result<Bank, QuestionError> {
        let mut bank = Bank::builtin()?;
        let Some(dir) = user_dir.filter(|d| d.exists()) else {
            return Ok(bank);
        };
        let read_dir = |source| QuestionError::ReadDir {
            dir: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_dir)?
            .map(|e| e.map(|e| e.path()).map_err(read_dir))
            .collect::<Result<_, _>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file());
        files.sort();
        for file in files {
            let text =
                std::fs::read_to_string(&file).map_err(|source| QuestionError::ReadFile {
                    file: file.clone(),
                    source,
                })?;
            let shown = file.display().to_string();
            bank.add(Question::from_toml(&text, &shown)?, shown, false)?;
        }
        Ok(bank)
    }

    /// The question with this id.
    pub fn get(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Every question: built-in ones first in their fixed order, then the user's new ones.
    pub fn all(&self) -> &[Question] {
        &self.questions
    }

    /// Every tag some question carries, in alphabetical order, each once.
    pub fn tags(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = self
            .questions
            .iter()
            .flat_map(|q| q.tags().iter().map(String::as_str))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags
    }

    /// The questions carrying `tag`, in bank order; `None` when no question carries it.
    pub fn tagged(&self, tag: &str) -> Option<Vec<&Question>> {
        let tagged: Vec<&Question> = self.questions.iter().filter(|q| q.has_tag(tag)).collect();
        (!tagged.is_empty()).then_some(tagged)
    }

    /// Where a question came from: `built-in NAME.toml` or the user file's path.
    pub fn origin(&self, id: &str) -> Option<&str> {
        let i = self.questions.iter().position(|q| q.id == id)?;
        Some(&self.origins[i])
    }

    /// Adds a question. A user's question replaces a built-in one with its id; two of the same
    /// kind with one id are an error.
    fn add(&mut self, q: Question, origin: String, builtin: bool) -> Result<(), QuestionError> {
        match self.questions.iter().position(|x| x.id == q.id) {
            Some(i) if builtin || !self.origins[i].starts_with("built-in ") => {
                Err(QuestionError::Duplicate {
                    id: q.id,
                    first: self.origins[i].clone(),
                    second: origin,
                })
            }
            Some(i) => {
                self.questions[i] = q;
                self.origins[i] = origin;
                Ok(())
            }
            None => {
                self.questions.push(q);
                self.origins.push(origin);
                Ok(())
            }
        }
    }
}

mod validate;
