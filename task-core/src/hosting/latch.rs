//! The one-shot flag a hosted runtime's `run_until_complete` blocks on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use super::waker_slot::{Registration, WakerSlot};

/// A one-shot flag with one waiter: what `run_until_complete` blocks on.
///
/// Reading the flag takes no lock, nor does polling the same
/// [`wait`](HostedLatch::wait) future again with the same waker.
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
    set: AtomicBool,
    /// The waiter's waker: taken by `set` after the flag is (waker-slot
    /// rule K2).
    waiter: WakerSlot,
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
        // Rule K2: the flag first, then the waker. A waiter that registered
        // before the take is woken; one that registers after it finds the
        // flag when it checks again.
        self.set.store(true, Ordering::SeqCst);
        if let Some(w) = self.waiter.take() {
            w.wake();
        }
    }

    /// True once [`set`](HostedLatch::set) was called.
    ///
    /// ```
    /// assert!(!aiotask_core::backend::HostedLatch::default().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }

    /// A future that completes once the flag is set. One waiter at a time: a
    /// second `wait` future polled meanwhile takes the first one's place.
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
        HostedLatchWait {
            latch: self,
            registration: Registration::default(),
        }
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
pub struct HostedLatchWait<'a> {
    latch: &'a HostedLatch,
    /// Which waker this future left in the latch (waker-slot rule K1).
    registration: Registration,
}

impl Future for HostedLatchWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        // Rule K2: the flag before the registration is trusted.
        if this.latch.is_set() {
            return Poll::Ready(());
        }
        this.latch
            .waiter
            .register(&mut this.registration, cx.waker());
        // Set between the check and a fresh registration: `set` may have
        // taken the slot before this waker was in it.
        if this.latch.is_set() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl fmt::Debug for HostedLatchWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HostedLatchWait").field(self.latch).finish()
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
