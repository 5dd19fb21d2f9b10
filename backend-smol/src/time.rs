//! `sleep` and `yield_now` with asyncio's tick rules on async-executor.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::env::{LoopEnv, WakeOnDrop};

/// A bare yield (asyncio's `sleep(0)`): the task's wake-up goes through the
/// runtime's `call_soon` queue, so everything already queued there (done
/// callbacks, `call_soon` jobs) runs before the task resumes, and other
/// ready tasks run too.
pub(crate) struct YieldNow {
    env: Arc<LoopEnv>,
    queued: bool,
}

impl YieldNow {
    pub(crate) fn new(env: Arc<LoopEnv>) -> Self {
        Self { env, queued: false }
    }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.queued {
            return Poll::Ready(());
        }
        self.queued = true;
        let wake = WakeOnDrop(cx.waker().clone());
        self.env.queue.push(Box::new(move || drop(wake)));
        Poll::Pending
    }
}

impl fmt::Debug for YieldNow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldNow")
            .field("queued", &self.queued)
            .finish()
    }
}

/// asyncio's `sleep(d)` on async-io's timer: it always suspends at least
/// once (a deadline already reached becomes a bare yield), and `sleep(0)` is
/// a bare yield.
pub(crate) struct Sleep {
    timer: Option<async_io::Timer>,
    polled: bool,
    yield_now: YieldNow,
}

impl Sleep {
    /// A sleep on async-io's timer (any thread may make or poll it).
    pub(crate) fn new(env: Arc<LoopEnv>, duration: Duration) -> Self {
        let timer = (!duration.is_zero()).then(|| async_io::Timer::after(duration));
        Self {
            timer,
            polled: false,
            yield_now: YieldNow::new(env),
        }
    }
}

impl Future for Sleep {
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

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("timer", &self.timer).finish()
    }
}
