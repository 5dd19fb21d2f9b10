//! The runtime contract: run a main task, create tasks, sleep, yield, the clock.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::{AnyTask, BoxError, ExceptionContext, ExceptionHandler, Task, TaskError, TaskOutput};

/// A cloneable, `Send` handle to a running event loop: what task bodies use
/// to create tasks, sleep and read the clock (asyncio's `get_running_loop()`).
///
/// Only [`spawn`](RuntimeHandle::spawn) and the loop services are required;
/// the `create_*` methods are the everyday spellings.
///
/// The facade's `aiotask::Handle` implements it for every backend (and so
/// does each backend's own handle); `use aiotask::prelude::*;` brings its
/// methods into scope.
///
/// ```
/// use aiotask::traits::RuntimeHandle;
///
/// async fn two_children<H: RuntimeHandle>(rt: H) -> u32 {
///     let a = rt.create_task(async { 1 });
///     let b = rt.create_named_task("second", async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// }
///
/// let rt = aiotask::Runtime::new();
/// assert_eq!(rt.run(two_children(rt.handle())).unwrap(), 3);
/// ```
pub trait RuntimeHandle: Clone + Send + Sync + 'static {
    /// This runtime's task handle.
    type Task<T: TaskOutput>: Task<Value = T>;

    /// The handle of the runtime running on this thread, inside any of its
    /// tasks, done callbacks and `call_soon` jobs (asyncio's
    /// `get_running_loop()`).
    ///
    /// # Errors
    ///
    /// [`RuntimeErrorKind::NoRunningLoop`](crate::RuntimeErrorKind::NoRunningLoop)
    /// outside them (asyncio: `no running event loop`).
    fn try_current() -> Result<Self, crate::RuntimeError>;

    /// Creates a task from a body whose error decides how the task ends:
    /// `Ok(v)` finishes it with `v`, `Err(TaskError::Cancelled(_))` ends it
    /// cancelled, `Err(TaskError::Failed(_))` fails it. `name: None` gives
    /// the next `Task-N`.
    ///
    /// The task's first step runs at a later tick, never inside this call.
    ///
    /// ```
    /// use aiotask::prelude::*;
    /// use aiotask::{CancelledError, TaskError};
    ///
    /// let rt = aiotask::Runtime::new();
    /// let h = rt.handle();
    /// let fine = h.spawn(Some("fine".into()), async { Ok::<_, TaskError>(1) });
    /// let quits = h.spawn(None, async { Err::<u8, _>(TaskError::from(CancelledError::with_message("quit"))) });
    /// assert_eq!(rt.run_until_complete(&fine).unwrap(), 1);
    /// let err = rt.run_until_complete(&quits).unwrap_err();
    /// assert_eq!(err.cancelled().unwrap().message(), Some("quit"));
    /// assert!(quits.cancelled()); // cancelled by its own body: no request counted
    /// assert_eq!(quits.cancelling(), 0);
    /// ```
    fn spawn<T, F>(&self, name: Option<String>, body: F) -> Self::Task<T>
    where
        T: TaskOutput,
        F: Future<Output = Result<T, TaskError>> + Send + 'static;

    /// Creates a task whose body's output is its value (asyncio's
    /// `create_task`). The body is anything `IntoFuture`: an `async` block,
    /// or another task's handle (the new task awaits it).
    ///
    /// ```
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// let t = rt.handle().create_task(async { 42 });
    /// assert!(!t.done()); // made, not run: the loop runs it
    /// assert_eq!(rt.run_until_complete(&t).unwrap(), 42);
    /// ```
    fn create_task<F>(&self, body: F) -> Self::Task<F::Output>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: TaskOutput,
    {
        let body = body.into_future();
        self.spawn(None, async move { Ok(body.await) })
    }

    /// [`create_task`](RuntimeHandle::create_task) with a name (`create_task(coro, name=...)`).
    fn create_named_task<F>(&self, name: &str, body: F) -> Self::Task<F::Output>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: TaskOutput,
    {
        let body = body.into_future();
        self.spawn(Some(name.to_owned()), async move { Ok(body.await) })
    }

    /// Creates a task from a fallible body: `Err(e)` fails the task with `e`
    /// (downcastable through [`Failure::downcast_ref`](crate::Failure::downcast_ref)),
    /// except that a [`CancelledError`](crate::CancelledError) ends it cancelled.
    /// This is how a body that caught a cancellation lets it propagate with `?`.
    ///
    /// ```
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// let t = rt.handle().create_try_task(async { "x".parse::<u16>() });
    /// let err = rt.run_until_complete(&t).unwrap_err();
    /// assert!(err.failure().unwrap().is::<std::num::ParseIntError>()); // the body's own error
    /// ```
    fn create_try_task<F, T, E>(&self, body: F) -> Self::Task<T>
    where
        F: IntoFuture<Output = Result<T, E>>,
        F::IntoFuture: Send + 'static,
        T: TaskOutput,
        E: Into<BoxError>,
    {
        let body = body.into_future();
        self.spawn(None, async move {
            body.await.map_err(TaskError::from_body_error)
        })
    }

    /// [`create_try_task`](RuntimeHandle::create_try_task) with a name.
    fn create_named_try_task<F, T, E>(&self, name: &str, body: F) -> Self::Task<T>
    where
        F: IntoFuture<Output = Result<T, E>>,
        F::IntoFuture: Send + 'static,
        T: TaskOutput,
        E: Into<BoxError>,
    {
        let body = body.into_future();
        self.spawn(Some(name.to_owned()), async move {
            body.await.map_err(TaskError::from_body_error)
        })
    }

    /// A future that completes after `duration` on this loop's clock
    /// (asyncio's `sleep`). A cancelled task's sleep is where the
    /// cancellation is delivered. `Duration::ZERO` is `yield_now`;
    /// `Duration::MAX` never fires (and never panics).
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// let h = rt.handle();
    /// let slept = rt.run(async move {
    ///     let start = h.time();
    ///     h.sleep(Duration::from_millis(20)).await;
    ///     h.time() - start // the loop's clock
    /// });
    /// assert!(slept.unwrap() >= Duration::from_millis(20));
    /// ```
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// Yields to the loop once (asyncio's `sleep(0)`): other ready tasks run
    /// before this one resumes, and so do the done callbacks and `call_soon`
    /// jobs already queued (see [`call_soon`](RuntimeHandle::call_soon)).
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        YieldNow { yielded: false }
    }

    /// The loop's monotonic clock (asyncio's `loop.time()`), from an
    /// arbitrary origin: what [`sleep`](RuntimeHandle::sleep) measures.
    fn time(&self) -> Duration;

    /// The task whose step is running on this thread, if any (asyncio's
    /// `current_task()`): `None` in done callbacks, in `call_soon` jobs and
    /// outside the loop.
    fn current_task(&self) -> Option<AnyTask>;

    /// Replaces the exception handler; `None` restores the default, which
    /// writes the report to standard error. The handler gets every report
    /// of the loop ([`ReportKind`](crate::ReportKind)): a failure nobody
    /// read, a task destroyed pending, a panicking callback or destructor.
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
    ///     sink.lock().unwrap().push((ctx.kind(), ctx.task_name().map(str::to_owned)));
    /// })));
    /// rt.run(async {
    ///     let task = aiotask::spawn_named_try("boom", async { Err::<(), _>("broken") });
    ///     while !task.done() {
    ///         aiotask::yield_now().await;
    ///     }
    ///     drop(task); // its last handle, and nobody read the failure
    /// })
    /// .unwrap();
    /// let reports = reports.lock().unwrap();
    /// assert_eq!(*reports, [(ReportKind::NeverRetrieved, Some("boom".to_owned()))]);
    /// ```
    fn set_exception_handler(&self, handler: Option<ExceptionHandler>);

    /// Passes a report to the current exception handler, at once, from
    /// any thread.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use aiotask::prelude::*;
    /// use aiotask::{ExceptionContext, ReportKind};
    ///
    /// let rt = aiotask::Runtime::new();
    /// let h = rt.handle();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
    ///     sink.lock().unwrap().push(ctx.to_string());
    /// })));
    /// h.call_exception_handler(ExceptionContext::new(ReportKind::Custom).with_message("disk low"));
    /// assert_eq!(*seen.lock().unwrap(), ["disk low"]);
    /// ```
    fn call_exception_handler(&self, context: ExceptionContext);

    /// Schedules `f` to run on the loop at a later tick, in FIFO order with
    /// done callbacks (asyncio's `call_soon`), never inside this call. It
    /// runs outside every task, with the loop running: `Handle::current()`
    /// and `spawn` work there.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// let h = rt.handle();
    /// rt.run(async move {
    ///     let ran = Arc::new(AtomicBool::new(false));
    ///     let flag = ran.clone();
    ///     h.call_soon(move || flag.store(true, Ordering::SeqCst));
    ///     assert!(!ran.load(Ordering::SeqCst)); // queued, not run
    ///     h.yield_now().await; // the jobs queued before this yield run first
    ///     assert!(ran.load(Ordering::SeqCst));
    /// })
    /// .unwrap();
    /// ```
    fn call_soon(&self, f: impl FnOnce() + Send + 'static);
}

/// An event loop that can run a main task to completion.
///
/// Dropping a runtime ends every task still pending: each is reported as
/// `Task was destroyed but it is pending!` and ends cancelled, so handles kept
/// elsewhere answer and awaiting them does not hang.
///
/// ```
/// use aiotask::traits::{Runtime, RuntimeHandle};
///
/// fn answer<R: Runtime>(rt: &R) -> u32 {
///     let h = rt.handle();
///     rt.run(async move { h.create_task(async { 41 }).await.unwrap() + 1 }).unwrap()
/// }
///
/// assert_eq!(answer(&aiotask::Runtime::new()), 42);
/// ```
pub trait Runtime {
    /// The handle task bodies use.
    type Handle: RuntimeHandle;

    /// A handle to this runtime's loop: to create tasks from outside it.
    fn handle(&self) -> Self::Handle;

    /// Runs `main` as a task until it is done and returns its outcome
    /// (asyncio's `run` / `run_until_complete(create_task(main))`). `main`
    /// is anything `IntoFuture`, a task's handle too: `rt.run(task)` moves
    /// a finished value of any type out.
    ///
    /// # Errors
    ///
    /// The main task's [`TaskError`] when it was cancelled or failed, or
    /// [`TaskError::Runtime`] when the runtime refused the call before
    /// creating the task (called from inside this runtime: kind
    /// `AlreadyRunning`; a runtime that cannot drive its tasks from here:
    /// `CannotDrive`).
    fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: TaskOutput;

    /// Runs the loop until `task` is done and returns its outcome
    /// (asyncio's `run_until_complete(task)`), a clone of its value as
    /// [`Task::result`] gives: the handle can still be read. For a value
    /// that is not `Clone`, [`run`](Runtime::run) the handle: `rt.run(task)`.
    ///
    /// # Errors
    ///
    /// The task's [`TaskError`] when it was cancelled or failed, or
    /// [`TaskError::Runtime`] when the runtime refused the call: from inside
    /// this runtime (`AlreadyRunning`), for a task of another runtime
    /// (`OtherRuntime`), or where it cannot drive its tasks (`CannotDrive`).
    ///
    /// ```
    /// use aiotask::prelude::*;
    /// use aiotask::RuntimeErrorKind;
    ///
    /// let (ours, other) = (aiotask::Runtime::new(), aiotask::Runtime::new());
    /// let t = ours.handle().create_task(async { 15 });
    /// let refused = other.run_until_complete(&t).unwrap_err(); // not its task
    /// assert_eq!(refused.runtime_error().unwrap().kind(), RuntimeErrorKind::OtherRuntime);
    /// assert_eq!(ours.run_until_complete(&t).unwrap(), 15);
    /// assert_eq!(t.result().unwrap(), 15); // a clone: the handle still reads it
    /// ```
    fn run_until_complete<T: TaskOutput + Clone>(
        &self,
        task: &<Self::Handle as RuntimeHandle>::Task<T>,
    ) -> Result<T, TaskError>;
}

/// The future of [`RuntimeHandle::yield_now`]'s default: pending once, waking itself.
#[derive(Debug)]
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
