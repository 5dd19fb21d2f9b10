//! A task's done list on its way through the loop: callbacks and awaiter
//! wake-ups in the order they were added (spec §1.15), run from one
//! `call_soon` job.
//!
//! # Rules
//!
//! * **D1. FIFO, awaiters in place.** Entries run in the order added. At an
//!   awaiter, the loop resumes it in place ([`Env::wake_inline`](crate::backend::Env::wake_inline))
//!   and the rest of the list follows it: asyncio's `wakeup` is one of the
//!   done callbacks.
//! * **D2. A panicking callback is reported, and the rest still run.**
//! * **D3. Dropped unrun, a list still wakes its awaiters** (they may
//!   belong to another runtime, and a task that awaits a finished task must
//!   not wait for ever); its callbacks are dropped unrun.
//! * **D4. Every callback is dropped quietly**, run or not: its captures
//!   are user values; a destructor that panics is reported
//!   (`ReportKind::DropPanicked`).

use aiotask_api::{DoneCallback, Failure, ReportKind, drop_quietly};

use crate::env::Job;
use crate::handle::Task;
use crate::state::Entry;

/// A done list on its way through the loop's `call_soon` queue.
pub(crate) struct DoneList<T: Send + 'static> {
    handle: Task<T>,
    entries: Vec<Entry<Task<T>>>,
}

impl<T: Send + 'static> DoneList<T> {
    pub(crate) fn job(handle: Task<T>, entries: Vec<Entry<Task<T>>>) -> Job {
        let mut list = Self { handle, entries };
        Box::new(move || {
            let entries = std::mem::take(&mut list.entries);
            run_entries(&list.handle, entries);
        })
    }
}

impl<T: Send + 'static> Drop for DoneList<T> {
    fn drop(&mut self) {
        let shared = self.handle.shared();
        drop_entries(std::mem::take(&mut self.entries), &|m| {
            shared.report_drop_panic(m)
        }); // D3
    }
}

/// Ends entries that will never run: awaiters are woken (D3), callbacks
/// dropped quietly, a panic of their destructor passed to `report` (D4).
pub(crate) fn drop_entries<H>(entries: Vec<Entry<H>>, report: &dyn Fn(String)) {
    for entry in entries {
        match entry {
            Entry::Awaiter { waker, .. } => waker.wake(),
            Entry::Callback(cb) => drop_callback(cb, report),
        }
    }
}

/// Drops a callback quietly, reporting a panic of its destructor (D4).
pub(crate) fn drop_callback<H>(callback: DoneCallback<H>, report: &dyn Fn(String)) {
    if let Some(message) = drop_quietly(callback) {
        report(message);
    }
}

/// Runs a done list in order (D1, D2).
fn run_entries<T: Send + 'static>(handle: &Task<T>, entries: Vec<Entry<Task<T>>>) {
    let mut entries = entries.into_iter();
    while let Some(entry) = entries.next() {
        match entry {
            Entry::Callback(cb) => {
                let call = std::panic::AssertUnwindSafe(|| cb.call(handle));
                if let Err(payload) = std::panic::catch_unwind(call) {
                    // The failure owns the payload and drops it quietly.
                    let failure = Failure::from_panic(payload);
                    let shared = handle.shared();
                    shared.env().report(
                        shared
                            .report_about(ReportKind::CallbackPanicked)
                            .with_failure(failure),
                    );
                }
                drop_callback(cb, &|m| handle.shared().report_drop_panic(m)); // D4
            }
            Entry::Awaiter { waker, .. } => {
                let rest: Vec<_> = entries.collect();
                let then = (!rest.is_empty()).then(|| DoneList::job(handle.clone(), rest));
                handle.shared().env().wake_inline(waker, then);
                return;
            }
        }
    }
}
