//! The `asyncio.Task` contract for Rust, as traits and plain value types.
//!
//! This crate holds no executor code. It says what a task handle answers in
//! every state ([`Task`]), what a runtime offers ([`Runtime`],
//! [`RuntimeHandle`]), and the values that cross that boundary: the
//! cancellation error with its optional message ([`CancelledError`]), the
//! invalid-state error ([`InvalidStateError`]), a stored failure
//! ([`Failure`]), the error of `result()` and of awaiting ([`TaskError`]),
//! done callbacks with Python's identity rules ([`DoneCallback`]) and the
//! reports a runtime hands to its exception handler ([`ExceptionContext`]).
//!
//! Applications do not depend on this crate: the `aiotask` facade
//! re-exports every type here (`aiotask::CancelledError` is
//! [`CancelledError`]) and the traits as `aiotask::traits`, and the
//! examples of this crate's items are written against it, as an
//! application writes them. This crate is for backends and for code that
//! names the contract alone.
//!
//! The reference behaviour is CPython 3.13's `asyncio.Task`:
//!
//! | Python                         | here                                       |
//! |--------------------------------|--------------------------------------------|
//! | `task.cancel(msg)`             | [`Task::cancel`], [`Task::cancel_with`]     |
//! | `task.done()`, `cancelled()`   | [`Task::done`], [`Task::cancelled`]         |
//! | `task.result()`                | [`Task::result`] → `Result<T, TaskError>`   |
//! | `task.exception()`             | [`Task::exception`]                         |
//! | `add/remove_done_callback`     | [`Task::add_done_callback`], [`Task::remove_done_callback`] |
//! | `get_name()/set_name()`        | [`Task::name`], [`Task::set_name`]          |
//! | `cancelling()/uncancel()`      | [`Task::cancelling`], [`Task::uncancel`]    |
//! | `await task`                   | `task.await` → `Result<T, TaskError>`       |
//!
//! ```
//! use aiotask_api::{CancelledError, TaskError};
//!
//! let err = TaskError::from(CancelledError::with_message("stop now"));
//! assert!(err.is_cancelled());
//! assert_eq!(err.to_string(), "task cancelled: stop now");
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod callback;
mod contain;
mod error;
mod printable;
mod report;
mod runtime;
mod runtime_error;
mod task;

pub use callback::DoneCallback;
pub use contain::{call_quietly, drop_quietly};
pub use error::{BoxError, CancelledError, Failure, InvalidStateError, TaskError, py_str_repr};
pub use report::{ExceptionContext, ExceptionHandler, ReportKind};
pub use runtime::{Runtime, RuntimeHandle};
pub use runtime_error::{RuntimeError, RuntimeErrorKind};
#[doc(hidden)]
pub use task::protocol;
pub use task::{AnyTask, DynTask, Task, TaskId, TaskOutput};
