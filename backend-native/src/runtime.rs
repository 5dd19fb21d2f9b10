//! [`Runtime`] (the loop owner), [`Handle`] (what tasks and other threads
//! use), [`Sleep`] and [`spawn_local`].

use crate::sync::{AtomicBool, Ordering};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aiotask_api::{
    AnyTask, ExceptionContext, ExceptionHandler, RuntimeError, RuntimeErrorKind, TaskError,
    TaskOutput,
};
use aiotask_core::{Task, backend::LoopServices};

use crate::cell::NativeCell;
use crate::event_loop::{self, Local, LoopShared};

/// aiotask's own event loop: single-threaded, FIFO, like asyncio's.
///
/// The loop runs on the thread that calls [`run`](Runtime::run) or
/// [`run_until_complete`](Runtime::run_until_complete); tasks, done
/// callbacks and `call_soon` jobs all run there, in one FIFO. Other threads
/// reach it through a [`Handle`]: they can create tasks, cancel, and wake.
///
/// Dropping the runtime ends every pending task, on this thread: each is
/// reported as `Task was destroyed but it is pending!` and ends cancelled.
/// No report, waker or destructor that panics stops that: each task is
/// ended on its own, so no future of this loop outlives it (nor is dropped
/// on another thread). Once every task is ended, the exception handler is
/// reset to the default, so a handler that holds this runtime's own
/// [`Handle`] does not keep the loop alive; later reports (a failure whose
/// last handle goes away afterwards) go to standard error. A runtime kept
/// in a `thread_local!` may be dropped at thread exit.
///
/// A task of a runtime nobody runs waits until that runtime runs again, as
/// a future of a stopped asyncio loop does: awaiting it from another
/// runtime suspends the awaiter (`done()` stays false on both), and
/// `cancel()` still answers at once (the request is delivered when the
/// task's runtime runs, or the task ends cancelled when it is dropped).
///
/// ```
/// use aiotask_native::Runtime;
/// use aiotask_api::RuntimeHandle as _;
///
/// let rt = Runtime::new();
/// let h = rt.handle();
/// let out = rt.run(async move {
///     let child = h.create_named_task("child", async { 40 });
///     child.await.unwrap() + 2
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
pub struct Runtime {
    shared: Arc<LoopShared>,
    local: Rc<Local>,
    /// The loop belongs to its thread.
    _not_send: PhantomData<*const ()>,
}

impl Runtime {
    /// A new, idle loop.
    ///
    /// ```
    /// let rt = aiotask_native::Runtime::new();
    /// # drop(rt);
    /// ```
    pub fn new() -> Self {
        let (shared, local) = LoopShared::new();
        Self {
            shared,
            local,
            _not_send: PhantomData,
        }
    }

    /// A handle to this loop, usable from tasks and from other threads.
    ///
    /// ```
    /// let rt = aiotask_native::Runtime::new();
    /// let h = rt.handle();
    /// std::thread::spawn(move || drop(h)).join().unwrap();
    /// ```
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.shared.clone(),
        }
    }

    /// Runs the loop until `task` is done, then finishes the tick in which
    /// its done callbacks run (asyncio's `run_until_complete`).
    ///
    /// # Errors
    ///
    /// The task's [`TaskError`] when it was cancelled or failed, or, before
    /// anything runs, a [`TaskError::Runtime`]:
    /// [`AlreadyRunning`](RuntimeErrorKind::AlreadyRunning) when called
    /// while this loop is already running (from inside one of its tasks),
    /// [`OtherRuntime`](RuntimeErrorKind::OtherRuntime) when `task` belongs
    /// to another runtime (asyncio raises for a future of another loop).
    ///
    /// ```
    /// use aiotask_api::{RuntimeErrorKind, RuntimeHandle as _};
    /// let rt = aiotask_native::Runtime::new();
    /// let task = rt.handle().create_task(async { 15 });
    /// assert_eq!(rt.run_until_complete(&task).unwrap(), 15);
    ///
    /// let other = aiotask_native::Runtime::new();
    /// let err = other.run_until_complete(&task).unwrap_err();
    /// assert_eq!(err.runtime_error().unwrap().kind(), RuntimeErrorKind::OtherRuntime);
    /// ```
    pub fn run_until_complete<T: Clone + Send + 'static>(
        &self,
        task: &Task<T>,
    ) -> Result<T, TaskError> {
        self.run_until_done(task)?;
        task.result()
    }

    /// Drives the loop until `task` is done; its outcome is left unread.
    fn run_until_done<T: Send + 'static>(&self, task: &Task<T>) -> Result<(), TaskError> {
        self.check_running()?;
        let theirs = Arc::as_ptr(aiotask_core::backend::contract(task).services()).cast::<()>();
        if !std::ptr::eq(theirs, Arc::as_ptr(&self.shared).cast::<()>()) {
            return Err(RuntimeError::new(RuntimeErrorKind::OtherRuntime).into());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        // Like asyncio, stopping is itself a done callback: callbacks added
        // before it run first, in the same tick.
        task.add_done_callback(move |_: &Task<T>| flag.store(true, Ordering::Release));
        event_loop::drive(&self.shared, &self.local, &|| stop.load(Ordering::Acquire));
        Ok(())
    }

    /// Runs `main` as a task until it is done (asyncio's `run`).
    ///
    /// # Errors
    ///
    /// The main task's [`TaskError`] when it was cancelled or failed, or
    /// [`TaskError::Runtime`] with [`AlreadyRunning`](RuntimeErrorKind::AlreadyRunning)
    /// when called while this loop is already running (from inside one of
    /// its tasks): then no task is created and `main` is dropped unpolled.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use aiotask_api::RuntimeErrorKind;
    ///
    /// let rt = Rc::new(aiotask_native::Runtime::new());
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    ///
    /// let inner = rt.clone();
    /// let refused = rt.run(async move { inner.run(async { unreachable!() }).unwrap_err() });
    /// assert_eq!(refused.unwrap().runtime_error().unwrap().kind(), RuntimeErrorKind::AlreadyRunning);
    /// ```
    pub fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: 'static,
        F::Output: Send + 'static,
    {
        self.check_running()?;
        let main = main.into_future();
        let task = NativeCell::spawn(&self.shared, None, async move { Ok(main.await) });
        self.run_until_done(&task)?;
        task.take_result()
    }

    /// asyncio's `_check_running`: a nested run is refused before it makes
    /// or runs anything.
    fn check_running(&self) -> Result<(), TaskError> {
        if event_loop::is_running(&self.local) {
            return Err(RuntimeError::new(RuntimeErrorKind::AlreadyRunning).into());
        }
        Ok(())
    }

    /// Creates a task whose future need not be `Send`: it never leaves this
    /// loop's thread.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let rt = aiotask_native::Runtime::new();
    /// let shared = Rc::new(5);
    /// let t = rt.create_local_task(async move { *shared + 1 });
    /// assert_eq!(rt.run_until_complete(&t).unwrap(), 6);
    /// ```
    pub fn create_local_task<F>(&self, body: F) -> Task<F::Output>
    where
        F: IntoFuture,
        F::IntoFuture: 'static,
        F::Output: Send + 'static,
    {
        let body = body.into_future();
        NativeCell::spawn(&self.shared, None, async move { Ok(body.await) })
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        event_loop::close(&self.shared, &self.local);
        // Every task is ended and its "destroyed" report made: break the
        // cycle loop -> handler -> Handle -> loop of a handler that holds
        // this runtime's own handle.
        self.shared.reporter.set_handler(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("loop", &self.shared)
            .finish()
    }
}

aiotask_core::forward_runtime!(Runtime, Handle);

/// A cloneable, `Send + Sync` handle to a native loop (asyncio's
/// `get_running_loop()`): create tasks, sleep, read the clock, report.
/// Its methods are those of [`aiotask_api::RuntimeHandle`].
///
/// A handle does not run the loop: tasks it creates start when the
/// [`Runtime`] runs, and awaiting them from elsewhere waits until then.
///
/// ```
/// use aiotask_api::RuntimeHandle as _;
/// let rt = aiotask_native::Runtime::new();
/// let h = rt.handle();
/// let t = std::thread::spawn(move || h.create_task(async { 1 })).join().unwrap();
/// assert_eq!(rt.run_until_complete(&t).unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<LoopShared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("loop", &self.shared)
            .finish()
    }
}

impl Handle {
    /// The loop running on this thread, as `RuntimeHandle::try_current`
    /// finds it (ambient rule A3 of aiotask-core): native's env is its loop.
    fn from_running_env() -> Option<Self> {
        let env: Arc<dyn std::any::Any + Send + Sync> = aiotask_core::backend::running_services()?;
        env.downcast::<LoopShared>()
            .ok()
            .map(|shared| Self { shared })
    }
}

impl aiotask_api::RuntimeHandle for Handle {
    type Task<T: TaskOutput> = Task<T>;

    fn try_current() -> Result<Self, aiotask_api::RuntimeError> {
        Self::from_running_env().ok_or_else(|| {
            aiotask_api::RuntimeError::new(aiotask_api::RuntimeErrorKind::NoRunningLoop)
        })
    }

    fn spawn<T, F>(&self, name: Option<String>, body: F) -> Task<T>
    where
        T: TaskOutput,
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
    {
        NativeCell::spawn(&self.shared, name, body)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        Sleep {
            shared: self.shared.clone(),
            // A duration past the clock's range means "practically never".
            deadline: Instant::now().checked_add(duration),
            timer: None,
            zero: duration.is_zero(),
        }
    }

    fn time(&self) -> Duration {
        self.shared.time()
    }

    fn current_task(&self) -> Option<AnyTask> {
        aiotask_core::current_task()
    }

    fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.shared.reporter.set_handler(handler);
    }

    fn call_exception_handler(&self, context: ExceptionContext) {
        self.shared.report(context);
    }

    fn call_soon(&self, f: impl FnOnce() + Send + 'static) {
        self.shared.call_soon(Box::new(f));
    }
}

/// The future of the native [`Handle`]'s `sleep`: it always suspends at
/// least once, as `asyncio.sleep` does, and `sleep(0)` is a bare yield.
/// A duration so long that its deadline cannot be represented
/// (`Duration::MAX`) never fires and arms no timer; the sleeping task is
/// still cancelled as any other.
///
/// ```
/// use std::time::Duration;
/// use aiotask_api::RuntimeHandle as _;
/// let rt = aiotask_native::Runtime::new();
/// let h = rt.handle();
/// let t0 = h.time();
/// rt.run(async move { h.sleep(Duration::from_millis(2)).await }).unwrap();
/// assert!(rt.handle().time() - t0 >= Duration::from_millis(2));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    shared: Arc<LoopShared>,
    /// `None`: past the clock's range, never due.
    deadline: Option<Instant>,
    timer: Option<u64>,
    zero: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.zero {
            // sleep(0) is a bare yield: resume at the next tick.
            if self.timer.take().is_some() {
                return Poll::Ready(());
            }
            self.timer = Some(0);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let Some(deadline) = self.deadline else {
            // Never due: only a cancellation (which wakes the task itself)
            // ends this sleep.
            return Poll::Pending;
        };
        if self.timer.is_some() && Instant::now() >= deadline {
            if let Some(id) = self.timer.take() {
                self.shared.remove_timer(id, deadline);
            }
            return Poll::Ready(());
        }
        let id = self.shared.add_timer(self.timer, deadline, cx.waker());
        self.timer = Some(id);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Some(id), Some(deadline), false) = (self.timer, self.deadline, self.zero) {
            self.shared.remove_timer(id, deadline);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Creates a task whose future need not be `Send`, on the loop running on
/// this thread (from inside one of its tasks or callbacks).
///
/// # Panics
///
/// When no native loop is running on this thread.
///
/// ```
/// use std::rc::Rc;
/// let rt = aiotask_native::Runtime::new();
/// let out = rt.run(async {
///     let not_send = Rc::new(3);
///     aiotask_native::spawn_local(async move { *not_send * 2 }).await.unwrap()
/// });
/// assert_eq!(out.unwrap(), 6);
/// ```
#[track_caller]
pub fn spawn_local<F>(body: F) -> Task<F::Output>
where
    F: IntoFuture,
    F::IntoFuture: 'static,
    F::Output: Send + 'static,
{
    let shared = event_loop::current_shared().expect(
        "aiotask_native::spawn_local called outside a running native loop: call it from \
         inside a task or a done callback of an aiotask_native runtime",
    );
    let body = body.into_future();
    NativeCell::spawn(&shared, None, async move { Ok(body.await) })
}
