//! The one implementation of the `asyncio.Task` contract, shared by every
//! aiotask backend.
//!
//! [`aiotask_api`] says *what* a task answers; this crate is *how*, written
//! once: the per-task state ([`Shared`]), Python's cancel rules, the
//! `cancelling()`/`uncancel()` counter, done callbacks, names, the repr, and
//! the step algorithm that polls a body and delivers a cancellation
//! ([`poll_step`]). Backends differ only in how they schedule and wake:
//!
//! * a backend keeps a [`Shared`] in its task allocation and implements
//!   [`TaskCell`] for that allocation;
//! * it polls the body through [`poll_step`] with a waker that calls
//!   [`Shared::on_wake`] before rescheduling the task;
//! * it gives each task an [`Env`]: the loop's `call_soon` queue (done
//!   callbacks are dispatched from it, never synchronously) and its
//!   exception handler ([`Reporter`]).
//!
//! Runtimes that run plain futures (tokio, async-executor) use the ready-made
//! [`Hosted`] future instead of a cell of their own, a [`HostedEnv`] (the
//! `call_soon` queue and exception handler, with its dispatcher future) and
//! [`HostedSleep`]/[`HostedYield`] for asyncio's tick rules, over their own
//! timer, and a [`HostedLatch`] for `run_until_complete` to block on.
//!
//! # Catching a cancellation
//!
//! Python delivers `CancelledError` *at an await*, where `try/except` may
//! catch it. The Rust spelling is [`catch_cancel`]: wrap the await that may
//! be interrupted, and a cancellation delivered while the task is suspended
//! inside it drops the wrapped future and returns `Err(CancelledError)`.
//! A body with no active `catch_cancel` is simply dropped at its next poll
//! (destructors are `finally`) and the task ends cancelled.
//!
//! ```
//! use aiotask_core::CatchCancelExt;
//!
//! async fn worker(sleep: impl std::future::Future<Output = ()>) -> Result<&'static str, aiotask_api::CancelledError> {
//!     match sleep.catch_cancel().await {
//!         Ok(()) => Ok("slept"),
//!         Err(cancelled) => {
//!             // cleanup may await here
//!             Err(cancelled) // propagate: the task ends cancelled
//!         }
//!     }
//! }
//! # let _ = worker(async {});
//! ```
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod ambient;
mod awaited;
mod callback_queue;
mod context;
mod done_list;
mod env;
mod forward;
mod handle;
mod harness;
mod hosted;
mod hosted_env;
mod hosted_latch;
mod hosted_time;
mod name;
mod reporter;
mod repr;
mod shared;
mod state;
#[doc(hidden)]
pub mod sync;
mod value;

pub use ambient::{EnvGuard, enter_env, running_env};
pub use callback_queue::{CallbackQueue, Dispatcher};
pub use context::{CatchCancel, CatchCancelExt, catch_cancel, current_task};
pub use env::{Env, Job, drop_job, run_job};
pub use handle::{CatchJoin, Join, Task, TaskCell};
pub use harness::{drop_body, poll_step};
pub use hosted::{Hosted, HostedCell};
pub use hosted_env::{HostedDispatcher, HostedEnv};
pub use hosted_latch::{HostedLatch, HostedLatchSetter, HostedLatchWait};
pub use hosted_time::{HostedSleep, HostedYield};
pub use name::next_default_name;
pub use reporter::Reporter;
pub use repr::MAX_WAIT_FOR_DEPTH;
pub use shared::Shared;

#[doc(hidden)]
pub mod __private {
    pub use aiotask_api::protocol::{CancelEntry, CancelStep, ReprParts};
    pub use aiotask_api::{Failure, TaskError, TaskId};
}
