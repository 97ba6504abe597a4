//! One interviewer for one session: it renders the prompts, streams each critique, keeps the notes
//! the candidate does not see, picks the next question, and falls back to the question bank when the
//! model cannot be reached.
//!
//! Each request is stateless on the server's side (the system prompt and one user message); what
//! carries from round to round is explicit: a short history of earlier rounds and the interviewer's
//! own notes, both rendered into the next prompt. The first failure is kept and the interviewer
//! goes offline for the rest of the session, so a dead server costs one wait, not one per round.

use std::collections::{BTreeMap, VecDeque};

use std::time::Duration;

use super::check;
use super::client::{Event, LlmClient, Message};
use super::critique::{self, Critique};
use super::endpoint::Structured;
use super::error::{CritiqueProblem, InterviewError, ReplyProblem};
use super::prompts::{Kind, Prompts, tag_safe};
use super::read_ahead::ReadAhead;
use crate::questions::Question;
use crate::score::ScoreReport;
use crate::units::clock;

/// The most tokens of an end-of-session summary (asked for in at most 200 words).
const SUMMARY_TOKENS: u32 = 450;

/// `text` without its last sentence when that is unfinished, and without sentences said before
/// (a small model that loops repeats them); `None` when no whole sentence is left.
fn whole_sentences_once(text: &str) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut rest = text.trim_start();
    // A sentence ends at a full stop, ! or ? before a space or the end ("3.5 s" goes on).
    let end_of = |t: &str| {
        let b = t.as_bytes();
        (0..b.len()).find(|&i| {
            matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1).is_none_or(u8::is_ascii_whitespace)
        })
    };
    while let Some(end) = end_of(rest) {
        let sentence = rest[..=end].trim();
        rest = rest[end + 1..].trim_start();
        let key = check::words(sentence);
        if !key.is_empty() && !seen.contains(&key) {
            seen.push(key);
            kept.push(sentence);
        }
    }
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// What one round gives the interviewer.
pub struct Turn<'a> {
    /// The question the candidate answered (the bank's, or a follow-up).
    pub asked: &'a str,
    /// 0 for the first answer.
    pub round: usize,
    /// The local scorer's report on the answer.
    pub report: &'a ScoreReport,
}

/// How a critique is coming along, for the screen.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The model is still reading the prompt; this long since the request went.
    Reading(Duration),
    /// The critique as far as it can be read.
    Partial(&'a Critique),
}

/// The interviewer of one session.
pub struct Interviewer {
    client: Option<LlmClient>,
    prompts: Prompts,
    question: Question,
    target_seconds: u64,
    runtime: tokio::runtime::Runtime,
    history: Vec<String>,
    notes: Vec<String>,
    bank: VecDeque<String>,
    /// The round in which `question` was first asked: that answer is critiqued as the answer to
    /// the question, later ones as answers to follow-ups.
    opening: usize,
    /// How many of the `response_format`s tried in turn the server has refused.
    refused_formats: usize,
    failure: Option<InterviewError>,
}

impl std::fmt::Debug for Interviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interviewer")
            .field("client", &self.client)
            .field("question", &self.question.id)
            .finish_non_exhaustive()
    }
}

impl Interviewer {
    /// An interviewer on `question`; `client` is `None` offline.
    pub fn new(
        question: &Question,
        target_seconds: u64,
        client: Option<LlmClient>,
        prompts: Prompts,
    ) -> Result<Interviewer, InterviewError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        let interviewer = Interviewer {
            client,
            prompts,
            question: question.clone(),
            target_seconds,
            runtime,
            history: Vec::new(),
            notes: Vec::new(),
            bank: question.follow_ups.iter().cloned().collect(),
            opening: 0,
            refused_formats: 0,
            failure: None,
        };
        // Every template is rendered once now, so a template error stops the session before
        // anyone speaks.
        interviewer.system_prompt()?;
        Ok(interviewer)
    }

    /// Moves the session on to another question, first asked in round `round` (`practice --job`
    /// asks a new question each round): prompts, rubric and the critique's shape become the new
    /// question's, and that round's answer is judged as the answer to it. The history of earlier
    /// rounds and the notes carry over, as an interviewer's would.
    pub fn set_question(&mut self, question: &Question, round: usize) {
        self.question = question.clone();
        self.bank = question.follow_ups.iter().cloned().collect();
        self.opening = round;
    }

    /// The client, while online.
    pub fn client(&self) -> Option<&LlmClient> {
        self.client.as_ref()
    }

    /// Whether a model is (still) being asked.
    pub fn online(&self) -> bool {
        self.client.is_some()
    }

    /// The endpoint's failure that sent the session offline, if one did.
    pub fn failure(&self) -> Option<&InterviewError> {
        self.failure.as_ref()
    }

    /// Takes the failure out, for the session's exit status.
    pub fn take_failure(&mut self) -> Option<InterviewError> {
        self.failure.take()
    }

    /// The notes the interviewer has kept; the candidate does not see them.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The model's critique of one answer, streamed: `on_progress` hears how long the model has
    /// been reading, then gets the critique read so far each time more of it can be read. The
    /// critique comes back checked against the transcript ([`check::verify`]). `None` offline (or
    /// after a failure, which [`Interviewer::failure`] then holds).
    pub fn critique(
        &mut self,
        turn: &Turn<'_>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Option<Critique> {
        self.client.as_ref()?;
        // A critique that says nothing is a failure like any other: the local scorer goes on.
        let critique =
            self.try_critique(turn, on_progress)
                .and_then(|c| match check::repetitive(&c) {
                    Some(problem) => Err(InterviewError::Empty {
                        url: self.url(),
                        problem,
                    }),
                    None => Ok(c),
                });
        match critique {
            Ok(mut c) => {
                let r = turn.report;
                check::verify(&mut c, &r.transcript.text, &self.question, &r.score);
                self.remember(turn, &c);
                Some(c)
            }
            Err(e) => {
                self.go_offline(e);
                None
            }
        }
    }

    /// A reading-ahead thread for the next answer, when the endpoint is set up for it
    /// (`interviewer.read_ahead`) and the session is online.
    pub fn read_ahead(&self) -> Option<ReadAhead> {
        let client = self.client.as_ref()?;
        client
            .endpoint()
            .cache_prompt
            .is_some_and(|on| on)
            .then(|| ReadAhead::start(client.endpoint().clone()))
            .flatten()
    }

    /// The beginning of the critique request for round `round` (asked `asked`) as it will be sent
    /// once the answer ends, when the transcript so far is `settled`: the system prompt, then the
    /// user message cut right after the transcript. `None` when it cannot be rendered.
    pub fn prefix(&self, asked: &str, round: usize, settled: &str) -> Option<Vec<Message>> {
        const CUT: &str = "\u{1}rehearse-cut\u{1}";
        let mut values = BTreeMap::from([
            ("transcript", format!("{}{CUT}", tag_safe(settled))),
            ("timing", String::new()),
            ("local_findings", String::new()),
            ("notes", self.notes.join("\n")),
            ("schema", critique::shape(&self.question)),
        ]);
        let kind = if round == self.opening {
            Kind::Critique
        } else {
            values.insert("follow_up", asked.to_string());
            values.insert("history", self.history.join("\n\n"));
            Kind::FollowUp
        };
        let user = self.render(kind, &values).ok()?;
        let user = &user[..user.find(CUT)?];
        Some(vec![
            Message::new("system", self.system_prompt().ok()?),
            Message::new("user", user),
        ])
    }

    /// The next question: the model's follow-up, else the next of the bank's own.
    pub fn next_question(&mut self, critique: Option<&Critique>) -> Option<String> {
        match critique
            .map(|c| c.follow_up.trim())
            .filter(|f| !f.is_empty())
        {
            Some(f) => {
                self.bank.retain(|b| b != f);
                Some(f.to_string())
            }
            None => self.bank.pop_front(),
        }
    }

    /// The end-of-session summary, streamed to `on_text` as it arrives; `None` offline.
    pub fn summary(&mut self, rounds: &str, on_text: &mut dyn FnMut(&str)) -> Option<String> {
        self.client.as_ref()?;
        let result = self.try_summary(rounds, on_text);
        match result {
            Ok(s) => Some(s),
            Err(e) => {
                self.go_offline(e);
                None
            }
        }
    }

    fn try_summary(
        &mut self,
        rounds: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<String, InterviewError> {
        let values = BTreeMap::from([
            ("rounds", rounds.to_string()),
            ("notes", self.notes.join("\n")),
        ]);
        let user = self.render(Kind::Summary, &values)?;
        let messages = vec![
            Message::new("system", self.system_prompt().map_err(prompt_error)?),
            Message::new("user", user),
        ];
        let client = self.client.as_ref().expect("online");
        let mut text = String::new();
        let reply = self.runtime.block_on(client.chat_capped(
            &messages,
            None,
            SUMMARY_TOKENS,
            &mut |e: Event<'_>| {
                if let Event::Text(piece) = e {
                    text += piece;
                    on_text(&text);
                }
            },
        ));
        match reply {
            Ok(reply) => Ok(reply.text.trim().to_string()),
            // A small model that goes on past the summary asked for is stopped at the cap; what
            // it said before is kept, in whole sentences, each once.
            Err(e @ InterviewError::TooLong { .. }) => {
                let kept = whole_sentences_once(&text).ok_or(e)?;
                tracing::info!(
                    "the summary ran past {SUMMARY_TOKENS} tokens; its whole sentences are kept"
                );
                on_text(&kept);
                Ok(kept)
            }
            Err(e) => Err(e),
        }
    }

    fn go_offline(&mut self, e: InterviewError) {
        tracing::warn!("{}; going on with the local scorer", crate::error_chain(&e));
        self.client = None;
        self.failure.get_or_insert(e);
    }

    fn try_critique(
        &mut self,
        turn: &Turn<'_>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Critique, InterviewError> {
        let messages = self.critique_messages(turn)?;
        // Only the dimensions that apply to this answer (a story-only one waits for a story).
        let ids: Vec<&str> = turn
            .report
            .score
            .dimensions
            .iter()
            .filter(|d| d.applies)
            .map(|d| d.id.as_str())
            .collect();
        let opening = turn.round == self.opening;
        let schema = critique::schema(&ids, &turn.report.transcript.text, opening);
        let reply = self.ask(&messages, &schema, on_progress)?;
        match critique::parse(&reply, &self.question) {
            Ok(c) => Ok(c),
            Err(why) => self.repair(messages, &schema, reply, why, on_progress),
        }
    }

    /// One repair request: the model sees its reply and what is wrong with it.
    fn repair(
        &mut self,
        mut messages: Vec<Message>,
        schema: &serde_json::Value,
        reply: String,
        why: CritiqueProblem,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Critique, InterviewError> {
        tracing::info!("the critique could not be read ({why}); asking once for a repair");
        messages.push(Message::new("assistant", reply));
        messages.push(Message::new(
            "user",
            format!(
                "That reply cannot be used: {why}. Send the critique again as one JSON object \
                 in the shape asked for, with nothing before or after it."
            ),
        ));
        let reply = self.ask(&messages, schema, on_progress)?;
        critique::parse(&reply, &self.question).map_err(|why| InterviewError::Malformed {
            url: self.url(),
            problem: ReplyProblem::Critique(why),
        })
    }

    /// The `response_format`s to try in turn: the schema, then (for a strict mode that refuses
    /// length limits) the schema without them; with `auto`, those the server has not refused yet.
    fn formats(&self, schema: &serde_json::Value) -> Vec<serde_json::Value> {
        let client = self.client.as_ref().expect("online");
        match client.endpoint().structured {
            Structured::Auto => [
                critique::response_format(schema.clone()),
                critique::response_format(critique::without_lengths(schema.clone())),
            ]
            .into_iter()
            .skip(self.refused_formats)
            .collect(),
            Structured::JsonSchema => vec![critique::response_format(schema.clone())],
            Structured::JsonObject => vec![serde_json::json!({"type": "json_object"})],
            Structured::Prompt => Vec::new(),
        }
    }

    /// Sends `messages`, with the schema as `response_format` unless the server refused it, and
    /// streams the critique read so far to `on_progress` whenever it changes.
    fn ask(
        &mut self,
        messages: &[Message],
        schema: &serde_json::Value,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<String, InterviewError> {
        let formats = self.formats(schema);
        let client = self.client.as_ref().expect("online");
        let structured = client.endpoint().structured;
        let question = &self.question;
        let mut text = String::new();
        let mut shown: Option<Critique> = None;
        let mut stream = |e: Event<'_>| match e {
            Event::Waiting(d) => on_progress(Progress::Reading(d)),
            Event::Text(piece) => {
                text += piece;
                if let Some(c) = critique::parse_partial(&text, question)
                    && shown.as_ref() != Some(&c)
                {
                    on_progress(Progress::Partial(&c));
                    shown = Some(c);
                }
            }
        };
        let result = if structured == Structured::Auto {
            let tried = formats.len();
            self.runtime
                .block_on(client.chat_with_fallback(messages, &formats, &mut stream))
                .map(|(reply, used)| {
                    self.refused_formats += used.unwrap_or(tried);
                    reply
                })
        } else {
            self.runtime
                .block_on(client.chat(messages, formats.first(), &mut stream))
        }?;
        Ok(result.text)
    }

    /// The critique request for `turn`: the system prompt and the user message (the doctor times
    /// one of these).
    pub fn critique_messages(&self, turn: &Turn<'_>) -> Result<Vec<Message>, InterviewError> {
        let r = turn.report;
        let mut values = BTreeMap::from([
            ("transcript", tag_safe(&r.transcript.text)),
            ("timing", timing(r)),
            ("local_findings", local_findings(r)),
            ("notes", self.notes.join("\n")),
            ("schema", critique::shape(&self.question)),
        ]);
        let kind = if turn.round == self.opening {
            Kind::Critique
        } else {
            values.insert("follow_up", turn.asked.to_string());
            values.insert("history", self.history.join("\n\n"));
            Kind::FollowUp
        };
        let user = self.render(kind, &values)?;
        Ok(vec![
            Message::new("system", self.system_prompt().map_err(prompt_error)?),
            Message::new("user", user),
        ])
    }

    fn render(
        &self,
        kind: Kind,
        values: &BTreeMap<&str, String>,
    ) -> Result<String, InterviewError> {
        self.prompts.render(kind, values).map_err(prompt_error)
    }

    fn system_prompt(&self) -> Result<String, InterviewError> {
        let values = BTreeMap::from([
            ("question", self.question.text.clone()),
            ("rubric", rubric(&self.question)),
            ("target_seconds", self.target_seconds.to_string()),
            ("schema", critique::shape(&self.question)),
        ]);
        self.prompts.render(Kind::System, &values)
    }

    fn remember(&mut self, turn: &Turn<'_>, c: &Critique) {
        let words: Vec<&str> = turn.report.transcript.text.split_whitespace().collect();
        let excerpt = if words.len() > 80 {
            format!("{} …", words[..80].join(" "))
        } else {
            words.join(" ")
        };
        self.history.push(format!(
            "Round {}. Question: {}\nAnswer (start): {}\nYour verdict: {}",
            turn.round + 1,
            turn.asked,
            excerpt,
            c.summary
        ));
        if !c.interviewer_notes.trim().is_empty() {
            self.notes.push(format!(
                "Round {}: {}",
                turn.round + 1,
                c.interviewer_notes.trim()
            ));
        }
    }

    fn url(&self) -> String {
        self.client
            .as_ref()
            .map(|c| c.endpoint().base_url.clone())
            .unwrap_or_default()
    }
}

/// A template that fails to render mid-session, as a failure of the interviewer's request.
fn prompt_error(e: InterviewError) -> InterviewError {
    InterviewError::Template {
        source: Box::new(e),
    }
}

/// The rubric as lines the model can read.
fn rubric(q: &Question) -> String {
    q.dimensions
        .iter()
        .map(|d| format!("- {} ({}): {}", d.id, d.name, d.means))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The answer's timing in one line.
fn timing(r: &ScoreReport) -> String {
    let d = &r.delivery;
    let mut parts = vec![format!("{} words", d.words)];
    if let Some(ms) = d.duration_ms {
        parts.push(format!("{} long", clock(ms)));
    }
    if let Some(wpm) = d.speaking_rate_wpm {
        parts.push(format!("{wpm:.0} words per minute"));
    }
    if let Some(ms) = d.time_to_first_word_ms {
        parts.push(format!("first word after {:.1} s", ms as f64 / 1000.0));
    }
    if let Some(p) = &d.long_pauses {
        parts.push(format!("{} pauses of 2 s or more", p.len()));
    }
    parts.join(", ")
}

/// The local scorer's findings, compact: a level per dimension, the mistakes heard, the fillers.
fn local_findings(r: &ScoreReport) -> String {
    let s = &r.score;
    let levels: Vec<String> = s
        .dimensions
        .iter()
        .filter(|d| d.applies)
        .map(|d| format!("{} {}/4", d.id, d.level))
        .collect();
    let mut out = format!(
        "Overall {}/100. Levels: {}.\n",
        s.overall,
        levels.join(", ")
    );
    if !s.mistakes.is_empty() {
        let names: Vec<&str> = s.mistakes.iter().map(|m| m.name.as_str()).collect();
        out += &format!("Mistakes heard: {}.\n", names.join("; "));
    }
    let f = &s.fluency;
    out += &format!(
        "Fillers: {} ({:.1} per 100 words); hedges: {}; repeats: {}.\n",
        f.fillers.count, f.fillers.per_100_words, f.hedges.count, f.repeats.count
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::{Bank, FLAGSHIP};
    use crate::score::{Heard, Scorer, assess};

    const SAID: &str = "First I check who is affected and how badly. Then we roll back the last \
        release and I confirm the error rate drops. Finally I write it up so it cannot come back.";

    fn report(q: &Question, text: &str) -> ScoreReport {
        let heard = Heard::text("answer.txt", text);
        assess(&Scorer::new(q), heard)
    }

    #[test]
    fn a_looping_summary_keeps_each_whole_sentence_once() {
        let text = "You were clear. You missed numbers!\n\nYou were clear. Practise this: say \
            the baseline in 3.5 s. You missed numbers! And then the";
        assert_eq!(
            whole_sentences_once(text).as_deref(),
            Some("You were clear. You missed numbers! Practise this: say the baseline in 3.5 s.")
        );
        assert_eq!(whole_sentences_once("and then the candidate"), None);
    }

    #[test]
    fn what_is_read_ahead_is_the_beginning_of_the_request_sent_at_the_end() {
        let q = Bank::load(None).unwrap().get(FLAGSHIP).unwrap().clone();
        let i = Interviewer::new(&q, 90, None, Prompts::load(None).unwrap()).unwrap();
        let r = report(&q, SAID);
        let whole = i
            .critique_messages(&Turn {
                asked: &q.text,
                round: 0,
                report: &r,
            })
            .unwrap();
        let settled = "First I check who is affected and how badly. Then we roll back";
        let prefix = i.prefix(&q.text, 0, settled).unwrap();
        assert_eq!(prefix[0], whole[0], "the same system prompt");
        assert!(
            prefix[1].content.ends_with(settled),
            "{}",
            prefix[1].content
        );
        assert!(
            whole[1].content.starts_with(&prefix[1].content),
            "the final request begins with what was read ahead"
        );
        assert!(
            prefix[0].content.contains("\"follow_up\""),
            "the reply's shape is in the cached part"
        );
    }
}
