//! A practice session: the question, one answer or several rounds with follow-ups (or the
//! two-version drill), each critiqued by the interviewer when one is configured.
//!
//! The model is loaded and the session folder made before the first answer, so a missing model or
//! an unwritable folder is reported before anyone speaks. Each answer gets a fresh source (the
//! microphone is opened per answer, after the interviewer has finished speaking the question) and
//! its own WAV file; a retry records a new take beside the old one, which is kept. Every scored
//! answer is written to the session folder as soon as it is scored, its critique as soon as that
//! has arrived, and `session.json` sums the session up at the end, whatever happened.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::SessionError;
use super::answer::{self, Answer, AnswerSpec, Outcome};
use super::clock::Clock;
use super::record::{Asker, InterviewerInfo, Practice, Round, SCHEMA};
use super::source::{AudioSource, Mic, Playback};
use super::versions;
use super::view::{Key, LiveView, Phase, Present, Screen};
use crate::audio::LoadLimits;
use crate::interview::critique::{self, Critique};
use crate::interview::interviewer::Progress;
use crate::interview::interviewer::{Interviewer, Turn};
use crate::interview::voice::Voice;
use crate::job::Picks;
use crate::questions::Question;
use crate::score::{ModelUsed, Scorer};
use crate::store::draw::Drawn;
use crate::store::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};
use crate::store::{SessionDir, StoreError};
use crate::transcribe::EngineHandle;

/// Everything a session needs, resolved.
pub struct PracticeOptions {
    /// The answer's clock (the drill uses 90 s and 2 min instead of its target).
    pub clock: Clock,
    /// Run the 90-second then 2-minute drill.
    pub versions: bool,
    /// Recordings to play instead of the microphone, one per answer (the last is reused).
    pub inputs: Vec<PathBuf>,
    /// Playback speed for `inputs`; 0 means as fast as possible.
    pub speed: f64,
    /// The input device name; `None`: the default.
    pub device: Option<String>,
    /// Where session folders go.
    pub sessions_dir: PathBuf,
    /// Limits on input recordings.
    pub limits: LoadLimits,
    /// The model, for reports.
    pub model: Option<ModelUsed>,
    /// Answers in the session (ignored by the drill, which has two).
    pub rounds: u32,
    /// The interviewer, for the session file; `None` without one.
    pub interviewer: Option<InterviewerInfo>,
    /// The settings, as the session's summary records them.
    pub used: UsedSettings,
    /// The question's history before this session, shown under the first report (sparklines).
    pub progress: Option<String>,
    /// Why the question was drawn, when `--next` drew it, for the session's record.
    pub drawn: Option<Drawn>,
    /// With `--job`: the questions picked for the posting, one round each.
    pub job: Option<JobRounds>,
}

/// The rounds of a session for a job posting: each round asks the next picked question, judged
/// against its own rubric. No follow-up questions come between them: the posting's questions are
/// what the session is for, and an answer to a follow-up would not count in any question's
/// history.
pub struct JobRounds {
    /// The posting and the picks, for the session's record.
    pub picks: Picks,
    /// The picked questions, in the order of `picks.picks`.
    pub questions: Vec<Question>,
}

/// Where a session shows itself and who takes part: the screen and its renderings, the
/// interviewer (which may be offline) and the voice that asks the questions.
pub struct Stage<'a> {
    /// The full-screen view or plain lines.
    pub screen: &'a mut dyn Screen,
    /// Turns reports and critiques into the text the screen shows.
    pub present: &'a dyn Present,
    /// The language-model interviewer, online or not.
    pub interviewer: &'a mut Interviewer,
    /// Speaks each question, or stays silent.
    pub voice: &'a Voice,
}

/// Runs a session on `question`, transcribed by the engine thread behind `engine`, shown and
/// critiqued on `stage`.
pub fn run(
    question: &Question,
    opts: &PracticeOptions,
    engine: EngineHandle,
    stage: Stage<'_>,
) -> Result<Practice, SessionError> {
    // A session for a posting is named for it: it asks several questions.
    let name = if opts.job.is_some() {
        "job"
    } else {
        &question.id
    };
    let dir = SessionDir::create(&opts.sessions_dir, name)?;
    let mut session = Practice {
        schema: SCHEMA.into(),
        session_dir: dir.path().to_path_buf(),
        question: question.id.clone(),
        drawn: opts.drawn.clone(),
        job: opts.job.as_ref().map(|j| j.picks.clone()),
        rounds: Vec::new(),
        abandoned: Vec::new(),
        comparison: None,
        quit: false,
        interviewer: opts.interviewer.clone(),
        summary: None,
        interviewer_notes: Vec::new(),
        notes: Vec::new(),
    };
    let mut summary =
        SessionSummary::new(Kind::Practice, dir.stamp(), &question.id, opts.used.clone());
    summary.job = opts
        .job
        .as_ref()
        .map(|j| j.picks.posting.display().to_string());
    let mut ctx = Ctx {
        question,
        scorer: Scorer::new(question),
        opts,
        summary,
        dir: &dir,
        engine,
        screen: stage.screen,
        present: stage.present,
        interviewer: stage.interviewer,
        voice: stage.voice.clone(),
        unsaved: Vec::new(),
    };
    let result = ctx.run_rounds(&mut session);
    session.interviewer_notes = ctx.interviewer.notes().to_vec();
    if let (Some(info), Some(e)) = (&mut session.interviewer, ctx.interviewer.failure()) {
        info.failure = Some(crate::error_chain(e));
    }
    // The records are written whatever happened, so the folder always says what it holds.
    ctx.summary.complete = result.is_ok() && !session.quit;
    ctx.save("session.json", &session);
    let summary = ctx.summary.clone();
    ctx.save("summary.json", &summary);
    let unsaved = std::mem::take(&mut ctx.unsaved);
    match result {
        Ok(()) if !unsaved.is_empty() => Err(SessionError::NotSaved {
            session: Box::new(session),
            unsaved,
        }),
        Ok(()) => Ok(session),
        Err(e) => Err(e),
    }
}

/// What every round of a session shares.
struct Ctx<'a> {
    question: &'a Question,
    scorer: Scorer<'a>,
    opts: &'a PracticeOptions,
    summary: SessionSummary,
    dir: &'a SessionDir,
    engine: EngineHandle,
    screen: &'a mut dyn Screen,
    present: &'a dyn Present,
    interviewer: &'a mut Interviewer,
    voice: Voice,
    /// Files of the session that could not be written. A failed write ends nothing: the session
    /// goes on in memory, and the command shows what it has and then names what was not saved.
    unsaved: Vec<StoreError>,
}

impl<'a> Ctx<'a> {
    /// Writes `value` to the session file `name`; a failure is kept for the end and logged now.
    fn save(&mut self, name: &str, value: &impl Serialize) {
        if let Err(e) = self.dir.write_json(name, value) {
            tracing::warn!("{e}");
            self.unsaved.push(e);
        }
    }

    fn run_rounds(&mut self, session: &mut Practice) -> Result<(), SessionError> {
        let plan = rounds(self.opts);
        let mut asked = (self.question.text.clone(), Asker::QuestionBank);
        for (i, (label, clock)) in plan.iter().enumerate() {
            if let Some(job) = &self.opts.job {
                self.ask_next(&job.questions[i], i);
                asked = (self.question.text.clone(), Asker::QuestionBank);
            }
            self.speak(&asked.0);
            let Some(answer) = self.answer_round(session, i, label, *clock, &asked.0)? else {
                session.quit = true;
                return Ok(());
            };
            self.save(&format!("answer-{}.json", i + 1), &answer);
            let round = self.review(i, label, clock, asked.clone(), answer, session)?;
            let critique = round.critique.clone();
            self.record(&round, i + 1);
            session.rounds.push(round);
            // Both records follow every answer, so a crash later loses nothing already said.
            self.save("session.json", &*session);
            let summary = self.summary.clone();
            self.save("summary.json", &summary);
            if session.quit {
                return Ok(());
            }
            // The drill and a posting's rounds have their questions set; no follow-ups.
            if self.opts.versions || self.opts.job.is_some() || i + 1 == plan.len() {
                continue;
            }
            let from_model = critique
                .as_ref()
                .is_some_and(|c| !c.follow_up.trim().is_empty());
            match self.interviewer.next_question(critique.as_ref()) {
                Some(q) => {
                    asked = (
                        q,
                        if from_model {
                            Asker::Interviewer
                        } else {
                            Asker::QuestionBank
                        },
                    )
                }
                None => {
                    session.notes.push("The question bank has no more follow-up questions; the session ended early.".into());
                    break;
                }
            }
        }
        if let (true, [short, long]) = (self.opts.versions, session.rounds.as_slice()) {
            session.comparison = Some(versions::compare(
                self.question,
                &short.answer.report,
                &long.answer.report,
            ));
        }
        if session.rounds.len() > 1 {
            session.summary = self.summary(session)?;
        }
        Ok(())
    }

    /// Moves the session on to `question`, asked in round `round`: its rubric scores the answer
    /// and the interviewer judges it as the answer to that question.
    fn ask_next(&mut self, question: &'a Question, round: usize) {
        self.question = question;
        self.scorer = Scorer::new(question);
        self.interviewer.set_question(question, round);
    }

    /// Adds answer `n` to the session's summary.
    fn record(&mut self, round: &Round, n: usize) {
        let report_file = format!("answer-{n}.json");
        let mut a = AnswerSummary::new(
            n,
            &round.label,
            &round.asked,
            &report_file,
            &round.answer.report,
        );
        a.audio = round
            .answer
            .audio
            .file_name()
            .map(|f| f.to_string_lossy().into_owned());
        a.critique = round
            .critique
            .as_ref()
            .map(|_| format!("critique-{n}.json"));
        self.summary.answers.push(a);
    }

    /// Speaks the question; a voice that fails is reported once and turned off.
    fn speak(&mut self, text: &str) {
        if let Err(e) = self.voice.speak(text, self.interviewer.client()) {
            tracing::warn!("{e}; questions are shown but no longer spoken");
            self.voice = Voice::off();
        }
    }

    /// Shows the report, streams the critique into it, waits for the speaker, saves the critique.
    fn review(
        &mut self,
        i: usize,
        label: &str,
        clock: &Clock,
        asked: (String, Asker),
        answer: Answer,
        session: &mut Practice,
    ) -> Result<Round, SessionError> {
        let mut view = report_view(self.question, label, clock, &asked.0, &answer);
        view.report = Some(self.present.answer(&answer.report));
        if let (0, Some(p), Some(report)) = (i, &self.opts.progress, view.report.as_mut()) {
            report.push_str("\nYour progress on this question before this answer\n");
            report.push_str(p);
        }
        self.screen.show(&view)?;
        let critique = self.critique(i, &asked.0, &answer, &mut view)?;
        let disagreements = critique
            .as_ref()
            .map(|c| critique::disagreements(c, &answer.report.score))
            .unwrap_or_default();
        let round = Round {
            label: label.to_string(),
            target_secs: clock.target.as_secs(),
            asked: asked.0,
            asked_by: asked.1,
            question: self.question.id.clone(),
            picked: self.opts.job.as_ref().and_then(|j| {
                let pick = j.picks.picks.get(i)?;
                Some(pick.because.clone())
            }),
            answer,
            critique,
            disagreements,
        };
        if round.critique.is_some() {
            self.save(&format!("critique-{}.json", i + 1), &round);
        }
        if self.screen.report(&mut view)? == Some(Key::Quit) {
            session.quit = true;
        }
        Ok(round)
    }

    /// The interviewer's critique, streamed into `view`.
    fn critique(
        &mut self,
        i: usize,
        asked: &str,
        answer: &Answer,
        view: &mut LiveView,
    ) -> Result<Option<Critique>, SessionError> {
        if !self.interviewer.online() {
            return Ok(None);
        }
        view.scroll = view
            .report
            .as_deref()
            .map_or(0, |r| r.lines().count() as u16);
        view.critique = Some(String::new());
        view.status = "the interviewer is reading the answer…".into();
        self.screen.show(view)?;
        let turn = Turn {
            asked,
            round: i,
            report: &answer.report,
        };
        let (interviewer, present) = (&mut *self.interviewer, self.present);
        let local = &answer.report.score;
        let screen = &mut *self.screen;
        let mut shown = Ok(());
        let mut reading = 0;
        let critique = interviewer.critique(&turn, &mut |p| {
            match p {
                // Once a second while the model reads the answer: say so, with the seconds.
                Progress::Reading(d) if d.as_secs() != reading => {
                    reading = d.as_secs();
                    view.status = format!("the interviewer is reading the answer… {reading} s");
                }
                Progress::Reading(_) => return,
                Progress::Partial(c) => {
                    let text = present.critique(c, local, false);
                    // Only a change is drawn: a critique read further often renders the same.
                    if view.critique.as_deref() == Some(text.as_str()) {
                        return;
                    }
                    view.critique = Some(text);
                    view.status = "the interviewer is writing…".into();
                }
            }
            // A screen that failed once is not drawn on again; the error ends the session after
            // the reply is in.
            if shown.is_ok() {
                shown = screen.show(view);
            }
        });
        shown?;
        match &critique {
            Some(c) => {
                view.critique = Some(self.present.critique(c, local, true));
                view.status = format!(
                    "critique saved in {}",
                    self.dir.file(&format!("critique-{}.json", i + 1)).display()
                );
            }
            None => {
                view.critique = None;
                if let Some(e) = self.interviewer.failure() {
                    view.status =
                        format!("{}; going on with the local scorer", crate::error_chain(e));
                }
            }
        }
        self.screen.show(view)?;
        Ok(critique)
    }

    fn summary(&mut self, session: &Practice) -> Result<Option<String>, SessionError> {
        if !self.interviewer.online() {
            return Ok(None);
        }
        let mut view = LiveView {
            title: format!("rehearse · {} · summary", self.question.id),
            question: self.question.text.clone(),
            phase: Phase::Report,
            report: Some(self.present.rounds(session)),
            critique: Some(String::new()),
            status: "the interviewer is summing up…".into(),
            keys: vec![
                ("Enter".into(), "finish".into()),
                ("↑/↓".into(), "scroll".into()),
            ],
            ..LiveView::default()
        };
        self.screen.show(&view)?;
        let rounds = summary_input(session);
        let interviewer = &mut *self.interviewer;
        let summary = streamed(&mut *self.screen, &mut view, |on_text| {
            interviewer.summary(&rounds, on_text)
        })?;
        view.critique = summary.clone();
        view.status = String::new();
        self.screen.report(&mut view)?;
        Ok(summary)
    }

    /// Records takes of one round until one is scored (`Some`) or the speaker quits (`None`).
    fn answer_round(
        &mut self,
        session: &mut Practice,
        round: usize,
        label: &str,
        clock: Clock,
        asked: &str,
    ) -> Result<Option<Answer>, SessionError> {
        for take in 1.. {
            let audio = match take {
                1 => self.dir.file(&format!("answer-{}.wav", round + 1)),
                n => self.dir.file(&format!("answer-{}.take{n}.wav", round + 1)),
            };
            // The interviewer reads the answer as it settles, so the critique starts sooner.
            let reader = self.interviewer.read_ahead();
            let interviewer = &*self.interviewer;
            let heard = |settled: &str| {
                if let (Some(r), Some(m)) = (&reader, interviewer.prefix(asked, round, settled)) {
                    r.send(m);
                }
            };
            let spec = AnswerSpec {
                title: format!("rehearse · {} · {label}", self.question.id),
                scorer: &self.scorer,
                asked: asked.to_string(),
                clock,
                audio,
                model: self.opts.model.clone(),
                heard: reader.is_some().then_some(&heard as &dyn Fn(&str)),
            };
            let mut source = open_source(self.opts, round, spec.clock.hard_cap)?;
            let outcome = answer::run(&spec, source.as_mut(), &self.engine, &mut *self.screen);
            if let Some(r) = reader {
                let stats = r.finish();
                tracing::info!(
                    "read ahead: {} requests, {} ms of reading, the end waited {} ms{}",
                    stats.sent,
                    stats.busy.as_millis(),
                    stats.waited.as_millis(),
                    if stats.failed {
                        " (stopped after a failure)"
                    } else {
                        ""
                    }
                );
            }
            match outcome {
                Ok(Outcome::Done(a)) => return Ok(Some(*a)),
                Ok(Outcome::Retry(path)) => session.abandoned.push(path),
                Ok(Outcome::Quit(path)) => {
                    session.abandoned.push(path);
                    return Ok(None);
                }
                Err(SessionError::Interrupted { answer, source }) => {
                    let name = format!("answer-{}.json", round + 1);
                    self.save(&name, &answer);
                    return Err(SessionError::Interrupted { answer, source });
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns")
    }
}

/// Runs `ask`, showing the text it streams in `view`'s critique pane as it arrives.
fn streamed<T>(
    screen: &mut dyn Screen,
    view: &mut LiveView,
    ask: impl FnOnce(&mut dyn FnMut(&str)) -> T,
) -> Result<T, SessionError> {
    let mut shown = Ok(());
    let result = ask(&mut |text: &str| {
        // Only a change is drawn: a critique read further often renders the same.
        if view.critique.as_deref() == Some(text) {
            return;
        }
        view.critique = Some(text.to_string());
        // A screen that failed once is not drawn on again; the error ends the session after
        // the reply is in.
        if shown.is_ok() {
            shown = screen.show(view);
        }
    });
    shown.map(|()| result)
}

/// The rounds as the summary prompt's `rounds` value.
fn summary_input(session: &Practice) -> String {
    let mut out = String::new();
    for (i, r) in session.rounds.iter().enumerate() {
        out += &format!(
            "Round {}. Question: {}\nLocal score: {}/100, {} words in {:.0} s.\n",
            i + 1,
            r.asked,
            r.answer.report.score.overall,
            r.answer.report.delivery.words,
            r.answer.seconds
        );
        if let Some(c) = &r.critique {
            out += &format!("Your critique: {}\n", c.summary);
            for imp in &c.improvements {
                out += &format!("- {imp}\n");
            }
        }
        out += "\n";
    }
    out
}

/// The rounds of the session: one answer at the target, or the two versions.
fn rounds(opts: &PracticeOptions) -> Vec<(String, Clock)> {
    if let Some(job) = &opts.job {
        let n = job.questions.len();
        return (1..=n)
            .map(|i| match n {
                1 => ("answer".to_string(), opts.clock),
                _ => (format!("round {i} of {n}"), opts.clock),
            })
            .collect();
    }
    if !opts.versions {
        return match opts.rounds {
            0 | 1 => vec![("answer".into(), opts.clock)],
            n => (1..=n)
                .map(|i| (format!("round {i} of {n}"), opts.clock))
                .collect(),
        };
    }
    let cap = |secs| {
        let mut c = opts.clock;
        let percent = (c.hard_cap.as_secs_f64() / c.target.as_secs_f64() * 100.0 - 100.0)
            .round()
            .max(0.0) as u32;
        c = Clock {
            silence_end: c.silence_end,
            ..Clock::new(Duration::from_secs(secs), percent)
        };
        c
    };
    vec![
        ("90-second version".into(), cap(90)),
        ("2-minute version".into(), cap(120)),
    ]
}

/// The microphone, or the round's input recording; of a recording only what the answer can
/// record before its hard cap is kept, so a long file costs no memory beyond it.
fn open_source(
    opts: &PracticeOptions,
    round: usize,
    hard_cap: std::time::Duration,
) -> Result<Box<dyn AudioSource>, SessionError> {
    if opts.inputs.is_empty() {
        return Ok(Box::new(Mic::open(opts.device.as_deref())?));
    }
    let path = &opts.inputs[round.min(opts.inputs.len() - 1)];
    let mut playback = Playback::open(path, opts.speed, &opts.limits)?;
    playback.keep_at_most(hard_cap + std::time::Duration::from_secs(2));
    Ok(Box::new(playback))
}

fn report_view(
    question: &Question,
    label: &str,
    clock: &Clock,
    asked: &str,
    a: &Answer,
) -> LiveView {
    LiveView {
        title: format!("rehearse · {} · {label}", question.id),
        question: asked.to_string(),
        phase: Phase::Report,
        elapsed: Duration::from_secs_f64(a.seconds),
        target: clock.target,
        hard_cap: clock.hard_cap,
        warn_before: clock.warn_before,
        transcript: a.report.transcript.text.clone(),
        status: format!("saved {}", a.audio.display()),
        keys: vec![
            ("Enter".into(), "continue".into()),
            ("q".into(), "quit".into()),
            ("↑/↓".into(), "scroll".into()),
        ],
        ..LiveView::default()
    }
}
