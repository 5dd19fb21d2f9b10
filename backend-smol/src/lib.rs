//! aiotask on smol's stack: Python's `asyncio.Task` contract on
//! [`async_executor`], with [`async_io`] timers.
//!
//! Through the `aiotask` facade (feature `smol`) this crate is
//! `aiotask::smol`: `aiotask::Runtime::from(aiotask::smol::Runtime::local())`,
//! or `Runtime::new()` with the feature `default-smol`. The facade's crate
//! docs are the tutorial.
//!
//! # The model
//!
//! A task created through a [`Handle`] is a task of the runtime's executor;
//! its future is [`aiotask_core::backend::Hosted`], which runs the body one step per
//! poll through aiotask's single implementation of the contract. So the
//! rules are the same as on every other aiotask backend, and none of
//! async-task's own leaks through: `cancel` only *requests* cancellation,
//! delivered at the body's next suspension point where
//! [`catch_cancel`](aiotask_core::catch_cancel) may catch it (async-task's
//! cancel consumes the handle and cannot be caught); awaiting a handle never
//! panics; dropping every handle *detaches* the task, which runs on; a panic
//! in a body fails that task and nothing else.
//!
//! Code inside a task can use async-io's timers and I/O (`async_io::Timer`,
//! `async_io::Async`) and anything built on them (the `smol` and
//! `async-net` crates). Every thread that runs tasks drives async-io while
//! it waits (`async_io::block_on`).
//!
//! [`sleep`](aiotask_api::RuntimeHandle::sleep) waits on a
//! [`DetachedTimer`], an async-io timer that never gives async-io's
//! process-wide reactor the task's own waker. A bare `async_io::Timer`
//! does, and the reactor keeps that waker for a while after the timer is
//! dropped (until its next turn, possibly the timer's own deadline): a task
//! cancelled or destroyed while waiting on one, and through it its
//! runtime's callback queue and exception handler, stays allocated until
//! then. Use [`DetachedTimer`] in task bodies where that matters.
//!
//! Done callbacks and [`call_soon`](aiotask_api::RuntimeHandle::call_soon)
//! jobs go through one FIFO queue per runtime, drained by one dispatcher
//! task ([`aiotask_core::backend::CallbackQueue`]): in order, never synchronously,
//! never one executor task per callback. `sleep(0)` and
//! [`yield_now`](aiotask_api::RuntimeHandle::yield_now) resume the task
//! through that same queue, so callbacks already queued run first, as in
//! asyncio's tick.
//!
//! # Flavours
//!
//! | constructor                     | executor                    | tasks run on                                  |
//! |---------------------------------|-----------------------------|-----------------------------------------------|
//! | [`Runtime::new`], [`Runtime::local`] | an owned `LocalExecutor` | the runtime's thread, inside `run`, in FIFO order |
//! | [`Runtime::multi_thread`]`(n)`  | an owned `Executor`         | `n` worker threads, in parallel               |
//! | [`Runtime::from_executor`]`(ex)`| your `Arc<Executor>`        | your threads, plus the caller of `run`        |
//!
//! Bodies created through a [`Handle`] must be `Send` on every flavour;
//! [`Runtime::create_local_task`] takes a body that is not, on the local
//! flavour. The local flavour's [`Handle`] is still `Send + Sync`: a task
//! created on another thread is handed to the runtime's thread. Dropping
//! an owned runtime drops its executor and ends every pending task as
//! destroyed (reported, then cancelled); dropping an attached one detaches.
//! Either way, once the executor has dropped every task of the runtime, its
//! exception handler is reset to the default, so a handler that holds the
//! runtime's own handle does not leak it.
//!
//! `run` and `run_until_complete` refuse, with a [`TaskError::Runtime`](aiotask_api::TaskError::Runtime)
//! and before creating anything, a call from inside the runtime's own tasks
//! or callbacks (`AlreadyRunning`) and a task of another runtime
//! (`OtherRuntime`).
//!
//! # Example
//!
//! A task sleeps on async-io's timer; it is cancelled with a message,
//! catches the cancellation, and lets it propagate; the awaiter reads the
//! message back.
//!
//! ```
//! use std::time::Duration;
//! use aiotask_api::RuntimeHandle as _;
//! use aiotask_core::CatchCancelExt as _;
//!
//! let rt = aiotask_smol::Runtime::new();
//! let h = rt.handle();
//! let outcome = rt.run(async move {
//!     let worker = h.create_try_task(async {
//!         async_io::Timer::after(Duration::from_secs(3600)).catch_cancel().await?;
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

mod handle;
mod live;
mod local;
mod runtime;
mod timer;

pub use aiotask_core::{Join, Task};
pub use handle::Handle;
pub use runtime::{Flavour, Runtime};
pub use timer::DetachedTimer;
