//! [`Shared`]: one task's contract state behind a lock, and the actions the
//! transitions ask for (wake, forward, dispatch, report).

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use aiotask_api::{
    AnyTask, CancelledError, DoneCallback, ExceptionContext, Failure, ReportKind, TaskError, TaskId,
};

use crate::env::Env;
use crate::handle::Task;
use crate::name::TaskName;
use crate::state::{CancelAction, Entry, Phase, State, StepStart, SuspendAction};
use crate::sync::{Mutex, MutexGuard, lock};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_AWAITER: AtomicU64 = AtomicU64::new(1);

/// The contract state of one task: what every backend keeps in its task
/// allocation, and what every handle method reads.
///
/// All methods are safe to call from any thread. The lock is never held
/// while user code (a callback, another task's `cancel`) runs.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::{Env, Job, Reporter, Shared};
///
/// struct Queue(std::sync::Mutex<Vec<Job>>, Reporter);
/// impl Env for Queue {
///     fn call_soon(&self, job: Job) { self.0.lock().unwrap().push(job) }
///     fn report(&self, ctx: aiotask_api::ExceptionContext) { self.1.report(ctx) }
/// }
/// let env = Arc::new(Queue(Default::default(), Reporter::default()));
/// let shared: Shared<u8> = Shared::new(Some("demo".into()), env);
/// assert!(!shared.done());
/// assert!(shared.cancel(Some("why")));
/// assert_eq!(shared.cancelling(), 1);
/// assert_eq!(shared.name(), "demo");
/// ```
pub struct Shared<T: Send + 'static> {
    id: TaskId,
    env: Arc<dyn Env>,
    state: Mutex<State<T, Task<T>>>,
}

impl<T: Send + 'static> Shared<T> {
    /// A pending, not-started task named `name` (or the next `Task-N`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(s.name().starts_with("Task-"));
    /// ```
    pub fn new(name: Option<String>, env: Arc<dyn Env>) -> Self {
        Self {
            id: TaskId::new(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            env,
            state: Mutex::new(State::new(TaskName::new(name))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, Task<T>>> {
        // A panic never happens while the lock is held (no user code runs
        // under it), so poisoning cannot leave a half-made transition.
        lock(&self.state)
    }

    /// The task's identity.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let a: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// let b: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The loop services this task uses.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// s.env().call_soon(Box::new(|| {}));
    /// ```
    pub fn env(&self) -> &Arc<dyn Env> {
        &self.env
    }

    /// `cancel(msg)` (spec §1.7): `true` unless done; forwards to an awaited task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(s.cancel(None) && s.cancel(Some("again")));
    /// assert_eq!(s.cancelling(), 2);
    /// ```
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        let mut st = self.lock();
        let mut action = st.transition_to_cancel_requested(msg);
        loop {
            match action {
                CancelAction::AlreadyDone => return false,
                CancelAction::Requested { wake } => {
                    let waker = if wake { st.waker.clone() } else { None };
                    drop(st);
                    if let Some(w) = waker {
                        w.wake();
                    }
                    return true;
                }
                CancelAction::Forward(awaited, suspension) => {
                    drop(st);
                    if cancel_any(&awaited, msg) {
                        return true;
                    }
                    // The awaited task refused: it is done. The request is
                    // routed again, counted once (see `State::route_cancel`).
                    st = self.lock();
                    action = st.route_cancel(msg, Some(suspension));
                }
            }
        }
    }

    /// True once the task ended cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// s.cancel(None);
    /// assert!(!s.cancelled()); // only requested
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.lock().phase, Phase::Cancelled)
    }

    /// True once the task ended.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(!s.done());
    /// ```
    pub fn done(&self) -> bool {
        self.lock().is_done()
    }

    /// `cancelling()`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert_eq!(s.cancelling(), 0);
    /// ```
    pub fn cancelling(&self) -> u32 {
        self.lock().num_cancels
    }

    /// `uncancel()` (3.13: reaching zero revokes an undelivered request).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// s.cancel(None);
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
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(Some("n".into()), Arc::new(E));
    /// assert_eq!(s.name(), "n");
    /// ```
    pub fn name(&self) -> String {
        self.lock().name.to_string_lossless()
    }

    /// Renames the task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// s.set_name("Renamed");
    /// assert_eq!(s.name(), "Renamed");
    /// ```
    pub fn set_name(&self, name: &str) {
        self.lock().name = TaskName::Given(name.into());
    }

    /// `result()` (spec §1.13).
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled`, or the stored `Failed`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<u8> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(s.result().unwrap_err().is_invalid_state());
    /// ```
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        self.lock().result()
    }

    /// `exception()` (spec §1.13).
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled` when cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<u8> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(s.exception().unwrap_err().is_invalid_state());
    /// ```
    pub fn exception(&self) -> Result<Option<Failure>, TaskError> {
        self.lock().exception()
    }

    /// Records a wake-up of the task's own waker. A backend's task waker
    /// calls this before rescheduling the task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<u8> = aiotask_core::Shared::new(None, Arc::new(E));
    /// s.on_wake();
    /// ```
    pub fn on_wake(&self) {
        self.lock().transition_on_wake();
    }

    pub(crate) fn begin_step(&self, waker: &Waker) -> StepStart {
        let mut st = self.lock();
        match &st.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => st.waker = Some(waker.clone()),
        }
        let mut awaited_cancel = None;
        if let Some(awaited) = st.awaited_to_read() {
            // Read the awaited task's outcome as asyncio's `__wakeup` does
            // (which also marks a failure retrieved, and hands its
            // CancelledError out once), without holding our lock: reading
            // takes the awaited task's lock.
            drop(st);
            if awaited.done()
                && let Err(TaskError::Cancelled(e)) = awaited.exception()
            {
                awaited_cancel = Some(e);
            }
            st = self.lock();
        }
        st.transition_to_running(awaited_cancel)
    }

    /// The end of a step that suspended; `undelivered` is a cancellation the
    /// body did not reach.
    pub(crate) fn end_step_suspended(
        &self,
        awaited: Option<AnyTask>,
        catch_depth: u32,
        undelivered: Option<CancelledError>,
        waker: &Waker,
    ) {
        let action = {
            let mut st = self.lock();
            if let Some(e) = undelivered {
                st.redeliver(e, catch_depth);
                drop(st);
                waker.wake_by_ref();
                return;
            }
            st.transition_to_suspended(awaited, catch_depth)
        };
        match action {
            SuspendAction::Nothing => {}
            SuspendAction::WakeSelf => waker.wake_by_ref(),
            SuspendAction::Forward(awaited, msg) => {
                if cancel_any(&awaited, msg.as_deref()) {
                    self.lock().forward_accepted();
                } else {
                    waker.wake_by_ref();
                }
            }
        }
    }

    /// The terminal transition: stores the outcome and dispatches the done
    /// list through the loop's `call_soon`.
    pub(crate) fn complete(&self, handle: &Task<T>, outcome: Result<T, TaskError>)
    where
        T: Send + 'static,
    {
        let entries = {
            let mut st = self.lock();
            let entries = st.transition_to_complete(outcome);
            st.dispatching = true;
            entries
        };
        self.dispatch(handle, entries);
        // Callbacks added by other threads while the done list was being
        // queued joined `entries` instead of racing ahead of it: queue them
        // next, so callbacks run in the order they were added.
        loop {
            let late = {
                let mut st = self.lock();
                let late = std::mem::take(&mut st.entries);
                if late.is_empty() {
                    st.dispatching = false;
                }
                late
            };
            if late.is_empty() {
                break;
            }
            self.dispatch(handle, late);
        }
    }

    fn dispatch(&self, handle: &Task<T>, entries: Vec<Entry<Task<T>>>)
    where
        T: Send + 'static,
    {
        if entries.is_empty() {
            return;
        }
        self.env.call_soon(DoneList::job(handle.clone(), entries));
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
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(None, Arc::new(E));
    /// assert!(s.destroy_pending());
    /// assert!(s.cancelled());
    /// assert!(!s.destroy_pending());
    /// ```
    pub fn destroy_pending(&self) -> bool {
        let repr = self.repr_with(None);
        let entries = {
            let mut st = self.lock();
            if st.is_done() {
                return false;
            }
            st.transition_to_destroyed()
        };
        self.env
            .report(ExceptionContext::new(ReportKind::DestroyedPending).with_task(repr));
        for entry in entries {
            if let Entry::Awaiter { waker, .. } = entry {
                waker.wake();
            }
        }
        true
    }

    /// `add_done_callback` (spec §1.15); `handle` is what the callback receives.
    pub(crate) fn add_done_callback(&self, handle: &Task<T>, callback: DoneCallback<Task<T>>)
    where
        T: Send + 'static,
    {
        let mut st = self.lock();
        if st.is_done() && !st.dispatching {
            drop(st);
            // Never synchronous: even on a finished task it runs at a later tick.
            self.dispatch(handle, vec![Entry::Callback(callback)]);
        } else {
            // Pending, or done with its done list still being queued: the
            // completing thread queues this entry after the earlier ones.
            st.entries.push(Entry::Callback(callback));
        }
    }

    /// `remove_done_callback`: removes every entry of `callback`.
    pub(crate) fn remove_done_callback(&self, callback: &DoneCallback<Task<T>>) -> usize {
        let mut st = self.lock();
        if st.is_done() {
            // The done list was cleared at completion (late entries being
            // queued are already on their way to the loop).
            return 0;
        }
        let before = st.entries.len();
        st.entries
            .retain(|e| !matches!(e, Entry::Callback(c) if DoneCallback::ptr_eq(c, callback)));
        before - st.entries.len()
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
        hold_back: impl FnOnce() -> bool,
    ) -> Poll<Result<T, TaskError>>
    where
        T: Clone,
    {
        let mut st = self.lock();
        if st.is_done() {
            if hold_back() {
                return Poll::Pending;
            }
            *key = None;
            return Poll::Ready(st.result());
        }
        let found = key.and_then(|k| {
            st.entries.iter_mut().find_map(|e| match e {
                Entry::Awaiter { key, waker } if *key == k => Some(waker),
                _ => None,
            })
        });
        match found {
            Some(w) => {
                if !w.will_wake(cx.waker()) {
                    *w = cx.waker().clone();
                }
            }
            None => {
                let k = NEXT_AWAITER.fetch_add(1, Ordering::Relaxed);
                *key = Some(k);
                st.entries.push(Entry::Awaiter {
                    key: k,
                    waker: cx.waker().clone(),
                });
            }
        }
        Poll::Pending
    }

    /// An awaiter went away before the task was done.
    pub(crate) fn drop_join(&self, key: u64) {
        self.lock()
            .entries
            .retain(|e| !matches!(e, Entry::Awaiter { key: k, .. } if *k == key));
    }

    /// The repr (spec §1.17) without the result value, e.g.
    /// `<Task cancelling name='W'>`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct E; impl aiotask_core::Env for E { fn call_soon(&self, _: aiotask_core::Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let s: aiotask_core::Shared<()> = aiotask_core::Shared::new(Some("W".into()), Arc::new(E));
    /// assert_eq!(s.repr(), "<Task pending name='W'>");
    /// ```
    pub fn repr(&self) -> String {
        self.repr_with(None)
    }

    /// The repr (spec §1.17) with `value` formatting a finished result.
    pub(crate) fn repr_with(&self, value: Option<&dyn Fn(&T) -> String>) -> String {
        let st = self.lock();
        let mut out = format!(
            "<Task {} name={}",
            st.state_word(),
            aiotask_api::py_str_repr(&st.name.to_string_lossless())
        );
        match &st.phase {
            Phase::Finished(v) => {
                if let Some(fmt_value) = value {
                    let _ = write!(out, " result={}", fmt_value(v));
                }
            }
            Phase::Failed(f) => {
                let _ = write!(out, " exception={f:?}");
            }
            Phase::Pending | Phase::Cancelled => {}
        }
        out.push('>');
        out
    }
}

impl<T: Send + 'static> Drop for Shared<T> {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let (true, Phase::Failed(f)) = (st.log_traceback, &st.phase) {
            let failure = f.clone();
            st.log_traceback = false;
            let repr = self.repr_with(None);
            self.env.report(
                ExceptionContext::new(ReportKind::NeverRetrieved)
                    .with_task(repr)
                    .with_failure(failure),
            );
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr_with(None))
    }
}

fn cancel_any(task: &AnyTask, msg: Option<&str>) -> bool {
    match msg {
        Some(m) => task.cancel_with(m),
        None => task.cancel(),
    }
}

/// A done list on its way through the loop's `call_soon` queue.
///
/// Dropped unrun (its loop closed first), it still wakes the awaiters in
/// it: they may belong to another runtime, and a task that awaits a
/// finished task must not wait for ever. Its callbacks are dropped unrun.
struct DoneList<T: Send + 'static> {
    handle: Task<T>,
    entries: Vec<Entry<Task<T>>>,
}

impl<T: Send + 'static> DoneList<T> {
    fn job(handle: Task<T>, entries: Vec<Entry<Task<T>>>) -> crate::env::Job {
        let mut list = Self { handle, entries };
        Box::new(move || {
            let entries = std::mem::take(&mut list.entries);
            run_entries(&list.handle, entries);
        })
    }
}

impl<T: Send + 'static> Drop for DoneList<T> {
    fn drop(&mut self) {
        for entry in self.entries.drain(..) {
            if let Entry::Awaiter { waker, .. } = entry {
                waker.wake();
            }
        }
    }
}

/// Runs a done list in order: callbacks get the task; at an awaiter, the
/// loop resumes it in place ([`Env::wake_inline`]) and the rest follows.
/// A panicking callback is reported and the rest still run.
fn run_entries<T: Send + 'static>(handle: &Task<T>, entries: Vec<Entry<Task<T>>>) {
    let mut entries = entries.into_iter();
    while let Some(entry) = entries.next() {
        match entry {
            Entry::Callback(cb) => {
                let call = std::panic::AssertUnwindSafe(|| cb.call(handle));
                if let Err(payload) = std::panic::catch_unwind(call) {
                    let shared = handle.shared();
                    shared.env.report(
                        ExceptionContext::new(ReportKind::CallbackPanicked)
                            .with_task(shared.repr_with(None))
                            .with_failure(Failure::from_panic(payload)),
                    );
                }
            }
            Entry::Awaiter { waker, .. } => {
                let rest: Vec<_> = entries.collect();
                let then = (!rest.is_empty()).then(|| DoneList::job(handle.clone(), rest));
                handle.shared().env.wake_inline(waker, then);
                return;
            }
        }
    }
}
