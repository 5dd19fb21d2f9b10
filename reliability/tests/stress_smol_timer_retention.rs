//! A finding of the stress runs on the smol backend, reduced to one task.
//!
//! Problem: after an owned smol runtime is dropped, async-io's process-wide
//! reactor can keep tasks of that runtime alive, and through them the
//! runtime's environment with its exception handler.
//!
//! How it happens. The smol backend's `sleep` is an `async_io::Timer`,
//! polled with the task's own waker, and that waker holds the task's cell.
//! A dropped timer is not taken out of async-io's timer map at once: the
//! removal is queued (up to 1,000 of them) for the reactor's next turn, and
//! until then the map keeps the waker. Here the runtime is dropped while the
//! task sleeps. Its timer is dropped with it, while no thread is inside
//! `block_on`, and async-io's driver thread is parked in the reactor until
//! the next timer deadline, the dropped timer's own one, an hour away. So
//! for an hour, or until something else in the process uses async-io, the
//! task's cell, the runtime's callback queue and reporter, and the exception
//! handler (with whatever it captured) stay allocated. For a failed task,
//! "Task exception was never retrieved" is delayed the same way.
//!
//! `aiotask_reliability::stress` therefore runs a 1 ms sleep on a fresh
//! runtime (which makes the reactor take a turn) before it counts reports
//! or reads the heap.
//!
//! The test is ignored so that CI stays green. Run it with
//! `cargo test -p aiotask-reliability --test stress_smol_timer_retention -- --ignored`.
//! One possible fix, in the backend: poll the timer with a waker that
//! holds the cell weakly.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aiotask_api::{ExceptionContext, RuntimeHandle as _};

#[test]
#[ignore = "smol backend: async-io's reactor keeps a dropped runtime's sleeping task (and its exception handler) alive"]
fn dropping_the_runtime_releases_its_sleeping_tasks() {
    let captured = Arc::new(());
    let rt = aiotask_smol::Runtime::local();
    let h = rt.handle();
    let held = captured.clone();
    h.set_exception_handler(Some(Arc::new(move |_: &ExceptionContext| {
        let _ = &held;
    })));
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
    })
    .unwrap();
    // Let async-io's driver thread park in its reactor (nothing runs it now).
    std::thread::sleep(Duration::from_millis(50));
    drop(h);
    drop(rt);
    assert!(
        task.done() && task.cancelled(),
        "the task ended with the runtime"
    );
    drop(task);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "the runtime, its task and every handle are gone, but the exception handler \
         is still alive: async-io's timer map holds the task's waker"
    );
}
