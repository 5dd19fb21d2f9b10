//! aiotask on tokio: Python's `asyncio.Task` contract, where every task is a
//! real tokio task.
//!
//! Through the `aiotask` facade (feature `tokio`) this crate is
//! `aiotask::tokio`: `aiotask::Runtime::from(aiotask::tokio::Runtime::multi_thread(2))`,
//! or `Runtime::new()` with the feature `default-tokio`. The facade's crate
//! docs are the tutorial.
//!
//! # The model
//!
//! A task created through a [`Handle`] is `tokio::spawn`ed; its future is
//! [`aiotask_core::backend::Hosted`], which runs the body one step per poll through
//! aiotask's single implementation of the contract. So the rules are the
//! same as on every other aiotask backend, and none of tokio's own leaks
//! through: `cancel` only *requests* cancellation, delivered at the body's
//! next suspension point where [`catch_cancel`](aiotask_core::catch_cancel)
//! may catch it (tokio's `abort()` cannot be caught); awaiting a handle
//! never panics; dropping every handle *detaches* the task, which runs on;
//! a panic in a body fails that task and nothing else.
//!
//! Because the task is a tokio task, code inside it can use tokio's timers,
//! I/O (with tokio's `net` feature) and sync primitives directly.
//!
//! Done callbacks and [`call_soon`](aiotask_api::RuntimeHandle::call_soon)
//! jobs go through one FIFO queue per runtime, drained by one dispatcher
//! task ([`aiotask_core::backend::CallbackQueue`]): in order, never synchronously,
//! never one tokio task per callback. `sleep(0)` and
//! [`yield_now`](aiotask_api::RuntimeHandle::yield_now) resume the task
//! through that same queue, so callbacks already queued run first, as in
//! asyncio's tick.
//!
//! # Flavours
//!
//! | constructor                       | tasks run on                              | `run` blocks by             |
//! |-----------------------------------|-------------------------------------------|-----------------------------|
//! | [`Runtime::new`], [`Runtime::current_thread`] | the thread inside `run`/`run_until_complete` | driving tokio there |
//! | [`Runtime::multi_thread`]`(n)`    | `n` tokio worker threads, in parallel     | waiting for the main task   |
//! | [`Runtime::from_runtime`]`(rt)`   | the tokio runtime you built (now owned)   | `rt.block_on`               |
//! | [`Runtime::from_handle`]`(h)`     | a tokio runtime someone else owns         | `h.block_on` (a current-thread host runs tasks only in its own `block_on`: `run` returns `CannotDrive`) |
//!
//! Bodies must be `Send` on every flavour (they are tokio tasks). Dropping
//! an owned runtime shuts tokio down and ends every pending task as
//! destroyed (reported, then cancelled); dropping an attached one detaches.
//! Either way, once tokio has dropped every task of the runtime, its
//! exception handler is reset to the default, so a handler that holds the
//! runtime's own handle does not leak it.
//!
//! `run` and `run_until_complete` refuse, with a [`TaskError::Runtime`](aiotask_api::TaskError::Runtime)
//! and before creating anything, a call from inside the runtime's own tasks
//! or callbacks (`AlreadyRunning`), a task of another runtime
//! (`OtherRuntime`) and a current-thread host they cannot drive
//! (`CannotDrive`).
//!
//! # Example
//!
//! A task sleeps on tokio's own timer; it is cancelled with a message,
//! catches the cancellation, and lets it propagate; the awaiter reads the
//! message back.
//!
//! ```
//! use std::time::Duration;
//! use aiotask_api::RuntimeHandle as _;
//! use aiotask_core::CatchCancelExt as _;
//!
//! let rt = aiotask_tokio::Runtime::new();
//! let h = rt.handle();
//! let outcome = rt.run(async move {
//!     let worker = h.create_try_task(async {
//!         tokio::time::sleep(Duration::from_secs(3600)).catch_cancel().await?;
//!         Ok::<_, aiotask_api::CancelledError>("slept")
//!     });
//!     h.sleep(Duration::from_millis(1)).await;
//!     assert!(worker.cancel_with("shutting down"));
//!     worker.await
//! });
//! let err = outcome.unwrap().unwrap_err();
//! assert_eq!(err.cancelled().unwrap().message(), Some("shutting down"));
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod gate;
mod handle;
mod live;
mod runtime;
mod services;
mod time;

pub use aiotask_core::{Join, Task};
pub use handle::Handle;
pub use runtime::{Flavour, Runtime};
