//! Careless or hostile use of the tokio backend (issue 10), on every
//! flavour: each case ends in a clear error or the right answer, never a
//! panic, a hang or a leak.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use aiotask_api::{ExceptionContext, ReportKind, RuntimeErrorKind, RuntimeHandle as _, TaskError};
use aiotask_tokio::{Handle, Runtime};

fn kind_of(err: &TaskError) -> Option<RuntimeErrorKind> {
    err.runtime_error().map(|e| e.kind())
}

fn current_thread_host() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn multi_thread_host() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every flavour `run` can drive, with the host of the attached one.
fn runnable_flavours() -> Vec<(&'static str, Runtime, Option<tokio::runtime::Runtime>)> {
    let host = multi_thread_host();
    let attached = Runtime::from_handle(host.handle().clone());
    vec![
        ("current-thread", Runtime::current_thread(), None),
        ("multi-thread", Runtime::multi_thread(2), None),
        (
            "from_runtime",
            Runtime::from_runtime(current_thread_host()),
            None,
        ),
        ("attached multi-thread", attached, Some(host)),
    ]
}

/// Installs a handler that records report kinds and holds `token` and the
/// runtime's own handle (the cycle of issue 10 item 9).
fn cyclic_handler(h: &Handle, token: Arc<()>) -> Arc<Mutex<Vec<ReportKind>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let own = h.clone();
    h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
        let _ = (&own, &token);
        sink.lock().unwrap().push(ctx.kind())
    })));
    seen
}

/// Waits (up to 5 s) until `alive` no longer upgrades.
fn wait_dropped(alive: &Weak<()>) -> bool {
    let t0 = Instant::now();
    while alive.upgrade().is_some() {
        if t0.elapsed() > Duration::from_secs(5) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Issue 10 item 6: `sleep(Duration::MAX)` sleeps "practically forever"
/// (no panic on the deadline) and is cancelled like any other sleep.
#[test]
fn sleeping_for_duration_max_is_cancellable_on_every_flavour() {
    for (flavour, rt, _host) in runnable_flavours() {
        let h = rt.handle();
        let out = rt.run(async move {
            let h2 = h.clone();
            let sleeper = h.create_task(async move { h2.sleep(Duration::MAX).await });
            h.sleep(Duration::from_millis(5)).await;
            assert!(!sleeper.done(), "{flavour}");
            assert!(sleeper.cancel());
            sleeper.await
        });
        let err = out.unwrap().unwrap_err();
        assert!(err.is_cancelled(), "{flavour}: {err}");
    }
}

/// Issue 10 item 8: `run` called from inside one of the runtime's own tasks,
/// or from one of its callbacks, returns `AlreadyRunning` (no tokio panic)
/// before it creates anything: the refused `main` never runs.
#[test]
fn a_nested_run_is_refused_and_its_main_never_runs_on_every_flavour() {
    for (flavour, rt, _host) in runnable_flavours() {
        let rt = Arc::new(rt);
        let ran = Arc::new(AtomicBool::new(false));
        let from_callback = Arc::new(Mutex::new(None));
        let (inner, flag) = (rt.clone(), ran.clone());
        let (inner2, flag2, slot) = (rt.clone(), ran.clone(), from_callback.clone());
        let h = rt.handle();
        let refused = rt.run(async move {
            let err = inner
                .run(async move { flag.store(true, Ordering::SeqCst) })
                .unwrap_err();
            h.call_soon(move || {
                let err = inner2
                    .run(async move { flag2.store(true, Ordering::SeqCst) })
                    .unwrap_err();
                *slot.lock().unwrap() = Some(err);
            });
            for _ in 0..5 {
                h.yield_now().await;
            }
            err
        });
        assert_eq!(
            kind_of(&refused.unwrap()),
            Some(RuntimeErrorKind::AlreadyRunning),
            "{flavour}"
        );
        let from_callback = from_callback.lock().unwrap().take().expect(flavour);
        assert_eq!(
            kind_of(&from_callback),
            Some(RuntimeErrorKind::AlreadyRunning)
        );
        let h = rt.handle();
        rt.run(async move { h.sleep(Duration::from_millis(5)).await })
            .unwrap();
        assert!(!ran.load(Ordering::SeqCst), "{flavour}: a refused main ran");
    }
}

/// Issue 10 item 8: a nested `run_until_complete` is refused the same way.
#[test]
fn a_nested_run_until_complete_is_refused_on_every_flavour() {
    for (flavour, rt, _host) in runnable_flavours() {
        let rt = Arc::new(rt);
        let other = rt.handle().create_task(async { 7 });
        let (inner, target) = (rt.clone(), other.clone());
        let refused = rt.run(async move { inner.run_until_complete(&target).unwrap_err() });
        let refused = refused.unwrap();
        assert_eq!(
            kind_of(&refused),
            Some(RuntimeErrorKind::AlreadyRunning),
            "{flavour}"
        );
        assert_eq!(rt.run_until_complete(&other).unwrap(), 7);
    }
}

/// Issue 10 item 9: a handler that holds its runtime's own `Handle` is let
/// go when an owned runtime is dropped, after the pending task's
/// "destroyed" report reached it.
#[test]
fn a_handler_holding_its_own_handle_is_dropped_with_an_owned_runtime() {
    let owned = [
        ("current-thread", Runtime::current_thread()),
        ("multi-thread", Runtime::multi_thread(2)),
        ("from_runtime", Runtime::from_runtime(multi_thread_host())),
    ];
    for (flavour, rt) in owned {
        let h = rt.handle();
        let token = Arc::new(());
        let alive = Arc::downgrade(&token);
        let seen = cyclic_handler(&h, token);
        let h2 = h.clone();
        let pending = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
        let h3 = h.clone();
        rt.run(async move { h3.sleep(Duration::from_millis(1)).await })
            .unwrap();
        drop(h);
        drop(rt);
        assert!(pending.cancelled(), "{flavour}");
        assert_eq!(
            *seen.lock().unwrap(),
            [ReportKind::DestroyedPending],
            "{flavour}"
        );
        assert!(alive.upgrade().is_none(), "{flavour}: the handler leaked");
    }
}

/// Issue 10 item 9: the same when the owned runtime is dropped inside async
/// code (tokio shuts down in the background): the handler is let go once
/// the background shutdown has dropped every task.
#[test]
fn a_handler_holding_its_own_handle_is_dropped_after_a_background_shutdown() {
    let host = current_thread_host();
    for rt in [Runtime::current_thread(), Runtime::multi_thread(1)] {
        let token = Arc::new(());
        let alive = Arc::downgrade(&token);
        let seen = cyclic_handler(&rt.handle(), token);
        let pending = rt.handle().create_task(std::future::pending::<()>());
        host.block_on(async move { drop(rt) });
        assert!(wait_dropped(&alive), "the handler leaked");
        assert!(pending.cancelled());
        assert_eq!(*seen.lock().unwrap(), [ReportKind::DestroyedPending]);
    }
}

/// Issue 10 item 9, attached (`from_handle`): dropping the aiotask runtime
/// detaches (its tasks and handler live on), and the handler is let go when
/// the host shuts down and drops the dispatcher and every task.
#[test]
fn an_attached_runtime_lets_its_handler_go_when_the_host_shuts_down() {
    for host in [multi_thread_host(), current_thread_host()] {
        let rt = Runtime::from_handle(host.handle().clone());
        let h = rt.handle();
        let token = Arc::new(());
        let alive = Arc::downgrade(&token);
        let seen = cyclic_handler(&h, token);
        let h2 = h.clone();
        let pending = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
        host.block_on(async { tokio::time::sleep(Duration::from_millis(2)).await });
        drop((h, rt));
        assert!(
            alive.upgrade().is_some(),
            "detached: the handler is still in use"
        );
        drop(host);
        assert!(pending.cancelled());
        assert_eq!(*seen.lock().unwrap(), [ReportKind::DestroyedPending]);
        assert!(alive.upgrade().is_none(), "the handler leaked");
    }
}

/// Issue 10 item 14 (a): `run_until_complete` of another runtime's task is
/// refused at once with `OtherRuntime` (it used to hang).
#[test]
fn run_until_complete_refuses_a_task_of_another_runtime_on_every_flavour() {
    for (flavour, rt, _host) in runnable_flavours() {
        let b = Runtime::current_thread();
        let task_of_b = b.handle().create_task(async { "b's" });
        let err = rt.run_until_complete(&task_of_b).unwrap_err();
        assert_eq!(
            kind_of(&err),
            Some(RuntimeErrorKind::OtherRuntime),
            "{flavour}"
        );
        assert_eq!(b.run_until_complete(&task_of_b).unwrap(), "b's");
    }
}

/// Issue 10 item 14 (b): a runtime attached to a current-thread tokio
/// runtime cannot drive it from outside the host's `block_on`: `run` and
/// `run_until_complete` return `CannotDrive` (they used to hang), and
/// `AlreadyRunning` from inside the host's `block_on` (no tokio panic);
/// the refused `main` is never created.
#[test]
fn an_attached_current_thread_runtime_refuses_to_run() {
    let host = current_thread_host();
    let rt = Arc::new(Runtime::from_handle(host.handle().clone()));
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let err = rt
        .run(async move { flag.store(true, Ordering::SeqCst) })
        .unwrap_err();
    assert_eq!(kind_of(&err), Some(RuntimeErrorKind::CannotDrive));
    let task = rt.handle().create_task(async { 3 });
    let err = rt.run_until_complete(&task).unwrap_err();
    assert_eq!(kind_of(&err), Some(RuntimeErrorKind::CannotDrive));
    let (inner, flag) = (rt.clone(), ran.clone());
    let inside = host.block_on(async move {
        let err = inner
            .run(async move { flag.store(true, Ordering::SeqCst) })
            .unwrap_err();
        tokio::time::sleep(Duration::from_millis(2)).await;
        err
    });
    assert_eq!(kind_of(&inside), Some(RuntimeErrorKind::AlreadyRunning));
    // Awaited inside the host's block_on, the task itself runs.
    assert_eq!(host.block_on(task.join()).unwrap(), 3);
    assert!(!ran.load(Ordering::SeqCst), "a refused main ran");
}

/// Issue 10 item 14 (c): awaiting a task of a current-thread runtime nobody
/// runs waits until that runtime runs (as in asyncio); meanwhile `done()`
/// stays false and `cancel()` still answers, and the cancel is delivered
/// once it runs.
#[test]
fn awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it() {
    let a = Runtime::current_thread();
    let b = Runtime::current_thread();
    let ha = a.handle();
    let task_of_b = b.handle().create_task(std::future::pending::<()>());
    let awaited = task_of_b.clone();
    let awaiter = ha.create_task(async move { awaited.await });
    let watched = task_of_b.clone();
    let cancelled = a.run(async move {
        ha.sleep(Duration::from_millis(5)).await;
        assert!(!watched.done());
        watched.cancel()
    });
    assert!(cancelled.unwrap(), "cancel answers though b is not running");
    assert!(!task_of_b.done() && !awaiter.done());
    assert!(b.run_until_complete(&task_of_b).unwrap_err().is_cancelled());
    // The awaiter receives b's cancellation as the value of its await.
    let awaited = a.run_until_complete(&awaiter).unwrap();
    assert!(awaited.unwrap_err().is_cancelled());
}
