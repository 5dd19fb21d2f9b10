//! Catching a cancellation (`catch_cancel`, Python's `try/except
//! CancelledError`): suppress, propagate, clean up with awaits, nested
//! scopes, and what runs when nothing catches (spec §1.8, §1.10).

use aiotask_api::{CancelledError, Runtime, RuntimeHandle, Task, TaskError};
use aiotask_core::CatchCancelExt;

use crate::support::{
    LONG, Log, OnDrop, TaskOf, ValueError, expect_cancelled, expect_failed, run, wait_until,
};
use crate::{Fixture, Outcome};

/// §1.10 (transcript 06 "stubborn"): catch and return a value: the task finishes normally.
pub fn catch_and_suppress<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (cancel_returned, t) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            match h2.sleep(LONG).catch_cancel().await {
                Ok(()) => "slept",
                Err(_) => "suppressed",
            }
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        let returned = t.cancel();
        let _ = t.join().await;
        (returned, t)
    });
    assert!(
        cancel_returned,
        "cancel() returns true even though the body suppresses"
    );
    assert_eq!(t.result().ok(), Some("suppressed"), "result()");
    assert!(!t.cancelled(), "cancelled()");
    Outcome::Pass
}

/// §1.8: catch, then return the error: the task ends cancelled with it.
pub fn catch_and_propagate<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_try_task(async move {
                l.push("sleeping");
                match h2.sleep(LONG).catch_cancel().await {
                    Ok(()) => Ok("slept"),
                    Err(e) => {
                        l.push("caught, re-raising");
                        Err(e)
                    }
                }
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel_with("m");
            expect_cancelled(t.join().await, Some("m"), "the awaiter");
            t
        }
    });
    log.expect(&["sleeping", "caught, re-raising"], "the task's events");
    assert!(t.cancelled(), "cancelled()");
    Outcome::Pass
}

/// §1.8: after catching, cleanup may await (sleep, yield, another task) normally.
pub fn cleanup_can_await<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_try_task(async move {
                l.push("sleeping");
                let Err(e) = h2.sleep(LONG).catch_cancel().await else {
                    return Ok("slept");
                };
                l.push("caught");
                h2.sleep(std::time::Duration::from_millis(2)).await;
                l.push("cleanup slept");
                h2.yield_now().await;
                let helper = h2.create_task(async { 3u8 });
                l.push(format!("helper returned {:?}", helper.await.ok()));
                Err::<&str, CancelledError>(e)
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel();
            let _ = t.join().await;
            t
        }
    });
    log.expect(
        &[
            "sleeping",
            "caught",
            "cleanup slept",
            "helper returned Some(3)",
        ],
        "the cleanup's events",
    );
    assert!(t.cancelled(), "it re-raised after cleaning up");
    Outcome::Pass
}

/// §1.8: with nested catch scopes, the innermost one active at the suspension point receives the error.
pub fn innermost_scope_receives<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                let l2 = l.clone();
                let h3 = h2.clone();
                let outer = async move {
                    l2.push("sleeping");
                    match h3.sleep(LONG).catch_cancel().await {
                        Ok(()) => l2.push("inner slept"),
                        Err(_) => l2.push("inner caught"),
                    }
                }
                .catch_cancel()
                .await;
                l.push(if outer.is_ok() {
                    "outer scope completed"
                } else {
                    "outer caught"
                });
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel();
            let _ = t.await;
        }
    });
    log.expect(
        &["sleeping", "inner caught", "outer scope completed"],
        "nested scopes",
    );
    Outcome::Pass
}

/// §1.8: a scope that already completed catches nothing; the outer scope active at the suspension does.
pub fn only_active_scopes_catch<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                let l2 = l.clone();
                let h3 = h2.clone();
                let outer = async move {
                    let first = h3.yield_now().catch_cancel().await;
                    l2.push(format!("inner scope completed: {}", first.is_ok()));
                    l2.push("sleeping");
                    h3.sleep(LONG).await;
                    l2.push("slept");
                }
                .catch_cancel()
                .await;
                l.push(if outer.is_ok() {
                    "outer completed"
                } else {
                    "outer caught"
                });
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel();
            let _ = t.await;
        }
    });
    log.expect(
        &["inner scope completed: true", "sleeping", "outer caught"],
        "which scope caught",
    );
    Outcome::Pass
}

/// §1.8/§1.9: with nothing catching, the body is dropped at the await: inner `finally` before outer.
pub fn uncaught_runs_destructors_innermost_first<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), {
        let log = log.clone();
        async move {
            let h2 = h.clone();
            let t = h.create_task(async move {
                let _outer = OnDrop(l.clone(), "outer finally");
                {
                    let _inner = OnDrop(l.clone(), "inner finally");
                    l.push("sleeping");
                    h2.sleep(LONG).await;
                }
                l.push("unreachable");
            });
            wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
            t.cancel();
            let _ = t.join().await;
            t
        }
    });
    log.expect(
        &["sleeping", "inner finally", "outer finally"],
        "CPython's finally order",
    );
    assert!(t.cancelled(), "cancelled()");
    Outcome::Pass
}

/// §1.10: catching and returning another error ends the task FAILED with it, not cancelled.
pub fn catch_and_convert_to_an_error<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_try_task(async move {
            l.push("sleeping");
            match h2.sleep(LONG).catch_cancel().await {
                Ok(()) => Ok(0u8),
                Err(_) => Err(ValueError("converted")),
            }
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        let _ = t.join().await;
        t
    });
    assert!(!t.cancelled(), "cancelled()");
    let f = expect_failed(t.result(), "result()");
    assert_eq!(
        f.downcast_ref::<ValueError>(),
        Some(&ValueError("converted")),
        "the error"
    );
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.8: without a cancel, a catch scope is transparent: it returns the wrapped future's output.
pub fn catch_without_cancel_is_transparent<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let out = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move {
            let a = h2.yield_now().catch_cancel().await.is_ok();
            let b = h2
                .sleep(std::time::Duration::from_millis(1))
                .catch_cancel()
                .await
                .is_ok();
            let c = async { 5u8 }.catch_cancel().await;
            let child = h2.create_task(async { 6u8 });
            let d = child.into_future().catch_cancel().await.map(|r| r.ok());
            (a, b, c, d)
        });
        t.await.ok()
    });
    assert_eq!(
        out,
        Some((true, true, Ok(5), Ok(Some(6)))),
        "four catch scopes without a cancel"
    );
    Outcome::Pass
}

/// §1.8 with §1.7: Python's one `except CancelledError:` around
/// `await other` catches both the awaited task ending cancelled and a
/// cancel of the awaiter itself while it waits (forwarded to `other`);
/// `Task::catch_cancel` is that one shape. CPython 3.13 prints
/// `caught ('child stop',)` then `caught ('me',) False True 1` (awaiter
/// cancelled(), child cancelled(), awaiter cancelling()).
pub fn one_shape_catches_both_cancels<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (theirs, mine) = run(fx.runtime(), async move {
        let awaiter = |h: &<R as Runtime>::Handle, child: TaskOf<R, u8>| -> TaskOf<R, String> {
            h.create_task(async move {
                match child.catch_cancel().await {
                    Err(e) => format!("caught {:?}", e.message()),
                    Ok(other) => format!("not caught: {:?}", other.is_ok()),
                }
            })
        };
        let child: TaskOf<R, u8> = h.create_task(std::future::pending());
        let a1 = awaiter(&h, child.clone());
        wait_until(&h, "a1 awaits", {
            let a1 = a1.clone();
            move || a1.repr().contains("wait_for=")
        })
        .await;
        child.cancel_with("child stop");
        let theirs = a1.await.unwrap_or_default();
        let child2: TaskOf<R, u8> = h.create_task(std::future::pending());
        let a2 = awaiter(&h, child2.clone());
        wait_until(&h, "a2 awaits", {
            let a2 = a2.clone();
            move || a2.repr().contains("wait_for=")
        })
        .await;
        a2.cancel_with("me");
        let said = a2.join().await.unwrap_or_default();
        let _ = child2.join().await;
        (
            theirs,
            (said, a2.cancelled(), child2.cancelled(), a2.cancelling()),
        )
    });
    assert_eq!(
        theirs, "caught Some(\"child stop\")",
        "the awaited task ended cancelled"
    );
    assert_eq!(
        mine,
        ("caught Some(\"me\")".to_owned(), false, true, 1),
        "the awaiter was cancelled while it waited"
    );
    Outcome::Pass
}

/// A body whose error type is its own (`io::Error`, or an enum with a
/// `Cancelled(CancelledError)` variant) re-raises a caught cancellation
/// with `?`: the task ends *cancelled*, with the message, not failed
/// (Python's bare `raise` in `except CancelledError:`).
pub fn a_body_error_of_its_own_reraises_a_cancel<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    #[derive(Debug)]
    enum AppError {
        Cancelled(CancelledError),
        /// An awaited task's outcome as the cause: `raise X from e`.
        WorkerGone(TaskError),
    }
    impl std::fmt::Display for AppError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("app error")
        }
    }
    impl std::error::Error for AppError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                Self::Cancelled(c) => Some(c),
                Self::WorkerGone(e) => Some(e),
            }
        }
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let ((io, app), caused_fails) = run(fx.runtime(), async move {
        let (h2, h3) = (h.clone(), h.clone());
        let io: TaskOf<R, ()> = h.create_try_task(async move {
            l1.push("io");
            h2.sleep(LONG).catch_cancel().await?; // CancelledError into io::Error
            Ok::<_, std::io::Error>(())
        });
        let app: TaskOf<R, ()> = h.create_try_task(async move {
            l2.push("app");
            h3.sleep(LONG)
                .catch_cancel()
                .await
                .map_err(AppError::Cancelled)?;
            Ok::<_, AppError>(())
        });
        wait_until(&h, "both started", move || l3.len() == 2).await;
        h.yield_now().await;
        io.cancel_with("io stop");
        app.cancel_with("app stop");
        let read = |r: Result<(), TaskError>| match r {
            Err(TaskError::Cancelled(e)) => Some(e.message().map(str::to_owned)),
            _ => None,
        };
        // A cause is not a re-raise: a worker that ended cancelled, as the
        // source of the body's own error, fails the body's task.
        let worker: TaskOf<R, ()> = h.create_task(std::future::pending());
        worker.cancel_with("worker stop");
        let w = worker.clone();
        let caused: TaskOf<R, ()> = h.create_try_task(async move {
            w.await.map_err(AppError::WorkerGone)?;
            Ok::<_, AppError>(())
        });
        let caused = caused.join().await;
        (
            (read(io.join().await), read(app.join().await)),
            caused.is_err_and(|e| e.is_failed()),
        )
    });
    assert_eq!(
        io,
        Some(Some("io stop".to_owned())),
        "io::Error body: cancelled"
    );
    assert_eq!(
        app,
        Some(Some("app stop".to_owned())),
        "own enum body: cancelled"
    );
    assert!(
        caused_fails,
        "an error caused by a cancelled worker fails the task"
    );
    Outcome::Pass
}
