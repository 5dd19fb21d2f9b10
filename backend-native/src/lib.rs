//! aiotask's own executor: a single-threaded event loop built for the
//! `asyncio.Task` contract.
//!
//! Through the `aiotask` facade (feature `native`, on by default) this
//! crate is `aiotask::native`, and `aiotask::Runtime::new()` is one of its
//! loops; the facade's crate docs are the tutorial.
//!
//! # The model
//!
//! Like asyncio's loop, a [`Runtime`] runs on one thread, in *ticks*: each
//! tick fires due timers and runs, in FIFO order, every task step and job
//! that was ready when it began. Done callbacks are jobs on that same queue
//! (never a task per callback, never synchronous), and a cancel costs one
//! pass through the scheduler: it marks the task and queues its next step,
//! where the cancellation is delivered.
//!
//! Each task is **one allocation** (`src/cell.rs`):
//! an atomic scheduling word, the contract state shared by every aiotask
//! backend ([`aiotask_core::backend::TaskContract`]), and the future itself. The same
//! allocation is the task's waker, queue entry and handle.
//!
//! Other threads use a [`Handle`]: creating tasks, cancelling, waking. They
//! push onto an injection queue and unpark the loop. Futures created with
//! [`spawn_local`] or [`Runtime::create_local_task`] need not be `Send`.
//!
//! ```
//! use std::time::Duration;
//! use aiotask_native::Runtime;
//! use aiotask_api::RuntimeHandle as _;
//! use aiotask_core::CatchCancelExt;
//!
//! let rt = Runtime::new();
//! let h = rt.handle();
//! let msg = rt.run(async move {
//!     let h2 = h.clone();
//!     let sleeper = h.create_task(async move {
//!         match h2.sleep(Duration::from_secs(3600)).catch_cancel().await {
//!             Ok(()) => "slept".to_owned(),
//!             Err(e) => format!("woken by cancel: {}", e.message().unwrap_or("")),
//!         }
//!     });
//!     h.sleep(Duration::from_millis(1)).await;
//!     sleeper.cancel_with("enough");
//!     sleeper.await.unwrap()
//! });
//! assert_eq!(msg.unwrap(), "woken by cancel: enough");
//! ```
//!
//! # Unsafe code
//!
//! This is the only aiotask crate with `unsafe`: the task cell keeps the
//! future in an `UnsafeCell` guarded by the scheduling word. The rules every
//! `unsafe` block cites are written in the `cell` module; the word's bits
//! and transitions in the `state` module.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod cell;
mod event_loop;
#[cfg(all(test, loom))]
mod loom_models;
mod runtime;
mod sync;

pub use aiotask_core::{Join, Task};
pub use runtime::{Handle, Runtime, Sleep, spawn_local};
