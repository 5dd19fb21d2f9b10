//! What a task needs from its loop: `call_soon` and the exception handler
//! ([`Env`]), and how one queued job runs ([`run_job`]).

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
/// use aiotask_core::backend::{Env, Job, Reporter};
/// use aiotask_api::ExceptionContext;
///
/// struct Inline(Reporter);
/// impl Env for Inline {
///     fn call_soon(&self, job: Job) { job() }
///     fn report(&self, ctx: ExceptionContext) { self.0.report(ctx) }
/// }
/// ```
pub trait Env: std::any::Any + Send + Sync + 'static {
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

    /// True once the runtime has begun to shut down. A [`Hosted`](crate::backend::Hosted)
    /// task polled from then on is destroyed instead of stepped: asyncio
    /// never runs a step after its loop closed, even when a worker thread of
    /// the host still polls while others drop their tasks. The default
    /// (never closing) suits a loop that stops polling before it destroys.
    ///
    /// ```
    /// use aiotask_core::backend::{Env, HostedEnv};
    /// let env = HostedEnv::new();
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
    /// use aiotask_core::backend::{Env, HostedEnv};
    /// let env = HostedEnv::new();
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
    if let Err(payload) = catch_unwind(AssertUnwindSafe(job)) {
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
