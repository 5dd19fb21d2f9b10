//! Helpers the checks share: event logs, a one-shot slot (a leaf future to
//! suspend on), waiting without timing assumptions, a Python-like error
//! type, captured reports, and assertions on outcomes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aiotask_api::{
    ExceptionContext, Failure, InvalidStateError, ReportKind, Runtime, RuntimeHandle, TaskError,
    TaskOutput,
};

use crate::{Fixture, Outcome};

/// The task handle type of runtime `R` for values of type `T`.
pub(crate) type TaskOf<R, T> = <<R as Runtime>::Handle as RuntimeHandle>::Task<T>;

/// "An hour": a sleep no check ever waits out.
pub(crate) const LONG: Duration = Duration::from_secs(3600);

/// A sleep of `ms` milliseconds on the loop's clock, for checks that compare
/// sleeps with each other or with work done meanwhile.
///
/// Under Miri every basic block advances the emulated clock, so one task
/// step can take several emulated milliseconds and reorder sleeps of 10 and
/// 20 ms started a step apart. There the durations are 100 times longer,
/// which keeps their order and costs nothing: Miri jumps its clock forward
/// while every thread sleeps. The longest scaled sleep (5 s) stays well
/// inside [`CHECK_TIMEOUT`](crate::CHECK_TIMEOUT).
pub(crate) fn millis(ms: u64) -> Duration {
    const SCALE: u64 = if cfg!(miri) { 100 } else { 1 };
    Duration::from_millis(ms * SCALE)
}

/// How long a check waits for a condition before it fails.
const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// Why a check that holds a task in one sub-state needs a single thread.
pub(crate) const NEEDS_ONE_THREAD: &str = "needs a single-threaded loop: the scenario holds a task in a pending sub-state \
     (not started, ready, woken) that a worker thread would leave at once";

/// Why a check about the order of independent tasks needs FIFO ticks.
pub(crate) const NEEDS_FIFO: &str = "needs asyncio's FIFO ticks: the order between independent tasks and callbacks \
     is the scheduler's own on this flavour";

/// `Some(NotApplicable)` when the flavour runs task bodies in parallel.
pub(crate) fn single_thread_only<R>(fx: &Fixture<R>) -> Option<Outcome>
where
    R: Runtime,
{
    fx.caps()
        .multi_thread
        .then_some(Outcome::NotApplicable(NEEDS_ONE_THREAD))
}

/// `Some(NotApplicable)` when the flavour does not schedule in FIFO ticks.
pub(crate) fn fifo_only<R>(fx: &Fixture<R>) -> Option<Outcome>
where
    R: Runtime,
{
    (!fx.caps().fifo_scheduling).then_some(Outcome::NotApplicable(NEEDS_FIFO))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An ordered record of events, shared by tasks, callbacks and threads.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&self, event: impl Into<String>) {
        lock(&self.0).push(event.into());
    }

    pub(crate) fn snapshot(&self) -> Vec<String> {
        lock(&self.0).clone()
    }

    pub(crate) fn contains(&self, event: &str) -> bool {
        lock(&self.0).iter().any(|e| e == event)
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.0).len()
    }

    /// Asserts the exact events, in order.
    #[track_caller]
    pub(crate) fn expect(&self, expected: &[&str], what: &str) {
        assert_eq!(self.snapshot(), expected, "{what}");
    }
}

/// Pushes `event` to a log when dropped: Python's `finally`.
pub(crate) struct OnDrop(pub(crate) Log, pub(crate) &'static str);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.push(self.1);
    }
}

/// A one-shot value a task can suspend on: a leaf future, like an asyncio
/// `Future` that someone else sets. Setting it wakes every waiter, from any
/// thread.
pub(crate) struct Slot<T>(Arc<Mutex<SlotState<T>>>);

struct SlotState<T> {
    value: Option<T>,
    wakers: Vec<Waker>,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Clone + Send + 'static> Slot<T> {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Mutex::new(SlotState {
            value: None,
            wakers: Vec::new(),
        })))
    }

    /// Stores the value and wakes the waiters (`fut.set_result(v)`).
    pub(crate) fn set(&self, value: T) {
        let wakers = {
            let mut st = lock(&self.0);
            st.value = Some(value);
            std::mem::take(&mut st.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    pub(crate) fn get(&self) -> Option<T> {
        lock(&self.0).value.clone()
    }

    /// A future of the value: pending until [`set`](Slot::set).
    pub(crate) fn wait(&self) -> SlotWait<T> {
        SlotWait(self.clone())
    }
}

/// The future of [`Slot::wait`].
pub(crate) struct SlotWait<T>(Slot<T>);

impl<T: Clone> Future for SlotWait<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut st = lock(&(self.0).0);
        if let Some(v) = &st.value {
            return Poll::Ready(v.clone());
        }
        if !st.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            st.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A gate: a slot without a value.
pub(crate) type Gate = Slot<()>;

/// Yields to the loop until `cond` holds; fails the check after 10 s of the
/// loop's clock.
pub(crate) async fn wait_until<H: RuntimeHandle>(
    h: &H,
    what: &str,
    mut cond: impl FnMut() -> bool,
) {
    let start = h.time();
    while !cond() {
        assert!(
            h.time().saturating_sub(start) < WAIT_LIMIT,
            "timed out waiting until {what}"
        );
        h.yield_now().await;
    }
}

/// Yields to the loop `n` times (`n` ticks on a FIFO loop).
pub(crate) async fn ticks<H: RuntimeHandle>(h: &H, n: usize) {
    for _ in 0..n {
        h.yield_now().await;
    }
}

/// Blocks this (non-loop) thread until `cond` holds; fails after 10 s.
#[track_caller]
pub(crate) fn block_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < WAIT_LIMIT,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `main` on `rt` and returns its value. A panic inside `main` (a failed
/// assertion) is re-raised here with its own message.
#[track_caller]
pub(crate) fn run<R, F>(rt: &R, main: F) -> F::Output
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: TaskOutput,
{
    match rt.run(main) {
        Ok(v) => v,
        Err(TaskError::Failed(f)) if f.is_panic() => match f.take_panic_payload() {
            Some(payload) => std::panic::resume_unwind(payload),
            None => panic!("the main task panicked: {f}"),
        },
        Err(other) => panic!("the main task did not finish: {other:?}"),
    }
}

/// Python's `ValueError(msg)`: its `Debug` is Python's repr.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ValueError(pub(crate) &'static str);

impl fmt::Debug for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueError('{}')", self.0)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

/// Everything a runtime handed to its exception handler.
#[derive(Clone, Default)]
pub(crate) struct Reports(Arc<Mutex<Vec<ExceptionContext>>>);

impl Reports {
    /// Installs a handler on `h` that records every report.
    pub(crate) fn install<H: RuntimeHandle>(h: &H) -> Self {
        let reports = Self::default();
        let sink = reports.0.clone();
        h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
            lock(&sink).push(ctx.clone());
        })));
        reports
    }

    pub(crate) fn all(&self) -> Vec<ExceptionContext> {
        lock(&self.0).clone()
    }

    pub(crate) fn kinds(&self) -> Vec<ReportKind> {
        lock(&self.0).iter().map(ExceptionContext::kind).collect()
    }

    pub(crate) fn count(&self, kind: ReportKind) -> usize {
        lock(&self.0).iter().filter(|c| c.kind() == kind).count()
    }
}

/// Asserts a cancellation carrying `message` and returns nothing else.
#[track_caller]
pub(crate) fn expect_cancelled<T: fmt::Debug>(
    outcome: Result<T, TaskError>,
    message: Option<&str>,
    what: &str,
) {
    match outcome {
        Err(TaskError::Cancelled(e)) => {
            assert_eq!(e.message(), message, "{what}: the CancelledError's message")
        }
        other => panic!("{what}: expected Err(Cancelled({message:?})), got {other:?}"),
    }
}

/// Asserts a failure and returns it.
#[track_caller]
pub(crate) fn expect_failed<T: fmt::Debug>(outcome: Result<T, TaskError>, what: &str) -> Failure {
    match outcome {
        Err(TaskError::Failed(f)) => f,
        other => panic!("{what}: expected Err(Failed(_)), got {other:?}"),
    }
}

/// Asserts `InvalidStateError` with the given error.
#[track_caller]
pub(crate) fn expect_invalid_state<T: fmt::Debug>(
    outcome: Result<T, TaskError>,
    expected: InvalidStateError,
    what: &str,
) {
    match outcome {
        Err(TaskError::InvalidState(e)) => assert_eq!(e, expected, "{what}"),
        other => panic!("{what}: expected Err(InvalidState({expected:?})), got {other:?}"),
    }
}

/// The `N` of a default `Task-N` name, or `None` for any other name.
pub(crate) fn default_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("Task-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}
