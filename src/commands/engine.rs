//! The speech engine a command transcribes with: whisper.cpp on this computer, or a transcription
//! server with the local model (when one is installed) beside it for provisional text and as the
//! fallback. The model is found and checked here, before anyone speaks or anything is decoded.

use crate::Error;
use crate::models::{self, inspect};
use crate::score::ModelUsed;
use crate::settings::Settings;
use crate::transcribe::server::{ServerClient, ServerTranscriber};
use crate::transcribe::{EngineFactory, Transcriber, WhisperEngine};

/// How to build the engine, and what the reports say transcribed the answer.
pub struct Recogniser {
    /// Builds the engine; called again after a crash.
    pub factory: EngineFactory,
    /// The model (or server) named in reports.
    pub used: ModelUsed,
}

/// The engine `settings` ask for. A local model named explicitly must exist; with a server and no
/// model named, the first installed one is used if there is one.
pub fn recogniser(settings: &Settings) -> Result<Recogniser, Error> {
    let named = settings.transcribe.model.as_deref();
    let local = match models::resolve(named, &settings.model_dirs) {
        Ok(path) => Some((inspect::inspect(&path)?, path)),
        Err(e) if named.is_some() || settings.transcribe.server.is_none() => return Err(e.into()),
        Err(_) => None,
    };
    let local = local.map(|(info, path)| {
        let whisper = super::whisper_options(settings, &path);
        let used = ModelUsed {
            name: info.name(),
            path: path.display().to_string(),
        };
        (info, whisper, used)
    });
    let Some(endpoint) = settings.transcribe.server.clone() else {
        let (info, whisper, used) = local.expect("a local engine has its model");
        return Ok(Recogniser {
            factory: Box::new(move || {
                let engine = WhisperEngine::load_inspected(whisper.clone(), &info)?;
                Ok(Box::new(engine) as Box<dyn Transcriber>)
            }),
            used,
        });
    };
    let used = ModelUsed {
        name: match &local {
            Some((_, _, l)) => format!(
                "{} on {} ({} here)",
                endpoint.model, endpoint.base_url, l.name
            ),
            None => format!("{} on {}", endpoint.model, endpoint.base_url),
        },
        path: endpoint.base_url.clone(),
    };
    Ok(Recogniser {
        factory: Box::new(move || {
            let server = ServerClient::new(endpoint.clone())?;
            let fallback = match &local {
                Some((info, whisper, _)) => Some(Box::new(WhisperEngine::load_inspected(
                    whisper.clone(),
                    info,
                )?) as Box<dyn Transcriber>),
                None => None,
            };
            Ok(Box::new(ServerTranscriber::new(server, fallback)) as Box<dyn Transcriber>)
        }),
        used,
    })
}
