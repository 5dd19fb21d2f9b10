//! The cancel message: which one is delivered (first or last, spec §1.7),
//! how it travels up await chains, and the one-shot retrieval rule (§1.11).

use aiotask_api::{AnyTask, CancelledError, Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{
    LONG, Log, Slot, expect_cancelled, run, single_thread_only, ticks, wait_until,
};
use crate::{Fixture, Outcome};

/// Runs a task that catches a cancellation while sleeping and returns what it
/// caught; `cancel` is applied once the task sleeps.
fn caught_while_sleeping<R: Runtime>(
    fx: &Fixture<R>,
    cancel: fn(&AnyTask),
) -> Option<CancelledError> {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).catch_cancel().await.err()
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        cancel(&t.as_any());
        t.await.ok().flatten()
    })
}

/// §1.11: the message given to cancel_with() reaches the body's CancelledError.
pub fn message_reaches_the_body<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let e = caught_while_sleeping(fx, |t| assert!(t.cancel_with("stop now")));
    let e = e.expect("the body caught no CancelledError");
    assert_eq!(e.message(), Some("stop now"), "the caught message");
    assert_eq!(e.args_repr(), "('stop now',)", "Python's e.args");
    Outcome::Pass
}

/// §1.11: cancel() without a message gives a CancelledError without one (`args == ()`).
pub fn no_message_means_none<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let e = caught_while_sleeping(fx, |t| assert!(t.cancel()));
    let e = e.expect("the body caught no CancelledError");
    assert_eq!(e.message(), None, "the caught message");
    assert_eq!(e.args_repr(), "()", "Python's e.args");
    Outcome::Pass
}

/// §1.11: an empty message is a message (`cancel('')` gives `args == ('',)`).
pub fn empty_message_is_kept<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let e = caught_while_sleeping(fx, |t| assert!(t.cancel_with("")));
    let e = e.expect("the body caught no CancelledError");
    assert_eq!(e.message(), Some(""), "the caught message");
    assert_eq!(e.args_repr(), "('',)", "Python's e.args");
    Outcome::Pass
}

/// §1.7 (surprise 7): two cancels while SUSPENDED deliver one error with the FIRST message.
pub fn suspended_keeps_the_first_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let e = caught_while_sleeping(fx, |t| {
        assert!(t.cancel_with("first"), "first cancel()");
        assert!(t.cancel_with("second"), "second cancel()");
    });
    assert_eq!(
        e.and_then(|e| e.message().map(str::to_owned)).as_deref(),
        Some("first")
    );
    Outcome::Pass
}

/// §1.7 (surprise 7): two cancels while NOT-STARTED deliver one error with the LAST message.
pub fn not_started_keeps_the_last_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_task(async { 1u8 });
        assert!(t.cancel_with("a") && t.cancel_with("b"), "cancel() twice");
        expect_cancelled(t.join().await, Some("b"), "awaiting the task");
        t
    });
    assert_eq!(t.cancelling(), 2, "cancelling()");
    Outcome::Pass
}

/// §1.7 READY: two cancels after a bare yield set must_cancel twice: the LAST message wins.
pub fn ready_keeps_the_last_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let caught = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move { h2.yield_now().catch_cancel().await.err() });
        h.yield_now().await;
        assert!(
            t.cancel_with("first") && t.cancel_with("second"),
            "cancel() twice"
        );
        t.await.ok().flatten()
    });
    let msg = caught.and_then(|e| e.message().map(str::to_owned));
    assert_eq!(
        msg.as_deref(),
        Some("second"),
        "the message caught at the yield"
    );
    Outcome::Pass
}

/// §1.7 WOKEN-PENDING: the awaited future is done, so both cancels set must_cancel: the LAST message wins.
pub fn woken_keeps_the_last_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let caught = run(fx.runtime(), async move {
        let fut = Slot::<u8>::new();
        let f = fut.clone();
        let t = h.create_task(async move { f.wait().catch_cancel().await.err() });
        h.yield_now().await;
        fut.set(9);
        assert!(t.cancel_with("a") && t.cancel_with("b"), "cancel() twice");
        t.await.ok().flatten()
    });
    let msg = caught.and_then(|e| e.message().map(str::to_owned));
    assert_eq!(
        msg.as_deref(),
        Some("b"),
        "the message delivered instead of the value"
    );
    Outcome::Pass
}

/// §1.11 (surprise 8): a propagated cancellation keeps its message for the first retrieval only.
pub fn message_is_handed_out_once<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel_with("m");
        let probe = t.clone();
        wait_until(&h, "the task is done", move || probe.done()).await;
        t
    });
    expect_cancelled(t.result(), Some("m"), "the first result()");
    expect_cancelled(t.result(), None, "the second result()");
    expect_cancelled(t.exception(), None, "exception() afterwards");
    Outcome::Pass
}

/// §1.11: awaiting is the first retrieval: the awaiter gets the message, result() later does not.
pub fn the_awaiter_takes_the_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        assert!(t.cancel_with("stop now"), "cancel_with()");
        expect_cancelled(t.join().await, Some("stop now"), "the awaiter");
        t
    });
    expect_cancelled(t.result(), None, "result() after the await");
    expect_cancelled(t.exception(), None, "exception() after the await");
    Outcome::Pass
}

/// §1.11: exception() of a cancelled task is a retrieval too: it raises with the message, once.
pub fn exception_is_a_retrieval<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move { h2.sleep(LONG).await });
        h.yield_now().await;
        t.cancel_with("m");
        let probe = t.clone();
        wait_until(&h, "the task is done", move || probe.done()).await;
        t
    });
    expect_cancelled(t.exception(), Some("m"), "the first exception()");
    expect_cancelled(t.result(), None, "result() afterwards");
    Outcome::Pass
}

/// §1.11: self-cancel then return keeps the message (must_cancel path): every retrieval has it.
pub fn self_cancel_return_keeps_the_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            if let Some(me) = h2.current_task() {
                me.cancel_with("m");
            }
            5u8
        });
        expect_cancelled(t.join().await, Some("m"), "the awaiter");
        t
    });
    expect_cancelled(t.result(), Some("m"), "result()");
    expect_cancelled(t.result(), Some("m"), "result() again");
    expect_cancelled(t.exception(), Some("m"), "exception()");
    Outcome::Pass
}

/// §1.11: a caught error propagated with `?` ends the task cancelled with that error, handed out once.
pub fn propagated_error_keeps_its_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_try_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).catch_cancel().await?;
            Ok::<_, CancelledError>("slept")
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel_with("bye");
        expect_cancelled(t.join().await, Some("bye"), "the awaiter");
        t
    });
    assert!(t.cancelled(), "cancelled()");
    expect_cancelled(t.result(), None, "result() after the await");
    Outcome::Pass
}

/// §1.11 (surprise 9): a body may end cancelled with its own CancelledError, without any cancel() call.
pub fn body_raised_cancellation<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_try_task(async { Err::<u8, _>(CancelledError::with_message("own")) });
        let probe = t.clone();
        wait_until(&h, "the task is done", move || probe.done()).await;
        t
    });
    assert!(t.cancelled(), "cancelled()");
    assert_eq!(t.cancelling(), 0, "cancelling(): nobody called cancel()");
    expect_cancelled(t.result(), Some("own"), "the first result()");
    expect_cancelled(t.result(), None, "the second result()");
    Outcome::Pass
}

/// §1.7/§1.11: cancelling an awaiter forwards the message; the awaited task's error comes back up.
pub fn forwarded_message_comes_back_up<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let outer = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let inner = h.create_try_task(async move {
                l.push("inner sleeping");
                if let Err(e) = h2.sleep(LONG).catch_cancel().await {
                    l.push(format!("inner caught {:?}", e.message()));
                    return Err(e);
                }
                Ok(1u8)
            });
            let outer = h.create_try_task(async move {
                l2.push("outer awaiting");
                inner.await
            });
            wait_until(&h, "both wait", || log.len() == 2).await;
            assert!(outer.cancel_with("m"), "cancel_with() of the awaiter");
            expect_cancelled(outer.join().await, Some("m"), "awaiting the outer task");
            outer
        }
    });
    assert!(
        log.contains("inner caught Some(\"m\")"),
        "inner events: {:?}",
        log.snapshot()
    );
    assert!(outer.cancelled(), "the outer task ends cancelled");
    Outcome::Pass
}

/// §1.11: along A awaits B awaits C, cancel(A, 'm') reaches C; the same error comes back up to A's awaiter.
pub fn message_travels_a_chain<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (a, b, c) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let c = h.create_try_task(async move {
            let caught = h2.sleep(LONG).catch_cancel().await;
            if let Err(e) = &caught {
                l.push(format!("C caught {:?}", e.message()));
            }
            caught
        });
        let cc = c.clone();
        let b = h.create_try_task(async move { cc.await });
        let bb = b.clone();
        let a = h.create_try_task(async move { bb.await });
        ticks(&h, 2).await;
        assert!(a.cancel_with("m"), "cancel(A)");
        let counts = [a.cancelling(), b.cancelling(), c.cancelling()];
        assert_eq!(
            counts,
            [1, 1, 1],
            "cancelling() of A, B, C right after cancel(A)"
        );
        expect_cancelled(a.join().await, Some("m"), "awaiting A");
        (a, b, c)
    });
    log.expect(&["C caught Some(\"m\")"], "C's events");
    assert!(
        a.cancelled() && b.cancelled() && c.cancelled(),
        "all three end cancelled"
    );
    for (t, name) in [(&a, "A"), (&b, "B"), (&c, "C")] {
        expect_cancelled(
            t.result(),
            None,
            &format!("result() of {name}: already retrieved"),
        );
    }
    Outcome::Pass
}
