//! One resolved `Settings` value from the command line, the config file and the environment.
//!
//! Precedence, highest first: flags, the config file, then `REHEARSE_*` variables, then defaults
//! (`$REHEARSE_MODEL` sits below the config file, as the README's lookup order says). Values are
//! checked here, once, at the top of the command, so the pipeline never sees an impossible
//! setting and no command reads a flag itself.

use std::path::PathBuf;

use crate::audio::LoadLimits;
use crate::cli::{Cli, Command, PracticeArgs, WhisperArgs};
use crate::config::{Backend, Config, ConfigError, ValueProblem, check_silence_end};
use crate::models::ModelDirs;
use crate::report::Format;
use crate::session::clock::Clock;

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
    /// The session store.
    pub store: StoreSettings,
    /// The language-model interviewer.
    pub interviewer: InterviewerSettings,
}

/// The interviewer, resolved from `[interviewer]` and the environment.
#[derive(Debug, Clone)]
pub struct InterviewerSettings {
    /// The endpoint; `None` when no base URL is configured.
    pub endpoint: Option<crate::interview::Endpoint>,
    /// The voice engine.
    pub voice: crate::interview::voice::Engine,
    /// The engine's voice name.
    pub voice_name: String,
    /// The speech model for the API voice.
    pub speech_model: String,
    /// The user's prompt templates folder.
    pub prompts_dir: Option<PathBuf>,
}

/// Live practice: the config file's `[practice]` under `rehearse practice`'s flags.
#[derive(Debug, Clone)]
pub struct PracticeSettings {
    /// The question named with `--question`; `None`: the default question.
    pub question: Option<String>,
    /// `--next`: draw the question that most needs practice instead.
    pub next: bool,
    /// `--tag`: with `next`, draw only among the questions with this tag.
    pub tag: Option<String>,
    /// `--job`: the job posting to pick the session's questions for.
    pub job: Option<PathBuf>,
    /// With `job`: how many questions to pick, one per round.
    pub job_rounds: u32,
    /// With `job`: `--draft`, a question the bank lacks drafted for the posting.
    pub job_draft: bool,
    /// The answer's clock: target, hard cap and silence end.
    pub clock: Clock,
    /// The 90-second then 2-minute drill.
    pub versions: bool,
    /// Recordings to play instead of the microphone.
    pub inputs: Vec<PathBuf>,
    /// Playback speed of `inputs`; 0 is as fast as possible.
    pub speed: f64,
    /// The input device; `None`: the default.
    pub device: Option<String>,
    /// Answers in a session, 1 to 20.
    pub rounds: u32,
    /// Keep the configured interviewer out of it.
    pub offline: bool,
    /// Plain progress lines even in a terminal.
    pub plain: bool,
}

/// The session store.
#[derive(Debug, Clone)]
pub struct StoreSettings {
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
    /// The transcription server, with `backend = "server"` or `--transcribe-url`; `None`: local.
    pub server: Option<crate::transcribe::server::ServerEndpoint>,
}

impl Settings {
    /// Resolves the command line `cli` (the command's own flags included) against the config file
    /// and environment.
    pub fn resolve(cli: &Cli) -> Result<Self, ConfigError> {
        let (whisper, format, practice) = match &cli.command {
            Command::Practice(a) => (Some(&a.whisper), a.format, Some(a)),
            Command::Score(a) => (Some(&a.whisper), a.format, None),
            Command::Report(a) => (None, a.format, None),
            Command::Questions(a) => (None, a.format, None),
            Command::Devices { format, .. }
            | Command::Doctor { format }
            | Command::History { format, .. } => (None, *format, None),
            Command::Delete { .. } | Command::Models { .. } => (None, None, None),
        };
        let (config, config_path) = Config::load(cli.config.as_deref())?;
        let default_args = WhisperArgs::default();
        let w = whisper.unwrap_or(&default_args);
        let transcribe = transcribe_settings(&config, w)?;
        let max = config.audio.max_duration.as_millis();
        if max == 0 {
            return Err(value_error("audio.max_duration", ValueProblem::Zero));
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
            practice: practice_settings(&config, practice)?,
            store: store_settings(&config),
            interviewer: interviewer_settings(&config)?,
        })
    }
}

fn interviewer_settings(config: &Config) -> Result<InterviewerSettings, ConfigError> {
    let c = &config.interviewer;
    let prompts_dir = match c.prompts_dir.trim() {
        "" => crate::config::project_dirs().map(|d| d.config_dir().join("prompts")),
        dir => Some(PathBuf::from(dir)),
    };
    Ok(InterviewerSettings {
        endpoint: endpoint(c)?,
        voice: c.voice.clone(),
        voice_name: c.voice_name.trim().to_string(),
        speech_model: c.speech_model.trim().to_string(),
        prompts_dir,
    })
}

fn endpoint(
    c: &crate::config::InterviewerConfig,
) -> Result<Option<crate::interview::Endpoint>, ConfigError> {
    use crate::interview::endpoint::Endpoint;
    let url = c.base_url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(value_error(
                "interviewer.base_url",
                ValueProblem::NotHttpUrl { given: url.into() },
            ));
        }
    }
    if c.model.trim().is_empty() {
        return Err(value_error("interviewer.model", ValueProblem::NoModel));
    }
    let mut e = Endpoint::new(url, c.model.trim());
    e.api_key_env = c.api_key_env.trim().to_string();
    e.api_key = api_key(&e.api_key_env, "interviewer.api_key_env")?;
    limits(c, &mut e)?;
    e.structured = c.structured;
    e.cache_prompt = c.read_ahead.applies_to(url).then_some(true);
    Ok(Some(e))
}

/// The API key from the variable `var` (named by the config key `key`); `None` when it is unset.
fn api_key(var: &str, key: &'static str) -> Result<Option<crate::net::ApiKey>, ConfigError> {
    if var.is_empty()
        || !var
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        return Err(value_error(
            key,
            ValueProblem::NotEnvName { given: var.into() },
        ));
    }
    match std::env::var(var) {
        Ok(k) if !k.trim().is_empty() => {
            // The key goes into an HTTP header; anything else there would break the request (and
            // the message must not show the key).
            if !k.trim().chars().all(|ch| ch.is_ascii_graphic()) {
                return Err(value_error(
                    key,
                    ValueProblem::KeyCharacters { var: var.into() },
                ));
            }
            Ok(Some(crate::net::ApiKey::new(k.trim().to_string())))
        }
        _ => Ok(None),
    }
}

/// The endpoint's timeouts, retries, reply length and temperature, each checked.
fn limits(
    c: &crate::config::InterviewerConfig,
    e: &mut crate::interview::Endpoint,
) -> Result<(), ConfigError> {
    for (key, d) in [
        ("interviewer.connect_timeout", c.connect_timeout),
        ("interviewer.first_token_timeout", c.first_token_timeout),
        ("interviewer.read_timeout", c.read_timeout),
        ("interviewer.timeout", c.timeout),
    ] {
        if d.as_millis() == 0 {
            return Err(value_error(key, ValueProblem::Zero));
        }
    }
    e.connect_timeout = std::time::Duration::from_millis(c.connect_timeout.as_millis());
    e.first_token_timeout = std::time::Duration::from_millis(c.first_token_timeout.as_millis());
    e.read_timeout = std::time::Duration::from_millis(c.read_timeout.as_millis());
    e.timeout = std::time::Duration::from_millis(c.timeout.as_millis());
    if c.retries > 10 {
        return Err(value_error(
            "interviewer.retries",
            ValueProblem::range(0, 10, c.retries),
        ));
    }
    e.retries = c.retries;
    if !(64..=100_000).contains(&c.max_tokens) {
        return Err(value_error(
            "interviewer.max_tokens",
            ValueProblem::MaxTokens {
                min: 64,
                max: 100_000,
                given: c.max_tokens,
            },
        ));
    }
    e.max_tokens = c.max_tokens;
    if !(0.0..=2.0).contains(&c.temperature) {
        return Err(value_error(
            "interviewer.temperature",
            ValueProblem::FractionRange {
                min: 0.0,
                max: 2.0,
                given: c.temperature,
            },
        ));
    }
    e.temperature = c.temperature as f32;
    Ok(())
}

/// Questions picked for a job posting when neither `--rounds` nor the config asks for more than
/// one answer.
pub const DEFAULT_JOB_ROUNDS: u32 = 3;

/// The shortest and longest answer targets accepted.
pub const TARGET_RANGE: (u64, u64) = (10, 30 * 60);

fn practice_settings(
    config: &Config,
    args: Option<&PracticeArgs>,
) -> Result<PracticeSettings, ConfigError> {
    let p = &config.practice;
    let rounds = args.and_then(|a| a.rounds);
    let (rounds, rounds_key) = match rounds {
        Some(n) => (n, "--rounds"),
        None => (config.interviewer.rounds, "interviewer.rounds"),
    };
    if !(1..=20).contains(&rounds) {
        return Err(value_error(rounds_key, ValueProblem::range(1, 20, rounds)));
    }
    let speed = args.map_or(1.0, |a| a.speed);
    if !(0.0..=100.0).contains(&speed) || speed.is_nan() {
        return Err(value_error(
            "--speed",
            ValueProblem::FractionBetween {
                min: 0.0,
                max: 100.0,
                given: speed,
            },
        ));
    }
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(PracticeSettings {
        question: args.and_then(|a| a.question.clone()),
        next: args.is_some_and(|a| a.next),
        tag: args.and_then(|a| a.tag.clone()),
        job: args.and_then(|a| a.job.clone()),
        // A session for a posting is several of its questions: a config left at one answer
        // per session still gets a few.
        job_rounds: match args.and_then(|a| a.rounds) {
            Some(n) => n,
            None if rounds > 1 => rounds,
            None => DEFAULT_JOB_ROUNDS,
        },
        job_draft: args.is_some_and(|a| a.draft),
        clock: clock(config, args)?,
        versions: args.is_some_and(|a| a.versions),
        inputs: args.map(|a| a.input.clone()).unwrap_or_default(),
        speed,
        device: args
            .and_then(|a| a.device.clone())
            .or_else(|| non_empty(&p.device)),
        rounds,
        offline: args.is_some_and(|a| a.offline),
        plain: args.is_some_and(|a| a.plain),
    })
}

/// The answer clock: flags over `[practice]`.
fn clock(config: &Config, args: Option<&PracticeArgs>) -> Result<Clock, ConfigError> {
    let p = &config.practice;
    if p.hard_cap_percent > 200 {
        return Err(value_error(
            "practice.hard_cap_percent",
            ValueProblem::range(0, 200, p.hard_cap_percent),
        ));
    }
    let (target, key) = match args.and_then(|a| a.target) {
        Some(t) => (std::time::Duration::from_millis(t.as_millis()), "--target"),
        None => (
            std::time::Duration::from_millis(p.target.as_millis()),
            "practice.target",
        ),
    };
    check_target(target, key)?;
    let mut clock = Clock::new(target, p.hard_cap_percent);
    if let Some(cap) = args.and_then(|a| a.hard_cap) {
        let cap = std::time::Duration::from_millis(cap.as_millis());
        if cap < target {
            return Err(value_error(
                "--hard-cap",
                ValueProblem::ShorterThanTarget {
                    target_secs: target.as_secs(),
                },
            ));
        }
        clock.hard_cap = cap;
    }
    clock.silence_end = match args.and_then(|a| a.silence_end) {
        Some(d) => Some(
            check_silence_end(std::time::Duration::from_millis(d.as_millis()))
                .map_err(|problem| value_error("--silence-end", problem))?,
        ),
        None => p.silence_end.0,
    };
    Ok(clock)
}

fn store_settings(config: &Config) -> StoreSettings {
    let p = &config.practice;
    let dir = p.sessions_dir.trim();
    StoreSettings {
        sessions_dir: if dir.is_empty() {
            data_dir().join("sessions")
        } else {
            PathBuf::from(dir)
        },
        keep_audio_days: (p.keep_audio_days > 0).then_some(p.keep_audio_days),
    }
}

/// Checks an answer target; `key` names the setting in the error.
fn check_target(target: std::time::Duration, key: &'static str) -> Result<(), ConfigError> {
    let (lo, hi) = TARGET_RANGE;
    if target.as_secs() < lo || target.as_secs() > hi {
        return Err(value_error(
            key,
            ValueProblem::Target {
                min_secs: lo,
                max_secs: hi,
            },
        ));
    }
    Ok(())
}

fn transcribe_settings(
    config: &Config,
    w: &WhisperArgs,
) -> Result<TranscribeSettings, ConfigError> {
    let c = &config.transcribe;
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let url = w
        .transcribe_url
        .clone()
        .or_else(|| (c.backend == Backend::Server).then(|| c.base_url.trim().to_string()));
    // With a server, `transcribe.model` names the server's model, so the local one (provisional
    // text, the fallback) comes from the flag or the environment only.
    let config_model = if url.is_some() {
        None
    } else {
        non_empty(&c.model)
    };
    let model = w.model.clone().or(config_model).or_else(|| {
        std::env::var("REHEARSE_MODEL")
            .ok()
            .and_then(|m| non_empty(&m))
    });
    let language = w.language.clone().unwrap_or_else(|| c.language.clone());
    if !(2..=3).contains(&language.len()) || !language.chars().all(|ch| ch.is_ascii_lowercase()) {
        return Err(value_error(
            "transcribe.language",
            ValueProblem::Language { given: language },
        ));
    }
    let threads = w.threads.unwrap_or(c.threads);
    if threads > 256 {
        return Err(value_error(
            "transcribe.threads",
            ValueProblem::Threads {
                max: 256,
                given: threads as u64,
            },
        ));
    }
    if !(1..=16).contains(&c.beam_size) {
        return Err(value_error(
            "transcribe.beam_size",
            ValueProblem::between(1, 16, c.beam_size as u64),
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
            ValueProblem::PromptTooLong {
                max_chars: MAX_PROMPT_CHARS,
            },
        ));
    }
    let server = match url {
        Some(url) => Some(server_endpoint(c, &url, &language, &initial_prompt)?),
        None => None,
    };
    Ok(TranscribeSettings {
        server,
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

/// The transcription server at `url`, from `[transcribe]`.
fn server_endpoint(
    c: &crate::config::TranscribeConfig,
    url: &str,
    language: &str,
    prompt: &str,
) -> Result<crate::transcribe::server::ServerEndpoint, ConfigError> {
    use crate::transcribe::server::{DEFAULT_MODEL, ServerEndpoint};
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            let problem = if url.is_empty() {
                ValueProblem::NoUrl
            } else {
                ValueProblem::NotHttpUrl { given: url.into() }
            };
            return Err(value_error("transcribe.base_url", problem));
        }
    }
    let mut e = ServerEndpoint::new(url);
    if !c.model.trim().is_empty() {
        e.model = c.model.trim().to_string();
    } else {
        e.model = DEFAULT_MODEL.into();
    }
    e.api_key_env = c.api_key_env.trim().to_string();
    e.api_key = api_key(&e.api_key_env, "transcribe.api_key_env")?;
    e.language = language.to_string();
    e.prompt = prompt.to_string();
    for (key, d) in [
        ("transcribe.connect_timeout", c.connect_timeout),
        ("transcribe.first_byte_timeout", c.first_byte_timeout),
        ("transcribe.timeout", c.timeout),
    ] {
        if d.as_millis() == 0 {
            return Err(value_error(key, ValueProblem::Zero));
        }
    }
    let ms = |d: crate::units::Duration| std::time::Duration::from_millis(d.as_millis());
    e.connect_timeout = ms(c.connect_timeout);
    e.first_byte_timeout = ms(c.first_byte_timeout);
    e.timeout = ms(c.timeout);
    if c.retries > 10 {
        return Err(value_error(
            "transcribe.retries",
            ValueProblem::range(0, 10, c.retries),
        ));
    }
    e.retries = c.retries;
    Ok(e)
}

fn value_error(key: &'static str, problem: ValueProblem) -> ConfigError {
    ConfigError::Value { key, problem }
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
