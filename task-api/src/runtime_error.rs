//! [`RuntimeError`]: a runtime refused a call (Python's `RuntimeError` from
//! the event loop).

use std::error::Error;
use std::fmt;

/// Why a runtime refused a call: Python's `RuntimeError` raised by the event
/// loop itself, before any task was made or run.
///
/// `run` and `run_until_complete` return it as [`TaskError::Runtime`](crate::TaskError::Runtime)
/// instead of panicking, so a refused call never creates the task it was
/// given.
///
/// ```
/// use aiotask::prelude::*;
/// use aiotask::RuntimeErrorKind;
///
/// let (ours, other) = (aiotask::Runtime::new(), aiotask::Runtime::new());
/// let task = ours.handle().create_task(async { 1 });
/// let err = other.run_until_complete(&task).unwrap_err();
/// let refused = err.runtime_error().unwrap();
/// assert_eq!(refused.kind(), RuntimeErrorKind::OtherRuntime);
/// assert!(refused.to_string().contains("different loop")); // asyncio's words
/// assert_eq!(ours.run_until_complete(&task).unwrap(), 1); // the task is untouched
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuntimeError {
    kind: RuntimeErrorKind,
}

/// What a [`RuntimeError`] is about.
///
/// ```
/// use aiotask::{Handle, RuntimeErrorKind};
///
/// // Outside every task and callback, no loop is running.
/// assert_eq!(Handle::try_current().unwrap_err().kind(), RuntimeErrorKind::NoRunningLoop);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeErrorKind {
    /// `run` or `run_until_complete` was called from inside a task or
    /// callback of the same runtime (asyncio: `This event loop is already running`).
    AlreadyRunning,
    /// `run_until_complete` was given a task of another runtime (asyncio:
    /// `The future belongs to a different loop than the one specified as the loop argument`).
    OtherRuntime,
    /// This runtime cannot drive its tasks from here (a current-thread tokio
    /// runtime attached by handle runs its tasks only inside its own
    /// `block_on`).
    CannotDrive,
    /// The runtime was dropped (asyncio: `Event loop is closed`).
    Closed,
    /// No aiotask runtime is running on this thread: `Handle::current()`
    /// or an ambient `spawn` was called outside every task and callback
    /// (asyncio: `no running event loop`).
    NoRunningLoop,
    /// Reading a task's value would wait for ever: from inside the `Clone`
    /// or `Debug` of that same value, or of values that hold each other,
    /// read on two threads at once. asyncio cannot get here (reading a
    /// value takes no lock); the read returns this instead of deadlocking.
    WouldWaitForever,
}

impl RuntimeError {
    /// The error of `kind` (for runtimes: they make the errors users see).
    pub fn new(kind: RuntimeErrorKind) -> Self {
        Self { kind }
    }

    /// What the error is about.
    pub fn kind(&self) -> RuntimeErrorKind {
        self.kind
    }

    /// The text of the error, worded as asyncio words it where it has one.
    ///
    /// ```
    /// use aiotask::{RuntimeError, RuntimeErrorKind};
    /// let e = RuntimeError::new(RuntimeErrorKind::AlreadyRunning);
    /// assert_eq!(e.message(), "This event loop is already running");
    /// assert_eq!(e.to_string(), e.message()); // its Display
    /// ```
    pub fn message(&self) -> &'static str {
        match self.kind {
            RuntimeErrorKind::AlreadyRunning => "This event loop is already running",
            RuntimeErrorKind::OtherRuntime => {
                "The future belongs to a different loop than the one specified as the loop argument"
            }
            RuntimeErrorKind::CannotDrive => {
                "This runtime cannot run its tasks from here: an attached current-thread tokio \
                 runtime runs them only inside its own block_on"
            }
            RuntimeErrorKind::Closed => "Event loop is closed",
            RuntimeErrorKind::NoRunningLoop => "no running event loop",
            RuntimeErrorKind::WouldWaitForever => {
                "reading this task's value would wait for ever: it was read from inside the \
                 Clone or Debug of that value, or of values that hold each other"
            }
        }
    }
}

impl fmt::Debug for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuntimeError({:?})", self.message())
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl Error for RuntimeError {}
