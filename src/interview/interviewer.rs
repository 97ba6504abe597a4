//! One interviewer for one session: it renders the prompts, streams each critique, keeps the notes
//! the candidate does not see, picks the next question, and falls back to the question bank when the
//! model cannot be reached.
//!
//! Each request is stateless on the server's side (the system prompt and one user message); what
//! carries from round to round is explicit: a short history of earlier rounds and the interviewer's
//! own notes, both rendered into the next prompt. The first failure is kept and the interviewer
//! goes offline for the rest of the session, so a dead server costs one wait, not one per round.

use std::collections::{BTreeMap, VecDeque};

use super::client::{LlmClient, Message};
use super::critique::{self, Critique};
use super::endpoint::Structured;
use super::error::{CritiqueProblem, InterviewError, ReplyProblem};
use super::prompts::{Kind, Prompts, tag_safe};
use crate::questions::Question;
use crate::score::ScoreReport;
use crate::units::clock;

/// What one round gives the interviewer.
pub struct Turn<'a> {
    /// The question the candidate answered (the bank's, or a follow-up).
    pub asked: &'a str,
    /// 0 for the first answer.
    pub round: usize,
    /// The local scorer's report on the answer.
    pub report: &'a ScoreReport,
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
    schema_refused: bool,
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
            schema_refused: false,
            failure: None,
        };
        // Every template is rendered once now, so a template error stops the session before
        // anyone speaks.
        interviewer.system_prompt()?;
        Ok(interviewer)
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

    /// The model's critique of one answer, streamed: `on_partial` gets the critique read so far
    /// each time more of it can be read. `None` offline (or after a failure, which
    /// [`Interviewer::failure`] then holds).
    pub fn critique(
        &mut self,
        turn: &Turn<'_>,
        on_partial: &mut dyn FnMut(&Critique),
    ) -> Option<Critique> {
        self.client.as_ref()?;
        match self.try_critique(turn, on_partial) {
            Ok(c) => {
                self.remember(turn, &c);
                Some(c)
            }
            Err(e) => {
                self.go_offline(e);
                None
            }
        }
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
        let reply = self
            .runtime
            .block_on(client.chat(&messages, None, &mut |piece: &str| {
                text += piece;
                on_text(&text);
            }))?;
        Ok(reply.text.trim().to_string())
    }

    fn go_offline(&mut self, e: InterviewError) {
        tracing::warn!("{}; going on with the local scorer", crate::error_chain(&e));
        self.client = None;
        self.failure.get_or_insert(e);
    }

    fn try_critique(
        &mut self,
        turn: &Turn<'_>,
        on_partial: &mut dyn FnMut(&Critique),
    ) -> Result<Critique, InterviewError> {
        let messages = self.critique_messages(turn)?;
        let reply = self.ask(&messages, on_partial)?;
        match critique::parse(&reply, &self.question) {
            Ok(c) => Ok(c),
            Err(why) => self.repair(messages, reply, why, on_partial),
        }
    }

    /// One repair request: the model sees its reply and what is wrong with it.
    fn repair(
        &mut self,
        mut messages: Vec<Message>,
        reply: String,
        why: CritiqueProblem,
        on_partial: &mut dyn FnMut(&Critique),
    ) -> Result<Critique, InterviewError> {
        tracing::info!("the critique could not be read ({why}); asking once for a repair");
        messages.push(Message::new("assistant", reply));
        messages.push(Message::new(
            "user",
            format!(
                "That reply cannot be used: {why}. Send the critique again as one JSON object \
                 matching the schema, with nothing before or after it."
            ),
        ));
        let reply = self.ask(&messages, on_partial)?;
        critique::parse(&reply, &self.question).map_err(|why| InterviewError::Malformed {
            url: self.url(),
            problem: ReplyProblem::Critique(why),
        })
    }

    /// Sends `messages`, with the schema as `response_format` unless the server refused it, and
    /// streams the critique read so far to `on_partial` whenever it changes.
    fn ask(
        &mut self,
        messages: &[Message],
        on_partial: &mut dyn FnMut(&Critique),
    ) -> Result<String, InterviewError> {
        let client = self.client.as_ref().expect("online");
        let structured = client.endpoint().structured;
        let format = match structured {
            Structured::Auto if !self.schema_refused => {
                Some(critique::response_format(&self.question))
            }
            Structured::JsonSchema => Some(critique::response_format(&self.question)),
            Structured::JsonObject => Some(serde_json::json!({"type": "json_object"})),
            _ => None,
        };
        let question = &self.question;
        let mut text = String::new();
        let mut shown: Option<Critique> = None;
        let mut stream = |piece: &str| {
            text += piece;
            if let Some(c) = critique::parse_partial(&text, question)
                && shown.as_ref() != Some(&c)
            {
                on_partial(&c);
                shown = Some(c);
            }
        };
        let result = if structured == Structured::Auto {
            self.runtime
                .block_on(client.chat_with_fallback(messages, format.as_ref(), &mut stream))
                .map(|(reply, used)| {
                    if format.is_some() && !used {
                        self.schema_refused = true;
                    }
                    reply
                })
        } else {
            self.runtime
                .block_on(client.chat(messages, format.as_ref(), &mut stream))
        }?;
        Ok(result.text)
    }

    fn critique_messages(&self, turn: &Turn<'_>) -> Result<Vec<Message>, InterviewError> {
        let r = turn.report;
        let schema = serde_json::to_string_pretty(&critique::schema(&self.question))
            .expect("a schema serialises");
        let mut values = BTreeMap::from([
            ("transcript", tag_safe(&r.transcript.text)),
            ("timing", timing(r)),
            ("local_findings", local_findings(r)),
            ("notes", self.notes.join("\n")),
            ("schema", schema),
        ]);
        let kind = if turn.round == 0 {
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

/// The local scorer's findings, compact.
fn local_findings(r: &ScoreReport) -> String {
    let s = &r.score;
    let mut out = format!("Overall {}/100 (content {}/100).\n", s.overall, s.content);
    for d in s.dimensions.iter().filter(|d| d.applies) {
        out += &format!("- {} ({}): {}/4. {}\n", d.id, d.name, d.level, d.reason);
    }
    for m in &s.mistakes {
        out += &format!("- Mistake heard: {} ({})\n", m.name, m.hurts);
    }
    let f = &s.fluency;
    out += &format!(
        "- Fillers: {} ({:.1} per 100 words); hedges: {}; repeats: {}\n",
        f.fillers.count, f.fillers.per_100_words, f.hedges.count, f.repeats.count
    );
    out
}
