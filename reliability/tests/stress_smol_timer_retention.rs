//! Regression tests for a finding of the stress runs on the smol backend:
//! after an owned smol runtime is dropped, async-io's process-wide reactor
//! must not keep that runtime's tasks alive, nor through them the runtime's
//! environment with its exception handler.
//!
//! How it happened. The smol backend's `sleep` was a bare `async_io::Timer`,
//! polled with the task's own waker, and that waker holds the task's cell.
//! A dropped timer is not taken out of async-io's timer map at once: the
//! removal is queued (up to 1,000 of them) for the reactor's next turn, and
//! until then the map keeps the waker. When the runtime is dropped while a
//! task sleeps, its timer is dropped with it, while no thread is inside
//! `block_on`, and async-io's driver thread is parked in the reactor until
//! the next timer deadline, the dropped timer's own one, an hour away. So
//! for an hour, or until something else in the process used async-io, the
//! task's cell, the runtime's callback queue and reporter, and the exception
//! handler (with whatever it captured) stayed allocated, and a failed task's
//! "Task exception was never retrieved" report was delayed the same way.
//!
//! The fix, in the backend: `sleep` waits on `aiotask_smol::DetachedTimer`,
//! which polls the async-io timer with a small waker of its own that
//! forwards to the task's waker and forgets it when the sleep is dropped.
//! The reactor may still hold that small waker until its next turn, but it
//! no longer reaches the task.
//!
//! Every check below runs right after the drops, with no settling step: the
//! reactor is given no turn (its driver thread is left parked first, and the
//! tests run one at a time, so no other test's runtime turns it meanwhile).
//! With `sleep` back on a bare `async_io::Timer`, every test here fails.
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _};

/// Serialises the tests: another test's runtime would drive async-io's
/// reactor and could hide a retention.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lets async-io's driver thread settle into its reactor, parked until the
/// next deadline (an hour away), so that nothing turns the reactor before
/// the checks.
fn let_the_driver_park() {
    std::thread::sleep(Duration::from_millis(50));
}

/// Counts "never retrieved" reports; holds `captured` as any handler's
/// captured state would.
fn handler(
    captured: &Arc<()>,
    never_retrieved: &Arc<AtomicUsize>,
) -> aiotask_api::ExceptionHandler {
    let (held, count) = (captured.clone(), never_retrieved.clone());
    Arc::new(move |ctx: &ExceptionContext| {
        let _ = &held;
        if ctx.kind() == ReportKind::NeverRetrieved {
            count.fetch_add(1, Ordering::SeqCst);
        }
    })
}

/// A task sleeping for an hour when its runtime is dropped: the runtime's
/// exception handler is released by the drop itself.
fn sleeping_task_is_released_with_its_runtime(rt: aiotask_smol::Runtime) {
    let captured = Arc::new(());
    let never_retrieved = Arc::new(AtomicUsize::new(0));
    let h = rt.handle();
    h.set_exception_handler(Some(handler(&captured, &never_retrieved)));
    let asleep = Arc::new(AtomicUsize::new(0));
    let (h2, flag) = (h.clone(), asleep.clone());
    let task = h.create_task(async move {
        flag.store(1, Ordering::SeqCst);
        h2.sleep(Duration::from_secs(3600)).await;
    });
    let h3 = h.clone();
    rt.run(async move {
        while asleep.load(Ordering::SeqCst) == 0 {
            h3.yield_now().await;
        }
        // One more tick: the sleeper has registered its timer by now.
        h3.yield_now().await;
    })
    .unwrap();
    let_the_driver_park();
    drop(h);
    drop(rt);
    assert!(
        task.done() && task.cancelled(),
        "the task ended with the runtime"
    );
    drop(task);
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "the runtime, its task and every handle are gone, but the exception handler \
         is still alive: async-io's timer map holds the task's waker"
    );
    assert_eq!(never_retrieved.load(Ordering::SeqCst), 0);
}

#[test]
fn dropping_a_local_runtime_releases_its_sleeping_tasks() {
    let _serial = one_at_a_time();
    sleeping_task_is_released_with_its_runtime(aiotask_smol::Runtime::local());
}

#[test]
fn dropping_a_multi_thread_runtime_releases_its_sleeping_tasks() {
    let _serial = one_at_a_time();
    sleeping_task_is_released_with_its_runtime(aiotask_smol::Runtime::multi_thread(2));
}

/// A waker that holds whatever it is given, as a task's waker holds the
/// task.
struct Holding<T> {
    _held: T,
}

impl<T: Send + Sync + 'static> Wake for Holding<T> {
    fn wake(self: Arc<Self>) {}
}

/// A failed task whose exception nobody retrieved is reported "never
/// retrieved" when its last reference goes. Here that reference is held by
/// the waker a pending `sleep` was polled with, as a task's own waker holds
/// its cell: dropping the sleep must drop every reference to that waker at
/// once, so the report comes right after the drops.
///
/// The sleep is polled by hand, outside any `block_on`: a thread inside
/// `block_on` turns async-io's reactor whenever it is woken and finds the
/// reactor free, which would hide a retention.
#[test]
fn a_dropped_sleep_releases_its_waker_at_once() {
    let _serial = one_at_a_time();
    let captured = Arc::new(());
    let never_retrieved = Arc::new(AtomicUsize::new(0));
    let rt = aiotask_smol::Runtime::local();
    let h = rt.handle();
    h.set_exception_handler(Some(handler(&captured, &never_retrieved)));
    let failed = h.create_try_task(async { Err::<(), _>(std::fmt::Error) });
    let watched = failed.clone();
    // Not `run_until_complete(&failed)`, whose `result()` would retrieve it.
    let h2 = h.clone();
    rt.run(async move {
        while !watched.done() {
            h2.yield_now().await;
        }
    })
    .unwrap();
    assert!(failed.done() && !failed.cancelled());
    let waker = Waker::from(Arc::new(Holding { _held: failed }));
    let mut sleep = Box::pin(h.sleep(Duration::from_secs(3600)));
    assert!(
        sleep
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    drop(waker);
    let_the_driver_park();
    drop(sleep);
    drop(h);
    drop(rt);
    assert_eq!(
        never_retrieved.load(Ordering::SeqCst),
        1,
        "the failed task's handle was held only by a dropped sleep's waker, but \"Task \
         exception was never retrieved\" was not reported: async-io's timer map holds \
         that waker"
    );
    assert_eq!(Arc::strong_count(&captured), 1, "the handler was released");
}
