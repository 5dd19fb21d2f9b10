//! The error values of the contract: cancellation, invalid state, failure.

use crate::RuntimeError;
use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A boxed error value, the form in which a task body's own error is stored.
///
/// ```
/// let e: aiotask::BoxError = "boom".into();
/// assert_eq!(e.to_string(), "boom");
/// ```
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// asyncio's `CancelledError`: the task was cancelled, optionally with a message.
///
/// A body meets it where a cancellation is delivered inside a
/// `catch_cancel`; a reader of a cancelled task's outcome gets it inside
/// [`TaskError::Cancelled`]. The message is what `task.cancel_with(msg)`
/// passed. As in CPython 3.13, when the body let the cancellation
/// propagate, the message is **handed out once**: the first retrieval of
/// the outcome (an await, `result()` or `exception()`) gets it, and every
/// later one a fresh error with no message. (A task that cancelled itself
/// and then returned keeps the message for every reader.)
///
/// ```
/// use std::time::Duration;
/// use aiotask::CancelledError;
///
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let task = aiotask::spawn(aiotask::sleep(Duration::from_secs(3600)));
///     aiotask::yield_now().await; // it starts and sleeps
///     task.cancel_with("shutting down");
///     let first = (&task).await.unwrap_err(); // the awaiter retrieves it first
///     assert_eq!(first.cancelled(), Some(&CancelledError::with_message("shutting down")));
///     let later = task.result().unwrap_err();
///     assert_eq!(later.cancelled(), Some(&CancelledError::new())); // no message now
/// })
/// .unwrap();
///
/// let why = CancelledError::with_message("shutting down");
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
    /// assert_eq!(aiotask::CancelledError::new().to_string(), "task cancelled");
    /// ```
    pub fn new() -> Self {
        Self { message: None }
    }

    /// A cancellation carrying `message` (Python's `CancelledError(msg)`).
    ///
    /// ```
    /// let e = aiotask::CancelledError::with_message("late");
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
    /// let e = aiotask::CancelledError::from_message(None);
    /// assert!(e.message().is_none());
    /// ```
    pub fn from_message(message: Option<Arc<str>>) -> Self {
        Self { message }
    }

    /// The message given to `cancel_with`, if any (Python's `e.args`).
    ///
    /// ```
    /// assert_eq!(aiotask::CancelledError::with_message("m").message(), Some("m"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The message, moved out (no copy of its text).
    ///
    /// ```
    /// let e = aiotask::CancelledError::with_message("m");
    /// assert_eq!(e.into_message().as_deref(), Some("m"));
    /// ```
    pub fn into_message(self) -> Option<Arc<str>> {
        self.message
    }

    /// The message as Python prints `e.args`: `()` or `('msg',)`.
    ///
    /// ```
    /// use aiotask::CancelledError;
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

/// Python's `repr()` of a string, exactly as CPython 3.13 writes it: single
/// quotes unless the text holds a single quote and no double quote, with
/// backslash escapes.
///
/// `\\`, `\t`, `\n`, `\r` and the chosen quote keep their short escapes;
/// every other character for which CPython's `str.isprintable()` is false
/// (general categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs but the ASCII space,
/// per Unicode 15.1) becomes `\xhh` below U+0100, `\uhhhh` below U+10000 and
/// `\Uhhhhhhhh` above, in lowercase hex. Everything else is kept as it is.
///
/// Task reprs and `CancelledError` args print names and messages this way.
///
/// ```
/// use aiotask_api::py_str_repr;
/// assert_eq!(py_str_repr("MyTask"), "'MyTask'");
/// assert_eq!(py_str_repr("it's"), "\"it's\"");
/// assert_eq!(py_str_repr("both ' and \""), "'both \\' and \"'");
/// assert_eq!(py_str_repr("a\tb\\c\n"), r"'a\tb\\c\n'");
/// // NUL, ESC, DEL, no-break space, zero-width space, BOM, a private-use
/// // and an unassigned code point:
/// assert_eq!(py_str_repr("\0\x1b\x7f\u{a0}"), r"'\x00\x1b\x7f\xa0'");
/// assert_eq!(py_str_repr("\u{200b}\u{feff}"), r"'\u200b\ufeff'");
/// assert_eq!(py_str_repr("\u{e000}\u{10ffff}"), r"'\ue000\U0010ffff'");
/// // Printable text outside ASCII is kept, combining marks included:
/// assert_eq!(py_str_repr("caf\u{e9} e\u{301} \u{1f44d}"), "'caf\u{e9} e\u{301} \u{1f44d}'");
/// ```
pub fn py_str_repr(s: &str) -> String {
    use std::fmt::Write as _;
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
            c if crate::printable::is_printable(c) => out.push(c),
            c => {
                let n = u32::from(c);
                // Writing to a String cannot fail.
                let _ = if n <= 0xff {
                    write!(out, "\\x{n:02x}")
                } else if n <= 0xffff {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
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

const TAKEN: &str = "Result was taken: an earlier await or take_result() moved the value out.";

/// asyncio's `InvalidStateError`: the call needs a done task and this one is
/// pending, or (Rust only) its value was moved out already
/// ([`is_result_taken`](Self::is_result_taken)).
///
/// ```
/// use aiotask::InvalidStateError;
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
    /// assert!(aiotask::InvalidStateError::result_not_set().to_string().contains("Result"));
    /// ```
    pub fn result_not_set() -> Self {
        Self {
            what: "Result is not set.",
        }
    }

    /// The error of `exception()` on a pending task.
    ///
    /// ```
    /// let e = aiotask::InvalidStateError::exception_not_set();
    /// assert_eq!(e.to_string(), "Exception is not set.");
    /// ```
    pub fn exception_not_set() -> Self {
        Self {
            what: "Exception is not set.",
        }
    }

    /// The error of reading a value that was moved out: a handle awaited
    /// by value, or [`Task::take_result`](crate::Task::take_result), moves a
    /// finished task's value out (any output type may be moved, only a
    /// `Clone` one can be read again). Every later read gets this error.
    /// asyncio has no such state: a Python value is shared, not moved.
    ///
    /// ```
    /// use aiotask::TaskError;
    ///
    /// let rt = aiotask::Runtime::new();
    /// rt.run(async {
    ///     let task = aiotask::spawn(async { vec![1, 2, 3] });
    ///     let reader = task.clone();
    ///     assert_eq!(task.await.unwrap(), [1, 2, 3]); // by value: moved out
    ///     match reader.result() {
    ///         Err(TaskError::InvalidState(e)) => assert!(e.is_result_taken()),
    ///         other => panic!("{other:?}"),
    ///     }
    /// })
    /// .unwrap();
    /// ```
    pub fn result_taken() -> Self {
        Self { what: TAKEN }
    }

    /// True for [`result_taken`](Self::result_taken): the task is done
    /// and its value was moved out, rather than not set yet.
    ///
    /// ```
    /// assert!(aiotask::InvalidStateError::result_taken().is_result_taken());
    /// ```
    pub fn is_result_taken(&self) -> bool {
        self.what == TAKEN
    }

    /// The text of the error, as CPython's C implementation words it.
    ///
    /// ```
    /// assert_eq!(aiotask::InvalidStateError::result_not_set().message(), "Result is not set.");
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
/// use aiotask::Failure;
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

/// The last clone of a failure drops what it holds quietly: an error whose
/// destructor panics, or a panic payload whose destructor panics, must not
/// unwind into whoever dropped the failure (often a runtime).
impl Drop for FailureRepr {
    fn drop(&mut self) {
        match self {
            Self::Error(e) => {
                let error = std::mem::replace(e, Box::new(Dropped));
                crate::contain::drop_quietly(error);
            }
            Self::Panic { payload, .. } => {
                let taken = payload.get_mut().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(p) = taken {
                    crate::contain::drop_payload(p);
                }
            }
        }
    }
}

/// What a dropping [`FailureRepr`] leaves in place of its error.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dropped")
    }
}

impl Error for Dropped {}

impl Failure {
    /// A failure holding an error value the body returned.
    ///
    /// ```
    /// let f = aiotask::Failure::from_error(std::io::Error::other("disk"));
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
    /// let f = aiotask::Failure::from_panic(payload);
    /// assert!(f.is_panic());
    /// assert_eq!(f.panic_message(), Some("bad"));
    /// ```
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let message = crate::contain::payload_message(&*payload);
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
    /// assert!(!aiotask::Failure::from_error("e").is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(*self.inner, FailureRepr::Panic { .. })
    }

    /// The panic message when the payload was a string.
    ///
    /// ```
    /// assert_eq!(aiotask::Failure::from_error("e").panic_message(), None);
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
    /// let f = aiotask::Failure::from_panic(payload);
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
    /// let f = aiotask::Failure::from_error("no route");
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
    /// let f = aiotask::Failure::from_error(std::fmt::Error);
    /// assert!(f.is::<std::fmt::Error>());
    /// ```
    pub fn is<E: Error + 'static>(&self) -> bool {
        self.downcast_ref::<E>().is_some()
    }

    /// The stored error as its original type `E`.
    ///
    /// ```
    /// let f = aiotask::Failure::from_error(std::fmt::Error);
    /// assert_eq!(f.downcast_ref::<std::fmt::Error>(), Some(&std::fmt::Error));
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.error()?.downcast_ref::<E>()
    }

    /// True when both handles name the same failure (Python's `is`).
    ///
    /// ```
    /// use aiotask::Failure;
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
/// Awaiting a task gives `Ok(value)`, or `Cancelled` / `Failed`. It gives
/// `InvalidState` only for a value an earlier read moved out
/// ([`InvalidStateError::is_result_taken`]): waiting is what an await is
/// for, so "not done yet" is an error of `result()` and `exception()`
/// alone. `Runtime` comes from `run` and `run_until_complete`, which refused
/// the call.
///
/// A body may use `?` on a [`CancelledError`] to let a caught cancellation
/// propagate: `From<CancelledError>` builds the `Cancelled` variant.
///
/// ```
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let value = aiotask::spawn(async { 1 });
///     let failed = aiotask::spawn_try(async { "x".parse::<u8>() });
///     let cancelled = aiotask::spawn(async { 2 });
///     cancelled.cancel();
///     assert!(failed.result().unwrap_err().is_invalid_state()); // not done yet
///
///     assert_eq!(value.await.unwrap(), 1);
///     assert!(failed.await.unwrap_err().is_failed());
///     assert!(cancelled.await.unwrap_err().is_cancelled());
/// })
/// .unwrap();
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
    /// assert!(aiotask::TaskError::from(aiotask::CancelledError::new()).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled(_))
    }

    /// True for [`TaskError::Failed`].
    ///
    /// ```
    /// let e = aiotask::TaskError::Failed(aiotask::Failure::from_error("x"));
    /// assert!(e.is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }

    /// True for [`TaskError::InvalidState`].
    ///
    /// ```
    /// let e = aiotask::TaskError::InvalidState(aiotask::InvalidStateError::result_not_set());
    /// assert!(e.is_invalid_state());
    /// ```
    pub fn is_invalid_state(&self) -> bool {
        matches!(self, Self::InvalidState(_))
    }

    /// True when the task's body panicked (a [`TaskError::Failed`] whose
    /// failure is a panic).
    ///
    /// ```
    /// use aiotask::{Failure, TaskError};
    /// let payload = std::panic::catch_unwind(|| panic!("bad")).unwrap_err();
    /// assert!(TaskError::Failed(Failure::from_panic(payload)).is_panic());
    /// assert!(!TaskError::Failed(Failure::from_error("e")).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        self.failure().is_some_and(Failure::is_panic)
    }

    /// The panic payload of a body that panicked, to re-raise it with
    /// [`std::panic::resume_unwind`]; `Err(self)` for any other error, and
    /// for a panic whose payload a clone of the failure took already
    /// ([`Failure::take_panic_payload`]).
    ///
    /// # Errors
    ///
    /// `Err(self)` when there is no payload to hand out.
    ///
    /// ```
    /// use aiotask::{Failure, TaskError};
    /// let payload = std::panic::catch_unwind(|| panic!("bad")).unwrap_err();
    /// let err = TaskError::Failed(Failure::from_panic(payload));
    /// let payload = err.into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad"));
    /// // std::panic::resume_unwind(payload) re-raises it on this thread.
    /// ```
    pub fn into_panic(self) -> Result<Box<dyn Any + Send>, Self> {
        match self.failure().and_then(Failure::take_panic_payload) {
            Some(payload) => Ok(payload),
            None => Err(self),
        }
    }

    /// The cancellation, when this is one.
    ///
    /// ```
    /// let e = aiotask::TaskError::from(aiotask::CancelledError::new());
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
    /// use aiotask::{RuntimeError, RuntimeErrorKind, TaskError};
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
    /// let e = aiotask::TaskError::Failed(aiotask::Failure::from_error("x"));
    /// assert_eq!(e.failure().unwrap().to_string(), "x");
    /// ```
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The error a fallible body returned, as its own type `E`, when this
    /// is a failure holding one: `err.downcast_ref::<io::Error>()`.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// let kind = rt.run(async {
    ///     let t = aiotask::spawn_try(async { Err::<(), _>(std::io::Error::other("refused")) });
    ///     t.await.unwrap_err().downcast_ref::<std::io::Error>().map(|e| e.kind())
    /// });
    /// assert_eq!(kind.unwrap(), Some(std::io::ErrorKind::Other));
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.failure()?.downcast_ref::<E>()
    }

    /// Classifies an error a task body returned.
    ///
    /// A [`CancelledError`] keeps its meaning, the task ends cancelled, when
    /// the error *is* the cancellation re-raised: the error itself (or a
    /// boxed one, or a `TaskError::Cancelled`), an
    /// [`io::Error`](std::io::Error) made from one
    /// (`From<CancelledError> for io::Error`), or an error whose immediate
    /// [`source`](Error::source) is one (an error enum of the body's own,
    /// with a variant `Cancelled(#[from] CancelledError)`). That is how a
    /// body whose error type is its own re-raises a caught cancellation
    /// with `?`. Any other error fails the task, one that merely records a
    /// cancellation further down its chain too (a `Gone(#[source]
    /// TaskError)` of an awaited task that was cancelled: Python's `raise
    /// X from e` fails the task with `X`).
    ///
    /// ```
    /// use aiotask::{CancelledError, TaskError};
    /// assert!(TaskError::from_body_error(CancelledError::new()).is_cancelled());
    /// assert!(TaskError::from_body_error(std::fmt::Error).is_failed());
    /// let io = std::io::Error::from(CancelledError::with_message("bye"));
    /// let err = TaskError::from_body_error(io);
    /// assert_eq!(err.cancelled().unwrap().message(), Some("bye"));
    /// ```
    pub fn from_body_error(error: impl Into<BoxError>) -> Self {
        let boxed: BoxError = error.into();
        let boxed = match boxed.downcast::<CancelledError>() {
            Ok(c) => return Self::Cancelled(*c),
            Err(other) => other,
        };
        if let Some(c) = find_cancellation(&*boxed) {
            return Self::Cancelled(c);
        }
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

/// The cancellation an error re-raises: the error itself (a
/// `CancelledError`, a `TaskError::Cancelled`, an `io::Error` made from a
/// `CancelledError`), or its immediate source when that is a bare
/// `CancelledError` (or an `io::Error` made from one). A `TaskError` source
/// is an awaited task's outcome, a cause, not a re-raise.
fn find_cancellation(error: &(dyn Error + 'static)) -> Option<CancelledError> {
    fn bare(e: &(dyn Error + 'static)) -> Option<CancelledError> {
        if let Some(c) = e.downcast_ref::<CancelledError>() {
            return Some(c.clone());
        }
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<CancelledError>())
            .cloned()
    }
    if let Some(TaskError::Cancelled(c)) = error.downcast_ref::<TaskError>() {
        return Some(c.clone());
    }
    bare(error).or_else(|| error.source().and_then(bare))
}

/// A cancellation as an I/O error, so that a body whose error type is
/// `io::Error` can re-raise a caught cancellation with `?`; the task still
/// ends cancelled, with the message ([`TaskError::from_body_error`]). Its
/// kind is [`Other`](std::io::ErrorKind::Other): not `Interrupted`, which
/// std's I/O loops retry.
///
/// ```
/// use aiotask::CancelledError;
/// fn body(caught: CancelledError) -> std::io::Result<()> {
///     Err(caught)?; // re-raise
///     Ok(())
/// }
/// assert_eq!(body(CancelledError::new()).unwrap_err().kind(), std::io::ErrorKind::Other);
/// ```
impl From<CancelledError> for std::io::Error {
    fn from(e: CancelledError) -> Self {
        std::io::Error::other(e)
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

    /// `(text, repr(text))`: the first nine are the characters issue 10 named.
    ///
    /// CPython 3.13.0 printed, for `for s in CASES: print(repr(s))`:
    /// '\x00'
    /// '\x07'
    /// '\x1b'
    /// '\x7f'
    /// '\x85'
    /// '\xa0'
    /// '\u200b'
    /// '\u2028'
    /// '\ufeff'
    /// ''
    /// "'"
    /// '"'
    /// '\'"'
    /// '\\'
    /// "\\'"
    /// '\\"'
    /// "it's"
    /// 'say "hi"'
    /// 'both \' and "'
    /// 'a\tb\nc\rd'
    /// '\\n is not a newline'
    /// '\\x00'
    /// '\x01\x1f ~'
    /// "tab\t'quoted'"
    /// '\r\n'
    /// '\'\'""'
    /// "\x00'\x00"
    /// '\x0b\x0c'
    /// '\'\n"'
    /// '"\\\''
    /// '\x9f¡'
    /// '\xad'
    /// ' '
    /// '\u3000'
    /// '\u1680'
    /// '\u2029'
    /// '\u200d'
    /// '\u2060'
    /// '\u061c'
    /// '👍'
    /// '👨\u200d👩'
    /// 'é'
    /// '́'
    /// '\ue000'
    /// '\uf8ff'
    /// '\u0378'
    /// '\ud7ff'
    /// '�'
    /// '\ufffe'
    /// '\U0010ffff'
    /// '\U000f0000'
    /// '\U000e0001'
    /// '\U000e0020'
    /// '𝄞'
    /// '𠀀'
    /// '𮯰'
    /// '\U0001cc00'
    /// '\U0002fa1e'
    /// '🇺🇸'
    /// 'Task-1'
    /// 'naïve café'
    /// '日本語'
    /// 'ÿĀ'
    const CASES: &[(&str, &str)] = &[
        ("\0", r"'\x00'"),
        ("\x07", r"'\x07'"),
        ("\x1b", r"'\x1b'"),
        ("\x7f", r"'\x7f'"),
        ("\u{85}", r"'\x85'"),
        ("\u{a0}", r"'\xa0'"),
        ("\u{200b}", r"'\u200b'"),
        ("\u{2028}", r"'\u2028'"),
        ("\u{feff}", r"'\ufeff'"),
        (r"", r"''"),
        (r"'", r#""'""#),
        (r#"""#, r#"'"'"#),
        (r#"'""#, r#"'\'"'"#),
        (r"\", r"'\\'"),
        (r"\'", r#""\\'""#),
        (r#"\""#, r#"'\\"'"#),
        (r"it's", r#""it's""#),
        (r#"say "hi""#, r#"'say "hi"'"#),
        (r#"both ' and ""#, r#"'both \' and "'"#),
        ("a\tb\nc\rd", r"'a\tb\nc\rd'"),
        (r"\n is not a newline", r"'\\n is not a newline'"),
        (r"\x00", r"'\\x00'"),
        ("\x01\x1f ~", r"'\x01\x1f ~'"),
        ("tab\t'quoted'", r#""tab\t'quoted'""#),
        ("\r\n", r"'\r\n'"),
        (r#"''"""#, r#"'\'\'""'"#),
        ("\0'\0", r#""\x00'\x00""#),
        ("\x0b\x0c", r"'\x0b\x0c'"),
        ("'\n\"", r#"'\'\n"'"#),
        (r#""\'"#, r#"'"\\\''"#),
        ("\u{9f}\u{a1}", "'\\x9f\u{a1}'"),
        ("\u{ad}", r"'\xad'"),
        (r" ", r"' '"),
        ("\u{3000}", r"'\u3000'"),
        ("\u{1680}", r"'\u1680'"),
        ("\u{2029}", r"'\u2029'"),
        ("\u{200d}", r"'\u200d'"),
        ("\u{2060}", r"'\u2060'"),
        ("\u{61c}", r"'\u061c'"),
        ("\u{1f44d}", "'\u{1f44d}'"),
        ("\u{1f468}\u{200d}\u{1f469}", "'\u{1f468}\\u200d\u{1f469}'"),
        ("e\u{301}", "'e\u{301}'"),
        ("\u{301}", "'\u{301}'"),
        ("\u{e000}", r"'\ue000'"),
        ("\u{f8ff}", r"'\uf8ff'"),
        ("\u{378}", r"'\u0378'"),
        ("\u{d7ff}", r"'\ud7ff'"),
        ("\u{fffd}", "'\u{fffd}'"),
        ("\u{fffe}", r"'\ufffe'"),
        ("\u{10ffff}", r"'\U0010ffff'"),
        ("\u{f0000}", r"'\U000f0000'"),
        ("\u{e0001}", r"'\U000e0001'"),
        ("\u{e0020}", r"'\U000e0020'"),
        ("\u{1d11e}", "'\u{1d11e}'"),
        ("\u{20000}", "'\u{20000}'"),
        ("\u{2ebf0}", "'\u{2ebf0}'"),
        ("\u{1cc00}", r"'\U0001cc00'"),
        ("\u{2fa1e}", r"'\U0002fa1e'"),
        ("\u{1f1fa}\u{1f1f8}", "'\u{1f1fa}\u{1f1f8}'"),
        (r"Task-1", r"'Task-1'"),
        ("na\u{ef}ve caf\u{e9}", "'na\u{ef}ve caf\u{e9}'"),
        ("\u{65e5}\u{672c}\u{8a9e}", "'\u{65e5}\u{672c}\u{8a9e}'"),
        ("\u{ff}\u{100}", "'\u{ff}\u{100}'"),
    ];

    #[test]
    fn py_repr_escapes_like_cpython() {
        assert!(CASES.len() >= 40);
        for &(text, repr) in CASES {
            assert_eq!(py_str_repr(text), repr, "repr({text:?})");
            let args = CancelledError::with_message(text).args_repr();
            assert_eq!(args, format!("({repr},)"), "CancelledError({text:?}).args");
        }
    }

    /// `CASES` against CPython itself, when it is installed: `repr(s)` and
    /// `repr(asyncio.CancelledError(s).args)`, byte for byte.
    #[test]
    fn py_repr_matches_live_cpython() {
        let script = r#"
import asyncio, sys
out = []
for line in sys.stdin.read().split("\n")[:-1]:
    s = "".join(chr(int(h, 16)) for h in line.split())
    out.append(repr(s) + "\t" + repr(asyncio.CancelledError(s).args) + "\n")
sys.stdout.buffer.write("".join(out).encode("utf-8"))
"#;
        let stdin: String = CASES
            .iter()
            .map(|(text, _)| {
                let hex: Vec<String> = text
                    .chars()
                    .map(|c| format!("{:x}", u32::from(c)))
                    .collect();
                hex.join(" ") + "\n"
            })
            .collect();
        let Some(out) = crate::printable::tests::cpython(script, &stdin) else {
            return;
        };
        let mut lines = out.split('\n');
        let version = lines.next().expect("version line");
        let mut checked = 0;
        for (&(text, literal), line) in CASES.iter().zip(lines) {
            let (repr, args) = line.split_once('\t').expect("repr and args");
            assert_eq!(py_str_repr(text), repr, "repr({text:?}) against CPython");
            assert_eq!(literal, repr, "the literal in CASES for {text:?}");
            let ours = CancelledError::with_message(text).args_repr();
            assert_eq!(ours, args, "CancelledError({text:?}).args against CPython");
            checked += 1;
        }
        assert_eq!(checked, CASES.len(), "CPython answered every case");
        println!("{version} agrees on repr() and CancelledError.args of {checked} strings");
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
