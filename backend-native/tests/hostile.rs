//! Careless or hostile use of the native runtime (issue 10): every case ends
//! in a clear error or the right answer, never an abort, a hang, a leak or a
//! `!Send` future dropped on the wrong thread.
//!
//! The cases every backend shares live once, in
//! `backend-common-tests/hostile.rs`; this file stamps them and keeps what is
//! particular to native (the loop's thread and `!Send` bodies).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _, TaskError};
use aiotask_native::{Runtime, Task, spawn_local};

#[macro_use]
#[path = "common/hostile.rs"]
mod common;

// The native runtime is not `Send`; its tasks and callbacks run on the
// loop's thread, the test's own.
hostile_tests! {
    reenter = common::OnThisThread, other = Runtime::new();
    native = Runtime::new()
        => [nested_run, nested_run_until_complete, handler, other_runtime, nobody_runs];
}

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
/// and is cancelled like any other sleep, from the loop (the shared
/// [`common::sleeping_for_duration_max_is_cancellable`]) or another thread.
#[test]
fn sleeping_for_duration_max_is_cancellable_and_never_panics() {
    let rt = Runtime::new();
    common::sleeping_for_duration_max_is_cancellable(&rt, "native");

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
