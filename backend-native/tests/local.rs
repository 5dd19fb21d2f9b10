//! `!Send` futures, and running a loop from inside itself.

use std::cell::RefCell;
use std::rc::Rc;

use aiotask_native::{Runtime, spawn_local};

#[test]
fn local_tasks_may_hold_non_send_state() {
    let rt = Runtime::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let out = rt.run(async move {
        let l2 = l.clone();
        let child = spawn_local(async move {
            l2.borrow_mut().push("child");
            5
        });
        l.borrow_mut().push("parent");
        child.await.unwrap()
    });
    assert_eq!(out.unwrap(), 5);
    assert_eq!(*log.borrow(), ["parent", "child"]);
}

/// Issue 10 item 8: a nested `run` is a returned `AlreadyRunning` error
/// (asyncio's `RuntimeError`), not a panic that fails the calling task.
#[test]
fn running_the_loop_from_its_own_task_is_refused() {
    let rt = Rc::new(Runtime::new());
    let inner = rt.clone();
    let task = rt.create_local_task(async move { inner.run(async { 1 }).unwrap_err() });
    let err = rt.run_until_complete(&task).unwrap();
    assert_eq!(
        err.runtime_error().map(|e| e.kind()),
        Some(aiotask_api::RuntimeErrorKind::AlreadyRunning)
    );
    assert_eq!(
        err.to_string(),
        "runtime error: This event loop is already running"
    );
}

#[test]
#[should_panic(expected = "outside a running native loop")]
fn spawn_local_needs_a_running_loop() {
    let _ = spawn_local(async {});
}
