//! `result()` and `exception()` in every state: the invalid-state errors,
//! repeatability, and the identity of the stored failure (spec §1.13, §1.18).

use std::sync::Arc;

use aiotask_api::{Failure, InvalidStateError, Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{
    Gate, LONG, Log, ValueError, expect_cancelled, expect_failed, expect_invalid_state, run,
    wait_until,
};
use crate::{Fixture, Outcome};

/// §1.13: on a pending task, result() and exception() raise InvalidStateError (each its own).
pub fn pending_raises_invalid_state<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_task(async move { g.wait().await });
        expect_invalid_state(t.result(), InvalidStateError::result_not_set(), "result()");
        expect_invalid_state(
            t.exception(),
            InvalidStateError::exception_not_set(),
            "exception()",
        );
        assert!(!t.done(), "retrieval does not change the state");
        gate.set(());
        let _ = t.await;
    });
    Outcome::Pass
}

/// §1.13: a task with a cancel requested but not done is still PENDING: InvalidStateError.
pub fn cancelling_raises_invalid_state<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            l.push("caught");
            g.wait().await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        expect_invalid_state(
            t.result(),
            InvalidStateError::result_not_set(),
            "right after cancel()",
        );
        wait_until(&h, "the task catches", || log.contains("caught")).await;
        expect_invalid_state(
            t.result(),
            InvalidStateError::result_not_set(),
            "result() while cancelling",
        );
        expect_invalid_state(
            t.exception(),
            InvalidStateError::exception_not_set(),
            "exception() while cancelling",
        );
        gate.set(());
        let _ = t.await;
    });
    Outcome::Pass
}

/// §1.13: a finished task gives its value and no exception, every time.
pub fn finished_is_repeatable<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_task(async { 42u16 });
        let _ = t.join().await;
        t
    });
    for i in 0..3 {
        assert_eq!(t.result().ok(), Some(42), "result() call {i}");
        assert!(matches!(t.exception(), Ok(None)), "exception() call {i}");
    }
    assert!(
        t.done() && !t.cancelled(),
        "retrieval does not change the state"
    );
    Outcome::Pass
}

/// §1.13: a failed task raises the SAME failure from every result() and exception() call.
pub fn failure_is_the_same_object<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_try_task(async { Err::<u8, _>(ValueError("boom")) });
        let probe = t.clone();
        wait_until(&h, "the task fails", move || probe.done()).await;
        t
    });
    let first = expect_failed(t.result(), "result()");
    let again = expect_failed(t.result(), "result() again");
    let via_exception = t
        .exception()
        .ok()
        .flatten()
        .expect("exception() returns the failure");
    let via_exception_again = t.exception().ok().flatten().expect("exception() again");
    for (other, what) in [
        (&again, "the second result()"),
        (&via_exception, "exception()"),
        (&via_exception_again, "the second exception()"),
    ] {
        assert!(
            Failure::ptr_eq(&first, other),
            "{what} is not the same failure"
        );
    }
    assert_eq!(
        first.downcast_ref::<ValueError>(),
        Some(&ValueError("boom")),
        "the error"
    );
    Outcome::Pass
}

/// §1.18: every await of a failed task raises the same failure object that result() holds.
pub fn every_await_raises_the_same_failure<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (a, b, t) = run(fx.runtime(), async move {
        let t = h.create_try_task(async { Err::<u8, _>(ValueError("boom")) });
        let a = expect_failed(t.join().await, "the first await");
        let other = t.clone();
        let b = h
            .create_task(async move { other.await.err() })
            .await
            .ok()
            .flatten()
            .and_then(|e| e.failure().cloned())
            .expect("another task's await of the failed task");
        (a, b, t)
    });
    let stored = expect_failed(t.result(), "result()");
    assert!(
        Failure::ptr_eq(&a, &b),
        "two awaits raised different failures"
    );
    assert!(
        Failure::ptr_eq(&a, &stored),
        "the await and result() differ"
    );
    Outcome::Pass
}

/// §1.13: exception() of a cancelled task raises CancelledError; it never returns it.
pub fn cancelled_raises_from_both<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move { h2.sleep(LONG).await });
        h.yield_now().await;
        t.cancel();
        let _ = t.join().await;
        t
    });
    for i in 0..3 {
        expect_cancelled(t.exception(), None, &format!("exception() call {i}"));
        expect_cancelled(t.result(), None, &format!("result() call {i}"));
    }
    assert!(t.cancelled(), "retrieval does not change the state");
    Outcome::Pass
}

/// §1.13: result() returns the value itself: an `Arc` value is the same allocation every time.
pub fn value_is_the_same_object<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let original = Arc::new(vec![1u8, 2, 3]);
    let sent = original.clone();
    let (t, awaited) = run(fx.runtime(), async move {
        let t = h.create_task(async move { sent });
        let awaited = t.join().await.expect("awaiting the task");
        (t, awaited)
    });
    let first = t.result().expect("result()");
    let second = t.result().expect("result() again");
    assert!(
        Arc::ptr_eq(&first, &original),
        "result() is not the returned object"
    );
    assert!(Arc::ptr_eq(&first, &second), "two result() calls differ");
    assert!(
        Arc::ptr_eq(&first, &awaited),
        "the await and result() differ"
    );
    Outcome::Pass
}

/// §1.13: the body's error keeps its type and text (Python keeps the exception object).
pub fn error_keeps_its_type<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_try_task(async {
            Err::<(), _>(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        });
        let _ = t.join().await;
        t
    });
    let f = expect_failed(t.result(), "result()");
    assert!(!f.is_panic(), "an error is not a panic");
    let io = f
        .downcast_ref::<std::io::Error>()
        .expect("the failure is an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound, "the error kind");
    assert_eq!(f.to_string(), "no such file", "the failure's text");
    Outcome::Pass
}
