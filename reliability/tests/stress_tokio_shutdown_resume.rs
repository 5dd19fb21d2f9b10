//! A finding of the stress runs on the tokio backend, multi-thread flavour.
//!
//! Problem: dropping a multi-thread runtime does not always end its pending
//! tasks cancelled. A task that awaits another pending task can resume
//! during the drop, run the rest of its body and end *finished*. It is then
//! not reported "destroyed but pending", and its body ran after the drop
//! began.
//!
//! How it happens. `Drop for aiotask_tokio::Runtime` drops the tokio runtime,
//! and tokio's multi-thread shutdown drops the tasks from several workers
//! while the other workers may still poll tasks from their queues. When the
//! awaited task (a *blocker*) is destroyed first, `destroy_pending` ends it
//! cancelled and wakes its awaiters. An awaiter that a worker still polls
//! sees `Err(Cancelled)` from its await and goes on. asyncio never runs a
//! task step after the loop is closed, and the aiotask contract says that
//! every task still pending when the runtime is dropped ends cancelled.
//!
//! Fixed: `Drop for aiotask_tokio::Runtime` marks its environment closing
//! (`HostedServices::begin_close`) before tokio shuts down; from then on
//! `Hosted::poll` destroys a task instead of stepping it, and a step a
//! worker had already begun does not resume past an await of a task that
//! ended on its closing runtime (`Join::poll`). Before the fix this
//! scenario (50 runtimes, 5,000 awaiters each, many still starting when the
//! drop begins) saw 1 to 18 awaiters finish.
//!
//! `Join::poll` asks about the closing runtime under the awaited task's
//! lock, once it sees that task done: asked before it looked (a window in
//! which the drop could begin and end the task), 1 to 5 awaiters per 50
//! runtimes resumed in 18 of 60 runs. The test drops 200 runtimes, so that
//! such a window shows in most runs.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aiotask_api::{ExceptionContext, RuntimeHandle as _};

#[test]
fn every_pending_awaiter_ends_cancelled_when_the_runtime_is_dropped() {
    let (mut resumed, mut finished) = (0, 0);
    for _ in 0..200 {
        let rt = aiotask_tokio::Runtime::multi_thread(4);
        let h = rt.handle();
        h.set_exception_handler(Some(Arc::new(|_: &ExceptionContext| {})));
        let after_await = Arc::new(AtomicU64::new(0));
        let blockers: Vec<_> = (0..10)
            .map(|_| h.create_task(std::future::pending::<()>()))
            .collect();
        let awaiters: Vec<_> = (0..5_000)
            .map(|i| {
                let (blocker, after) = (blockers[i % blockers.len()].clone(), after_await.clone());
                h.create_task(async move {
                    let _ = blocker.await;
                    after.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let h2 = h.clone();
        rt.run(async move { h2.yield_now().await }).unwrap();
        drop(h);
        drop(rt);
        resumed += after_await.load(Ordering::SeqCst);
        finished += awaiters.iter().filter(|t| !t.cancelled()).count();
    }
    assert_eq!(
        (resumed, finished),
        (0, 0),
        "awaiters that ran on after the runtime drop began, and that ended finished"
    );
}
