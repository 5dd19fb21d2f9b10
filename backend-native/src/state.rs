//! The scheduling state of a native task: one atomic word.
//!
//! The contract state (pending/finished/cancelled, cancel requests,
//! callbacks) lives in [`aiotask_core::backend::Shared`]; this word only says where
//! the task is in the loop's hands, which is what the `unsafe` code needs to
//! know (see the rules in [`crate::cell`]).
//!
//! | bit          | set by                          | cleared by                        | meaning |
//! |--------------|---------------------------------|-----------------------------------|---------|
//! | [`SCHEDULED`]| a wake ([`State::transition_to_scheduled`]) | the loop taking it off the queue ([`State::transition_to_running`]) | exactly one queue entry exists for the task |
//! | [`RUNNING`]  | [`State::transition_to_running`]| [`State::transition_to_idle`] / [`State::transition_to_complete`] | the loop thread is inside the step and owns the future |
//! | [`COMPLETE`] | [`State::transition_to_complete`] | never | the future has been dropped; the stage is empty for good |
//!
//! Invariants: `COMPLETE` is terminal; `RUNNING` and `COMPLETE` are never set
//! together; `SCHEDULED` may be set while `RUNNING` (a wake during the step
//! queues the task again, and it runs once the current step is over).

use crate::sync::{AtomicUsize, Ordering};

/// The task has one entry in a ready queue. Set by a wake when the task was
/// neither scheduled nor complete; cleared when the loop dequeues it.
pub(crate) const SCHEDULED: usize = 1 << 0;
/// The loop thread is polling the task's future. Only the loop sets it, and
/// only while `COMPLETE` is clear.
pub(crate) const RUNNING: usize = 1 << 1;
/// The future is gone (finished, or destroyed with the runtime). Terminal.
pub(crate) const COMPLETE: usize = 1 << 2;

/// A task starts scheduled: its first step is queued at creation
/// (asyncio's `call_soon(step)` in `Task.__init__`).
pub(crate) const INITIAL: usize = SCHEDULED;

/// A copy of the word, with readable predicates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) usize);

impl Snapshot {
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("scheduled", &self.is_scheduled())
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .finish()
    }
}

/// What a waker must do after [`State::transition_to_scheduled`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ScheduleAction {
    /// Push one entry for the task on a ready queue.
    Enqueue,
    /// Already queued, or complete: nothing to do.
    Nothing,
}

/// What the loop must do after dequeuing a task.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RunAction {
    /// Poll the future: this thread now holds `RUNNING`.
    Poll,
    /// The task completed since it was queued: drop the entry.
    Skip,
}

/// The atomic scheduling word of one task.
///
/// Every transition is one read-modify-write, so all threads agree on one
/// order of transitions.
pub(crate) struct State {
    word: AtomicUsize,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            word: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Ordering::Acquire))
    }

    /// A wake: queue the task unless it is queued already or complete.
    pub(crate) fn transition_to_scheduled(&self) -> ScheduleAction {
        let mut cur = self.word.load(Ordering::Acquire);
        loop {
            let snap = Snapshot(cur);
            if snap.is_scheduled() || snap.is_complete() {
                return ScheduleAction::Nothing;
            }
            match self.word.compare_exchange_weak(
                cur,
                cur | SCHEDULED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return ScheduleAction::Enqueue,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The loop dequeued the task: take `RUNNING` unless it is complete.
    pub(crate) fn transition_to_running(&self) -> RunAction {
        let mut cur = self.word.load(Ordering::Acquire);
        loop {
            let snap = Snapshot(cur);
            assert!(snap.is_scheduled(), "a dequeued task was scheduled");
            assert!(!snap.is_running(), "one step at a time");
            let next = if snap.is_complete() {
                cur & !SCHEDULED
            } else {
                (cur & !SCHEDULED) | RUNNING
            };
            match self
                .word
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if snap.is_complete() => return RunAction::Skip,
                Ok(_) => return RunAction::Poll,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The step returned `Pending`: give up `RUNNING`.
    pub(crate) fn transition_to_idle(&self) {
        let prev = self.word.fetch_and(!RUNNING, Ordering::AcqRel);
        debug_assert!(Snapshot(prev).is_running());
    }

    /// The future is gone: set `COMPLETE` (and drop `RUNNING` if held).
    /// Returns whether it was already complete.
    pub(crate) fn transition_to_complete(&self) -> bool {
        let prev = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                Some((cur | COMPLETE) & !RUNNING)
            })
            .unwrap_or_else(|cur| cur);
        Snapshot(prev).is_complete()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_is_queued_once() {
        let s = State::new();
        assert_eq!(s.transition_to_scheduled(), ScheduleAction::Nothing);
        assert_eq!(s.transition_to_running(), RunAction::Poll);
        assert_eq!(s.transition_to_scheduled(), ScheduleAction::Enqueue);
        assert_eq!(s.transition_to_scheduled(), ScheduleAction::Nothing);
        s.transition_to_idle();
        assert_eq!(s.transition_to_running(), RunAction::Poll);
        assert!(!s.transition_to_complete());
        assert_eq!(s.transition_to_scheduled(), ScheduleAction::Nothing);
        assert!(s.load().is_complete() && !s.load().is_running());
    }

    #[test]
    fn a_stale_entry_is_skipped() {
        let s = State::new();
        assert!(!s.transition_to_complete());
        assert_eq!(s.transition_to_running(), RunAction::Skip);
        assert!(s.transition_to_complete());
    }
}
