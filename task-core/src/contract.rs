//! [`Contract`] (`TaskContract` for a backend): one task's contract state behind a lock, its value slot, and
//! the actions the transitions ask for (wake, forward, dispatch, report).
//!
//! No user code runs under the state lock: callbacks, handlers, wakers of
//! awaiters, and the `Clone`, `Debug` and `Drop` of values and errors all
//! run after it is released (values: see the rules of `value.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use aiotask_api::protocol::{CancelEntry, CancelStep, ReprParts};
use aiotask_api::{
    DoneCallback, ExceptionContext, Failure, InvalidStateError, ReportKind, RuntimeError,
    RuntimeErrorKind, TaskError, TaskId, call_quietly, drop_quietly,
};

use crate::done_list::{DoneEntries, DoneEntry, ListOwner, drop_callback, drop_entries};
use crate::forward;
use crate::name::TaskName;
use crate::services::LoopServices;
use crate::state::{AbortAction, CancelAction, Phase, State, Suspension};
use crate::sync::{Mutex, MutexGuard, lock};
use crate::value::{Read, ValueSlot, held_here};
use crate::word::{ScheduleAction, TaskWord};

mod step;

/// The next block of task ids to hand to a thread.
static NEXT_ID_BLOCK: AtomicU64 = AtomicU64::new(1);

/// How many ids a thread takes at once: creating a task touches no
/// process-wide counter but once per block (ids are unique, not ordered).
const ID_BLOCK: u64 = 1024;

crate::thread_local_shim! {
    /// This thread's ids still to hand out: `(next, end)`.
    static IDS: std::cell::Cell<(u64, u64)> = std::cell::Cell::new((0, 0));
}

/// A task id unique in the process.
fn next_id() -> TaskId {
    let take_block = || NEXT_ID_BLOCK.fetch_add(ID_BLOCK, Ordering::Relaxed);
    let id = IDS
        .try_with(|ids| {
            let (next, end) = ids.get();
            if next < end {
                ids.set((next + 1, end));
                next
            } else {
                let start = take_block();
                ids.set((start + 1, start + ID_BLOCK));
                start
            }
        })
        // Thread-locals torn down (a task made by a destructor at thread
        // exit): a block of its own, used once.
        .unwrap_or_else(|_| take_block());
    TaskId::new(id)
}

/// How an awaiter or `result()` reads a finished task's value (value rule
/// V5): clone it in place (`T: Clone`, every reader gets it), or move it
/// out (any `T`, the first reader gets it).
pub(crate) enum Reader<T> {
    Clone(fn(&T) -> T),
    Take,
}

impl<T> Clone for Reader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Reader<T> {}

/// The contract state of one task: what every backend keeps in its task
/// allocation, and what every handle method reads.
///
/// All methods are safe to call from any thread. The lock is never held
/// while user code (a callback, another task's `cancel`, a value's `Clone`
/// or `Debug`) runs.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::{LoopServices, Job, Reporter, TaskContract};
///
/// struct Queue(std::sync::Mutex<Vec<Job>>, Reporter);
/// impl LoopServices for Queue {
///     fn call_soon(&self, job: Job) { self.0.lock().unwrap().push(job) }
///     fn report(&self, ctx: aiotask_api::ExceptionContext) { self.1.report(ctx) }
/// }
/// let env = Arc::new(Queue(Default::default(), Reporter::default()));
/// let contract: TaskContract<u8> = TaskContract::new(Some("demo".into()), env);
/// assert!(!contract.done());
/// assert!(contract.cancel(Some("why"), &|| {}));
/// assert_eq!(contract.cancelling(), 1);
/// assert_eq!(contract.name(), "demo");
/// ```
pub struct Contract<T: Send + 'static, H> {
    /// The hot word (`word.rs`): the step sub-state and native's scheduling.
    word: TaskWord,
    id: TaskId,
    env: Arc<dyn LoopServices>,
    state: Mutex<State<H>>,
    value: ValueSlot<T>,
}

impl<T: Send + 'static, H> Contract<T, H> {
    /// A pending, not-started task named `name` (or the next `Task-N`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.name().starts_with("Task-"));
    /// ```
    pub fn new(name: Option<String>, env: Arc<dyn LoopServices>) -> Self {
        Self {
            word: TaskWord::new(),
            id: next_id(),
            env,
            state: Mutex::new(State::new(TaskName::new(name))),
            value: ValueSlot::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<H>> {
        // A panic never happens while the lock is held (no user code runs
        // under it), so poisoning cannot leave a half-made transition.
        lock(&self.state)
    }

    /// The task's identity.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let a: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// let b: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The loop services this task uses.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// s.services().call_soon(Box::new(|| {}));
    /// ```
    pub fn services(&self) -> &Arc<dyn LoopServices> {
        &self.env
    }

    /// `cancel(msg)` (spec §1.7): `true` unless done; forwarded down the
    /// chain of awaited tasks by the cancel walk (`forward.rs`, rules F1–F5),
    /// which needs no stack however long the chain. `wake` wakes this task
    /// when the request must be delivered now (its cell's
    /// [`WakeTask`](crate::backend::WakeTask)), called with no lock held.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.cancel(None, &|| {}) && s.cancel(Some("again"), &|| {}));
    /// assert_eq!(s.cancelling(), 2);
    /// ```
    pub fn cancel(&self, msg: Option<&str>, wake: &dyn Fn()) -> bool {
        let first = self.cancel_step(msg, CancelEntry::Request, wake);
        forward::walk(
            self.id,
            &|entry| self.cancel_step(msg, entry, wake),
            msg,
            first,
        )
    }

    /// One step of the cancel walk at this task (rule F1): the request
    /// edits this task alone, and a forward is returned, not made.
    #[doc(hidden)]
    pub fn cancel_step(
        &self,
        msg: Option<&str>,
        entry: CancelEntry,
        wake: &dyn Fn(),
    ) -> CancelStep {
        let action = {
            let mut st = self.lock();
            // Rule W2: read under the lock, the sub-state can only move on
            // by a wake, which is then ordered after this decision.
            let sub = self.word.load().sub();
            let action = match entry {
                CancelEntry::Request => st.transition_to_cancel_requested(msg, sub),
                CancelEntry::Refused(at) => st.route_cancel(msg, Some(Suspension(at)), sub),
                CancelEntry::Cycle => st.route_cancel_in_cycle(msg, sub),
            };
            drop(st);
            action
        };
        match action {
            CancelAction::AlreadyDone => CancelStep::Answered(false),
            CancelAction::Requested { wake: woken } => {
                if woken {
                    wake();
                }
                CancelStep::Answered(true)
            }
            CancelAction::Forward(awaited, suspension) => {
                let (first, rest) = awaited.into_parts();
                CancelStep::Forward {
                    first,
                    rest,
                    suspension: suspension.0,
                }
            }
        }
    }

    /// `abort()` / `abort_with(msg)`: a cancellation the body cannot
    /// catch, ending the task with a `CancelledError` carrying `msg`.
    /// `true` unless done. The body is dropped at the task's next step, whatever
    /// `catch_cancel` is active, and the task ends cancelled; its done
    /// list is told as for any cancel. It counts as one request in
    /// `cancelling()`, and `uncancel()` does not revoke it. Tasks the body
    /// awaits are not cancelled: dropping the body drops its awaits.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.abort(Some("now"), &|| {}));
    /// assert_eq!(s.uncancel(), 0);
    /// ```
    pub fn abort(&self, msg: Option<&str>, wake: &dyn Fn()) -> bool {
        let action = self
            .lock()
            .transition_to_abort_requested(msg, self.word.load().sub());
        if action == (AbortAction::Requested { wake: true }) {
            wake();
        }
        action != AbortAction::AlreadyDone
    }

    /// True once the task ended cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// s.cancel(None, &|| {});
    /// assert!(!s.cancelled()); // only requested
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.lock().phase, Phase::Cancelled)
    }

    /// True once the task ended.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(!s.done());
    /// ```
    pub fn done(&self) -> bool {
        self.lock().is_done()
    }

    /// `cancelling()`: saturates at `u32::MAX` rather than wrapping.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert_eq!(s.cancelling(), 0);
    /// ```
    pub fn cancelling(&self) -> u32 {
        self.lock().num_cancels
    }

    /// `uncancel()` (3.13: reaching zero revokes an undelivered request).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// s.cancel(None, &|| {});
    /// assert_eq!(s.uncancel(), 0);
    /// assert_eq!(s.uncancel(), 0);
    /// ```
    pub fn uncancel(&self) -> u32 {
        self.lock().transition_uncancel()
    }

    /// The task's name.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(Some("n".into()), Arc::new(E));
    /// assert_eq!(s.name(), "n");
    /// ```
    pub fn name(&self) -> String {
        self.lock().name().to_string_lossless()
    }

    /// Renames the task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// s.set_name("Renamed");
    /// assert_eq!(s.name(), "Renamed");
    /// ```
    pub fn set_name(&self, name: &str) {
        let old = self.lock().rename(name.into());
        drop(old);
    }

    /// `result()` (spec §1.13). The value is cloned holding its slot's lock
    /// only (value rule V2).
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled`, or the stored `Failed`;
    /// [`TaskError::Runtime`] with kind `WouldWaitForever` when called from
    /// inside the `Clone` of this same task's value, or where waiting for
    /// the value would close a cycle with other threads (value rule V3).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<u8> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.result().unwrap_err().is_invalid_state());
    /// ```
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        let read = self.lock().result();
        read.and_then(|()| self.read_value(Reader::Clone(T::clone)))
    }

    /// `result()` that moves the value out, for any output type (value
    /// rule V5): later reads get [`InvalidStateError::result_taken`].
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result), and `InvalidState` (taken) once moved out.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<u8> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.take_result().unwrap_err().is_invalid_state());
    /// ```
    pub fn take_result(&self) -> Result<T, TaskError> {
        let read = self.lock().result();
        read.and_then(|()| self.read_value(Reader::Take))
    }

    /// Reads a finished task's value (value rules V2, V3, V5).
    fn read_value(&self, reader: Reader<T>) -> Result<T, TaskError> {
        let read = match reader {
            Reader::Clone(clone) => self.value.with(self.id, clone),
            Reader::Take => self.value.take_out(self.id),
        };
        match read {
            Read::Value(v) => Ok(v),
            Read::Taken => Err(InvalidStateError::result_taken().into()),
            // Errors are values: an await never panics (rule V3).
            Read::WouldWaitForever => {
                Err(RuntimeError::new(RuntimeErrorKind::WouldWaitForever).into())
            }
        }
    }

    /// `exception()` (spec §1.13).
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled` when cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<u8> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.exception().unwrap_err().is_invalid_state());
    /// ```
    pub fn exception(&self) -> Result<Option<Failure>, TaskError> {
        self.lock().exception()
    }

    /// Records a wake-up of the task's own waker, with no lock (rule W2).
    /// A backend's task waker calls this, then schedules the task when told
    /// to: [`ScheduleAction::Enqueue`] comes once per step at most.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// use aiotask_core::backend::ScheduleAction;
    /// let s: aiotask_core::backend::TaskContract<u8> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// // A new task's first step is queued already.
    /// assert_eq!(s.on_wake(), ScheduleAction::Nothing);
    /// ```
    pub fn on_wake(&self) -> ScheduleAction {
        self.word.transition_to_notified()
    }

    /// The task's hot word, for a backend that schedules by it (native).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<u8> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.word().load().is_scheduled());
    /// ```
    pub fn word(&self) -> &TaskWord {
        &self.word
    }

    /// Reports that one of this task's done callbacks panicked (the panic
    /// was contained; done-list rule D2).
    pub(crate) fn report_callback_panic(&self, failure: Failure) {
        self.env.report(
            self.report_about(ReportKind::CallbackPanicked)
                .with_failure(failure),
        );
    }

    /// Drops a value of the user's (value rule V4), reporting a panic of
    /// its destructor.
    fn drop_user_value<V>(&self, value: V) {
        if let Some(message) = drop_quietly(value) {
            self.report_drop_panic(message);
        }
    }

    /// Reports that a destructor run for this task panicked (its body's,
    /// dropped at a cancellation or a shutdown; its value's); the panic was
    /// contained. A backend calls this with what
    /// [`drop_body`](crate::backend::drop_body) returned.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// s.report_drop_panic("bad finally".into());
    /// ```
    pub fn report_drop_panic(&self, message: String) {
        self.env.report(
            self.report_about(ReportKind::DropPanicked)
                .with_failure(Failure::from_panic(Box::new(message))),
        );
    }

    /// Ends a task whose runtime went away while it was pending: reports
    /// `Task was destroyed but it is pending!`, marks it cancelled and wakes
    /// its awaiters. Its done callbacks are dropped unrun (their loop is gone).
    /// Does nothing for a done task. Returns whether the task was pending.
    ///
    /// A backend calls this after dropping the future of a task its runtime
    /// will never run again.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(None, Arc::new(E));
    /// assert!(s.destroy_pending());
    /// assert!(s.cancelled());
    /// assert!(!s.destroy_pending());
    /// ```
    pub fn destroy_pending(&self) -> bool {
        let report = self.report_about(ReportKind::DestroyedPending);
        let (entries, released) = {
            let mut st = self.lock();
            if st.is_done() {
                return false;
            }
            st.transition_to_destroyed()
        };
        drop(released);
        self.env.report(report);
        drop_entries(entries, &|m| self.report_drop_panic(m));
        true
    }

    /// `add_done_callback` (spec §1.15); `handle` is what the callback receives.
    pub(crate) fn add_done_callback(&self, handle: &H, callback: DoneCallback<H>)
    where
        H: ListOwner,
    {
        let mut st = self.lock();
        if st.is_done() && !self.word.transition_to_late_entry() {
            drop(st);
            if self.env.is_closed() {
                // The loop that would run it is gone (asyncio raises
                // `RuntimeError('Event loop is closed')`): say so.
                self.env.report(self.report_about(ReportKind::LoopClosed));
                drop_callback(callback, &|m| self.report_drop_panic(m));
                return;
            }
            // Never synchronous: even on a finished task it runs at a later tick.
            self.dispatch(handle, DoneEntries::One(DoneEntry::Callback(callback)));
        } else {
            // Pending, or done with its done list still being queued: the
            // completing thread queues this entry after the earlier ones.
            st.entries.push(DoneEntry::Callback(callback));
        }
    }

    /// `remove_done_callback`: removes every entry of `callback`.
    pub(crate) fn remove_done_callback(&self, callback: &DoneCallback<H>) -> usize {
        let removed = {
            let mut st = self.lock();
            if st.is_done() {
                // The done list was cleared at completion (late entries being
                // queued are already on their way to the loop).
                return 0;
            }
            st.entries.extract(
                |e| matches!(e, DoneEntry::Callback(c) if DoneCallback::ptr_eq(c, callback)),
            )
        };
        let n = removed.len();
        drop_entries(removed, &|m| self.report_drop_panic(m));
        n
    }

    /// Polls the outcome for an awaiter, registering its waker in the done
    /// list (in FIFO order with the callbacks) while pending.
    ///
    /// Once the task is done, `hold_back` is asked under the task's lock
    /// whether the awaiter must not resume: then the poll stays pending and
    /// the outcome unread (its reports are not lost). Asking under the lock
    /// closes the window between seeing the task done and the reason to
    /// hold back (a runtime that began closing before it ended the task).
    pub(crate) fn poll_join(
        &self,
        key: &mut Option<u64>,
        cx: &Context<'_>,
        reader: Reader<T>,
        hold_back: impl FnOnce() -> bool,
    ) -> Poll<Result<T, TaskError>> {
        let mut hold_back = Some(hold_back);
        // The awaiter's waker is cloned, and a replaced one dropped, with
        // no lock held: it may be any executor's, running any code.
        // A first poll registers one: clone it before locking.
        let mut fresh: Option<Waker> = key.is_none().then(|| cx.waker().clone());
        loop {
            let mut st = self.lock();
            if st.is_done() {
                if hold_back.take().is_some_and(|hold| hold()) {
                    return Poll::Pending;
                }
                *key = None;
                let read = st.result();
                drop(st);
                drop(fresh);
                return Poll::Ready(read.and_then(|()| self.read_value(reader)));
            }
            let found = key.and_then(|k| st.entries.awaiter_mut(k));
            match (found, fresh.take()) {
                (Some(w), unused) if w.will_wake(cx.waker()) => {
                    drop(st);
                    drop(unused);
                    return Poll::Pending;
                }
                (Some(w), Some(waker)) => {
                    let replaced = std::mem::replace(w, waker);
                    drop(st);
                    drop(replaced);
                    return Poll::Pending;
                }
                (None, Some(waker)) => {
                    // Keys are unique per task (joins of other tasks are
                    // told apart by their task too, see `PendingJoins`).
                    st.last_awaiter_key += 1;
                    let k = st.last_awaiter_key;
                    *key = Some(k);
                    st.entries.push(DoneEntry::Awaiter { key: k, waker });
                    return Poll::Pending;
                }
                (_, None) => {}
            }
            drop(st);
            fresh = Some(cx.waker().clone());
        }
    }

    /// An awaiter went away before the task was done.
    pub(crate) fn drop_join(&self, key: u64) {
        // Keys are unique per task: one entry at most, its waker dropped unlocked.
        let gone = self
            .lock()
            .entries
            .extract(|e| matches!(e, DoneEntry::Awaiter { key: k, .. } if *k == key));
        drop(gone);
    }

    /// The repr (spec §1.17) without the result value, e.g.
    /// `<Task cancelling name='W'>`, with `wait_for=` the task it awaits.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::backend::LoopServices for E { fn call_soon(&self, _: aiotask_core::backend::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::backend::TaskContract<()> = aiotask_core::backend::TaskContract::new(Some("W".into()), Arc::new(E));
    /// assert_eq!(s.repr(), "<Task pending name='W'>");
    /// ```
    pub fn repr(&self) -> String {
        crate::repr::render(self.id, self.repr_parts_with(None))
    }

    /// A report of `kind` about this task: its repr and its name.
    pub(crate) fn report_about(&self, kind: ReportKind) -> ExceptionContext {
        ExceptionContext::new(kind)
            .with_task(self.repr_for_report())
            .with_task_name(self.name())
    }

    /// The repr for a report: a `Debug` of the failure that panics leaves
    /// the report without it, not the runtime unwinding.
    fn repr_for_report(&self) -> String {
        call_quietly(|| self.repr())
            .unwrap_or_else(|_| format!("<Task id={} (its repr panicked)>", self.id))
    }

    /// The repr split around `wait_for=` (see `repr.rs`); `value` formats a
    /// finished result, under the value slot's lock only (value rule V2).
    #[doc(hidden)]
    pub fn repr_parts_with(&self, value: Option<&dyn Fn(&T) -> String>) -> ReprParts {
        if held_here(self.id) {
            // Reached from inside this task's own value (rule V3).
            return ReprParts {
                open: "...".to_owned(),
                wait_for: None,
                close: String::new(),
            };
        }
        let (word, name, finished, failure, wait_for) = {
            let st = self.lock();
            let failure = match &st.phase {
                Phase::Failed(f) => Some(f.clone()),
                _ => None,
            };
            (
                st.state_word(),
                st.name().to_string_lossless(),
                matches!(st.phase, Phase::Finished),
                failure,
                st.wait_for(),
            )
        };
        let open = format!("<Task {word} name={}", aiotask_api::py_str_repr(&name));
        let mut close = String::new();
        if finished {
            // A value this repr cannot format (an erased handle, or a type
            // with no `Debug`) shows its type instead.
            let text = match value {
                Some(fmt_value) => self.value.with(self.id, fmt_value),
                None => self
                    .value
                    .with(self.id, |_| format!("<{}>", std::any::type_name::<T>())),
            };
            close.push_str(" result=");
            close.push_str(match &text {
                Read::Value(text) => text,
                Read::Taken => "<taken>",
                Read::WouldWaitForever => "...",
            });
        }
        if let Some(f) = failure {
            close.push_str(&format!(" exception={f:?}"));
        }
        close.push('>');
        ReprParts {
            open,
            wait_for,
            close,
        }
    }
}

impl<T: Send + 'static, H> Drop for Contract<T, H> {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        let never_retrieved = match (st.log_traceback, &st.phase) {
            (true, Phase::Failed(f)) => Some(f.clone()),
            _ => None,
        };
        st.log_traceback = false;
        let entries = std::mem::take(&mut st.entries);
        if let Some(failure) = never_retrieved {
            self.env.report(
                self.report_about(ReportKind::NeverRetrieved)
                    .with_failure(failure),
            );
        }
        drop_entries(entries, &|m| self.report_drop_panic(m));
        if let Some(value) = self.value.take() {
            self.drop_user_value(value);
        }
    }
}

impl<T: Send + 'static, H> std::fmt::Debug for Contract<T, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::collections::HashSet;

    use super::{ID_BLOCK, next_id};

    #[test]
    fn ids_are_unique_across_threads_and_blocks() {
        let per_thread = (2 * ID_BLOCK + 7) as usize;
        let threads: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || (0..per_thread).map(|_| next_id()).collect::<Vec<_>>())
            })
            .collect();
        let mut seen = HashSet::new();
        for t in threads {
            for id in t.join().unwrap() {
                assert!(seen.insert(id), "{id:?} handed out twice");
            }
        }
        assert_eq!(seen.len(), 3 * per_thread);
    }
}
