//! asyncio's loop rules that a single-thread FIFO flavour keeps, generic
//! over [`aiotask_api::Runtime`]: written once, run by every hosted backend.
//!
//! `tests/common` in each backend is a symbolic link to this directory, so
//! that the backend's published package carries this file (`cargo package
//! --list` follows the link).
//!
//! A backend's `tests/ticks.rs` includes this file as its `common` module
//! and instantiates the tests with its single-thread constructor:
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/ticks.rs"]
//! mod common;
//!
//! hosted_ticks!(Runtime::current_thread());
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aiotask_api::{Runtime, RuntimeHandle as _};

/// `run_until_complete` stops at the end of the step that ran the task's
/// done callbacks: a busy background task does not run on meanwhile, and
/// resumes at the next run.
pub fn run_stops_when_the_main_task_is_done<R: Runtime>(rt: R) {
    let h = rt.handle();
    let steps = Arc::new(AtomicUsize::new(0));
    let (s, h2) = (steps.clone(), h.clone());
    let _busy = h.create_task(async move {
        loop {
            s.fetch_add(1, Ordering::SeqCst);
            h2.yield_now().await;
        }
    });
    let (s, h3) = (steps.clone(), h.clone());
    let at_end = rt
        .run(async move {
            for _ in 0..3 {
                h3.yield_now().await;
            }
            s.load(Ordering::SeqCst)
        })
        .unwrap();
    let after = steps.load(Ordering::SeqCst);
    // CPython 3.13 prints "4 5" for this program: one more step in the
    // stopping tick at most.
    assert_eq!(at_end, 4);
    assert!(
        after - at_end <= 1,
        "the background task ran on: {at_end} then {after}"
    );
    // Not running: nothing moves.
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(steps.load(Ordering::SeqCst), after);
    // The next run resumes it.
    let (s, h4) = (steps.clone(), h.clone());
    let resumed = rt
        .run(async move {
            h4.yield_now().await;
            h4.yield_now().await;
            s.load(Ordering::SeqCst)
        })
        .unwrap();
    assert!(resumed > after);
}

/// Tasks created before the loop runs start in creation order, before
/// tasks they create.
pub fn tasks_created_before_run_start_in_creation_order<R: Runtime>(rt: R) {
    let h = rt.handle();
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (l, h2) = (log.clone(), h.clone());
            h.create_task(async move {
                l.lock().unwrap().push(format!("t{i}"));
                let l2 = l.clone();
                let child = h2.create_task(async move { l2.lock().unwrap().push(format!("c{i}")) });
                child.await.unwrap();
            })
        })
        .collect();
    rt.run(async move {
        for t in tasks {
            t.await.unwrap();
        }
    })
    .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["t0", "t1", "t2", "t3", "c0", "c1", "c2", "c3"]
    );
}

/// Both tests on runtimes built by `$make` (a single-thread FIFO flavour).
macro_rules! hosted_ticks {
    ($make:expr $(,)?) => {
        #[test]
        fn run_stops_when_the_main_task_is_done() {
            $crate::common::run_stops_when_the_main_task_is_done($make);
        }

        #[test]
        fn tasks_created_before_run_start_in_creation_order() {
            $crate::common::tasks_created_before_run_start_in_creation_order($make);
        }
    };
}
