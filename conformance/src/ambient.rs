//! The running loop (issue 11): `RuntimeHandle::try_current()`, asyncio's
//! `get_running_loop()`, found inside tasks, done callbacks and `call_soon`
//! jobs, and nowhere else (ambient rules A1–A3 of `task-core/src/ambient.rs`).

use std::sync::{Arc, Mutex};

use aiotask_api::{Runtime, RuntimeErrorKind, RuntimeHandle, Task};

use crate::support::{Log, TaskOf, run, wait_until};
use crate::{Fixture, Outcome};

type HandleOf<R> = <R as Runtime>::Handle;

/// Inside a task the running loop is this runtime: a task created through
/// it runs here, and this runtime's `run_until_complete` accepts it.
pub fn the_running_loop_is_found_inside_a_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let child = run(fx.runtime(), async move {
        let here = HandleOf::<R>::try_current().expect("a running loop inside a task");
        let child: TaskOf<R, u8> = here.create_named_task("ambient", async { 5 });
        let _ = h.time(); // the fixture's handle, still usable
        let _ = child.join().await;
        child
    });
    assert_eq!(child.result().ok(), Some(5), "the ambient task ran");
    assert_eq!(
        fx.runtime().run_until_complete(&child).ok(),
        Some(5),
        "it belongs to this runtime"
    );
    Outcome::Pass
}

/// Done callbacks and `call_soon` jobs run in the loop too.
pub fn the_running_loop_is_found_in_callbacks_and_jobs<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let spawned: Arc<Mutex<Vec<TaskOf<R, u8>>>> = Arc::default();
    let s = spawned.clone();
    run(fx.runtime(), async move {
        let t: TaskOf<R, u8> = h.create_task(async { 1 });
        let (cb_log, cb_spawned) = (l.clone(), s.clone());
        t.add_done_callback(move |_| match HandleOf::<R>::try_current() {
            Ok(here) => {
                cb_spawned
                    .lock()
                    .unwrap()
                    .push(here.create_task(async { 2 }));
                cb_log.push("callback: found");
            }
            Err(e) => cb_log.push(format!("callback: {e}")),
        });
        let (job_log, job_spawned) = (l.clone(), s.clone());
        h.call_soon(move || match HandleOf::<R>::try_current() {
            Ok(here) => {
                job_spawned
                    .lock()
                    .unwrap()
                    .push(here.create_task(async { 3 }));
                job_log.push("job: found");
            }
            Err(e) => job_log.push(format!("job: {e}")),
        });
        let seen = l.clone();
        wait_until(&h, "the callback and the job ran", move || seen.len() == 2).await;
        let tasks: Vec<_> = s.lock().unwrap().clone();
        for t in tasks {
            let _ = t.join().await;
        }
    });
    let mut seen = log.snapshot();
    seen.sort();
    assert_eq!(
        seen,
        ["callback: found", "job: found"],
        "both found the loop"
    );
    let mut values: Vec<_> = spawned
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.result().ok())
        .collect();
    values.sort();
    assert_eq!(values, [Some(2), Some(3)], "the tasks they created ran");
    Outcome::Pass
}

/// Outside every task and callback there is no running loop: on the
/// thread that owns the runtime, and on any other thread. CPython 3.13:
/// `asyncio.get_running_loop()` outside a coroutine raises
/// `RuntimeError('no running event loop')`.
pub fn no_running_loop_outside<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let _ = fx.runtime().handle();
    let here = HandleOf::<R>::try_current()
        .map(|_| ())
        .map_err(|e| e.kind());
    let there = std::thread::spawn(|| {
        HandleOf::<R>::try_current()
            .map(|_| ())
            .map_err(|e| (e.kind(), e.to_string()))
    })
    .join()
    .expect("the thread ran");
    assert_eq!(
        here,
        Err(RuntimeErrorKind::NoRunningLoop),
        "on the runtime's thread"
    );
    assert_eq!(
        there,
        Err((
            RuntimeErrorKind::NoRunningLoop,
            "no running event loop".to_owned()
        )),
        "on another thread"
    );
    Outcome::Pass
}

/// A body's destructors are its `finally`: they run in the loop, when the
/// body is dropped at a delivered cancel, and when it returns.
pub fn the_running_loop_is_found_in_a_body_s_finally<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    struct Finally<R: Runtime>(Log, &'static str, std::marker::PhantomData<fn() -> R>);
    impl<R: Runtime> Drop for Finally<R> {
        fn drop(&mut self) {
            let found = HandleOf::<R>::try_current().is_ok();
            self.0.push(format!("{}: {found}", self.1));
        }
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l1, l2) = (log.clone(), log.clone());
    let started = Log::new();
    let (s1, s2) = (started.clone(), started.clone());
    run(fx.runtime(), async move {
        let h2 = h.clone();
        let cancelled: TaskOf<R, ()> = h.create_task(async move {
            let _finally = Finally::<R>(l1, "cancelled", std::marker::PhantomData);
            s1.push("started");
            h2.sleep(crate::support::LONG).await;
        });
        let returned: TaskOf<R, ()> = h.create_task(async move {
            let _finally = Finally::<R>(l2, "returned", std::marker::PhantomData);
        });
        wait_until(&h, "the body started", move || s2.len() == 1).await;
        cancelled.cancel();
        let _ = cancelled.join().await;
        let _ = returned.join().await;
    });
    let mut seen = log.snapshot();
    seen.sort();
    assert_eq!(
        seen,
        ["cancelled: true", "returned: true"],
        "both destructors found the loop"
    );
    Outcome::Pass
}
