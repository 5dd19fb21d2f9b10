//! What a task needs from its loop: `call_soon` and the exception handler
//! ([`LoopServices`]), and how one queued job runs ([`run_job`]).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Waker;

use aiotask_api::{ExceptionContext, ReportKind};

/// A unit of work queued on a loop (asyncio's `Handle`).
///
/// ```
/// let job: aiotask_core::backend::Job = Box::new(|| println!("soon"));
/// job();
/// ```
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// The loop services a task uses: schedule a job at a later tick, and report.
///
/// ```
/// use aiotask_core::backend::{LoopServices, Job, Reporter};
/// use aiotask_api::ExceptionContext;
///
/// struct Inline(Reporter);
/// impl LoopServices for Inline {
///     fn call_soon(&self, job: Job) { job() }
///     fn report(&self, ctx: ExceptionContext) { self.0.report(ctx) }
/// }
/// ```
pub trait LoopServices: std::any::Any + Send + Sync + 'static {
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
    /// [`call_soon`](LoopServices::call_soon), which keeps the order on a FIFO host.
    fn wake_inline(&self, waker: Waker, then: Option<Job>) {
        waker.wake();
        if let Some(job) = then {
            self.call_soon(job);
        }
    }

    /// Wakes `waker`, an awaiter of a task that just finished whose done
    /// list holds awaiters only, at the place in the loop's order where the
    /// done-list job would have resumed it (done-list rule D5): no job is
    /// boxed for it.
    ///
    /// The default queues a job that wakes it (and wakes it too if the job
    /// is dropped unrun, rule D3). A loop whose one FIFO holds both task
    /// steps and jobs wakes it at once: the step is queued where the job
    /// would have been. A queue of jobs can hold the waker itself
    /// ([`CallbackQueue::push_wake`](crate::backend::CallbackQueue::push_wake)).
    ///
    /// ```
    /// use aiotask_core::backend::{LoopServices, HostedServices};
    /// let env = HostedServices::new();
    /// env.call_soon(Box::new(|| {}));
    /// env.wake_soon(std::task::Waker::noop().clone()); // behind the job
    /// assert_eq!(env.queue().len(), 2);
    /// ```
    fn wake_soon(&self, waker: Waker) {
        /// Wakes when dropped: run, or dropped unrun.
        struct WakeOnDrop(Option<Waker>);
        impl Drop for WakeOnDrop {
            fn drop(&mut self) {
                if let Some(w) = self.0.take() {
                    w.wake();
                }
            }
        }
        let wake = WakeOnDrop(Some(waker));
        self.call_soon(Box::new(move || drop(wake)));
    }

    /// True once the runtime has begun to shut down. A [`Hosted`](crate::backend::Hosted)
    /// task polled from then on is destroyed instead of stepped: asyncio
    /// never runs a step after its loop closed, even when a worker thread of
    /// the host still polls while others drop their tasks. The default
    /// (never closing) suits a loop that stops polling before it destroys.
    ///
    /// ```
    /// use aiotask_core::backend::{LoopServices, HostedServices};
    /// let env = HostedServices::new();
    /// assert!(!env.is_closing());
    /// env.begin_close(); // the backend's runtime drop does this first
    /// assert!(env.is_closing());
    /// ```
    fn is_closing(&self) -> bool {
        false
    }

    /// True once the runtime is gone for good: jobs queued from now on are
    /// dropped unrun. A done callback added to a finished task of a closed
    /// runtime is reported (`ReportKind::LoopClosed`) instead of being lost
    /// without a word (asyncio raises `RuntimeError('Event loop is closed')`).
    /// The default (never closed) suits a loop that runs whatever is queued.
    ///
    /// ```
    /// use aiotask_core::backend::{LoopServices, HostedServices};
    /// let env = HostedServices::new();
    /// assert!(!env.is_closed());
    /// env.queue().close(); // the dispatcher is gone
    /// assert!(env.is_closed());
    /// ```
    fn is_closed(&self) -> bool {
        false
    }
}

/// Runs `job`, passing a panic to `report` as asyncio reports an exception
/// in a callback; the panic does not escape, and neither does one raised by
/// dropping its payload.
///
/// ```
/// let mut reports = Vec::new();
/// aiotask_core::backend::run_job(Box::new(|| panic!("callback bug")), |ctx| reports.push(ctx.kind()));
/// assert_eq!(reports, [aiotask_api::ReportKind::CallbackPanicked]);
/// ```
pub fn run_job(job: Job, report: impl FnOnce(ExceptionContext)) {
    run_contained(job, report);
}

/// Runs `f` as [`run_job`] runs a job (a panic goes to `report`), for work
/// that needs no box: an awaiter's wake-up, say.
///
/// ```
/// let mut reports = Vec::new();
/// aiotask_core::backend::run_contained(|| panic!("waker bug"), |ctx| reports.push(ctx.kind()));
/// assert_eq!(reports, [aiotask_api::ReportKind::CallbackPanicked]);
/// ```
pub fn run_contained(f: impl FnOnce(), report: impl FnOnce(ExceptionContext)) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        // The failure owns the payload and drops it quietly (see `Failure`).
        report(
            ExceptionContext::new(ReportKind::CallbackPanicked)
                .with_failure(aiotask_api::Failure::from_panic(payload)),
        );
    }
}

/// Drops a job that will never run (its loop closed), containing a panic
/// of the values it captured.
///
/// ```
/// aiotask_core::backend::drop_job(Box::new(|| unreachable!()));
/// ```
pub fn drop_job(job: Job) {
    let _ = aiotask_api::drop_quietly(job);
}
