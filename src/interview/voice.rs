//! Speaking the interviewer's questions aloud.
//!
//! Off by default. The local engines (espeak-ng, flite, macOS `say`, piper) run as programs; the
//! API voice fetches WAV from the endpoint's speech route and plays it with the first player found
//! (aplay, paplay, afplay or sox's play). Speaking finishes before the microphone opens, and a short
//! hold-off follows, so the recording never picks up the interviewer's own voice. A voice that
//! fails mid-session is reported once and the session goes on in text.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::client::LlmClient;
use super::error::InterviewError;

/// The wait between the end of the spoken question and the microphone opening, so the tail of the
/// speech (and the room's echo of it) is not recorded.
pub const HOLD_OFF: Duration = Duration::from_millis(400);

/// Which voice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Questions are only shown (also written as an empty string).
    #[serde(alias = "")]
    Off,
    /// espeak-ng.
    EspeakNg,
    /// flite.
    Flite,
    /// macOS `say`.
    Say,
    /// piper, with a voice model file.
    Piper,
    /// The OpenAI-compatible speech endpoint.
    Api,
}

impl Engine {
    fn program(&self) -> Option<&'static str> {
        match self {
            Engine::EspeakNg => Some("espeak-ng"),
            Engine::Flite => Some("flite"),
            Engine::Say => Some("say"),
            Engine::Piper => Some("piper"),
            Engine::Off | Engine::Api => None,
        }
    }
}

/// A voice, checked at start-up.
#[derive(Debug, Clone)]
pub struct Voice {
    engine: Engine,
    name: String,
    speech_model: String,
    player: Option<PathBuf>,
}

impl Voice {
    /// Checks that `engine` can speak on this machine.
    pub fn new(
        engine: Engine,
        name: &str,
        speech_model: &str,
        has_endpoint: bool,
    ) -> Result<Voice, InterviewError> {
        if let Some(program) = engine.program() {
            find_program(program).ok_or(InterviewError::VoiceMissing(program))?;
        }
        if engine == Engine::Piper && !Path::new(name).is_file() {
            return Err(InterviewError::PiperModel(PathBuf::from(name)));
        }
        let player = match engine {
            Engine::Api | Engine::Piper => Some(player().ok_or(InterviewError::NoPlayer)?),
            _ => None,
        };
        if engine == Engine::Api && !has_endpoint {
            return Err(InterviewError::NoEndpoint);
        }
        Ok(Voice {
            engine,
            name: name.to_string(),
            speech_model: speech_model.to_string(),
            player,
        })
    }

    /// No voice.
    pub fn off() -> Voice {
        Voice {
            engine: Engine::Off,
            name: String::new(),
            speech_model: String::new(),
            player: None,
        }
    }

    /// Whether questions are spoken.
    pub fn is_on(&self) -> bool {
        self.engine != Engine::Off
    }

    /// Speaks `text` and returns when it has been said and the hold-off has passed.
    pub fn speak(&self, text: &str, client: Option<&LlmClient>) -> Result<(), InterviewError> {
        match self.engine {
            Engine::Off => return Ok(()),
            Engine::Api => self.speak_api(text, client)?,
            Engine::Piper => self.speak_piper(text)?,
            _ => run(self.command(text))?,
        }
        std::thread::sleep(HOLD_OFF);
        Ok(())
    }

    /// The command that speaks `text` with a local engine.
    fn command(&self, text: &str) -> Command {
        let mut cmd = Command::new(self.engine.program().expect("a local engine"));
        match (&self.engine, self.name.is_empty()) {
            (Engine::EspeakNg | Engine::Say, false) => {
                cmd.args(["-v", &self.name]);
            }
            (Engine::Flite, false) => {
                cmd.args(["-voice", &self.name]);
            }
            _ => {}
        }
        match self.engine {
            Engine::Flite => cmd.args(["-t", text]),
            _ => cmd.args(["--", text]),
        };
        cmd
    }

    fn speak_piper(&self, text: &str) -> Result<(), InterviewError> {
        let wav = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile()
            .map_err(InterviewError::VoiceIo)?;
        let mut cmd = Command::new("piper");
        cmd.args(["--model", &self.name, "--output_file"])
            .arg(wav.path());
        run_with_input(cmd, text)?;
        self.play(wav.path())
    }

    fn speak_api(&self, text: &str, client: Option<&LlmClient>) -> Result<(), InterviewError> {
        let client = client.ok_or(InterviewError::NoEndpoint)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(InterviewError::VoiceIo)?;
        let bytes = runtime
            .block_on(client.speech(text, &self.speech_model, &self.name))
            .map_err(|e| InterviewError::VoiceSpeech(Box::new(e)))?;
        let wav = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile()
            .map_err(InterviewError::VoiceIo)?;
        std::fs::write(wav.path(), bytes).map_err(InterviewError::VoiceIo)?;
        self.play(wav.path())
    }

    fn play(&self, wav: &Path) -> Result<(), InterviewError> {
        let player = self.player.as_ref().ok_or(InterviewError::NoPlayer)?;
        let mut cmd = Command::new(player);
        if player.ends_with("aplay") {
            cmd.arg("-q");
        }
        cmd.arg(wav);
        run(cmd)
    }
}

fn run(mut cmd: Command) -> Result<(), InterviewError> {
    let program = cmd.get_program().to_os_string();
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match out {
        Ok(out) => check(program, &out),
        Err(source) => Err(InterviewError::VoiceProgram { program, source }),
    }
}

fn run_with_input(mut cmd: Command, input: &str) -> Result<(), InterviewError> {
    use std::io::Write;
    let program = cmd.get_program().to_os_string();
    let spawned = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(input.as_bytes());
            }
            child.wait_with_output()
        });
    match spawned {
        Ok(out) => check(program, &out),
        Err(source) => Err(InterviewError::VoiceProgram { program, source }),
    }
}

fn check(program: OsString, out: &std::process::Output) -> Result<(), InterviewError> {
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(InterviewError::VoiceExited {
        program,
        status: out.status,
        stderr: err.lines().next().unwrap_or("").trim().to_string(),
    })
}

/// The first audio player installed.
fn player() -> Option<PathBuf> {
    ["aplay", "paplay", "afplay", "play"]
        .into_iter()
        .find_map(find_program)
}

/// `program`'s path, searched on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_read_as_the_config_writes_them() {
        let read = |v: &str| serde_json::from_value::<Engine>(serde_json::json!(v)).ok();
        assert_eq!(read("off"), Some(Engine::Off));
        assert_eq!(read(""), Some(Engine::Off));
        assert_eq!(read("espeak-ng"), Some(Engine::EspeakNg));
        assert_eq!(read("api"), Some(Engine::Api));
        assert_eq!(read("espeak"), None);
    }

    #[test]
    fn local_commands_carry_the_voice_and_the_text() {
        let v = Voice {
            engine: Engine::EspeakNg,
            name: "en-us".into(),
            speech_model: String::new(),
            player: None,
        };
        let cmd = v.command("-rf is not an option");
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["-v", "en-us", "--", "-rf is not an option"]);
        let f = Voice {
            engine: Engine::Flite,
            name: String::new(),
            speech_model: String::new(),
            player: None,
        };
        let args: Vec<_> = f
            .command("Hi")
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["-t", "Hi"]);
    }

    #[test]
    fn a_missing_engine_is_named() {
        let e = Voice::new(Engine::Say, "", "", false);
        if find_program("say").is_none() {
            assert_eq!(
                e.unwrap_err().to_string(),
                "interviewer.voice is \"say\" but `say` is not installed (it is not on PATH)"
            );
        }
    }
}
