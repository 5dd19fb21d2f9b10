//! The life of a task: states and predicates (spec §1.2), creation (§1.3),
//! terminal transitions (§1.6), identity, `current_task()` (§1.20).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aiotask_api::{Runtime, RuntimeHandle, Task};

use crate::support::{
    Gate, Log, Slot, TaskOf, ValueError, expect_cancelled, expect_failed, run, single_thread_only,
    wait_until,
};
use crate::{Fixture, Outcome};

/// §1.2: a pending task is neither done nor cancelled; it finishes with its value once awaited.
pub fn pending_task_is_not_done<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (done, cancelled, value) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_task(async move {
            g.wait().await;
            1u8
        });
        let state = (t.done(), t.cancelled());
        gate.set(());
        (state.0, state.1, t.await.ok())
    });
    assert!(!done, "done() of a pending task");
    assert!(!cancelled, "cancelled() of a pending task");
    assert_eq!(value, Some(1), "awaiting the task");
    Outcome::Pass
}

/// §1.2: a task that returned is done, not cancelled, and holds its value.
pub fn finished_task_holds_its_value<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_task(async { 42u32 });
        let _ = t.join().await;
        t
    });
    assert!(t.done(), "done() after return");
    assert!(!t.cancelled(), "cancelled() after return");
    assert_eq!(t.result().ok(), Some(42), "result()");
    assert!(
        matches!(t.exception(), Ok(None)),
        "exception() of a finished task"
    );
    Outcome::Pass
}

/// §1.2: a task whose body returned an error is done, not cancelled, and holds the error.
pub fn failed_task_holds_its_error<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_try_task(async { Err::<u8, _>(ValueError("boom")) });
        let _ = t.join().await;
        t
    });
    assert!(
        t.done() && !t.cancelled(),
        "done() and not cancelled() after a failure"
    );
    let f = expect_failed(t.result(), "result() of a failed task");
    assert_eq!(
        f.downcast_ref::<ValueError>(),
        Some(&ValueError("boom")),
        "the stored error"
    );
    assert!(!f.is_panic(), "an error is not a panic");
    Outcome::Pass
}

/// §1.2: a task that was cancelled is done and cancelled.
pub fn cancelled_task_is_done_and_cancelled<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(crate::support::LONG).await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        assert!(t.cancel(), "cancel() of a pending task");
        let _ = t.join().await;
        t
    });
    assert!(t.done(), "done() after cancellation");
    assert!(t.cancelled(), "cancelled() after cancellation");
    expect_cancelled(t.result(), None, "result() of a cancelled task");
    Outcome::Pass
}

/// §1.3: `run` runs a main task to completion and returns its value, again and again.
pub fn run_returns_the_main_value<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    assert_eq!(fx.runtime().run(async { 7u8 }).ok(), Some(7), "first run");
    let h = fx.runtime().handle();
    let second = fx.runtime().run(async move {
        let child = h.create_task(async { "child".to_owned() });
        child.await.unwrap_or_default()
    });
    assert_eq!(
        second.ok().as_deref(),
        Some("child"),
        "second run on the same runtime"
    );
    Outcome::Pass
}

/// §1.3: `run_until_complete(task)` returns the task's outcome, value or failure.
pub fn run_until_complete_returns_the_outcome<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let ok = h.create_task(async { 15i64 });
    assert_eq!(
        fx.runtime().run_until_complete(&ok).ok(),
        Some(15),
        "a task that returns"
    );
    let bad = h.create_try_task(async { Err::<i64, _>(ValueError("bad")) });
    let f = expect_failed(fx.runtime().run_until_complete(&bad), "a task that fails");
    assert_eq!(
        f.downcast_ref::<ValueError>(),
        Some(&ValueError("bad")),
        "the failure"
    );
    Outcome::Pass
}

/// §1.3 step 5: a task created while the loop is not running first runs inside the loop.
pub fn task_created_outside_the_loop_waits_for_it<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let log = Log::new();
    let l = log.clone();
    let t = fx
        .runtime()
        .handle()
        .create_task(async move { l.push("body") });
    log.expect(&[], "the body before the loop runs");
    assert!(!t.done(), "done() before the loop runs");
    assert!(
        fx.runtime().run_until_complete(&t).is_ok(),
        "run_until_complete"
    );
    log.expect(&["body"], "the body after the loop ran");
    Outcome::Pass
}

/// §1.3/§1.6: `create_task` never runs the body: even a body with no await is pending after it.
pub fn create_task_does_not_run_the_body<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (seen, done, value) = run(fx.runtime(), async move {
        let l2 = l.clone();
        let t = h.create_task(async move {
            l2.push("body");
            5u8
        });
        let seen = l.snapshot();
        let done = t.done();
        (seen, done, t.await.ok())
    });
    assert!(seen.is_empty(), "the body ran inside create_task: {seen:?}");
    assert!(!done, "done() right after create_task");
    assert_eq!(value, Some(5), "the value once awaited");
    log.expect(&["body"], "the body ran once");
    Outcome::Pass
}

/// §1.6: done is terminal: cancel() is refused and the outcome never changes.
pub fn done_is_terminal<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_task(async { 3u8 });
        let _ = t.join().await;
        assert!(!t.cancel(), "cancel() of a done task");
        assert!(!t.cancel_with("late"), "cancel_with() of a done task");
        assert_eq!(t.uncancel(), 0, "uncancel() of a done task never cancelled");
        crate::support::ticks(&h, 3).await;
        t
    });
    assert!(t.done() && !t.cancelled(), "still finished, not cancelled");
    assert_eq!(t.result().ok(), Some(3), "the value is unchanged");
    assert_eq!(t.cancelling(), 0, "a refused cancel() is not counted");
    Outcome::Pass
}

/// §1.1: every task has its own identity; clones and `as_any()` share it.
pub fn identity_is_shared_by_clones_only<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (a, b, inner_id) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let a = h.create_task(async move { h2.current_task().map(|t| t.id()) });
        let b = h.create_task(async { None::<aiotask_api::TaskId> });
        let inner = a.join().await.ok().flatten();
        let _ = b.join().await;
        (a, b, inner)
    });
    assert_ne!(a.id(), b.id(), "two tasks have two ids");
    assert_eq!(a.clone().id(), a.id(), "a clone is the same task");
    assert_eq!(a.as_any().id(), a.id(), "as_any() is the same task");
    assert!(
        a.as_any() == a.clone().as_any(),
        "AnyTask equality follows identity"
    );
    assert_eq!(
        inner_id,
        Some(a.id()),
        "current_task() inside the body is the task"
    );
    Outcome::Pass
}

/// §1.20: inside a step, `current_task()` is the running task (also for the main task).
pub fn current_task_is_the_running_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (main_name, inner_name, handle_name) = run(fx.runtime(), async move {
        let main_name = h.current_task().map(|t| t.name());
        let h2 = h.clone();
        let t = h.create_named_task("Me", async move {
            h2.yield_now().await;
            h2.current_task().map(|t| t.name())
        });
        let inner = t.join().await.ok().flatten();
        (main_name, inner, t.name())
    });
    assert_eq!(
        inner_name.as_deref(),
        Some("Me"),
        "current_task() inside the named task"
    );
    assert_eq!(handle_name, "Me", "the handle's name");
    let main_name = main_name.expect("current_task() inside the main task is None");
    assert!(
        crate::support::default_number(&main_name).is_some(),
        "the main task's name {main_name:?} is not Task-N"
    );
    Outcome::Pass
}

/// §1.20: `current_task()` is `None` outside any step: before `run` and in `call_soon` jobs.
pub fn current_task_is_none_outside_tasks<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    assert!(
        h.current_task().is_none(),
        "current_task() outside the loop"
    );
    let in_job = Slot::<bool>::new();
    let slot = in_job.clone();
    let h2 = h.clone();
    let seen = run(fx.runtime(), async move {
        let h3 = h2.clone();
        h2.call_soon(move || slot.set(h3.current_task().is_none()));
        in_job.wait().await
    });
    assert!(seen, "current_task() inside a call_soon job is not None");
    assert!(h.current_task().is_none(), "current_task() after run");
    Outcome::Pass
}

/// Contract: dropping every handle detaches a task; it still runs to completion.
pub fn dropping_every_handle_detaches<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t: TaskOf<R, ()> = h.create_task(async move {
            g.wait().await;
            h2.yield_now().await;
            flag.store(true, Ordering::SeqCst);
        });
        drop(t);
        gate.set(());
        wait_until(&h, "the detached task finishes", || {
            ran.load(Ordering::SeqCst)
        })
        .await;
    });
    Outcome::Pass
}
