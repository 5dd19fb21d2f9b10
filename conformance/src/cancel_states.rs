//! `cancel()` in every sub-state of a pending task, and on a done one
//! (spec §1.7, §1.8, §1.9).

use std::future::IntoFuture;

use aiotask_api::{Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{
    Gate, LONG, Log, OnDrop, Slot, TaskOf, ValueError, expect_cancelled, expect_failed, run,
    single_thread_only, ticks, wait_until,
};
use crate::{Fixture, Outcome};

/// §1.7 NOT-STARTED, §1.9: cancel() returns true and none of the body runs, not even its `finally`.
pub fn not_started_runs_nothing<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("started");
            let _finally = OnDrop(l.clone(), "finally");
            h2.yield_now().await;
        });
        assert!(t.cancel(), "cancel() of a task that never ran");
        expect_cancelled(t.join().await, None, "awaiting it");
        t
    });
    log.expect(&[], "the body of a task cancelled before its first step");
    assert!(t.cancelled(), "cancelled()");
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.7 READY: a task that yielded gets the CancelledError at that yield, at its next step.
pub fn ready_after_yield_is_cancelled_at_the_yield<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("before");
            match h2.yield_now().catch_cancel().await {
                Ok(()) => l.push("resumed"),
                Err(_) => l.push("caught at the yield"),
            }
            "end"
        });
        h.yield_now().await; // the child runs up to its yield: READY
        assert!(t.cancel(), "cancel() of a READY task");
        let _ = t.join().await;
        t
    });
    log.expect(
        &["before", "caught at the yield"],
        "the READY task's events",
    );
    assert_eq!(t.result().ok(), Some("end"), "it caught and returned");
    Outcome::Pass
}

/// §1.7 SUSPENDED: cancel() only requests: the task stays pending until it handles the error.
pub fn suspended_cancel_is_only_a_request<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let gate = Gate::new();
            let g = gate.clone();
            let h2 = h.clone();
            let t = h.create_task(async move {
                l.push("sleeping");
                let caught = h2.sleep(LONG).catch_cancel().await.is_err();
                l.push(if caught { "caught" } else { "slept" });
                g.wait().await;
                "handled"
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            assert!(t.cancel(), "cancel() of a sleeping task");
            assert!(
                !t.done() && !t.cancelled(),
                "right after cancel(): still pending"
            );
            wait_until(&h, "the task catches", || log.len() == 2).await;
            assert!(!t.done() && !t.cancelled(), "after catching: still pending");
            gate.set(());
            let _ = t.join().await;
            t
        }
    });
    log.expect(&["sleeping", "caught"], "the sleeping task's events");
    assert_eq!(t.result().ok(), Some("handled"), "result()");
    assert!(
        !t.cancelled(),
        "a handled cancellation does not cancel the task"
    );
    Outcome::Pass
}

/// §1.7 SUSPENDED, §1.8: with nothing catching, the body is dropped at the await (its `finally` runs) and the task ends cancelled.
pub fn suspended_uncaught_ends_cancelled<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                let _finally = OnDrop(l.clone(), "finally");
                l.push("sleeping");
                h2.sleep(LONG).await;
                l.push("after the sleep");
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            assert!(t.cancel(), "cancel()");
            expect_cancelled(t.join().await, None, "awaiting the cancelled task");
            t
        }
    });
    log.expect(&["sleeping", "finally"], "the cancelled task's events");
    assert!(t.cancelled(), "cancelled()");
    Outcome::Pass
}

/// §1.7 SUSPENDED on a task: the request is forwarded at once (both counters are 1) and both end cancelled.
pub fn suspended_on_a_task_forwards_at_once<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let (inner, outer) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let inner = h.create_task(async move { h2.sleep(LONG).await });
        let awaited = inner.clone();
        let outer = h.create_try_task(async move { awaited.await });
        h.yield_now().await; // inner sleeps, outer awaits inner
        assert!(outer.cancel(), "cancel() of the awaiting task");
        assert_eq!(
            inner.cancelling(),
            1,
            "the awaited task's count right after cancel()"
        );
        assert_eq!(outer.cancelling(), 1, "the awaiting task's count");
        expect_cancelled(outer.join().await, None, "awaiting the outer task");
        (inner, outer)
    });
    assert!(inner.cancelled(), "the awaited task ends cancelled");
    assert!(outer.cancelled(), "the awaiting task ends cancelled");
    Outcome::Pass
}

/// §1.7 WOKEN-PENDING (surprise 5): a cancel after the awaited future completed, before the task resumed, loses the value.
pub fn woken_pending_loses_the_value<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let fut = Slot::<u32>::new();
        let f = fut.clone();
        let t = h.create_task(async move {
            match f.wait().catch_cancel().await {
                Ok(v) => l.push(format!("got {v}")),
                Err(e) => l.push(format!("caught {:?}", e.message())),
            }
        });
        h.yield_now().await; // the task waits on the future
        fut.set(9); // WOKEN-PENDING: the future is done, the task has not resumed
        assert!(t.cancel_with("late"), "cancel() of a woken task");
        let _ = t.join().await;
        t
    });
    log.expect(&["caught Some(\"late\")"], "what the woken task saw");
    assert!(!t.cancelled(), "it caught the error");
    Outcome::Pass
}

/// §1.7 WOKEN-PENDING on a task: a done callback (queued before the wakeup) that cancels the awaiter makes it lose the result.
pub fn woken_on_a_done_task_loses_its_result<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (inner, outer, returned) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let inner = h.create_task(async move {
            h2.yield_now().await;
            7u32
        });
        let awaited = inner.clone();
        let outer = h.create_task(async move {
            match awaited.into_future().catch_cancel().await {
                Ok(v) => l.push(format!("got {:?}", v.ok())),
                Err(e) => l.push(format!("cancelled {:?}", e.message())),
            }
            "end"
        });
        let returned = Slot::<bool>::new();
        let (r, o) = (returned.clone(), outer.clone());
        // Added before the outer task awaits: it runs before the outer's wakeup.
        inner.add_done_callback(move |_: &TaskOf<R, u32>| r.set(o.cancel_with("late")));
        let _ = outer.join().await;
        (inner, outer, returned.get())
    });
    assert_eq!(returned, Some(true), "cancel() from the callback");
    log.expect(&["cancelled Some(\"late\")"], "what the awaiting task saw");
    assert_eq!(
        outer.result().ok(),
        Some("end"),
        "the awaiter caught and returned"
    );
    assert_eq!(outer.cancelling(), 1, "the awaiter's count");
    assert_eq!(
        inner.cancelling(),
        0,
        "the done task refused the forwarded cancel"
    );
    assert_eq!(
        inner.result().ok(),
        Some(7),
        "the awaited task's own result"
    );
    Outcome::Pass
}

/// §1.7 RUNNING: a self-cancel changes nothing now; it is delivered at the next real suspension.
pub fn self_cancel_is_delivered_at_the_next_suspension<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            let me = h2.current_task().expect("current_task() inside a task");
            l.push(format!("cancel() -> {}", me.cancel()));
            l.push("still running");
            match h2.yield_now().catch_cancel().await {
                Ok(()) => l.push("not delivered"),
                Err(_) => l.push("delivered at the yield"),
            }
        });
        let _ = t.join().await;
        t
    });
    log.expect(
        &[
            "cancel() -> true",
            "still running",
            "delivered at the yield",
        ],
        "a self-cancelling task",
    );
    assert!(!t.cancelled(), "it caught the error");
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.7 RUNNING (surprise 4): self-cancel then return ends the task cancelled; the value is dropped.
pub fn self_cancel_then_return_discards_the_value<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            if let Some(me) = h2.current_task() {
                me.cancel();
            }
            5u8
        });
        let _ = t.join().await;
        t
    });
    assert!(t.cancelled(), "cancelled() after self-cancel and return");
    expect_cancelled(t.result(), None, "result()");
    Outcome::Pass
}

/// §1.7 RUNNING (surprise 4): self-cancel then an error ends the task with that error.
pub fn self_cancel_then_error_keeps_the_error<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_try_task(async move {
            if let Some(me) = h2.current_task() {
                me.cancel();
            }
            Err::<u8, _>(ValueError("x"))
        });
        let _ = t.join().await;
        t
    });
    assert!(!t.cancelled(), "the error wins over the pending cancel");
    let f = expect_failed(t.result(), "result()");
    assert_eq!(
        f.downcast_ref::<ValueError>(),
        Some(&ValueError("x")),
        "the error"
    );
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.7 RUNNING: awaiting an already-done task does not deliver a pending self-cancel; the next yield does.
pub fn awaiting_a_done_task_does_not_deliver<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let done = h.create_task(async { 1u8 });
        let _ = done.join().await;
        let h2 = h.clone();
        let t = h.create_task(async move {
            if let Some(me) = h2.current_task() {
                me.cancel();
            }
            match done.into_future().catch_cancel().await {
                Ok(v) => l.push(format!("got {:?}", v.ok())),
                Err(_) => l.push("delivered at the done task"),
            }
            match h2.yield_now().catch_cancel().await {
                Ok(()) => l.push("not delivered"),
                Err(_) => l.push("delivered at the yield"),
            }
        });
        let _ = t.await;
    });
    log.expect(
        &["got Some(1)", "delivered at the yield"],
        "the self-cancelled task's events",
    );
    Outcome::Pass
}

/// §1.7 done row: cancel() of a finished, failed or cancelled task returns false and changes nothing.
pub fn done_tasks_refuse_cancel<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (ok, bad, gone) = run(fx.runtime(), async move {
        let ok = h.create_task(async { 1u8 });
        let bad = h.create_try_task(async { Err::<u8, _>(ValueError("e")) });
        let h2 = h.clone();
        let gone = h.create_task(async move {
            h2.sleep(LONG).await;
            1u8
        });
        let _ = ok.join().await;
        let _ = bad.join().await;
        h.yield_now().await;
        gone.cancel();
        let _ = gone.join().await;
        (ok, bad, gone)
    });
    for (t, what, count) in [
        (&ok, "finished", 0),
        (&bad, "failed", 0),
        (&gone, "cancelled", 1),
    ] {
        assert!(!t.cancel(), "cancel() of a {what} task");
        assert!(!t.cancel_with("m"), "cancel_with() of a {what} task");
        assert_eq!(t.cancelling(), count, "cancelling() of a {what} task");
        assert!(t.done(), "done() of a {what} task");
    }
    assert!(
        !ok.cancelled() && !bad.cancelled() && gone.cancelled(),
        "cancelled() unchanged"
    );
    assert_eq!(
        ok.result().ok(),
        Some(1),
        "the finished task's value unchanged"
    );
    Outcome::Pass
}

/// §1.8: several cancel() calls before delivery give one CancelledError; later awaits work.
pub fn two_requests_one_delivery<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    // With worker threads the first delivery may happen between the calls.
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                l.push("sleeping");
                if h2.sleep(LONG).catch_cancel().await.is_err() {
                    l.push("caught");
                }
                h2.sleep(std::time::Duration::from_millis(1)).await;
                ticks(&h2, 2).await;
                l.push("survived");
                "end"
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            assert!(t.cancel(), "first cancel()");
            assert!(t.cancel(), "second cancel() before delivery");
            let _ = t.join().await;
            t
        }
    });
    log.expect(
        &["sleeping", "caught", "survived"],
        "one delivery, then normal awaits",
    );
    assert_eq!(t.result().ok(), Some("end"), "result()");
    assert_eq!(t.cancelling(), 2, "cancelling()");
    Outcome::Pass
}

/// §1.8: after a caught cancellation, a new cancel() is a new request, delivered at the next suspension.
pub fn a_new_request_after_catching_is_delivered<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                for round in 1..=2 {
                    l.push(format!("sleeping {round}"));
                    if h2.sleep(LONG).catch_cancel().await.is_err() {
                        l.push(format!("caught {round}"));
                    }
                }
                "end"
            });
            wait_until(&h, "the first sleep", || log.contains("sleeping 1")).await;
            assert!(t.cancel(), "first cancel()");
            wait_until(&h, "the second sleep", || log.contains("sleeping 2")).await;
            assert!(t.cancel(), "second cancel()");
            let _ = t.join().await;
            t
        }
    });
    log.expect(
        &["sleeping 1", "caught 1", "sleeping 2", "caught 2"],
        "two requests, two deliveries",
    );
    assert_eq!(t.cancelling(), 2, "cancelling()");
    assert!(!t.cancelled(), "both were caught");
    Outcome::Pass
}
