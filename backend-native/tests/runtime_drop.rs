//! Dropping a runtime ends every pending task: reported, cancelled, futures dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _};
use aiotask_native::Runtime;

struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn capture(h: &aiotask_native::Handle) -> Arc<Mutex<Vec<ReportKind>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
        sink.lock().unwrap().push(ctx.kind())
    })));
    seen
}

#[test]
fn pending_tasks_are_destroyed_reported_and_cancelled() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let h = rt.handle();
    let seen = capture(&h);
    let mut handles = Vec::new();
    for _ in 0..3 {
        let guard = CountDrop(drops.clone());
        let h2 = h.clone();
        handles.push(h.create_task(async move {
            let _guard = guard;
            h2.sleep(Duration::from_secs(3600)).await;
        }));
    }
    rt.run(async {}).unwrap();
    // Never started at all: created after the loop last ran.
    let guard = CountDrop(drops.clone());
    handles.push(h.create_task(async move { drop(guard) }));
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 4, "every future was dropped");
    assert_eq!(*seen.lock().unwrap(), vec![ReportKind::DestroyedPending; 4]);
    for t in &handles {
        assert!(t.done() && t.cancelled());
        assert!(t.result().unwrap_err().is_cancelled());
    }
}

#[test]
fn awaiting_a_task_of_a_dropped_runtime_does_not_hang() {
    let first = Runtime::new();
    let h1 = first.handle();
    let orphan = h1.create_task({
        let h1 = h1.clone();
        async move { h1.sleep(Duration::from_secs(3600)).await }
    });
    first.run(async {}).unwrap();
    let _ = capture(&h1);
    drop(first);
    let second = Runtime::new();
    let out = second.run(async move { orphan.await }).unwrap();
    assert!(out.unwrap_err().is_cancelled());
}

/// The drop resets the exception handler (issue 10 item 9: a handler that
/// holds the runtime's handle must not keep it alive), so a handler that
/// should see reports made afterwards is set after the drop.
#[test]
fn creating_a_task_after_the_runtime_is_gone_ends_it_at_once() {
    let rt = Runtime::new();
    let h = rt.handle();
    drop(rt);
    let seen = capture(&h);
    let t = h.create_task(async { 1 });
    assert!(t.cancelled());
    assert_eq!(*seen.lock().unwrap(), vec![ReportKind::DestroyedPending]);
}
