//! What a task needs from its loop: `call_soon` and the exception handler.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;

use crate::sync::{Mutex, RwLock, lock};
use std::task::{Context, Poll, Waker};

use aiotask_api::{ExceptionContext, ExceptionHandler, ReportKind};

/// A unit of work queued on a loop (asyncio's `Handle`).
///
/// ```
/// let job: aiotask_core::Job = Box::new(|| println!("soon"));
/// job();
/// ```
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// The loop services a task uses: schedule a job at a later tick, and report.
///
/// ```
/// use aiotask_core::{Env, Job, Reporter};
/// use aiotask_api::ExceptionContext;
///
/// struct Inline(Reporter);
/// impl Env for Inline {
///     fn call_soon(&self, job: Job) { job() }
///     fn report(&self, ctx: ExceptionContext) { self.0.report(ctx) }
/// }
/// ```
pub trait Env: Send + Sync + 'static {
    /// Queues `job` to run at a later tick, after everything already queued.
    /// It must never run `job` before returning.
    fn call_soon(&self, job: Job);

    /// Passes a report to the loop's exception handler.
    fn report(&self, context: ExceptionContext);

    /// Wakes a task that awaited a finished task, from inside that task's
    /// done-list dispatch, then arranges for `then` (the rest of the done
    /// list) to run.
    ///
    /// In asyncio the awaiter's `wakeup` is one of the done callbacks and
    /// runs the awaiter's step *in its place*: callbacks added before the
    /// await run before the awaiter resumes, callbacks added after it run
    /// after, and each level of task-awaits-task costs one tick. A loop
    /// that controls its ready queue runs the woken task next, then
    /// `then`. The default wakes the task and queues `then` with
    /// [`call_soon`](Env::call_soon), which keeps the order on a FIFO host.
    fn wake_inline(&self, waker: Waker, then: Option<Job>) {
        waker.wake();
        if let Some(job) = then {
            self.call_soon(job);
        }
    }

    /// True once the runtime has begun to shut down. A [`Hosted`](crate::Hosted)
    /// task polled from then on is destroyed instead of stepped: asyncio
    /// never runs a step after its loop closed, even when a worker thread of
    /// the host still polls while others drop their tasks. The default
    /// (never closing) suits a loop that stops polling before it destroys.
    ///
    /// ```
    /// use aiotask_core::{Env, HostedEnv};
    /// let env = HostedEnv::new();
    /// assert!(!env.is_closing());
    /// env.begin_close(); // the backend's runtime drop does this first
    /// assert!(env.is_closing());
    /// ```
    fn is_closing(&self) -> bool {
        false
    }
}

/// A loop's replaceable exception handler, defaulting to standard error.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use aiotask_api::{ExceptionContext, ReportKind};
/// use aiotask_core::Reporter;
///
/// let reporter = Reporter::default();
/// let seen = Arc::new(Mutex::new(0));
/// let n = seen.clone();
/// reporter.set_handler(Some(Arc::new(move |_: &ExceptionContext| *n.lock().unwrap() += 1)));
/// reporter.report(ExceptionContext::new(ReportKind::Custom));
/// assert_eq!(*seen.lock().unwrap(), 1);
/// ```
#[derive(Default)]
pub struct Reporter {
    handler: RwLock<Option<ExceptionHandler>>,
}

impl Reporter {
    /// Replaces the handler; `None` restores the default (standard error).
    ///
    /// ```
    /// aiotask_core::Reporter::default().set_handler(None);
    /// ```
    pub fn set_handler(&self, handler: Option<ExceptionHandler>) {
        *self.handler.write().unwrap_or_else(|e| e.into_inner()) = handler;
    }

    /// Calls the handler with `context`. A handler that panics is itself
    /// reported on standard error; the panic does not escape.
    ///
    /// ```
    /// use aiotask_api::{ExceptionContext, ReportKind};
    /// let r = aiotask_core::Reporter::default();
    /// r.set_handler(Some(std::sync::Arc::new(|_: &ExceptionContext| panic!("bad handler"))));
    /// r.report(ExceptionContext::new(ReportKind::Custom)); // does not unwind
    /// ```
    pub fn report(&self, context: ExceptionContext) {
        let handler = self
            .handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match handler {
            None => eprintln!("{context}"),
            Some(h) => {
                if catch_unwind(AssertUnwindSafe(|| h(&context))).is_err() {
                    eprintln!("Unhandled error in exception handler\ncontext: {context}");
                }
            }
        }
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let custom = self.handler.read().map(|h| h.is_some()).unwrap_or(false);
        f.debug_struct("Reporter")
            .field("custom_handler", &custom)
            .finish()
    }
}

/// Runs `job`, passing a panic to `report` as asyncio reports an exception
/// in a callback; the panic does not escape.
///
/// ```
/// let mut reports = Vec::new();
/// aiotask_core::run_job(Box::new(|| panic!("callback bug")), |ctx| reports.push(ctx.kind()));
/// assert_eq!(reports, [aiotask_api::ReportKind::CallbackPanicked]);
/// ```
pub fn run_job(job: Job, report: impl FnOnce(ExceptionContext)) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(job)) {
        report(
            ExceptionContext::new(ReportKind::CallbackPanicked)
                .with_failure(aiotask_api::Failure::from_panic(payload)),
        );
    }
}

/// A FIFO of jobs drained by one dispatcher future: how runtimes that only
/// run futures (tokio, async-executor) implement `call_soon` without a task
/// per callback.
///
/// ```
/// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
/// use aiotask_core::CallbackQueue;
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

#[derive(Default)]
struct QueueInner {
    jobs: VecDeque<Job>,
    waker: Option<Waker>,
    closed: bool,
}

impl CallbackQueue {
    /// Appends a job and wakes the dispatcher. Jobs pushed after
    /// [`close`](Self::close) are dropped unrun.
    ///
    /// ```
    /// let q = aiotask_core::CallbackQueue::default();
    /// q.push(Box::new(|| {}));
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn push(&self, job: Job) {
        let waker = {
            let mut inner = lock(&self.inner);
            if inner.closed {
                return;
            }
            inner.jobs.push_back(job);
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// How many jobs are queued.
    ///
    /// ```
    /// assert_eq!(aiotask_core::CallbackQueue::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.inner).jobs.len()
    }

    /// True when no job is queued.
    ///
    /// ```
    /// assert!(aiotask_core::CallbackQueue::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops accepting jobs and drops the queued ones (the loop is going away).
    ///
    /// ```
    /// let q = aiotask_core::CallbackQueue::default();
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
        drop(jobs);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Runs the jobs queued now (one tick); jobs they queue wait for the next
    /// batch. Panics are passed to `report`. Returns how many ran.
    ///
    /// ```
    /// let q = aiotask_core::CallbackQueue::default();
    /// q.push(Box::new(|| panic!("callback bug")));
    /// let mut reports = 0;
    /// q.run_batch(|_| reports += 1);
    /// assert_eq!(reports, 1);
    /// ```
    pub fn run_batch(&self, mut report: impl FnMut(ExceptionContext)) -> usize {
        let batch = std::mem::take(&mut lock(&self.inner).jobs);
        let n = batch.len();
        for job in batch {
            run_job(job, &mut report);
        }
        n
    }

    /// A future that drains the queue forever, one batch per poll, until the
    /// queue is closed. Spawn it once on the runtime that runs the tasks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let q = Arc::new(aiotask_core::CallbackQueue::default());
    /// let reporter = Arc::new(aiotask_core::Reporter::default());
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
/// use aiotask_core::{CallbackQueue, Dispatcher, Reporter};
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
