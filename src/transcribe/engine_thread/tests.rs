//! Tests of the engine thread with fake engines: the order of jobs, a panic in a job, a rebuild
//! that fails, and shutting down. Every test waits on replies, never on the clock, so a slow or
//! busy machine changes how long they take but not what they see.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::transcribe::fakes::{PANIC_AT_MS, Script, Scripted};

/// One second of 16 kHz silence; the fakes only look at its length.
const SECOND: usize = 16_000;

/// A thread running [`Scripted`] engines, and the script they write to.
fn scripted() -> (EngineThread, Arc<Script>) {
    let script = Arc::new(Script::default());
    let shared = Arc::clone(&script);
    let thread = EngineThread::start(Box::new(move || {
        Ok(Box::new(Scripted::new(&shared)) as Box<dyn Transcriber>)
    }))
    .expect("a scripted engine builds");
    (thread, script)
}

/// The offsets the script's engines ran, in order.
fn ran(script: &Script) -> Vec<u64> {
    script.ran.lock().unwrap().clone()
}

#[test]
fn jobs_run_in_the_order_they_were_sent() {
    let (thread, script) = scripted();
    let handle = thread.handle();
    // Every job is queued before the first is waited for, so the thread alone decides the order.
    let pending: Vec<Pending> = (1..=5)
        .map(|i| handle.submit(vec![0.0; SECOND], At::whole(i * 1_000), None))
        .collect();
    let texts: Vec<String> = pending
        .into_iter()
        .map(|p| p.wait().unwrap().unwrap().text)
        .collect();
    assert_eq!(ran(&script), vec![1_000, 2_000, 3_000, 4_000, 5_000]);
    assert_eq!(texts[0], "[1000-2000] by build 1");
    assert_eq!(texts[4], "[5000-6000] by build 1");
}

#[test]
fn a_job_that_panics_is_reported_and_the_next_runs_on_a_rebuilt_engine() {
    let (thread, script) = scripted();
    let handle = thread.handle();
    let crash = handle.submit(vec![0.0; SECOND], At::whole(PANIC_AT_MS), None);
    let next = handle.submit(vec![0.0; SECOND], At::whole(0), None);
    match crash.wait() {
        Err(e @ TranscribeError::Panicked { .. }) => {
            assert!(e.to_string().contains("a scripted crash"), "{e}");
        }
        other => panic!("the crash was not reported: {other:?}"),
    }
    assert_eq!(next.wait().unwrap().unwrap().text, "[0-1000] by build 2");
    assert_eq!(script.built.load(Ordering::SeqCst), 2);
    assert_eq!(
        script.alive.load(Ordering::SeqCst),
        1,
        "the engine that crashed is dropped"
    );
}

#[test]
fn a_failed_rebuild_is_reported_to_every_later_job() {
    let script = Arc::new(Script::default());
    let shared = Arc::clone(&script);
    let mut builds = 0;
    let thread = EngineThread::start(Box::new(move || {
        builds += 1;
        if builds == 1 {
            Ok(Box::new(Scripted::new(&shared)) as Box<dyn Transcriber>)
        } else {
            Err(TranscribeError::MissingModel {
                path: "models/gone.bin".into(),
            })
        }
    }))
    .unwrap();
    let handle = thread.handle();
    assert!(matches!(
        handle.transcribe(&[0.0; SECOND], PANIC_AT_MS),
        Err(TranscribeError::Panicked { .. })
    ));
    for offset in [0, 1_000, 2_000] {
        match handle.transcribe(&[0.0; SECOND], offset) {
            Err(TranscribeError::Reload(why)) => {
                assert!(why.to_string().contains("models/gone.bin"), "{why}")
            }
            other => panic!("job at {offset} ms: {other:?}"),
        }
    }
    assert_eq!(
        ran(&script),
        vec![PANIC_AT_MS],
        "no job runs without an engine"
    );
}

#[test]
fn a_factory_that_panics_while_rebuilding_counts_as_a_failed_rebuild() {
    let script = Arc::new(Script::default());
    let shared = Arc::clone(&script);
    let thread = EngineThread::start(Box::new(move || {
        assert_eq!(shared.built.load(Ordering::SeqCst), 0, "a broken factory");
        Ok(Box::new(Scripted::new(&shared)) as Box<dyn Transcriber>)
    }))
    .unwrap();
    let handle = thread.handle();
    let _ = handle.transcribe(&[0.0; SECOND], PANIC_AT_MS);
    match handle.transcribe(&[0.0; SECOND], 0) {
        Err(TranscribeError::ReloadPanicked(why)) => {
            assert!(why.to_string().contains("a broken factory"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_engine_that_does_not_load_is_reported_by_start() {
    let started = EngineThread::start(Box::new(|| {
        Err(TranscribeError::MissingModel {
            path: "models/none.bin".into(),
        })
    }));
    assert!(matches!(started, Err(TranscribeError::MissingModel { .. })));
}

#[test]
fn dropping_the_thread_stops_it_even_while_a_handle_is_held() {
    let (thread, script) = scripted();
    let handle = thread.handle();
    handle.transcribe(&[0.0; SECOND], 0).unwrap();
    assert_eq!(script.alive.load(Ordering::SeqCst), 1);
    drop(thread);
    // The drop joined the thread, so the engine it owned is gone by the time it returns.
    assert_eq!(script.alive.load(Ordering::SeqCst), 0);
    assert!(matches!(
        handle.transcribe(&[0.0; SECOND], 0),
        Err(TranscribeError::Stopped)
    ));
}

#[test]
fn jobs_queued_before_the_drop_are_still_answered() {
    let (thread, _script) = scripted();
    let pending = thread
        .handle()
        .submit(vec![0.0; SECOND], At::whole(0), None);
    drop(thread);
    assert_eq!(pending.wait().unwrap().unwrap().text, "[0-1000] by build 1");
}

#[test]
fn a_raised_stop_flag_reaches_the_engine() {
    let (thread, script) = scripted();
    let stop = Arc::new(AtomicBool::new(true));
    let result = thread
        .handle()
        .transcribe_until(&[0.0; SECOND], At::whole(7), &stop);
    assert_eq!(result.unwrap(), None);
    assert_eq!(ran(&script), vec![7]);
}
