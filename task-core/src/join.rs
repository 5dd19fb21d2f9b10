//! [`Join`] and [`CatchJoin`]: awaiting a [`Task`], the await that a
//! cancel of the awaiter is forwarded through (spec §1.7).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use aiotask_api::{CancelledError, Failure, TaskError};

use crate::context::{CatchCancel, env_identity, with_frame};
use crate::contract::Reader;
use crate::handle::Task;

impl<T: Send + 'static> Task<T> {
    /// Awaits the task by value, catching a cancellation in one shape, as
    /// Python's single `except CancelledError:` around `await task` does:
    /// `Err(CancelledError)` both when *this* task (the awaiter) is
    /// cancelled while it waits, and when the awaited task ends
    /// cancelled. `Ok(Err(_))` is the awaited task's failure (never a
    /// cancellation), `Ok(Ok(v))` its value, moved out. For a clone read,
    /// `task.join().catch_cancel()`.
    ///
    /// ```
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// let supervisor = rt.handle().create_try_task(async {
    ///     let worker = aiotask::spawn_try(async { "x".parse::<u8>() });
    ///     let line = match worker.catch_cancel().await {
    ///         Ok(Ok(v)) => format!("worker gave {v}"),
    ///         Ok(Err(failed)) => format!("worker failed: {failed}"),
    ///         Err(cancelled) => return Err(cancelled), // re-raise: the supervisor ends cancelled
    ///     };
    ///     Ok(line)
    /// });
    /// let line = rt.run_until_complete(&supervisor).unwrap();
    /// assert_eq!(line, "worker failed: task failed: invalid digit found in string");
    /// ```
    pub fn catch_cancel(self) -> CatchJoin<T> {
        self.into_future().catch_cancel()
    }

    /// A future of the outcome that clones the value (`T: Clone`), so every
    /// awaiter gets it and `result()` still answers: what `(&task).await`
    /// awaits, as a value to pass around.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { 7 });
    ///     let (a, b) = (task.join(), task.join()); // two awaits of one task
    ///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 14);
    ///     assert_eq!(task.result().unwrap(), 7);
    /// })
    /// .unwrap();
    /// ```
    pub fn join(&self) -> Join<T>
    where
        T: Clone,
    {
        Join::new(self.clone(), Reader::Clone(T::clone))
    }
}

/// Awaiting a task: its outcome, without suspending when it is already
/// done. `task.await` makes one that moves the value out, `(&task).await`
/// and [`Task::join`] one that clones it.
///
/// Inside a task, a pending `Join` is what the awaiter waits on: cancelling
/// the awaiter forwards the cancel to this task (spec §1.7).
#[must_use = "futures do nothing unless awaited"]
pub struct Join<T: Send + 'static> {
    task: Task<T>,
    /// Clones the value (`(&task).await`) or moves it out (`task.await`).
    reader: Reader<T>,
    key: Option<u64>,
    /// A task awaiting itself gets its error at the next tick.
    self_await_seen: bool,
}

impl<T: Send + 'static> Join<T> {
    fn new(task: Task<T>, reader: Reader<T>) -> Self {
        Self {
            task,
            reader,
            key: None,
            self_await_seen: false,
        }
    }

    /// This await, catching a cancellation in one shape; see
    /// [`Task::catch_cancel`]. (It replaces, for a `Join`, the generic
    /// [`CatchCancelExt::catch_cancel`](crate::CatchCancelExt::catch_cancel),
    /// whose `Ok(Err(TaskError::Cancelled(_)))` would be a second shape.)
    pub fn catch_cancel(self) -> CatchJoin<T> {
        CatchJoin {
            inner: crate::catch_cancel(self),
        }
    }
}

/// The future of [`Task::catch_cancel`] and [`Join::catch_cancel`].
#[must_use = "futures do nothing unless awaited"]
pub struct CatchJoin<T: Send + 'static> {
    inner: CatchCancel<Join<T>>,
}

impl<T: Send + 'static> fmt::Debug for CatchJoin<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatchJoin").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Future for CatchJoin<T> {
    type Output = Result<Result<T, TaskError>, CancelledError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner)
            .poll(cx)
            .map(|caught| match caught {
                Err(mine) => Err(mine),
                Ok(Err(TaskError::Cancelled(theirs))) => Err(theirs),
                Ok(other) => Ok(other),
            })
    }
}

impl<T: Send + 'static> fmt::Debug for Join<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("task", &self.task.id())
            .finish()
    }
}

/// The error thrown at `await` when a task awaits itself (spec §1.18).
#[derive(Debug)]
struct SelfAwait(String);

impl fmt::Display for SelfAwait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task cannot await on itself: {}", self.0)
    }
}

impl std::error::Error for SelfAwait {}

impl<T: Send + 'static> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let me = this.task.id();
        let is_self = with_frame(|f| f.task.id() == me).unwrap_or(false);
        if is_self && !this.task.done() {
            // asyncio queues a step that throws the error (READY), so it
            // arrives at the next tick.
            if !this.self_await_seen {
                this.self_await_seen = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let repr = this.task.contract().repr();
            return Poll::Ready(Err(TaskError::Failed(Failure::from_error(SelfAwait(repr)))));
        }
        let contract = this.task.contract();
        let env = contract.services();
        // The awaited task ended on a runtime that is shutting down. A task
        // of that same runtime (a step a worker began just before the drop)
        // does not resume past this await: the host destroys it next, as
        // asyncio runs no step after its loop closed. Checked once the task
        // is seen done, under its lock: a runtime destroys pending tasks
        // only after it began closing, so that order cannot be missed.
        let closing_here =
            || env.is_closing() && with_frame(|f| f.env == env_identity(env)).unwrap_or(false);
        let polled = contract.poll_join(&mut this.key, cx, this.reader, closing_here);
        if let (true, Some(key)) = (polled.is_pending(), this.key) {
            let awaited = this.task.as_any_task();
            // The task replaced is dropped after the frame's borrow ends.
            let _replaced = with_frame(|f| f.awaited.insert(awaited, key));
        }
        polled
    }
}

impl<T: Send + 'static> Drop for Join<T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.task.contract().drop_join(key);
            // Dropped in the step that polled it (a lost `select!` branch):
            // the task no longer awaits this one, so a cancel must not be
            // forwarded here, and must wake the task rather than wait for
            // a done-list wake-up that was just withdrawn.
            let id = self.task.id();
            let _cleared = with_frame(|f| f.awaited.remove(id, key));
        }
    }
}

/// Awaiting a handle by value moves the value out (value rule V5), for any
/// output type: later reads are told `Result was taken`.
impl<T: Send + 'static> IntoFuture for Task<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = Join<T>;

    fn into_future(self) -> Join<T> {
        Join::new(self, Reader::Take)
    }
}

/// Awaiting a handle by reference clones the value: every awaiter gets it.
impl<T: Clone + Send + 'static> IntoFuture for &Task<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = Join<T>;

    fn into_future(self) -> Join<T> {
        self.join()
    }
}
