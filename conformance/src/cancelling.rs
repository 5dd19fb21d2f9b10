//! `cancelling()` and `uncancel()` with CPython 3.13's rules, including the
//! revocation of an undelivered request (spec §1.10, §1.12, §1.23).

use aiotask_api::{Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{
    Gate, LONG, Log, Slot, expect_cancelled, run, single_thread_only, wait_until,
};
use crate::{Fixture, Outcome};

/// §1.12: the count is 0 for a task nobody asked to cancel, pending or finished.
pub fn zero_until_requested<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (pending, t) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_task(async move { g.wait().await });
        let pending = t.cancelling();
        gate.set(());
        let _ = t.join().await;
        (pending, t)
    });
    assert_eq!(pending, 0, "cancelling() of a pending task");
    assert_eq!(t.cancelling(), 0, "cancelling() of a finished task");
    Outcome::Pass
}

/// §1.12: every cancel() of a pending task adds one, even before delivery.
pub fn counts_every_request<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let counts = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            g.wait().await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        let mut counts = Vec::new();
        for _ in 0..3 {
            assert!(t.cancel(), "cancel() of a pending task");
            counts.push(t.cancelling());
        }
        gate.set(());
        let _ = t.await;
        counts
    });
    assert_eq!(counts, [1, 2, 3], "cancelling() after each cancel()");
    Outcome::Pass
}

/// §1.12: the count survives completion: a task cancelled twice shows 2 once done.
pub fn count_survives_completion<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        // The task catches the first delivery and waits on the gate before
        // re-raising, so both requests land while it is pending, whichever
        // thread runs it.
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_try_task(async move {
            l.push("sleeping");
            let slept = h2.sleep(LONG).catch_cancel().await;
            g.wait().await;
            slept
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        assert!(t.cancel(), "first cancel() of a pending task");
        assert!(t.cancel(), "second cancel() of a pending task");
        gate.set(());
        let _ = t.join().await;
        t
    });
    assert!(t.cancelled(), "cancelled()");
    assert_eq!(t.cancelling(), 2, "cancelling() of the done task");
    Outcome::Pass
}

/// §1.10: a suppressed cancellation leaves the task finished, not cancelled, and its count at 1.
pub fn suppressed_cancel_leaves_one<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            match h2.sleep(LONG).catch_cancel().await {
                Ok(()) => "slept",
                Err(_) => "suppressed",
            }
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        assert!(t.cancel(), "cancel()");
        let _ = t.join().await;
        t
    });
    assert_eq!(t.result().ok(), Some("suppressed"), "result()");
    assert!(!t.cancelled(), "cancelled()");
    assert_eq!(
        t.cancelling(),
        1,
        "cancelling() is never decremented by itself"
    );
    Outcome::Pass
}

/// §1.12: uncancel() decrements and returns the new count; at 0 it stays 0.
pub fn uncancel_counts_down_to_zero<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let counts = run(fx.runtime(), async move {
        let h2 = h.clone();
        // Held pending after it caught the first request, so that a worker
        // thread cannot finish it between the two requests.
        let hold = Gate::new();
        let held = hold.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            held.wait().await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        t.cancel();
        let counts = [t.uncancel(), t.uncancel(), t.uncancel(), t.cancelling()];
        // A request made before the task suspended (possible with worker
        // threads) was just revoked; ask again so the task ends either way.
        t.cancel();
        hold.set(());
        let _ = t.await;
        counts
    });
    assert_eq!(counts, [1, 0, 0, 0], "uncancel() x3, then cancelling()");
    Outcome::Pass
}

/// §1.12 [3.13]: uncancel() to 0 revokes a request made before the first step: the body runs normally.
pub fn uncancel_revokes_not_started<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            match h2.yield_now().catch_cancel().await {
                Ok(()) => 3u8,
                Err(_) => 0,
            }
        });
        assert!(t.cancel(), "cancel()");
        assert_eq!(t.uncancel(), 0, "uncancel()");
        let _ = t.join().await;
        t
    });
    assert!(
        !t.cancelled(),
        "the revoked request did not cancel the task"
    );
    assert_eq!(t.result().ok(), Some(3), "the body ran normally");
    Outcome::Pass
}

/// §1.12 [3.13]: uncancel() to 0 revokes a request made while READY (after a bare yield).
pub fn uncancel_revokes_ready<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            match h2.yield_now().catch_cancel().await {
                Ok(()) => l.push("resumed"),
                Err(_) => l.push("caught"),
            }
            3u8
        });
        h.yield_now().await;
        assert!(t.cancel(), "cancel()");
        assert_eq!(t.uncancel(), 0, "uncancel()");
        let _ = t.join().await;
        t
    });
    log.expect(&["resumed"], "the READY task after the revoked request");
    assert_eq!(t.result().ok(), Some(3), "result()");
    assert_eq!(t.cancelling(), 0, "cancelling()");
    Outcome::Pass
}

/// §1.12 [3.13]: uncancel() to 0 revokes a request made while WOKEN-PENDING: the value is delivered.
pub fn uncancel_revokes_woken_pending<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let fut = Slot::<u8>::new();
        let f = fut.clone();
        let t = h.create_task(async move {
            match f.wait().catch_cancel().await {
                Ok(v) => l.push(format!("got {v}")),
                Err(_) => l.push("caught"),
            }
        });
        h.yield_now().await;
        fut.set(9);
        assert!(t.cancel(), "cancel()");
        assert_eq!(t.uncancel(), 0, "uncancel()");
        let _ = t.await;
    });
    log.expect(&["got 9"], "the woken task after the revoked request");
    Outcome::Pass
}

/// §1.12 (surprise 11): a request already handed to the awaited future cannot be revoked.
pub fn uncancel_cannot_revoke_a_forwarded_cancel<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            match h2.sleep(LONG).catch_cancel().await {
                Ok(()) => l.push("slept"),
                Err(_) => l.push("caught"),
            }
            4u8
        });
        h.yield_now().await; // SUSPENDED on the sleep
        assert!(t.cancel(), "cancel()");
        assert_eq!(t.uncancel(), 0, "uncancel()");
        let _ = t.join().await;
        t
    });
    log.expect(&["caught"], "the suspended task still gets the error");
    assert_eq!(t.result().ok(), Some(4), "result()");
    Outcome::Pass
}

/// §1.12: uncancel() that leaves the count above 0 keeps the request.
pub fn partial_uncancel_keeps_the_request<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_task(async { 1u8 });
        t.cancel();
        t.cancel();
        assert_eq!(t.uncancel(), 1, "uncancel() from 2");
        let _ = t.join().await;
        t
    });
    assert!(t.cancelled(), "the task is still cancelled");
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.12: uncancel() of a done task changes the count only, never done()/cancelled()/result().
pub fn uncancel_of_a_done_task_changes_only_the_count<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move { h2.sleep(LONG).await });
        h.yield_now().await;
        t.cancel();
        let _ = t.join().await;
        t
    });
    assert_eq!(t.uncancel(), 0, "uncancel() of the cancelled task");
    assert!(t.done() && t.cancelled(), "still done and cancelled");
    expect_cancelled(t.result(), None, "result()");
    Outcome::Pass
}

/// §1.12 [3.13]: a self-cancel revoked by uncancel() in the same step is never delivered.
pub fn self_cancel_revoked_in_the_same_step<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            let me = h2.current_task().expect("current_task()");
            l.push(format!("cancel() -> {}", me.cancel()));
            l.push(format!("uncancel() -> {}", me.uncancel()));
            match h2.yield_now().catch_cancel().await {
                Ok(()) => l.push("slept"),
                Err(_) => l.push("cancelled"),
            }
            "done"
        });
        let _ = t.join().await;
        t
    });
    log.expect(
        &["cancel() -> true", "uncancel() -> 0", "slept"],
        "the task's events",
    );
    assert_eq!(t.result().ok(), Some("done"), "result()");
    assert_eq!(t.cancelling(), 0, "cancelling()");
    Outcome::Pass
}

/// §1.12 (the timeout pattern): a body that caught a cancel and uncancels itself is plain pending again.
pub fn uncancel_after_catching_restores_pending<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (count, repr, t) = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let gate = Gate::new();
            let g = gate.clone();
            let h2 = h.clone();
            let t = h.create_named_task("U", async move {
                l.push("sleeping");
                if h2.sleep(LONG).catch_cancel().await.is_err() {
                    let me = h2.current_task().expect("current_task()");
                    l.push(format!("uncancel() -> {}", me.uncancel()));
                }
                g.wait().await;
                1u8
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel();
            wait_until(&h, "the task uncancels", || log.len() == 2).await;
            let seen = (t.cancelling(), t.repr());
            gate.set(());
            let _ = t.join().await;
            (seen.0, seen.1, t)
        }
    });
    log.expect(&["sleeping", "uncancel() -> 0"], "the task's events");
    assert_eq!(count, 0, "cancelling() after the body's uncancel()");
    assert_eq!(
        repr, "<Task pending name='U'>",
        "the repr after the body's uncancel()"
    );
    assert_eq!(t.result().ok(), Some(1), "result()");
    Outcome::Pass
}
