//! [`Handle`]: what task bodies and other threads use to reach one aiotask
//! runtime on tokio.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aiotask_api::{AnyTask, ExceptionContext, ExceptionHandler, TaskError, TaskOutput};
use aiotask_core::{
    Task,
    backend::{Hosted, HostedCell, HostedServices, HostedYield},
};

use crate::gate::{Gate, Gated};
use crate::live::Live;
use crate::services::spawn_dispatcher;
use crate::time;

/// The state one runtime's handles share.
struct Inner {
    tokio: tokio::runtime::Handle,
    env: Arc<HostedServices>,
    origin: tokio::time::Instant,
    /// The runtime's live futures, and a current-thread runtime's stop
    /// gate (see [`Gate`]); a gate also means that tasks created outside
    /// any tokio context are spawned from the callback queue (see
    /// [`Handle::spawn_task`]).
    live: Arc<Live>,
}

/// A cloneable, `Send + Sync` handle to an aiotask runtime on tokio
/// (asyncio's `get_running_loop()`): create tasks, sleep, read the clock,
/// report. Its methods are those of [`aiotask_api::RuntimeHandle`]; bring
/// the trait into scope to call them.
///
/// Every task it creates is a real `tokio::spawn`ed task whose future runs
/// the body through aiotask's single implementation of the contract, so
/// tokio's timers, I/O and sync primitives work inside it.
///
/// A handle does not drive tokio: on a current-thread runtime its tasks
/// run only inside [`Runtime::run`](crate::Runtime::run) (or the host's
/// `block_on`), and awaiting one from elsewhere waits until then, as a
/// future of a stopped asyncio loop does; `done()` stays false and
/// `cancel()` still answers meanwhile.
///
/// ```
/// use aiotask_api::RuntimeHandle as _;
///
/// let rt = aiotask_tokio::Runtime::new();
/// let h = rt.handle();
/// let t = std::thread::spawn(move || h.create_task(async { 1 })).join().unwrap();
/// assert_eq!(rt.run_until_complete(&t).unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

impl Handle {
    /// A handle on `tokio`, with a fresh callback queue whose dispatcher
    /// is spawned there.
    pub(crate) fn start(tokio: tokio::runtime::Handle) -> Self {
        let current_thread = tokio.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread;
        let gate = current_thread.then(|| Arc::new(Gate::default()));
        let env = Arc::new(HostedServices::new());
        let live = Live::new(&env, gate);
        let inner = Arc::new(Inner {
            tokio,
            env,
            origin: tokio::time::Instant::now(),
            live,
        });
        // Ambient rule A3 (aiotask-core): the env knows its handle.
        let owner: Arc<dyn std::any::Any + Send + Sync> = inner.clone();
        inner.env.set_owner(Arc::downgrade(&owner));
        // After the owner is set: the dispatcher holds it (rule A3).
        spawn_dispatcher(&inner.tokio, &inner.env, &inner.live);
        Self { inner }
    }

    /// The runtime running on this thread, as `RuntimeHandle::try_current`
    /// finds it (ambient rule A3 of aiotask-core).
    fn from_running_env() -> Option<Self> {
        aiotask_core::backend::running_hosted_owner::<Inner>().map(|inner| Self { inner })
    }

    /// The tokio runtime the tasks run on: spawn plain tokio tasks there,
    /// or enter its context.
    ///
    /// ```
    /// let rt = aiotask_tokio::Runtime::new();
    /// let tokio = rt.handle().tokio_handle().clone();
    /// let out = rt.run(async move { tokio.spawn(async { 2 }).await.unwrap() });
    /// assert_eq!(out.unwrap(), 2);
    /// ```
    #[must_use]
    pub fn tokio_handle(&self) -> &tokio::runtime::Handle {
        &self.inner.tokio
    }

    pub(crate) fn services(&self) -> &Arc<HostedServices> {
        &self.inner.env
    }

    pub(crate) fn gate(&self) -> Option<&Arc<Gate>> {
        self.inner.live.gate()
    }

    pub(crate) fn live(&self) -> &Live {
        &self.inner.live
    }

    /// Creates a task: a tokio task whose future is aiotask's [`Hosted`].
    pub(crate) fn spawn_task<T, F>(&self, name: Option<String>, body: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
    {
        let cell = HostedCell::new(name, self.inner.env.clone());
        let task = cell.handle();
        let hosted = Gated::new(self.inner.live.guard(), Hosted::new(cell, body));
        if self.gate().is_some() && tokio::runtime::Handle::try_current().is_err() {
            // Created outside the runtime (before `run`, or on another
            // thread): tokio would put it in its remote queue, which it
            // visits only when the local one is empty or every 31 steps, so
            // it could start long after tasks created later. Spawning from
            // the FIFO callback queue keeps creation order, as asyncio's
            // `call_soon(step)` does. If the runtime is gone, the job is
            // dropped with the task, which is then reported destroyed.
            let tokio = self.inner.tokio.clone();
            let named = task.clone();
            self.inner
                .env
                .queue()
                .push(Box::new(move || spawn_on(&tokio, &named, hosted)));
        } else {
            spawn_on(&self.inner.tokio, &task, hosted);
        }
        task
    }
}

/// Spawns `future`, the tokio task hosting `task`, detached: dropping
/// tokio's `JoinHandle` does not cancel; the aiotask handle is the task's
/// only interface. With the `tracing` feature and `--cfg tokio_unstable`,
/// the tokio task is named after the aiotask task (tokio's task builder:
/// tokio-console shows the name).
fn spawn_on<T, F>(tokio: &tokio::runtime::Handle, task: &Task<T>, future: F)
where
    T: Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    #[cfg(all(tokio_unstable, feature = "tracing"))]
    {
        // Fails only while tokio shuts down: the future is dropped, and the
        // task reported destroyed, as for any task of a closed runtime.
        let name = task.name();
        let _ = tokio::task::Builder::new()
            .name(&name)
            .spawn_on(future, tokio);
    }
    #[cfg(not(all(tokio_unstable, feature = "tracing")))]
    {
        let _ = task;
        drop(tokio.spawn(future));
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.inner.tokio.runtime_flavor())
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
        time::sleep(&self.inner.tokio, &self.inner.env, duration)
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        HostedYield::new(&self.inner.env)
    }

    fn time(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.inner.origin)
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
