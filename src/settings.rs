//! One resolved `Settings` value from the command line, the config file and the environment.
//!
//! Precedence, highest first: flags, the config file, then `REHEARSE_*` variables, then defaults
//! (`$REHEARSE_MODEL` sits below the config file, as the README's lookup order says). Values are
//! checked here, once, so the pipeline never sees an impossible setting.

use std::path::PathBuf;

use crate::audio::LoadLimits;
use crate::cli::{Cli, WhisperArgs};
use crate::config::{Config, ConfigError};
use crate::models::ModelDirs;
use crate::report::Format;

/// Longest initial prompt accepted: long prompts make Whisper loop on its own text.
const MAX_PROMPT_CHARS: usize = 200;

/// Everything the commands need to know, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config file that was read, if any.
    pub config_path: Option<PathBuf>,
    /// Speech recognition.
    pub transcribe: TranscribeSettings,
    /// Limits on recordings.
    pub audio: LoadLimits,
    /// Where models are looked for and stored.
    pub model_dirs: ModelDirs,
    /// Where `models fetch` downloads from.
    pub models_base_url: String,
    /// Output format.
    pub format: Format,
    /// The question answers are judged against when none is named.
    pub default_question: String,
    /// The user's own question files, if the folder exists.
    pub questions_dir: Option<PathBuf>,
    /// Live practice.
    pub practice: PracticeSettings,
    /// The language-model interviewer.
    pub interviewer: InterviewerSettings,
}

/// The interviewer, resolved from `[interviewer]` and the environment.
#[derive(Debug, Clone)]
pub struct InterviewerSettings {
    /// The endpoint; `None` when no base URL is configured.
    pub endpoint: Option<crate::interview::Endpoint>,
    /// Answers in a session.
    pub rounds: u32,
    /// The voice engine.
    pub voice: crate::interview::voice::Engine,
    /// The engine's voice name.
    pub voice_name: String,
    /// The speech model for the API voice.
    pub speech_model: String,
    /// The user's prompt templates folder.
    pub prompts_dir: Option<PathBuf>,
}

/// Live practice settings, from the config file (flags are applied by `rehearse practice` itself).
#[derive(Debug, Clone)]
pub struct PracticeSettings {
    /// How long an answer should be.
    pub target: std::time::Duration,
    /// How far past the target recording goes on, in per cent.
    pub hard_cap_percent: u32,
    /// End after this much silence; `None`: off.
    pub silence_end: Option<std::time::Duration>,
    /// The input device; `None`: the default.
    pub device: Option<String>,
    /// Where session folders go.
    pub sessions_dir: PathBuf,
    /// Recordings older than this many days are removed; `None` keeps them.
    pub keep_audio_days: Option<u32>,
}

/// Speech recognition settings.
#[derive(Debug, Clone)]
pub struct TranscribeSettings {
    /// The model named by flag, config or environment, if any.
    pub model: Option<String>,
    /// Spoken language.
    pub language: String,
    /// Decoding threads.
    pub threads: usize,
    /// Initial prompt; empty for none.
    pub initial_prompt: String,
    /// Beam width.
    pub beam_size: usize,
}

/// A setting with a value it cannot have.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The config file could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A value is out of range; names the key.
    #[error("{key} {problem}")]
    Value {
        /// The key, as written in the config file.
        key: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
}

impl Settings {
    /// Resolves the command line `cli` against the config file and environment.
    pub fn resolve(
        cli: &Cli,
        whisper: Option<&WhisperArgs>,
        format: Option<Format>,
    ) -> Result<Self, SettingsError> {
        let (config, config_path) = Config::load(cli.config.as_deref())?;
        let default_args = WhisperArgs::default();
        let w = whisper.unwrap_or(&default_args);
        let transcribe = transcribe_settings(&config, w)?;
        let max = config.audio.max_duration.as_millis();
        if max == 0 {
            return Err(value_error(
                "audio.max_duration",
                "must be longer than zero".into(),
            ));
        }
        Ok(Settings {
            config_path,
            transcribe,
            audio: LoadLimits {
                max_duration_ms: max,
            },
            model_dirs: model_dirs(&config),
            models_base_url: config.models.base_url.trim_end_matches('/').to_string(),
            format: format.unwrap_or(config.output.format),
            default_question: config.questions.default.trim().to_string(),
            questions_dir: questions_dir(&config),
            practice: practice_settings(&config)?,
            interviewer: interviewer_settings(&config)?,
        })
    }
}

fn interviewer_settings(config: &Config) -> Result<InterviewerSettings, SettingsError> {
    use crate::interview::voice::Engine;
    let c = &config.interviewer;
    if !(1..=20).contains(&c.rounds) {
        return Err(value_error(
            "interviewer.rounds",
            format!("must be 1 to 20, not {}", c.rounds),
        ));
    }
    let voice = Engine::parse(c.voice.trim()).ok_or_else(|| {
        value_error(
            "interviewer.voice",
            format!(
                "must be off, espeak-ng, flite, say, piper or api, not `{}`",
                c.voice
            ),
        )
    })?;
    let prompts_dir = match c.prompts_dir.trim() {
        "" => crate::config::project_dirs().map(|d| d.config_dir().join("prompts")),
        dir => Some(PathBuf::from(dir)),
    };
    Ok(InterviewerSettings {
        endpoint: endpoint(c)?,
        rounds: c.rounds,
        voice,
        voice_name: c.voice_name.trim().to_string(),
        speech_model: c.speech_model.trim().to_string(),
        prompts_dir,
    })
}

fn endpoint(
    c: &crate::config::InterviewerConfig,
) -> Result<Option<crate::interview::Endpoint>, SettingsError> {
    use crate::interview::endpoint::{ApiKey, Endpoint, Structured};
    let url = c.base_url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(value_error(
                "interviewer.base_url",
                format!(
                    "must be an http:// or https:// URL such as http://127.0.0.1:8080/v1, not `{url}`"
                ),
            ));
        }
    }
    if c.model.trim().is_empty() {
        return Err(value_error(
            "interviewer.model",
            "must name the model when interviewer.base_url is set".into(),
        ));
    }
    let mut e = Endpoint::new(url, c.model.trim());
    e.api_key_env = c.api_key_env.trim().to_string();
    if e.api_key_env.is_empty()
        || !e
            .api_key_env
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        return Err(value_error(
            "interviewer.api_key_env",
            format!(
                "must be the name of an environment variable, such as OPENAI_API_KEY, not `{}`",
                e.api_key_env
            ),
        ));
    }
    e.api_key = match std::env::var(&e.api_key_env) {
        Ok(k) if !k.trim().is_empty() => {
            // The key goes into an HTTP header; anything else there would break the request (and
            // the message must not show the key).
            if !k.trim().chars().all(|ch| ch.is_ascii_graphic()) {
                return Err(value_error(
                    "interviewer.api_key_env",
                    format!(
                        "names ${}, whose value holds characters an API key cannot have (spaces, line breaks or non-ASCII)",
                        e.api_key_env
                    ),
                ));
            }
            Some(ApiKey::new(k.trim().to_string()))
        }
        _ => None,
    };
    for (key, d) in [
        ("interviewer.connect_timeout", c.connect_timeout),
        ("interviewer.read_timeout", c.read_timeout),
        ("interviewer.timeout", c.timeout),
    ] {
        if d.as_millis() == 0 {
            return Err(value_error(key, "must be longer than zero".into()));
        }
    }
    e.connect_timeout = std::time::Duration::from_millis(c.connect_timeout.as_millis());
    e.read_timeout = std::time::Duration::from_millis(c.read_timeout.as_millis());
    e.timeout = std::time::Duration::from_millis(c.timeout.as_millis());
    if c.retries > 10 {
        return Err(value_error(
            "interviewer.retries",
            format!("must be 0 to 10, not {}", c.retries),
        ));
    }
    e.retries = c.retries;
    if !(64..=100_000).contains(&c.max_tokens) {
        return Err(value_error(
            "interviewer.max_tokens",
            format!(
                "must be 64 to 100000 (a critique needs several hundred), not {}",
                c.max_tokens
            ),
        ));
    }
    e.max_tokens = c.max_tokens;
    if !(0.0..=2.0).contains(&c.temperature) {
        return Err(value_error(
            "interviewer.temperature",
            format!("must be 0 to 2, not {}", c.temperature),
        ));
    }
    e.temperature = c.temperature as f32;
    e.structured = Structured::parse(c.structured.trim()).ok_or_else(|| {
        value_error(
            "interviewer.structured",
            format!(
                "must be auto, json_schema, json_object or prompt, not `{}`",
                c.structured
            ),
        )
    })?;
    Ok(Some(e))
}

/// The shortest and longest answer targets accepted.
pub const TARGET_RANGE: (u64, u64) = (10, 30 * 60);

fn practice_settings(config: &Config) -> Result<PracticeSettings, SettingsError> {
    let p = &config.practice;
    let target = std::time::Duration::from_millis(p.target.as_millis());
    check_target(target, "practice.target")?;
    if p.hard_cap_percent > 200 {
        return Err(value_error(
            "practice.hard_cap_percent",
            format!("must be 0 to 200, not {}", p.hard_cap_percent),
        ));
    }
    let silence_end = match p.silence_end.trim() {
        "" | "off" => None,
        text => {
            let d: crate::units::Duration = text
                .parse()
                .map_err(|e| value_error("practice.silence_end", format!("{e}")))?;
            Some(check_silence_end(d, "practice.silence_end")?)
        }
    };
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(PracticeSettings {
        target,
        hard_cap_percent: p.hard_cap_percent,
        silence_end,
        device: non_empty(&p.device),
        sessions_dir: non_empty(&p.sessions_dir)
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir().join("sessions")),
        keep_audio_days: (p.keep_audio_days > 0).then_some(p.keep_audio_days),
    })
}

/// Checks an answer target; `key` names the setting in the error.
pub fn check_target(target: std::time::Duration, key: &'static str) -> Result<(), SettingsError> {
    let (lo, hi) = TARGET_RANGE;
    if target.as_secs() < lo || target.as_secs() > hi {
        return Err(value_error(
            key,
            format!("must be between {lo}s and {}m", hi / 60),
        ));
    }
    Ok(())
}

/// Checks a silence end; `key` names the setting in the error.
pub fn check_silence_end(
    d: crate::units::Duration,
    key: &'static str,
) -> Result<std::time::Duration, SettingsError> {
    let d = std::time::Duration::from_millis(d.as_millis());
    if d < crate::session::clock::MIN_SILENCE_END {
        return Err(value_error(
            key,
            "must be at least 3s: shorter silences are breaths, not the end of an answer".into(),
        ));
    }
    Ok(d)
}

fn transcribe_settings(
    config: &Config,
    w: &WhisperArgs,
) -> Result<TranscribeSettings, SettingsError> {
    let c = &config.transcribe;
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let model = w.model.clone().or_else(|| non_empty(&c.model)).or_else(|| {
        std::env::var("REHEARSE_MODEL")
            .ok()
            .and_then(|m| non_empty(&m))
    });
    let language = w.language.clone().unwrap_or_else(|| c.language.clone());
    if !(2..=3).contains(&language.len()) || !language.chars().all(|ch| ch.is_ascii_lowercase()) {
        return Err(value_error(
            "transcribe.language",
            format!("must be a Whisper language code such as en, not `{language}`"),
        ));
    }
    let threads = w.threads.unwrap_or(c.threads);
    if threads > 256 {
        return Err(value_error(
            "transcribe.threads",
            format!("must be 0 (one per core) to 256, not {threads}"),
        ));
    }
    if !(1..=16).contains(&c.beam_size) {
        return Err(value_error(
            "transcribe.beam_size",
            format!("must be between 1 and 16, not {}", c.beam_size),
        ));
    }
    let initial_prompt = if w.no_filler_prompt {
        String::new()
    } else {
        c.initial_prompt.clone()
    };
    if initial_prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(value_error(
            "transcribe.initial_prompt",
            format!(
                "must be at most {MAX_PROMPT_CHARS} characters: long prompts make Whisper repeat itself"
            ),
        ));
    }
    Ok(TranscribeSettings {
        model,
        language,
        threads: if threads == 0 {
            num_cpus::get_physical().max(1)
        } else {
            threads
        },
        initial_prompt,
        beam_size: c.beam_size,
    })
}

fn value_error(key: &'static str, problem: String) -> SettingsError {
    SettingsError::Value { key, problem }
}

/// The data directory: `$REHEARSE_DATA_DIR`, else the platform's (`~/.local/share/rehearse`).
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("REHEARSE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    crate::config::project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".rehearse"))
}

/// The configured questions folder, else `questions/` beside the default config file.
fn questions_dir(config: &Config) -> Option<PathBuf> {
    let dir = config.questions.dir.trim();
    if dir.is_empty() {
        crate::config::project_dirs().map(|d| d.config_dir().join("questions"))
    } else {
        Some(PathBuf::from(dir))
    }
}

fn model_dirs(config: &Config) -> ModelDirs {
    let store = if config.models.dir.trim().is_empty() {
        data_dir().join("models")
    } else {
        PathBuf::from(config.models.dir.trim())
    };
    // A checkout's own models/ folder, where `models/provision.sh` puts the model on a machine that
    // builds rehearse from source. It is found at run time, never from a path of the build machine.
    let cwd = std::env::current_dir().ok();
    let exe = std::env::current_exe().ok();
    let extra = crate::models::checkout::checkout_models(cwd.as_deref(), exe.as_deref())
        .into_iter()
        .filter(|d| *d != store)
        .collect();
    ModelDirs { store, extra }
}
