//! What is wrong with the configuration: the config file that cannot be read or parsed, or a value
//! (from the file or from a flag) that cannot be, said by a [`ValueProblem`] after its key.

use std::path::PathBuf;

use crate::session::clock::MIN_SILENCE_END;

/// Problems with the configuration: the file, or a value (from it or from a flag) that cannot be.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` or `$REHEARSE_CONFIG` could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key or a bad value.
    #[error("config file {} is not valid: {}", path.display(), one_line(.error))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said, which names the key and line. The message shows it on one
        /// line, so it is no source: the error chain would print it again on several.
        error: toml::de::Error,
    },
    /// A value is out of range; names the key (or flag).
    #[error("{key} {problem}")]
    Value {
        /// The key, as written in the config file, or the flag.
        key: &'static str,
        /// What is wrong with its value.
        problem: ValueProblem,
    },
}

/// The TOML parser's message on one line.
fn one_line(error: &toml::de::Error) -> String {
    error.to_string().trim().replace('\n', " ")
}

/// What is wrong with a setting's value, as the end of a sentence that starts with its key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueProblem {
    /// A length of time that is zero.
    #[error("must be longer than zero")]
    Zero,
    /// A whole number outside `min` to `max`.
    #[error("must be {min} to {max}, not {given}")]
    Range {
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
        /// The value given.
        given: u64,
    },
    /// A whole number outside `min` and `max`, said with "between".
    #[error("must be between {min} and {max}, not {given}")]
    Between {
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
        /// The value given.
        given: u64,
    },
    /// A number outside `min` to `max`.
    #[error("must be {min} to {max}, not {given}")]
    FractionRange {
        /// The smallest allowed.
        min: f64,
        /// The largest allowed.
        max: f64,
        /// The value given.
        given: f64,
    },
    /// A number outside `min` and `max`, said with "between".
    #[error("must be between {min} and {max}, not {given}")]
    FractionBetween {
        /// The smallest allowed.
        min: f64,
        /// The largest allowed.
        max: f64,
        /// The value given.
        given: f64,
    },
    /// A decoding thread count above the most allowed.
    #[error("must be 0 (one per core) to {max}, not {given}")]
    Threads {
        /// The most threads allowed.
        max: u64,
        /// The value given.
        given: u64,
    },
    /// A reply length outside what a critique needs.
    #[error("must be {min} to {max} (a critique needs several hundred), not {given}")]
    MaxTokens {
        /// The fewest tokens allowed.
        min: u32,
        /// The most tokens allowed.
        max: u32,
        /// The value given.
        given: u32,
    },
    /// An answer target outside the accepted range.
    #[error("must be between {min_secs}s and {}m", max_secs / 60)]
    Target {
        /// The shortest target, in seconds.
        min_secs: u64,
        /// The longest target, in seconds.
        max_secs: u64,
    },
    /// A hard cap shorter than the answer's target.
    #[error("must not be shorter than the target ({target_secs} s)")]
    ShorterThanTarget {
        /// The target, in seconds.
        target_secs: u64,
    },
    /// A silence end so short it would end answers at a breath.
    #[error(
        "must be at least {}s: shorter silences are breaths, not the end of an answer",
        min.as_secs()
    )]
    SilenceEnd {
        /// The shortest silence end allowed.
        min: std::time::Duration,
    },
    /// Not a language code Whisper knows the form of.
    #[error("must be a Whisper language code such as en, not `{given}`")]
    Language {
        /// The value given.
        given: String,
    },
    /// An initial prompt longer than Whisper copes with.
    #[error("must be at most {max_chars} characters: long prompts make Whisper repeat itself")]
    PromptTooLong {
        /// The most characters allowed.
        max_chars: usize,
    },
    /// Not an http or https URL with a host.
    #[error("must be an http:// or https:// URL such as http://127.0.0.1:8080/v1, not `{given}`")]
    NotHttpUrl {
        /// The value given.
        given: String,
    },
    /// No URL given for a server backend.
    #[error(
        "must be the transcription server's URL, such as http://127.0.0.1:8178/v1, when transcribe.backend is \"server\""
    )]
    NoUrl,
    /// No model named although an endpoint is.
    #[error("must name the model when interviewer.base_url is set")]
    NoModel,
    /// Not the name of an environment variable.
    #[error("must be the name of an environment variable, such as OPENAI_API_KEY, not `{given}`")]
    NotEnvName {
        /// The value given.
        given: String,
    },
    /// The variable holds something that cannot be an API key; the key itself is never shown.
    #[error(
        "names ${var}, whose value holds characters an API key cannot have (spaces, line breaks or non-ASCII)"
    )]
    KeyCharacters {
        /// The variable.
        var: String,
    },
}

impl ValueProblem {
    /// A whole number outside `min` to `max`.
    pub fn range(min: u64, max: u64, given: impl Into<u64>) -> ValueProblem {
        let given = given.into();
        ValueProblem::Range { min, max, given }
    }

    /// A whole number outside `min` and `max`, said with "between".
    pub fn between(min: u64, max: u64, given: impl Into<u64>) -> ValueProblem {
        let given = given.into();
        ValueProblem::Between { min, max, given }
    }
}

/// Checks a silence end: at least [`MIN_SILENCE_END`], so a breath does not end an answer.
pub fn check_silence_end(d: std::time::Duration) -> Result<std::time::Duration, ValueProblem> {
    if d < MIN_SILENCE_END {
        return Err(ValueProblem::SilenceEnd {
            min: MIN_SILENCE_END,
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_problems_read_as_before() {
        let cases = [
            (
                ValueProblem::Range {
                    min: 0,
                    max: 10,
                    given: 11,
                },
                "must be 0 to 10, not 11",
            ),
            (
                ValueProblem::FractionRange {
                    min: 0.0,
                    max: 2.0,
                    given: 2.5,
                },
                "must be 0 to 2, not 2.5",
            ),
            (
                ValueProblem::FractionBetween {
                    min: 0.0,
                    max: 100.0,
                    given: f64::NAN,
                },
                "must be between 0 and 100, not NaN",
            ),
            (
                ValueProblem::Target {
                    min_secs: 10,
                    max_secs: 1800,
                },
                "must be between 10s and 30m",
            ),
            (
                check_silence_end(std::time::Duration::from_secs(2)).unwrap_err(),
                "must be at least 3s: shorter silences are breaths, not the end of an answer",
            ),
        ];
        for (problem, want) in cases {
            assert_eq!(problem.to_string(), want);
        }
    }
}
