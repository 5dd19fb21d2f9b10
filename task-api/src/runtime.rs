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
/// ```
/// use aiotask_api::RuntimeHandle;
///
/// async fn two_children<H: RuntimeHandle>(rt: H) -> u32 {
///     let a = rt.create_task(async { 1 });
///     let b = rt.create_named_task("second", async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// }
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
    ///
    /// ```
    /// use aiotask_api::RuntimeHandle;
    /// fn spawn_here<H: RuntimeHandle>() -> Option<H::Task<u8>> {
    ///     H::try_current().ok().map(|h| h.create_task(async { 1 }))
    /// }
    /// ```
    fn try_current() -> Result<Self, crate::RuntimeError>;

    /// Creates a task from a body whose error decides how the task ends:
    /// `Ok(v)` finishes it with `v`, `Err(TaskError::Cancelled(_))` ends it
    /// cancelled, `Err(TaskError::Failed(_))` fails it. `name: None` gives
    /// the next `Task-N`.
    ///
    /// The task's first step runs at a later tick, never inside this call.
    ///
    /// ```
    /// use aiotask_api::{RuntimeHandle, TaskError};
    /// fn start<H: RuntimeHandle>(rt: &H) -> H::Task<u8> {
    ///     rt.spawn(Some("raw".into()), async { Ok::<u8, TaskError>(1) })
    /// }
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
    /// fn start<H: aiotask_api::RuntimeHandle>(rt: &H) -> H::Task<i32> { rt.create_task(async { 42 }) }
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
    ///
    /// ```
    /// fn start<H: aiotask_api::RuntimeHandle>(rt: &H) -> H::Task<()> { rt.create_named_task("w", async {}) }
    /// ```
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
    /// fn start<H: aiotask_api::RuntimeHandle>(rt: &H) -> H::Task<u16> {
    ///     rt.create_try_task(async { "7".parse::<u16>() })
    /// }
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
    ///
    /// ```
    /// fn start<H: aiotask_api::RuntimeHandle>(rt: &H) -> H::Task<u16> {
    ///     rt.create_named_try_task("parse", async { "7".parse::<u16>() })
    /// }
    /// ```
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
    /// cancellation is delivered.
    ///
    /// ```
    /// async fn nap<H: aiotask_api::RuntimeHandle>(rt: H) { rt.sleep(std::time::Duration::from_millis(5)).await }
    /// ```
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// Yields to the loop once (asyncio's `sleep(0)`): other ready tasks run
    /// before this one resumes.
    ///
    /// ```
    /// async fn pass<H: aiotask_api::RuntimeHandle>(rt: H) { rt.yield_now().await }
    /// ```
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        YieldNow { yielded: false }
    }

    /// The loop's monotonic clock (asyncio's `loop.time()`), from an
    /// arbitrary origin.
    ///
    /// ```
    /// fn elapsed<H: aiotask_api::RuntimeHandle>(rt: &H, since: std::time::Duration) -> std::time::Duration {
    ///     rt.time().saturating_sub(since)
    /// }
    /// ```
    fn time(&self) -> Duration;

    /// The task whose step is running on this thread, if any (asyncio's
    /// `current_task()`): `None` in done callbacks and outside the loop.
    ///
    /// ```
    /// fn me<H: aiotask_api::RuntimeHandle>(rt: &H) -> Option<String> { rt.current_task().map(|t| t.name()) }
    /// ```
    fn current_task(&self) -> Option<AnyTask>;

    /// Replaces the exception handler; `None` restores the default, which
    /// writes the report to standard error.
    ///
    /// ```
    /// fn quiet<H: aiotask_api::RuntimeHandle>(rt: &H) { rt.set_exception_handler(Some(std::sync::Arc::new(|_| {}))) }
    /// ```
    fn set_exception_handler(&self, handler: Option<ExceptionHandler>);

    /// Passes a report to the current exception handler.
    ///
    /// ```
    /// use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle};
    /// fn warn<H: RuntimeHandle>(rt: &H) {
    ///     rt.call_exception_handler(ExceptionContext::new(ReportKind::Custom).with_message("disk low"))
    /// }
    /// ```
    fn call_exception_handler(&self, context: ExceptionContext);

    /// Schedules `f` to run on the loop at a later tick, in FIFO order with
    /// done callbacks (asyncio's `call_soon`).
    ///
    /// ```
    /// fn later<H: aiotask_api::RuntimeHandle>(rt: &H) { rt.call_soon(|| println!("soon")) }
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
/// use aiotask_api::{Runtime, RuntimeHandle};
///
/// fn answer<R: Runtime>(rt: &R) -> u32 {
///     let h = rt.handle();
///     rt.run(async move { h.create_task(async { 41 }).await.unwrap() + 1 }).unwrap()
/// }
/// ```
pub trait Runtime {
    /// The handle task bodies use.
    type Handle: RuntimeHandle;

    /// A handle to this runtime's loop.
    ///
    /// ```
    /// fn h<R: aiotask_api::Runtime>(rt: &R) -> R::Handle { rt.handle() }
    /// ```
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
    ///
    /// ```
    /// fn seven<R: aiotask_api::Runtime>(rt: &R) -> u8 { rt.run(async { 7 }).unwrap() }
    /// ```
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
    /// use aiotask_api::{Runtime, RuntimeHandle};
    /// fn go<R: Runtime>(rt: &R) -> i64 {
    ///     let t = rt.handle().create_task(async { 15 });
    ///     rt.run_until_complete(&t).unwrap()
    /// }
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
