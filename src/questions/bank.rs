//! The bank: the built-in questions compiled into rehearse, and a user's folder on top of them,
//! where a file with a built-in question's id replaces it and any other id adds a question.

use std::path::{Path, PathBuf};

use super::{BUILTIN, Question, QuestionError};

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
