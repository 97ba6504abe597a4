use std::time::{Duration, Instant};

use super::*;
use crate::testkit::speech_server::{Reply, SpeechServer};
use crate::transcribe::fakes;

const HELLO: &str = r#"{"text": " Hello there.", "segments": [{"start": 0.2, "end": 2.8,
    "text": " Hello there."}], "words": [{"word": "Hello", "start": 0.3, "end": 1.0},
    {"word": "there.", "start": 1.2, "end": 2.5}]}"#;

/// Three seconds of speech-like noise between short silences.
fn speech() -> Vec<f32> {
    let mut s = vec![0.0; 3_200];
    s.extend(fakes::answer(&[(3_000, 300)]));
    s
}

fn client(server: &SpeechServer) -> ServerClient {
    let mut e = ServerEndpoint::new(server.url());
    e.backoff = Duration::from_millis(20);
    e.prompt = "Um, uh.".into();
    ServerClient::new(e).unwrap()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn a_request_sends_the_audio_and_every_field_rehearse_relies_on() {
    let server = SpeechServer::start(vec![Reply::ok(HELLO)]);
    let samples = speech();
    let t = client(&server).transcribe(&samples, 0).unwrap();
    assert_eq!(t.text, "Hello there.");
    assert_eq!(t.timed, Timing::Words);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/audio/transcriptions");
    let f = &seen[0].fields;
    assert_eq!(field(f, "response_format"), ["verbose_json"]);
    assert_eq!(field(f, "timestamp_granularities[]"), ["word", "segment"]);
    assert_eq!(field(f, "model"), ["whisper-1"]);
    assert_eq!(field(f, "language"), ["en"]);
    assert_eq!(field(f, "prompt"), ["Um, uh."]);
    assert_eq!(field(f, "temperature"), ["0"]);
    assert!(
        field(f, "audio_ctx").is_empty(),
        "no whisper.cpp fields yet"
    );
    // One chunk of 16-bit WAV: the voiced audio with its padding, and a 44-byte header.
    assert!(
        seen[0].file_bytes > 44 + 2 * 16_000 * 3,
        "{}",
        seen[0].file_bytes
    );
    assert!(
        seen[0]
            .authorization
            .as_deref()
            .is_none_or(|a| a == "Bearer")
    );
}

#[test]
fn whisper_cpps_server_is_recognised_and_asked_for_its_own_fields() {
    let whisper_cpp = r#"{"text": " Hello.", "language": "english", "detected_language": "english",
        "segments": [{"start": 0.2, "end": 2.8, "text": " Hello.", "words":
        [{"word": " Hello", "start": 0.3, "end": 1.0, "t_dtw": 90}, {"word": ".", "start": 1.0,
        "end": 1.0, "t_dtw": 95}]}]}"#;
    let server = SpeechServer::start(vec![Reply::ok(whisper_cpp)]);
    let c = client(&server);
    c.transcribe(&speech(), 0).unwrap();
    let t = c.transcribe(&speech(), 0).unwrap();
    assert_eq!(t.text, "Hello.");
    let seen = server.seen();
    assert!(field(&seen[0].fields, "no_language_probabilities").is_empty());
    assert_eq!(
        field(&seen[1].fields, "no_language_probabilities"),
        ["true"]
    );
    assert_eq!(field(&seen[1].fields, "best_of"), ["1"]);
    assert_eq!(field(&seen[1].fields, "temperature_inc"), ["0"]);
    let ctx: i32 = field(&seen[1].fields, "audio_ctx")[0].parse().unwrap();
    assert!(ctx > 150 && ctx < 1500 && ctx % 16 == 0, "{ctx}");
}

#[test]
fn a_busy_server_is_asked_again_and_a_refusal_is_not() {
    let server = SpeechServer::start(vec![
        Reply::status(503, "loading the model"),
        Reply::ok(HELLO),
    ]);
    assert_eq!(
        client(&server).transcribe(&speech(), 0).unwrap().text,
        "Hello there."
    );
    assert_eq!(server.seen().len(), 2);

    let server = SpeechServer::start(vec![Reply::status(400, "unsupported audio")]);
    let err = client(&server).transcribe(&speech(), 0).unwrap_err();
    assert_eq!(server.seen().len(), 1, "a 400 is not retried");
    let msg = err.to_string();
    assert!(
        msg.contains("refused the audio (400 Bad Request): unsupported audio"),
        "{msg}"
    );
    assert!(msg.contains(server.url()), "{msg}");
}

#[test]
fn retry_after_is_honoured_and_retries_end() {
    let server = SpeechServer::start(vec![Reply::Json {
        status: 429,
        body: r#"{"error": {"message": "slow down"}}"#.into(),
        retry_after: Some(1),
    }]);
    let started = Instant::now();
    let err = client(&server).transcribe(&speech(), 0).unwrap_err();
    assert_eq!(server.seen().len(), 3, "the first try and two retries");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(
        msg.contains("answered 429 Too Many Requests 3 times: slow down"),
        "{msg}"
    );
}

#[test]
fn a_stalled_server_times_out_with_the_setting_named() {
    let server = SpeechServer::start(vec![Reply::Stall(Duration::from_secs(30))]);
    let mut e = ServerEndpoint::new(server.url());
    e.first_byte_timeout = Duration::from_secs(1);
    e.retries = 0;
    let err = ServerClient::new(e.clone())
        .unwrap()
        .transcribe(&speech(), 0)
        .unwrap_err();
    let msg = err.to_string();
    // reqwest's read timeout fires a little after the configured one (the transport adds slack),
    // unless the whole-request timeout comes first.
    assert!(
        msg.contains("(transcribe.first_byte_timeout)") || msg.contains("(transcribe.timeout)"),
        "{msg}"
    );
    e.timeout = Duration::from_millis(500);
    e.first_byte_timeout = Duration::from_secs(20);
    let err = ServerClient::new(e)
        .unwrap()
        .transcribe(&speech(), 0)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("did not finish within 0 s (transcribe.timeout)"),
        "{err}"
    );
}

#[test]
fn garbage_and_reported_errors_are_named() {
    let server = SpeechServer::start(vec![Reply::Text {
        status: 200,
        body: "<html>proxy login</html>".into(),
    }]);
    let msg = client(&server)
        .transcribe(&speech(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("sent a reply that is not a transcription: <html>proxy login"),
        "{msg}"
    );

    let server = SpeechServer::start(vec![Reply::ok(r#"{"object": "list"}"#)]);
    let msg = client(&server)
        .transcribe(&speech(), 0)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not a transcription"), "{msg}");

    let server = SpeechServer::start(vec![Reply::ok(r#"{"error": "failed to read audio data"}"#)]);
    let msg = client(&server)
        .transcribe(&speech(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("could not transcribe the audio: failed to read audio data"),
        "{msg}"
    );
}

#[test]
fn a_server_that_is_down_is_named_and_the_key_never_shows() {
    let server = SpeechServer::start(vec![Reply::ok(HELLO)]);
    let url = server.url().to_string();
    server.stop();
    drop(server);
    let mut e = ServerEndpoint::new(&url);
    e.api_key = Some(ApiKey::new("sk-very-secret-1234".into()));
    let err = ServerClient::new(e)
        .unwrap()
        .transcribe(&speech(), 0)
        .unwrap_err();
    let msg = crate::error_chain(&err);
    assert!(msg.contains("cannot be reached"), "{msg}");
    assert!(!msg.contains("sk-very-secret"), "{msg}");

    let server = SpeechServer::start(vec![Reply::status(401, "bad key sk-very-secret-1234")]);
    let mut e = ServerEndpoint::new(server.url());
    e.api_key = Some(ApiKey::new("sk-very-secret-1234".into()));
    e.api_key_env = "SPEECH_KEY".into();
    let err = ServerClient::new(e)
        .unwrap()
        .transcribe(&speech(), 0)
        .unwrap_err();
    let msg = crate::error_chain(&err);
    assert!(msg.contains("check the API key in $SPEECH_KEY"), "{msg}");
    assert!(!msg.contains("sk-very-secret"), "{msg}");
    let seen = server.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer sk-very-secret-1234")
    );
}

#[test]
fn silence_is_not_sent() {
    let server = SpeechServer::start(vec![Reply::ok(HELLO)]);
    let t = client(&server).transcribe(&vec![0.0; 32_000], 0).unwrap();
    assert!(t.is_empty());
    assert!(server.seen().is_empty());
}

#[test]
fn a_failing_server_hands_over_to_the_local_model_for_good() {
    let server = SpeechServer::start(vec![Reply::ok(HELLO), Reply::Hang]);
    let mut e = ServerEndpoint::new(server.url());
    e.retries = 0;
    let mut t =
        ServerTranscriber::new(ServerClient::new(e).unwrap(), Some(Box::new(fakes::Stamps)));
    assert!(t.decodes_provisionally());
    assert_eq!(t.transcribe(&speech(), 0).unwrap().text, "Hello there.");
    server.stop();
    assert_eq!(t.transcribe(&speech(), 1_000).unwrap().text, "[1000-4500]");
    let requests = server.seen().len();
    assert_eq!(t.transcribe(&speech(), 0).unwrap().text, "[0-3500]");
    assert_eq!(
        server.seen().len(),
        requests,
        "the server is not asked again"
    );
}

/// A local engine that says which of its ways of decoding was asked.
struct Ways;

impl Transcriber for Ways {
    fn transcribe(&mut self, _: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
        Ok(fakes::one_word("whole".into(), offset, offset + 1))
    }

    fn transcribe_until(
        &mut self,
        _: &[f32],
        offset: u64,
        _: u64,
        _: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        Ok(Some(fakes::one_word("piece".into(), offset, offset + 1)))
    }
}

#[test]
fn after_a_failure_the_local_model_decodes_a_live_piece_as_a_piece() {
    let server = SpeechServer::start(vec![Reply::Hang]);
    let mut e = ServerEndpoint::new(server.url());
    e.retries = 0;
    let mut t = ServerTranscriber::new(ServerClient::new(e).unwrap(), Some(Box::new(Ways)));
    let stop = Arc::new(AtomicBool::new(false));
    let piece = t.transcribe_until(&speech(), 0, 0, &stop).unwrap().unwrap();
    assert_eq!(piece.text, "piece", "not cut again as a whole recording");
    assert_eq!(t.transcribe(&speech(), 0).unwrap().text, "whole");
}

#[test]
fn without_a_local_model_there_is_no_provisional_text_and_a_failure_is_an_error() {
    let server = SpeechServer::start(vec![Reply::status(500, "out of memory")]);
    let mut e = ServerEndpoint::new(server.url());
    e.retries = 0;
    let mut t = ServerTranscriber::new(ServerClient::new(e).unwrap(), None);
    assert!(!t.decodes_provisionally());
    let stop = Arc::new(AtomicBool::new(false));
    assert!(
        t.transcribe_provisional(&speech(), 0, 0, &stop)
            .unwrap()
            .is_none()
    );
    assert!(
        server.seen().is_empty(),
        "provisional text is never asked of the server"
    );
    let msg = t.transcribe(&speech(), 0).unwrap_err().to_string();
    assert!(
        msg.contains("answered 500 Internal Server Error 1 times: out of memory"),
        "{msg}"
    );
}
