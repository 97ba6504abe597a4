//! `rehearse questions new TEXT`: a new question file for the user's question folder, drafted by
//! the interviewer's model and checked like the built-in files, or, offline or when the model
//! fails, the template of the question's kind for the user to edit.
//!
//! Everything that can be wrong with what the user typed (an empty text, a posting that is not
//! text, an id already taken, no way to ask before saving) is found before the model is asked, so
//! a bad command costs no drafting time; and nothing is written until the whole file is ready, then
//! in one rename.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::{NewQuestionArgs, QuestionKind};
use crate::error::{Error, NewQuestionError, PostingProblem};
use crate::interview::draft::{self, Draft, Request};
use crate::interview::{InterviewError, LlmClient};
use crate::questions::template::{slug, template};
use crate::questions::{Bank, Kind, Question, is_id};
use crate::settings::Settings;

/// What is to be saved: a checked draft, or a template (and why, when the model failed).
enum Made {
    Drafted(Draft),
    Template {
        question: Question,
        toml: String,
        failure: Option<InterviewError>,
    },
}

/// Makes the question file `args` asks for, shows it, and saves it once the user agrees.
pub fn run(settings: &Settings, args: &NewQuestionArgs, quiet: bool) -> Result<(), Error> {
    let text = args.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(NewQuestionError::EmptyText.into());
    }
    let id = question_id(args.id.as_deref(), &text)?;
    let posting = args.job.as_deref().map(read_posting).transpose()?;
    let path = target(settings, args, &id)?;
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(NewQuestionError::NeedsYes(path).into());
    }
    let shown = path.display().to_string();
    let request = Request {
        id: &id,
        text: &text,
        kind: args.kind.map(kind_of),
        posting: posting.as_deref(),
        file: &shown,
    };
    let made = make(settings, args, &request, quiet)?;
    super::print(&summary(&made, &path))?;
    if !args.yes && !confirm(&path)? {
        eprintln!("Nothing was saved.");
        return Ok(());
    }
    let toml = match &made {
        Made::Drafted(d) => &d.toml,
        Made::Template { toml, .. } => toml,
    };
    save(&path, toml, args.force)?;
    super::print(&saved(&made, &path))?;
    match made {
        Made::Template {
            failure: Some(source),
            ..
        } => Err(NewQuestionError::TemplateSaved { path, source }.into()),
        _ => Ok(()),
    }
}

/// Drafts `text`, a question the posting (`posting`, its text) calls for and the bank lacks, with
/// the model behind `endpoint`, and saves it in the user's question folder, for `practice --job
/// --draft`. A question of that id that is already in `bank` is used as it is. Progress goes to
/// stderr unless `quiet`. Returns the question and the report's sentence on why it is asked; the
/// error is why nothing was drafted, as the end of a sentence.
pub(super) fn for_posting(
    bank: &Bank,
    settings: &Settings,
    endpoint: &crate::interview::Endpoint,
    text: &str,
    posting: &str,
    quiet: bool,
) -> Result<(Question, String), String> {
    let id = slug(text).ok_or("the question has no words to make an id from")?;
    if let Some(q) = bank.get(&id) {
        return Ok((
            q.clone(),
            format!("Named for this posting by the interviewer, and already in the bank as `{id}`"),
        ));
    }
    let dir = settings
        .questions_dir
        .as_deref()
        .ok_or("there is no question folder to save it in")?;
    let path = dir.join(format!("{id}.toml"));
    let shown = path.display().to_string();
    let request = Request {
        id: &id,
        text,
        kind: None,
        posting: Some(posting),
        file: &shown,
    };
    if !quiet {
        eprintln!("rehearse: drafting a question the bank lacks for this posting: {text}");
    }
    let drafted =
        drafted_by(endpoint.clone(), &request, quiet).map_err(|e| crate::error_chain(&e))?;
    save(&path, &drafted.toml, false).map_err(|e| crate::error_chain(&e))?;
    Ok((
        drafted.question,
        format!(
            "Drafted for this posting by the interviewer, as the bank has no question like it; saved as {shown} (its strong example scores {}, its weak one {})",
            drafted.strong, drafted.weak
        ),
    ))
}

/// The id given, or one made from the text, checked.
fn question_id(given: Option<&str>, text: &str) -> Result<String, NewQuestionError> {
    match given {
        Some(id) if is_id(id) => Ok(id.to_string()),
        Some(id) => Err(NewQuestionError::BadId(id.to_string())),
        None => slug(text).ok_or(NewQuestionError::NoId),
    }
}

/// The job posting's text: a readable file of UTF-8 text with some words in it.
fn read_posting(path: &Path) -> Result<String, NewQuestionError> {
    let problem = |problem| NewQuestionError::Posting {
        path: path.to_path_buf(),
        problem,
    };
    if path.is_dir() {
        return Err(problem(PostingProblem::IsDirectory));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        problem(match e.kind() {
            std::io::ErrorKind::NotFound => PostingProblem::NotFound,
            _ => PostingProblem::Unreadable(e),
        })
    })?;
    if bytes.contains(&0) {
        return Err(problem(PostingProblem::NotText));
    }
    let text = String::from_utf8(bytes).map_err(|_| problem(PostingProblem::NotText))?;
    if text.trim().is_empty() {
        return Err(problem(PostingProblem::Empty));
    }
    Ok(text)
}

/// Where the file goes, after checking that nothing of that id or name is replaced unasked. With
/// `--force`, a question of the user's with that id is replaced in its own file, so the folder
/// never holds two files of one id.
fn target(settings: &Settings, args: &NewQuestionArgs, id: &str) -> Result<PathBuf, Error> {
    let dir = settings.questions_dir.as_deref();
    let bank = Bank::load(dir)?;
    let origin = bank.origin(id).map(str::to_string);
    let mut path = match (&args.output, dir) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => dir.join(format!("{id}.toml")),
        (None, None) => return Err(NewQuestionError::NoFolder.into()),
    };
    match origin {
        Some(origin) if !args.force => {
            return Err(NewQuestionError::Exists {
                id: id.to_string(),
                origin,
            }
            .into());
        }
        Some(origin) if args.output.is_none() && !origin.starts_with("built-in ") => {
            path = PathBuf::from(origin);
        }
        _ => {}
    }
    if path.exists() && !args.force {
        return Err(NewQuestionError::FileExists(path).into());
    }
    Ok(path)
}

fn kind_of(k: QuestionKind) -> Kind {
    match k {
        QuestionKind::Story => Kind::Story,
        QuestionKind::Process => Kind::Process,
        QuestionKind::Design => Kind::Design,
    }
}

/// The draft, or the template when offline or when the model fails (unless `--no-template`).
fn make(
    settings: &Settings,
    args: &NewQuestionArgs,
    request: &Request<'_>,
    quiet: bool,
) -> Result<Made, Error> {
    let endpoint = settings
        .interviewer
        .endpoint
        .clone()
        .filter(|_| !args.offline);
    let Some(endpoint) = endpoint else {
        if !quiet && !args.offline {
            eprintln!("No interviewer is configured, so this is the template for you to edit.");
        }
        return Ok(from_template(request, None));
    };
    match drafted_by(endpoint, request, quiet) {
        Ok(d) => Ok(Made::Drafted(d)),
        Err(e) if args.no_template => Err(NewQuestionError::NotDrafted(e).into()),
        Err(e) => {
            if !quiet {
                eprintln!("The model's draft failed, so this is the template for you to edit.");
            }
            Ok(from_template(request, Some(e)))
        }
    }
}

/// The draft of `request` by the model behind `endpoint`, each step shown on stderr with the time
/// since the start unless `quiet`.
fn drafted_by(
    endpoint: crate::interview::Endpoint,
    request: &Request<'_>,
    quiet: bool,
) -> Result<Draft, InterviewError> {
    let model = endpoint.model.clone();
    let client = LlmClient::new(endpoint)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let started = Instant::now();
    let mut on_step = |step: &str| {
        if !quiet {
            let s = started.elapsed().as_secs();
            eprintln!("drafting with {model} [{}:{:02}]: {step}", s / 60, s % 60);
        }
    };
    runtime.block_on(draft::draft(&client, request, &mut on_step))
}

/// The template of the request's kind (named, else guessed from the wording).
fn from_template(request: &Request<'_>, failure: Option<InterviewError>) -> Made {
    let kind = request.kind.unwrap_or_else(|| Kind::guess(request.text));
    let toml = template(kind, request.id, request.text);
    let question = Question::from_toml(&toml, request.file).expect("the templates pass the checks");
    Made::Template {
        question,
        toml,
        failure,
    }
}

/// What was made, to read before saving it.
fn summary(made: &Made, path: &Path) -> String {
    let (q, what) = match made {
        Made::Drafted(d) => (&d.question, "Drafted"),
        Made::Template { question, .. } => (question, "Template for"),
    };
    let mut out = format!(
        "{what} `{}` ({}; tags: {}): {}\n\n",
        q.id,
        q.kind.as_str(),
        q.tags().join(", "),
        q.text
    );
    for d in &q.dimensions {
        let phrases: Vec<&str> = d.evidence.iter().map(|e| e.phrases[0].as_str()).collect();
        out += &format!(
            "  {} (weight {}): {}\n",
            d.name,
            d.weight,
            phrases.join("; ")
        );
    }
    for a in &q.anti_patterns {
        out += &format!("  Mistake: {} ({})\n", a.name, a.phrases.join("; "));
    }
    for o in &q.order {
        out += &format!("  Order: {}\n", o.name);
    }
    if !q.follow_ups.is_empty() {
        out += &format!("  Follow-ups: {}\n", q.follow_ups.join(" "));
    }
    match made {
        Made::Drafted(d) => {
            out += &format!(
                "\nIt passes every check of `rehearse questions check`; its strong example answer \
                 scores {}/100, its weak one {}/100.\n",
                d.strong, d.weak
            );
            if let Some(why) = &d.repaired {
                out += &format!("The first draft failed ({why}); the model fixed it.\n");
            }
        }
        Made::Template { .. } => {
            out += "\nIts phrases are generic: they fit any answer of its kind, so it passes the \
                    checks but does not yet know your question.\n";
        }
    }
    out + &format!("It is to be saved as {}.\n", path.display())
}

/// What to do now that it is saved.
fn saved(made: &Made, path: &Path) -> String {
    let p = path.display();
    match made {
        Made::Drafted(_) => format!(
            "Saved as {p}. Read it, then practise it with `rehearse practice -Q {}`.\n",
            question_of(made).id
        ),
        Made::Template { .. } => format!(
            "Saved as {p}. To make it yours, edit in it:\n\
             \x20 1. each [[dimension.evidence]]'s phrases: the words a good answer to your question says;\n\
             \x20 2. [[anti_pattern]]: the mistakes interviewers listen for in this question;\n\
             \x20 3. follow_ups: what an interviewer would ask next;\n\
             \x20 4. [[examples]]: a strong and a weak answer of your own.\n\
             Then run `rehearse questions check {p}`.\n"
        ),
    }
}

fn question_of(made: &Made) -> &Question {
    match made {
        Made::Drafted(d) => &d.question,
        Made::Template { question, .. } => question,
    }
}

/// Asks on the terminal whether to save; only "y" or "yes" saves.
fn confirm(path: &Path) -> Result<bool, Error> {
    eprint!("Save it as {}? [y/N] ", path.display());
    std::io::stderr().flush().map_err(Error::Output)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Output)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Writes `toml` to `path` whole or not at all: a temporary file in the same folder, renamed over
/// it. Without `force`, a file that appeared meanwhile is not replaced.
fn save(path: &Path, toml: &str, force: bool) -> Result<(), NewQuestionError> {
    let failed = |source| NewQuestionError::Save {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".new-question-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(failed)?;
    tmp.write_all(toml.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(failed)?;
    let kept = if force {
        tmp.persist(path).map(|_| ())
    } else {
        tmp.persist_noclobber(path).map(|_| ())
    };
    kept.map_err(|e| failed(e.error))
}
