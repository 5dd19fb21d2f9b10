//! Careless or hostile use of the smol backend (issue 10), on every
//! flavour: each case ends in a clear error or the right answer, never a
//! panic, a hang or a leak.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeErrorKind, RuntimeHandle as _, TaskError};
use aiotask_smol::{Handle, Runtime};

fn kind_of(err: &TaskError) -> Option<RuntimeErrorKind> {
    err.runtime_error().map(|e| e.kind())
}

/// Every flavour, with the executor of the attached one (which nobody else
/// runs: `run` drives it on this thread).
fn flavours() -> Vec<(
    &'static str,
    Runtime,
    Option<Arc<async_executor::Executor<'static>>>,
)> {
    let executor = Arc::new(async_executor::Executor::new());
    let attached = Runtime::from_executor(executor.clone());
    vec![
        ("local", Runtime::local(), None),
        ("multi-thread", Runtime::multi_thread(2), None),
        ("attached", attached, Some(executor)),
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

/// Issue 10 item 6: `sleep(Duration::MAX)` sleeps "practically forever"
/// (no panic on the deadline) and is cancelled like any other sleep.
#[test]
fn sleeping_for_duration_max_is_cancellable_on_every_flavour() {
    for (flavour, rt, _executor) in flavours() {
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

thread_local! {
    /// The runtime under test, reachable from a `Send` task body or callback
    /// that runs on this thread (the runtime itself is not `Send`).
    static RT: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
}

/// Calls `run` on the runtime in [`RT`], with a `main` that sets `flag`.
fn nested_run(flag: Arc<AtomicBool>) -> TaskError {
    let rt = RT
        .with(|rt| rt.borrow().clone())
        .expect("on the runtime's thread");
    rt.run(async move { flag.store(true, Ordering::SeqCst) })
        .unwrap_err()
}

/// Issue 10 item 8: `run` called from inside one of the runtime's own tasks,
/// or one of its callbacks, returns `AlreadyRunning` instead of panicking,
/// before it creates anything: the refused `main` never runs. (On the
/// multi-thread flavour tasks never run on the runtime's thread, and the
/// runtime is not `Send`: no nested call can be made.)
#[test]
fn a_nested_run_is_refused_and_its_main_never_runs() {
    for (flavour, rt, _executor) in flavours() {
        if flavour == "multi-thread" {
            continue;
        }
        let rt = Rc::new(rt);
        RT.with(|slot| *slot.borrow_mut() = Some(rt.clone()));
        let ran = Arc::new(AtomicBool::new(false));
        let from_callback = Arc::new(Mutex::new(None));
        let (flag, flag2, slot) = (ran.clone(), ran.clone(), from_callback.clone());
        let h = rt.handle();
        let refused = rt.run(async move {
            let err = nested_run(flag);
            h.call_soon(move || *slot.lock().unwrap() = Some(nested_run(flag2)));
            for _ in 0..5 {
                h.yield_now().await;
            }
            err
        });
        let refused = refused.unwrap();
        assert_eq!(
            kind_of(&refused),
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
        RT.with(|slot| slot.borrow_mut().take());
    }
}

/// Issue 10 item 8: a nested `run_until_complete` is refused the same way,
/// and adds nothing to the task.
#[test]
fn a_nested_run_until_complete_is_refused() {
    let rt = Rc::new(Runtime::local());
    let other = rt.handle().create_task(async { 7 });
    let (inner, target) = (rt.clone(), other.clone());
    let refusal =
        rt.create_local_task(async move { inner.run_until_complete(&target).unwrap_err() });
    let refused = rt.run_until_complete(&refusal).unwrap();
    assert_eq!(kind_of(&refused), Some(RuntimeErrorKind::AlreadyRunning));
    assert_eq!(rt.run_until_complete(&other).unwrap(), 7);
}

/// Issue 10 item 9: a handler that holds its runtime's own `Handle` is let
/// go when the runtime is dropped (owned flavours) or when its executor is
/// (attached), after the pending task's "destroyed" report reached it.
#[test]
fn a_handler_holding_its_own_handle_is_dropped_with_the_runtime() {
    for (flavour, rt, executor) in flavours() {
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
        if let Some(executor) = executor {
            assert!(
                alive.upgrade().is_some(),
                "detached: the handler is still in use"
            );
            drop(executor);
        }
        assert!(pending.cancelled(), "{flavour}");
        assert_eq!(
            *seen.lock().unwrap(),
            [ReportKind::DestroyedPending],
            "{flavour}"
        );
        assert!(alive.upgrade().is_none(), "{flavour}: the handler leaked");
    }
}

/// Issue 10 item 14 (a): `run_until_complete` of another runtime's task is
/// refused at once with `OtherRuntime` (it used to hang).
#[test]
fn run_until_complete_refuses_a_task_of_another_runtime_on_every_flavour() {
    for (flavour, rt, _executor) in flavours() {
        let b = Runtime::local();
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

/// Issue 10 item 14 (c): awaiting a task of a local runtime nobody runs
/// waits until that runtime runs (as in asyncio); meanwhile `done()` stays
/// false and `cancel()` still answers, and the cancel is delivered once it
/// runs.
#[test]
fn awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it() {
    let a = Runtime::local();
    let b = Runtime::local();
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
