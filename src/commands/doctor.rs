//! `rehearse doctor`: checks everything a session depends on and says precisely what is wrong.
//!
//! The interviewer's endpoint gets the most care, because it fails in the most ways: nothing
//! listening, a key refused, a model the server does not have, a server that takes no JSON schema.
//! Each check is one line; any failed check makes the exit status non-zero.

use std::time::Instant;

use serde::Serialize;

use crate::Error;
use crate::error::DoctorFailed;
use crate::interview::client::{Event, Message};
use crate::interview::prompts::{Origin, Prompts};
use crate::interview::voice::{Engine, Voice};
use crate::interview::{InterviewError, LlmClient};
use crate::questions::Bank;
use crate::report::Format;
use crate::settings::Settings;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works.
    Ok,
    /// Works, with something worth knowing.
    Note,
    /// Works, but not well enough to be pleasant: slow, say.
    Warn,
    /// Does not work.
    Fail,
}

/// One check's line.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub check: &'static str,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub detail: String,
}

fn line(check: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        check,
        status,
        detail: detail.into(),
    }
}

/// Runs every check; returns the report and whether all passed.
pub fn run(settings: &Settings) -> (String, Result<(), DoctorFailed>) {
    let mut checks = vec![config(settings), whisper(settings)];
    checks.extend(transcription_server(settings));
    checks.push(questions(settings));
    checks.push(prompts(settings));
    checks.extend(endpoint(settings));
    checks.push(voice(settings));
    checks.push(microphone());
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let text = render(&checks, settings.format);
    let verdict = match failed {
        0 => Ok(()),
        n => Err(DoctorFailed {
            failed: n,
            total: checks.len(),
        }),
    };
    (text, verdict)
}

fn render(checks: &[Check], format: Format) -> String {
    if format == Format::Json {
        let mut s = serde_json::to_string_pretty(checks).expect("checks serialise");
        s.push('\n');
        return s;
    }
    let mut out = String::new();
    for c in checks {
        let mark = match c.status {
            Status::Ok => "ok  ",
            Status::Note => "note",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        out += &format!("{mark}  {:<12} {}\n", c.check, c.detail);
    }
    out
}

fn config(settings: &Settings) -> Check {
    match &settings.config_path {
        Some(p) => line("config", Status::Ok, format!("read {}", p.display())),
        None => line(
            "config",
            Status::Note,
            "no config file; the defaults apply (see config.example.toml)",
        ),
    }
}

fn whisper(settings: &Settings) -> Check {
    let found = crate::models::resolve(settings.transcribe.model.as_deref(), &settings.model_dirs)
        .map_err(Error::from)
        .and_then(|p| {
            crate::models::inspect::inspect(&p)
                .map(|info| format!("{} at {}", info.name(), p.display()))
                .map_err(Error::from)
        });
    match found {
        Ok(d) => line("whisper", Status::Ok, d),
        // With a server, a local model is optional: it gives live provisional text and takes over
        // when the server fails.
        Err(e) if settings.transcribe.server.is_some() && settings.transcribe.model.is_none() => {
            line(
                "whisper",
                Status::Note,
                format!(
                    "no local model ({}); live answers show no text until the server has it, and nothing takes over if it fails",
                    crate::error_chain(&e)
                ),
            )
        }
        Err(e) => line("whisper", Status::Fail, crate::error_chain(&e)),
    }
}

/// Four seconds of the bundled answer, the transcription server's test phrase.
const CHECK_CLIP: &[u8] = include_bytes!("../../samples/doctor-check.flac");

/// The transcription server, when one is configured: it transcribes a short phrase, with word
/// times or without.
fn transcription_server(settings: &Settings) -> Option<Check> {
    let endpoint = settings.transcribe.server.clone()?;
    let name = "transcription";
    let clip = match clip_samples() {
        Ok(samples) => samples,
        Err(e) => return Some(line(name, Status::Fail, e)),
    };
    let url = endpoint.base_url.clone();
    let started = std::time::Instant::now();
    let heard = crate::transcribe::server::ServerClient::new(endpoint)
        .and_then(|client| client.transcribe(&clip, 0));
    let ms = started.elapsed().as_millis();
    Some(match heard {
        Err(e) => line(name, Status::Fail, crate::error_chain(&e)),
        Ok(t) if t.is_empty() => line(
            name,
            Status::Warn,
            format!("{url} heard nothing in a 4-second phrase of speech ({ms} ms)"),
        ),
        Ok(t) if t.timed == crate::transcribe::Timing::Approximate => line(
            name,
            Status::Warn,
            format!(
                "{url} transcribed a 4-second phrase in {ms} ms (\"{}\") but gave no word times: reports will time words approximately",
                t.text
            ),
        ),
        Ok(t) => line(
            name,
            Status::Ok,
            format!(
                "{url} transcribed a 4-second phrase in {ms} ms, with word times (\"{}\")",
                t.text
            ),
        ),
    })
}

/// The test phrase's 16 kHz samples.
fn clip_samples() -> Result<Vec<f32>, String> {
    let dir =
        tempfile::tempdir().map_err(|e| format!("no temporary folder for the test phrase: {e}"))?;
    let path = dir.path().join("doctor-check.flac");
    std::fs::write(&path, CHECK_CLIP)
        .map_err(|e| format!("the test phrase cannot be written: {e}"))?;
    crate::audio::load(&path, &crate::audio::LoadLimits::default())
        .map(|a| a.samples)
        .map_err(|e| crate::error_chain(&e))
}

fn questions(settings: &Settings) -> Check {
    match Bank::load(settings.questions_dir.as_deref()) {
        Ok(b) => line(
            "questions",
            Status::Ok,
            format!("{} questions", b.all().len()),
        ),
        Err(e) => line("questions", Status::Fail, crate::error_chain(&e)),
    }
}

fn prompts(settings: &Settings) -> Check {
    match Prompts::load(settings.interviewer.prompts_dir.as_deref()) {
        Ok(p) => {
            let own: Vec<String> = p
                .origins()
                .values()
                .filter(|o| matches!(o, Origin::File(_)))
                .map(Origin::to_string)
                .collect();
            if own.is_empty() {
                line("prompts", Status::Ok, "the built-in templates")
            } else {
                line(
                    "prompts",
                    Status::Ok,
                    format!("built-in templates, with your own {}", own.join(", ")),
                )
            }
        }
        Err(e) => line("prompts", Status::Fail, crate::error_chain(&e)),
    }
}

fn endpoint(settings: &Settings) -> Vec<Check> {
    let Some(e) = &settings.interviewer.endpoint else {
        return vec![line(
            "interviewer",
            Status::Note,
            "none configured: sessions use the local scorer and the question bank's follow-ups (set interviewer.base_url and interviewer.model)",
        )];
    };
    let mut checks = vec![match &e.api_key {
        Some(_) => line(
            "api key",
            Status::Ok,
            format!("read from ${}", e.api_key_env),
        ),
        None => line(
            "api key",
            Status::Note,
            format!(
                "${} is not set; fine for a local server that wants no key",
                e.api_key_env
            ),
        ),
    }];
    let mut probe = e.clone();
    probe.retries = 0;
    let client = match LlmClient::new(probe) {
        Ok(c) => c,
        Err(err) => {
            checks.push(line("interviewer", Status::Fail, crate::error_chain(&err)));
            return checks;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(probe_endpoint(&client, &mut checks));
    if !checks.iter().any(|c| c.status == Status::Fail) {
        let question = settings
            .practice
            .question
            .clone()
            .unwrap_or_else(|| settings.default_question.clone());
        checks.push(match Bank::load(settings.questions_dir.as_deref()) {
            Ok(bank) => match bank.get(&question) {
                Some(q) => match crate::interview::speed::request(q) {
                    Ok(messages) => runtime.block_on(speed(e, &messages)),
                    Err(err) => line("speed", Status::Fail, crate::error_chain(&err)),
                },
                None => line(
                    "speed",
                    Status::Note,
                    format!("no question `{question}` to time a critique on"),
                ),
            },
            Err(err) => line("speed", Status::Note, crate::error_chain(&err)),
        });
    }
    checks
}

/// A round longer than this gets a warning.
const SLOW_ROUND: std::time::Duration = std::time::Duration::from_secs(120);

/// Times a critique-sized request and says how long a round would take.
async fn speed(
    e: &crate::interview::Endpoint,
    messages: &[crate::interview::client::Message],
) -> Check {
    let speed = match crate::interview::speed::probe(e, messages).await {
        Ok(s) => s,
        Err(err) => return line("speed", Status::Fail, crate::error_chain(&err)),
    };
    let ahead = e.cache_prompt == Some(true);
    let first = speed.first_token.as_secs_f64();
    let rate = speed
        .tokens_per_second
        .map_or("too few tokens to tell the writing speed".into(), |r| {
            format!("{r:.1} tokens/s")
        });
    let Some(round) = speed.estimate(ahead) else {
        return line(
            "speed",
            Status::Note,
            format!("a critique-sized prompt's first token after {first:.1} s; {rate}"),
        );
    };
    let secs = round.as_secs();
    let detail = format!(
        "a critique-sized prompt's first token after {first:.1} s, then {rate}: a critique takes \
         about {secs} s after the answer ends{}",
        if ahead {
            " (reading ahead while you speak)"
        } else {
            ""
        }
    );
    if round > SLOW_ROUND {
        line(
            "speed",
            Status::Warn,
            format!(
                "{detail}; that is minutes per round: try a smaller model, a GPU server, or \
                 interviewer.read_ahead = \"on\" if the server has a prompt cache"
            ),
        )
    } else {
        line("speed", Status::Ok, detail)
    }
}

async fn probe_endpoint(client: &LlmClient, checks: &mut Vec<Check>) {
    let e = client.endpoint();
    match client.models().await {
        Ok(models) => {
            checks.push(line(
                "endpoint",
                Status::Ok,
                format!("{} answers", e.base_url),
            ));
            let model = model_check(&models, e);
            let served = model.status != Status::Fail;
            checks.push(model);
            if !served {
                return;
            }
        }
        Err(InterviewError::NotFound { .. }) => {
            checks.push(line(
                "endpoint",
                Status::Note,
                format!(
                    "{} has no /models route; the chat check below tells whether it works",
                    e.base_url
                ),
            ));
        }
        Err(
            err @ (InterviewError::Connect { .. }
            | InterviewError::Timeout { .. }
            | InterviewError::BadKey { .. }),
        ) => {
            checks.push(line("endpoint", Status::Fail, crate::error_chain(&err)));
            return;
        }
        Err(err) => checks.push(line(
            "endpoint",
            Status::Note,
            format!("listing models failed: {}", crate::error_chain(&err)),
        )),
    }
    checks.push(chat(client).await);
    checks.push(schema(client).await);
}

/// Whether the listed `models` include the endpoint's. A server that lists exactly one other
/// model is most likely llama.cpp's, which names its model by file path and answers whatever name
/// a request gives: a note, and the chat check below tells.
fn model_check(models: &[String], e: &crate::interview::Endpoint) -> Check {
    if models.iter().any(|m| m == &e.model) {
        line("model", Status::Ok, format!("{} is served", e.model))
    } else if models.is_empty() {
        line(
            "model",
            Status::Note,
            "the server lists no models; the chat check below tells whether the model works",
        )
    } else if let [only] = models {
        line(
            "model",
            Status::Note,
            format!(
                "the server lists one model, `{only}`, not `{}`; servers with one model (llama.cpp's) \
                 answer any name, and the chat check below tells. To match, set model = \"{only}\" \
                 or start llama-server with --alias {}",
                e.model, e.model
            ),
        )
    } else {
        line(
            "model",
            Status::Fail,
            format!(
                "{} does not serve `{}`; it has {}",
                e.base_url,
                e.model,
                models.join(", ")
            ),
        )
    }
}

async fn chat(client: &LlmClient) -> Check {
    let messages = [Message::new("user", "Reply with the single word: ready")];
    let started = Instant::now();
    let mut first = None;
    let result = client
        .chat(&messages, None, &mut |e| {
            if let Event::Text(_) = e {
                first.get_or_insert_with(|| started.elapsed());
            }
        })
        .await;
    let took = started.elapsed();
    let first = first.map_or("no text".to_string(), |f| {
        format!("first text after {} ms", f.as_millis())
    });
    match result {
        Ok(_) | Err(InterviewError::TooLong { .. }) => line(
            "chat",
            Status::Ok,
            format!("a streamed reply in {} ms ({first})", took.as_millis()),
        ),
        Err(err) => line("chat", Status::Fail, crate::error_chain(&err)),
    }
}

async fn schema(client: &LlmClient) -> Check {
    let format = serde_json::json!({
        "type": "json_schema",
        "json_schema": {"name": "probe", "strict": true, "schema": {
            "type": "object", "additionalProperties": false,
            "required": ["ok"], "properties": {"ok": {"type": "boolean"}}
        }}
    });
    let messages = [Message::new(
        "user",
        "Reply with the JSON object {\"ok\": true}.",
    )];
    match client.chat(&messages, Some(&format), &mut |_| {}).await {
        Ok(_) | Err(InterviewError::TooLong { .. }) => line(
            "json schema",
            Status::Ok,
            "response_format json_schema is accepted",
        ),
        Err(InterviewError::Rejected { status, .. }) if status.as_u16() == 400 => line(
            "json schema",
            Status::Note,
            "the server refuses response_format json_schema; rehearse will put the schema in the prompt and check the reply",
        ),
        Err(err) => line("json schema", Status::Fail, crate::error_chain(&err)),
    }
}

fn voice(settings: &Settings) -> Check {
    let s = &settings.interviewer;
    if s.voice == Engine::Off {
        return line(
            "voice",
            Status::Ok,
            "off: questions are shown, not spoken (interviewer.voice)",
        );
    }
    match Voice::new(
        s.voice.clone(),
        &s.voice_name,
        &s.speech_model,
        s.endpoint.is_some(),
    ) {
        Ok(_) => line("voice", Status::Ok, format!("{:?} is ready", s.voice)),
        Err(e) => line("voice", Status::Fail, e.to_string()),
    }
}

fn microphone() -> Check {
    match crate::audio::capture::input_devices() {
        Ok(d) if d.is_empty() => line(
            "microphone",
            Status::Note,
            "no input device; `rehearse practice --input FILE` still works",
        ),
        Ok(d) => line(
            "microphone",
            Status::Ok,
            format!(
                "{} input device(s); `rehearse devices --test` checks the level",
                d.len()
            ),
        ),
        Err(e) => line(
            "microphone",
            Status::Note,
            format!(
                "{}; `rehearse practice --input FILE` still works",
                crate::error_chain(&e)
            ),
        ),
    }
}
