//! What is particular to each smol flavour: the local executor fed from
//! other threads, tasks that are not `Send`, an executor the user owns.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _};
use aiotask_smol::{Flavour, Runtime};

#[test]
fn local_tasks_created_on_other_threads_run_on_the_runtime_thread() {
    let rt = Runtime::local();
    let h = rt.handle();
    let me = std::thread::current().id();
    let out = rt.run(async move {
        let h2 = h.clone();
        let remote = std::thread::spawn(move || {
            (0..3)
                .map(|i| h2.create_task(async move { (i, std::thread::current().id()) }))
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        let mut seen = Vec::new();
        for t in remote {
            seen.push(t.await.unwrap());
        }
        seen
    });
    let seen = out.unwrap();
    assert_eq!(seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(seen.iter().all(|(_, thread)| *thread == me));
}

#[test]
fn local_tasks_may_hold_values_that_are_not_send() {
    let rt = Runtime::local();
    let shared = Rc::new(std::cell::Cell::new(1));
    let s = shared.clone();
    let h = rt.handle();
    let t = rt.create_local_task(async move {
        h.sleep(Duration::from_millis(1)).await;
        s.set(s.get() + 1);
        s.get()
    });
    assert_eq!(rt.run_until_complete(&t).unwrap(), 2);
    assert_eq!(shared.get(), 2);
}

#[test]
#[should_panic(expected = "needs the local flavour")]
fn local_tasks_need_the_local_flavour() {
    let rt = Runtime::multi_thread(1);
    let _ = rt.create_local_task(async {});
}

#[test]
fn tasks_start_in_creation_order_on_the_local_flavour() {
    let rt = Runtime::local();
    let h = rt.handle();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    rt.run(async move {
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let l = l.clone();
                h.create_task(async move { l.lock().unwrap().push(i) })
            })
            .collect();
        l.lock().unwrap().push(99); // the creator runs on until it suspends
        for t in tasks {
            t.await.unwrap();
        }
    })
    .unwrap();
    assert_eq!(*log.lock().unwrap(), [99, 0, 1, 2, 3, 4]);
}

#[test]
fn attached_executor_driven_by_user_threads_and_by_run() {
    let executor = Arc::new(async_executor::Executor::new());
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let stop_rx = Arc::new(Mutex::new(stop_rx));
    // A user thread runs the executor until told to stop.
    let ex = executor.clone();
    let user = std::thread::spawn(move || {
        async_io::block_on(ex.run(async {
            while stop_rx.lock().unwrap().try_recv().is_err() {
                async_io::Timer::after(Duration::from_millis(1)).await;
            }
        }))
    });
    let rt = Runtime::from_executor(executor.clone());
    assert_eq!(rt.flavour(), Flavour::Attached);
    let h = rt.handle();
    let t = h.create_task(async { 21 * 2 });
    assert_eq!(rt.run_until_complete(&t).unwrap(), 42);

    // Dropping the attached runtime detaches: tasks run on.
    let h2 = h.clone();
    let later = h.create_task(async move {
        h2.sleep(Duration::from_millis(5)).await;
        "ran after the runtime was dropped"
    });
    drop(rt);
    for _ in 0..2000 {
        if later.done() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(later.result().unwrap(), "ran after the runtime was dropped");
    stop_tx.send(()).unwrap();
    user.join().unwrap();

    // Dropping the executor itself destroys what is still pending.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
        sink.lock().unwrap().push(ctx.kind())
    })));
    let stuck = h.create_task(std::future::pending::<()>());
    drop(executor);
    assert!(stuck.cancelled());
    assert_eq!(*seen.lock().unwrap(), [ReportKind::DestroyedPending]);
}

/// Issue 10 item 8: a nested `run` is a returned `AlreadyRunning` error,
/// not a panic (more in `tests/hostile.rs`).
#[test]
fn nested_run_on_the_local_flavour_is_refused() {
    let rt = Rc::new(Runtime::local());
    let inner = rt.clone();
    // The runtime is not Send: reach it from inside a local task.
    let t = rt.create_local_task(async move { inner.run(async {}).unwrap_err() });
    let err = rt.run_until_complete(&t).unwrap();
    assert_eq!(
        err.runtime_error().map(|e| e.kind()),
        Some(aiotask_api::RuntimeErrorKind::AlreadyRunning)
    );
}
