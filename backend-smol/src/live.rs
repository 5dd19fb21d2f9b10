//! How many of one runtime's futures still exist, so its exception handler
//! is let go once the executor dropped the last one.
//!
//! Every future this crate spawns (each task's [`Hosted`](aiotask_core::backend::Hosted),
//! the dispatcher of the callback queue) is wrapped in a [`Tracked`] that
//! holds a [`LiveGuard`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use aiotask_core::backend::{HostedServices, Reporter};

/// The live futures of one runtime.
pub(crate) struct Live {
    /// Tasks (spawned, or waiting in the local flavour's injector) and the
    /// dispatcher.
    count: AtomicUsize,
    reporter: Arc<Reporter>,
}

impl Live {
    pub(crate) fn new(env: &HostedServices) -> Arc<Self> {
        Arc::new(Self {
            count: AtomicUsize::new(0),
            reporter: env.reporter().clone(),
        })
    }

    /// `future`, counted as one more live future of this runtime until it
    /// is dropped.
    pub(crate) fn track<F>(self: &Arc<Self>, future: F) -> Tracked<F> {
        self.count.fetch_add(1, Ordering::AcqRel);
        Tracked {
            future,
            _live: LiveGuard(self.clone()),
        }
    }
}

/// One live future of a runtime. Dropping the last one (the executor
/// dropped every task and the dispatcher: the runtime is gone, whoever
/// owned the executor) resets the exception handler to the default, which
/// breaks the cycle of a handler that holds its runtime's own handle.
struct LiveGuard(Arc<Live>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.reporter.set_handler(None);
        }
    }
}

pin_project_lite::pin_project! {
    /// A future of one runtime, counted while it exists (see [`Live`]).
    pub(crate) struct Tracked<F> {
        #[pin]
        future: F,
        // Last: dropped after `future`, whose drop may report.
        _live: LiveGuard,
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}
