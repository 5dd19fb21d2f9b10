//! [`TaskWord`]: the hot state of a task in one atomic word: where it is
//! in its steps, and (for a backend that schedules by it) in the ready
//! queue. One state machine per task: the contract's sub-state is derived
//! from these bits, and the native loop's scheduling uses the same word.
//!
//! | bit           | set by                               | cleared by                          | meaning |
//! |---------------|--------------------------------------|-------------------------------------|---------|
//! | [`SCHEDULED`] | a wake ([`TaskWord::transition_to_notified`]); set at creation (the first step is queued) | the start of a step | woken since its last step began; on native: exactly one ready-queue entry exists |
//! | [`RUNNING`]   | the start of a step (native: at dequeue, [`TaskWord::transition_to_running`]) | the step's last transition (suspended or complete, in `TaskContract`) | a step is in progress (native: the loop thread owns the body) |
//! | [`STARTED`]   | the first step's start               | never                               | the body has run |
//! | [`COMPLETE`]  | the step that completed the task, in the RMW that ends it (the step dropped the body first); or the backend, for a body dropped without a step (native's `destroy` and a refused spawn, hosted `destroy`: [`TaskWord::transition_to_complete`]) | never | the body has been dropped for good |
//! | [`DISPATCHING`] | the completion, under the lock, when the done list is not empty | the completer, once no late entry waits (rule W4) | the done list is being handed to the loop |
//! | [`LATE`]      | an entry added under the lock while `DISPATCHING` | the completer, under the lock, as it takes the late entries | entries joined the done list after it was taken |
//!
//! The sub-state of a pending task (spec §1.2) is a function of a
//! snapshot ([`Snapshot::sub`]):
//!
//! | sub-state   | bits |
//! |-------------|------|
//! | NOT STARTED | `!STARTED && !RUNNING` |
//! | RUNNING     | `RUNNING` (a wake during the step: `SCHEDULED` too) |
//! | WOKEN       | `STARTED && !RUNNING && SCHEDULED` |
//! | SUSPENDED   | `STARTED && !RUNNING && !SCHEDULED` |
//!
//! # Rules
//!
//! * **W1. One read-modify-write per transition.** Every change is one
//!   atomic RMW, so all threads agree on one order of them; each returns
//!   what the caller must do (`#[must_use]`).
//! * **W2. Lock-free changes only ever move a task forward.** A wake
//!   (SUSPENDED → WOKEN, or RUNNING → RUNNING-and-woken) and native's dequeue
//!   (WOKEN or NOT STARTED → RUNNING) happen without the contract's lock.
//!   Every other change (the start and the end of a step) is made holding
//!   it. So a decision made under the lock from a snapshot stays right: a
//!   snapshot that says SUSPENDED cannot become stale in any other way than
//!   by a wake, which is ordered after the decision (a cancel decided on a
//!   suspended task, then the wake), and a task can only *become* SUSPENDED
//!   under the lock.
//! * **W3. RUNNING taken at dequeue stays the backend's.** When the backend
//!   took `RUNNING` itself (native, at dequeue), the step's start leaves
//!   `SCHEDULED` alone: it means a new queue entry made by a wake since the
//!   dequeue, which must not be forgotten.
//! * **W4. Late entries join the list being dispatched, never overtake it.**
//!   `DISPATCHING` is set under the lock by a completion whose done list is
//!   not empty. An entry added to a done task under the lock joins the
//!   task's entries only by setting `LATE` in the same RMW that finds
//!   `DISPATCHING` still set ([`TaskWord::transition_to_late_entry`]);
//!   otherwise it dispatches itself. The completer, after handing its list
//!   to the loop, clears `DISPATCHING` with no lock in one RMW that requires
//!   `LATE` clear ([`TaskWord::transition_to_dispatched`]); when `LATE` is
//!   set it takes the late entries under the lock (clearing `LATE`) and
//!   dispatches them, then tries again. The two RMWs are ordered: either the
//!   entry joined before the completer looked, or it saw the list handed
//!   over and queued itself behind it.

use crate::sync::AtomicUsize;
use std::sync::atomic::Ordering;

/// Woken since the last step began; on native, one ready-queue entry exists.
pub(crate) const SCHEDULED: usize = 1 << 0;
/// A step is in progress.
pub(crate) const RUNNING: usize = 1 << 1;
/// The body is gone for good (set by the backend). Terminal.
pub(crate) const COMPLETE: usize = 1 << 2;
/// The first step began.
pub(crate) const STARTED: usize = 1 << 3;
/// The done list is being handed to the loop (rule W4).
pub(crate) const DISPATCHING: usize = 1 << 4;
/// Entries joined the done list while it was being dispatched (rule W4).
pub(crate) const LATE: usize = 1 << 5;

/// A task starts scheduled: its first step is queued at creation
/// (asyncio's `call_soon(step)` in `Task.__init__`).
const INITIAL: usize = SCHEDULED;

/// The sub-state of a pending task (spec §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SubState {
    /// First step queued; the body never ran.
    NotStarted,
    /// Inside its own step.
    Running,
    /// Suspended, not woken yet.
    Suspended,
    /// Woken (or yielded), its next step not yet run: asyncio's READY and
    /// WOKEN-PENDING, which behave alike for `cancel()`.
    Woken,
}

/// A copy of the word, with readable predicates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snapshot(usize);

impl Snapshot {
    /// Woken since its last step began (native: queued).
    #[inline]
    pub fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    /// A step is in progress.
    #[inline]
    pub fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    /// The body is gone for good.
    #[inline]
    pub fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    /// The first step began.
    #[inline]
    pub fn is_started(self) -> bool {
        self.0 & STARTED != 0
    }

    /// The asyncio sub-state this snapshot shows (see the module's table).
    #[inline]
    pub(crate) fn sub(self) -> SubState {
        if self.is_running() {
            SubState::Running
        } else if !self.is_started() {
            SubState::NotStarted
        } else if self.is_scheduled() {
            SubState::Woken
        } else {
            SubState::Suspended
        }
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("scheduled", &self.is_scheduled())
            .field("running", &self.is_running())
            .field("started", &self.is_started())
            .field("complete", &self.is_complete())
            .finish()
    }
}

/// What a waker must do after [`TaskWord::transition_to_notified`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub enum ScheduleAction {
    /// Schedule the task (native: push one ready-queue entry; hosted: wake
    /// the host's task).
    Enqueue,
    /// Already woken since its step began, or complete: nothing to do.
    Nothing,
}

/// What the loop must do after dequeuing a task.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub enum RunAction {
    /// Poll the body: this thread now holds `RUNNING`.
    Poll,
    /// The task completed since it was queued: drop the entry.
    Skip,
}

/// The pure decisions of the word's transitions: `Some(next)` to store,
/// or `None` to leave it as it is.
mod decide {
    use super::*;

    #[inline]
    pub(super) fn notified(cur: usize) -> Option<usize> {
        if cur & (SCHEDULED | COMPLETE) != 0 {
            return None;
        }
        Some(cur | SCHEDULED)
    }

    #[inline]
    pub(super) fn running(cur: usize) -> usize {
        assert!(cur & SCHEDULED != 0, "a dequeued task was scheduled");
        assert!(cur & RUNNING == 0, "one step at a time");
        if cur & COMPLETE != 0 {
            cur & !SCHEDULED
        } else {
            (cur & !SCHEDULED) | RUNNING
        }
    }

    #[inline]
    pub(super) fn step_started(cur: usize) -> usize {
        if cur & RUNNING != 0 {
            // Rule W3: the backend took RUNNING at dequeue.
            cur | STARTED
        } else {
            (cur & !SCHEDULED) | RUNNING | STARTED
        }
    }
}

/// The hot state of one task (see the module docs).
pub struct TaskWord {
    word: AtomicUsize,
}

impl Default for TaskWord {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskWord {
    /// A new task's word: not started, its first step queued.
    ///
    /// ```
    /// let w = aiotask_core::backend::TaskWord::new();
    /// assert!(w.load().is_scheduled() && !w.load().is_started());
    /// ```
    pub fn new() -> Self {
        Self {
            word: AtomicUsize::new(INITIAL),
        }
    }

    /// The word now.
    #[inline]
    pub fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Ordering::Acquire))
    }

    #[inline]
    fn update(&self, f: impl Fn(usize) -> Option<usize>) -> Result<usize, usize> {
        self.word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, f)
    }

    /// A wake of the task's waker (rule W2: no lock): mark it woken unless
    /// it was woken since its step began, or is complete.
    #[inline]
    pub fn transition_to_notified(&self) -> ScheduleAction {
        match self.update(decide::notified) {
            Ok(_) => ScheduleAction::Enqueue,
            Err(_) => ScheduleAction::Nothing,
        }
    }

    /// A backend that schedules by the word dequeued the task: take
    /// `RUNNING` unless it is complete (rule W3).
    ///
    /// # Panics
    ///
    /// When the task was not scheduled or is running: a queue holding two
    /// entries for one task is a backend bug.
    #[inline]
    pub fn transition_to_running(&self) -> RunAction {
        let prev = Snapshot(
            self.update(|cur| Some(decide::running(cur)))
                .unwrap_or_else(|cur| cur),
        );
        if prev.is_complete() {
            RunAction::Skip
        } else {
            RunAction::Poll
        }
    }

    /// The body is gone: set `COMPLETE` (and drop `RUNNING` if held).
    /// Returns whether it was already complete.
    #[inline]
    pub fn transition_to_complete(&self) -> bool {
        let prev = self
            .update(|cur| Some((cur | COMPLETE) & !RUNNING))
            .unwrap_or_else(|cur| cur);
        Snapshot(prev).is_complete()
    }

    /// A step begins (under the contract's lock). Returns the snapshot
    /// before: whether this is the first step.
    #[inline]
    pub(crate) fn transition_to_step_started(&self) -> Snapshot {
        let now = self.load();
        if now.is_running() && now.is_started() {
            // Rule W3: the backend took RUNNING at dequeue and the body ran
            // before; neither bit can change under us (only this step's end
            // clears RUNNING; STARTED is never cleared): no RMW needed.
            return now;
        }
        Snapshot(
            self.update(|cur| Some(decide::step_started(cur)))
                .unwrap_or_else(|cur| cur),
        )
    }

    /// The step that completed the task ends (under the contract's lock),
    /// its body already dropped: give up `RUNNING`, set `COMPLETE` and,
    /// when its done list is not empty, mark it being handed to the loop
    /// (rule W4); one RMW.
    #[inline]
    pub(crate) fn transition_to_step_completed(&self, dispatching: bool) {
        let set = if dispatching { DISPATCHING } else { 0 };
        let _ = self.update(|cur| Some((cur & !RUNNING) | COMPLETE | set));
    }

    /// An entry is added to a done task (under the contract's lock): `true`
    /// when it joins the list being dispatched (`LATE` set), `false` when
    /// that list was handed over and the entry must queue itself (rule W4).
    #[inline]
    pub(crate) fn transition_to_late_entry(&self) -> bool {
        self.update(|cur| (cur & DISPATCHING != 0).then_some(cur | LATE))
            .is_ok()
    }

    /// The completer handed its list over (no lock): `true` when the
    /// dispatch is over, `false` when late entries wait (rule W4).
    #[inline]
    pub(crate) fn transition_to_dispatched(&self) -> bool {
        self.update(|cur| (cur & LATE == 0).then_some(cur & !DISPATCHING))
            .is_ok()
    }

    /// The completer takes the late entries (under the contract's lock).
    #[inline]
    pub(crate) fn take_late_entries(&self) {
        let _ = self.word.fetch_and(!LATE, Ordering::AcqRel);
    }

    /// A step ends (under the contract's lock): give up `RUNNING`. Returns
    /// the snapshot before: `SCHEDULED` there means the task was woken
    /// during the step (it is WOKEN now, not SUSPENDED).
    #[inline]
    pub(crate) fn transition_to_step_ended(&self) -> Snapshot {
        Snapshot(self.word.fetch_and(!RUNNING, Ordering::AcqRel))
    }
}

impl std::fmt::Debug for TaskWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_is_queued_once() {
        let s = TaskWord::new();
        assert_eq!(s.load().sub(), SubState::NotStarted);
        assert_eq!(s.transition_to_notified(), ScheduleAction::Nothing);
        assert_eq!(s.transition_to_running(), RunAction::Poll);
        assert!(!s.transition_to_step_started().is_started());
        assert_eq!(s.load().sub(), SubState::Running);
        assert_eq!(s.transition_to_notified(), ScheduleAction::Enqueue);
        assert_eq!(s.transition_to_notified(), ScheduleAction::Nothing);
        assert!(s.transition_to_step_ended().is_scheduled());
        assert_eq!(s.load().sub(), SubState::Woken);
        assert_eq!(s.transition_to_running(), RunAction::Poll);
        assert!(s.transition_to_step_started().is_started());
        assert!(!s.transition_to_complete());
        assert_eq!(s.transition_to_notified(), ScheduleAction::Nothing);
        assert!(s.load().is_complete() && !s.load().is_running());
    }

    #[test]
    fn a_late_entry_joins_the_dispatch_or_queues_itself() {
        let s = TaskWord::new();
        // No dispatch in progress: the entry queues itself.
        assert!(!s.transition_to_late_entry());
        s.transition_to_step_completed(true);
        assert!(s.transition_to_late_entry(), "joins the list");
        assert!(!s.transition_to_dispatched(), "late entries wait");
        s.take_late_entries();
        assert!(s.transition_to_dispatched());
        assert!(!s.transition_to_late_entry(), "handed over: queue itself");
    }

    #[test]
    fn a_stale_entry_is_skipped() {
        let s = TaskWord::new();
        assert!(!s.transition_to_complete());
        assert_eq!(s.transition_to_running(), RunAction::Skip);
        assert!(s.transition_to_complete());
    }

    #[test]
    fn a_hosted_step_takes_and_gives_back_running_itself() {
        let s = TaskWord::new();
        // No dequeue: the step's start clears SCHEDULED and takes RUNNING.
        let _ = s.transition_to_step_started();
        assert_eq!(s.load().sub(), SubState::Running);
        assert!(!s.transition_to_step_ended().is_scheduled());
        assert_eq!(s.load().sub(), SubState::Suspended);
        assert_eq!(s.transition_to_notified(), ScheduleAction::Enqueue);
        assert_eq!(s.load().sub(), SubState::Woken);
    }

    #[test]
    fn a_wake_after_a_dequeue_keeps_its_queue_entry() {
        // Rule W3: native dequeued (RUNNING), then a wake queued the task
        // again before the step started: SCHEDULED must survive the start.
        let s = TaskWord::new();
        assert_eq!(s.transition_to_running(), RunAction::Poll);
        assert_eq!(s.transition_to_notified(), ScheduleAction::Enqueue);
        let _ = s.transition_to_step_started();
        assert!(s.load().is_scheduled());
    }
}
