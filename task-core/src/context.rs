//! The step's thread-local frame: `current_task()`, and how a cancellation
//! reaches the innermost active [`catch_cancel`].
//!
//! While a step runs, its thread holds a frame naming the task, the
//! cancellation being delivered (if any) and the depth it must be delivered
//! at. Each [`CatchCancel`] counts its nesting depth as it is polled; the one
//! whose depth matches takes the error, drops the future it wraps and
//! returns `Err`. When the body suspends, the frame records the deepest
//! `CatchCancel` that was pending: that is where the next cancellation goes.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use aiotask_api::{AnyTask, CancelledError};

use crate::awaited::PendingJoins;

pub(crate) struct Frame {
    pub(crate) task: AnyTask,
    pub(crate) deliver: Option<CancelledError>,
    pub(crate) deliver_depth: u32,
    pub(crate) depth: u32,
    pub(crate) armed_depth: u32,
    /// The joins this step polled and left pending: the tasks it awaits.
    pub(crate) awaited: PendingJoins,
    /// Which loop runs this step: the address of the task's [`LoopServices`](crate::backend::LoopServices), an
    /// identity only (see [`env_identity`]).
    pub(crate) env: usize,
}

/// The identity of a loop's environment, comparable across tasks.
#[inline]
pub(crate) fn env_identity(env: &std::sync::Arc<dyn crate::services::LoopServices>) -> usize {
    std::sync::Arc::as_ptr(env).cast::<()>().addr()
}

crate::thread_local_shim! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

#[inline]
pub(crate) fn push_frame(frame: Frame) {
    FRAMES.with(|f| f.borrow_mut().push(frame));
}

#[inline]
pub(crate) fn pop_frame() -> Frame {
    FRAMES.with(|f| {
        f.borrow_mut()
            .pop()
            .expect("a step pops the frame it pushed")
    })
}

/// How many step frames this thread has now (nested steps: a loop driven
/// from inside another's step).
#[inline]
pub(crate) fn frame_count() -> usize {
    FRAMES.try_with(|f| f.borrow().len()).unwrap_or(0)
}

/// Runs `f` on the frame of the step running on this thread, if any.
///
/// `None` also while the thread's locals are being destroyed (a `Join`
/// dropped by a thread-local executor at thread exit): no step runs then.
pub(crate) fn with_frame<R>(f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    FRAMES
        .try_with(|frames| frames.borrow_mut().last_mut().map(f))
        .ok()
        .flatten()
}

/// The task whose step is running on this thread (asyncio's `current_task()`).
///
/// `None` outside a task: in done callbacks, in `call_soon` jobs, and on
/// threads that are not running a step.
///
/// ```
/// let rt = aiotask::Runtime::new();
/// assert!(aiotask::current_task().is_none()); // outside the loop
/// rt.run(async {
///     let child = aiotask::spawn_named("child", async {
///         aiotask::current_task().map(|me| me.name()) // inside: the task itself
///     });
///     assert_eq!(child.await.unwrap().as_deref(), Some("child"));
/// })
/// .unwrap();
/// ```
pub fn current_task() -> Option<AnyTask> {
    with_frame(|f| f.task.clone())
}

/// Wraps `future` so that a cancellation delivered while the task waits in
/// it comes back as `Err(CancelledError)` instead of dropping the whole body
/// (Python's `try: await x except CancelledError`).
///
/// On `Err`, `future` has been dropped and the body goes on running: it may
/// await more (cleanup), then return a value (the cancellation is
/// suppressed: the task is not cancelled and `cancelling()` stays above
/// zero) or return the error (the task ends cancelled). Only the innermost
/// active catch takes a cancellation; a body with none active is dropped at
/// the await instead. Outside an aiotask task it simply runs `future`.
///
/// ```
/// use std::time::Duration;
///
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let task = aiotask::spawn(async {
///         let slept = aiotask::catch_cancel(aiotask::sleep(Duration::from_secs(3600))).await;
///         let cleanup = aiotask::catch_cancel(aiotask::yield_now()).await; // awaits work again
///         (slept.unwrap_err().message().map(str::to_owned), cleanup.is_ok())
///     });
///     aiotask::yield_now().await; // the task starts and sleeps
///     task.cancel_with("stop");
///     assert_eq!(task.await.unwrap(), (Some("stop".to_owned()), true));
/// })
/// .unwrap();
/// ```
pub fn catch_cancel<F: Future>(future: F) -> CatchCancel<F> {
    CatchCancel {
        inner: Some(Box::pin(future)),
    }
}

/// [`catch_cancel`] as a method on every future: `fut.catch_cancel()`.
/// `use aiotask::prelude::*;` brings it into scope.
///
/// ```
/// use std::time::Duration;
/// use aiotask::prelude::*;
///
/// let rt = aiotask::Runtime::new();
/// let outcome = rt.run(async {
///     let worker = aiotask::spawn_try(async {
///         aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await?; // `?` re-raises
///         Ok::<_, aiotask::CancelledError>("slept")
///     });
///     aiotask::yield_now().await;
///     worker.cancel_with("shutting down");
///     worker.await
/// });
/// let err = outcome.unwrap().unwrap_err();
/// assert_eq!(err.cancelled().unwrap().message(), Some("shutting down"));
/// ```
pub trait CatchCancelExt: Future + Sized {
    /// See [`catch_cancel`].
    fn catch_cancel(self) -> CatchCancel<Self> {
        catch_cancel(self)
    }
}

impl<F: Future> CatchCancelExt for F {}

/// The future returned by [`catch_cancel`]: `Ok(output)`, or
/// `Err(CancelledError)` when a cancellation was delivered inside it.
#[must_use = "futures do nothing unless awaited"]
pub struct CatchCancel<F> {
    inner: Option<Pin<Box<F>>>,
}

impl<F> fmt::Debug for CatchCancel<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatchCancel")
            .field("finished", &self.inner.is_none())
            .finish()
    }
}

/// Leaves one level of catch nesting when dropped, even on unwind.
struct DepthGuard;

impl Drop for DepthGuard {
    fn drop(&mut self) {
        with_frame(|f| f.depth -= 1);
    }
}

impl<F: Future> Future for CatchCancel<F> {
    type Output = Result<F::Output, CancelledError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.inner.as_mut() else {
            panic!("CatchCancel polled after completion");
        };
        let Some(my_depth) = with_frame(|f| {
            f.depth += 1;
            f.depth
        }) else {
            // Not inside an aiotask step: nothing can be delivered here.
            return inner.as_mut().poll(cx).map(Ok);
        };
        let _guard = DepthGuard;
        let delivered = with_frame(|f| {
            if f.deliver_depth == my_depth {
                f.deliver.take()
            } else {
                None
            }
        })
        .flatten();
        if let Some(err) = delivered {
            self.inner = None;
            return Poll::Ready(Err(err));
        }
        match inner.as_mut().poll(cx) {
            Poll::Ready(v) => {
                self.inner = None;
                Poll::Ready(Ok(v))
            }
            Poll::Pending => {
                with_frame(|f| f.armed_depth = f.armed_depth.max(my_depth));
                Poll::Pending
            }
        }
    }
}
