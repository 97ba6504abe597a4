//! Reading a job posting given with `rehearse practice --job FILE`: UTF-8 text with words in it,
//! of a size a posting has. Everything is checked before anything else of the session happens, so
//! a file that cannot be used stops the command with one sentence and nothing on disk.

use std::path::{Path, PathBuf};

/// The largest file accepted. A posting is a page or two; a file many times that size is a
/// document of another kind, and reading it would only slow the picking down.
pub const MAX_BYTES: u64 = 64 * 1024;

/// How much of the posting the interviewer's model reads: small local models (1.5B parameters and
/// below, often served with a 4,096-token window) must still have room for the question list and
/// the reply. About 900 tokens of English.
pub const MODEL_CHARS: usize = 3_500;

/// A job posting that can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its text, whitespace as written.
    pub text: String,
}

/// What is wrong with a posting file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostingProblem {
    /// Nothing is at the path.
    #[error("does not exist")]
    NotFound,
    /// The path is a folder.
    #[error("is a directory, not a job posting")]
    IsDirectory,
    /// The system would not let it be read.
    #[error("cannot be read")]
    Unreadable,
    /// It is larger than [`MAX_BYTES`].
    #[error("is larger than 64 KB; save the posting's text alone in a file and give that")]
    TooLarge,
    /// It holds NUL bytes or other control characters text does not have.
    #[error("is not a text file; save the posting as plain text and give that")]
    Binary,
    /// Its bytes are not UTF-8.
    #[error("is not UTF-8 text; save the posting as UTF-8 plain text and give that")]
    NotUtf8,
    /// It holds no words.
    #[error("is empty: there is no posting to pick questions for")]
    Empty,
}

impl Posting {
    /// Reads and checks the posting at `path`.
    pub fn read(path: &Path) -> Result<Posting, PostingProblem> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PostingProblem::NotFound,
            _ => PostingProblem::Unreadable,
        })?;
        if meta.is_dir() {
            return Err(PostingProblem::IsDirectory);
        }
        if meta.len() > MAX_BYTES {
            return Err(PostingProblem::TooLarge);
        }
        let bytes = std::fs::read(path).map_err(|_| PostingProblem::Unreadable)?;
        let text = Posting::from_bytes(&bytes)?;
        Ok(Posting {
            path: path.to_path_buf(),
            text,
        })
    }

    /// Checks a posting's bytes: text, UTF-8, with at least one word.
    pub fn from_bytes(bytes: &[u8]) -> Result<String, PostingProblem> {
        // NUL and the other C0 controls besides tab, line feed, form feed and carriage return
        // never occur in text someone saved; they are what a PDF, an image or a word-processor
        // file starts with.
        let binary = |b: &u8| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c);
        if bytes.iter().any(binary) {
            return Err(PostingProblem::Binary);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| PostingProblem::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if !text.chars().any(char::is_alphanumeric) {
            return Err(PostingProblem::Empty);
        }
        Ok(text.to_string())
    }

    /// The file's name, as notes and suggestions show it.
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The posting as the model reads it: whitespace runs collapsed and cut at a word boundary
    /// after at most [`MODEL_CHARS`] characters.
    pub fn for_model(&self) -> String {
        let mut out = String::new();
        for word in self.text.split_whitespace() {
            if out.chars().count() + word.chars().count() + 1 > MODEL_CHARS {
                out += " …";
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out += word;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_with_words_is_a_posting() {
        assert_eq!(
            Posting::from_bytes(b"Senior SRE\n\tOn-call\r\n").unwrap(),
            "Senior SRE\n\tOn-call\r\n"
        );
        assert_eq!(
            Posting::from_bytes("\u{feff}Ingénieur".as_bytes()).unwrap(),
            "Ingénieur"
        );
        assert_eq!(Posting::from_bytes(b""), Err(PostingProblem::Empty));
        assert_eq!(
            Posting::from_bytes(b"  \n\n - \n"),
            Err(PostingProblem::Empty)
        );
        assert_eq!(
            Posting::from_bytes(b"%PDF-1.7\n\x00\x01\x02"),
            Err(PostingProblem::Binary)
        );
        assert_eq!(
            Posting::from_bytes(b"caf\xe9 au lait"),
            Err(PostingProblem::NotUtf8)
        );
    }

    #[test]
    fn the_model_reads_a_bounded_beginning() {
        let long = Posting {
            path: "p.txt".into(),
            text: "word  ".repeat(2_000),
        };
        let read = long.for_model();
        assert!(read.chars().count() <= MODEL_CHARS + 2, "{}", read.len());
        assert!(read.ends_with("word …"), "{read}");
        let short = Posting {
            path: "p.txt".into(),
            text: "Backend\n\n  engineer".into(),
        };
        assert_eq!(short.for_model(), "Backend engineer");
    }
}
