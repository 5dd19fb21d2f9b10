//! Reports handed to a runtime's exception handler (asyncio's `call_exception_handler`).

use std::fmt;
use std::sync::Arc;

use crate::Failure;

/// Which report this is.
///
/// ```
/// use aiotask::ReportKind;
/// assert_eq!(ReportKind::NeverRetrieved.message(), "Task exception was never retrieved");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportKind {
    /// A failed task's last handle went away and nobody read its failure.
    NeverRetrieved,
    /// A runtime was dropped while this task was still pending.
    DestroyedPending,
    /// A done callback panicked; the other callbacks still ran.
    CallbackPanicked,
    /// A destructor aiotask ran for the user panicked and the panic was
    /// contained: a task body dropped at a cancellation or a shutdown, a
    /// value nobody took, a callback. Python reports such an error as
    /// unraisable and goes on; so does aiotask.
    DropPanicked,
    /// A done callback was added to a finished task whose runtime is gone:
    /// it will never run (asyncio raises `RuntimeError('Event loop is closed')`).
    LoopClosed,
    /// Anything a user reports with `call_exception_handler`.
    Custom,
}

impl ReportKind {
    /// asyncio's message for this kind of report.
    ///
    /// ```
    /// use aiotask::ReportKind;
    /// assert_eq!(ReportKind::DestroyedPending.message(), "Task was destroyed but it is pending!");
    /// ```
    pub fn message(self) -> &'static str {
        match self {
            Self::NeverRetrieved => "Task exception was never retrieved",
            Self::DestroyedPending => "Task was destroyed but it is pending!",
            Self::CallbackPanicked => "Exception in callback",
            Self::DropPanicked => "Exception ignored in destructor",
            Self::LoopClosed => "Event loop is closed: the done callback will never run",
            Self::Custom => "Unhandled error",
        }
    }
}

/// One report: the dictionary asyncio passes to its exception handler.
///
/// ```
/// use aiotask::{ExceptionContext, Failure, ReportKind};
///
/// let ctx = ExceptionContext::new(ReportKind::NeverRetrieved)
///     .with_task("<Task finished name='Boom' exception=\"k\">")
///     .with_failure(Failure::from_error("k"));
/// assert_eq!(ctx.message(), "Task exception was never retrieved");
/// assert!(ctx.to_string().starts_with("Task exception was never retrieved\nfuture: <Task finished"));
/// ```
#[derive(Clone, Debug)]
pub struct ExceptionContext {
    kind: ReportKind,
    message: String,
    task: Option<String>,
    task_name: Option<String>,
    failure: Option<Failure>,
}

impl ExceptionContext {
    /// A report of `kind` with asyncio's message for it.
    ///
    /// ```
    /// let ctx = aiotask::ExceptionContext::new(aiotask::ReportKind::Custom);
    /// assert!(ctx.task().is_none());
    /// ```
    pub fn new(kind: ReportKind) -> Self {
        Self {
            kind,
            message: kind.message().to_owned(),
            task: None,
            task_name: None,
            failure: None,
        }
    }

    /// Replaces the message.
    ///
    /// ```
    /// let ctx = aiotask::ExceptionContext::new(aiotask::ReportKind::Custom).with_message("disk full");
    /// assert_eq!(ctx.message(), "disk full");
    /// ```
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Names the task concerned, by its repr.
    ///
    /// ```
    /// let ctx = aiotask::ExceptionContext::new(aiotask::ReportKind::Custom).with_task("<Task pending name='T'>");
    /// assert_eq!(ctx.task(), Some("<Task pending name='T'>"));
    /// ```
    pub fn with_task(mut self, repr: impl Into<String>) -> Self {
        self.task = Some(repr.into());
        self
    }

    /// Names the task concerned by its name (`get_name()`), for logs that
    /// index by it (the `tracing` and `log` reports carry it as a field).
    ///
    /// ```
    /// let ctx = aiotask::ExceptionContext::new(aiotask::ReportKind::Custom).with_task_name("conn-7");
    /// assert_eq!(ctx.task_name(), Some("conn-7"));
    /// ```
    pub fn with_task_name(mut self, name: impl Into<String>) -> Self {
        self.task_name = Some(name.into());
        self
    }

    /// Attaches the failure concerned.
    ///
    /// ```
    /// let ctx = aiotask::ExceptionContext::new(aiotask::ReportKind::Custom)
    ///     .with_failure(aiotask::Failure::from_error("e"));
    /// assert!(ctx.failure().is_some());
    /// ```
    pub fn with_failure(mut self, failure: Failure) -> Self {
        self.failure = Some(failure);
        self
    }

    /// The kind of report.
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    /// The message (asyncio's `context['message']`).
    ///
    /// ```
    /// use aiotask::{ExceptionContext, ReportKind};
    /// assert_eq!(ExceptionContext::new(ReportKind::CallbackPanicked).message(), "Exception in callback");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The repr of the task concerned (asyncio's `context['future']` / `['task']`).
    pub fn task(&self) -> Option<&str> {
        self.task.as_deref()
    }

    /// The name of the task concerned, when the report names one.
    pub fn task_name(&self) -> Option<&str> {
        self.task_name.as_deref()
    }

    /// The failure concerned (asyncio's `context['exception']`).
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }
}

impl fmt::Display for ExceptionContext {
    /// The text asyncio's default handler logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(task) = &self.task {
            let key = match self.kind {
                ReportKind::DestroyedPending | ReportKind::DropPanicked => "task",
                ReportKind::CallbackPanicked => "handle",
                _ => "future",
            };
            write!(f, "\n{key}: {task}")?;
        }
        if let Some(failure) = &self.failure {
            write!(f, "\nexception: {failure:?}")?;
        }
        Ok(())
    }
}

/// A runtime's exception handler (asyncio's `loop.set_exception_handler`),
/// installed with the handle's `set_exception_handler`. It runs where the
/// report is made, on whichever thread that is; a handler that panics is
/// reported on standard error, and the runtime goes on.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use aiotask::prelude::*;
/// use aiotask::{ExceptionContext, ExceptionHandler, ReportKind};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let handler: ExceptionHandler = Arc::new(move |ctx: &ExceptionContext| {
///     sink.lock().unwrap().push(ctx.kind());
/// });
/// let rt = aiotask::Runtime::new();
/// rt.handle().set_exception_handler(Some(handler));
/// rt.run(async {
///     let task = aiotask::spawn(async {});
///     task.add_done_callback(|_| panic!("a bug in a callback"));
///     let _ = (&task).await;
///     aiotask::yield_now().await; // the callback runs, panics, and is reported
/// })
/// .unwrap();
/// assert_eq!(*seen.lock().unwrap(), [ReportKind::CallbackPanicked]);
/// ```
pub type ExceptionHandler = Arc<dyn Fn(&ExceptionContext) + Send + Sync + 'static>;
