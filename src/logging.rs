//! Diagnostics go to standard error through `tracing`; results go to standard output.
//!
//! whisper.cpp and ggml log through whisper-rs into the `whisper_rs` target, and the decoders log
//! through the `log` crate. Their lines are useful when something misbehaves and noise otherwise
//! (symphonia logs a probe that fails on a non-audio file as an error, which the user already gets
//! as our own sentence), so the libraries' lines show only at `-vv`.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger. `RUST_LOG` overrides the level chosen by `-v` and `-q`.
pub fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "off,rehearse=error",
        (false, 0) => "off,rehearse=warn",
        (false, 1) => "off,rehearse=info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
