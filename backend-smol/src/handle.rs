//! [`Handle`]: what task bodies and other threads use to reach one aiotask
//! runtime on async-executor.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use aiotask_api::{AnyTask, ExceptionContext, ExceptionHandler, TaskError, TaskOutput};
use aiotask_core::{
    Task,
    backend::{Hosted, HostedCell, HostedServices, HostedSleep, HostedYield},
};
use async_executor::Executor;

use crate::live::Live;
use crate::local::Injector;
use crate::timer::DetachedTimer;

/// Where a handle's tasks go.
pub(crate) enum Spawner {
    /// A thread-bound `LocalExecutor`, reached through its injector.
    Local(Arc<Injector>),
    /// A shared `Executor`. Weak: task bodies hold handles, and a strong
    /// reference from inside the executor would keep it alive forever.
    TaskContract(Weak<Executor<'static>>),
}

/// The state one runtime's handles share.
struct Inner {
    spawner: Spawner,
    env: Arc<HostedServices>,
    live: Arc<Live>,
    origin: Instant,
}

/// A cloneable, `Send + Sync` handle to an aiotask runtime on
/// async-executor (asyncio's `get_running_loop()`): create tasks, sleep,
/// read the clock, report. Its methods are those of
/// [`aiotask_api::RuntimeHandle`]; bring the trait into scope to call them.
///
/// Every task it creates is a task of the runtime's executor whose future
/// runs the body through aiotask's single implementation of the contract,
/// so async-io's timers and I/O work inside it. On the local flavour, a
/// handle used on another thread hands the task to the executor's thread.
///
/// A handle does not run the executor: on the local flavour its tasks run
/// only inside [`Runtime::run`](crate::Runtime::run), and awaiting one from
/// elsewhere waits until then, as a future of a stopped asyncio loop does;
/// `done()` stays false and `cancel()` still answers meanwhile.
///
/// ```
/// use aiotask_api::RuntimeHandle as _;
///
/// let rt = aiotask_smol::Runtime::new();
/// let h = rt.handle();
/// let t = std::thread::spawn(move || h.create_task(async { 1 })).join().unwrap();
/// assert_eq!(rt.run_until_complete(&t).unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

impl Handle {
    pub(crate) fn new(spawner: Spawner, env: Arc<HostedServices>) -> Self {
        let inner = Arc::new(Inner {
            spawner,
            live: Live::new(&env),
            env,
            origin: Instant::now(),
        });
        // Ambient rule A3 (aiotask-core): the env knows its handle.
        let owner: Arc<dyn std::any::Any + Send + Sync> = inner.clone();
        inner.env.set_owner(Arc::downgrade(&owner));
        Self { inner }
    }

    /// The runtime running on this thread, as `RuntimeHandle::try_current`
    /// finds it (ambient rule A3 of aiotask-core).
    fn from_running_env() -> Option<Self> {
        aiotask_core::backend::running_hosted_owner::<Inner>().map(|inner| Self { inner })
    }

    /// The count of this runtime's live futures, which every future it
    /// spawns joins ([`Live::track`]).
    pub(crate) fn live(&self) -> &Arc<Live> {
        &self.inner.live
    }

    pub(crate) fn services(&self) -> &Arc<HostedServices> {
        &self.inner.env
    }

    /// Puts `future` on the executor; a runtime that is gone drops it at
    /// once (a task's future then reports it destroyed, and it ends cancelled).
    pub(crate) fn spawn_future<Fut>(&self, future: Fut)
    where
        Fut: Future<Output = ()> + Send + 'static,
    {
        match &self.inner.spawner {
            Spawner::Local(injector) => injector.spawn(future),
            Spawner::TaskContract(executor) => match executor.upgrade() {
                Some(executor) => executor.spawn(future).detach(),
                None => drop(future),
            },
        }
    }

    /// Creates a task: an executor task whose future is aiotask's [`Hosted`].
    pub(crate) fn spawn_task<T, F>(&self, name: Option<String>, body: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
    {
        let cell = HostedCell::new(name, self.inner.env.clone());
        let task = cell.handle();
        self.spawn_future(self.inner.live.track(Hosted::new(cell, body)));
        task
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flavour = match &self.inner.spawner {
            Spawner::Local(_) => "local",
            Spawner::TaskContract(_) => "shared executor",
        };
        f.debug_struct("Handle")
            .field("executor", &flavour)
            .field("callbacks", self.inner.env.queue())
            .finish()
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
        self.spawn_task(name, body)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // Not a bare `async_io::Timer`: its reactor would keep the task's
        // waker (and so the task) until its next turn after the sleep is
        // dropped, which may be an hour away; see `DetachedTimer`.
        HostedSleep::new(&self.inner.env, duration, DetachedTimer::after)
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        HostedYield::new(&self.inner.env)
    }

    fn time(&self) -> Duration {
        self.inner.origin.elapsed()
    }

    fn current_task(&self) -> Option<AnyTask> {
        aiotask_core::current_task()
    }

    fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.inner.env.reporter().set_handler(handler);
    }

    fn call_exception_handler(&self, context: ExceptionContext) {
        self.inner.env.reporter().report(context);
    }

    fn call_soon(&self, f: impl FnOnce() + Send + 'static) {
        self.inner.env.queue().push(Box::new(f));
    }
}
