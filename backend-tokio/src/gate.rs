//! asyncio's `loop.stop()` on a current-thread tokio runtime.
//!
//! asyncio's `run_until_complete` stops the loop at the end of the tick in
//! which the task's done callbacks ran: no further step runs until the loop
//! runs again. tokio's current-thread `block_on` only looks at the future it
//! blocks on every 61 task polls, so ready tasks could otherwise take dozens
//! more steps before `run` returns. While the gate is closed, a task (or the
//! dispatcher) that tokio polls parks instead of stepping; reopening the gate
//! wakes the parked ones, in the order they parked.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use crate::live::LiveGuard;

/// The stop flag of one current-thread runtime, and who waits on it.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    closed: AtomicBool,
    parked: Mutex<Vec<Waker>>,
}

impl Gate {
    /// Holds every step back from now on (asyncio's `loop.stop()`).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Lets steps run again and wakes everything that parked, in order.
    pub(crate) fn open(&self) {
        self.closed.store(false, Ordering::SeqCst);
        let parked = std::mem::take(&mut *self.parked.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in parked {
            waker.wake();
        }
    }

    /// `Ready` while open; otherwise parks `cx`'s waker.
    fn poll_open(&self, cx: &Context<'_>) -> Poll<()> {
        if !self.closed.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        // Checked again under the lock: `open` drains after clearing the flag.
        if !self.closed.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        // A task polled twice while closed is woken twice on reopening: a
        // spurious wake-up, which every future tolerates.
        parked.push(cx.waker().clone());
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// A future of one runtime (a task, or the dispatcher): polled only while
    /// the runtime's gate (if any) is open, marked as this runtime's while
    /// polled, and counted as live until dropped (see [`LiveGuard`]).
    pub(crate) struct Gated<F> {
        #[pin]
        inner: F,
        // Last: dropped after `inner`, whose drop may report.
        live: LiveGuard,
    }
}

impl<F> Gated<F> {
    /// `inner`, gated by the runtime's gate (held by `live`, if any).
    pub(crate) fn new(live: LiveGuard, inner: F) -> Self {
        Self { inner, live }
    }
}

impl<F: Future> Future for Gated<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(gate) = this.live.gate()
            && gate.poll_open(cx).is_pending()
        {
            return Poll::Pending;
        }
        let _polling = this.live.enter();
        this.inner.poll(cx)
    }
}
