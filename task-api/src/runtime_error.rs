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
/// use aiotask_api::{RuntimeError, RuntimeErrorKind};
///
/// let e = RuntimeError::new(RuntimeErrorKind::AlreadyRunning);
/// assert_eq!(e.kind(), RuntimeErrorKind::AlreadyRunning);
/// assert_eq!(e.to_string(), "This event loop is already running");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuntimeError {
    kind: RuntimeErrorKind,
}

/// What a [`RuntimeError`] is about.
///
/// ```
/// use aiotask_api::RuntimeErrorKind;
/// assert_ne!(RuntimeErrorKind::AlreadyRunning, RuntimeErrorKind::Closed);
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
}

impl RuntimeError {
    /// The error of `kind`.
    ///
    /// ```
    /// let e = aiotask_api::RuntimeError::new(aiotask_api::RuntimeErrorKind::Closed);
    /// assert_eq!(e.message(), "Event loop is closed");
    /// ```
    pub fn new(kind: RuntimeErrorKind) -> Self {
        Self { kind }
    }

    /// What the error is about.
    ///
    /// ```
    /// use aiotask_api::{RuntimeError, RuntimeErrorKind};
    /// assert_eq!(RuntimeError::new(RuntimeErrorKind::OtherRuntime).kind(), RuntimeErrorKind::OtherRuntime);
    /// ```
    pub fn kind(&self) -> RuntimeErrorKind {
        self.kind
    }

    /// The text of the error, worded as asyncio words it where it has one.
    ///
    /// ```
    /// use aiotask_api::{RuntimeError, RuntimeErrorKind};
    /// assert!(RuntimeError::new(RuntimeErrorKind::OtherRuntime).message().contains("different loop"));
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
