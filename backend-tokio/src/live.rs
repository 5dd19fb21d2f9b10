//! What one aiotask runtime knows of the futures it gave tokio: which of
//! them is being polled on this thread (so a nested `run` is refused), how
//! many still exist (so the exception handler is let go once the last one
//! is dropped), and the stop gate they pass (current-thread runtimes).
//!
//! Every future this crate spawns (each task's [`Hosted`](aiotask_core::backend::Hosted),
//! the dispatcher of the callback queue) is wrapped in a
//! [`Gated`](crate::gate::Gated) that holds a [`LiveGuard`].

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aiotask_core::backend::{HostedServices, Reporter};

use crate::gate::Gate;

std::thread_local! {
    /// The identity of the runtime whose future this thread is polling; 0
    /// outside any.
    static POLLING: Cell<usize> = const { Cell::new(0) };
}

/// The live futures of one runtime.
pub(crate) struct Live {
    /// Tasks, task spawns still waiting in the callback queue, and the
    /// dispatcher.
    count: AtomicUsize,
    reporter: Arc<Reporter>,
    /// The runtime's identity: its environment's address.
    id: usize,
    /// A current-thread runtime's stop gate (see [`Gate`]), which every
    /// future of the runtime passes before it is polled. Kept here, so a
    /// task holds one reference for both.
    gate: Option<Arc<Gate>>,
}

impl Live {
    pub(crate) fn new(env: &Arc<HostedServices>, gate: Option<Arc<Gate>>) -> Arc<Self> {
        Arc::new(Self {
            count: AtomicUsize::new(0),
            reporter: env.reporter().clone(),
            id: Arc::as_ptr(env).cast::<()>().addr(),
            gate,
        })
    }

    /// The runtime's stop gate, on a current-thread runtime.
    pub(crate) fn gate(&self) -> Option<&Arc<Gate>> {
        self.gate.as_ref()
    }

    /// Counts one more future of this runtime, until the guard is dropped.
    pub(crate) fn guard(self: &Arc<Self>) -> LiveGuard {
        self.count.fetch_add(1, Ordering::AcqRel);
        LiveGuard(self.clone())
    }

    /// True while this thread polls one of this runtime's futures: inside
    /// one of its tasks or done callbacks.
    pub(crate) fn is_polled_here(&self) -> bool {
        POLLING.try_with(|p| p.get() == self.id).unwrap_or(false)
    }
}

/// One live future of a runtime. Dropping the last one (the host dropped
/// every task and the dispatcher: the runtime is shut down, whoever owned
/// it) resets the exception handler to the default, which breaks the cycle
/// of a handler that holds its runtime's own handle. It is the last field
/// of its future, so the future's own "destroyed" report is made first.
pub(crate) struct LiveGuard(Arc<Live>);

impl LiveGuard {
    /// Marks this thread as polling the guard's runtime until the returned
    /// value is dropped.
    pub(crate) fn enter(&self) -> Polling {
        Polling(POLLING.try_with(|p| p.replace(self.0.id)).ok())
    }

    /// The runtime's stop gate, on a current-thread runtime.
    pub(crate) fn gate(&self) -> Option<&Arc<Gate>> {
        self.0.gate()
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.reporter.set_handler(None);
        }
    }
}

/// Restores the previous polling mark, even on unwind.
pub(crate) struct Polling(Option<usize>);

impl Drop for Polling {
    fn drop(&mut self) {
        if let Some(previous) = self.0 {
            let _ = POLLING.try_with(|p| p.set(previous));
        }
    }
}
