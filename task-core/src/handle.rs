//! [`Task`]: the handle every backend hands out, and [`Join`], its await.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use aiotask_api::{
    AnyTask, CancelledError, DoneCallback, DynTask, Failure, TaskError, TaskId, TaskOutput,
};

use crate::context::{CatchCancel, env_identity, with_frame};
use crate::shared::{Reader, Shared};

/// The handle of a backend's cell: how a backend makes the [`Task`] it
/// hands out.
///
/// ```
/// # use std::sync::Arc;
/// # use aiotask_core::backend::{Env, Job, HostedCell, TaskCell, task_from_cell};
/// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
/// let cell: Arc<dyn TaskCell<u8>> = HostedCell::<u8>::new(None, Arc::new(E));
/// let task = task_from_cell(cell);
/// assert!(!task.done());
/// ```
pub fn task_from_cell<T: Send + 'static>(cell: Arc<dyn TaskCell<T>>) -> Task<T> {
    Task::from_cell(cell)
}

/// A handle's contract state, for its backend (to compare its env, to
/// destroy it at shutdown).
///
/// ```
/// # use std::sync::Arc;
/// # use aiotask_core::backend::{Env, Job, HostedCell, shared};
/// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
/// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
/// assert_eq!(shared(&task).id(), task.id());
/// ```
pub fn shared<T: Send + 'static>(task: &Task<T>) -> &Shared<T> {
    task.shared()
}

/// A backend's task allocation, seen through the state it embeds.
///
/// A backend stores a [`Shared`] inside whatever it allocates per task (the
/// native executor puts the future beside it, in one allocation) and
/// implements this trait (and [`DynTask`], with [`forward_dyn_task!`](crate::forward_dyn_task));
/// [`Task`] handles hold the allocation as `Arc<dyn TaskCell<T>>`, and
/// [`AnyTask`] as `Arc<dyn DynTask>`: the same allocation, no wrapper.
///
/// ```
/// use aiotask_core::backend::{Shared, TaskCell};
///
/// struct MyCell { shared: Shared<u32> }
/// impl aiotask_api::DynTask for MyCell {
///     aiotask_core::forward_dyn_task!(shared);
/// }
/// impl TaskCell<u32> for MyCell {
///     fn shared(&self) -> &Shared<u32> { &self.shared }
/// }
/// ```
pub trait TaskCell<T: Send + 'static>: DynTask + Send + Sync + 'static {
    /// The contract state of this task.
    fn shared(&self) -> &Shared<T>;
}

/// Implements [`DynTask`] for a cell type by forwarding to its
/// [`Shared`] field: the value-free contract is written once, in `Shared`.
///
/// ```
/// use aiotask_core::backend::{Shared, TaskCell};
///
/// struct MyCell { shared: Shared<u32> }
/// impl aiotask_api::DynTask for MyCell {
///     aiotask_core::forward_dyn_task!(shared);
/// }
/// impl TaskCell<u32> for MyCell {
///     fn shared(&self) -> &Shared<u32> { &self.shared }
/// }
/// ```
#[macro_export]
macro_rules! forward_dyn_task {
    ($field:ident) => {
        fn id(&self) -> $crate::__private::TaskId {
            self.$field.id()
        }
        fn cancel(&self, message: ::core::option::Option<&str>) -> bool {
            self.$field.cancel(message)
        }
        fn cancelled(&self) -> bool {
            self.$field.cancelled()
        }
        fn done(&self) -> bool {
            self.$field.done()
        }
        fn name(&self) -> ::std::string::String {
            self.$field.name()
        }
        fn set_name(&self, name: &str) {
            self.$field.set_name(name)
        }
        fn cancelling(&self) -> u32 {
            self.$field.cancelling()
        }
        fn uncancel(&self) -> u32 {
            self.$field.uncancel()
        }
        fn exception(
            &self,
        ) -> ::core::result::Result<
            ::core::option::Option<$crate::__private::Failure>,
            $crate::__private::TaskError,
        > {
            self.$field.exception()
        }
        fn repr(&self) -> ::std::string::String {
            self.$field.repr()
        }
        fn cancel_step(
            &self,
            message: ::core::option::Option<&str>,
            entry: $crate::__private::CancelEntry,
        ) -> $crate::__private::CancelStep {
            self.$field.cancel_step(message, entry)
        }
        fn repr_parts(&self) -> $crate::__private::ReprParts {
            self.$field.repr_parts_with(::core::option::Option::None)
        }
    };
}

/// The handle of one task: Python's `asyncio.Task` object.
///
/// Cloning gives another reference to the same task; dropping every handle
/// detaches the task, which runs on. Every method answers in every state.
/// See [`aiotask_api::Task`] for the contract of each method; this type
/// implements it.
///
/// Awaiting a handle (`task.await`, or `(&task).await` to keep it) gives the
/// outcome and never panics.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::HostedCell;
/// # use aiotask_core::backend::{Env, Job};
/// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
///
/// let task = HostedCell::<i32>::new(Some("MyTask".into()), Arc::new(E)).handle();
/// assert_eq!(format!("{task:?}"), "<Task pending name='MyTask'>");
/// assert!(task.cancel_with("stop"));
/// assert_eq!(format!("{task:?}"), "<Task cancelling name='MyTask'>");
/// ```
#[must_use = "dropping a task handle detaches the task: it keeps running, and its outcome can no longer be read"]
pub struct Task<T: Send + 'static> {
    cell: Arc<dyn TaskCell<T>>,
}

impl<T: Send + 'static> Clone for Task<T> {
    fn clone(&self) -> Self {
        Self {
            cell: self.cell.clone(),
        }
    }
}

impl<T: Send + 'static> Task<T> {
    /// Wraps a backend's cell (see [`task_from_cell`]).
    pub(crate) fn from_cell(cell: Arc<dyn TaskCell<T>>) -> Self {
        Self { cell }
    }

    /// The contract state (see [`shared`]).
    pub(crate) fn shared(&self) -> &Shared<T> {
        self.cell.shared()
    }

    /// The task's identity.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert_eq!(task.id(), task.clone().id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.shared().id()
    }

    /// Requests cancellation; `true` unless the task is done.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        self.shared().cancel(None)
    }

    /// Requests cancellation with a message; `true` unless the task is done.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.cancel_with("stop now"));
    /// ```
    pub fn cancel_with(&self, message: &str) -> bool {
        self.shared().cancel(Some(message))
    }

    /// True once the task ended cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(!task.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        self.shared().cancelled()
    }

    /// True once the task ended.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(!task.done());
    /// ```
    pub fn done(&self) -> bool {
        self.shared().done()
    }

    /// The value; see [`aiotask_api::Task::result`].
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled`, or the stored `Failed`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.result().unwrap_err().is_invalid_state());
    /// ```
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        self.shared().result()
    }

    /// The value, moved out; see [`aiotask_api::Task::take_result`].
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result), and `InvalidState` (taken) once the
    /// value was moved out.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.take_result().unwrap_err().is_invalid_state());
    /// ```
    pub fn take_result(&self) -> Result<T, TaskError> {
        self.shared().take_result()
    }

    /// A cancellation the body cannot catch; see [`aiotask_api::Task::abort`].
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.abort());
    /// ```
    pub fn abort(&self) -> bool {
        self.shared().abort()
    }

    /// Awaits the task by value, catching a cancellation in one shape, as
    /// Python's single `except CancelledError:` around `await task` does:
    /// `Err(CancelledError)` both when *this* task (the awaiter) is
    /// cancelled while it waits, and when the awaited task ends
    /// cancelled. `Ok(Err(_))` is the awaited task's failure (never a
    /// cancellation), `Ok(Ok(v))` its value, moved out. For a clone read,
    /// `task.join().catch_cancel()`.
    ///
    /// ```
    /// # async fn demo(worker: aiotask_core::Task<u8>) -> Result<(), aiotask_api::CancelledError> {
    /// match worker.catch_cancel().await {
    ///     Ok(Ok(v)) => println!("worker gave {v}"),
    ///     Ok(Err(failed)) => println!("worker failed: {failed}"),
    ///     Err(cancelled) => {
    ///         println!("cancelled: {:?}", cancelled.message());
    ///         return Err(cancelled); // re-raise: this task ends cancelled
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn catch_cancel(self) -> CatchJoin<T> {
        self.into_future().catch_cancel()
    }

    /// Drops this handle on purpose: the task runs on, detached. The same
    /// as `drop(task)`, said out loud.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// task.detach();
    /// ```
    pub fn detach(self) {}

    /// The stored failure; see [`aiotask_api::Task::exception`].
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled` when cancelled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.exception().is_err());
    /// ```
    pub fn exception(&self) -> Result<Option<Failure>, TaskError> {
        self.shared().exception()
    }

    /// Adds a done callback: it runs soon after completion, in FIFO order,
    /// never synchronously.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// task.add_done_callback(|t: &aiotask_core::Task<u8>| println!("{} done", t.name()));
    /// ```
    pub fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static) {
        self.shared()
            .add_done_callback(self, DoneCallback::new(callback))
    }

    /// Adds a callback with an identity, which
    /// [`remove_done_callback`](Self::remove_done_callback) can remove.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::{Task, backend::{Env, Job, HostedCell}};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// let cb = aiotask_api::DoneCallback::new(|_: &Task<u8>| {});
    /// task.add_done_callback_ref(&cb);
    /// assert_eq!(task.remove_done_callback(&cb), 1);
    /// ```
    pub fn add_done_callback_ref(&self, callback: &DoneCallback<Self>) {
        self.shared().add_done_callback(self, callback.clone())
    }

    /// Removes every entry of `callback`; returns how many.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::{Task, backend::{Env, Job, HostedCell}};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// let cb = aiotask_api::DoneCallback::new(|_: &Task<u8>| {});
    /// task.add_done_callback_ref(&cb);
    /// task.add_done_callback_ref(&cb);
    /// assert_eq!(task.remove_done_callback(&cb), 2);
    /// assert_eq!(task.remove_done_callback(&cb), 0);
    /// ```
    pub fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize {
        self.shared().remove_done_callback(callback)
    }

    /// The task's name.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert!(task.name().starts_with("Task-"));
    /// ```
    pub fn name(&self) -> String {
        self.shared().name()
    }

    /// Renames the task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// task.set_name("Renamed");
    /// assert_eq!(task.name(), "Renamed");
    /// ```
    pub fn set_name(&self, name: &str) {
        self.shared().set_name(name)
    }

    /// How many cancel requests are outstanding.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// task.cancel();
    /// assert_eq!(task.cancelling(), 1);
    /// ```
    pub fn cancelling(&self) -> u32 {
        self.shared().cancelling()
    }

    /// Decrements the cancel-request count (3.13 semantics) and returns it.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// task.cancel();
    /// assert_eq!(task.uncancel(), 0);
    /// ```
    pub fn uncancel(&self) -> u32 {
        self.shared().uncancel()
    }

    /// The task without its value type.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// assert_eq!(task.as_any_task().id(), task.id());
    /// ```
    pub fn as_any_task(&self) -> AnyTask {
        let cell: Arc<dyn DynTask> = self.cell.clone();
        AnyTask::new(cell)
    }

    /// A future of the outcome that clones the value (`T: Clone`), so every
    /// awaiter gets it and `result()` still answers: `(&task).await`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{Env, Job, HostedCell};
    /// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
    /// let join = task.join();
    /// # drop(join);
    /// ```
    pub fn join(&self) -> Join<T>
    where
        T: Clone,
    {
        Join::new(self.clone(), Reader::Clone(T::clone))
    }
}

impl<T: fmt::Debug + Send + 'static> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self
            .shared()
            .repr_parts_with(Some(&|v: &T| format!("{v:?}")));
        f.write_str(&crate::repr::render(self.id(), parts))
    }
}

/// Awaiting a task: its outcome, without suspending when it is already done.
///
/// ```
/// # use std::sync::Arc;
/// # use aiotask_core::backend::{Env, Job, HostedCell};
/// # struct E; impl Env for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
/// let task = HostedCell::<u8>::new(None, Arc::new(E)).handle();
/// let join: aiotask_core::Join<u8> = task.join(); // or `(&task).into_future()`
/// # drop(join);
/// ```
///
/// Inside a task, a pending `Join` is what the awaiter waits on: cancelling
/// the awaiter forwards the cancel to this task (spec §1.7).
#[must_use = "futures do nothing unless awaited"]
pub struct Join<T: Send + 'static> {
    task: Task<T>,
    /// Clones the value (`(&task).await`) or moves it out (`task.await`).
    reader: Reader<T>,
    key: Option<u64>,
    /// A task awaiting itself gets its error at the next tick.
    self_await_seen: bool,
}

impl<T: Send + 'static> Join<T> {
    fn new(task: Task<T>, reader: Reader<T>) -> Self {
        Self {
            task,
            reader,
            key: None,
            self_await_seen: false,
        }
    }

    /// This await, catching a cancellation in one shape; see
    /// [`Task::catch_cancel`]. (It replaces, for a `Join`, the generic
    /// [`CatchCancelExt::catch_cancel`](crate::CatchCancelExt::catch_cancel),
    /// whose `Ok(Err(TaskError::Cancelled(_)))` would be a second shape.)
    pub fn catch_cancel(self) -> CatchJoin<T> {
        CatchJoin {
            inner: crate::catch_cancel(self),
        }
    }
}

/// The future of [`Task::catch_cancel`] and [`Join::catch_cancel`].
#[must_use = "futures do nothing unless awaited"]
pub struct CatchJoin<T: Send + 'static> {
    inner: CatchCancel<Join<T>>,
}

impl<T: Send + 'static> fmt::Debug for CatchJoin<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatchJoin").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Future for CatchJoin<T> {
    type Output = Result<Result<T, TaskError>, CancelledError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner)
            .poll(cx)
            .map(|caught| match caught {
                Err(mine) => Err(mine),
                Ok(Err(TaskError::Cancelled(theirs))) => Err(theirs),
                Ok(other) => Ok(other),
            })
    }
}

impl<T: Send + 'static> fmt::Debug for Join<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("task", &self.task.id())
            .finish()
    }
}

/// The error thrown at `await` when a task awaits itself (spec §1.18).
#[derive(Debug)]
struct SelfAwait(String);

impl fmt::Display for SelfAwait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task cannot await on itself: {}", self.0)
    }
}

impl std::error::Error for SelfAwait {}

impl<T: Send + 'static> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let me = this.task.id();
        let is_self = with_frame(|f| f.task.id() == me).unwrap_or(false);
        if is_self && !this.task.done() {
            // asyncio queues a step that throws the error (READY), so it
            // arrives at the next tick.
            if !this.self_await_seen {
                this.self_await_seen = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let repr = this.task.shared().repr();
            return Poll::Ready(Err(TaskError::Failed(Failure::from_error(SelfAwait(repr)))));
        }
        let shared = this.task.shared();
        let env = shared.env();
        // The awaited task ended on a runtime that is shutting down. A task
        // of that same runtime (a step a worker began just before the drop)
        // does not resume past this await: the host destroys it next, as
        // asyncio runs no step after its loop closed. Checked once the task
        // is seen done, under its lock: a runtime destroys pending tasks
        // only after it began closing, so that order cannot be missed.
        let closing_here =
            || env.is_closing() && with_frame(|f| f.env == env_identity(env)).unwrap_or(false);
        let polled = shared.poll_join(&mut this.key, cx, this.reader, closing_here);
        if let (true, Some(key)) = (polled.is_pending(), this.key) {
            let awaited = this.task.as_any_task();
            // The task replaced is dropped after the frame's borrow ends.
            let _replaced = with_frame(|f| f.awaited.insert(awaited, key));
        }
        polled
    }
}

impl<T: Send + 'static> Drop for Join<T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.task.cell.shared().drop_join(key);
            // Dropped in the step that polled it (a lost `select!` branch):
            // the task no longer awaits this one, so a cancel must not be
            // forwarded here, and must wake the task rather than wait for
            // a done-list wake-up that was just withdrawn.
            let _cleared = with_frame(|f| f.awaited.remove(key));
        }
    }
}

/// Awaiting a handle by value moves the value out (value rule V5), for any
/// output type: later reads are told `Result was taken`.
impl<T: Send + 'static> IntoFuture for Task<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = Join<T>;

    fn into_future(self) -> Join<T> {
        Join::new(self, Reader::Take)
    }
}

/// Awaiting a handle by reference clones the value: every awaiter gets it.
impl<T: Clone + Send + 'static> IntoFuture for &Task<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = Join<T>;

    fn into_future(self) -> Join<T> {
        self.join()
    }
}

impl<T: TaskOutput> aiotask_api::Task for Task<T> {
    type Value = T;

    fn id(&self) -> TaskId {
        Task::id(self)
    }
    fn cancel(&self) -> bool {
        Task::cancel(self)
    }
    fn cancel_with(&self, message: &str) -> bool {
        Task::cancel_with(self, message)
    }
    fn cancelled(&self) -> bool {
        Task::cancelled(self)
    }
    fn done(&self) -> bool {
        Task::done(self)
    }
    fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        Task::result(self)
    }
    fn take_result(&self) -> Result<T, TaskError> {
        Task::take_result(self)
    }
    fn join(&self) -> Join<T>
    where
        T: Clone,
    {
        Task::join(self)
    }
    fn abort(&self) -> bool {
        Task::abort(self)
    }
    #[allow(
        refining_impl_trait,
        reason = "the concrete future is the inherent method's"
    )]
    fn catch_cancel(self) -> CatchJoin<T> {
        Task::catch_cancel(self)
    }
    fn exception(&self) -> Result<Option<Failure>, TaskError> {
        Task::exception(self)
    }
    fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static) {
        Task::add_done_callback(self, callback)
    }
    fn add_done_callback_ref(&self, callback: &DoneCallback<Self>) {
        Task::add_done_callback_ref(self, callback)
    }
    fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize {
        Task::remove_done_callback(self, callback)
    }
    fn name(&self) -> String {
        Task::name(self)
    }
    fn set_name(&self, name: &str) {
        Task::set_name(self, name)
    }
    fn cancelling(&self) -> u32 {
        Task::cancelling(self)
    }
    fn uncancel(&self) -> u32 {
        Task::uncancel(self)
    }
    fn repr(&self) -> String
    where
        T: fmt::Debug,
    {
        format!("{self:?}")
    }
    fn as_any(&self) -> AnyTask {
        self.as_any_task()
    }
}
