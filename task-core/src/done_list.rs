//! A task's done list on its way through the loop: callbacks and awaiter
//! wake-ups in the order they were added (spec §1.15), run from one
//! `call_soon` job.
//!
//! # Rules
//!
//! * **D1. FIFO, awaiters in place.** Entries run in the order added. At an
//!   awaiter, the loop resumes it in place ([`LoopServices::wake_inline`](crate::backend::LoopServices::wake_inline))
//!   and the rest of the list follows it: asyncio's `wakeup` is one of the
//!   done callbacks.
//! * **D2. A panicking callback is reported, and the rest still run.**
//! * **D3. Dropped unrun, a list still wakes its awaiters** (they may
//!   belong to another runtime, and a task that awaits a finished task must
//!   not wait for ever); its callbacks are dropped unrun.
//! * **D4. Every callback is dropped quietly**, run or not: its captures
//!   are user values; a destructor that panics is reported
//!   (`ReportKind::DropPanicked`).

//! * **D5. One entry costs no allocation.** A pending task's list
//!   ([`DoneEntries`]) holds a single entry (one awaiter: the common case)
//!   inline, and a list of awaiters only is woken at completion without a
//!   job ([`LoopServices::wake_soon`](crate::backend::LoopServices::wake_soon)), which puts
//!   each awaiter's step where the job would have run it.

use std::sync::Arc;
use std::task::Waker;

use aiotask_api::{DoneCallback, Failure, drop_quietly};

use crate::services::{Job, LoopServices};

/// What a done list needs of the handle its callbacks receive (the task's
/// [`Task`](crate::Task)): where to report, and the loop to resume
/// awaiters on. A trait, so that the contract and its done list are
/// written without naming the handle type.
pub(crate) trait ListOwner: Clone + Send + Sync + 'static {
    /// The loop services of the task.
    fn services(&self) -> &Arc<dyn LoopServices>;
    /// Reports that one of the task's done callbacks panicked (D2).
    fn report_callback_panic(&self, failure: Failure);
    /// Reports that a destructor of the task's panicked (D4).
    fn report_drop_panic(&self, message: String);
}

/// One entry of a done list: a callback, or an awaiter to wake. `key`
/// tells a task's awaiters apart (unique per task, see
/// `State::last_awaiter_key`).
pub(crate) enum DoneEntry<H> {
    Callback(DoneCallback<H>),
    Awaiter { key: u64, waker: Waker },
}

/// A task's done list (CPython's `_callbacks`): callbacks and awaiters in
/// the order added. One entry is held inline (D5).
#[derive(Default)]
pub(crate) enum DoneEntries<H> {
    #[default]
    Empty,
    One(DoneEntry<H>),
    Many(Vec<DoneEntry<H>>),
}

impl<H> DoneEntries<H> {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::One(_) => false,
            Self::Many(v) => v.is_empty(),
        }
    }

    /// Appends `entry` after every entry already there.
    pub(crate) fn push(&mut self, entry: DoneEntry<H>) {
        match std::mem::take(self) {
            Self::Empty => *self = Self::One(entry),
            Self::One(first) => *self = Self::Many(vec![first, entry]),
            Self::Many(mut v) => {
                v.push(entry);
                *self = Self::Many(v);
            }
        }
    }

    /// The waker of the awaiter `key`, if it is registered.
    pub(crate) fn awaiter_mut(&mut self, key: u64) -> Option<&mut Waker> {
        let is_it =
            |e: &&mut DoneEntry<H>| matches!(e, DoneEntry::Awaiter { key: k, .. } if *k == key);
        let found = match self {
            Self::Empty => None,
            Self::One(e) => Some(e).filter(is_it),
            Self::Many(v) => v.iter_mut().find(is_it),
        };
        match found {
            Some(DoneEntry::Awaiter { waker, .. }) => Some(waker),
            _ => None,
        }
    }

    /// Takes out the entries `remove` picks, keeping the others in order.
    /// One entry taken out is held inline, as in the list (D5).
    pub(crate) fn extract(
        &mut self,
        mut remove: impl FnMut(&DoneEntry<H>) -> bool,
    ) -> DoneEntries<H> {
        match self {
            Self::One(e) if remove(e) => std::mem::take(self),
            Self::Empty | Self::One(_) => Self::Empty,
            Self::Many(v) => v.extract_if(.., |e| remove(e)).collect(),
        }
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::One(_) => 1,
            Self::Many(v) => v.len(),
        }
    }

    /// True when every entry is an awaiter (none is a callback).
    pub(crate) fn only_awaiters(&self) -> bool {
        let awaiter = |e: &DoneEntry<H>| matches!(e, DoneEntry::Awaiter { .. });
        match self {
            Self::Empty => true,
            Self::One(e) => awaiter(e),
            Self::Many(v) => v.iter().all(awaiter),
        }
    }
}

impl<H> IntoIterator for DoneEntries<H> {
    type Item = DoneEntry<H>;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<DoneEntry<H>>, std::vec::IntoIter<DoneEntry<H>>>;

    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self {
            Self::Empty => (None, Vec::new()),
            Self::One(e) => (Some(e), Vec::new()),
            Self::Many(v) => (None, v),
        };
        one.into_iter().chain(many)
    }
}

impl<H> FromIterator<DoneEntry<H>> for DoneEntries<H> {
    fn from_iter<I: IntoIterator<Item = DoneEntry<H>>>(iter: I) -> Self {
        let mut entries = Self::Empty;
        for e in iter {
            entries.push(e);
        }
        entries
    }
}

/// A done list on its way through the loop's `call_soon` queue.
pub(crate) struct DoneList<H: ListOwner> {
    handle: H,
    entries: DoneEntries<H>,
}

impl<H: ListOwner> DoneList<H> {
    pub(crate) fn job(handle: H, entries: DoneEntries<H>) -> Job {
        let mut list = Self { handle, entries };
        Box::new(move || {
            let entries = std::mem::take(&mut list.entries);
            run_entries(&list.handle, entries);
        })
    }
}

impl<H: ListOwner> Drop for DoneList<H> {
    fn drop(&mut self) {
        let handle = &self.handle;
        drop_entries(std::mem::take(&mut self.entries), &|m| {
            handle.report_drop_panic(m)
        }); // D3
    }
}

/// Ends entries that will never run: awaiters are woken (D3), callbacks
/// dropped quietly, a panic of their destructor passed to `report` (D4).
pub(crate) fn drop_entries<H>(
    entries: impl IntoIterator<Item = DoneEntry<H>>,
    report: &dyn Fn(String),
) {
    for entry in entries {
        match entry {
            DoneEntry::Awaiter { waker, .. } => waker.wake(),
            DoneEntry::Callback(cb) => drop_callback(cb, report),
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
fn run_entries<H: ListOwner>(handle: &H, entries: DoneEntries<H>) {
    let mut entries = entries.into_iter();
    while let Some(entry) = entries.next() {
        match entry {
            DoneEntry::Callback(cb) => {
                let call = std::panic::AssertUnwindSafe(|| cb.call(handle));
                if let Err(payload) = std::panic::catch_unwind(call) {
                    // The failure owns the payload and drops it quietly.
                    handle.report_callback_panic(Failure::from_panic(payload));
                }
                drop_callback(cb, &|m| handle.report_drop_panic(m)); // D4
            }
            DoneEntry::Awaiter { waker, .. } => {
                let rest: DoneEntries<_> = entries.collect();
                let then = (!rest.is_empty()).then(|| DoneList::job(handle.clone(), rest));
                handle.services().wake_inline(waker, then);
                return;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::Waker;

    use super::*;
    use crate::test_support::Counting;

    fn awaiter(key: u64) -> DoneEntry<()> {
        DoneEntry::Awaiter {
            key,
            waker: Waker::noop().clone(),
        }
    }

    fn callback() -> DoneEntry<()> {
        DoneEntry::Callback(DoneCallback::new(|_: &()| {}))
    }

    fn keys(entries: DoneEntries<()>) -> Vec<Option<u64>> {
        entries
            .into_iter()
            .map(|e| match e {
                DoneEntry::Awaiter { key, .. } => Some(key),
                DoneEntry::Callback(_) => None,
            })
            .collect()
    }

    #[test]
    fn one_entry_is_held_inline_and_order_is_kept_as_it_grows() {
        let mut entries = DoneEntries::default();
        assert!(entries.is_empty() && entries.only_awaiters());
        entries.push(awaiter(1));
        assert!(matches!(entries, DoneEntries::One(_)), "D5: no allocation");
        assert!(entries.only_awaiters());
        entries.push(callback());
        entries.push(awaiter(2));
        assert!(!entries.only_awaiters());
        assert_eq!(keys(entries), [Some(1), None, Some(2)]);
    }

    #[test]
    fn removing_the_inline_entry_empties_the_list() {
        let mut entries = DoneEntries::default();
        entries.push(awaiter(7));
        assert!(entries.awaiter_mut(8).is_none());
        assert!(entries.awaiter_mut(7).is_some());
        let gone = entries.extract(|e| matches!(e, DoneEntry::Awaiter { key: 7, .. }));
        assert_eq!(gone.len(), 1);
        assert!(entries.is_empty());
        assert!(entries.awaiter_mut(7).is_none());
        // A later entry is held inline again.
        entries.push(awaiter(9));
        assert!(matches!(entries, DoneEntries::One(_)));
    }

    #[test]
    fn extracting_from_many_keeps_the_others_in_order() {
        let mut entries: DoneEntries<()> = [awaiter(1), callback(), awaiter(2), awaiter(3)]
            .into_iter()
            .collect();
        let gone = entries.extract(|e| matches!(e, DoneEntry::Awaiter { key: 2, .. }));
        assert_eq!(gone.len(), 1);
        assert_eq!(keys(entries), [Some(1), None, Some(3)]);
    }

    #[test]
    fn entries_dropped_unrun_still_wake_their_awaiters() {
        // D3, for the inline entry and for a list.
        let (count, waker) = Counting::waker();
        let one: DoneEntries<()> = DoneEntries::One(DoneEntry::Awaiter {
            key: 1,
            waker: waker.clone(),
        });
        drop_entries(one, &|_| {});
        let many: DoneEntries<()> = [
            callback(),
            DoneEntry::Awaiter {
                key: 2,
                waker: waker.clone(),
            },
        ]
        .into_iter()
        .collect();
        drop_entries(many, &|_| {});
        assert_eq!(count.wakes(), 2);
    }
}
