//! The one-shot flag a hosted runtime's `run_until_complete` blocks on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::sync::{Mutex, lock};
use std::task::{Context, Poll, Waker};

/// A one-shot flag with one waiter: what `run_until_complete` blocks on.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::HostedLatch;
///
/// let latch = Arc::new(HostedLatch::default());
/// let setter = latch.set_on_drop();
/// assert!(!latch.is_set());
/// drop(setter); // e.g. the done callback ran, or was dropped unrun
/// assert!(latch.is_set());
/// ```
#[derive(Default)]
pub struct HostedLatch {
    inner: Mutex<(bool, Option<Waker>)>,
}

impl HostedLatch {
    /// Sets the flag and wakes the waiter.
    ///
    /// ```
    /// let latch = aiotask_core::backend::HostedLatch::default();
    /// latch.set();
    /// assert!(latch.is_set());
    /// ```
    pub fn set(&self) {
        let waker = {
            let mut inner = lock(&self.inner);
            inner.0 = true;
            inner.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// True once [`set`](HostedLatch::set) was called.
    ///
    /// ```
    /// assert!(!aiotask_core::backend::HostedLatch::default().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        lock(&self.inner).0
    }

    /// A future that completes once the flag is set.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    /// let latch = aiotask_core::backend::HostedLatch::default();
    /// let mut wait = std::pin::pin!(latch.wait());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(wait.as_mut().poll(&mut cx).is_pending());
    /// latch.set();
    /// assert!(wait.as_mut().poll(&mut cx).is_ready());
    /// ```
    pub fn wait(&self) -> HostedLatchWait<'_> {
        HostedLatchWait(self)
    }

    /// A guard that sets this latch when dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let latch = Arc::new(aiotask_core::backend::HostedLatch::default());
    /// let stop = latch.set_on_drop();
    /// stop.set();
    /// assert!(latch.is_set());
    /// ```
    pub fn set_on_drop(self: &Arc<Self>) -> HostedLatchSetter {
        HostedLatchSetter(self.clone())
    }
}

impl fmt::Debug for HostedLatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedLatch")
            .field("set", &self.is_set())
            .finish()
    }
}

/// The future of [`HostedLatch::wait`].
///
/// ```
/// let latch = aiotask_core::backend::HostedLatch::default();
/// latch.set();
/// let wait: aiotask_core::backend::HostedLatchWait<'_> = latch.wait();
/// # drop(wait);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct HostedLatchWait<'a>(&'a HostedLatch);

impl Future for HostedLatchWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = lock(&self.0.inner);
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

impl fmt::Debug for HostedLatchWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HostedLatchWait").field(self.0).finish()
    }
}

/// Sets its latch when dropped ([`HostedLatch::set_on_drop`]): held by the
/// done callback of `run_until_complete`, so the latch is set even when the
/// callback is dropped unrun (the task was destroyed with its runtime).
///
/// ```
/// use std::sync::Arc;
/// let latch = Arc::new(aiotask_core::backend::HostedLatch::default());
/// let stop: aiotask_core::backend::HostedLatchSetter = latch.set_on_drop();
/// drop(stop);
/// assert!(latch.is_set());
/// ```
pub struct HostedLatchSetter(Arc<HostedLatch>);

impl HostedLatchSetter {
    /// Sets the latch now (dropping the guard later sets it again, which
    /// changes nothing).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let latch = Arc::new(aiotask_core::backend::HostedLatch::default());
    /// latch.set_on_drop().set();
    /// assert!(latch.is_set());
    /// ```
    pub fn set(&self) {
        self.0.set();
    }
}

impl Drop for HostedLatchSetter {
    fn drop(&mut self) {
        self.0.set();
    }
}

impl fmt::Debug for HostedLatchSetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HostedLatchSetter").field(&self.0).finish()
    }
}
