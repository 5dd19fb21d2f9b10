//! Careless or hostile use of the native runtime (issue 10): every case ends
//! in a clear error or the right answer, never an abort, a hang, a leak or a
//! `!Send` future dropped on the wrong thread.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeErrorKind, RuntimeHandle as _, TaskError};
use aiotask_native::{Runtime, Task, spawn_local};

/// A panic payload whose own `Drop` panics: what escapes a plain `catch_unwind`.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("payload drop")
    }
}

/// A `!Send` guard that records the thread it is dropped on.
struct RecordsThread {
    _not_send: Rc<()>,
    slot: &'static Mutex<Option<ThreadId>>,
}

impl Drop for RecordsThread {
    fn drop(&mut self) {
        *self.slot.lock().unwrap() = Some(thread::current().id());
    }
}

/// A waker that panics (with a [`PanicsOnDrop`] payload) when woken.
struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        std::panic::panic_any(PanicsOnDrop)
    }
}

fn kind_of(err: &TaskError) -> Option<RuntimeErrorKind> {
    err.runtime_error().map(|e| e.kind())
}

/// Runs the loop one `run` of `ticks` bare yields long.
fn ticks(rt: &Runtime, ticks: usize) {
    let h = rt.handle();
    rt.run(async move {
        for _ in 0..ticks {
            h.yield_now().await;
        }
    })
    .unwrap();
}

/// The shape of issue 10 item 3: a sleeper, and a `spawn_local` task made in
/// a done callback (never started, its `!Send` body still whole), stashed in
/// a static. Returns the runtime, after the main task ran.
fn loop_with_a_stashed_local_task(
    stash: &'static Mutex<Option<Task<()>>>,
    dropped_on: &'static Mutex<Option<ThreadId>>,
) -> Runtime {
    let rt = Runtime::new();
    let h = rt.handle();
    let h2 = h.clone();
    let sleeper = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
    drop(sleeper);
    let main = h.create_task(async {});
    main.add_done_callback(move |_: &Task<()>| {
        let guard = RecordsThread {
            _not_send: Rc::new(()),
            slot: dropped_on,
        };
        *stash.lock().unwrap() = Some(spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    });
    rt.run_until_complete(&main).unwrap();
    rt
}

/// Checks the stashed task ended on its owner thread, then drops its last
/// handle on another thread (which must drop no future).
fn assert_ended_on(
    owner: ThreadId,
    stash: &'static Mutex<Option<Task<()>>>,
    dropped_on: &'static Mutex<Option<ThreadId>>,
) {
    let b = stash
        .lock()
        .unwrap()
        .take()
        .expect("the callback stashed it");
    assert!(b.done(), "the runtime's drop ended the local task");
    assert!(b.cancelled());
    assert_eq!(
        *dropped_on.lock().unwrap(),
        Some(owner),
        "body dropped on its thread"
    );
    *dropped_on.lock().unwrap() = None;
    thread::spawn(move || drop(b)).join().unwrap();
    assert_eq!(
        *dropped_on.lock().unwrap(),
        None,
        "nothing dropped elsewhere"
    );
}

/// Issue 10 item 3: an exception handler that panics with a payload whose
/// `Drop` panics too, during the runtime's drop, must not stop the drop from
/// ending every task on the loop's thread (rule 4 of `cell.rs`): the `!Send`
/// body of a never-started `spawn_local` task is dropped there, not later
/// on the thread that drops its last handle.
#[test]
fn a_panicking_report_during_drop_still_ends_every_task_on_its_thread() {
    static STASH: Mutex<Option<Task<()>>> = Mutex::new(None);
    static DROPPED_ON: Mutex<Option<ThreadId>> = Mutex::new(None);
    let owner = thread::current().id();
    let rt = loop_with_a_stashed_local_task(&STASH, &DROPPED_ON);
    rt.handle()
        .set_exception_handler(Some(Arc::new(|_: &ExceptionContext| {
            std::panic::panic_any(PanicsOnDrop)
        })));
    let _ = catch_unwind(AssertUnwindSafe(|| drop(rt)));
    assert_ended_on(owner, &STASH, &DROPPED_ON);
}

/// Issue 10 item 3, without the reporter: the sleeper is awaited from
/// outside the loop through a waker that panics when the drop wakes it.
/// That panic (and its payload's) is contained per task; the local task is
/// still ended on its thread, and both reports are made.
#[test]
fn a_panicking_awaiter_waker_during_drop_still_ends_every_task_on_its_thread() {
    static STASH: Mutex<Option<Task<()>>> = Mutex::new(None);
    static DROPPED_ON: Mutex<Option<ThreadId>> = Mutex::new(None);
    let owner = thread::current().id();
    let rt = Runtime::new();
    let h = rt.handle();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
        sink.lock().unwrap().push(ctx.kind())
    })));
    let h2 = h.clone();
    let sleeper = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
    let main = h.create_task(async {});
    main.add_done_callback(|_: &Task<()>| {
        let guard = RecordsThread {
            _not_send: Rc::new(()),
            slot: &DROPPED_ON,
        };
        *STASH.lock().unwrap() = Some(spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    });
    rt.run_until_complete(&main).unwrap();
    let waker = Waker::from(Arc::new(PanickingWaker));
    let mut join: Pin<Box<dyn Future<Output = Result<(), TaskError>>>> = Box::pin(sleeper.join());
    assert!(
        join.as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    let _ = catch_unwind(AssertUnwindSafe(|| drop(rt)));
    assert!(sleeper.cancelled());
    assert_ended_on(owner, &STASH, &DROPPED_ON);
    assert_eq!(*seen.lock().unwrap(), [ReportKind::DestroyedPending; 2]);
    drop(join);
}

/// Issue 10 item 6: `sleep(Duration::MAX)` (no representable deadline)
/// sleeps "practically forever" instead of panicking on `Instant + Duration`,
/// and is cancelled like any other sleep, from the loop or another thread.
#[test]
fn sleeping_for_duration_max_is_cancellable_and_never_panics() {
    let rt = Runtime::new();
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move { h2.sleep(Duration::MAX).await });
        let h3 = h.clone();
        let long = h.create_task(async move { h3.sleep(Duration::from_secs(u64::MAX / 4)).await });
        h.sleep(Duration::from_millis(5)).await;
        assert!(!sleeper.done() && !long.done());
        assert!(sleeper.cancel() && long.cancel());
        (sleeper.await, long.await)
    });
    let (sleeper, long) = out.unwrap();
    assert!(sleeper.unwrap_err().is_cancelled());
    assert!(long.unwrap_err().is_cancelled());

    // Nothing else to do: the loop parks with no timer armed, and a cancel
    // from another thread still wakes it.
    let h = rt.handle();
    let h2 = h.clone();
    let sleeper = h.create_task(async move { h2.sleep(Duration::MAX).await });
    let remote = sleeper.clone();
    let canceller = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        remote.cancel_with("enough")
    });
    let err = rt.run_until_complete(&sleeper).unwrap_err();
    assert!(canceller.join().unwrap());
    assert_eq!(err.cancelled().unwrap().message(), Some("enough"));
}

/// Issue 10 item 8: `run` called from inside one of the loop's own tasks is
/// refused with `AlreadyRunning` before it creates anything: the refused
/// `main` never runs, however long the loop goes on.
#[test]
fn a_nested_run_is_refused_and_its_main_never_runs() {
    let rt = Rc::new(Runtime::new());
    let inner = rt.clone();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let h = rt.handle();
    let refused = rt.run(async move {
        let err = inner
            .run(async move { flag.store(true, Ordering::SeqCst) })
            .unwrap_err();
        for _ in 0..5 {
            h.yield_now().await;
        }
        err
    });
    assert_eq!(
        kind_of(&refused.unwrap()),
        Some(RuntimeErrorKind::AlreadyRunning)
    );
    ticks(&rt, 5);
    assert!(!ran.load(Ordering::SeqCst), "the refused main never ran");
}

/// Issue 10 item 8: a nested `run_until_complete` is refused the same way,
/// and adds nothing to the task (which completes normally afterwards).
#[test]
fn a_nested_run_until_complete_is_refused() {
    let rt = Rc::new(Runtime::new());
    let h = rt.handle();
    let other = h.create_task(async { 7 });
    let inner = rt.clone();
    let target = other.clone();
    let refused = rt.run(async move { inner.run_until_complete(&target).unwrap_err() });
    assert_eq!(
        kind_of(&refused.unwrap()),
        Some(RuntimeErrorKind::AlreadyRunning)
    );
    assert_eq!(rt.run_until_complete(&other).unwrap(), 7);
}

/// Issue 10 item 9: a handler that holds its runtime's own `Handle` no
/// longer keeps the runtime alive: once the drop ended every task (whose
/// "destroyed" reports still reach the handler), the handler is dropped.
#[test]
fn a_handler_holding_its_own_handle_is_dropped_with_the_runtime() {
    let rt = Runtime::new();
    let h = rt.handle();
    let token = Arc::new(());
    let alive = Arc::downgrade(&token);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let own = h.clone();
    h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
        let _ = (&own, &token);
        sink.lock().unwrap().push(ctx.kind())
    })));
    let h2 = h.clone();
    let pending = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
    ticks(&rt, 1);
    drop(h);
    drop(rt);
    assert!(pending.cancelled());
    assert_eq!(*seen.lock().unwrap(), [ReportKind::DestroyedPending]);
    assert!(
        alive.upgrade().is_none(),
        "the handler (and its handle) was dropped"
    );
}

/// Issue 10 item 14 (a): `run_until_complete` of another runtime's task is
/// refused at once with `OtherRuntime`, and leaves that task to its own loop.
#[test]
fn run_until_complete_refuses_a_task_of_another_runtime() {
    let a = Runtime::new();
    let b = Runtime::new();
    let task_of_b = b.handle().create_task(async { "b's" });
    let err = a.run_until_complete(&task_of_b).unwrap_err();
    assert_eq!(kind_of(&err), Some(RuntimeErrorKind::OtherRuntime));
    assert!(!task_of_b.done());
    assert_eq!(b.run_until_complete(&task_of_b).unwrap(), "b's");
}

/// Issue 10 item 14 (c): awaiting a task of a runtime nobody runs waits
/// until that runtime runs (as in asyncio); meanwhile `done()` stays false
/// and `cancel()` still answers, and the cancel is delivered once it runs.
#[test]
fn awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it() {
    let a = Runtime::new();
    let b = Runtime::new();
    let ha = a.handle();
    let task_of_b = b.handle().create_task(std::future::pending::<()>());
    let awaited = task_of_b.clone();
    let awaiter = ha.create_task(async move { awaited.await });
    let watched = task_of_b.clone();
    let cancelled = a.run(async move {
        for _ in 0..5 {
            ha.yield_now().await;
        }
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
