//! The loop services every task of one aiotask runtime shares: the
//! `call_soon` queue (drained by one dispatcher task) and the exception
//! handler; and the small latch `run_until_complete` waits on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use aiotask_api::ExceptionContext;
use aiotask_core::{CallbackQueue, Env, Job, Reporter};

use crate::gate::{Gate, Gated};

/// The [`Env`] of every task of one runtime.
pub(crate) struct LoopEnv {
    pub(crate) queue: Arc<CallbackQueue>,
    pub(crate) reporter: Arc<Reporter>,
}

impl LoopEnv {
    /// A fresh queue and a default (standard error) exception handler, with
    /// the queue's dispatcher spawned on `tokio`.
    ///
    /// The dispatcher is one task for the whole runtime. It closes the queue
    /// when the host runtime drops it (shutdown), so jobs queued afterwards
    /// are dropped instead of waiting forever.
    pub(crate) fn start(tokio: &tokio::runtime::Handle, gate: Option<Arc<Gate>>) -> Arc<Self> {
        let env = Arc::new(Self {
            queue: Arc::new(CallbackQueue::default()),
            reporter: Arc::new(Reporter::default()),
        });
        let dispatcher = env.queue.clone().dispatcher(env.reporter.clone());
        let close = CloseOnDrop(env.queue.clone());
        let task: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            let _close = close;
            dispatcher.await;
        });
        drop(tokio.spawn(Gated::new(gate, task)));
        env
    }
}

impl Env for LoopEnv {
    fn call_soon(&self, job: Job) {
        self.queue.push(job);
    }

    fn report(&self, context: ExceptionContext) {
        self.reporter.report(context);
    }
}

impl fmt::Debug for LoopEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopEnv")
            .field("queue", &self.queue)
            .field("reporter", &self.reporter)
            .finish()
    }
}

/// Closes the callback queue when dropped: the dispatcher is gone.
struct CloseOnDrop(Arc<CallbackQueue>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Wakes a waker when dropped, whether the job holding it ran or was
/// dropped unrun by a closed queue: a waiter never hangs.
pub(crate) struct WakeOnDrop(pub(crate) Waker);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.wake_by_ref();
    }
}

/// A one-shot flag with one waiter: what `run_until_complete` blocks on.
#[derive(Default)]
pub(crate) struct Latch {
    inner: Mutex<(bool, Option<Waker>)>,
}

impl Latch {
    /// Sets the flag and wakes the waiter.
    pub(crate) fn set(&self) {
        let waker = {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.0 = true;
            inner.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// A future that completes once the flag is set.
    pub(crate) fn wait(&self) -> LatchWait<'_> {
        LatchWait(self)
    }
}

/// The future of [`Latch::wait`].
pub(crate) struct LatchWait<'a>(&'a Latch);

impl Future for LatchWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.0.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.0 {
            return Poll::Ready(());
        }
        match &inner.1 {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => inner.1 = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Sets its latch when dropped: held by the done callback of
/// `run_until_complete`, so the latch is set even when the callback is
/// dropped unrun (the task was destroyed with its runtime).
pub(crate) struct SetOnDrop(pub(crate) Arc<Latch>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}
