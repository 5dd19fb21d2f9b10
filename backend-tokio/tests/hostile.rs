//! Careless or hostile use of the tokio backend (issue 10), on every
//! flavour: each case ends in a clear error or the right answer, never a
//! panic, a hang or a leak.
//!
//! The cases every backend shares live once, in
//! `backend-common-tests/hostile.rs`; this file stamps them on each flavour
//! and keeps what is particular to tokio (background shutdown, attached
//! runtimes).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aiotask_api::{RuntimeErrorKind, RuntimeHandle as _};
use aiotask_tokio::Runtime;

#[macro_use]
#[path = "common/hostile.rs"]
mod common;

use common::{CyclicHandler, kind_of};

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

/// Waits (up to 5 s) until `handler` is let go.
fn wait_dropped(handler: &CyclicHandler) -> bool {
    let t0 = Instant::now();
    while handler.alive() {
        if t0.elapsed() > Duration::from_secs(5) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

// Every flavour `run` can drive, the attached one with its host. A nested
// `run` returns `AlreadyRunning` there without a tokio panic. The runtime is
// `Send + Sync`: task bodies and callbacks on any thread reach it by an `Arc`.
hostile_tests! {
    reenter = Arc<Runtime>, other = Runtime::current_thread();
    current_thread = Runtime::current_thread()
        => [sleep, nested_run, nested_run_until_complete, handler, other_runtime, nobody_runs];
    multi_thread = Runtime::multi_thread(2)
        => [sleep, nested_run, nested_run_until_complete, handler, other_runtime];
    from_runtime = Runtime::from_runtime(current_thread_host())
        => [sleep, nested_run, nested_run_until_complete, other_runtime];
    from_multi_thread_runtime = Runtime::from_runtime(multi_thread_host()) => [handler];
    attached_multi_thread = Runtime::from_handle(host.handle().clone()),
        host host = multi_thread_host()
        => [sleep, nested_run, nested_run_until_complete, other_runtime];
}

/// Issue 10 item 9: the same as the shared
/// [`common::a_handler_holding_its_own_handle_is_dropped_with_the_runtime`]
/// (stamped above on the owned flavours) when the owned runtime is dropped inside async
/// code (tokio shuts down in the background): the handler is let go once
/// the background shutdown has dropped every task.
#[test]
fn a_handler_holding_its_own_handle_is_dropped_after_a_background_shutdown() {
    let host = current_thread_host();
    for rt in [Runtime::current_thread(), Runtime::multi_thread(1)] {
        let handler = CyclicHandler::install(&rt.handle());
        let pending = rt.handle().create_task(std::future::pending::<()>());
        host.block_on(async move { drop(rt) });
        assert!(wait_dropped(&handler), "the handler leaked");
        handler.assert_let_go(&pending, "background shutdown");
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
        let handler = CyclicHandler::install(&h);
        let h2 = h.clone();
        let pending = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
        host.block_on(async { tokio::time::sleep(Duration::from_millis(2)).await });
        drop((h, rt));
        assert!(handler.alive(), "detached: the handler is still in use");
        drop(host);
        handler.assert_let_go(&pending, "attached");
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
