//! The one thread that owns the speech engine for a whole session, and the cheap handles that send
//! it work.
//!
//! A loaded Whisper model is large and slow to load, and whisper.cpp's state may only be used by
//! one caller at a time, so a session loads it once and gives it to an [`EngineThread`]. Everything
//! that wants a transcript, such as the live transcriber of each answer, holds an [`EngineHandle`]
//! and sends it a job; the thread runs the jobs one after another, in the order they arrive, and
//! answers each on the job's own reply channel. Nobody else ever borrows or moves the engine.
//!
//! A job that panics does not take the engine away for the rest of the session. The panic is
//! caught, reported as an error on that job's reply, and the engine is dropped and built again
//! from the factory the thread was started with, before the next job runs. If that rebuild fails,
//! every later job gets the rebuild's error at once, so no caller is ever left waiting. Dropping
//! the [`EngineThread`] asks the thread to stop after the jobs already queued and joins it.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

use super::error::PanicMessage;
use super::{TranscribeError, Transcriber, Transcript};

/// Builds a fresh engine: once when the thread starts, and again after a job panicked.
pub type EngineFactory =
    Box<dyn FnMut() -> Result<Box<dyn Transcriber>, TranscribeError> + Send + 'static>;

/// What a job produces: a transcript, `None` when the job's stop flag ended it early, or an error.
pub type JobResult = Result<Option<Transcript>, TranscribeError>;

/// Where a stretch sent to the engine is in the answer, in milliseconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Where the stretch starts: added to every time in the transcript.
    pub offset_ms: u64,
    /// Where the words the caller keeps start; what comes before is context
    /// ([`Transcriber::transcribe_until`]).
    pub keep_from_ms: u64,
}

impl At {
    /// A stretch whose words are all kept.
    pub fn whole(offset_ms: u64) -> At {
        At {
            offset_ms,
            keep_from_ms: offset_ms,
        }
    }
}

/// A message to the engine thread.
enum Command {
    /// Transcribe `samples` and send the result on `reply`.
    Transcribe {
        /// 16 kHz mono samples.
        samples: Vec<f32>,
        /// Where they are in the answer.
        at: At,
        /// When given, the engine may give up once it is raised.
        stop: Option<Arc<AtomicBool>>,
        /// A provisional decode ([`Transcriber::transcribe_provisional`]); needs `stop`.
        provisional: bool,
        /// Where the result goes; a caller that stopped waiting has dropped its end.
        reply: Sender<JobResult>,
    },
    /// Finish the jobs queued before this and end the thread.
    Shutdown,
}

/// The thread that owns the engine. Dropping it stops the thread and waits for it.
pub struct EngineThread {
    handle: EngineHandle,
    thread: Option<JoinHandle<()>>,
}

impl EngineThread {
    /// Builds the engine with `factory` on the calling thread, so a model that does not load is
    /// reported before anyone speaks, then starts the thread that owns it.
    pub fn start(mut factory: EngineFactory) -> Result<Self, TranscribeError> {
        let engine = factory()?;
        let provisional = engine.decodes_provisionally();
        let final_provisional = engine.provisional_is_final();
        let (commands, inbox) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("engine".into())
            .spawn(move || serve(engine, factory, inbox))
            .expect("the system can start a thread");
        Ok(EngineThread {
            handle: EngineHandle {
                commands,
                provisional,
                final_provisional,
            },
            thread: Some(thread),
        })
    }

    /// A handle that sends this thread jobs; it is cheap to make and to clone.
    pub fn handle(&self) -> EngineHandle {
        self.handle.clone()
    }
}

impl Drop for EngineThread {
    fn drop(&mut self) {
        // An explicit message, rather than waiting for every handle's sender to be dropped, lets
        // the thread end even while some handle is still held elsewhere; jobs sent after it get
        // an error instead of an answer.
        let _ = self.handle.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            // The thread catches every panic in a job or a rebuild, so joining fails only if the
            // thread itself is broken, and a drop has nobody to tell that to.
            let _ = thread.join();
        }
    }
}

/// Sends jobs to an [`EngineThread`].
#[derive(Clone)]
pub struct EngineHandle {
    commands: Sender<Command>,
    /// Whether the engine decodes provisional text ([`Transcriber::decodes_provisionally`]).
    provisional: bool,
    /// Whether that text may be settled as it is ([`Transcriber::provisional_is_final`]).
    final_provisional: bool,
}

impl EngineHandle {
    /// Queues a job and returns at once; [`Pending::wait`] gives its result.
    pub fn submit(&self, samples: Vec<f32>, at: At, stop: Option<Arc<AtomicBool>>) -> Pending {
        self.send(samples, at, stop, false)
    }

    /// Queues a provisional decode ([`Transcriber::transcribe_provisional`]).
    pub fn submit_provisional(
        &self,
        samples: Vec<f32>,
        at: At,
        stop: Option<Arc<AtomicBool>>,
    ) -> Pending {
        self.send(samples, at, stop, true)
    }

    fn send(
        &self,
        samples: Vec<f32>,
        at: At,
        stop: Option<Arc<AtomicBool>>,
        provisional: bool,
    ) -> Pending {
        let (reply, result) = mpsc::channel();
        let job = Command::Transcribe {
            samples,
            at,
            stop,
            provisional,
            reply,
        };
        // When the thread has stopped, the job and its reply sender are dropped here, so `wait`
        // reports the stop instead of waiting for ever.
        let _ = self.commands.send(job);
        Pending { result }
    }

    /// Transcribes `samples` on the engine thread and waits for the transcript.
    pub fn transcribe(
        &self,
        samples: &[f32],
        offset_ms: u64,
    ) -> Result<Transcript, TranscribeError> {
        let result = self
            .submit(samples.to_vec(), At::whole(offset_ms), None)
            .wait()?;
        // Without a stop flag the engine has no reason to give up early, so `None` never comes.
        Ok(result.unwrap_or_default())
    }

    /// Like [`EngineHandle::transcribe`], but the engine may give up soon after `stop` is raised,
    /// and then the result is `None`.
    pub fn transcribe_until(&self, samples: &[f32], at: At, stop: &Arc<AtomicBool>) -> JobResult {
        self.submit(samples.to_vec(), at, Some(Arc::clone(stop)))
            .wait()
    }

    /// A provisional decode ([`Transcriber::transcribe_provisional`]): `None` when the engine gave
    /// up after `stop` was raised or does not decode provisionally.
    pub fn transcribe_provisional(
        &self,
        samples: &[f32],
        at: At,
        stop: &Arc<AtomicBool>,
    ) -> JobResult {
        self.send(samples.to_vec(), at, Some(Arc::clone(stop)), true)
            .wait()
    }

    /// Whether the engine decodes provisional text at all.
    pub fn decodes_provisionally(&self) -> bool {
        self.provisional
    }

    /// Whether the engine's provisional text may be settled as it is.
    pub fn provisional_is_final(&self) -> bool {
        self.final_provisional
    }
}

/// A job sent to the engine thread, not yet answered.
pub struct Pending {
    result: Receiver<JobResult>,
}

impl Pending {
    /// Waits for the job's result. A thread that stopped before answering drops the reply sender,
    /// so this never waits for a job that will not run.
    pub fn wait(self) -> JobResult {
        self.result.recv().unwrap_or(Err(TranscribeError::Stopped))
    }

    /// The job's result if it comes within `timeout`.
    pub fn wait_for(&self, timeout: std::time::Duration) -> Option<JobResult> {
        match self.result.recv_timeout(timeout) {
            Ok(result) => Some(result),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(TranscribeError::Stopped)),
        }
    }
}

/// The engine thread's loop: one job at a time, in order, until told to stop or every handle is
/// gone.
fn serve(engine: Box<dyn Transcriber>, mut factory: EngineFactory, inbox: Receiver<Command>) {
    // `Err` holds why the engine could not be rebuilt; every later job is answered with it.
    let mut engine: Result<Box<dyn Transcriber>, Unbuilt> = Ok(engine);
    while let Ok(Command::Transcribe {
        samples,
        at: At {
            offset_ms,
            keep_from_ms,
        },
        stop,
        provisional,
        reply,
    }) = inbox.recv()
    {
        let current = match &mut engine {
            Ok(current) => current,
            Err(why) => {
                let _ = reply.send(Err(why.error()));
                continue;
            }
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| match &stop {
            Some(stop) if provisional => {
                current.transcribe_provisional(&samples, offset_ms, keep_from_ms, stop)
            }
            Some(stop) => current.transcribe_until(&samples, offset_ms, keep_from_ms, stop),
            None => current.transcribe(&samples, offset_ms).map(Some),
        }));
        match outcome {
            Ok(result) => {
                let _ = reply.send(result);
            }
            Err(payload) => {
                // The caller hears about the crash first; the rebuild happens while it carries on,
                // and before the next job is taken.
                let message = PanicMessage::of(&*payload);
                let _ = reply.send(Err(TranscribeError::Panicked { message }));
                engine = rebuild(&mut engine, &mut factory);
            }
        }
    }
}

/// Why the engine could not be built again after a crash.
enum Unbuilt {
    /// The factory failed.
    Failed(Arc<TranscribeError>),
    /// The factory panicked.
    Panicked(PanicMessage),
}

impl Unbuilt {
    /// The error every job gets once the engine could not be rebuilt.
    fn error(&self) -> TranscribeError {
        match self {
            Unbuilt::Failed(why) => TranscribeError::Reload(Arc::clone(why)),
            Unbuilt::Panicked(message) => TranscribeError::ReloadPanicked(message.clone()),
        }
    }
}

/// Drops the engine a job panicked in and builds a new one. A factory that panics counts as one
/// that failed, so the thread itself never dies of a panic.
fn rebuild(
    engine: &mut Result<Box<dyn Transcriber>, Unbuilt>,
    factory: &mut EngineFactory,
) -> Result<Box<dyn Transcriber>, Unbuilt> {
    // The old engine goes first, so a large model is never held twice in memory.
    let old = std::mem::replace(
        engine,
        Err(Unbuilt::Failed(Arc::new(TranscribeError::Stopped))),
    );
    let built = panic::catch_unwind(AssertUnwindSafe(|| {
        drop(old);
        factory()
    }));
    let why = match built {
        Ok(Ok(fresh)) => return Ok(fresh),
        Ok(Err(e)) => Unbuilt::Failed(Arc::new(e)),
        Err(payload) => Unbuilt::Panicked(PanicMessage::of(&*payload)),
    };
    tracing::warn!("{}", why.error());
    Err(why)
}

#[cfg(test)]
mod tests;
