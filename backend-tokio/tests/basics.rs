//! The contract's basics on both tokio flavours.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _, TaskError};
use aiotask_core::CatchCancelExt as _;
use aiotask_tokio::{Flavour, Runtime, Task};

/// Installs a handler that records every report.
fn record_reports(rt: &Runtime) -> Arc<Mutex<Vec<ExceptionContext>>> {
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

fn run_returns_value(rt: Runtime) {
    assert_eq!(rt.run(async { 41 + 1 }).unwrap(), 42);
    // A second run on the same runtime works too.
    assert_eq!(rt.run(async { "again" }).unwrap(), "again");
}

fn create_task_and_await(rt: Runtime) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let child = h.create_named_task("child", async move {
            h2.sleep(Duration::from_millis(2)).await;
            20
        });
        assert_eq!(child.name(), "child");
        assert!(!child.done());
        let v = (&child).await.unwrap();
        assert!(child.done());
        v + child.result().unwrap() + 2
    });
    assert_eq!(out.unwrap(), 42);
}

fn cancel_with_message_of_sleeping_task(rt: Runtime) {
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
        let err = (&sleeper).await.unwrap_err();
        assert!(sleeper.cancelled());
        err
    });
    let err = out.unwrap();
    assert_eq!(err.cancelled().unwrap().message(), Some("stop now"));
}

fn done_callbacks_in_order_never_synchronous(rt: Runtime) {
    let parallel = rt.flavour() == Flavour::MultiThread;
    let h = rt.handle();
    let out = rt.run(async move {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t = h.create_task(async { 7 });
        for i in 0..5 {
            let log = log.clone();
            t.add_done_callback(move |t: &Task<i32>| {
                log.lock().unwrap().push((i, t.result().unwrap()))
            });
        }
        assert!(log.lock().unwrap().is_empty());
        (&t).await.unwrap();
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
        t.add_done_callback(move |_: &Task<i32>| late.lock().unwrap().push((9, 9)));
        assert_eq!(log.lock().unwrap().len(), 5, "ran synchronously");
        h.yield_now().await;
        log.lock().unwrap().len()
    });
    assert_eq!(out.unwrap(), 6);
}

fn panicking_body_fails_task_only(rt: Runtime) {
    let reports = record_reports(&rt);
    let h = rt.handle();
    let out = rt.run(async move {
        let bad = h.create_task(async {
            if true {
                panic!("body bug");
            }
        });
        let err = (&bad).await.unwrap_err();
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

fn drop_with_pending_task_reports_destroyed(rt: Runtime) {
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

fn tokio_io_inside_task(rt: Runtime) {
    let h = rt.handle();
    let out = rt.run(async move {
        let server = h.create_try_task(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            println!("listening on {addr}");
            match listener.accept().catch_cancel().await {
                Ok(_) => Ok("accepted"),
                Err(cancelled) => {
                    Err(Box::new(cancelled) as Box<dyn std::error::Error + Send + Sync>)
                }
            }
        });
        h.sleep(Duration::from_millis(20)).await;
        assert!(!server.done(), "accept is pending");
        assert!(server.cancel_with("server shutting down"));
        server.await
    });
    let err = out.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(
        err.cancelled().unwrap().message(),
        Some("server shutting down")
    );
}

macro_rules! flavour_tests {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn run_returns_value() {
                super::run_returns_value($make);
            }
            #[test]
            fn create_task_and_await() {
                super::create_task_and_await($make);
            }
            #[test]
            fn cancel_with_message_of_sleeping_task() {
                super::cancel_with_message_of_sleeping_task($make);
            }
            #[test]
            fn done_callbacks_in_order_never_synchronous() {
                super::done_callbacks_in_order_never_synchronous($make);
            }
            #[test]
            fn panicking_body_fails_task_only() {
                super::panicking_body_fails_task_only($make);
            }
            #[test]
            fn drop_with_pending_task_reports_destroyed() {
                super::drop_with_pending_task_reports_destroyed($make);
            }
            #[test]
            fn tokio_io_inside_task() {
                super::tokio_io_inside_task($make);
            }
        }
    };
}

flavour_tests!(current_thread, Runtime::current_thread());
flavour_tests!(multi_thread, Runtime::multi_thread(2));

#[test]
fn cancel_from_another_thread_multi_thread() {
    let rt = Runtime::multi_thread(2);
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

#[test]
fn many_threads_cancel_concurrently() {
    let rt = Runtime::multi_thread(2);
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
        let err = (&sleeper).await.unwrap_err();
        (sleeper.cancelled(), err.is_cancelled())
    });
    assert_eq!(out.unwrap(), (true, true));
}

#[test]
fn current_task_and_time() {
    let rt = Runtime::new();
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

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Runtime>();
    send_sync::<aiotask_tokio::Handle>();
    send_sync::<Task<String>>();
    send_sync::<aiotask_tokio::Join<String>>();
}
