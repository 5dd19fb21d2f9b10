//! What each hostile task's body, callbacks and observers saw: the stress
//! run's records ([`super::super::record`]) with the hostile tally, the
//! terminal states observers record, and the count of child futures.

use std::sync::Arc;
use std::sync::atomic::Ordering;

pub(crate) use super::super::record::{FutureGuard, end};
use super::values::Tally;

/// The terminal states observers saw (`Record::seen`).
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

/// The batch's tasks and the counters its checks read.
pub(crate) type Records = super::super::record::Records<Arc<Tally>>;

impl Records {
    /// The tag of task `i`'s awaited child's value.
    pub(crate) fn child_value(&self, i: usize) -> u64 {
        self.value(i) ^ 0x00FF_00FF_00FF_00FE
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
