//! Awaiting a task (join): done tasks, many awaiters, failed and cancelled
//! ones, cancel forwarding, awaiting oneself, tick latency (spec §1.7, §1.18).

use std::future::{Future, IntoFuture};

use aiotask_api::{CancelledError, Runtime, RuntimeHandle, Task, TaskError};
use aiotask_core::CatchCancelExt;

use crate::support::{
    LONG, Log, Slot, TaskOf, ValueError, expect_failed, fifo_only, run, single_thread_only,
    wait_until,
};
use crate::{Fixture, Outcome};

/// §1.18 (surprise 12): awaiting a done task does not suspend: other ready tasks do not run meanwhile.
pub fn awaiting_a_done_task_does_not_suspend<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let done = h.create_task(async { 1u8 });
        let _ = done.join().await;
        let other = h.create_task(async move { l.push("other") });
        let v = done.await;
        l2.push(format!("after await done: {:?}", v.ok()));
        let _ = other.await;
    });
    log.expect(&["after await done: Some(1)", "other"], "CPython's order");
    Outcome::Pass
}

/// §1.18: many tasks may await the same task; each gets the value. In
/// Rust that is the clone read, `(&task).await` / `join()` (value rule V5):
/// awaiting by value moves the value out, see
/// [`outputs::by_value_awaiters_after_the_first_are_told_it_was_taken`](crate::outputs::by_value_awaiters_after_the_first_are_told_it_was_taken).
pub fn many_awaiters_get_the_value<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let values = run(fx.runtime(), async move {
        let gate = Slot::<()>::new();
        let g = gate.clone();
        let target = h.create_task(async move {
            g.wait().await;
            11u32
        });
        let awaiters: Vec<TaskOf<R, Option<u32>>> = (0..3)
            .map(|_| {
                let t = target.clone();
                h.create_task(async move { t.join().await.ok() })
            })
            .collect();
        h.yield_now().await;
        gate.set(());
        let mut values = vec![target.join().await.ok()];
        for a in awaiters {
            values.push(a.await.ok().flatten());
        }
        values
    });
    assert_eq!(
        values,
        [Some(11); 4],
        "the main task and three awaiter tasks"
    );
    Outcome::Pass
}

/// §1.18: awaiting a failed task gives its failure as a value; the awaiter goes on.
pub fn awaiting_a_failed_task_returns_the_failure<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let awaiter = run(fx.runtime(), async move {
        let bad = h.create_try_task(async { Err::<u8, _>(ValueError("boom")) });
        let awaiter = h.create_task(async move {
            let f = expect_failed(bad.await, "the await");
            l.push(format!("got {:?}", f.downcast_ref::<ValueError>()));
            "went on"
        });
        let _ = awaiter.join().await;
        awaiter
    });
    log.expect(&["got Some(ValueError('boom'))"], "the awaiter's events");
    assert_eq!(
        awaiter.result().ok(),
        Some("went on"),
        "the awaiter's own result"
    );
    Outcome::Pass
}

/// §1.18: awaiting a cancelled task gives Err(Cancelled); an awaiter that handles it goes on.
pub fn awaiting_a_cancelled_task_returns_cancelled<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let awaiter = run(fx.runtime(), async move {
        let h2 = h.clone();
        let victim = h.create_task(async move { h2.sleep(LONG).await });
        let v = victim.clone();
        let awaiter = h.create_task(async move {
            match v.await {
                Err(TaskError::Cancelled(e)) => format!("cancelled {:?}", e.message()),
                other => format!("unexpected {other:?}"),
            }
        });
        h.yield_now().await;
        victim.cancel_with("gone");
        let _ = awaiter.join().await;
        awaiter
    });
    assert_eq!(
        awaiter.result().ok().as_deref(),
        Some("cancelled Some(\"gone\")")
    );
    assert!(!awaiter.cancelled(), "the awaiter handled it");
    Outcome::Pass
}

/// §1.18 (surprise 9): an awaiter that lets an awaited cancellation propagate ends cancelled with cancelling() == 0.
pub fn propagating_an_awaited_cancel_cancels_the_awaiter<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (victim, waiter) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let victim = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).await;
        });
        let v = victim.clone();
        let waiter = h.create_try_task(async move { v.await });
        wait_until(&h, "the victim sleeps", || log.contains("sleeping")).await;
        victim.cancel();
        let _ = waiter.join().await;
        (victim, waiter)
    });
    assert!(waiter.cancelled(), "the awaiter ends cancelled");
    assert_eq!(
        waiter.cancelling(),
        0,
        "nobody called the awaiter's cancel()"
    );
    assert_eq!(victim.cancelling(), 1, "the victim's count");
    Outcome::Pass
}

/// §1.7/§1.18: cancelling an awaiter forwards the request to the awaited task, which ends cancelled too.
pub fn cancel_is_forwarded_to_the_awaited_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let (inner, outer) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let inner = h.create_task(async move {
            l.push("inner sleeping");
            h2.sleep(LONG).await;
        });
        let i = inner.clone();
        let outer = h.create_try_task(async move {
            l2.push("outer awaiting");
            i.await
        });
        wait_until(&h, "both wait", || log.len() == 2).await;
        assert!(outer.cancel(), "cancel() of the awaiter");
        let _ = outer.join().await;
        (inner, outer)
    });
    assert!(
        inner.cancelled(),
        "the awaited task was cancelled through its awaiter"
    );
    assert!(outer.cancelled(), "the awaiter ends cancelled");
    assert_eq!(
        inner.cancelling(),
        1,
        "the forwarded request counts on the awaited task"
    );
    assert_eq!(outer.cancelling(), 1, "and on the awaiter");
    Outcome::Pass
}

/// §1.7 (surprise 6): if the awaited task suppresses a forwarded cancel, the awaiter gets its value and is never interrupted.
pub fn suppressed_forward_leaves_the_awaiter_running<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let (inner, outer) = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let inner = h.create_task(async move {
                l.push("inner sleeping");
                match h2.sleep(LONG).catch_cancel().await {
                    Ok(()) => 0u32,
                    Err(_) => 5,
                }
            });
            let i = inner.clone();
            let h3 = h.clone();
            let outer = h.create_task(async move {
                l2.push("outer awaiting");
                let v = i.await.ok();
                l2.push(format!("outer got {v:?}"));
                match h3.yield_now().catch_cancel().await {
                    Ok(()) => l2.push("outer not interrupted"),
                    Err(_) => l2.push("outer interrupted"),
                }
                v
            });
            wait_until(&h, "both wait", || log.len() == 2).await;
            assert!(outer.cancel(), "cancel() of the awaiter");
            let _ = outer.join().await;
            (inner, outer)
        }
    });
    let events = log.snapshot();
    assert_eq!(
        events[2..],
        ["outer got Some(5)", "outer not interrupted"],
        "the awaiter's events: {events:?}"
    );
    assert_eq!(outer.result().ok(), Some(Some(5)), "the awaiter's result");
    assert!(
        !outer.cancelled() && !inner.cancelled(),
        "neither ends cancelled"
    );
    assert_eq!(
        [outer.cancelling(), inner.cancelling()],
        [1, 1],
        "cancelling() of both"
    );
    Outcome::Pass
}

/// §1.18: a task awaiting itself gets `Task cannot await on itself: <repr>`; caught, it goes on; uncaught, it fails.
pub fn awaiting_oneself_is_an_error<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (caught, uncaught) = run(fx.runtime(), async move {
        let me = Slot::<TaskOf<R, String>>::new();
        let m = me.clone();
        let t = h.create_named_task("Me", async move {
            let own = m.wait().await;
            match own.await {
                Err(TaskError::Failed(f)) => f.to_string(),
                other => format!("unexpected {other:?}"),
            }
        });
        me.set(t.clone());
        let caught = t.await;
        let me2 = Slot::<TaskOf<R, u8>>::new();
        let m2 = me2.clone();
        let t2 = h.create_named_try_task("Me2", async move { m2.wait().await.await });
        me2.set(t2.clone());
        let _ = t2.join().await;
        (caught, t2)
    });
    let text = caught.expect("the self-awaiting task finishes");
    assert!(
        text.starts_with("Task cannot await on itself: <Task pending name='Me'"),
        "the error text: {text:?}"
    );
    let f = expect_failed(uncaught.result(), "the task that did not catch it");
    assert!(
        f.to_string()
            .starts_with("Task cannot await on itself: <Task pending name='Me2'"),
        "its failure: {f}"
    );
    assert!(!uncaught.cancelled(), "it failed, it was not cancelled");
    Outcome::Pass
}

/// §1.18: the self-await error is thrown at the NEXT tick: other ready tasks run first.
pub fn awaiting_oneself_fails_at_the_next_tick<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let me = Slot::<TaskOf<R, ()>>::new();
        let m = me.clone();
        let a = h.create_task(async move {
            let own = m.get().expect("the handle is set before the first step");
            l.push("A awaits itself");
            if own.await.is_err() {
                l.push("A got error");
            }
        });
        me.set(a.clone());
        let b = h.create_task(async move { l2.push("B") });
        let _ = (a.await, b.await);
    });
    log.expect(&["A awaits itself", "B", "A got error"], "CPython's order");
    Outcome::Pass
}

/// §1.18 (surprise 13): each level of task-awaits-task resumes one tick after the level below completes.
pub fn each_await_level_adds_one_tick<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l0, l1, l2, l3) = (log.clone(), log.clone(), log.clone(), log.clone());
    run(fx.runtime(), async move {
        let stop = Slot::<()>::new();
        let s = stop.clone();
        let (ha, hb) = (h.clone(), h.clone());
        let ticker = h.create_task(async move {
            let mut i = 0;
            while s.get().is_none() {
                l0.push(format!("tick{i}"));
                i += 1;
                ha.yield_now().await;
            }
        });
        let base = h.create_task(async move {
            hb.yield_now().await;
            l1.push("base returns");
            1u8
        });
        let level1 = h.create_task(async move {
            let _ = base.await;
            l2.push("l1 resumed");
        });
        let level2 = h.create_task(async move {
            let _ = level1.await;
            l3.push("l2 resumed");
        });
        let _ = level2.await;
        stop.set(());
        let _ = ticker.await;
    });
    let events = log.snapshot();
    let end = events
        .iter()
        .position(|e| e == "l2 resumed")
        .map_or(events.len(), |i| i + 1);
    assert_eq!(
        events[..end],
        [
            "tick0",
            "tick1",
            "base returns",
            "tick2",
            "l1 resumed",
            "tick3",
            "l2 resumed"
        ],
        "CPython's ticks (full log {events:?})"
    );
    Outcome::Pass
}

/// §1.18/§1.11: an awaiter catching its own cancellation while awaiting sees the awaited task's error, with the message.
pub fn caught_forward_carries_the_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let outer = run(fx.runtime(), async move {
        let h2 = h.clone();
        let inner = h.create_task(async move {
            l.push("inner sleeping");
            h2.sleep(LONG).await;
        });
        let outer = h.create_task(async move {
            l2.push("outer awaiting");
            let seen = match inner.await {
                Err(TaskError::Cancelled(e)) => Some(e),
                _ => None,
            };
            seen.map(|e: CancelledError| e.args_repr())
        });
        wait_until(&h, "both wait", || log.len() == 2).await;
        outer.cancel_with("why");
        let _ = outer.join().await;
        outer
    });
    assert_eq!(
        outer.result().ok().flatten().as_deref(),
        Some("('why',)"),
        "what the awaiter caught"
    );
    assert!(!outer.cancelled(), "the awaiter handled it");
    Outcome::Pass
}

/// §1.7: a task that polled a join and dropped it in the same step (the
/// losing branch of a `select!`) no longer awaits that task: once the task
/// has finished, a cancel is not forwarded to it but wakes the awaiter,
/// which is waiting on something else.
pub fn cancel_reaches_a_task_that_stopped_awaiting<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (accepted, outcome) = run(fx.runtime(), async move {
        let (gate, started) = (Slot::<()>::new(), Slot::<()>::new());
        let g = gate.clone();
        let target = h.create_task(async move {
            g.wait().await;
            1u8
        });
        let (t, s, h2) = (target.clone(), started.clone(), h.clone());
        let waiter = h.create_task(async move {
            {
                let mut join = t.into_future();
                std::future::poll_fn(|cx| {
                    let polled = std::pin::Pin::new(&mut join).poll(cx);
                    assert!(polled.is_pending(), "the target is still pending");
                    std::task::Poll::Ready(())
                })
                .await;
            } // the join is dropped in the step that polled it
            s.set(());
            h2.sleep(LONG).await;
        });
        started.wait().await;
        gate.set(());
        assert_eq!(target.await.ok(), Some(1));
        let accepted = waiter.cancel_with("stop");
        (accepted, waiter.await)
    });
    assert!(accepted, "the waiter is pending");
    let err = outcome.expect_err("the cancel ends the sleep");
    assert_eq!(
        err.cancelled().and_then(CancelledError::message),
        Some("stop")
    );
    Outcome::Pass
}

/// §1.7: a step that registered two joins on the same task and dropped the
/// one it polled first still awaits the task through the other: a cancel
/// is forwarded to the awaited task, and the join yields its error.
pub fn a_dropped_second_join_leaves_the_task_awaiting<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (accepted, target_cancelled, outcome) = run(fx.runtime(), async move {
        let started = Slot::<()>::new();
        let h2 = h.clone();
        let target = h.create_task(async move {
            h2.sleep(LONG).await;
            1u8
        });
        let (t, s) = (target.clone(), started.clone());
        let waiter = h.create_task(async move {
            let mut first = t.clone().into_future();
            let mut second = Some(t.into_future());
            std::future::poll_fn(move |cx| {
                if let Some(mut other) = second.take() {
                    let polled = std::pin::Pin::new(&mut other).poll(cx);
                    assert!(polled.is_pending(), "the target is still pending");
                    let polled = std::pin::Pin::new(&mut first).poll(cx);
                    assert!(polled.is_pending(), "the target is still pending");
                    drop(other); // after `first` was polled, in the same step
                    s.set(());
                    return std::task::Poll::Pending;
                }
                std::pin::Pin::new(&mut first).poll(cx)
            })
            .await
        });
        started.wait().await;
        let accepted = waiter.cancel_with("stop");
        let outcome = waiter.await;
        (accepted, target.cancelled(), outcome)
    });
    assert!(accepted, "the waiter is pending");
    assert!(
        target_cancelled,
        "the cancel was forwarded to the awaited task"
    );
    let joined = outcome.expect("the waiter is not cancelled itself: it awaited the target");
    let err = joined.expect_err("the join yields the target's cancellation");
    assert_eq!(
        err.cancelled().and_then(CancelledError::message),
        Some("stop")
    );
    Outcome::Pass
}
