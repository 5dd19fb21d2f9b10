//! The task handle contract.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::sync::Arc;

use crate::{DoneCallback, Failure, TaskError};

/// What a task may return: any value that can be sent to whichever thread
/// reads it. It need not be `Clone` nor `Debug`.
///
/// How a finished task's value is read depends on what the type allows:
///
/// | read                                   | needs      | the value                          |
/// |----------------------------------------|------------|------------------------------------|
/// | `task.await`, [`Task::take_result`]    | nothing    | moved out: the first reader gets it |
/// | `(&task).await`, [`Task::join`], [`Task::result`] | `T: Clone` | cloned: every reader gets it (Python's) |
/// | `format!("{task:?}")`                  | `T: Debug` | `result=<its Debug>`                |
///
/// Once moved out, every later read is told
/// [`InvalidStateError::result_taken`](crate::InvalidStateError::result_taken)
/// and the repr shows `result=<taken>`. A handle that cannot format the
/// value (an [`AnyTask`], a report) shows its type: `result=<i32>`.
///
/// ```
/// fn assert_output<T: aiotask_api::TaskOutput>() {}
/// assert_output::<u64>();
/// assert_output::<std::net::TcpStream>(); // neither Clone nor Debug-printed
/// assert_output::<std::io::Result<Vec<u8>>>();
/// ```
pub trait TaskOutput: Send + 'static {}
impl<T: Send + 'static> TaskOutput for T {}

/// A task's identity, unique in the process.
///
/// ```
/// let id = aiotask_api::TaskId::new(7);
/// assert_eq!(id.get(), 7);
/// assert_eq!(id.to_string(), "7");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    /// Wraps a raw id.
    ///
    /// ```
    /// assert_eq!(aiotask_api::TaskId::new(1), aiotask_api::TaskId::new(1));
    /// ```
    pub const fn new(id: u64) -> Self {
        Self(id)
    }

    /// The raw id.
    ///
    /// ```
    /// assert_eq!(aiotask_api::TaskId::new(3).get(), 3);
    /// ```
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The handle of an `asyncio.Task`: inspect, name, cancel with a reason,
/// attach callbacks, await.
///
/// Every method answers in every state and none consumes the handle. Cloning
/// a handle gives another reference to the same task (Python's references);
/// dropping every handle *detaches* the task, which runs on.
///
/// Awaiting a handle gives `Ok(value)`, `Err(TaskError::Cancelled(_))` or
/// `Err(TaskError::Failed(_))`; it never panics. `task.await` moves the
/// value out (any output type); `(&task).await` or [`join`](Task::join)
/// clones it (`Value: Clone`), so every awaiter gets it, as in Python (see
/// [`TaskOutput`]). Awaiting a task from inside another task also forwards
/// a cancel of the awaiter to the awaited task, as asyncio does.
///
/// ```
/// use aiotask_api::Task;
///
/// // Generic code over any backend's handle:
/// fn describe<T: Task>(task: &T) -> String {
///     format!("{} done={} cancelled={}", task.name(), task.done(), task.cancelled())
/// }
/// ```
pub trait Task:
    Clone
    + Send
    + Sync
    + Unpin
    + IntoFuture<Output = Result<<Self as Task>::Value, TaskError>, IntoFuture: Send + Unpin>
    + 'static
{
    /// The value the task's body returns.
    type Value: TaskOutput;

    /// The task's identity.
    ///
    /// ```
    /// fn same<T: aiotask_api::Task>(a: &T, b: &T) -> bool { a.id() == b.id() }
    /// ```
    fn id(&self) -> crate::TaskId;

    /// Requests cancellation (Python's `task.cancel()`).
    ///
    /// Returns `true` for any task that is not done, even one already asked
    /// to cancel and even when the body later suppresses the cancellation;
    /// `false` only for a done task. Delivery happens at the task's next
    /// suspension point. Works from any thread.
    ///
    /// ```
    /// fn stop<T: aiotask_api::Task>(t: &T) -> bool { t.cancel() }
    /// ```
    fn cancel(&self) -> bool;

    /// Requests cancellation with a message (Python's `task.cancel(msg)`).
    ///
    /// The message reaches the body as [`CancelledError::message`](crate::CancelledError::message).
    ///
    /// ```
    /// fn stop<T: aiotask_api::Task>(t: &T) -> bool { t.cancel_with("shutting down") }
    /// ```
    fn cancel_with(&self, message: &str) -> bool;

    /// True once the task ended cancelled (Python's `cancelled()`).
    ///
    /// ```
    /// fn gone<T: aiotask_api::Task>(t: &T) -> bool { t.cancelled() }
    /// ```
    fn cancelled(&self) -> bool;

    /// True once the task ended in any way (Python's `done()`).
    ///
    /// ```
    /// fn finished<T: aiotask_api::Task>(t: &T) -> bool { t.done() }
    /// ```
    fn done(&self) -> bool;

    /// The task's value (Python's `result()`).
    ///
    /// # Errors
    ///
    /// [`TaskError::InvalidState`] while pending, [`TaskError::Cancelled`]
    /// when cancelled, [`TaskError::Failed`] with the stored failure.
    ///
    /// A clone of the value: every call, and every reader, gets it. For a
    /// value that is not `Clone`, see [`take_result`](Task::take_result).
    ///
    /// ```
    /// fn value<T: aiotask_api::Task<Value = u8>>(t: &T) -> Option<u8> { t.result().ok() }
    /// ```
    fn result(&self) -> Result<Self::Value, TaskError>
    where
        Self::Value: Clone;

    /// [`result`](Task::result) that moves the value out, for any output
    /// type. The first read of a finished value gets it; every later read
    /// (`result()`, `take_result()`, an await) gets `InvalidState` with
    /// [`InvalidStateError::result_taken`](crate::InvalidStateError::result_taken).
    ///
    /// # Errors
    ///
    /// As [`result`](Task::result), and `InvalidState` once taken.
    ///
    /// ```
    /// fn value<T: aiotask_api::Task>(t: &T) -> Option<T::Value> { t.take_result().ok() }
    /// ```
    fn take_result(&self) -> Result<Self::Value, TaskError>;

    /// A future of the outcome that clones the value, leaving this handle
    /// and every other reader able to read it: `(&task).await`.
    ///
    /// ```
    /// async fn twice<T: aiotask_api::Task<Value = u8>>(t: T) -> u8 {
    ///     t.join().await.unwrap() + t.join().await.unwrap()
    /// }
    /// ```
    fn join(&self) -> <Self as IntoFuture>::IntoFuture
    where
        Self::Value: Clone;

    /// Awaits the task by value, catching a cancellation in one shape as
    /// Python's single `except CancelledError:` around `await task` does:
    /// `Err(CancelledError)` when the awaiting task is cancelled while it
    /// waits *and* when the awaited task ends cancelled; `Ok(Err(_))` is a
    /// failure (never a cancellation), `Ok(Ok(v))` the value, moved out.
    ///
    /// ```
    /// use aiotask_api::{CancelledError, Task};
    /// async fn supervise<T: Task<Value = u8>>(worker: T) -> Result<u8, CancelledError> {
    ///     match worker.catch_cancel().await {
    ///         Ok(outcome) => Ok(outcome.unwrap_or(0)),
    ///         Err(cancelled) => Err(cancelled), // re-raise
    ///     }
    /// }
    /// ```
    fn catch_cancel(
        self,
    ) -> impl Future<Output = Result<Result<Self::Value, TaskError>, crate::CancelledError>>
    + Send
    + Unpin
    + 'static;

    /// A cancellation the body cannot catch or refuse, for the second
    /// phase of a shutdown: at the task's next step its body is dropped
    /// without being polled, whatever `catch_cancel` is active, and the
    /// task ends cancelled; callbacks and awaiters are told as for any
    /// cancel. Returns `true` unless the task is done. It counts as one
    /// request in [`cancelling`](Task::cancelling) and
    /// [`uncancel`](Task::uncancel) cannot revoke it. The tasks the body
    /// awaits are not cancelled (dropping the body drops its awaits; they
    /// run on, detached), unlike [`cancel`](Task::cancel), which is
    /// forwarded to them. A body polled on another thread at that moment
    /// finishes its poll first: no code is interrupted mid-poll.
    ///
    /// ```
    /// fn stop_now<T: aiotask_api::Task>(t: &T) -> bool { t.abort() }
    /// ```
    fn abort(&self) -> bool;

    /// The stored failure, or `None` for a task that returned a value
    /// (Python's `exception()`).
    ///
    /// # Errors
    ///
    /// [`TaskError::InvalidState`] while pending, [`TaskError::Cancelled`]
    /// when cancelled.
    ///
    /// ```
    /// fn failed<T: aiotask_api::Task>(t: &T) -> bool { matches!(t.exception(), Ok(Some(_))) }
    /// ```
    fn exception(&self) -> Result<Option<Failure>, TaskError>;

    /// Adds a callback that receives the task once it is done.
    ///
    /// Callbacks run soon after completion, in the order they were added,
    /// never synchronously: not even when added to a finished task.
    ///
    /// The closure's argument type is inferred: `|t| …` receives `&Self`.
    /// A closure has no identity, so it cannot be removed; to remove a
    /// callback later, make it a [`DoneCallback`] and add it with
    /// [`add_done_callback_ref`](Task::add_done_callback_ref).
    ///
    /// ```
    /// fn log<T: aiotask_api::Task>(t: &T) { t.add_done_callback(|t| println!("{} done", t.name())) }
    /// ```
    fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static);

    /// Adds a callback with an identity, which
    /// [`remove_done_callback`](Task::remove_done_callback) can remove.
    /// Adding the same one twice adds two entries (Python's rule).
    ///
    /// ```
    /// use aiotask_api::{DoneCallback, Task};
    /// fn twice<T: Task>(t: &T) -> usize {
    ///     let cb = DoneCallback::new(|t: &T| println!("{} done", t.name()));
    ///     t.add_done_callback_ref(&cb);
    ///     t.add_done_callback_ref(&cb);
    ///     t.remove_done_callback(&cb) // 2 while the task is pending
    /// }
    /// ```
    fn add_done_callback_ref(&self, callback: &DoneCallback<Self>);

    /// Removes every entry of `callback`; returns how many were removed.
    ///
    /// ```
    /// fn forget<T: aiotask_api::Task>(t: &T, cb: &aiotask_api::DoneCallback<T>) -> usize {
    ///     t.remove_done_callback(cb)
    /// }
    /// ```
    fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize;

    /// The task's name; `Task-N` from a process-wide counter unless given.
    ///
    /// ```
    /// fn label<T: aiotask_api::Task>(t: &T) -> String { t.name() }
    /// ```
    fn name(&self) -> String;

    /// Renames the task (Python's `set_name(str(x))`).
    ///
    /// ```
    /// fn rename<T: aiotask_api::Task>(t: &T) { t.set_name("worker") }
    /// ```
    fn set_name(&self, name: &str);

    /// How many cancel requests are outstanding (Python's `cancelling()`).
    ///
    /// ```
    /// fn asked<T: aiotask_api::Task>(t: &T) -> bool { t.cancelling() > 0 }
    /// ```
    fn cancelling(&self) -> u32;

    /// Decrements the cancel-request count and returns it (Python 3.13's
    /// `uncancel()`): reaching zero revokes a request not yet delivered.
    ///
    /// ```
    /// fn undo<T: aiotask_api::Task>(t: &T) -> u32 { t.uncancel() }
    /// ```
    fn uncancel(&self) -> u32;

    /// The repr, with the value's `Debug` (what `format!("{task:?}")`
    /// prints for a concrete handle), for generic code: e.g.
    /// `<Task finished name='Task-3' result=42>`.
    ///
    /// ```
    /// fn show<T: aiotask_api::Task<Value = u8>>(t: &T) -> String { t.repr() }
    /// ```
    fn repr(&self) -> String
    where
        Self::Value: fmt::Debug;

    /// The same task without its value type, as `current_task()` returns it.
    ///
    /// ```
    /// fn erase<T: aiotask_api::Task>(t: &T) -> aiotask_api::AnyTask { t.as_any() }
    /// ```
    fn as_any(&self) -> AnyTask;
}

/// The value-free part of the task contract, object safe.
///
/// Backends implement it for their task cells; [`AnyTask`] wraps it.
///
/// ```
/// fn count(t: &dyn aiotask_api::DynTask) -> u32 { t.cancelling() }
/// ```
pub trait DynTask: Send + Sync + 'static {
    /// See [`Task::id`].
    fn id(&self) -> TaskId;
    /// See [`Task::cancel_with`]; `None` is a cancel with no message.
    fn cancel(&self, message: Option<&str>) -> bool;
    /// See [`Task::cancelled`].
    fn cancelled(&self) -> bool;
    /// See [`Task::done`].
    fn done(&self) -> bool;
    /// See [`Task::name`].
    fn name(&self) -> String;
    /// See [`Task::set_name`].
    fn set_name(&self, name: &str);
    /// See [`Task::cancelling`].
    fn cancelling(&self) -> u32;
    /// See [`Task::uncancel`].
    fn uncancel(&self) -> u32;
    /// See [`Task::exception`].
    fn exception(&self) -> Result<Option<Failure>, TaskError>;
    /// The task's repr, e.g. `<Task pending name='Task-3'>`.
    fn repr(&self) -> String;

    /// One step of a cancel walk: the request as it reaches this task
    /// alone, without forwarding it further. aiotask-core walks a chain of
    /// awaits with it, on a worklist instead of the stack (a chain of a
    /// million awaits, or a cycle, must not overflow it). The default
    /// answers with a whole [`cancel`](DynTask::cancel).
    #[doc(hidden)]
    fn cancel_step(
        &self,
        message: Option<&str>,
        entry: protocol::CancelEntry,
    ) -> protocol::CancelStep {
        match entry {
            protocol::CancelEntry::Request => protocol::CancelStep::Answered(self.cancel(message)),
            _ => protocol::CancelStep::Answered(!self.done()),
        }
    }

    /// The repr split where `wait_for=` goes, for a repr that follows a
    /// chain of awaits without recursing. The default is the whole repr.
    #[doc(hidden)]
    fn repr_parts(&self) -> protocol::ReprParts {
        protocol::ReprParts {
            open: self.repr(),
            wait_for: None,
            close: String::new(),
        }
    }
}

/// The steps of the walks aiotask-core makes over chains of awaits (cancel
/// forwarding, `wait_for=` in reprs). Not a public interface: a task cell
/// gets them from `aiotask_core::forward_dyn_task!`.
#[doc(hidden)]
pub mod protocol {
    use super::AnyTask;

    /// How a cancel request reaches one task of a walk.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum CancelEntry {
        /// A new request (`cancel()` or a forward): counted.
        Request,
        /// Every task this one awaited in suspension `.0` refused the
        /// forward: route it again, not counted again.
        Refused(u32),
        /// The forward would reach a task already on the walk's path (a
        /// cycle of awaits): this task takes the request itself.
        Cycle,
    }

    /// What one step of a cancel walk answers.
    #[derive(Debug)]
    pub enum CancelStep {
        /// `cancel()`'s answer for this task.
        Answered(bool),
        /// Forward to every task this one awaits (`first`, then `rest`),
        /// made in suspension `suspension`.
        Forward {
            /// The first awaited task.
            first: AnyTask,
            /// The others (a step that awaits several tasks at once).
            rest: Vec<AnyTask>,
            /// The suspension the forward was made in.
            suspension: u32,
        },
    }

    /// A repr split around its `wait_for=` part.
    #[derive(Debug)]
    pub struct ReprParts {
        /// Up to where ` wait_for=` goes, e.g. `<Task pending name='A'`.
        pub open: String,
        /// The task awaited, shown after ` wait_for=`.
        pub wait_for: Option<AnyTask>,
        /// The rest, e.g. `>`.
        pub close: String,
    }
}

/// A task handle without its value type: what `current_task()` gives.
///
/// ```
/// fn self_cancel(me: aiotask_api::AnyTask) -> bool { me.cancel() }
/// ```
#[derive(Clone)]
pub struct AnyTask(Arc<dyn DynTask>);

impl AnyTask {
    /// Wraps a backend's task cell.
    ///
    /// ```
    /// fn wrap(cell: std::sync::Arc<dyn aiotask_api::DynTask>) -> aiotask_api::AnyTask {
    ///     aiotask_api::AnyTask::new(cell)
    /// }
    /// ```
    pub fn new(cell: Arc<dyn DynTask>) -> Self {
        Self(cell)
    }

    /// See [`Task::id`].
    ///
    /// ```
    /// fn id(t: &aiotask_api::AnyTask) -> u64 { t.id().get() }
    /// ```
    pub fn id(&self) -> TaskId {
        self.0.id()
    }

    /// See [`Task::cancel`].
    ///
    /// ```
    /// fn stop(t: &aiotask_api::AnyTask) -> bool { t.cancel() }
    /// ```
    pub fn cancel(&self) -> bool {
        self.0.cancel(None)
    }

    /// See [`Task::cancel_with`].
    ///
    /// ```
    /// fn stop(t: &aiotask_api::AnyTask) -> bool { t.cancel_with("why") }
    /// ```
    pub fn cancel_with(&self, message: &str) -> bool {
        self.0.cancel(Some(message))
    }

    /// See [`Task::cancelled`].
    ///
    /// ```
    /// fn gone(t: &aiotask_api::AnyTask) -> bool { t.cancelled() }
    /// ```
    pub fn cancelled(&self) -> bool {
        self.0.cancelled()
    }

    /// See [`Task::done`].
    ///
    /// ```
    /// fn finished(t: &aiotask_api::AnyTask) -> bool { t.done() }
    /// ```
    pub fn done(&self) -> bool {
        self.0.done()
    }

    /// See [`Task::name`].
    ///
    /// ```
    /// fn label(t: &aiotask_api::AnyTask) -> String { t.name() }
    /// ```
    pub fn name(&self) -> String {
        self.0.name()
    }

    /// See [`Task::set_name`].
    ///
    /// ```
    /// fn rename(t: &aiotask_api::AnyTask) { t.set_name("x") }
    /// ```
    pub fn set_name(&self, name: &str) {
        self.0.set_name(name)
    }

    /// See [`Task::cancelling`].
    ///
    /// ```
    /// fn n(t: &aiotask_api::AnyTask) -> u32 { t.cancelling() }
    /// ```
    pub fn cancelling(&self) -> u32 {
        self.0.cancelling()
    }

    /// See [`Task::uncancel`].
    ///
    /// ```
    /// fn undo(t: &aiotask_api::AnyTask) -> u32 { t.uncancel() }
    /// ```
    pub fn uncancel(&self) -> u32 {
        self.0.uncancel()
    }

    /// `exception()`: the failure, `None` for a value, `Err` when pending
    /// or cancelled (see [`Task::exception`]). Like asyncio's, it marks a
    /// failure retrieved and hands a cancellation's message out once.
    ///
    /// ```
    /// fn failed(t: &aiotask_api::AnyTask) -> bool { matches!(t.exception(), Ok(Some(_))) }
    /// ```
    pub fn exception(&self) -> Result<Option<Failure>, TaskError> {
        self.0.exception()
    }

    /// See [`DynTask::cancel_step`].
    #[doc(hidden)]
    pub fn cancel_step(
        &self,
        message: Option<&str>,
        entry: protocol::CancelEntry,
    ) -> protocol::CancelStep {
        self.0.cancel_step(message, entry)
    }

    /// See [`DynTask::repr_parts`].
    #[doc(hidden)]
    pub fn repr_parts(&self) -> protocol::ReprParts {
        self.0.repr_parts()
    }
}

impl PartialEq for AnyTask {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for AnyTask {}

impl fmt::Debug for AnyTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.repr())
    }
}
