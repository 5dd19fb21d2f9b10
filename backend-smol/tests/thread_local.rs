//! A local smol runtime kept in a `thread_local!` (the smol side of issue
//! 10 item 7). Its own file: before the fix, the thread's exit aborted the
//! whole process.

use std::cell::RefCell;
use std::sync::mpsc;
use std::time::Duration;

use aiotask_api::RuntimeHandle as _;
use aiotask_smol::{Runtime, Task};

thread_local! {
    static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Issue 10 item 7 (smol local): a thread stores a runtime with a pending
/// and a sleeping task in a `thread_local!` and exits. The runtime is
/// dropped while the thread's locals are destroyed, after the executor
/// registry (`RT` is touched first, so its destructor runs last): the exit
/// must not abort, and both tasks end cancelled.
#[test]
fn a_local_runtime_in_a_thread_local_is_dropped_at_thread_exit() {
    let (tx, rx) = mpsc::channel::<(Task<()>, Task<()>)>();
    let thread = std::thread::spawn(move || {
        RT.with(|slot| *slot.borrow_mut() = Some(Runtime::local()));
        RT.with(|slot| {
            let slot = slot.borrow();
            let rt = slot.as_ref().unwrap();
            let h = rt.handle();
            h.set_exception_handler(Some(std::sync::Arc::new(|_: &_| {})));
            let h2 = h.clone();
            let sleeping = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
            let h3 = h.clone();
            rt.run(async move { h3.sleep(Duration::from_millis(1)).await })
                .unwrap();
            let pending = h.create_task(std::future::pending::<()>());
            tx.send((pending, sleeping)).unwrap();
        });
    });
    thread
        .join()
        .expect("the thread exits without a panic or an abort");
    let (pending, sleeping) = rx.recv().unwrap();
    assert!(pending.done() && pending.cancelled());
    assert!(sleeping.done() && sleeping.cancelled());
}
