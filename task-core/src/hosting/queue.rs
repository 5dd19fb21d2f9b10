//! [`CallbackQueue`]: the `call_soon` FIFO of a hosted runtime, drained by
//! one [`Dispatcher`] future.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use aiotask_api::ExceptionContext;

use crate::reporter::Reporter;
use crate::services::{Job, drop_job, run_contained, run_job};
use crate::sync::{Mutex, lock};

/// A FIFO of jobs drained by one dispatcher future: how runtimes that only
/// run futures (tokio, async-executor) implement `call_soon` without a task
/// per callback.
///
/// ```
/// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
/// use aiotask_core::backend::CallbackQueue;
///
/// let queue = Arc::new(CallbackQueue::default());
/// let ran = Arc::new(AtomicUsize::new(0));
/// let r = ran.clone();
/// queue.push(Box::new(move || { r.fetch_add(1, Ordering::SeqCst); }));
/// assert_eq!(queue.run_batch(|_| {}), 1);
/// assert_eq!(ran.load(Ordering::SeqCst), 1);
/// ```
#[derive(Default)]
pub struct CallbackQueue {
    inner: Mutex<QueueInner>,
}

/// One queued entry: a job, or an awaiter's wake-up (which needs no box).
enum Queued {
    Job(Job),
    Wake(Waker),
}

impl Queued {
    fn run(self, report: &mut impl FnMut(ExceptionContext)) {
        match self {
            Self::Job(job) => run_job(job, report),
            // A waker is the host's code: contained as a job is.
            Self::Wake(waker) => run_contained(move || waker.wake(), report),
        }
    }

    /// Dropped unrun (the loop closed): a job is dropped quietly, an
    /// awaiter still woken (done-list rule D3).
    fn discard(self) {
        match self {
            Self::Job(job) => drop_job(job),
            Self::Wake(waker) => {
                let _ = aiotask_api::call_quietly(move || waker.wake());
            }
        }
    }
}

#[derive(Default)]
struct QueueInner {
    jobs: VecDeque<Queued>,
    waker: Option<Waker>,
    closed: bool,
    /// A batch taken off `jobs` is being run.
    running: bool,
}

impl CallbackQueue {
    /// Appends a job and wakes the dispatcher. Jobs pushed after
    /// [`close`](Self::close) are dropped unrun.
    ///
    /// ```
    /// let q = aiotask_core::backend::CallbackQueue::default();
    /// q.push(Box::new(|| {}));
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn push(&self, job: Job) {
        self.push_queued(Queued::Job(job));
    }

    /// The wake-up of an awaiter of a finished task (done-list rule D5).
    /// With jobs queued or running, it is queued behind them (no
    /// allocation) and the dispatcher woken: asyncio resumes the awaiter
    /// after what was queued before. With nothing ahead of it, no hop is
    /// needed: the waker is handed back, for the caller to wake now. On a
    /// closed queue it is woken at once: a task that awaits a finished task
    /// must not wait for ever.
    ///
    /// ```
    /// let q = aiotask_core::backend::CallbackQueue::default();
    /// // Nothing queued: wake it now.
    /// assert!(q.push_wake(std::task::Waker::noop().clone()).is_some());
    /// q.push(Box::new(|| {}));
    /// // Behind a job: queued.
    /// assert!(q.push_wake(std::task::Waker::noop().clone()).is_none());
    /// assert_eq!(q.run_batch(|_| {}), 2);
    /// ```
    #[must_use = "a waker handed back is to be woken by the caller"]
    pub fn push_wake(&self, waker: Waker) -> Option<Waker> {
        let inner = lock(&self.inner);
        if !inner.closed && inner.jobs.is_empty() && !inner.running {
            return Some(waker);
        }
        drop(inner);
        self.push_queued(Queued::Wake(waker));
        None
    }

    fn push_queued(&self, entry: Queued) {
        let waker = {
            let mut inner = lock(&self.inner);
            if inner.closed {
                drop(inner);
                entry.discard();
                return;
            }
            inner.jobs.push_back(entry);
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// How many jobs are queued.
    ///
    /// ```
    /// assert_eq!(aiotask_core::backend::CallbackQueue::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.inner).jobs.len()
    }

    /// True once [`close`](Self::close) was called.
    ///
    /// ```
    /// let q = aiotask_core::backend::CallbackQueue::default();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        lock(&self.inner).closed
    }

    /// True when no job is queued.
    ///
    /// ```
    /// assert!(aiotask_core::backend::CallbackQueue::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops accepting jobs and drops the queued ones (the loop is going away).
    ///
    /// ```
    /// let q = aiotask_core::backend::CallbackQueue::default();
    /// q.close();
    /// q.push(Box::new(|| unreachable!()));
    /// assert!(q.is_empty());
    /// ```
    pub fn close(&self) {
        let (jobs, waker) = {
            let mut inner = lock(&self.inner);
            inner.closed = true;
            (std::mem::take(&mut inner.jobs), inner.waker.take())
        };
        for entry in jobs {
            entry.discard();
        }
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Runs the jobs queued now (one tick); jobs they queue wait for the next
    /// batch. Panics are passed to `report`. Returns how many ran.
    ///
    /// ```
    /// let q = aiotask_core::backend::CallbackQueue::default();
    /// q.push(Box::new(|| panic!("callback bug")));
    /// let mut reports = 0;
    /// q.run_batch(|_| reports += 1);
    /// assert_eq!(reports, 1);
    /// ```
    pub fn run_batch(&self, mut report: impl FnMut(ExceptionContext)) -> usize {
        let batch = {
            let mut inner = lock(&self.inner);
            inner.running = true;
            std::mem::take(&mut inner.jobs)
        };
        /// Clears `running`, even if a report unwinds.
        struct Ran<'a>(&'a Mutex<QueueInner>);
        impl Drop for Ran<'_> {
            fn drop(&mut self) {
                lock(self.0).running = false;
            }
        }
        let _ran = Ran(&self.inner);
        let n = batch.len();
        for entry in batch {
            entry.run(&mut report);
        }
        n
    }

    /// A future that drains the queue forever, one batch per poll, until the
    /// queue is closed. Spawn it once on the runtime that runs the tasks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let q = Arc::new(aiotask_core::backend::CallbackQueue::default());
    /// let reporter = Arc::new(aiotask_core::backend::Reporter::default());
    /// let dispatcher = q.clone().dispatcher(reporter);
    /// q.close();
    /// # drop(dispatcher);
    /// ```
    pub fn dispatcher(self: Arc<Self>, reporter: Arc<Reporter>) -> Dispatcher {
        Dispatcher {
            queue: self,
            reporter,
        }
    }
}

impl fmt::Debug for CallbackQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackQueue")
            .field("len", &self.len())
            .finish()
    }
}

/// The future returned by [`CallbackQueue::dispatcher`]: each poll runs
/// one batch (one tick) of queued jobs; it ends once the queue is closed.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::{CallbackQueue, Dispatcher, Reporter};
/// let queue = Arc::new(CallbackQueue::default());
/// let dispatcher: Dispatcher = queue.clone().dispatcher(Arc::new(Reporter::default()));
/// queue.close();
/// # drop(dispatcher);
/// ```
#[must_use = "the dispatcher runs callbacks only while it is polled"]
pub struct Dispatcher {
    queue: Arc<CallbackQueue>,
    reporter: Arc<Reporter>,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("queue", &self.queue)
            .finish()
    }
}

impl Future for Dispatcher {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let reporter = self.reporter.clone();
        let ran = self.queue.run_batch(|ctx| reporter.report(ctx));
        let mut inner = lock(&self.queue.inner);
        if inner.closed {
            return Poll::Ready(());
        }
        if ran > 0 && !inner.jobs.is_empty() {
            // More work arrived during the batch: yield, then run it next tick.
            drop(inner);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if !inner.jobs.is_empty() {
            drop(inner);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match &inner.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => inner.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::test_support::Counting;

    #[test]
    fn a_wake_is_handed_back_only_with_nothing_queued_or_running_ahead() {
        let queue = Arc::new(CallbackQueue::default());
        assert!(queue.push_wake(Waker::noop().clone()).is_some());
        // From inside a running batch (a job still being run): queued.
        let (q, seen) = (queue.clone(), Arc::new(AtomicUsize::new(0)));
        let handed = seen.clone();
        queue.push(Box::new(move || {
            let back = q.push_wake(Waker::noop().clone());
            handed.store(usize::from(back.is_some()) + 1, Ordering::SeqCst);
        }));
        assert_eq!(queue.run_batch(|_| {}), 1);
        assert_eq!(seen.load(Ordering::SeqCst), 1, "queued behind the batch");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.run_batch(|_| {}), 1);
        // The batch is over: handed back again.
        assert!(queue.push_wake(Waker::noop().clone()).is_some());
    }

    #[test]
    fn a_queued_wake_still_wakes_when_the_queue_closes() {
        // Done-list rule D3: an awaiter must not wait for ever.
        let queue = CallbackQueue::default();
        let (count, waker) = Counting::waker();
        queue.push(Box::new(|| {}));
        assert!(queue.push_wake(waker.clone()).is_none());
        queue.close();
        assert_eq!(count.wakes(), 1);
        // On a closed queue it is woken at once.
        assert!(queue.push_wake(waker).is_none());
        assert_eq!(count.wakes(), 2);
    }
}
