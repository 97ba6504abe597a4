//! The configuration file: its shape, its defaults, and where it is found.
//!
//! Parsing is kept apart from reading the file (`Config::parse(&str)`), so tests can check any text.
//! Unknown keys are errors naming the key, because a misspelt key that is silently ignored is a
//! setting the user believes in and does not have. What can be wrong is a [`ConfigError`]
//! ([`error`]); a value out of range says how with a [`ValueProblem`].

pub mod error;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::{ConfigError, ValueProblem, check_silence_end};

use crate::interview::endpoint::Structured;
use crate::interview::voice::Engine;
use crate::report::Format;
use crate::units::Duration;

/// The whole configuration file. Every section and key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Speech recognition.
    pub transcribe: TranscribeConfig,
    /// Reading recordings.
    pub audio: AudioConfig,
    /// Where models live and where they come from.
    pub models: ModelsConfig,
    /// How results are printed.
    pub output: OutputConfig,
    /// The question bank.
    pub questions: QuestionsConfig,
    /// Live practice.
    pub practice: PracticeConfig,
    /// The language-model interviewer.
    pub interviewer: InterviewerConfig,
}

/// `[interviewer]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InterviewerConfig {
    /// The OpenAI-compatible API's base URL (ending in `/v1`); empty: no interviewer, local scoring only.
    pub base_url: String,
    /// The model's name as the server knows it.
    pub model: String,
    /// The environment variable holding the API key.
    pub api_key_env: String,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// The longest wait for a reply's first token: a local model on a CPU reads the whole prompt
    /// before it writes anything.
    pub first_token_timeout: Duration,
    /// The longest wait for the next piece of a reply once it has begun (a stall).
    pub read_timeout: Duration,
    /// The longest a whole reply may take.
    pub timeout: Duration,
    /// Retries after a 429 or 5xx answer or a failed connection.
    pub retries: u32,
    /// The most tokens a reply may have.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
    /// How the critique's JSON shape is asked for: `auto`, `json_schema`, `json_object` or `prompt`.
    pub structured: Structured,
    /// Send the answer to the model while it is spoken, so a local server has read most of it when
    /// the answer ends: `auto` (for a server on this machine or the local network), `on` or `off`.
    pub read_ahead: ReadAhead,
    /// Answers in a session: the question, then follow-ups.
    pub rounds: u32,
    /// Speak the interviewer's questions: `off`, `espeak-ng`, `flite`, `say`, `piper` or `api`.
    pub voice: Engine,
    /// The voice's name for the chosen engine (a piper model path for piper); empty: its default.
    pub voice_name: String,
    /// The speech model for `voice = "api"`.
    pub speech_model: String,
    /// A folder of the user's own prompt templates; empty: `prompts/` in the config directory.
    pub prompts_dir: String,
}

impl Default for InterviewerConfig {
    fn default() -> Self {
        InterviewerConfig {
            base_url: String::new(),
            model: String::new(),
            api_key_env: "OPENAI_API_KEY".into(),
            connect_timeout: Duration::from_secs(5),
            first_token_timeout: Duration::from_secs(180),
            read_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(480),
            retries: 3,
            max_tokens: 1500,
            temperature: 0.3,
            structured: Structured::Auto,
            read_ahead: ReadAhead::Auto,
            rounds: 1,
            voice: Engine::Off,
            voice_name: String::new(),
            speech_model: "tts-1".into(),
            prompts_dir: String::new(),
        }
    }
}

/// Whether the interviewer reads the answer while it is spoken (`interviewer.read_ahead`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadAhead {
    /// On for a server on this machine or the local network, off for others.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

impl ReadAhead {
    /// Whether to read ahead with a server at `url`: `auto` is on for loopback, private and
    /// link-local addresses and `localhost`/`.local` names, where a request costs nothing and
    /// llama.cpp's `cache_prompt` is understood.
    pub fn applies_to(self, url: &str) -> bool {
        match self {
            ReadAhead::On => true,
            ReadAhead::Off => false,
            ReadAhead::Auto => {
                let Some(host) = reqwest::Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
                else {
                    return false;
                };
                match host.parse::<std::net::IpAddr>() {
                    Ok(std::net::IpAddr::V4(ip)) => {
                        ip.is_loopback() || ip.is_private() || ip.is_link_local()
                    }
                    Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback(),
                    Err(_) => host == "localhost" || host.ends_with(".local"),
                }
            }
        }
    }
}

/// `[practice]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PracticeConfig {
    /// How long an answer should be.
    pub target: Duration,
    /// How far past the target recording goes on, in per cent of the target.
    pub hard_cap_percent: u32,
    /// End an answer after this much silence; `off` (or empty): never.
    pub silence_end: SilenceEnd,
    /// The input device; empty: the system default.
    pub device: String,
    /// Where sessions are kept; empty: `sessions/` in the data directory.
    pub sessions_dir: String,
    /// Recordings older than this many days are removed (their scores stay); 0 keeps them.
    pub keep_audio_days: u32,
}

impl Default for PracticeConfig {
    fn default() -> Self {
        PracticeConfig {
            target: Duration::from_secs(90),
            hard_cap_percent: 50,
            silence_end: SilenceEnd::default(),
            device: String::new(),
            sessions_dir: String::new(),
            keep_audio_days: 0,
        }
    }
}

/// `[questions]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuestionsConfig {
    /// The question `rehearse score` judges an answer against when `--question` is not given.
    pub default: String,
    /// A folder of the user's own question files; empty means `questions/` in the config directory.
    pub dir: String,
}

impl Default for QuestionsConfig {
    fn default() -> Self {
        QuestionsConfig {
            default: crate::questions::FLAGSHIP.into(),
            dir: String::new(),
        }
    }
}

/// `[transcribe]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscribeConfig {
    /// Model name (`tiny.en`) or path to a ggml file; empty means "look in the usual places".
    pub model: String,
    /// Spoken language, a Whisper code.
    pub language: String,
    /// Decoding threads; 0 means one per physical core.
    pub threads: usize,
    /// The prompt that keeps filler words; empty turns it off.
    pub initial_prompt: String,
    /// Beam width; 1 is greedy decoding.
    pub beam_size: usize,
    /// Where transcription runs: `local` (whisper.cpp on this computer) or `server` (an
    /// OpenAI-compatible transcription endpoint at `base_url`).
    pub backend: Backend,
    /// The transcription server's base URL (ending in `/v1`), for `backend = "server"`.
    pub base_url: String,
    /// The environment variable holding the transcription server's API key.
    pub api_key_env: String,
    /// How long connecting to the transcription server may take.
    pub connect_timeout: Duration,
    /// The longest wait for the first byte of a transcription server's reply.
    pub first_byte_timeout: Duration,
    /// The longest one request to the transcription server may take, retries included.
    pub timeout: Duration,
    /// Retries after a 429 or 5xx answer from the transcription server.
    pub retries: u32,
}

impl Default for TranscribeConfig {
    fn default() -> Self {
        TranscribeConfig {
            model: String::new(),
            language: "en".into(),
            threads: 0,
            initial_prompt: crate::transcribe::whisper::FILLER_PROMPT.into(),
            beam_size: 1,
            backend: Backend::Local,
            base_url: String::new(),
            api_key_env: "OPENAI_API_KEY".into(),
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(120),
            timeout: Duration::from_secs(300),
            retries: 2,
        }
    }
}

/// Where transcription runs (`transcribe.backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// whisper.cpp on this computer.
    Local,
    /// An OpenAI-compatible transcription server.
    Server,
}

/// `[audio]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioConfig {
    /// Longest recording accepted.
    pub max_duration: Duration,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig {
            max_duration: Duration::from_secs(30 * 60),
        }
    }
}

/// `[models]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelsConfig {
    /// Where fetched and imported models are stored; empty means the platform data directory.
    pub dir: String,
    /// Where `models fetch` downloads from.
    pub base_url: String,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        ModelsConfig {
            dir: String::new(),
            base_url: crate::models::catalog::DEFAULT_BASE_URL.into(),
        }
    }
}

/// `[output]`
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// `text`, `json` or `markdown`.
    pub format: Format,
}

/// `practice.silence_end`: off, or the silence that ends an answer. Checked as it is read, so a
/// bad value is reported with its line in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SilenceEnd(pub Option<std::time::Duration>);

impl<'de> Deserialize<'de> for SilenceEnd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let text = text.trim();
        if text.is_empty() || text == "off" {
            return Ok(SilenceEnd(None));
        }
        let d: Duration = text.parse().map_err(serde::de::Error::custom)?;
        check_silence_end(std::time::Duration::from_millis(d.as_millis()))
            .map(|d| SilenceEnd(Some(d)))
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for SilenceEnd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_str("off"),
            Some(d) => s.serialize_str(&Duration::from_millis(d.as_millis() as u64).to_string()),
        }
    }
}

impl Config {
    /// Parses configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Invalid {
            path: origin.to_path_buf(),
            error,
        })
    }

    /// Loads the configuration: from `explicit` (the `--config` flag), else `$REHEARSE_CONFIG`, else
    /// the platform config directory. A file named explicitly must exist; the default one may not.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let from_env = std::env::var_os("REHEARSE_CONFIG").map(PathBuf::from);
        let (path, required) = match explicit.map(Path::to_path_buf).or(from_env) {
            Some(p) => (p, true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok((Config::default(), None)),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Config::parse(&text, &path)?, Some(path))),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok((Config::default(), None))
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}

/// `config.toml` in the platform's config directory (`~/.config/rehearse/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The platform directories for rehearse.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "rehearse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(
            Config::parse("", Path::new("t")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn example_config_parses_and_matches_the_defaults() {
        let text = include_str!("../../config.example.toml");
        let parsed = Config::parse(text, Path::new("config.example.toml")).unwrap();
        assert_eq!(
            parsed,
            Config::default(),
            "the example must document the defaults"
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let err =
            Config::parse("[transcribe]\nmodle = \"tiny.en\"\n", Path::new("c.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("modle"), "{msg}");
        assert!(msg.contains("c.toml"), "{msg}");
    }

    #[test]
    fn unknown_section_is_named() {
        let msg = Config::parse("[transcrbe]\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("transcrbe"), "{msg}");
    }

    #[test]
    fn bad_value_is_named() {
        let msg = Config::parse("[audio]\nmax_duration = \"forever\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("max_duration") || msg.contains("forever"),
            "{msg}"
        );
        let msg = Config::parse("[output]\nformat = \"pdf\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("pdf"), "{msg}");
        let msg = Config::parse("[transcribe]\nthreads = -2\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("threads"), "{msg}");
    }
}
