//! `abort()` (issue 11): a cancellation the body cannot catch or refuse,
//! for the second phase of a shutdown. asyncio has none; its meaning here
//! is defined by `State::transition_to_abort_requested` in
//! `task-core/src/state.rs`: the body is dropped at its next step whatever
//! `catch_cancel` is active, the task ends cancelled and its done list is
//! told as for any cancel; it counts as one request in `cancelling()`, which
//! `uncancel()` cannot revoke; it is not forwarded to awaited tasks.

use aiotask_api::{Runtime, RuntimeHandle, Task, TaskError};
use aiotask_core::CatchCancelExt;

use crate::support::{Gate, LONG, Log, OnDrop, TaskOf, run, single_thread_only, wait_until};
use crate::{Fixture, Outcome};

/// A body suspended inside `catch_cancel` is dropped, not resumed: no
/// handler runs, its destructors do, and awaiters get `Cancelled`.
pub fn abort_drops_the_body_past_its_catch<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let (answer, outcome, cancelled) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, ()> = h.create_task(async move {
            let _finally = OnDrop(l.clone(), "finally");
            l.push("started");
            if h2.sleep(LONG).catch_cancel().await.is_err() {
                l.push("caught");
            }
            l.push("after");
        });
        let started = l2.clone();
        wait_until(&h, "the body started", move || started.contains("started")).await;
        let answer = t.abort();
        let outcome = match t.join().await {
            Err(TaskError::Cancelled(e)) => Some(e.message().map(str::to_owned)),
            _ => None,
        };
        (answer, outcome, t.cancelled())
    });
    assert!(answer, "abort() of a pending task");
    assert_eq!(
        outcome,
        Some(None),
        "the awaiter gets Cancelled, no message"
    );
    assert!(cancelled, "the task ends cancelled");
    log.expect(
        &["started", "finally"],
        "no handler ran, the destructor did",
    );
    Outcome::Pass
}

/// `uncancel()` does not revoke an abort, and a catch that suppresses a
/// cancel cannot either; `cancelling()` counts it as one request.
pub fn abort_is_not_revoked_by_uncancel<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (counts, cancelled) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, u8> = h.create_task(async move {
            loop {
                let _ = h2.sleep(LONG).catch_cancel().await;
            }
        });
        h.yield_now().await;
        let first = t.abort();
        let again = t.abort();
        let counted = t.cancelling();
        let after_uncancel = t.uncancel();
        let _ = t.join().await;
        ((first, again, counted, after_uncancel), t.cancelled())
    });
    assert_eq!(
        counts,
        (true, true, 1, 0),
        "abort, abort, cancelling(), uncancel()"
    );
    assert!(cancelled, "ended cancelled all the same");
    Outcome::Pass
}

/// A done task refuses `abort()` and keeps its outcome.
pub fn abort_of_a_done_task_is_refused<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (refused, value) = run(fx.runtime(), async move {
        let done: TaskOf<R, u8> = h.create_task(async { 3 });
        let _ = done.join().await;
        (!done.abort(), done.result().ok())
    });
    assert!(refused, "abort() of a done task is false");
    assert_eq!(value, Some(3), "the done task keeps its value");
    Outcome::Pass
}

/// An abort before the first step runs none of the body.
pub fn abort_before_the_first_step_runs_nothing<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let aborted = run(fx.runtime(), async move {
        let never: TaskOf<R, ()> = h.create_task(async move { l.push("ran") });
        never.abort() && never.join().await.is_err() && never.cancelled()
    });
    assert!(aborted, "an unstarted task is aborted");
    log.expect(&[], "an aborted unstarted body runs nothing");
    Outcome::Pass
}

/// Done callbacks and awaiters are told of an abort as of any cancel.
pub fn abort_tells_callbacks_and_awaiters<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let t: TaskOf<R, ()> = h.create_task(std::future::pending());
        let cb = l.clone();
        t.add_done_callback(move |t: &TaskOf<R, ()>| {
            cb.push(format!("callback {}", t.cancelled()))
        });
        let w = t.clone();
        let awaiter: TaskOf<R, bool> =
            h.create_task(async move { matches!(w.join().await, Err(TaskError::Cancelled(_))) });
        h.yield_now().await;
        t.abort();
        let told = awaiter.await.unwrap_or(false);
        l.push(format!("awaiter {told}"));
        while l.len() < 2 {
            h.yield_now().await;
        }
    });
    let mut seen = log.snapshot();
    seen.sort();
    assert_eq!(seen, ["awaiter true", "callback true"], "both told");
    Outcome::Pass
}

/// Unlike `cancel()`, `abort()` is not forwarded to the task the body
/// awaits: dropping the body drops the await, and that task runs on.
pub fn abort_is_not_forwarded_to_the_awaited_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (outer_cancelled, inner) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let inner: TaskOf<R, u8> = h.create_named_task("inner", async move {
            g.wait().await;
            9
        });
        let i = inner.clone();
        let outer: TaskOf<R, u8> = h.create_task(async move { i.join().await.unwrap_or(0) });
        while !outer.repr().contains("wait_for=") {
            h.yield_now().await;
        }
        outer.abort();
        let _ = outer.join().await;
        let untouched = inner.cancelling() == 0 && !inner.done();
        gate.set(());
        (outer.cancelled(), (untouched, inner.join().await.ok()))
    });
    assert!(outer_cancelled, "the aborted task ends cancelled");
    assert_eq!(
        inner,
        (true, Some(9)),
        "the awaited task was not cancelled and finished"
    );
    Outcome::Pass
}

/// `abort_with(msg)` ends the task with a `CancelledError` carrying `msg`,
/// and `abort()` with none, whatever earlier cancels said: a body that
/// caught `cancel_with("shutting down")` and went on does not end with that
/// reason, on any flavour and whatever the timing.
pub fn abort_carries_its_own_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (with, without) = run(fx.runtime(), async move {
        let stubborn = |h: &<R as Runtime>::Handle, l: Log| -> TaskOf<R, ()> {
            let h2 = h.clone();
            h.create_task(async move {
                l.push("started");
                loop {
                    if h2.sleep(LONG).catch_cancel().await.is_err() {
                        l.push("caught");
                    }
                }
            })
        };
        let message = |r: Result<(), TaskError>| match r {
            Err(TaskError::Cancelled(e)) => Some(e.message().map(str::to_owned)),
            _ => None,
        };
        let mut out = Vec::new();
        for reason in [Some("grace period over"), None] {
            let l = Log::new();
            let t = stubborn(&h, l.clone());
            let started = l.clone();
            wait_until(&h, "the body started", move || started.len() == 1).await;
            h.yield_now().await; // into its sleep, or about to be
            t.cancel_with("shutting down");
            let seen = l.clone();
            wait_until(&h, "the cancel was caught", move || seen.len() == 2).await;
            t.cancel_with("shutting down, again"); // maybe mid-step, maybe not
            match reason {
                Some(r) => t.abort_with(r),
                None => t.abort(),
            };
            out.push(message(t.join().await));
        }
        (out[0].clone(), out[1].clone())
    });
    assert_eq!(
        with,
        Some(Some("grace period over".to_owned())),
        "abort_with"
    );
    assert_eq!(without, Some(None), "abort: no message");
    Outcome::Pass
}
