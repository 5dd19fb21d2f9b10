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
/// /// Neither `Clone` nor `Debug`: still a task's value.
/// struct Socket {
///     fd: i32,
/// }
///
/// let rt = aiotask::Runtime::new();
/// let socket = rt.run(async {
///     let task = aiotask::spawn(async { Socket { fd: 3 } });
///     task.await.unwrap() // by value: moved out, no `Clone` needed
/// });
/// assert_eq!(socket.unwrap().fd, 3);
/// ```
pub trait TaskOutput: Send + 'static {}
impl<T: Send + 'static> TaskOutput for T {}

/// A task's identity, unique in the process: the same for every clone of
/// a handle and for the [`AnyTask`] of the same task.
///
/// ```
/// use aiotask::prelude::*;
///
/// let rt = aiotask::Runtime::new();
/// let a = rt.handle().create_task(async {});
/// let b = rt.handle().create_task(async {});
/// assert_eq!(a.id(), a.clone().id()); // a clone is the same task
/// assert_eq!(a.id(), a.as_any_task().id());
/// assert_ne!(a.id(), b.id());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    /// Wraps a raw id (for backends: a task's id comes from its runtime).
    pub const fn new(id: u64) -> Self {
        Self(id)
    }

    /// The raw id, as `Display` prints it.
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
/// Applications use the concrete handle, `aiotask::Task<T>`, whose own
/// methods are these; the trait is for code generic over backends
/// (`aiotask::traits::Task`). The examples run on the `aiotask` facade.
///
/// ```
/// use aiotask::prelude::*;
/// use aiotask::traits::Task;
///
/// // Generic code over any backend's handle:
/// fn describe<T: Task>(task: &T) -> String {
///     format!("{} done={} cancelled={}", task.name(), task.done(), task.cancelled())
/// }
///
/// let rt = aiotask::Runtime::new();
/// let task = rt.handle().create_named_task("w", async { 1 });
/// assert_eq!(describe(&task), "w done=false cancelled=false");
/// rt.run_until_complete(&task).unwrap();
/// assert_eq!(describe(&task), "w done=true cancelled=false");
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

    /// The task's identity: equal for every clone of the handle, unique in
    /// the process ([`TaskId`]).
    fn id(&self) -> crate::TaskId;

    /// Requests cancellation (Python's `task.cancel()`).
    ///
    /// Returns `true` for any task that is not done, even one already asked
    /// to cancel and even when the body later suppresses the cancellation;
    /// `false` only for a done task. Each call counts one request
    /// ([`cancelling`](Task::cancelling)), but requests made before
    /// delivery are delivered as one cancellation, at the task's next
    /// suspension point. A task not started yet runs none of its body.
    /// Works from any thread.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {
    ///         let first = aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await;
    ///         let second = aiotask::yield_now().catch_cancel().await;
    ///         (first.is_err(), second.is_ok()) // caught once, then left alone
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///
    ///     assert!(task.cancel());
    ///     assert!(task.cancel()); // already cancelling: still true
    ///     assert_eq!(task.cancelling(), 2);
    ///
    ///     assert_eq!((&task).await.unwrap(), (true, true)); // one delivery, suppressed
    ///     assert!(!task.cancelled()); // though cancel() said true twice
    ///     assert!(!task.cancel()); // done: false
    /// })
    /// .unwrap();
    /// ```
    fn cancel(&self) -> bool;

    /// Requests cancellation with a message (Python's `task.cancel(msg)`).
    ///
    /// The message reaches the body as [`CancelledError::message`](crate::CancelledError::message),
    /// and, when the body lets the cancellation propagate, the first reader
    /// of the outcome (see [`result`](Task::result): it is handed out
    /// once). Of several requests made while the task waits in an await,
    /// the first message is delivered; of requests made before it started,
    /// or while a step of it is queued, the last.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {
    ///         match aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await {
    ///             Ok(()) => String::from("slept"),
    ///             Err(e) => format!("stopped: {}", e.message().unwrap_or("")),
    ///         }
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///     task.cancel_with("deploy");
    ///     task.cancel_with("shutdown"); // counted, but its message is not the one delivered
    ///     assert_eq!(task.await.unwrap(), "stopped: deploy");
    /// })
    /// .unwrap();
    /// ```
    fn cancel_with(&self, message: &str) -> bool;

    /// True once the task ended cancelled (Python's `cancelled()`).
    ///
    /// Not the same as "[`cancel`](Task::cancel) was called": a body that
    /// suppresses the cancellation finishes normally, and a task can end
    /// cancelled with no request at all, when its body returns a
    /// cancellation, e.g. the outcome of a cancelled task it awaited.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let child = aiotask::spawn(aiotask::sleep(Duration::from_secs(3600)));
    ///     let awaited = child.clone();
    ///     // The body's Err(TaskError::Cancelled(_)) is the child's, passed on.
    ///     let parent = aiotask::spawn_try(async move { awaited.await });
    ///     child.cancel();
    ///     let _ = (&parent).await;
    ///     assert!(parent.cancelled());
    ///     assert_eq!(parent.cancelling(), 0); // nobody asked it to
    /// })
    /// .unwrap();
    /// ```
    fn cancelled(&self) -> bool;

    /// True once the task ended in any way (Python's `done()`): with a
    /// value, a failure or cancelled. Only the task's own step ends it:
    /// [`cancel`](Task::cancel) never makes a task done by itself.
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
    /// A cancellation's message is handed out **once**, as in CPython 3.13:
    /// when the body let the cancellation propagate, the first read of the
    /// outcome (this, [`exception`](Task::exception), or an await) gets the
    /// [`CancelledError`](crate::CancelledError) with its message, and every
    /// later read a fresh one without it.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { String::from("v") });
    ///     assert!(task.result().unwrap_err().is_invalid_state()); // pending
    ///     let _ = (&task).await;
    ///     assert_eq!(task.result().unwrap(), "v");
    ///     assert_eq!(task.result().unwrap(), "v"); // a clone, every time
    ///
    ///     let sleeper = aiotask::spawn(aiotask::sleep(Duration::from_secs(3600)));
    ///     aiotask::yield_now().await; // it starts and sleeps
    ///     sleeper.cancel_with("stop");
    ///     while !sleeper.done() {
    ///         aiotask::yield_now().await; // wait, without reading the outcome
    ///     }
    ///     let first = sleeper.result().unwrap_err();
    ///     assert_eq!(first.cancelled().unwrap().message(), Some("stop"));
    ///     let later = sleeper.result().unwrap_err();
    ///     assert_eq!(later.cancelled().unwrap().message(), None); // handed out once
    /// })
    /// .unwrap();
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
    /// #[derive(Debug)]
    /// struct Token(u32); // not Clone
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { Token(7) });
    ///     while !task.done() {
    ///         aiotask::yield_now().await;
    ///     }
    ///     assert_eq!(task.take_result().unwrap().0, 7); // moved out
    ///     let again = task.take_result().unwrap_err();
    ///     assert!(matches!(again, aiotask::TaskError::InvalidState(e) if e.is_result_taken()));
    ///     assert!(format!("{task:?}").ends_with("result=<taken>>"));
    /// })
    /// .unwrap();
    /// ```
    fn take_result(&self) -> Result<Self::Value, TaskError>;

    /// A future of the outcome that clones the value, leaving this handle
    /// and every other reader able to read it: `(&task).await`. Many tasks
    /// may await one task; each gets the value.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let config = aiotask::spawn(async { String::from("loaded") });
    ///     let readers: Vec<_> = (0..2)
    ///         .map(|_| {
    ///             let config = config.clone();
    ///             aiotask::spawn(async move { config.join().await.unwrap() })
    ///         })
    ///         .collect();
    ///     for reader in readers {
    ///         assert_eq!(reader.await.unwrap(), "loaded");
    ///     }
    ///     assert_eq!(config.result().unwrap(), "loaded"); // still there
    /// })
    /// .unwrap();
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
    /// A plain `worker.await` instead gives the awaited task's cancellation
    /// as a value, `Err(TaskError::Cancelled(_))`, which the body must pass
    /// on itself (`?` in a `spawn_try` body) to end cancelled as Python's
    /// uncaught `CancelledError` would. That is also what it gets when the
    /// awaiter was the one cancelled: the request is forwarded to the
    /// awaited task, and the awaiter resumes with that task's outcome.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     // The awaited task ends cancelled: Err, with its message.
    ///     let worker = aiotask::spawn(aiotask::sleep(Duration::from_secs(3600)));
    ///     worker.cancel_with("not needed");
    ///     assert_eq!(worker.catch_cancel().await.unwrap_err().message(), Some("not needed"));
    ///
    ///     // The awaiter is cancelled while it waits: the same shape. (The
    ///     // cancel is forwarded to the awaited task, as asyncio does.)
    ///     let slow = aiotask::spawn(aiotask::sleep(Duration::from_secs(3600)));
    ///     let supervisor = aiotask::spawn(async move {
    ///         match slow.catch_cancel().await {
    ///             Ok(outcome) => format!("worker ended, ok: {}", outcome.is_ok()),
    ///             Err(cancelled) => format!("cancelled: {}", cancelled.message().unwrap_or("")),
    ///         }
    ///     });
    ///     aiotask::yield_now().await; // the supervisor starts and awaits
    ///     supervisor.cancel_with("shutdown");
    ///     assert_eq!(supervisor.await.unwrap(), "cancelled: shutdown");
    /// })
    /// .unwrap();
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
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let stubborn = aiotask::spawn(async {
    ///         // Refuses every cancel(): catches it and sleeps again.
    ///         while aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await.is_err() {}
    ///     });
    ///     aiotask::yield_now().await;
    ///     stubborn.cancel();
    ///     aiotask::sleep(Duration::from_millis(10)).await;
    ///     assert!(!stubborn.done()); // refused
    ///
    ///     assert!(stubborn.abort()); // no catch_cancel sees this one
    ///     assert!(stubborn.await.unwrap_err().is_cancelled());
    /// })
    /// .unwrap();
    /// ```
    fn abort(&self) -> bool;

    /// [`abort`](Task::abort) with a reason: the task ends with a
    /// `CancelledError` carrying `message`, whatever an earlier cancel said.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let t = aiotask::spawn(std::future::pending::<()>());
    ///     t.abort_with("deadline");
    ///     assert_eq!(t.await.unwrap_err().cancelled().unwrap().message(), Some("deadline"));
    /// })
    /// .unwrap();
    /// ```
    fn abort_with(&self, message: &str) -> bool;

    /// The stored failure, or `None` for a task that returned a value
    /// (Python's `exception()`).
    ///
    /// # Errors
    ///
    /// [`TaskError::InvalidState`] while pending, [`TaskError::Cancelled`]
    /// when cancelled: as in Python, a cancellation is raised, not
    /// returned. Reading a failure marks it retrieved (no `Task exception
    /// was never retrieved` report), and a cancellation's message is handed
    /// out once, as by [`result`](Task::result).
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let ok = aiotask::spawn(async { 1 });
    ///     let bad = aiotask::spawn_try(async { Err::<u8, _>(std::io::Error::other("disk full")) });
    ///     let gone = aiotask::spawn(async { 2 });
    ///     gone.cancel();
    ///     assert!(ok.exception().unwrap_err().is_invalid_state()); // pending
    ///
    ///     let _ = ((&ok).await, (&bad).await, (&gone).await);
    ///     assert!(ok.exception().unwrap().is_none()); // a value: no exception
    ///     assert_eq!(bad.exception().unwrap().unwrap().to_string(), "disk full");
    ///     assert!(gone.exception().unwrap_err().is_cancelled());
    /// })
    /// .unwrap();
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
    /// A callback runs on the task's loop, outside every task
    /// (`current_task()` is `None` there); one that panics is reported to
    /// the exception handler, and the others still run.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let log = Arc::new(Mutex::new(Vec::new()));
    ///     let task = aiotask::spawn(async { 5 });
    ///     for tag in ["first", "second"] {
    ///         let log = log.clone();
    ///         task.add_done_callback(move |t| log.lock().unwrap().push(format!("{tag}: {:?}", t.result())));
    ///     }
    ///     let _ = (&task).await;
    ///     aiotask::yield_now().await; // callbacks run on the loop, in the order added
    ///     assert_eq!(*log.lock().unwrap(), ["first: Ok(5)", "second: Ok(5)"]);
    ///
    ///     let late = log.clone();
    ///     task.add_done_callback(move |_| late.lock().unwrap().push("late".into()));
    ///     assert_eq!(log.lock().unwrap().len(), 2); // done already, yet not run here
    ///     aiotask::yield_now().await;
    ///     assert_eq!(log.lock().unwrap().len(), 3);
    /// })
    /// .unwrap();
    /// ```
    fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static);

    /// Adds a callback with an identity, which
    /// [`remove_done_callback`](Task::remove_done_callback) can remove.
    /// Adding the same one twice adds two entries (Python's rule), and
    /// removing it removes both.
    ///
    /// ```
    /// use aiotask::DoneCallback;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {});
    ///     let cb = DoneCallback::new(|t: &aiotask::Task<()>| println!("{} done", t.name()));
    ///     task.add_done_callback_ref(&cb);
    ///     task.add_done_callback_ref(&cb);
    ///     assert_eq!(task.remove_done_callback(&cb), 2); // both entries
    ///     assert_eq!(task.remove_done_callback(&cb), 0);
    ///
    ///     task.add_done_callback_ref(&cb);
    ///     let _ = (&task).await;
    ///     assert_eq!(task.remove_done_callback(&cb), 0); // done: already scheduled
    /// })
    /// .unwrap();
    /// ```
    fn add_done_callback_ref(&self, callback: &DoneCallback<Self>);

    /// Removes every entry of `callback` (every entry made from it or a
    /// clone of it); returns how many were removed. Once the task is done
    /// its callbacks are scheduled and the list is empty: 0.
    fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize;

    /// The task's name (Python's `get_name()`); `Task-N` from a
    /// process-wide counter unless one was given. Named tasks take no
    /// number (3.13's rule).
    fn name(&self) -> String;

    /// Renames the task (Python's `set_name(str(x))`), in any state.
    fn set_name(&self, name: &str);

    /// How many cancel requests were made (Python's `cancelling()`): every
    /// [`cancel`](Task::cancel) of a task that is not done adds one, and
    /// only [`uncancel`](Task::uncancel) takes one away. The count survives
    /// delivery, suppression and the task's end; while the task is pending
    /// and the count is above zero, its repr says `cancelling`.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {});
    ///     task.cancel();
    ///     task.cancel();
    ///     assert!(format!("{task:?}").starts_with("<Task cancelling"));
    ///     let _ = (&task).await;
    ///     assert!(task.cancelled());
    ///     assert_eq!(task.cancelling(), 2); // still 2 once it is done
    /// })
    /// .unwrap();
    /// ```
    fn cancelling(&self) -> u32;

    /// Decrements the cancel-request count and returns it (Python 3.13's
    /// `uncancel()`; 0 stays 0): reaching zero revokes a request not yet
    /// delivered, and the task runs on as if it had never been asked. A
    /// request already delivered (or forwarded to a task this one awaits)
    /// is not taken back, nor is an [`abort`](Task::abort).
    ///
    /// This is how a body that caught a cancellation it meant to handle
    /// itself (asyncio's `timeout` and `TaskGroup`) resets the count, so
    /// that the next cancellation is told apart.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { "ran" });
    ///     assert!(task.cancel()); // not delivered: the task has not started
    ///     assert_eq!(task.uncancel(), 0); // back to zero: the request is revoked
    ///     assert_eq!(task.await.unwrap(), "ran");
    /// })
    /// .unwrap();
    /// ```
    fn uncancel(&self) -> u32;

    /// The repr, with the value's `Debug` (what `format!("{task:?}")`
    /// prints for a concrete handle), for generic code: e.g.
    /// `<Task finished name='Task-3' result=42>`.
    fn repr(&self) -> String
    where
        Self::Value: fmt::Debug;

    /// The same task without its value type, as `current_task()` returns it.
    fn as_any(&self) -> AnyTask;
}

/// The value-free part of the task contract, object safe.
///
/// Backends implement it for their task cells; [`AnyTask`] wraps it.
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

    /// The loop this task belongs to, type-erased, for finding the running
    /// loop from inside a step without entering it on every step
    /// (aiotask-core's ambient rules). The default is none.
    #[doc(hidden)]
    fn loop_env(&self) -> Option<std::sync::Arc<dyn std::any::Any + Send + Sync>> {
        None
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
/// It answers everything that needs no value (its `Debug` is the repr,
/// with the value's type in place of the value: `result=<i32>`), and two
/// are equal when they are the same task.
///
/// ```
/// use std::time::Duration;
///
/// let rt = aiotask::Runtime::new();
/// let outcome = rt.run(async {
///     let me: aiotask::AnyTask = aiotask::current_task().unwrap();
///     assert!(me.cancel()); // a task may cancel itself: delivered at its next await
///     aiotask::sleep(Duration::from_millis(1)).await;
///     "not reached"
/// });
/// assert!(outcome.unwrap_err().is_cancelled());
/// ```
#[derive(Clone)]
pub struct AnyTask(Arc<dyn DynTask>);

impl AnyTask {
    /// Wraps a backend's task cell (for backends: applications get an
    /// `AnyTask` from `current_task()` or a handle's `as_any_task()`).
    pub fn new(cell: Arc<dyn DynTask>) -> Self {
        Self(cell)
    }

    /// See [`Task::id`].
    pub fn id(&self) -> TaskId {
        self.0.id()
    }

    /// See [`Task::cancel`].
    pub fn cancel(&self) -> bool {
        self.0.cancel(None)
    }

    /// See [`Task::cancel_with`].
    pub fn cancel_with(&self, message: &str) -> bool {
        self.0.cancel(Some(message))
    }

    /// See [`Task::cancelled`].
    pub fn cancelled(&self) -> bool {
        self.0.cancelled()
    }

    /// See [`Task::done`].
    pub fn done(&self) -> bool {
        self.0.done()
    }

    /// See [`Task::name`].
    pub fn name(&self) -> String {
        self.0.name()
    }

    /// See [`Task::set_name`].
    pub fn set_name(&self, name: &str) {
        self.0.set_name(name)
    }

    /// See [`Task::cancelling`].
    pub fn cancelling(&self) -> u32 {
        self.0.cancelling()
    }

    /// See [`Task::uncancel`].
    pub fn uncancel(&self) -> u32 {
        self.0.uncancel()
    }

    /// `exception()`: the failure, `None` for a value, `Err` when pending
    /// or cancelled (see [`Task::exception`]). Like asyncio's, it marks a
    /// failure retrieved and hands a cancellation's message out once.
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

    /// See [`DynTask::loop_env`].
    #[doc(hidden)]
    pub fn loop_env(&self) -> Option<std::sync::Arc<dyn std::any::Any + Send + Sync>> {
        self.0.loop_env()
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
