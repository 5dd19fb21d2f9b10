//! Python's `asyncio.Task` for Rust, the same on every executor.
//!
//! A task created through aiotask is a handle with CPython 3.13's contract:
//! [`cancel_with`](Task::cancel_with) only *requests* cancellation, which is
//! delivered at the task's next suspension point and which the body may
//! catch ([`catch_cancel`]) and suppress; [`done`](Task::done),
//! [`cancelled`](Task::cancelled), [`result`](Task::result) and
//! [`exception`](Task::exception) answer in every state; done callbacks run
//! soon after completion, in order, never synchronously; tasks have names;
//! [`cancelling`](Task::cancelling) and [`uncancel`](Task::uncancel) count
//! requests.
//!
//! # Choosing a backend
//!
//! | feature  | [`Runtime`] is                | tasks run on                           |
//! |----------|-------------------------------|----------------------------------------|
//! | `native` (default) | `aiotask_native::Runtime` | aiotask's own single-threaded loop |
//! | `tokio`  | `aiotask_tokio::Runtime`      | tokio: `new()` is current-thread, `multi_thread(n)` |
//! | `smol`   | `aiotask_smol::Runtime`       | async-executor: `new()` is local, `multi_thread(n)` |
//!
//! An application switches runtimes by changing one line of `Cargo.toml`:
//! `aiotask = { version = "0.1", default-features = false, features = ["tokio"] }`.
//! The selected backend is re-exported as [`Runtime`] and [`Handle`]. With
//! several features on, `native` wins, then `tokio`, then `smol`, and every
//! backend stays reachable by its own path: `aiotask::native`,
//! `aiotask::tokio`, `aiotask::smol`. The task handle, [`Task`], is the same
//! type on every backend.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use aiotask::prelude::*;
//!
//! let rt = aiotask::Runtime::new();
//! let h = rt.handle();
//! let outcome = rt.run(async move {
//!     let h2 = h.clone();
//!     let worker = h.create_try_task(async move {
//!         h2.sleep(Duration::from_secs(3600)).catch_cancel().await?; // Err: cancelled
//!         Ok::<_, aiotask::CancelledError>("finished")
//!     });
//!     h.sleep(Duration::from_millis(1)).await;
//!     assert!(worker.cancel_with("shutting down"));
//!     worker.await
//! });
//! let err = outcome.unwrap().unwrap_err();
//! assert_eq!(err.cancelled().unwrap().message(), Some("shutting down"));
//! ```
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
mod ambient;
#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
mod runtime;

pub use aiotask_api::{
    AnyTask, BoxError, CancelledError, DoneCallback, ExceptionContext, ExceptionHandler, Failure,
    InvalidStateError, ReportKind, RuntimeError, RuntimeErrorKind, TaskError, TaskId, TaskOutput,
};
pub use aiotask_core::{
    CatchCancel, CatchCancelExt, CatchJoin, Join, Task, catch_cancel, current_task,
};

#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
pub use ambient::{create_task, sleep, spawn, spawn_named, spawn_named_try, spawn_try, yield_now};
#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
pub use runtime::{Handle, Runtime};

/// The contract traits, for code generic over backends.
///
/// ```
/// fn name_of<T: aiotask::traits::Task>(t: &T) -> String { t.name() }
/// ```
pub mod traits {
    pub use aiotask_api::{Runtime, RuntimeHandle, Task};
}

/// Brings the traits' methods into scope: `use aiotask::prelude::*;`.
///
/// ```
/// use aiotask::prelude::*;
/// let rt = aiotask::Runtime::new();
/// let t = rt.handle().create_try_task(async { "1".parse::<u8>() });
/// assert_eq!(rt.run_until_complete(&t).unwrap(), 1);
/// ```
pub mod prelude {
    pub use aiotask_api::{Runtime as _, RuntimeHandle as _, Task as _};
    pub use aiotask_core::CatchCancelExt as _;
}

/// aiotask's own event loop, with what only it offers (`spawn_local`).
#[cfg(feature = "native")]
pub use aiotask_native as native;
/// Tasks on async-executor, with smol's timers.
#[cfg(feature = "smol")]
pub use aiotask_smol as smol;
/// Tasks that are real tokio tasks, on a runtime of aiotask's or yours.
#[cfg(feature = "tokio")]
pub use aiotask_tokio as tokio;
