//! The contract's basics, generic over [`aiotask_api::Runtime`]: written
//! once, run by every hosted backend (tokio, smol) on each of its flavours.
//!
//! `tests/common` in each backend is a symbolic link to this directory, so
//! that the backend's published package carries this file (`cargo package
//! --list` follows the link).
//!
//! A backend's `tests/basics.rs` includes this file as its `common` module
//! and instantiates the tests with its own constructors:
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/basics.rs"]
//! mod common;
//!
//! hosted_basics!(multi_thread, Runtime::multi_thread(2), parallel = true);
//! hosted_thread_tests!(multi = Runtime::multi_thread(2), default = Runtime::new());
//! ```

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aiotask_api::{
    ExceptionContext, ReportKind, Runtime, RuntimeHandle as _, Task as _, TaskError,
};
use aiotask_core::CatchCancelExt as _;

/// The task handle type of runtime `R`.
type TaskOf<R, T> = <<R as Runtime>::Handle as aiotask_api::RuntimeHandle>::Task<T>;

/// Installs a handler that records every report.
pub fn record_reports<R: Runtime>(rt: &R) -> Arc<Mutex<Vec<ExceptionContext>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    rt.handle()
        .set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
            sink.lock().unwrap().push(ctx.clone())
        })));
    seen
}

/// Polls a future once with a no-op waker.
fn poll_once<F: Future>(f: F) -> Poll<F::Output> {
    pin!(f).poll(&mut Context::from_waker(Waker::noop()))
}

pub fn run_returns_value<R: Runtime>(rt: R) {
    assert_eq!(rt.run(async { 41 + 1 }).unwrap(), 42);
    // A second run on the same runtime works too.
    assert_eq!(rt.run(async { "again" }).unwrap(), "again");
}

pub fn create_task_and_await<R: Runtime>(rt: R) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let child = h.create_named_task("child", async move {
            h2.sleep(Duration::from_millis(2)).await;
            20
        });
        assert_eq!(child.name(), "child");
        assert!(!child.done());
        let v = child.join().await.unwrap();
        assert!(child.done());
        v + child.result().unwrap() + 2
    });
    assert_eq!(out.unwrap(), 42);
}

pub fn cancel_with_message_of_sleeping_task<R: Runtime>(rt: R) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move {
            h2.sleep(Duration::from_secs(3600)).await;
            "woke"
        });
        h.sleep(Duration::from_millis(2)).await;
        assert!(sleeper.cancel_with("stop now"));
        assert!(!sleeper.cancelled(), "cancel only requests");
        let err = sleeper.join().await.unwrap_err();
        assert!(sleeper.cancelled());
        err
    });
    let err = out.unwrap();
    assert_eq!(err.cancelled().unwrap().message(), Some("stop now"));
}

/// `parallel`: the flavour runs tasks on several threads at once.
pub fn done_callbacks_in_order_never_synchronous<R: Runtime>(rt: R, parallel: bool) {
    let h = rt.handle();
    let out = rt.run(async move {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t = h.create_task(async { 7 });
        for i in 0..5 {
            let log = log.clone();
            t.add_done_callback(move |t: &TaskOf<R, i32>| {
                log.lock().unwrap().push((i, t.result().unwrap()))
            });
        }
        assert!(log.lock().unwrap().is_empty());
        t.join().await.unwrap();
        if parallel {
            // Multi-thread: the child may finish on another worker before the
            // await, which then does not suspend; let the dispatcher catch up.
            for _ in 0..100 {
                if log.lock().unwrap().len() == 5 {
                    break;
                }
                h.yield_now().await;
            }
        }
        // Callbacks added before the await ran before the awaiter resumed.
        assert_eq!(
            *log.lock().unwrap(),
            [(0, 7), (1, 7), (2, 7), (3, 7), (4, 7)]
        );
        // A callback added to a finished task runs at a later tick.
        let late = log.clone();
        t.add_done_callback(move |_: &TaskOf<R, i32>| late.lock().unwrap().push((9, 9)));
        assert_eq!(log.lock().unwrap().len(), 5, "ran synchronously");
        h.yield_now().await;
        log.lock().unwrap().len()
    });
    assert_eq!(out.unwrap(), 6);
}

pub fn panicking_body_fails_task_only<R: Runtime>(rt: R) {
    let reports = record_reports(&rt);
    let h = rt.handle();
    let out = rt.run(async move {
        let bad = h.create_task(async {
            if true {
                panic!("body bug");
            }
        });
        let err = bad.join().await.unwrap_err();
        let failure = err.failure().expect("failed").clone();
        assert_eq!(failure.panic_message(), Some("body bug"));
        // The runtime is alive: more tasks run.
        h.create_task(async { 5 }).await.unwrap()
    });
    assert_eq!(out.unwrap(), 5);
    // The failure was retrieved by the await: nothing to report.
    drop(rt);
    assert!(reports.lock().unwrap().is_empty());
}

pub fn drop_with_pending_task_reports_destroyed<R: Runtime>(rt: R) {
    let reports = record_reports(&rt);
    let h = rt.handle();
    let h2 = h.clone();
    let pending = h.create_named_task("Forever", async move {
        h2.sleep(Duration::from_secs(3600)).await;
    });
    // Let the first task start and suspend.
    let h3 = h.clone();
    rt.run(async move { h3.sleep(Duration::from_millis(2)).await })
        .unwrap();
    assert!(!pending.done());
    let late = h.create_named_task("Late", std::future::pending::<()>());
    drop(rt);
    assert!(pending.done() && pending.cancelled());
    assert!(late.done() && late.cancelled());
    let destroyed: Vec<_> = reports
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.kind() == ReportKind::DestroyedPending)
        .map(|r| r.task().unwrap().to_owned())
        .collect();
    assert!(
        destroyed.iter().any(|t| t.contains("name='Forever'"))
            && destroyed.iter().any(|t| t.contains("name='Late'")),
        "reports: {destroyed:?}"
    );
    // Awaiting a destroyed task answers at once, cancelled.
    match poll_once(pending.into_future()) {
        Poll::Ready(Err(TaskError::Cancelled(_))) => {}
        other => panic!("expected cancelled, got {other:?}"),
    }
    // Handles created after the runtime is gone end at once, destroyed.
    let late = h.create_task(async { 1 });
    assert!(late.cancelled());
}

/// `rt` runs tasks on several threads.
pub fn cancel_from_another_thread<R: Runtime>(rt: R) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move {
            match h2.sleep(Duration::from_secs(3600)).catch_cancel().await {
                Ok(()) => "slept".to_owned(),
                Err(e) => format!("caught: {}", e.message().unwrap_or("")),
            }
        });
        h.sleep(Duration::from_millis(2)).await;
        let remote = sleeper.clone();
        let accepted = std::thread::spawn(move || remote.cancel_with("from afar"))
            .join()
            .unwrap();
        assert!(accepted);
        sleeper.await.unwrap()
    });
    assert_eq!(out.unwrap(), "caught: from afar");
}

/// `rt` runs tasks on several threads.
pub fn many_threads_cancel_concurrently<R: Runtime>(rt: R) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
        h.sleep(Duration::from_millis(1)).await;
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let t = sleeper.clone();
                std::thread::spawn(move || t.cancel_with(&format!("thread {i}")))
            })
            .collect();
        // The first request may be delivered, and the task end, before a
        // later thread asks: that one gets `false`. At least one is accepted.
        let accepted = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|a| *a)
            .count();
        assert!(accepted >= 1);
        let err = sleeper.join().await.unwrap_err();
        (sleeper.cancelled(), err.is_cancelled())
    });
    assert_eq!(out.unwrap(), (true, true));
}

pub fn current_task_and_time<R: Runtime>(rt: R) {
    let h = rt.handle();
    assert!(h.current_task().is_none());
    let h2 = h.clone();
    let (name, inside_callback) = rt
        .run(async move {
            let me = h2.current_task().expect("inside a task");
            let seen = Arc::new(Mutex::new(None));
            let s = seen.clone();
            let h3 = h2.clone();
            h2.call_soon(move || *s.lock().unwrap() = Some(h3.current_task().is_none()));
            let before = h2.time();
            h2.sleep(Duration::from_millis(5)).await;
            assert!(h2.time() - before >= Duration::from_millis(5));
            let inside = seen.lock().unwrap().take();
            (me.name(), inside)
        })
        .unwrap();
    assert!(name.starts_with("Task-"));
    assert_eq!(inside_callback, Some(true));
}

/// The basics on one flavour, as module `$module`: `$make` builds a fresh
/// runtime of that flavour, `parallel` says whether it runs tasks on several
/// threads at once, and each `extra` names a `fn(Runtime)` of the including
/// file run as one more test.
macro_rules! hosted_basics {
    ($module:ident, $make:expr, parallel = $parallel:expr $(, extra = [$($extra:ident),* $(,)?])? $(,)?) => {
        mod $module {
            use super::*;

            #[test]
            fn run_returns_value() {
                $crate::common::run_returns_value($make);
            }
            #[test]
            fn create_task_and_await() {
                $crate::common::create_task_and_await($make);
            }
            #[test]
            fn cancel_with_message_of_sleeping_task() {
                $crate::common::cancel_with_message_of_sleeping_task($make);
            }
            #[test]
            fn done_callbacks_in_order_never_synchronous() {
                $crate::common::done_callbacks_in_order_never_synchronous($make, $parallel);
            }
            #[test]
            fn panicking_body_fails_task_only() {
                $crate::common::panicking_body_fails_task_only($make);
            }
            #[test]
            fn drop_with_pending_task_reports_destroyed() {
                $crate::common::drop_with_pending_task_reports_destroyed($make);
            }
            $($(
                #[test]
                fn $extra() {
                    super::$extra($make);
                }
            )*)?
        }
    };
}

/// The cross-thread tests (`multi`: a multi-thread runtime) and
/// `current_task_and_time` (`default`: the backend's default runtime).
macro_rules! hosted_thread_tests {
    (multi = $multi:expr, default = $default:expr $(,)?) => {
        #[test]
        fn cancel_from_another_thread_multi_thread() {
            $crate::common::cancel_from_another_thread($multi);
        }

        #[test]
        fn many_threads_cancel_concurrently() {
            $crate::common::many_threads_cancel_concurrently($multi);
        }

        #[test]
        fn current_task_and_time() {
            $crate::common::current_task_and_time($default);
        }
    };
}
