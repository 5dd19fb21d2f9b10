//! The error values of the contract: cancellation, invalid state, failure.

use crate::RuntimeError;
use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A boxed error value, the form in which a task body's own error is stored.
///
/// ```
/// let e: aiotask_api::BoxError = "boom".into();
/// assert_eq!(e.to_string(), "boom");
/// ```
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// asyncio's `CancelledError`: the task was cancelled, optionally with a message.
///
/// The message is what `task.cancel_with(msg)` passed. As in CPython 3.13 it
/// reaches the first retrieval only when the body let the cancellation
/// propagate: later `result()` calls see a fresh error with no message.
///
/// ```
/// use aiotask_api::CancelledError;
///
/// let plain = CancelledError::new();
/// assert_eq!(plain.message(), None);
/// let why = CancelledError::with_message("shutting down");
/// assert_eq!(why.message(), Some("shutting down"));
/// assert_eq!(format!("{why:?}"), "CancelledError(\"shutting down\")");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct CancelledError {
    message: Option<Arc<str>>,
}

impl CancelledError {
    /// A cancellation with no message (Python's `CancelledError()`).
    ///
    /// ```
    /// assert_eq!(aiotask_api::CancelledError::new().to_string(), "task cancelled");
    /// ```
    pub fn new() -> Self {
        Self { message: None }
    }

    /// A cancellation carrying `message` (Python's `CancelledError(msg)`).
    ///
    /// ```
    /// let e = aiotask_api::CancelledError::with_message("late");
    /// assert_eq!(e.to_string(), "task cancelled: late");
    /// ```
    pub fn with_message(message: impl Into<Arc<str>>) -> Self {
        Self {
            message: Some(message.into()),
        }
    }

    /// A cancellation whose message may be absent.
    ///
    /// ```
    /// let e = aiotask_api::CancelledError::from_message(None);
    /// assert!(e.message().is_none());
    /// ```
    pub fn from_message(message: Option<Arc<str>>) -> Self {
        Self { message }
    }

    /// The message given to `cancel_with`, if any (Python's `e.args`).
    ///
    /// ```
    /// assert_eq!(aiotask_api::CancelledError::with_message("m").message(), Some("m"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The message as Python prints `e.args`: `()` or `('msg',)`.
    ///
    /// ```
    /// use aiotask_api::CancelledError;
    /// assert_eq!(CancelledError::new().args_repr(), "()");
    /// assert_eq!(CancelledError::with_message("stop now").args_repr(), "('stop now',)");
    /// ```
    pub fn args_repr(&self) -> String {
        match &self.message {
            None => "()".to_owned(),
            Some(m) => format!("({},)", py_str_repr(m)),
        }
    }
}

/// Python's `repr()` of a string: single quotes unless the text holds a
/// single quote and no double quote, with backslash escapes.
///
/// Task reprs and `CancelledError` args print names and messages this way.
///
/// ```
/// use aiotask_api::py_str_repr;
/// assert_eq!(py_str_repr("MyTask"), "'MyTask'");
/// assert_eq!(py_str_repr("it's"), "\"it's\"");
/// assert_eq!(py_str_repr("both ' and \""), "'both \\' and \"'");
/// ```
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

impl fmt::Debug for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            None => f.write_str("CancelledError"),
            Some(m) => f.debug_tuple("CancelledError").field(m).finish(),
        }
    }
}

impl fmt::Display for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            None => f.write_str("task cancelled"),
            Some(m) => write!(f, "task cancelled: {m}"),
        }
    }
}

impl Error for CancelledError {}

/// asyncio's `InvalidStateError`: the call needs a done task and this one is pending.
///
/// ```
/// use aiotask_api::InvalidStateError;
///
/// let e = InvalidStateError::result_not_set();
/// assert_eq!(e.to_string(), "Result is not set.");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvalidStateError {
    what: &'static str,
}

impl InvalidStateError {
    /// The error of `result()` on a pending task.
    ///
    /// ```
    /// assert!(aiotask_api::InvalidStateError::result_not_set().to_string().contains("Result"));
    /// ```
    pub fn result_not_set() -> Self {
        Self {
            what: "Result is not set.",
        }
    }

    /// The error of `exception()` on a pending task.
    ///
    /// ```
    /// let e = aiotask_api::InvalidStateError::exception_not_set();
    /// assert_eq!(e.to_string(), "Exception is not set.");
    /// ```
    pub fn exception_not_set() -> Self {
        Self {
            what: "Exception is not set.",
        }
    }

    /// The text of the error, as CPython's C implementation words it.
    ///
    /// ```
    /// assert_eq!(aiotask_api::InvalidStateError::result_not_set().message(), "Result is not set.");
    /// ```
    pub fn message(&self) -> &'static str {
        self.what
    }
}

impl fmt::Debug for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvalidStateError({:?})", self.what)
    }
}

impl fmt::Display for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
}

impl Error for InvalidStateError {}

/// What a failed task holds: the error its body returned, or the panic it raised.
///
/// A `Failure` is cheap to clone and every clone is the *same* failure
/// ([`Failure::ptr_eq`]), as Python hands out the same exception object at
/// every `await` and `result()`.
///
/// ```
/// use aiotask_api::Failure;
///
/// #[derive(Debug)]
/// struct Boom;
/// impl std::fmt::Display for Boom {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("boom") }
/// }
/// impl std::error::Error for Boom {}
///
/// let f = Failure::from_error(Boom);
/// assert!(f.is::<Boom>());
/// assert!(f.downcast_ref::<Boom>().is_some());
/// assert_eq!(f.to_string(), "boom");
/// assert!(Failure::ptr_eq(&f, &f.clone()));
/// ```
#[derive(Clone)]
pub struct Failure {
    inner: Arc<FailureRepr>,
}

enum FailureRepr {
    Error(BoxError),
    Panic {
        message: Option<String>,
        payload: Mutex<Option<Box<dyn Any + Send>>>,
    },
}

impl Failure {
    /// A failure holding an error value the body returned.
    ///
    /// ```
    /// let f = aiotask_api::Failure::from_error(std::io::Error::other("disk"));
    /// assert!(!f.is_panic());
    /// ```
    pub fn from_error(error: impl Into<BoxError>) -> Self {
        Self {
            inner: Arc::new(FailureRepr::Error(error.into())),
        }
    }

    /// A failure holding a panic payload, as `std::panic::catch_unwind` returns it.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("bad")).unwrap_err();
    /// let f = aiotask_api::Failure::from_panic(payload);
    /// assert!(f.is_panic());
    /// assert_eq!(f.panic_message(), Some("bad"));
    /// ```
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let message = payload
            .downcast_ref::<&'static str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        Self {
            inner: Arc::new(FailureRepr::Panic {
                message,
                payload: Mutex::new(Some(payload)),
            }),
        }
    }

    /// True when the task panicked rather than returned an error.
    ///
    /// ```
    /// assert!(!aiotask_api::Failure::from_error("e").is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(*self.inner, FailureRepr::Panic { .. })
    }

    /// The panic message when the payload was a string.
    ///
    /// ```
    /// assert_eq!(aiotask_api::Failure::from_error("e").panic_message(), None);
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &*self.inner {
            FailureRepr::Panic { message, .. } => message.as_deref(),
            FailureRepr::Error(_) => None,
        }
    }

    /// Takes the original panic payload out, for `std::panic::resume_unwind`.
    ///
    /// Returns `None` for an error failure or when a clone already took it.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("p")).unwrap_err();
    /// let f = aiotask_api::Failure::from_panic(payload);
    /// assert!(f.take_panic_payload().is_some());
    /// assert!(f.take_panic_payload().is_none());
    /// ```
    pub fn take_panic_payload(&self) -> Option<Box<dyn Any + Send>> {
        match &*self.inner {
            FailureRepr::Panic { payload, .. } => {
                payload.lock().unwrap_or_else(|e| e.into_inner()).take()
            }
            FailureRepr::Error(_) => None,
        }
    }

    /// The error the body returned, when it did not panic.
    ///
    /// ```
    /// let f = aiotask_api::Failure::from_error("no route");
    /// assert_eq!(f.error().unwrap().to_string(), "no route");
    /// ```
    pub fn error(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        match &*self.inner {
            FailureRepr::Error(e) => Some(&**e),
            FailureRepr::Panic { .. } => None,
        }
    }

    /// True when the stored error is of type `E`.
    ///
    /// ```
    /// let f = aiotask_api::Failure::from_error(std::fmt::Error);
    /// assert!(f.is::<std::fmt::Error>());
    /// ```
    pub fn is<E: Error + 'static>(&self) -> bool {
        self.downcast_ref::<E>().is_some()
    }

    /// The stored error as its original type `E`.
    ///
    /// ```
    /// let f = aiotask_api::Failure::from_error(std::fmt::Error);
    /// assert_eq!(f.downcast_ref::<std::fmt::Error>(), Some(&std::fmt::Error));
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.error()?.downcast_ref::<E>()
    }

    /// True when both handles name the same failure (Python's `is`).
    ///
    /// ```
    /// use aiotask_api::Failure;
    /// let a = Failure::from_error("x");
    /// assert!(Failure::ptr_eq(&a, &a.clone()));
    /// assert!(!Failure::ptr_eq(&a, &Failure::from_error("x")));
    /// ```
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            FailureRepr::Error(e) => write!(f, "{e:?}"),
            FailureRepr::Panic { message, .. } => match message {
                Some(m) => write!(f, "Panic({m:?})"),
                None => f.write_str("Panic(<non-string payload>)"),
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            FailureRepr::Error(e) => write!(f, "{e}"),
            FailureRepr::Panic { message, .. } => match message {
                Some(m) => write!(f, "task panicked: {m}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl Error for Failure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &*self.inner {
            FailureRepr::Error(e) => Some(&**e),
            FailureRepr::Panic { .. } => None,
        }
    }
}

/// Why a task has no value to give: what `result()` and `await` raise.
///
/// Awaiting a task gives `Ok(value)`, or `Cancelled` / `Failed`; it never
/// gives `InvalidState`, which only `result()` and `exception()` return for a
/// task that is still pending.
///
/// A body may use `?` on a [`CancelledError`] to let a caught cancellation
/// propagate: `From<CancelledError>` builds the `Cancelled` variant.
///
/// ```
/// use aiotask_api::{CancelledError, Failure, TaskError};
///
/// let c: TaskError = CancelledError::with_message("bye").into();
/// assert_eq!(c.cancelled().and_then(|e| e.message()), Some("bye"));
/// let f = TaskError::Failed(Failure::from_error("bad input"));
/// assert!(f.is_failed() && !f.is_cancelled());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TaskError {
    /// `result()`/`exception()` on a task that is not done.
    InvalidState(InvalidStateError),
    /// The task was cancelled (Python's `CancelledError`).
    Cancelled(CancelledError),
    /// The task's body returned an error or panicked.
    Failed(Failure),
    /// The runtime refused the call (`run` inside its own loop, a task of
    /// another runtime, ...); no task was created or run for it.
    Runtime(RuntimeError),
}

impl TaskError {
    /// True for [`TaskError::Cancelled`].
    ///
    /// ```
    /// assert!(aiotask_api::TaskError::from(aiotask_api::CancelledError::new()).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled(_))
    }

    /// True for [`TaskError::Failed`].
    ///
    /// ```
    /// let e = aiotask_api::TaskError::Failed(aiotask_api::Failure::from_error("x"));
    /// assert!(e.is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }

    /// True for [`TaskError::InvalidState`].
    ///
    /// ```
    /// let e = aiotask_api::TaskError::InvalidState(aiotask_api::InvalidStateError::result_not_set());
    /// assert!(e.is_invalid_state());
    /// ```
    pub fn is_invalid_state(&self) -> bool {
        matches!(self, Self::InvalidState(_))
    }

    /// The cancellation, when this is one.
    ///
    /// ```
    /// let e = aiotask_api::TaskError::from(aiotask_api::CancelledError::new());
    /// assert!(e.cancelled().is_some());
    /// ```
    pub fn cancelled(&self) -> Option<&CancelledError> {
        match self {
            Self::Cancelled(c) => Some(c),
            _ => None,
        }
    }

    /// The runtime's refusal, when this is one.
    ///
    /// ```
    /// use aiotask_api::{RuntimeError, RuntimeErrorKind, TaskError};
    /// let e = TaskError::from(RuntimeError::new(RuntimeErrorKind::AlreadyRunning));
    /// assert_eq!(e.runtime_error().map(|r| r.kind()), Some(RuntimeErrorKind::AlreadyRunning));
    /// ```
    pub fn runtime_error(&self) -> Option<&RuntimeError> {
        match self {
            Self::Runtime(e) => Some(e),
            _ => None,
        }
    }

    /// The failure, when this is one.
    ///
    /// ```
    /// let e = aiotask_api::TaskError::Failed(aiotask_api::Failure::from_error("x"));
    /// assert_eq!(e.failure().unwrap().to_string(), "x");
    /// ```
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// Classifies an error a task body returned.
    ///
    /// A [`CancelledError`] (or a boxed one, or a `TaskError`) keeps its
    /// meaning: the task ends cancelled. Any other error fails the task.
    ///
    /// ```
    /// use aiotask_api::{CancelledError, TaskError};
    /// assert!(TaskError::from_body_error(CancelledError::new()).is_cancelled());
    /// assert!(TaskError::from_body_error(std::fmt::Error).is_failed());
    /// ```
    pub fn from_body_error(error: impl Into<BoxError>) -> Self {
        let boxed: BoxError = error.into();
        let boxed = match boxed.downcast::<CancelledError>() {
            Ok(c) => return Self::Cancelled(*c),
            Err(other) => other,
        };
        match boxed.downcast::<TaskError>() {
            Ok(t) => match *t {
                Self::InvalidState(e) => Self::Failed(Failure::from_error(e)),
                Self::Runtime(e) => Self::Failed(Failure::from_error(e)),
                other => other,
            },
            Err(other) => match other.downcast::<Failure>() {
                Ok(f) => Self::Failed(*f),
                Err(other) => Self::Failed(Failure::from_error(other)),
            },
        }
    }
}

impl From<CancelledError> for TaskError {
    fn from(e: CancelledError) -> Self {
        Self::Cancelled(e)
    }
}

impl From<InvalidStateError> for TaskError {
    fn from(e: InvalidStateError) -> Self {
        Self::InvalidState(e)
    }
}

impl From<RuntimeError> for TaskError {
    fn from(e: RuntimeError) -> Self {
        Self::Runtime(e)
    }
}

impl From<Failure> for TaskError {
    fn from(f: Failure) -> Self {
        Self::Failed(f)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidState(e) => write!(f, "invalid state: {e}"),
            Self::Cancelled(e) => write!(f, "{e}"),
            Self::Failed(e) => write!(f, "task failed: {e}"),
            Self::Runtime(e) => write!(f, "runtime error: {e}"),
        }
    }
}

impl Error for TaskError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::InvalidState(e) => Some(e),
            Self::Cancelled(e) => Some(e),
            Self::Failed(e) => Some(e),
            Self::Runtime(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_repr_quotes_like_python() {
        assert_eq!(py_str_repr("a'b"), "\"a'b\"");
        assert_eq!(py_str_repr("a\"b'"), "'a\"b\\''");
        assert_eq!(py_str_repr("x"), "'x'");
    }

    #[test]
    fn body_errors_keep_cancellation() {
        let boxed: BoxError = Box::new(CancelledError::with_message("m"));
        match TaskError::from_body_error(boxed) {
            TaskError::Cancelled(c) => assert_eq!(c.message(), Some("m")),
            other => panic!("{other:?}"),
        }
        let f = Failure::from_error("e");
        match TaskError::from_body_error(TaskError::Failed(f.clone())) {
            TaskError::Failed(g) => assert!(Failure::ptr_eq(&f, &g)),
            other => panic!("{other:?}"),
        }
    }
}
