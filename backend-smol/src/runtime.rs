//! [`Runtime`]: an aiotask runtime on async-executor, in three
//! [`Flavour`]s: a thread-bound `LocalExecutor`, an owned `Executor` with
//! worker threads, or an `Executor` someone else owns.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;

use aiotask_api::{RuntimeError, RuntimeErrorKind, TaskError};
use aiotask_core::{
    Task,
    backend::{Hosted, HostedCell, HostedLatch, HostedServices},
};
use async_executor::{Executor, LocalExecutor};

use crate::handle::{Handle, Spawner};
use crate::local::Injector;

/// Which executor an aiotask [`Runtime`] runs its tasks on.
///
/// ```
/// use aiotask_smol::{Flavour, Runtime};
/// assert_eq!(Runtime::new().flavour(), Flavour::Local);
/// assert_eq!(Runtime::multi_thread(2).flavour(), Flavour::MultiThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavour {
    /// An owned `LocalExecutor`: tasks run on the thread that owns the
    /// runtime, while it is inside [`Runtime::run`] or
    /// [`Runtime::run_until_complete`], in FIFO order.
    Local,
    /// An owned `Executor` with worker threads: tasks run on the workers, in
    /// parallel, whether or not a thread is inside `run`.
    MultiThread,
    /// An `Executor` someone else owns ([`Runtime::from_executor`]).
    Attached,
}

enum Kind {
    Local {
        executor: Option<Rc<LocalExecutor<'static>>>,
        injector: Arc<Injector>,
    },
    Multi {
        executor: Option<Arc<Executor<'static>>>,
        workers: Vec<Worker>,
    },
    Attached {
        executor: Arc<Executor<'static>>,
    },
}

/// One worker thread of the multi-thread flavour, and its stop signal.
struct Worker {
    stop: Arc<HostedLatch>,
    thread: Option<JoinHandle<()>>,
}

/// An aiotask runtime on async-executor (smol's executor), with async-io
/// timers: asyncio's event loop, where every task is an executor task.
///
/// Create one with [`new`](Runtime::new) / [`local`](Runtime::local),
/// [`multi_thread`](Runtime::multi_thread) or
/// [`from_executor`](Runtime::from_executor). A `Runtime` stays on the
/// thread that made it (it is not `Send`, whatever the flavour); its
/// [`Handle`]s go anywhere.
///
/// Dropping an owned runtime drops its executor: every task still pending
/// is dropped, reported as `Task was destroyed but it is pending!` and ends
/// cancelled, so its handles answer and awaiting them does not hang. Once
/// the executor dropped every task and the dispatcher, the exception
/// handler is reset to the default, so a handler that holds this runtime's
/// own [`Handle`] does not keep it alive; reports made later (a failure
/// whose last handle goes away afterwards) go to standard error. For an
/// attached executor see [`from_executor`](Runtime::from_executor).
///
/// A task of a local runtime nobody runs waits until that runtime runs
/// again, as a future of a stopped asyncio loop does: awaiting it from
/// elsewhere suspends the awaiter (`done()` stays false on both), and
/// `cancel()` still answers at once (the request is delivered when the
/// runtime runs, or the task ends cancelled when the runtime is dropped).
///
/// ```
/// use aiotask_api::RuntimeHandle as _;
///
/// let rt = aiotask_smol::Runtime::new();
/// let h = rt.handle();
/// let out = rt.run(async move {
///     let child = h.create_named_task("child", async { 40 });
///     child.await.unwrap() + 2
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
pub struct Runtime {
    handle: Handle,
    kind: Kind,
    /// True while this thread is inside `run`/`run_until_complete`: the
    /// runtime is `!Send`, so a nested call can only come from this thread.
    running: Cell<bool>,
}

impl Runtime {
    /// A local runtime (the default); see [`local`](Runtime::local).
    ///
    /// ```
    /// let rt = aiotask_smol::Runtime::new();
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::local()
    }

    /// A runtime on a `LocalExecutor` owned by this thread: tasks run here,
    /// while this thread is inside [`run`](Runtime::run) or
    /// [`run_until_complete`](Runtime::run_until_complete), one at a time,
    /// in FIFO order. Tasks created from other threads are handed over to
    /// this one.
    ///
    /// ```
    /// let rt = aiotask_smol::Runtime::local();
    /// assert_eq!(rt.run(async { 1 + 1 }).unwrap(), 2);
    /// ```
    #[must_use]
    pub fn local() -> Self {
        let env = Arc::new(HostedServices::new());
        let executor = Rc::new(LocalExecutor::new());
        let injector = Injector::install(&executor);
        let handle = Handle::new(Spawner::Local(injector.clone()), env.clone());
        executor
            .spawn(handle.live().track(env.dispatcher()))
            .detach();
        Self {
            handle,
            kind: Kind::Local {
                executor: Some(executor),
                injector,
            },
            running: Cell::new(false),
        }
    }

    /// A runtime on an owned `Executor` run by `workers` threads (at least
    /// one), each driving async-io while it waits. Tasks run on the
    /// workers, in parallel; `run` blocks the calling thread until the main
    /// task is done.
    ///
    /// # Panics
    ///
    /// When a worker thread cannot be spawned.
    ///
    /// ```
    /// use aiotask_api::RuntimeHandle as _;
    /// let rt = aiotask_smol::Runtime::multi_thread(2);
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
        let executor = Arc::new(Executor::new());
        let env = Arc::new(HostedServices::new());
        let handle = Handle::new(
            Spawner::TaskContract(Arc::downgrade(&executor)),
            env.clone(),
        );
        executor
            .spawn(handle.live().track(env.dispatcher()))
            .detach();
        let workers = (0..workers.max(1))
            .map(|i| {
                let stop = Arc::new(HostedLatch::default());
                let (ex, signal) = (executor.clone(), stop.clone());
                let thread = std::thread::Builder::new()
                    .name(format!("aiotask-smol-worker-{i}"))
                    .spawn(move || async_io::block_on(ex.run(signal.wait())))
                    .expect("aiotask_smol: spawning a worker thread");
                Worker {
                    stop,
                    thread: Some(thread),
                }
            })
            .collect();
        Self {
            handle,
            kind: Kind::Multi {
                executor: Some(executor),
                workers,
            },
            running: Cell::new(false),
        }
    }

    /// Attaches to an `Executor` someone else owns and runs (for instance
    /// with threads of their own calling `executor.run(...)`).
    ///
    /// Tasks are spawned on it. [`run`](Runtime::run) and
    /// [`run_until_complete`](Runtime::run_until_complete) also drive it
    /// on the calling thread while they wait, so they work whether or not
    /// other threads run the executor.
    ///
    /// **Dropping** an attached runtime does not touch the executor, which
    /// is not its to drop: the tasks run on, their done callbacks are still
    /// dispatched while the executor runs, and handles keep working. When
    /// the executor itself is dropped, every aiotask task still pending on
    /// it is reported as destroyed and ends cancelled, as with an owned
    /// runtime; once it dropped every task and the dispatcher, the exception
    /// handler is reset to the default (so a handler holding this runtime's
    /// handle is let go). The handles hold the executor weakly: they never
    /// keep it alive.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiotask_api::RuntimeHandle as _;
    ///
    /// let executor = Arc::new(async_executor::Executor::new());
    /// let rt = aiotask_smol::Runtime::from_executor(executor.clone());
    /// let task = rt.handle().create_task(async { 5 });
    /// assert_eq!(rt.run_until_complete(&task).unwrap(), 5);
    /// ```
    #[must_use]
    pub fn from_executor(executor: Arc<Executor<'static>>) -> Self {
        let env = Arc::new(HostedServices::new());
        let handle = Handle::new(
            Spawner::TaskContract(Arc::downgrade(&executor)),
            env.clone(),
        );
        executor
            .spawn(handle.live().track(env.dispatcher()))
            .detach();
        Self {
            handle,
            kind: Kind::Attached { executor },
            running: Cell::new(false),
        }
    }

    /// A handle to this runtime, usable from tasks and from other threads.
    ///
    /// ```
    /// let rt = aiotask_smol::Runtime::new();
    /// let h = rt.handle();
    /// std::thread::spawn(move || drop(h)).join().unwrap();
    /// ```
    #[must_use]
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Which executor this runtime runs on.
    ///
    /// ```
    /// assert_eq!(aiotask_smol::Runtime::local().flavour(), aiotask_smol::Flavour::Local);
    /// ```
    #[must_use]
    pub fn flavour(&self) -> Flavour {
        match self.kind {
            Kind::Local { .. } => Flavour::Local,
            Kind::Multi { .. } => Flavour::MultiThread,
            Kind::Attached { .. } => Flavour::Attached,
        }
    }

    /// Runs the runtime until `task` is done and returns its outcome
    /// (asyncio's `run_until_complete`). Like asyncio, stopping is itself a
    /// done callback of the task: callbacks added before this call have run
    /// when it returns. On the local flavour this thread drives the
    /// executor one step at a time and returns right after the step that
    /// ran that callback (asyncio's `loop.stop()`); on the attached flavour
    /// it also drives the executor meanwhile; on the multi-thread flavour it
    /// only waits, and the workers go on running tasks.
    ///
    /// # Errors
    ///
    /// The task's [`TaskError`] when it was cancelled or failed, or, before
    /// anything runs, a [`TaskError::Runtime`]:
    /// [`AlreadyRunning`](RuntimeErrorKind::AlreadyRunning) when called
    /// while this runtime is already running (from inside one of its tasks
    /// or callbacks, on this thread), as asyncio raises `RuntimeError`;
    /// [`OtherRuntime`](RuntimeErrorKind::OtherRuntime) when `task` belongs
    /// to another runtime.
    ///
    /// ```
    /// use aiotask_api::{RuntimeErrorKind, RuntimeHandle as _};
    /// let rt = aiotask_smol::Runtime::new();
    /// let task = rt.handle().create_task(async { 15 });
    /// assert_eq!(rt.run_until_complete(&task).unwrap(), 15);
    ///
    /// let other = aiotask_smol::Runtime::new();
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
        if !std::ptr::eq(theirs, Arc::as_ptr(self.handle.services()).cast::<()>()) {
            return Err(RuntimeError::new(RuntimeErrorKind::OtherRuntime).into());
        }
        self.running.set(true);
        let _reset = ResetOnDrop(&self.running);
        let latch = Arc::new(HostedLatch::default());
        let stop = latch.set_on_drop();
        task.add_done_callback(move |_: &Task<T>| stop.set());
        match &self.kind {
            Kind::Local { executor, .. } => {
                let executor = executor
                    .as_ref()
                    .expect("the executor lives as long as the runtime");
                async_io::block_on(drive(&latch, || executor.tick()));
            }
            Kind::Multi { .. } => async_io::block_on(latch.wait()),
            Kind::Attached { executor } => async_io::block_on(drive(&latch, || executor.tick())),
        }
        Ok(())
    }

    /// Runs `main` as a task until it is done and returns its outcome
    /// (asyncio's `run`).
    ///
    /// # Errors
    ///
    /// The main task's [`TaskError`] when it was cancelled or failed, or
    /// [`TaskError::Runtime`] with [`AlreadyRunning`](RuntimeErrorKind::AlreadyRunning)
    /// when called while this runtime is already running: then no task is
    /// created and `main` is dropped unpolled.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use aiotask_api::RuntimeErrorKind;
    ///
    /// let rt = Rc::new(aiotask_smol::Runtime::new());
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    ///
    /// let inner = rt.clone();
    /// let refusal = rt.create_local_task(async move { inner.run(async { unreachable!() }).unwrap_err() });
    /// let refused = rt.run_until_complete(&refusal).unwrap();
    /// assert_eq!(refused.runtime_error().unwrap().kind(), RuntimeErrorKind::AlreadyRunning);
    /// ```
    pub fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        self.check_running()?;
        let main = main.into_future();
        let task = self.handle.spawn_task(None, async move { Ok(main.await) });
        self.run_until_done(&task)?;
        task.take_result()
    }

    /// Creates a task whose future need not be `Send` (local flavour only):
    /// it never leaves this runtime's thread.
    ///
    /// # Panics
    ///
    /// On the multi-thread and attached flavours, whose tasks may run on
    /// any thread.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let rt = aiotask_smol::Runtime::local();
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
        let Kind::Local {
            executor: Some(executor),
            ..
        } = &self.kind
        else {
            panic!("aiotask_smol: create_local_task needs the local flavour");
        };
        let cell = HostedCell::new(None, self.handle.services().clone());
        let task = cell.handle();
        let body = Hosted::new(cell, async move { Ok(body.await) });
        executor.spawn(self.handle.live().track(body)).detach();
        task
    }

    /// asyncio's `_check_running`: a nested run is refused before it makes
    /// or runs anything.
    fn check_running(&self) -> Result<(), TaskError> {
        if self.running.get() {
            return Err(RuntimeError::new(RuntimeErrorKind::AlreadyRunning).into());
        }
        Ok(())
    }
}

/// Drives an executor one task step at a time until `latch` is set, so
/// `run_until_complete` returns right after the step that finished its
/// task's done callbacks (asyncio stops at the end of that tick).
async fn drive<F: Future<Output = ()>>(latch: &HostedLatch, mut tick: impl FnMut() -> F) {
    let mut steps = 0u32;
    // One wait future for the whole run: polled again with the same waker,
    // it takes no lock.
    let mut wait = std::pin::pin!(latch.wait());
    while !latch.is_set() {
        futures_lite::future::or(wait.as_mut(), tick()).await;
        steps = steps.wrapping_add(1);
        if steps.is_multiple_of(64) {
            // Let `block_on` poll the reactor between busy stretches.
            futures_lite::future::yield_now().await;
        }
    }
}

/// Clears the runtime's "running" flag, even on unwind.
struct ResetOnDrop<'a>(&'a Cell<bool>);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        match &mut self.kind {
            Kind::Local {
                executor, injector, ..
            } => {
                // Unregister from this thread and refuse cross-thread spawns,
                // then drop the executor with every task still pending.
                let registered = injector.close();
                drop(registered);
                drop(executor.take());
            }
            Kind::Multi { executor, workers } => {
                for worker in workers.iter() {
                    worker.stop.set();
                }
                let me = std::thread::current().id();
                for worker in workers.iter_mut() {
                    if let Some(thread) = worker.thread.take()
                        && thread.thread().id() != me
                    {
                        let _ = thread.join();
                    }
                }
                // The last strong reference: pending tasks are dropped here.
                drop(executor.take());
            }
            Kind::Attached { .. } => return, // not ours to drop
        }
        // Jobs queued during shutdown would never run: drop them now.
        self.handle.services().queue().close();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavour", &self.flavour())
            .field("handle", &self.handle)
            .finish()
    }
}

aiotask_core::forward_runtime!(Runtime, Handle);
