//! The loop services of a hosted runtime (tokio, async-executor): one
//! `call_soon` queue drained by one dispatcher task, and the exception
//! handler, shared by every task of one aiotask runtime.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use aiotask_api::ExceptionContext;

use crate::hosting::queue::{CallbackQueue, Dispatcher};
use crate::reporter::Reporter;
use crate::services::{Job, LoopServices};
use crate::sync::AtomicBool;
use std::sync::atomic::Ordering;

/// The [`LoopServices`] of every task of one hosted runtime: a [`CallbackQueue`] and
/// a [`Reporter`].
///
/// The backend spawns [`dispatcher`](HostedServices::dispatcher) once on its
/// executor and gives each task an `Arc<HostedServices>`.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::{LoopServices, HostedServices};
///
/// let env = Arc::new(HostedServices::new());
/// env.call_soon(Box::new(|| println!("later")));
/// assert_eq!(env.queue().len(), 1);
/// # let _: Arc<dyn LoopServices> = env;
/// ```
pub struct HostedServices {
    queue: Arc<CallbackQueue>,
    reporter: Arc<Reporter>,
    closing: AtomicBool,
    /// The backend value this env belongs to (ambient rule A3).
    owner: std::sync::OnceLock<std::sync::Weak<dyn std::any::Any + Send + Sync>>,
}

impl HostedServices {
    /// A fresh queue and a default (standard error) exception handler.
    ///
    /// ```
    /// let env = aiotask_core::backend::HostedServices::new();
    /// assert!(env.queue().is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            queue: Arc::new(CallbackQueue::default()),
            reporter: Arc::new(Reporter::default()),
            closing: AtomicBool::new(false),
            owner: std::sync::OnceLock::new(),
        }
    }

    /// Records what this env belongs to (the backend's handle state), so
    /// that the backend can find its handle from the running env (ambient
    /// rule A3). Held weakly here (the owner usually holds the env), and
    /// strongly by the [`dispatcher`](Self::dispatcher) made after this
    /// call, which runs as long as the host runs the tasks. Set once; a
    /// second call is ignored.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let env = aiotask_core::backend::HostedServices::new();
    /// let owner: Arc<dyn std::any::Any + Send + Sync> = Arc::new("mine");
    /// env.set_owner(Arc::downgrade(&owner));
    /// assert!(env.owner().unwrap().downcast_ref::<&str>() == Some(&"mine"));
    /// ```
    pub fn set_owner(&self, owner: std::sync::Weak<dyn std::any::Any + Send + Sync>) {
        let _ = self.owner.set(owner);
    }

    /// What [`set_owner`](Self::set_owner) recorded, while it lives.
    ///
    /// ```
    /// assert!(aiotask_core::backend::HostedServices::new().owner().is_none());
    /// ```
    pub fn owner(&self) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        self.owner.get().and_then(std::sync::Weak::upgrade)
    }

    /// Marks the runtime as shutting down, before the host drops its tasks:
    /// from now on a task the host still polls is destroyed (reported,
    /// ended cancelled) rather than stepped. See [`LoopServices::is_closing`].
    ///
    /// ```
    /// use aiotask_core::backend::{LoopServices, HostedServices};
    /// let env = HostedServices::new();
    /// env.begin_close();
    /// assert!(env.is_closing());
    /// ```
    pub fn begin_close(&self) {
        self.closing.store(true, Ordering::Release);
    }

    /// The runtime's `call_soon` queue.
    ///
    /// ```
    /// let env = aiotask_core::backend::HostedServices::new();
    /// env.queue().push(Box::new(|| ()));
    /// assert_eq!(env.queue().len(), 1);
    /// ```
    pub fn queue(&self) -> &Arc<CallbackQueue> {
        &self.queue
    }

    /// The runtime's exception handler.
    ///
    /// ```
    /// let env = aiotask_core::backend::HostedServices::new();
    /// env.reporter().set_handler(None); // back to the default handler
    /// ```
    pub fn reporter(&self) -> &Arc<Reporter> {
        &self.reporter
    }

    /// The queue's dispatcher, to spawn once on the executor.
    ///
    /// It closes the queue when the executor drops it (shutdown), so jobs
    /// queued afterwards are dropped instead of waiting forever.
    ///
    /// ```
    /// let env = std::sync::Arc::new(aiotask_core::backend::HostedServices::new());
    /// let dispatcher = env.dispatcher();
    /// drop(dispatcher); // the executor went away
    /// env.queue().push(Box::new(|| unreachable!())); // dropped unrun
    /// assert!(env.queue().is_empty());
    /// ```
    pub fn dispatcher(self: &Arc<Self>) -> HostedDispatcher {
        HostedDispatcher {
            dispatcher: self.queue.clone().dispatcher(self.reporter.clone()),
            queue: self.queue.clone(),
            env: self.clone(),
            owner: self.owner(),
        }
    }
}

impl Default for HostedServices {
    fn default() -> Self {
        Self::new()
    }
}

impl LoopServices for HostedServices {
    fn call_soon(&self, job: Job) {
        self.queue.push(job);
    }

    fn wake_soon(&self, waker: std::task::Waker) {
        if let Some(waker) = self.queue.push_wake(waker) {
            // Nothing queued ahead of it: woken now, no dispatcher hop.
            crate::services::run_contained(move || waker.wake(), |ctx| self.reporter.report(ctx));
        }
    }

    fn report(&self, context: ExceptionContext) {
        self.reporter.report(context);
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }
}

impl fmt::Debug for HostedServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedServices")
            .field("queue", &self.queue)
            .field("reporter", &self.reporter)
            .finish()
    }
}

/// The future returned by [`HostedServices::dispatcher`]: a [`Dispatcher`] that
/// closes its queue when dropped.
///
/// ```
/// let env = std::sync::Arc::new(aiotask_core::backend::HostedServices::new());
/// let dispatcher: aiotask_core::backend::HostedDispatcher = env.dispatcher();
/// # drop(dispatcher);
/// ```
#[must_use = "the dispatcher runs callbacks only while it is polled"]
pub struct HostedDispatcher {
    dispatcher: Dispatcher,
    queue: Arc<CallbackQueue>,
    env: Arc<HostedServices>,
    /// The env's owner, held while the dispatcher runs (ambient rule A3):
    /// the runtime value and every handle may be gone while the host still
    /// runs the tasks (an attached runtime), and they must still find their
    /// loop. Nothing the owner holds reaches the dispatcher: no cycle.
    #[allow(dead_code, reason = "held only to keep the owner alive")]
    owner: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl Future for HostedDispatcher {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Ambient rule A1: done callbacks and `call_soon` jobs run in the loop.
        let _running = crate::ambient::enter_services(self.env.clone());
        Pin::new(&mut self.dispatcher).poll(cx)
    }
}

impl Drop for HostedDispatcher {
    fn drop(&mut self) {
        self.queue.close();
    }
}

impl fmt::Debug for HostedDispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedDispatcher")
            .field("queue", &self.queue)
            .finish()
    }
}

/// The owner of the running loop's env, when that env is a
/// [`HostedServices`](crate::backend::HostedServices) whose owner is an `O` (rule A3):
/// how a hosted backend finds its own handle's state.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::{HostedServices, enter_services, running_hosted_owner};
/// struct Mine;
/// let env = Arc::new(HostedServices::new());
/// let owner: Arc<dyn std::any::Any + Send + Sync> = Arc::new(Mine);
/// env.set_owner(Arc::downgrade(&owner));
/// let _entered = enter_services(env);
/// assert!(running_hosted_owner::<Mine>().is_some());
/// assert!(running_hosted_owner::<u8>().is_none());
/// ```
pub fn running_hosted_owner<O: std::any::Any + Send + Sync>() -> Option<Arc<O>> {
    let owner = crate::ambient::running_services()?
        .downcast::<HostedServices>()
        .ok()?
        .owner()?;
    owner.downcast::<O>().ok()
}
