//! The per-task state of the contract and its transitions, as plain data.
//!
//! This is CPython 3.13's `Task` object (spec §1.1) with Rust names:
//!
//! | CPython field           | here                                  |
//! |-------------------------|---------------------------------------|
//! | `_state` + exc          | [`Phase`] (the value: `TaskContract`'s slot) |
//! | sub-state (§1.2)        | `SubState`, derived from the hot word (`word.rs`), passed in |
//! | `_fut_waiter`           | [`Waiter`] (several tasks: [`Awaited`]; a leaf's error message: in the cold block) |
//! | `_num_cancels_requested`| `num_cancels`                         |
//! | `_must_cancel`          | `must_cancel`                         |
//! | `_cancel_message`       | [`State::cancel_message`], in the cold block (`cold.rs`) |
//! | `_cancelled_exc`        | `exc_kept`, its message in the cold block (handed out once) |
//! | `_name`                 | `default_name` (`Task-N`), or given: in the cold block |
//! | `_log_traceback`        | `log_traceback`                       |
//! | (none: Rust's `abort()`)| `aborted`                             |
//! | `_callbacks`            | `entries` ([`DoneEntries`]: callbacks and awaiters) |
//!
//! Every method is a named transition that only edits the data and returns
//! what the caller must do next (wake the task, forward a cancel, dispatch
//! callbacks). Nothing here locks, wakes or calls user code, so the rules can
//! be read, and tested, on their own.
//!
//! # The protocol
//!
//! How a cancellation travels and how a task ends, written once; the
//! transitions below cite these rules, and the rules of the other modules
//! are listed after them.
//!
//! * **P1. A request is counted, then routed by sub-state** (spec §1.7,
//!   [`State::transition_to_cancel_requested`], [`State::route_cancel`]).
//!   A done task refuses it (and stops logging its failure). Otherwise it
//!   is counted (`cancelling()`, saturating), then: an aborted task needs
//!   nothing more; a SUSPENDED task awaiting tasks forwards it to them (the
//!   cancel walk, rules F1–F5 of `forward.rs`); a SUSPENDED task awaiting a
//!   leaf hands it to the leaf once (the error carries this first message
//!   and cannot be revoked) and is woken; anything else sets `must_cancel`
//!   with the latest message, and a SUSPENDED task is woken to receive it.
//! * **P2. A refused forward is routed again by the suspension it was made
//!   in** ([`Suspension`], compared by [`State::route_cancel`]): still in
//!   that suspension, the task only keeps `must_cancel` (the done list of
//!   the task that refused holds its wake-up, as asyncio's `__wakeup` is
//!   already queued); moved on since, it is routed afresh as P1 says,
//!   without being counted again.
//! * **P3. What the next step throws in** (spec §1.4,
//!   [`State::transition_to_running`]): the error handed to the leaf; else,
//!   with `must_cancel`, the `CancelledError` of the awaited task when it
//!   ended cancelled, else the kept one (handed out once), else a new one
//!   with the cancel's message; an abort throws its own error whatever
//!   else is pending.
//! * **P4. Where it is thrown: the delivery depth.** The error goes to the
//!   innermost `catch_cancel` that was active at the suspension
//!   (`catch_depth`); at depth 0 (the first step, an abort, or no scope)
//!   the body is dropped and the task ends cancelled. A delivery the body
//!   did not reach is made again at the next step, to the scope active
//!   then ([`State::redeliver`]).
//! * **P5. A cancel that arrives during a step is handed on at its end**
//!   ([`State::transition_to_suspended`]): to the tasks the body now awaits
//!   (a forward), to the leaf (handed, and the task woken), or, awaiting
//!   nothing, by waking the task.
//! * **P6. `uncancel()` to zero revokes only what was not handed on**
//!   (3.13, [`State::transition_uncancel`]): it clears `must_cancel`, never
//!   an error handed to a leaf, never an abort.
//! * **P7. How a task ends** ([`State::transition_to_complete`]): an
//!   accepted cancel wins over a returned value (the value is dropped
//!   outside the lock), an abort wins over everything, a raised
//!   `CancelledError` is kept and handed out once; the done list is taken
//!   whole and dispatched by the caller.
//!
//! The rest of the protocol lives with the code it governs: the cancel
//! walk (F1–F5, `forward.rs`), the done order (D1–D5, `done_list.rs`), the
//! hot word and its lock-free changes (W1–W4, `word.rs`), the value slot
//! (V1–V5, `value.rs`), the running loop (A1–A3, `ambient.rs`) and the cold
//! block (C1, `cold.rs`).

use std::sync::Arc;

use aiotask_api::{AnyTask, CancelledError, Failure, InvalidStateError, TaskError};

use crate::awaited::Awaited;
use crate::cold::{ColdSlot, Field};
use crate::done_list::DoneEntries;
use crate::name::TaskName;
use crate::word::SubState;

/// The Future-level state (spec §1.2). A finished task's value is not
/// here but in `TaskContract`'s value slot, so that cloning and formatting it (user
/// code) never happens under this state's lock.
#[derive(Debug)]
pub(crate) enum Phase {
    Pending,
    Finished,
    Failed(Failure),
    Cancelled,
}

/// What a suspended task waits on (CPython's `_fut_waiter`).
#[derive(Debug)]
pub(crate) enum Waiter {
    None,
    /// A leaf future (a sleep, I/O, a channel). `handed` once a cancel was
    /// handed to it: that cancellation will be delivered and cannot be
    /// revoked, and its message (kept in the cold block) is the first one
    /// (spec §1.7).
    Leaf {
        handed: bool,
    },
    /// Other tasks (usually one): cancels are forwarded to each.
    Tasks(Awaited),
}

/// What `cancel()` must do after the state was edited.
#[must_use]
#[derive(Debug)]
pub(crate) enum CancelAction {
    /// The task is done: return `false`.
    AlreadyDone,
    /// Forward to the awaited tasks; if every one returns `false`, call
    /// [`State::route_cancel`] with the suspension it was made in.
    Forward(Awaited, Suspension),
    /// Return `true`; wake the task when `wake` so the cancel is delivered.
    Requested { wake: bool },
}

/// What the step must do first (spec §1.4 prologue).
#[must_use]
#[derive(Debug)]
pub(crate) enum StepStart {
    /// The task is already done (a stale wake-up).
    Done,
    /// Poll the body; `deliver` is the cancellation to throw in, if any, and
    /// `catch_depth` the depth of the innermost `catch_cancel` active at the
    /// suspension point (0: none, the body is dropped).
    Run {
        deliver: Option<CancelledError>,
        catch_depth: u32,
        released: Released,
    },
}

/// What a transition took out of the state whose drop may run code that is
/// not ours (the last handle of an awaited task, whose drop drops its
/// value): the caller drops it after the lock is released.
#[must_use = "dropped after the lock is released"]
#[derive(Debug, Default)]
pub(crate) struct Released {
    waiter: Option<Waiter>,
}

/// What `abort()` must do after the state was edited.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AbortAction {
    /// The task is done: return `false`.
    AlreadyDone,
    /// Return `true`; wake the task when `wake` so its next step drops the
    /// body.
    Requested { wake: bool },
}

/// What the harness must do after a step that suspended.
#[must_use]
#[derive(Debug)]
pub(crate) enum SuspendAction {
    Nothing,
    /// A cancel arrived during the step: the task must be polled again.
    WakeSelf,
    /// A cancel arrived during the step while it awaited tasks: forward it;
    /// if every forward returns `false`, wake the task: `must_cancel` is
    /// still set, so its next step delivers the cancellation; if one
    /// accepts, [`State::forward_accepted`].
    Forward(Awaited, Option<Arc<str>>),
}

/// What the terminal transition hands back: the done list to dispatch, the
/// value to store in the value slot, and what is to be dropped outside the
/// lock (a value lost to a cancel, whose destructor is user code; the
/// awaited task and the waker).
#[must_use]
pub(crate) struct Completion<T, H> {
    pub(crate) entries: DoneEntries<H>,
    pub(crate) value: Option<T>,
    pub(crate) discarded: Option<T>,
    /// A failure the body ended with in the step an abort arrived in.
    pub(crate) lost_failure: Option<Failure>,
    pub(crate) released: Released,
}

/// The state of one task. Rare data (messages, a given name) is in the
/// cold block, allocated the first time it is set (`cold.rs`, rule C1).
pub(crate) struct State<H> {
    pub(crate) phase: Phase,
    pub(crate) waiter: Waiter,
    pub(crate) num_cancels: u32,
    /// The depth of the innermost `catch_cancel` active when the body last
    /// suspended.
    pub(crate) catch_depth: u32,
    /// Which suspension the task is in: changes at every step's end.
    pub(crate) suspension: Suspension,
    pub(crate) must_cancel: bool,
    pub(crate) log_traceback: bool,
    /// `abort()` was called: the next step drops the body, whatever
    /// `catch_cancel` is active, and `uncancel()` cannot revoke it.
    pub(crate) aborted: bool,
    /// `_cancelled_exc` is kept (its message: in the cold block).
    exc_kept: bool,
    pub(crate) entries: DoneEntries<H>,
    /// The key of the last awaiter registered (keys are unique per task).
    pub(crate) last_awaiter_key: u64,
    /// The `Task-N` number; `0` when the name was given (cold block).
    default_name: u64,
    cold: ColdSlot,
}

/// The number of a task's suspension (the end of one step), telling a
/// forwarded cancel whether the task has moved on since.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Suspension(pub(crate) u32);

impl<H> State<H> {
    pub(crate) fn new(name: TaskName) -> Self {
        let mut cold = ColdSlot::default();
        let default_name = match name {
            TaskName::Default(n) => n,
            TaskName::Given(given) => {
                let _ = cold.set(Field::Name, Some(given));
                0
            }
        };
        Self {
            phase: Phase::Pending,
            waiter: Waiter::None,
            num_cancels: 0,
            catch_depth: 0,
            suspension: Suspension::default(),
            must_cancel: false,
            log_traceback: false,
            aborted: false,
            exc_kept: false,
            entries: DoneEntries::Empty,
            last_awaiter_key: 0,
            default_name,
            cold,
        }
    }

    /// The task's name.
    pub(crate) fn name(&self) -> TaskName {
        match self.cold.get(Field::Name) {
            Some(given) if self.default_name == 0 => TaskName::Given(given),
            _ => TaskName::Default(self.default_name),
        }
    }

    /// `set_name`: returns the name it replaced, for the caller to drop.
    pub(crate) fn rename(&mut self, name: Arc<str>) -> Option<Arc<str>> {
        self.default_name = 0;
        self.cold.set(Field::Name, Some(name))
    }

    /// `_cancel_message`.
    #[inline]
    pub(crate) fn cancel_message(&self) -> Option<Arc<str>> {
        self.cold.get(Field::CancelMessage)
    }

    #[inline]
    fn set_cancel_message(&mut self, msg: Option<&str>) {
        let _ = self.cold.set(Field::CancelMessage, msg.map(Arc::from));
    }

    /// Hands a cancellation to the awaited leaf (it cannot be revoked now).
    #[inline]
    fn hand_to_leaf(&mut self, error: CancelledError) {
        let mut handed = false;
        self.cold
            .keep_cancel(&mut handed, Field::LeafMessage, Some(error));
        self.waiter = Waiter::Leaf { handed };
    }

    /// Keeps `_cancelled_exc` (rule C1: no message, no allocation).
    #[inline]
    fn keep_cancelled_exc(&mut self, error: Option<CancelledError>) {
        self.cold
            .keep_cancel(&mut self.exc_kept, Field::ExcMessage, error);
    }

    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        !matches!(self.phase, Phase::Pending)
    }

    /// `Task.cancel(msg)` (spec §1.7), up to the forwarding decision (rule P1).
    pub(crate) fn transition_to_cancel_requested(
        &mut self,
        msg: Option<&str>,
        sub: SubState,
    ) -> CancelAction {
        self.log_traceback = false;
        if self.is_done() {
            return CancelAction::AlreadyDone;
        }
        // Saturates: 2^32 requests are not a reason to wrap to zero.
        self.num_cancels = self.num_cancels.saturating_add(1);
        self.route_cancel(msg, None, sub)
    }

    /// `abort_with(msg)`: a cancellation nothing can catch or revoke.
    /// Counted as a request (`cancelling()` shows it); not forwarded to
    /// awaited tasks: the body is dropped at its next step, which drops its
    /// awaits. The task ends with a `CancelledError` carrying `msg` (none
    /// for `abort()`), whatever earlier cancels said: a reason left from a
    /// cancel the body caught must not reappear depending on timing.
    pub(crate) fn transition_to_abort_requested(
        &mut self,
        msg: Option<&str>,
        sub: SubState,
    ) -> AbortAction {
        self.log_traceback = false;
        if self.is_done() {
            return AbortAction::AlreadyDone;
        }
        if self.aborted {
            return AbortAction::Requested { wake: false };
        }
        self.aborted = true;
        self.num_cancels = self.num_cancels.saturating_add(1);
        self.must_cancel = true;
        self.set_cancel_message(msg);
        self.keep_cancelled_exc(None);
        // A suspended task is woken whatever it waits on; a queued one
        // (not started, woken) runs soon anyway; a running one is woken at
        // the end of its step (`transition_to_suspended`).
        AbortAction::Requested {
            wake: sub == SubState::Suspended,
        }
    }

    /// Where a counted cancel request goes (rules P1, P2): to the awaited
    /// task or leaf of a suspended task, else `must_cancel` for its next step.
    ///
    /// `refused_in` is the suspension in which the request was forwarded to
    /// an awaited task that refused it because it is done. A task still in
    /// that suspension gets `must_cancel` and no wake: the done task's done
    /// list holds its wake-up (or already ran it), as asyncio's `__wakeup`
    /// is already queued, and a wake here would queue the step behind
    /// callbacks that asyncio runs after it. A task that has moved on since
    /// (another thread ran its next step meanwhile) is routed afresh, as if
    /// the request arrived now: to what it awaits now.
    pub(crate) fn route_cancel(
        &mut self,
        msg: Option<&str>,
        refused_in: Option<Suspension>,
        sub: SubState,
    ) -> CancelAction {
        if self.is_done() || self.aborted {
            // Finished while the forward ran: the request was still made.
            // Aborted: the body is dropped at its next step anyway.
            return CancelAction::Requested { wake: false };
        }
        let moved_on = refused_in != Some(self.suspension);
        if sub == SubState::Suspended && moved_on {
            match &mut self.waiter {
                Waiter::Tasks(t) => return CancelAction::Forward(t.clone(), self.suspension),
                Waiter::Leaf { handed: false } => {
                    // The awaited leaf is "cancelled" synchronously: its error
                    // carries this message and can no longer be revoked.
                    self.hand_to_leaf(CancelledError::from_message(msg.map(Arc::from)));
                    return CancelAction::Requested { wake: true };
                }
                Waiter::Leaf { handed: true } | Waiter::None => {}
            }
        }
        self.must_cancel = true;
        self.set_cancel_message(msg);
        CancelAction::Requested {
            wake: sub == SubState::Suspended && moved_on,
        }
    }

    /// The request would be forwarded to a task already on the cancel
    /// walk's path (a cycle of awaits, protocol rule F4 in `forward.rs`):
    /// this task takes it itself, as if what it awaits had refused it, and
    /// is woken to receive it. Not counted again.
    pub(crate) fn route_cancel_in_cycle(
        &mut self,
        msg: Option<&str>,
        sub: SubState,
    ) -> CancelAction {
        if self.is_done() || self.aborted {
            // Aborted: its own message stands; the body is dropped anyway.
            return CancelAction::Requested { wake: false };
        }
        self.must_cancel = true;
        self.set_cancel_message(msg);
        CancelAction::Requested {
            wake: sub == SubState::Suspended,
        }
    }

    /// `uncancel()` with 3.13 semantics (spec §1.12, rule P6).
    pub(crate) fn transition_uncancel(&mut self) -> u32 {
        if self.num_cancels > 0 {
            self.num_cancels -= 1;
            if self.num_cancels == 0 && !self.aborted {
                self.must_cancel = false;
            }
        }
        self.num_cancels
    }

    /// The task awaited by a suspended task that has a cancel pending: the
    /// prologue reads its outcome first, as asyncio's `__wakeup` calls
    /// `future.result()` before the step (see [`Self::transition_to_running`]).
    pub(crate) fn awaited_to_read(&self) -> Option<Awaited> {
        match &self.waiter {
            // An aborted task throws its own error in: it reads nothing of
            // the awaited task (whose message and failure stay unread).
            Waiter::Tasks(t) if self.must_cancel && !self.aborted => Some(t.clone()),
            _ => None,
        }
    }

    /// The task shown as `wait_for=` in the repr (spec §1.17): set while
    /// suspended on tasks, or woken but not yet resumed.
    pub(crate) fn wait_for(&self) -> Option<AnyTask> {
        match &self.waiter {
            Waiter::Tasks(t) => Some(t.first().clone()),
            _ => None,
        }
    }

    /// The prologue of a step (spec §1.4): decide what to throw in (rules
    /// P3, P4).
    ///
    /// `awaited_cancel` is the `CancelledError` the awaited task ended with,
    /// read by the caller through [`Self::awaited_to_read`]: with a cancel
    /// pending, asyncio throws that error in rather than a new one (`__step`
    /// keeps an `exc` that is already a `CancelledError`).
    ///
    /// `first_step`: the body never ran (the hot word said NOT STARTED).
    #[inline]
    pub(crate) fn transition_to_running(
        &mut self,
        awaited_cancel: Option<CancelledError>,
        first_step: bool,
    ) -> StepStart {
        if self.is_done() {
            return StepStart::Done;
        }
        let mut released = Released::default();
        let mut deliver = match std::mem::replace(&mut self.waiter, Waiter::None) {
            Waiter::Leaf { mut handed } => self.cold.take_cancel(&mut handed, Field::LeafMessage),
            tasks @ Waiter::Tasks(_) => {
                released.waiter = Some(tasks);
                None
            }
            Waiter::None => None,
        };
        if self.aborted {
            // Abort's own error, not a leaf's or a stored one.
            self.must_cancel = false;
            deliver = Some(CancelledError::from_message(self.cancel_message()));
        } else if self.must_cancel {
            self.must_cancel = false;
            if deliver.is_none() {
                deliver = Some(match awaited_cancel {
                    Some(e) => e,
                    None => self.make_cancelled_error(),
                });
            }
        }
        let catch_depth = if first_step || self.aborted {
            // Not started: nothing to catch with. Aborted: nothing may catch.
            0
        } else {
            self.catch_depth
        };
        StepStart::Run {
            deliver,
            catch_depth,
            released,
        }
    }

    /// The end of a step whose body returned `Pending` (spec §1.4, YIELD;
    /// rule P5).
    ///
    /// `woken`: the task was woken during the step (the hot word's end of
    /// step found `SCHEDULED`): it is WOKEN, not SUSPENDED.
    #[inline]
    pub(crate) fn transition_to_suspended(
        &mut self,
        awaited: Option<Awaited>,
        catch_depth: u32,
        woken: bool,
    ) -> SuspendAction {
        self.catch_depth = catch_depth;
        self.suspension = Suspension(self.suspension.0.wrapping_add(1));
        self.waiter = match awaited {
            Some(t) => Waiter::Tasks(t),
            None => Waiter::Leaf { handed: false },
        };
        if self.aborted {
            // abort() during this step: the next one drops the body.
            return SuspendAction::WakeSelf;
        }
        if woken {
            // A bare yield or a wake during the step: READY.
            return SuspendAction::Nothing;
        }
        if !self.must_cancel {
            return SuspendAction::Nothing;
        }
        // cancel() was called during this step: hand it to what we now await.
        match &mut self.waiter {
            Waiter::Tasks(t) => SuspendAction::Forward(t.clone(), self.cancel_message()),
            Waiter::Leaf { .. } => {
                self.must_cancel = false;
                self.hand_to_leaf(CancelledError::from_message(self.cancel_message()));
                SuspendAction::WakeSelf
            }
            Waiter::None => SuspendAction::WakeSelf,
        }
    }

    /// A forward a step's end made (`SuspendAction::Forward`) was accepted
    /// by an awaited task: the request is delivered there.
    pub(crate) fn forward_accepted(&mut self) {
        self.must_cancel = false;
    }

    /// A delivery the body did not reach (no `catch_cancel` at its depth
    /// was polled): deliver it again at the next step, to the catch scope
    /// active at this suspension (rule P4).
    pub(crate) fn redeliver(&mut self, error: CancelledError, catch_depth: u32) {
        self.hand_to_leaf(error);
        self.catch_depth = catch_depth;
    }

    /// The terminal transition of a step that returned (spec §1.4, rule P7).
    #[inline]
    pub(crate) fn transition_to_complete<T>(
        &mut self,
        outcome: Result<T, TaskError>,
    ) -> Completion<T, H> {
        debug_assert!(!self.is_done(), "a task completes once");
        let (mut value, mut discarded, mut lost_failure) = (None, None, None);
        if self.aborted {
            // Aborted during the step that ended: the abort wins, with its
            // own message, whatever the body returned (a value or a failure
            // is lost, dropped by the caller outside the lock).
            match outcome {
                Ok(v) => discarded = Some(v),
                Err(TaskError::Failed(f)) => lost_failure = Some(f),
                Err(_) => {}
            }
            self.must_cancel = false;
            let message = self.cold.take(Field::CancelMessage);
            self.keep_cancelled_exc(Some(CancelledError::from_message(message)));
            self.phase = Phase::Cancelled;
            let (entries, released) = self.finish_common();
            return Completion {
                entries,
                value,
                discarded,
                lost_failure,
                released,
            };
        }
        self.phase = match outcome {
            Ok(v) if self.must_cancel => {
                // Cancelled during the step that returned: the value is lost.
                self.must_cancel = false;
                discarded = Some(v);
                Phase::Cancelled
            }
            Ok(v) => {
                value = Some(v);
                Phase::Finished
            }
            Err(TaskError::Cancelled(e)) => {
                self.keep_cancelled_exc(Some(e));
                let _ = self.cold.set(Field::CancelMessage, None);
                Phase::Cancelled
            }
            Err(TaskError::Failed(f)) => {
                self.log_traceback = true;
                Phase::Failed(f)
            }
            Err(other) => {
                // InvalidState (or a future kind) raised by the body: a failure.
                self.log_traceback = true;
                Phase::Failed(Failure::from_error(other))
            }
        };
        let (entries, released) = self.finish_common();
        Completion {
            entries,
            value,
            discarded,
            lost_failure,
            released,
        }
    }

    /// The runtime went away while the task was pending.
    pub(crate) fn transition_to_destroyed(&mut self) -> (DoneEntries<H>, Released) {
        self.phase = Phase::Cancelled;
        self.must_cancel = false;
        self.finish_common()
    }

    #[inline]
    fn finish_common(&mut self) -> (DoneEntries<H>, Released) {
        let waiter = match std::mem::replace(&mut self.waiter, Waiter::None) {
            tasks @ Waiter::Tasks(_) => Some(tasks),
            Waiter::Leaf { handed } => {
                // Only our own CancelledError, undelivered: its message goes.
                if handed {
                    let _ = self.cold.take(Field::LeafMessage);
                }
                None
            }
            Waiter::None => None,
        };
        let released = Released { waiter };
        (std::mem::take(&mut self.entries), released)
    }

    /// `_make_cancelled_error()` (spec §1.11): the stored error once, then fresh ones.
    pub(crate) fn make_cancelled_error(&mut self) -> CancelledError {
        match self.cold.take_cancel(&mut self.exc_kept, Field::ExcMessage) {
            Some(e) => e,
            None => CancelledError::from_message(self.cancel_message()),
        }
    }

    /// `result()` (spec §1.13), up to the value: `Ok(())` when the task
    /// finished with a value, which the caller reads from the value slot.
    pub(crate) fn result(&mut self) -> Result<(), TaskError> {
        match &self.phase {
            Phase::Pending => Err(TaskError::InvalidState(InvalidStateError::result_not_set())),
            Phase::Finished => Ok(()),
            Phase::Failed(f) => {
                let f = f.clone();
                self.log_traceback = false;
                Err(TaskError::Failed(f))
            }
            Phase::Cancelled => Err(TaskError::Cancelled(self.make_cancelled_error())),
        }
    }

    /// `exception()` (spec §1.13).
    pub(crate) fn exception(&mut self) -> Result<Option<Failure>, TaskError> {
        match &self.phase {
            Phase::Pending => Err(TaskError::InvalidState(
                InvalidStateError::exception_not_set(),
            )),
            Phase::Finished => Ok(None),
            Phase::Failed(f) => {
                let f = f.clone();
                self.log_traceback = false;
                Ok(Some(f))
            }
            Phase::Cancelled => Err(TaskError::Cancelled(self.make_cancelled_error())),
        }
    }

    /// The repr's state word (spec §1.17).
    pub(crate) fn state_word(&self) -> &'static str {
        match self.phase {
            Phase::Pending if self.num_cancels > 0 => "cancelling",
            Phase::Pending => "pending",
            Phase::Finished | Phase::Failed(_) => "finished",
            Phase::Cancelled => "cancelled",
        }
    }
}

#[cfg(test)]
mod tests;
