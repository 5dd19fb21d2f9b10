//! [`Runtime`]: an aiotask runtime that owns (or attaches to) a tokio
//! runtime, and its [`Flavour`].

use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aiotask_api::{RuntimeError, RuntimeErrorKind, TaskError};
use aiotask_core::{Task, backend::HostedLatch};

use crate::gate::Gate;
use crate::handle::Handle;

/// Which tokio runtime an aiotask [`Runtime`] drives.
///
/// ```
/// use aiotask_tokio::{Flavour, Runtime};
/// assert_eq!(Runtime::new().flavour(), Flavour::CurrentThread);
/// assert_eq!(Runtime::multi_thread(2).flavour(), Flavour::MultiThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavour {
    /// An owned current-thread runtime: tasks run on the thread that calls
    /// [`Runtime::run`] or [`Runtime::run_until_complete`], and only then.
    CurrentThread,
    /// An owned multi-thread runtime: tasks run on its worker threads, in
    /// parallel, whether or not a thread is inside `run`.
    MultiThread,
    /// A tokio runtime owned by someone else, reached through its
    /// [`tokio::runtime::Handle`] ([`Runtime::from_handle`]).
    Attached,
}

/// An aiotask runtime on tokio: asyncio's event loop, where every task is a
/// real tokio task.
///
/// Create one with [`new`](Runtime::new) / [`current_thread`](Runtime::current_thread),
/// [`multi_thread`](Runtime::multi_thread), [`from_runtime`](Runtime::from_runtime)
/// (adopt a tokio runtime you built) or [`from_handle`](Runtime::from_handle)
/// (attach to one you keep). Owned runtimes are built with every driver the
/// tokio features in your build provide (`enable_all`): timers always, I/O
/// when tokio's `net` feature is on.
///
/// Dropping an owned runtime shuts tokio down: every task still pending is
/// dropped, reported as `Task was destroyed but it is pending!` and ends
/// cancelled, so its handles answer and awaiting them does not hang. (Inside
/// async code, where tokio cannot block, the shutdown runs in the background
/// and the tasks end shortly after the drop.) Once tokio dropped every task
/// and the dispatcher, the exception handler is reset to the default, so a
/// handler that holds this runtime's own [`Handle`] does not keep it alive;
/// reports made later (a failure whose last handle goes away afterwards) go
/// to standard error. For an attached runtime see
/// [`from_handle`](Runtime::from_handle).
///
/// A task of a current-thread runtime nobody runs waits until that runtime
/// runs again, as a future of a stopped asyncio loop does: awaiting it from
/// elsewhere suspends the awaiter (`done()` stays false on both), and
/// `cancel()` still answers at once (the request is delivered when the
/// runtime runs, or the task ends cancelled when the runtime is dropped).
///
/// ```
/// use aiotask_api::RuntimeHandle as _;
///
/// let rt = aiotask_tokio::Runtime::new();
/// let h = rt.handle();
/// let out = rt.run(async move {
///     let child = h.create_named_task("child", async { 40 });
///     child.await.unwrap() + 2
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
pub struct Runtime {
    handle: Handle,
    owned: Option<tokio::runtime::Runtime>,
    flavour: Flavour,
}

impl Runtime {
    /// A current-thread runtime (the default, like asyncio's one loop per
    /// thread); see [`current_thread`](Runtime::current_thread).
    ///
    /// # Panics
    ///
    /// When tokio cannot build the runtime (the OS refused a resource).
    ///
    /// ```
    /// let rt = aiotask_tokio::Runtime::new();
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::current_thread()
    }

    /// An owned tokio current-thread runtime: tasks run on the thread that
    /// calls [`run`](Runtime::run) or [`run_until_complete`](Runtime::run_until_complete),
    /// and only while it is inside them.
    ///
    /// # Panics
    ///
    /// When tokio cannot build the runtime.
    ///
    /// ```
    /// let rt = aiotask_tokio::Runtime::current_thread();
    /// assert_eq!(rt.run(async { 1 + 1 }).unwrap(), 2);
    /// ```
    #[must_use]
    pub fn current_thread() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("aiotask_tokio: building a current-thread tokio runtime");
        Self::own(rt, Flavour::CurrentThread)
    }

    /// An owned tokio multi-thread runtime with `workers` worker threads
    /// (at least one). Tasks run on the workers, in parallel; `run` blocks
    /// the calling thread until the main task is done.
    ///
    /// # Panics
    ///
    /// When tokio cannot build the runtime (e.g. threads cannot be spawned).
    ///
    /// ```
    /// use aiotask_api::RuntimeHandle as _;
    /// let rt = aiotask_tokio::Runtime::multi_thread(2);
    /// let h = rt.handle();
    /// let sum = rt.run(async move {
    ///     let a = h.create_task(async { 1 });
    ///     let b = h.create_task(async { 2 });
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(sum.unwrap(), 3);
    /// ```
    #[must_use]
    pub fn multi_thread(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name("aiotask-tokio-worker")
            .enable_all()
            .build()
            .expect("aiotask_tokio: building a multi-thread tokio runtime");
        Self::own(rt, Flavour::MultiThread)
    }

    /// Adopts a tokio runtime you built (to choose its drivers, thread
    /// names, ...): it is shut down when this runtime is dropped. Build it
    /// with timers enabled (`enable_time` or `enable_all`): `sleep` uses them.
    ///
    /// ```
    /// let tokio = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// let rt = aiotask_tokio::Runtime::from_runtime(tokio);
    /// assert_eq!(rt.run(async { 3 }).unwrap(), 3);
    /// ```
    #[must_use]
    pub fn from_runtime(rt: tokio::runtime::Runtime) -> Self {
        let flavour = match rt.handle().runtime_flavor() {
            tokio::runtime::RuntimeFlavor::CurrentThread => Flavour::CurrentThread,
            _ => Flavour::MultiThread,
        };
        Self::own(rt, flavour)
    }

    /// Attaches to a tokio runtime that someone else owns (for instance the
    /// one of `#[tokio::main]`, through `tokio::runtime::Handle::current()`).
    /// Its timers must be enabled.
    ///
    /// Tasks are spawned on that runtime. On a multi-thread tokio runtime,
    /// [`run`](Runtime::run) blocks with
    /// [`Handle::block_on`](tokio::runtime::Handle::block_on), so it must not
    /// be called from inside an async context. A current-thread tokio
    /// runtime runs tasks only inside its own `block_on`, which this runtime
    /// cannot call: there `run` and `run_until_complete` return
    /// [`RuntimeErrorKind::CannotDrive`] instead of waiting forever. From
    /// async code, create tasks through [`handle`](Runtime::handle) and
    /// await them instead.
    ///
    /// **Dropping** an attached runtime does not touch tokio, which is not
    /// its to shut down: the tasks run on, their done callbacks are still
    /// dispatched, and handles keep working. When the tokio runtime itself
    /// shuts down, every aiotask task still pending on it is reported as
    /// destroyed and ends cancelled, as with an owned runtime; once tokio
    /// dropped every task and the dispatcher, the exception handler is reset
    /// to the default (so a handler holding this runtime's handle is let go).
    ///
    /// ```
    /// use aiotask_api::RuntimeHandle as _;
    ///
    /// # fn main() {
    /// let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    /// tokio.block_on(async {
    ///     let rt = aiotask_tokio::Runtime::from_handle(tokio::runtime::Handle::current());
    ///     let task = rt.handle().create_task(async { 5 });
    ///     assert_eq!(task.await.unwrap(), 5);
    /// });
    /// # }
    /// ```
    #[must_use]
    pub fn from_handle(handle: tokio::runtime::Handle) -> Self {
        Self {
            handle: Handle::start(handle),
            owned: None,
            flavour: Flavour::Attached,
        }
    }

    fn own(rt: tokio::runtime::Runtime, flavour: Flavour) -> Self {
        Self {
            handle: Handle::start(rt.handle().clone()),
            owned: Some(rt),
            flavour,
        }
    }

    /// A handle to this runtime, usable from tasks and from other threads.
    ///
    /// ```
    /// let rt = aiotask_tokio::Runtime::new();
    /// let h = rt.handle();
    /// std::thread::spawn(move || drop(h)).join().unwrap();
    /// ```
    #[must_use]
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Which tokio runtime this is.
    ///
    /// ```
    /// assert_eq!(aiotask_tokio::Runtime::new().flavour(), aiotask_tokio::Flavour::CurrentThread);
    /// ```
    #[must_use]
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The tokio runtime the tasks run on.
    ///
    /// ```
    /// let rt = aiotask_tokio::Runtime::new();
    /// let _guard = rt.tokio_handle().enter(); // tokio context on this thread
    /// ```
    #[must_use]
    pub fn tokio_handle(&self) -> &tokio::runtime::Handle {
        self.handle.tokio_handle()
    }

    /// Runs the runtime until `task` is done and returns its outcome
    /// (asyncio's `run_until_complete`). Like asyncio, stopping is itself a
    /// done callback of the task: callbacks added before this call have run
    /// when it returns. On a current-thread runtime, no task step runs after
    /// that callback until the next `run` (asyncio's `loop.stop()`: tasks
    /// made ready meanwhile wait, in order); on a multi-thread one the
    /// workers go on running tasks.
    ///
    /// # Errors
    ///
    /// The task's [`TaskError`] when it was cancelled or failed, or, before
    /// anything runs, a [`TaskError::Runtime`] whose kind is:
    /// - [`AlreadyRunning`](RuntimeErrorKind::AlreadyRunning) when called
    ///   from inside one of this runtime's tasks or done callbacks (asyncio's
    ///   `This event loop is already running`; tokio could not block there);
    /// - [`CannotDrive`](RuntimeErrorKind::CannotDrive) on a runtime
    ///   [attached](Runtime::from_handle) to a current-thread tokio runtime,
    ///   whose tasks run only inside that runtime's own `block_on`
    ///   (`AlreadyRunning` when called inside it);
    /// - [`OtherRuntime`](RuntimeErrorKind::OtherRuntime) when `task`
    ///   belongs to another runtime.
    ///
    /// # Panics
    ///
    /// When called from inside an async context that is not this runtime's
    /// (a plain tokio task, or the future of another `block_on`): tokio
    /// cannot block there.
    ///
    /// ```
    /// use aiotask_api::{RuntimeErrorKind, RuntimeHandle as _};
    /// let rt = aiotask_tokio::Runtime::new();
    /// let task = rt.handle().create_task(async { 15 });
    /// assert_eq!(rt.run_until_complete(&task).unwrap(), 15);
    ///
    /// let other = aiotask_tokio::Runtime::new();
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
        self.check_can_run()?;
        let theirs = Arc::as_ptr(aiotask_core::backend::contract(task).services()).cast::<()>();
        if !std::ptr::eq(theirs, Arc::as_ptr(self.handle.services()).cast::<()>()) {
            return Err(RuntimeError::new(RuntimeErrorKind::OtherRuntime).into());
        }
        let latch = Arc::new(HostedLatch::default());
        let stop = latch.set_on_drop();
        // On a current-thread runtime, stopping also closes the gate, so no
        // further step runs before `block_on` returns (asyncio's `stop()`).
        let gate = self.handle.gate().cloned();
        let active = Arc::new(AtomicBool::new(true));
        let (close, still_running) = (gate.clone(), active.clone());
        task.add_done_callback(move |_: &Task<T>| {
            if let Some(gate) = close
                .as_ref()
                .filter(|_| still_running.load(Ordering::SeqCst))
            {
                gate.close();
            }
            stop.set();
        });
        let _reopen = Reopen { gate, active };
        match &self.owned {
            Some(rt) => rt.block_on(latch.wait()),
            None => self.handle.tokio_handle().block_on(latch.wait()),
        }
        Ok(())
    }

    /// Runs `main` as a task until it is done and returns its outcome
    /// (asyncio's `run`).
    ///
    /// # Errors
    ///
    /// The main task's [`TaskError`] when it was cancelled or failed, or a
    /// [`TaskError::Runtime`] (`AlreadyRunning`, `CannotDrive`) as for
    /// [`run_until_complete`](Runtime::run_until_complete): then no task is
    /// created and `main` is dropped unpolled.
    ///
    /// # Panics
    ///
    /// As [`run_until_complete`](Runtime::run_until_complete).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiotask_api::RuntimeErrorKind;
    ///
    /// let rt = Arc::new(aiotask_tokio::Runtime::new());
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    ///
    /// let inner = rt.clone();
    /// let refused = rt.run(async move { inner.run(async { unreachable!() }).unwrap_err() });
    /// assert_eq!(refused.unwrap().runtime_error().unwrap().kind(), RuntimeErrorKind::AlreadyRunning);
    /// ```
    pub fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        self.check_can_run()?;
        let main = main.into_future();
        let task = self.handle.spawn_task(None, async move { Ok(main.await) });
        self.run_until_done(&task)?;
        task.take_result()
    }
}

impl Runtime {
    /// asyncio's `_check_running`, and whether this thread can drive the
    /// tasks at all: checked before anything is created or run.
    fn check_can_run(&self) -> Result<(), TaskError> {
        let refuse = |kind| Err(RuntimeError::new(kind).into());
        if self.handle.live().is_polled_here() {
            return refuse(RuntimeErrorKind::AlreadyRunning);
        }
        let tokio = self.handle.tokio_handle();
        if self.owned.is_none()
            && tokio.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
        {
            let inside = tokio::runtime::Handle::try_current().is_ok_and(|h| h.id() == tokio.id());
            return refuse(if inside {
                RuntimeErrorKind::AlreadyRunning
            } else {
                RuntimeErrorKind::CannotDrive
            });
        }
        Ok(())
    }
}

/// Ends one `run_until_complete`, even on unwind: its stop callback may no
/// longer close the gate, and the gate reopens (the parked steps run at the
/// next `run`).
struct Reopen {
    gate: Option<Arc<Gate>>,
    active: Arc<AtomicBool>,
}

impl Drop for Reopen {
    fn drop(&mut self) {
        self.active.store(false, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.open();
        }
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let Some(rt) = self.owned.take() else {
            return; // attached: tokio is not ours to shut down
        };
        // Workers may still poll while tokio drops tasks on other workers:
        // from here on a polled task is destroyed, never stepped.
        self.handle.services().begin_close();
        if tokio::runtime::Handle::try_current().is_ok() {
            // Dropped inside an async context, where tokio cannot block:
            // shut down without waiting (tasks are dropped as tokio gets to them).
            rt.shutdown_background();
        } else {
            // Waits until every task future is dropped: each pending one is
            // reported destroyed and ends cancelled before this returns.
            drop(rt);
        }
        // Jobs queued during shutdown would never run: drop them now.
        self.handle.services().queue().close();
        // The exception handler is reset once the last task and the
        // dispatcher are dropped (see `LiveGuard`): here when tokio shut
        // down in place, later after a background shutdown.
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavour", &self.flavour)
            .field("handle", &self.handle)
            .finish()
    }
}

aiotask_core::forward_runtime!(Runtime, Handle);
