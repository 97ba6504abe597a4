//! Drafting a new question file with the interviewer's model, for `rehearse questions new`.
//!
//! Small local models cannot write a whole valid rubric in one reply, so the draft is asked for
//! in small JSON pieces ([`steps`]): the kind and the dimensions first, then each dimension's
//! evidence on its own, then the mistakes, ordering rules and follow-ups, then a strong example
//! answer and a weak one (asked without the rubric, whose phrases a small model would copy into
//! it). Each piece is read leniently and turned into the bank's own types ([`build`]),
//! so the file is written by the bank's serializer and is valid TOML by construction. The file is
//! then checked with the bank's checks and its examples scored with the bank's scorer: the strong
//! one must score above the weak one (the first draft by [`FIRST_MARGIN`] points). The piece at fault goes back to the model once, with the
//! checker's sentence; a draft that still fails is an error, never a file.

mod build;
mod json;
mod steps;

use super::client::LlmClient;
use super::error::InterviewError;
use super::prompts::tag_safe;
use crate::questions::{Kind, Question};
use build::{Part, Parts, Plan};
use steps::Asker;

/// The most characters of a job posting the model reads: enough for the role and its
/// requirements, little enough for a small model's context and a CPU's reading speed.
pub const POSTING_CHARS: usize = 2000;

/// How many points the first draft's strong example must score above its weak one.
const FIRST_MARGIN: u8 = 15;

/// What to draft.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The question's id.
    pub id: &'a str,
    /// The question as an interviewer asks it.
    pub text: &'a str,
    /// The kind the user named; `None`: the wording's, if it makes one plain, else the model's.
    pub kind: Option<Kind>,
    /// A job posting to draft for, as text.
    pub posting: Option<&'a str>,
    /// The file the draft is to be saved as, to name it in the checker's sentences.
    pub file: &'a str,
}

/// A drafted question file that passed the bank's checks.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The file's text.
    pub toml: String,
    /// The question as the bank reads the file.
    pub question: Question,
    /// The strong example's overall score.
    pub strong: u8,
    /// The weak example's.
    pub weak: u8,
    /// What failed in the first draft and was sent back, when something was.
    pub repaired: Option<String>,
}

/// Drafts the question file `request` asks for, telling `on_step` what is being asked for before
/// each request (one line each, for a progress display).
pub async fn draft(
    client: &LlmClient,
    request: &Request<'_>,
    on_step: &mut dyn FnMut(&str),
) -> Result<Draft, InterviewError> {
    // A small model often calls "How would you design..." a story; the wording is surer.
    let request = &Request {
        kind: request.kind.or_else(|| Kind::evident(request.text)),
        ..*request
    };
    let posting = request.posting.map(trim_posting);
    let system = steps::system(request.text, request.kind, posting.as_deref());
    let mut asker = Asker::new(client, system);
    let mut parts = first_draft(&mut asker, request, on_step).await?;
    let header = header(&client.endpoint().model);
    let check = |parts: &Parts, margin: u8| {
        let question = build::assemble(parts, request.id, request.text);
        build::verify(&question, &header, request.file, margin)
    };
    // The first draft is held to a clear margin between its examples, so that a weak example
    // that says what the strong one says goes back; the repaired one need only score above.
    let fault = match check(&parts, FIRST_MARGIN) {
        Ok(c) => return Ok(finished(c, None)),
        Err(fault) => fault,
    };
    let why = crate::error_chain(&fault.problem);
    on_step(&format!(
        "the draft fails a check ({why}); asking once more"
    ));
    redo(&mut asker, &mut parts, fault.part, &why, on_step).await?;
    check(&parts, 1)
        .map(|c| finished(c, Some(why)))
        .map_err(|fault| InterviewError::Draft {
            url: client.endpoint().base_url.clone(),
            problem: Box::new(fault.problem),
        })
}

/// Every piece, asked for in turn.
async fn first_draft(
    asker: &mut Asker<'_>,
    request: &Request<'_>,
    on_step: &mut dyn FnMut(&str),
) -> Result<Parts, InterviewError> {
    on_step("the kind and the dimensions");
    let (prompt, schema) = steps::plan(request.kind);
    let plan = asker
        .ask("the dimensions", prompt, &schema, |v| {
            build::plan(v, request.kind, request.text)
        })
        .await?;
    let mut dimensions = Vec::new();
    for i in 0..plan.dimensions.len() {
        dimensions.push(ask_dimension(asker, &plan, i, None, on_step).await?);
    }
    let mut parts = Parts {
        plan,
        dimensions,
        rules: Default::default(),
        examples: Default::default(),
    };
    parts.rules = ask_rules(asker, &parts, None, on_step).await?;
    parts.examples = ask_examples(asker, &parts, None, on_step).await?;
    Ok(parts)
}

/// Asks again for the part at fault, with `why` it failed.
async fn redo(
    asker: &mut Asker<'_>,
    parts: &mut Parts,
    part: Part,
    why: &str,
    on_step: &mut dyn FnMut(&str),
) -> Result<(), InterviewError> {
    match part {
        Part::Dimension(i) if i < parts.dimensions.len() => {
            parts.dimensions[i] = ask_dimension(asker, &parts.plan, i, Some(why), on_step).await?;
        }
        Part::Dimension(_) | Part::Rules => {
            parts.rules = ask_rules(asker, parts, Some(why), on_step).await?;
        }
        Part::Examples => {
            parts.examples = ask_examples(asker, parts, Some(why), on_step).await?;
        }
    }
    Ok(())
}

/// The evidence of planned dimension `i`.
async fn ask_dimension(
    asker: &mut Asker<'_>,
    plan: &Plan,
    i: usize,
    failed: Option<&str>,
    on_step: &mut dyn FnMut(&str),
) -> Result<crate::questions::Dimension, InterviewError> {
    let planned = &plan.dimensions[i];
    let n = plan.dimensions.len();
    on_step(&format!(
        "the evidence for \"{}\" (dimension {} of {n})",
        planned.name,
        i + 1
    ));
    let (prompt, schema) = steps::dimension(&plan.dimensions, i);
    let step = format!("the evidence for \"{}\"", planned.name);
    asker
        .ask(&step, with_failure(prompt, failed), &schema, |v| {
            build::dimension(v, planned)
        })
        .await
}

/// The mistakes, ordering rules and follow-ups.
async fn ask_rules(
    asker: &mut Asker<'_>,
    parts: &Parts,
    failed: Option<&str>,
    on_step: &mut dyn FnMut(&str),
) -> Result<build::Rules, InterviewError> {
    on_step("the mistakes, ordering rules and follow-up questions");
    let (prompt, schema) = steps::rules(&parts.dimensions);
    let dimensions = &parts.dimensions;
    asker
        .ask(
            "the mistakes and follow-ups",
            with_failure(prompt, failed),
            &schema,
            |v| Ok(build::rules(v, dimensions)),
        )
        .await
}

/// The strong and the weak example answers, each in a request of its own.
async fn ask_examples(
    asker: &mut Asker<'_>,
    parts: &Parts,
    failed: Option<&str>,
    on_step: &mut dyn FnMut(&str),
) -> Result<[String; 2], InterviewError> {
    on_step("a strong example answer");
    let (prompt, schema) = steps::strong(&parts.dimensions);
    let strong = asker
        .ask(
            "the strong example answer",
            with_failure(prompt, failed),
            &schema,
            |v| build::example(v, "strong"),
        )
        .await?;
    on_step("a weak example answer");
    let mistake = parts
        .rules
        .anti_patterns
        .first()
        .map(|a| a.phrases[0].as_str());
    let (prompt, schema) = steps::weak(mistake);
    let weak = asker
        .ask(
            "the weak example answer",
            with_failure(prompt, failed),
            &schema,
            |v| build::example(v, "weak"),
        )
        .await?;
    Ok([strong, weak])
}

/// `prompt`, followed by why the earlier answer to it failed, when it did.
fn with_failure(prompt: String, failed: Option<&str>) -> String {
    match failed {
        None => prompt,
        Some(why) => format!(
            "{prompt}\nYour earlier answer to this failed a check: {why}. Write it so that it \
             passes."
        ),
    }
}

/// The draft that passed.
fn finished(c: build::Checked, repaired: Option<String>) -> Draft {
    Draft {
        toml: c.toml,
        question: c.question,
        strong: c.scores.0,
        weak: c.scores.1,
        repaired,
    }
}

/// The comment at the top of a drafted file.
fn header(model: &str) -> String {
    let model: String = model
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!(
        "# Drafted by `rehearse questions new` with the model {model}. Read it before you rely on\n\
         # it: the phrases are what the scorer listens for, so make them the words a good answer\n\
         # to this question would use, then run `rehearse questions check FILE` on it.\n"
    )
}

/// A job posting as the model reads it: whitespace collapsed, cut at a word to about
/// [`POSTING_CHARS`], and nothing in it able to close the `<posting>` tag.
fn trim_posting(posting: &str) -> String {
    let text = tag_safe(&posting.split_whitespace().collect::<Vec<_>>().join(" "));
    if text.chars().count() <= POSTING_CHARS {
        return text;
    }
    let cut: String = text.chars().take(POSTING_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(kept, _)| kept);
    format!("{cut} [...]")
}

#[cfg(test)]
mod tests;
