//! What each hostile task's body, callbacks and observers saw, written to
//! atomics as it happens and checked once the batch is over.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};

use super::super::record::Violations;
use super::values::Tally;

/// How a body ended, as it recorded just before ending.
pub(crate) mod end {
    /// Not reached: never started, or dropped at a suspension point.
    pub(crate) const NONE: u8 = 0;
    /// Returned its value.
    pub(crate) const VALUE: u8 = 1;
    /// Panicked (or is about to, through a value's `Clone` or `Drop`).
    pub(crate) const PANIC: u8 = 2;
    /// Returned a caught `CancelledError` (or a cancelled child's).
    pub(crate) const PROPAGATE: u8 = 3;
}

/// The terminal states observers saw (`Record::states`).
pub(crate) mod state {
    /// Ended with its value.
    pub(crate) const VALUE: u8 = 1;
    /// Failed.
    pub(crate) const FAILED: u8 = 2;
    /// Cancelled.
    pub(crate) const CANCELLED: u8 = 4;
    /// Done and not cancelled (an observer that read `done()` and
    /// `cancelled()` only): value or failed.
    pub(crate) const NOT_CANCELLED: u8 = 8;
    /// One observation contradicted itself (e.g. `cancelled()` true and
    /// `exception()` a failure), or saw the task not done.
    pub(crate) const INCONSISTENT: u8 = 16;
}

/// What happened to one top-level task.
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub(crate) started: AtomicBool,
    pub(crate) end: AtomicU8,
    pub(crate) future_drops: AtomicU8,
    /// Accepted `cancel()` calls of the loop side and the other thread.
    pub(crate) ext_true: AtomicU32,
    /// Accepted `cancel()` calls of the body on itself.
    pub(crate) self_true: AtomicU32,
    /// `cancel()` calls (anyone's) that returned false: the task was done
    /// (which also marks a failure retrieved, as in asyncio).
    pub(crate) cancels_false: AtomicU32,
    /// Bit i: callback i ran.
    pub(crate) callbacks: AtomicU8,
    pub(crate) callback_runs: AtomicU8,
    /// The removable callback's removal came too late: it runs.
    pub(crate) removal_missed: AtomicBool,
    /// `state` bits of every observation.
    pub(crate) states: AtomicU8,
    /// A callback read `exception()`/`result()` of the done task.
    pub(crate) retrieved: AtomicBool,
}

impl Record {
    /// Records a cancel request made by `cancel`; returns its answer.
    pub(crate) fn cancel(&self, own: bool, cancel: impl FnOnce() -> bool) -> bool {
        let accepted = cancel();
        let counter = match (accepted, own) {
            (true, true) => &self.self_true,
            (true, false) => &self.ext_true,
            (false, _) => &self.cancels_false,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        accepted
    }

    pub(crate) fn end(&self, how: u8) {
        self.end.store(how, Ordering::SeqCst);
    }

    pub(crate) fn saw(&self, bits: u8) {
        self.states.fetch_or(bits, Ordering::SeqCst);
    }
}

/// The batch's tasks and the counters its checks read.
#[derive(Debug)]
pub(crate) struct Records {
    pub(crate) batch: u64,
    base: u64,
    recs: Vec<Record>,
    pub(crate) violations: Arc<Violations>,
    pub(crate) tally: Arc<Tally>,
    /// Top-level futures dropped.
    pub(crate) drops: AtomicU64,
    pub(crate) callbacks_due: AtomicU64,
    pub(crate) callbacks_run: AtomicU64,
    /// Child tasks (awaited children and chain links) made, and their
    /// futures dropped.
    pub(crate) children: AtomicU64,
    pub(crate) children_dropped: AtomicU64,
    /// Child done callbacks due and run (one per child).
    pub(crate) child_callbacks_run: AtomicU64,
}

impl Records {
    pub(crate) fn new(
        batch: u64,
        base: u64,
        n: usize,
        violations: Arc<Violations>,
        tally: Arc<Tally>,
    ) -> Self {
        Self {
            batch,
            base,
            recs: (0..n).map(|_| Record::default()).collect(),
            violations,
            tally,
            drops: AtomicU64::new(0),
            callbacks_due: AtomicU64::new(0),
            callbacks_run: AtomicU64::new(0),
            children: AtomicU64::new(0),
            children_dropped: AtomicU64::new(0),
            child_callbacks_run: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, i: usize) -> &Record {
        &self.recs[i]
    }

    /// The tag of task `i`'s value: distinct across the run.
    pub(crate) fn value(&self, i: usize) -> u64 {
        (self.base + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
    }

    /// The tag of task `i`'s awaited child's value.
    pub(crate) fn child_value(&self, i: usize) -> u64 {
        self.value(i) ^ 0x00FF_00FF_00FF_00FE
    }

    pub(crate) fn violation(&self, i: usize, describe: impl FnOnce() -> String) {
        let batch = self.batch;
        self.violations
            .note(|| format!("hostile batch {batch} task {i}: {}", describe()));
    }
}

/// Drops into a task's record when the task's future goes away.
#[derive(Debug)]
pub(crate) struct FutureGuard {
    pub(crate) recs: Arc<Records>,
    pub(crate) i: usize,
}

impl Drop for FutureGuard {
    fn drop(&mut self) {
        self.recs
            .get(self.i)
            .future_drops
            .fetch_add(1, Ordering::SeqCst);
        self.recs.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Counts a child's future drop.
#[derive(Debug)]
pub(crate) struct ChildGuard(pub(crate) Arc<Records>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.0.children_dropped.fetch_add(1, Ordering::SeqCst);
    }
}
