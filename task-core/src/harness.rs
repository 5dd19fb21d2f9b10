//! The step algorithm (spec §1.4): poll a body once, deliver a cancellation,
//! and make the terminal transition.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::awaited::PendingJoins;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use aiotask_api::{AnyTask, Failure, TaskError};

use crate::context::{Frame, env_identity, pop_frame, push_frame};
use crate::handle::Task;
use crate::state::StepStart;

/// Runs one step of `task`: polls `body` with `waker` (the task's own waker,
/// which must call [`TaskContract::on_wake`](crate::backend::Contract::on_wake) and
/// reschedule the task when told to), delivering a requested cancellation as CPython does.
///
/// `current` is the task as an [`AnyTask`], lent to the step's frame (it
/// is what `current_task()` answers inside the step) and handed back when
/// the step is over, so that a step counts no reference of its own. Pass
/// `None` the first time: it is then made from `task` and left in
/// `current` for the next step. A backend that owns one already (its queue
/// entry's reference) passes it in.
///
/// Returns `Ready` once the task is done; `body` is then `None` (dropped on
/// this thread, inside the step, as Python's `finally` runs inside the
/// coroutine). A panic in the body fails the task; it never escapes.
///
/// ```
/// use std::sync::Arc;
/// use std::task::{Poll, Waker};
/// use aiotask_core::backend::{poll_step, HostedCell};
/// # use aiotask_core::backend::{LoopServices, Job};
/// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
///
/// let cell = HostedCell::<u8>::new(None, Arc::new(E));
/// let task = cell.handle();
/// let mut body = Box::pin(Some(async { Ok::<u8, aiotask_api::TaskError>(7) }));
/// let mut current = None;
/// assert_eq!(poll_step(&task, &mut current, body.as_mut(), Waker::noop()), Poll::Ready(()));
/// assert_eq!(task.result().unwrap(), 7);
/// // The step's frame handed its handle back.
/// assert_eq!(current.map(|t| t.id()), Some(task.id()));
/// ```
pub fn poll_step<T, F>(
    task: &Task<T>,
    current: &mut Option<AnyTask>,
    mut body: Pin<&mut Option<F>>,
    waker: &Waker,
) -> Poll<()>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>>,
{
    let shared = task.contract();
    #[cfg(feature = "tracing")]
    let _span = crate::tracing_support::step_span(shared.id(), || shared.name());
    let drop_it = |body: Pin<&mut Option<F>>| {
        // Ambient rule A1: a body's destructors (its `finally`) see the
        // loop too, though no frame is pushed to drop it.
        let _running = crate::ambient::enter_services_unless_current(shared.services());
        if let Some(message) = drop_body(body) {
            shared.report_drop_panic(message);
        }
    };
    let (deliver, catch_depth) = match shared.begin_step() {
        StepStart::Done => {
            drop_it(body);
            return Poll::Ready(());
        }
        StepStart::Run {
            deliver,
            catch_depth,
            released,
        } => {
            // What the state let go of (the awaited task's last handle may
            // be among it), dropped with no lock held.
            drop(released);
            (deliver, catch_depth)
        }
    };
    if let Some(err) = deliver.clone().filter(|_| catch_depth == 0) {
        // Nothing in the body catches: the error propagates out at once.
        drop_it(body);
        shared.complete(task, Err(TaskError::Cancelled(err)));
        return Poll::Ready(());
    }
    let Some(fut) = body.as_mut().as_pin_mut() else {
        // The body was taken by an earlier completion; nothing to run.
        return Poll::Ready(());
    };
    push_frame(Frame {
        // Lent, not cloned: handed back below.
        task: current.take().unwrap_or_else(|| task.as_any_task()),
        deliver,
        deliver_depth: catch_depth,
        depth: 0,
        armed_depth: 0,
        awaited: PendingJoins::default(),
        env: env_identity(shared.services()),
    });
    let mut cx = Context::from_waker(waker);
    let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx)));
    let frame = pop_frame();
    *current = Some(frame.task);
    match polled {
        Ok(Poll::Pending) => {
            if let (Some(err), 0) = (&frame.deliver, frame.armed_depth) {
                // The catch scope went away without taking the error.
                let err = err.clone();
                drop_it(body);
                shared.complete(task, Err(TaskError::Cancelled(err)));
                return Poll::Ready(());
            }
            shared.end_step_suspended(
                frame.awaited.into_awaited(),
                frame.armed_depth,
                frame.deliver,
                waker,
            );
            Poll::Pending
        }
        Ok(Poll::Ready(outcome)) => {
            drop_it(body);
            shared.complete(task, outcome);
            Poll::Ready(())
        }
        Err(payload) => {
            // The failure owns the payload and drops it quietly.
            let failure = Failure::from_panic(payload);
            drop_it(body);
            shared.complete(task, Err(TaskError::Failed(failure)));
            Poll::Ready(())
        }
    }
}

/// Drops a task body in place (as `Pin::set(None)`), containing a
/// destructor that panics, and a panic payload whose own destructor panics:
/// a body's `finally` may fail, the loop may not. Returns the panic's
/// message, for the backend to report with
/// [`TaskContract::report_drop_panic`](crate::backend::Contract::report_drop_panic).
///
/// ```
/// struct Loud;
/// impl Drop for Loud { fn drop(&mut self) { panic!("bad finally") } }
/// let mut body = Box::pin(Some(Loud));
/// assert_eq!(aiotask_core::backend::drop_body(body.as_mut()).as_deref(), Some("bad finally"));
/// assert!(body.is_none());
/// ```
#[must_use = "a panic of the body's destructor is to be reported"]
pub fn drop_body<F>(mut body: Pin<&mut Option<F>>) -> Option<String> {
    aiotask_api::call_quietly(|| body.set(None)).err()
}
