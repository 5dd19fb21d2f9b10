//! [`Task`]: the handle every backend hands out; awaiting it ([`Join`](crate::Join)) is in `join.rs`, its `aiotask_api::Task` implementation in `api_task.rs`.

use std::fmt;
use std::sync::Arc;

use aiotask_api::{AnyTask, DoneCallback, DynTask, Failure, TaskError, TaskId};

use crate::contract::Contract;
use crate::done_list::ListOwner;
use crate::services::LoopServices;

/// The contract state of one task whose done callbacks receive its
/// [`Task`] handle: what every backend keeps in its task allocation (see
/// the methods for what each answers). Written once in `contract.rs`
/// over any handle type, so that the contract does not name the handle.
pub type TaskContract<T> = Contract<T, Task<T>>;

/// The handle of a backend's cell: how a backend makes the [`Task`] it
/// hands out.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::{HostedCell, HostedServices, TaskCell, task_from_cell};
///
/// let cell: Arc<dyn TaskCell<u8>> = HostedCell::<u8>::new(None, Arc::new(HostedServices::new()));
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
/// use std::sync::Arc;
/// use aiotask_core::backend::{HostedCell, HostedServices, contract};
///
/// let task = HostedCell::<u8>::new(None, Arc::new(HostedServices::new())).handle();
/// assert_eq!(contract(&task).id(), task.id());
/// ```
pub fn contract<T: Send + 'static>(task: &Task<T>) -> &TaskContract<T> {
    task.contract()
}

/// A backend's task allocation, seen through the state it embeds.
///
/// A backend stores a [`TaskContract`] inside whatever it allocates per task (the
/// native executor puts the future beside it, in one allocation) and
/// implements this trait (and [`DynTask`], with [`forward_dyn_task!`](crate::forward_dyn_task));
/// [`Task`] handles hold the allocation as `Arc<dyn TaskCell<T>>`, and
/// [`AnyTask`] as `Arc<dyn DynTask>`: the same allocation, no wrapper.
///
/// ```
/// use aiotask_core::backend::{TaskContract, TaskCell, WakeTask};
///
/// struct MyCell { contract: TaskContract<u32> }
/// impl aiotask_api::DynTask for MyCell {
///     aiotask_core::forward_dyn_task!(contract);
/// }
/// impl WakeTask for MyCell {
///     fn wake_task(&self) { /* reschedule this task, as its waker does */ }
/// }
/// impl TaskCell<u32> for MyCell {
///     fn contract(&self) -> &TaskContract<u32> { &self.contract }
/// }
/// ```
pub trait TaskCell<T: Send + 'static>: DynTask + WakeTask + Send + Sync + 'static {
    /// The contract state of this task.
    fn contract(&self) -> &TaskContract<T>;
}

/// How a task's cell schedules its own task's next step, as its waker
/// would: the contract calls it to deliver a cancel to a suspended task,
/// so that a task keeps no waker of its own. It records the wake-up
/// ([`Contract::on_wake`](crate::backend::Contract::on_wake)) and
/// reschedules the task when told to, exactly as a wake of the waker the
/// backend polls the task with; it never runs with a lock of the task held.
///
/// ```
/// use aiotask_core::backend::WakeTask;
///
/// struct Cell(std::sync::atomic::AtomicUsize);
/// impl WakeTask for Cell {
///     fn wake_task(&self) {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///     }
/// }
/// let cell = Cell(Default::default());
/// cell.wake_task();
/// assert_eq!(cell.0.into_inner(), 1);
/// ```
pub trait WakeTask {
    /// Wakes the task this cell holds.
    fn wake_task(&self);
}

/// Implements [`DynTask`] for a cell type by forwarding to its
/// [`TaskContract`] field: the value-free contract is written once, in `TaskContract`.
///
/// ```
/// use aiotask_core::backend::{TaskContract, TaskCell, WakeTask};
///
/// struct MyCell { contract: TaskContract<u32> }
/// impl aiotask_api::DynTask for MyCell {
///     aiotask_core::forward_dyn_task!(contract);
/// }
/// impl WakeTask for MyCell {
///     fn wake_task(&self) { /* reschedule this task, as its waker does */ }
/// }
/// impl TaskCell<u32> for MyCell {
///     fn contract(&self) -> &TaskContract<u32> { &self.contract }
/// }
/// ```
#[macro_export]
macro_rules! forward_dyn_task {
    ($field:ident) => {
        fn id(&self) -> $crate::__private::TaskId {
            self.$field.id()
        }
        fn cancel(&self, message: ::core::option::Option<&str>) -> bool {
            self.$field
                .cancel(message, &|| $crate::backend::WakeTask::wake_task(self))
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
            self.$field.cancel_step(message, entry, &|| {
                $crate::backend::WakeTask::wake_task(self)
            })
        }
        fn repr_parts(&self) -> $crate::__private::ReprParts {
            self.$field.repr_parts_with(::core::option::Option::None)
        }
        fn loop_env(
            &self,
        ) -> ::core::option::Option<
            ::std::sync::Arc<dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync>,
        > {
            ::core::option::Option::Some(self.$field.services().clone())
        }
    };
}

/// Implements [`aiotask_api::Runtime`] for a runtime type whose inherent
/// `handle`, `run` and `run_until_complete` already say it all: the trait
/// is written once, here, for every runtime that forwards to them:
/// `aiotask_core::forward_runtime!(Runtime, Handle);` beside the inherent
/// methods.
#[macro_export]
macro_rules! forward_runtime {
    ($runtime:ty, $handle:ty) => {
        impl $crate::__private::Runtime for $runtime {
            type Handle = $handle;

            fn handle(&self) -> $handle {
                <$runtime>::handle(self)
            }

            fn run<F>(
                &self,
                main: F,
            ) -> ::core::result::Result<F::Output, $crate::__private::TaskError>
            where
                F: ::core::future::IntoFuture,
                F::IntoFuture: ::core::marker::Send + 'static,
                F::Output: ::core::marker::Send + 'static,
            {
                <$runtime>::run(self, main)
            }

            fn run_until_complete<T>(
                &self,
                task: &$crate::Task<T>,
            ) -> ::core::result::Result<T, $crate::__private::TaskError>
            where
                T: ::core::clone::Clone + ::core::marker::Send + 'static,
            {
                <$runtime>::run_until_complete(self, task)
            }
        }
    };
}

/// The handle of one task: Python's `asyncio.Task` object.
///
/// Cloning gives another reference to the same task; dropping every handle
/// detaches the task, which runs on. Every method answers in every state,
/// from any thread. The `Task` trait (`aiotask::traits::Task`) has the
/// same methods, for code generic over backends.
///
/// Awaiting a handle gives the outcome, `Result<T, TaskError>`, and never
/// panics: `task.await` moves the value out (any `T`), `(&task).await`
/// clones it (`T: Clone`) and keeps the handle readable.
///
/// ```
/// use std::time::Duration;
///
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let task = aiotask::spawn_named("MyTask", aiotask::sleep(Duration::from_secs(3600)));
///     assert_eq!(format!("{task:?}"), "<Task pending name='MyTask'>");
///     assert!(task.cancel_with("stop"));
///     assert_eq!(format!("{task:?}"), "<Task cancelling name='MyTask'>");
///     let err = (&task).await.unwrap_err();
///     assert_eq!(err.cancelled().unwrap().message(), Some("stop"));
///     assert_eq!(format!("{task:?}"), "<Task cancelled name='MyTask'>");
/// })
/// .unwrap();
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

impl<T: Send + 'static> ListOwner for Task<T> {
    fn services(&self) -> &Arc<dyn LoopServices> {
        self.contract().services()
    }

    fn report_callback_panic(&self, failure: Failure) {
        self.contract().report_callback_panic(failure);
    }

    fn report_drop_panic(&self, message: String) {
        self.contract().report_drop_panic(message);
    }
}

impl<T: Send + 'static> Task<T> {
    /// Wraps a backend's cell (see [`task_from_cell`]).
    pub(crate) fn from_cell(cell: Arc<dyn TaskCell<T>>) -> Self {
        Self { cell }
    }

    /// The contract state (see [`contract`]).
    pub(crate) fn contract(&self) -> &TaskContract<T> {
        self.cell.contract()
    }

    /// The task's identity: equal for every clone of this handle and for its
    /// [`as_any_task`](Self::as_any_task), unique in the process.
    pub fn id(&self) -> TaskId {
        self.contract().id()
    }

    /// Requests cancellation (Python's `cancel()`): `true` unless the task is
    /// done, even when it is already cancelling, and even when its body will
    /// suppress the cancellation. The request is delivered at the task's next
    /// suspension point; a task that has not started yet runs none of its body.
    /// Each call counts one request in [`cancelling`](Self::cancelling).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// static RAN: AtomicBool = AtomicBool::new(false);
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { RAN.store(true, Ordering::SeqCst) });
    ///     assert!(task.cancel()); // before its first step
    ///     assert!(task.cancel()); // already cancelling: true again
    ///     assert!((&task).await.unwrap_err().is_cancelled());
    ///     assert!(!RAN.load(Ordering::SeqCst)); // none of its body ran
    ///     assert!(!task.cancel()); // done: false
    ///     assert_eq!(task.cancelling(), 2);
    /// })
    /// .unwrap();
    /// ```
    pub fn cancel(&self) -> bool {
        self.contract().cancel(None, &|| self.cell.wake_task())
    }

    /// Requests cancellation with a message (Python's `cancel(msg)`); `true`
    /// unless the task is done. The body receives the message in the
    /// [`CancelledError`](aiotask_api::CancelledError) its `catch_cancel` returns; if it lets the
    /// cancellation propagate, the first reader of the outcome gets it too.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn_try(async {
    ///         if let Err(cancelled) = aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await {
    ///             aiotask::yield_now().await; // cleanup may await
    ///             return Err(cancelled); // re-raise: the task ends cancelled
    ///         }
    ///         Ok("slept")
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///     task.cancel_with("deadline");
    ///     let err = task.await.unwrap_err();
    ///     assert_eq!(err.cancelled().unwrap().message(), Some("deadline"));
    /// })
    /// .unwrap();
    /// ```
    pub fn cancel_with(&self, message: &str) -> bool {
        self.contract()
            .cancel(Some(message), &|| self.cell.wake_task())
    }

    /// True once the task ended cancelled (Python's `cancelled()`). A task
    /// whose body suppressed the cancellation is not cancelled, though
    /// [`cancel`](Self::cancel) returned `true`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {
    ///         let _ = aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await;
    ///         "suppressed" // a value after the catch: the task finishes
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///     assert!(task.cancel());
    ///     assert_eq!((&task).await.unwrap(), "suppressed");
    ///     assert!(task.done() && !task.cancelled());
    /// })
    /// .unwrap();
    /// ```
    pub fn cancelled(&self) -> bool {
        self.contract().cancelled()
    }

    /// True once the task ended in any way (Python's `done()`): with a value,
    /// a failure, or cancelled. Only the task's own step ends it; a cancel
    /// request never makes it done by itself.
    pub fn done(&self) -> bool {
        self.contract().done()
    }

    /// The value, cloned (Python's `result()`): every call and every reader
    /// gets it. For a value that is not `Clone`, see
    /// [`take_result`](Self::take_result). A failed task gives the same
    /// [`Failure`] to every read, as Python raises the same exception object. A
    /// cancellation's message is handed out once: the first read of the outcome
    /// gets it, later ones a `CancelledError` without it.
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled` when cancelled, `Failed` with
    /// the stored failure.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn_try(async { Err::<u8, _>("bad input") });
    ///     assert!(task.result().unwrap_err().is_invalid_state()); // pending
    ///     let _ = (&task).await;
    ///     let (a, b) = (task.result().unwrap_err(), task.result().unwrap_err());
    ///     assert!(aiotask::Failure::ptr_eq(a.failure().unwrap(), b.failure().unwrap()));
    ///     assert_eq!(a.to_string(), "task failed: bad input");
    /// })
    /// .unwrap();
    /// ```
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        self.contract().result()
    }

    /// The value, moved out, for any `T` (what `task.await` does). The first
    /// read of a finished value gets it; every later read, by any handle,
    /// `result()`, `take_result()` or an await, gets `InvalidState`
    /// ([`is_result_taken`](aiotask_api::InvalidStateError::is_result_taken)),
    /// and the repr shows `result=<taken>`.
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result), and `InvalidState` once the value was
    /// moved out.
    ///
    /// ```
    /// use aiotask::TaskError;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { String::from("only once") });
    ///     assert_eq!((&task).await.unwrap(), "only once"); // a clone: still there
    ///     assert_eq!(task.take_result().unwrap(), "only once"); // moved out
    ///     let awaited = (&task).await; // every later read is told
    ///     assert!(matches!(awaited, Err(TaskError::InvalidState(e)) if e.is_result_taken()));
    ///     assert!(format!("{task:?}").ends_with("result=<taken>>"));
    /// })
    /// .unwrap();
    /// ```
    pub fn take_result(&self) -> Result<T, TaskError> {
        self.contract().take_result()
    }

    /// A cancellation the body cannot catch, for the second phase of a
    /// shutdown: at the task's next step its body is dropped without being
    /// polled, whatever `catch_cancel` is active, and the task ends cancelled.
    /// `true` unless the task is done. It counts as one request in
    /// [`cancelling`](Self::cancelling), and [`uncancel`](Self::uncancel) does
    /// not take it back. The tasks the body awaits are not cancelled (they run
    /// on, detached), unlike with [`cancel`](Self::cancel).
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {
    ///         aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await.is_err()
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///     assert!(task.abort());
    ///     assert_eq!(task.cancelling(), 1);
    ///     assert_eq!(task.uncancel(), 0); // counted down, but not taken back
    ///     assert!(task.await.unwrap_err().is_cancelled()); // its catch never saw it
    /// })
    /// .unwrap();
    /// ```
    pub fn abort(&self) -> bool {
        self.contract().abort(None, &|| self.cell.wake_task())
    }

    /// [`abort`](Self::abort) with a reason: the task ends with a
    /// `CancelledError` carrying `message`, whatever an earlier cancel
    /// said (a reason the body caught does not come back).
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let conn = aiotask::spawn(async {
    ///         loop {
    ///             let _ = aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await;
    ///         }
    ///     });
    ///     aiotask::yield_now().await;
    ///     conn.cancel_with("shutting down"); // caught, and refused
    ///     aiotask::yield_now().await;
    ///     conn.abort_with("grace period over");
    ///     let err = conn.await.unwrap_err();
    ///     assert_eq!(err.cancelled().unwrap().message(), Some("grace period over"));
    /// })
    /// .unwrap();
    /// ```
    pub fn abort_with(&self, message: &str) -> bool {
        self.contract()
            .abort(Some(message), &|| self.cell.wake_task())
    }

    /// Drops this handle on purpose: the task runs on, detached. The same as
    /// `drop(task)`, said out loud; nothing is cancelled. When the last handle
    /// is gone, nobody can read the outcome any more, so a failure nobody read
    /// is reported (`Task exception was never retrieved`) to the runtime's
    /// exception handler.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use aiotask::prelude::*;
    /// use aiotask::{ExceptionContext, ReportKind};
    ///
    /// let rt = aiotask::Runtime::new();
    /// let reports = Arc::new(Mutex::new(Vec::new()));
    /// let sink = reports.clone();
    /// rt.handle().set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
    ///     sink.lock().unwrap().push(ctx.kind());
    /// })));
    /// let seen = reports.clone();
    /// rt.run(async move {
    ///     aiotask::spawn_try(async { Err::<(), _>("nobody reads this") }).detach();
    ///     while seen.lock().unwrap().is_empty() {
    ///         aiotask::yield_now().await; // the detached task runs, and fails
    ///     }
    /// })
    /// .unwrap();
    /// assert_eq!(*reports.lock().unwrap(), [ReportKind::NeverRetrieved]);
    /// ```
    pub fn detach(self) {}

    /// The stored failure (Python's `exception()`): `Ok(None)` for a task that
    /// returned a value, `Ok(Some(failure))` for one whose body returned an
    /// error or panicked. Reading it marks the failure retrieved.
    ///
    /// # Errors
    ///
    /// `InvalidState` while pending, `Cancelled` when cancelled (raised, as in
    /// Python, not returned).
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { "x".parse::<u8>().unwrap() });
    ///     let _ = (&task).await;
    ///     let failure = task.exception().unwrap().unwrap(); // a panic is a failure too
    ///     assert!(failure.is_panic());
    ///     assert!(failure.panic_message().unwrap().contains("InvalidDigit"));
    /// })
    /// .unwrap();
    /// ```
    pub fn exception(&self) -> Result<Option<Failure>, TaskError> {
        self.contract().exception()
    }

    /// Adds a done callback (Python's `add_done_callback`): a closure of the
    /// finished task, its argument type inferred. It runs soon after
    /// completion, on the loop, in FIFO order with the other callbacks, and
    /// never synchronously: not even when the task is already done. To remove
    /// it later, use a [`DoneCallback`] and
    /// [`add_done_callback_ref`](Self::add_done_callback_ref).
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let (tx, rx) = mpsc::channel();
    ///     let task = aiotask::spawn(async { 6 * 7 });
    ///     task.add_done_callback(move |t| tx.send(t.result().unwrap()).unwrap());
    ///     let _ = (&task).await;
    ///     aiotask::yield_now().await; // callbacks run on the loop, after the end
    ///     assert_eq!(rx.try_recv().unwrap(), 42);
    /// })
    /// .unwrap();
    /// ```
    pub fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static) {
        self.contract()
            .add_done_callback(self, DoneCallback::new(callback))
    }

    /// Adds a callback with an identity, which
    /// [`remove_done_callback`](Self::remove_done_callback) can remove.
    /// Adding the same one twice adds two entries (Python's rule).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use aiotask::DoneCallback;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let ran = Arc::new(AtomicBool::new(false));
    ///     let flag = ran.clone();
    ///     let cb = DoneCallback::new(move |_: &aiotask::Task<()>| flag.store(true, Ordering::SeqCst));
    ///     let task = aiotask::spawn(async {});
    ///     task.add_done_callback_ref(&cb);
    ///     assert_eq!(task.remove_done_callback(&cb), 1); // removed in time
    ///     let _ = (&task).await;
    ///     aiotask::yield_now().await;
    ///     assert!(!ran.load(Ordering::SeqCst)); // so it never runs
    /// })
    /// .unwrap();
    /// ```
    pub fn add_done_callback_ref(&self, callback: &DoneCallback<Self>) {
        self.contract().add_done_callback(self, callback.clone())
    }

    /// Removes every entry of `callback` (Python's `remove_done_callback`);
    /// returns how many: 2 for one added twice, then 0. Once the task is done,
    /// its callbacks are already scheduled, and this returns 0.
    pub fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize {
        self.contract().remove_done_callback(callback)
    }

    /// The task's name (Python's `get_name()`): the one given to
    /// `spawn_named` or [`set_name`](Self::set_name), else `Task-N` from one
    /// process-wide counter.
    pub fn name(&self) -> String {
        self.contract().name()
    }

    /// Renames the task, in any state. The repr quotes the name as Python's
    /// `repr()` quotes a string.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {});
    ///     task.set_name("it's mine");
    ///     assert_eq!(format!("{task:?}"), r#"<Task pending name="it's mine">"#);
    ///     task.detach();
    /// })
    /// .unwrap();
    /// ```
    pub fn set_name(&self, name: &str) {
        self.contract().set_name(name)
    }

    /// How many cancel requests were made (Python's `cancelling()`): each
    /// [`cancel`](Self::cancel) of a pending task adds one, only
    /// [`uncancel`](Self::uncancel) takes one away, and the count survives the
    /// task's end. While it is above zero and the task pending, the repr says
    /// `cancelling`.
    pub fn cancelling(&self) -> u32 {
        self.contract().cancelling()
    }

    /// Takes one cancel request back and returns the count left (Python
    /// 3.13's `uncancel()`; 0 stays 0). Reaching zero revokes a request not
    /// delivered yet, and the repr says `pending` again; a delivered request, or
    /// one forwarded to an awaited task, is not taken back.
    ///
    /// A body that handled a cancellation itself (as asyncio's `timeout` does)
    /// uncancels, so that it is no longer seen as being cancelled:
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async {
    ///         let me = aiotask::current_task().unwrap();
    ///         let _ = aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await;
    ///         me.uncancel(); // handled here: no longer cancelling
    ///         format!("{me:?}")
    ///     });
    ///     aiotask::yield_now().await; // the task starts and sleeps
    ///     task.cancel();
    ///     assert!(task.await.unwrap().starts_with("<Task pending"));
    /// })
    /// .unwrap();
    /// ```
    pub fn uncancel(&self) -> u32 {
        self.contract().uncancel()
    }

    /// The same task without its value type, as [`current_task`](crate::current_task)
    /// returns it; equal to it inside the task.
    pub fn as_any_task(&self) -> AnyTask {
        let cell: Arc<dyn DynTask> = self.cell.clone();
        AnyTask::new(cell)
    }
}

impl<T: fmt::Debug + Send + 'static> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self
            .contract()
            .repr_parts_with(Some(&|v: &T| format!("{v:?}")));
        f.write_str(&crate::repr::render(self.id(), parts))
    }
}
