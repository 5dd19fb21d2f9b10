//! `sleep` and `yield_now` with asyncio's tick rules on a hosted runtime,
//! generic over the host's timer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::hosting::queue::CallbackQueue;
use crate::hosting::services::HostedServices;

/// Wakes a waker when dropped, whether the job holding it ran or was
/// dropped unrun by a closed queue: a waiter never hangs.
struct WakeOnDrop(Waker);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.wake_by_ref();
    }
}

/// A bare yield (asyncio's `sleep(0)`): the task's wake-up goes through the
/// runtime's `call_soon` queue, so everything already queued there (done
/// callbacks, `call_soon` jobs) runs before the task resumes, and other
/// ready tasks run too.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
/// use aiotask_core::backend::{HostedServices, HostedYield};
///
/// let env = HostedServices::new();
/// let mut y = std::pin::pin!(HostedYield::new(&env));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(y.as_mut().poll(&mut cx).is_pending()); // queued its wake-up
/// assert_eq!(env.queue().len(), 1);
/// assert!(y.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct HostedYield {
    queue: Arc<CallbackQueue>,
    queued: bool,
}

impl HostedYield {
    /// A bare yield through `env`'s queue.
    ///
    /// ```
    /// let env = aiotask_core::backend::HostedServices::new();
    /// let y = aiotask_core::backend::HostedYield::new(&env);
    /// # drop(y);
    /// ```
    pub fn new(env: &HostedServices) -> Self {
        Self {
            queue: env.queue().clone(),
            queued: false,
        }
    }
}

impl Future for HostedYield {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.queued {
            return Poll::Ready(());
        }
        self.queued = true;
        let wake = WakeOnDrop(cx.waker().clone());
        self.queue.push(Box::new(move || drop(wake)));
        Poll::Pending
    }
}

impl fmt::Debug for HostedYield {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedYield")
            .field("queued", &self.queued)
            .finish()
    }
}

/// asyncio's `sleep(d)` on a host timer `Tm`: it always suspends at least
/// once (a deadline already reached becomes a bare yield), and `sleep(0)`
/// is a bare yield.
///
/// The timer's output is ignored; a `!Unpin` timer is boxed by the caller
/// (`Pin<Box<Tm>>`).
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
/// use std::time::Duration;
/// use aiotask_core::backend::{HostedServices, HostedSleep};
///
/// let env = HostedServices::new();
/// // A timer already due at the first poll still suspends once.
/// let mut s = std::pin::pin!(HostedSleep::new(&env, Duration::from_secs(1), |_| {
///     std::future::ready(())
/// }));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(s.as_mut().poll(&mut cx).is_pending());
/// assert!(s.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct HostedSleep<Tm> {
    timer: Option<Tm>,
    polled: bool,
    yield_now: HostedYield,
}

impl<Tm: Future + Unpin> HostedSleep<Tm> {
    /// A sleep of `duration` through `env`'s queue; `make_timer` is called
    /// only for a non-zero duration.
    ///
    /// ```
    /// use std::time::Duration;
    /// let env = aiotask_core::backend::HostedServices::new();
    /// let s = aiotask_core::backend::HostedSleep::new(&env, Duration::ZERO, |_| -> std::future::Ready<()> {
    ///     unreachable!("sleep(0) is a bare yield")
    /// });
    /// # drop(s);
    /// ```
    pub fn new(
        env: &HostedServices,
        duration: Duration,
        make_timer: impl FnOnce(Duration) -> Tm,
    ) -> Self {
        Self {
            timer: (!duration.is_zero()).then(|| make_timer(duration)),
            polled: false,
            yield_now: HostedYield::new(env),
        }
    }
}

impl<Tm: Future + Unpin> Future for HostedSleep<Tm> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if let Some(timer) = this.timer.as_mut() {
            match Pin::new(timer).poll(cx) {
                Poll::Pending => {
                    this.polled = true;
                    return Poll::Pending;
                }
                Poll::Ready(_) if this.polled => return Poll::Ready(()),
                // Due at the first poll: suspend once anyway, as asyncio does.
                Poll::Ready(_) => this.timer = None,
            }
        }
        Pin::new(&mut this.yield_now).poll(cx)
    }
}

impl<Tm: fmt::Debug> fmt::Debug for HostedSleep<Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedSleep")
            .field("timer", &self.timer)
            .field("polled", &self.polled)
            .finish()
    }
}
