//! The one implementation of the `asyncio.Task` contract, shared by every
//! aiotask backend.
//!
//! [`aiotask_api`] says *what* a task answers; this crate is *how*, written
//! once: the per-task state, Python's cancel rules, the
//! `cancelling()`/`uncancel()` counter, done callbacks, names, the repr, and
//! the step algorithm that polls a body and delivers a cancellation.
//! Backends differ only in how they schedule and wake.
//!
//! Its root is what a task's user touches: the handle ([`Task`]), its await
//! ([`Join`], [`CatchJoin`]), catching a cancellation ([`catch_cancel`]) and
//! [`current_task`]. What a backend author needs lives apart, in
//! [`backend`].
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
//! Applications reach all of this through the `aiotask` facade, which
//! re-exports this crate's root (`aiotask::Task`, `aiotask::catch_cancel`,
//! ...); the examples are written against it.
//!
//! ```
//! use std::time::Duration;
//! use aiotask::prelude::*; // CatchCancelExt
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let worker = aiotask::spawn_try(async {
//!         match aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await {
//!             Ok(()) => Ok("slept"),
//!             Err(cancelled) => {
//!                 aiotask::yield_now().await; // cleanup may await here
//!                 Err(cancelled) // propagate: the task ends cancelled
//!             }
//!         }
//!     });
//!     aiotask::yield_now().await; // the worker starts and sleeps
//!     worker.cancel();
//!     assert!(worker.await.unwrap_err().is_cancelled());
//! })
//! .unwrap();
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod ambient;
mod api_task;
mod awaited;
mod cold;
mod context;
mod contract;
mod done_list;
mod forward;
mod handle;
mod harness;
mod hosting;
mod join;
mod name;
mod reporter;
mod repr;
mod services;
mod state;
#[doc(hidden)]
pub mod sync;
#[cfg(all(test, not(loom)))]
mod test_support;
#[cfg(feature = "tracing")]
mod tracing_support;
mod value;
mod word;

/// What a backend author needs, and only that: the contract state a task
/// allocation embeds, the step algorithm, the loop services a task uses,
/// and ready-made parts for hosting tasks on an executor that runs plain
/// futures. Applications never need this module: they use the crate root
/// (through the `aiotask` facade).
///
/// A backend
///
/// * keeps a [`TaskContract`](backend::TaskContract) in its task allocation and implements
///   [`TaskCell`](backend::TaskCell) and [`DynTask`](aiotask_api::DynTask)
///   (with [`forward_dyn_task!`](crate::forward_dyn_task)) for it, and makes
///   handles with [`task_from_cell`](backend::task_from_cell);
/// * polls the body through [`poll_step`](backend::poll_step) with a waker
///   that calls [`TaskContract::on_wake`](backend::Contract::on_wake) and
///   reschedules the task when it answers
///   [`ScheduleAction::Enqueue`](backend::ScheduleAction::Enqueue) (once
///   per step at most: the hot word, [`TaskWord`](backend::TaskWord), keeps
///   the wake), and implements [`WakeTask`](backend::WakeTask) on the cell
///   the same way: the contract wakes a task through it to deliver a
///   cancel, so a task keeps no waker of its own;
/// * gives each task an [`LoopServices`](backend::LoopServices): the loop's `call_soon` queue
///   (done callbacks are dispatched from it, never synchronously) and its
///   exception handler ([`Reporter`](backend::Reporter)), and enters it
///   ([`enter_services`](backend::enter_services)) where it runs callbacks, so that
///   `Handle::current()` finds the loop there.
///
/// Runtimes that run plain futures (tokio, async-executor) use the
/// ready-made [`Hosted`](backend::Hosted) future instead of a cell of their
/// own, a [`HostedServices`](backend::HostedServices) (the `call_soon` queue and
/// exception handler, with its dispatcher future) and
/// [`HostedSleep`](backend::HostedSleep)/[`HostedYield`](backend::HostedYield)
/// for asyncio's tick rules over their own timer, and a
/// [`HostedLatch`](backend::HostedLatch) for `run_until_complete` to block on.
pub mod backend {
    pub use crate::ambient::{ServicesGuard, enter_services, running_services};
    pub use crate::contract::Contract;
    pub use crate::handle::{TaskCell, TaskContract, WakeTask, contract, task_from_cell};
    pub use crate::harness::{drop_body, poll_step};
    pub use crate::hosting::{
        CallbackQueue, Dispatcher, Hosted, HostedCell, HostedDispatcher, HostedLatch,
        HostedLatchSetter, HostedLatchWait, HostedServices, HostedSleep, HostedYield,
        running_hosted_owner,
    };
    pub use crate::name::next_default_name;
    pub use crate::reporter::Reporter;
    pub use crate::repr::MAX_WAIT_FOR_DEPTH;
    pub use crate::services::{Job, LoopServices, drop_job, run_contained, run_job};
    pub use crate::word::{RunAction, ScheduleAction, Snapshot, TaskWord};
    pub use crate::{forward_dyn_task, forward_runtime};
}

pub use context::{CatchCancel, CatchCancelExt, catch_cancel, current_task};
pub use handle::Task;
pub use join::{CatchJoin, Join};

#[doc(hidden)]
pub mod __private {
    pub use aiotask_api::protocol::{CancelEntry, CancelStep, ReprParts};
    pub use aiotask_api::{Failure, Runtime, TaskError, TaskId};
}
