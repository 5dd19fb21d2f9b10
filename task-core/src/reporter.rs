//! [`Reporter`]: a loop's exception handler, and the one reporting path
//! every report takes.
//!
//! # Rules
//!
//! 1. **Reporting never unwinds.** [`Reporter::report`] is called from places
//!    that cannot unwind (a done list half run, a runtime's `Drop`, a host
//!    dropping a task). A handler that panics, a panic payload whose `Drop`
//!    panics, a failure whose `Debug` panics, a standard error that is a
//!    closed pipe: each is contained here, and the caller goes on.
//! 2. **The default handler writes with `write_all`, never a printing macro**, and
//!    ignores a failed write: a report that cannot be written is lost, the
//!    runtime is not.
//! 3. **No lock is held while user code runs**: the handler is cloned out
//!    of its lock before it is called, and a replaced handler is dropped
//!    after the lock is released.
//! 4. **The default handler goes where the application logs.** With the
//!    `tracing` feature and a subscriber installed, a report is an `ERROR`
//!    event (target `aiotask`) with the fields `kind`, `task.name`,
//!    `task.repr` and `exception`; with the `log` feature and a logger
//!    that takes `error` records for target `aiotask`, a record; otherwise
//!    the text asyncio's handler logs, on standard error. Either way it is
//!    contained (rule 1). Off by default: then nothing of either is built.

use std::fmt;
use std::io::Write as _;

use aiotask_api::{ExceptionContext, ExceptionHandler, call_quietly, drop_quietly};

use crate::sync::RwLock;

/// A loop's replaceable exception handler, defaulting to standard error.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use aiotask_api::{ExceptionContext, ReportKind};
/// use aiotask_core::backend::Reporter;
///
/// let reporter = Reporter::default();
/// let seen = Arc::new(Mutex::new(0));
/// let n = seen.clone();
/// reporter.set_handler(Some(Arc::new(move |_: &ExceptionContext| *n.lock().unwrap() += 1)));
/// reporter.report(ExceptionContext::new(ReportKind::Custom));
/// assert_eq!(*seen.lock().unwrap(), 1);
/// ```
#[derive(Default)]
pub struct Reporter {
    handler: RwLock<Option<ExceptionHandler>>,
}

impl Reporter {
    /// Replaces the handler; `None` restores the default (standard error).
    /// The replaced handler is dropped after the lock is released (rule 3).
    ///
    /// ```
    /// aiotask_core::backend::Reporter::default().set_handler(None);
    /// ```
    pub fn set_handler(&self, handler: Option<ExceptionHandler>) {
        let old = std::mem::replace(
            &mut *self.handler.write().unwrap_or_else(|e| e.into_inner()),
            handler,
        );
        drop_quietly(old);
    }

    /// True when a handler other than the default is installed.
    ///
    /// ```
    /// let r = aiotask_core::backend::Reporter::default();
    /// assert!(!r.has_handler());
    /// r.set_handler(Some(std::sync::Arc::new(|_: &aiotask_api::ExceptionContext| {})));
    /// assert!(r.has_handler());
    /// ```
    pub fn has_handler(&self) -> bool {
        self.handler
            .read()
            .map(|h| h.is_some())
            .unwrap_or_else(|e| e.into_inner().is_some())
    }

    /// Calls the handler with `context`; never unwinds (rule 1). A handler
    /// that panics is itself reported on standard error.
    ///
    /// ```
    /// use aiotask_api::{ExceptionContext, ReportKind};
    /// let r = aiotask_core::backend::Reporter::default();
    /// r.set_handler(Some(std::sync::Arc::new(|_: &ExceptionContext| panic!("bad handler"))));
    /// r.report(ExceptionContext::new(ReportKind::Custom)); // does not unwind
    /// ```
    pub fn report(&self, context: ExceptionContext) {
        let handler = self
            .handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match &handler {
            None => default_report("", &context),
            Some(h) => {
                if call_quietly(|| h(&context)).is_err() {
                    default_report("Unhandled error in exception handler\ncontext: ", &context);
                }
            }
        }
        // Either may be the last reference to user values (a handler
        // replaced meanwhile, a failure nobody else holds).
        drop_quietly(handler);
        drop_quietly(context);
    }
}

/// The default handler: one `write_all` of the formatted report, whose
/// error is ignored (rule 2). Formatting runs user `Debug` code (the
/// failure's), so it is contained too.
/// The default handler (rule 4): an event for the application's `tracing`
/// subscriber or `log` logger when the feature is on and one is installed,
/// else standard error.
fn default_report(prefix: &str, context: &ExceptionContext) {
    #[cfg(feature = "tracing")]
    if crate::tracing_support::report(prefix, context) {
        return;
    }
    #[cfg(feature = "log")]
    if log_report(prefix, context) {
        return;
    }
    write_to_stderr(prefix, context);
}

/// A report as a `log` record at `error` (asyncio's default handler logs
/// at `ERROR`), target `aiotask`; `false` when no logger takes it.
#[cfg(feature = "log")]
fn log_report(prefix: &str, context: &ExceptionContext) -> bool {
    // The logger is user code: reporting never unwinds (rule 1).
    call_quietly(|| {
        if !log::log_enabled!(target: "aiotask", log::Level::Error) {
            return false;
        }
        log::error!(
            target: "aiotask",
            "{prefix}{context} (task.name={})",
            context.task_name().unwrap_or("")
        );
        true
    })
    .unwrap_or(false)
}

fn write_to_stderr(prefix: &str, context: &ExceptionContext) {
    let text = call_quietly(|| format!("{prefix}{context}\n")).unwrap_or_else(|_| {
        format!(
            "{prefix}{} (the rest of this report could not be formatted)\n",
            context.message()
        )
    });
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let custom = self.handler.read().map(|h| h.is_some()).unwrap_or(false);
        f.debug_struct("Reporter")
            .field("custom_handler", &custom)
            .finish()
    }
}
