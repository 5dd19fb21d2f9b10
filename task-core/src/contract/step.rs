//! What the step algorithm (`harness.rs`) asks of the contract: the start
//! of a step, the end of one that suspended, and the terminal transition
//! with the dispatch of the done list.

use std::task::Waker;

use aiotask_api::protocol::{CancelEntry, CancelStep};
use aiotask_api::{CancelledError, TaskError};

use super::Contract;
use crate::awaited::Awaited;
use crate::done_list::{DoneEntries, DoneEntry, DoneList, ListOwner};
use crate::forward;
use crate::state::{StepStart, SuspendAction};

impl<T: Send + 'static, H> Contract<T, H> {
    pub(crate) fn begin_step(&self) -> StepStart {
        let mut st = self.lock();
        let mut awaited_cancel = None;
        if let Some(awaited) = st.awaited_to_read() {
            // Read the awaited task's outcome as asyncio's `__wakeup` does
            // (which also marks a failure retrieved, and hands its
            // CancelledError out once), without holding our lock: reading
            // takes the awaited task's lock.
            drop(st);
            awaited_cancel = first_cancellation(&awaited);
            st = self.lock();
        }
        if st.is_done() {
            // A stale wake-up: no step begins (the word is left alone).
            return StepStart::Done;
        }
        let first_step = !self.word.transition_to_step_started().is_started();
        st.transition_to_running(awaited_cancel, first_step)
    }

    /// The end of a step that suspended; `undelivered` is a cancellation the
    /// body did not reach.
    pub(crate) fn end_step_suspended(
        &self,
        awaited: Option<Awaited>,
        catch_depth: u32,
        undelivered: Option<CancelledError>,
        waker: &Waker,
    ) {
        let action = {
            let mut st = self.lock();
            // Under the lock: a task becomes SUSPENDED only here (rule W2).
            let woken = self.word.transition_to_step_ended().is_scheduled();
            if let Some(e) = undelivered {
                st.redeliver(e, catch_depth);
                drop(st);
                waker.wake_by_ref();
                return;
            }
            st.transition_to_suspended(awaited, catch_depth, woken)
        };
        match action {
            SuspendAction::Nothing => {}
            SuspendAction::WakeSelf => waker.wake_by_ref(),
            SuspendAction::Forward(awaited, msg) => {
                // The request is this task's already: the walk only takes
                // it to the awaited tasks. Accepted, it is delivered there;
                // refused everywhere, the task is woken with `must_cancel`
                // still set (no re-route: it has not moved on).
                let (first, rest) = awaited.into_parts();
                // The root's own steps answer `false`: it is not re-routed,
                // so the suspension is never read.
                let forward = CancelStep::Forward {
                    first,
                    rest,
                    suspension: 0,
                };
                let root = |_: CancelEntry| CancelStep::Answered(false);
                if forward::walk(self.id, &root, msg.as_deref(), forward) {
                    self.lock().forward_accepted();
                } else {
                    waker.wake_by_ref();
                }
            }
        }
    }

    /// The terminal transition: stores the outcome and dispatches the done
    /// list through the loop's `call_soon`.
    pub(crate) fn complete(&self, handle: &H, outcome: Result<T, TaskError>)
    where
        H: ListOwner,
    {
        let (entries, discarded, lost_failure, released) = {
            let mut st = self.lock();
            let done = st.transition_to_complete(outcome);
            // Rules D1, W4: entries added while this list is queued go
            // behind it.
            self.word
                .transition_to_step_completed(!done.entries.is_empty());
            if let Some(v) = done.value {
                // Value rule V1: stored before anyone can see `Finished`.
                self.value.store(v);
            }
            (
                done.entries,
                done.discarded,
                done.lost_failure,
                done.released,
            )
        };
        drop(released);
        // A failure an abort overrode: its error's destructor is user code
        // (the failure drops it quietly), run with no lock held.
        drop(lost_failure);
        if let Some(lost) = discarded {
            self.drop_user_value(lost);
        }
        if entries.is_empty() {
            // Nothing queued: an entry added from now on queues itself.
            return;
        }
        self.dispatch(handle, entries);
        // Callbacks added by other threads while the done list was being
        // queued joined `entries` instead of racing ahead of it: queue them
        // next, so callbacks run in the order they were added (rule W4:
        // with none, no lock is taken).
        while !self.word.transition_to_dispatched() {
            let late = {
                let mut st = self.lock();
                self.word.take_late_entries();
                std::mem::take(&mut st.entries)
            };
            self.dispatch(handle, late);
        }
    }

    pub(super) fn dispatch(&self, handle: &H, entries: DoneEntries<H>)
    where
        H: ListOwner,
    {
        if entries.is_empty() {
            return;
        }
        if entries.only_awaiters() {
            // Rule D5: awaiters alone need no job.
            for entry in entries {
                if let DoneEntry::Awaiter { waker, .. } = entry {
                    self.env.wake_soon(waker);
                }
            }
            return;
        }
        self.env.call_soon(DoneList::job(handle.clone(), entries));
    }
}

/// The `CancelledError` of the first awaited task that ended cancelled.
///
/// The first awaited task is read as asyncio's `__wakeup` reads the one
/// future a task awaits (`exception()`, which also marks a failure
/// retrieved); the others of a step that awaited several are only read
/// when they ended cancelled, so that their failures stay unretrieved.
fn first_cancellation(awaited: &Awaited) -> Option<CancelledError> {
    awaited.iter().enumerate().find_map(|(i, task)| {
        if !task.done() || (i > 0 && !task.cancelled()) {
            return None;
        }
        match task.exception() {
            Err(TaskError::Cancelled(e)) => Some(e),
            _ => None,
        }
    })
}
