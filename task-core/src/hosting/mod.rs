//! Hosting the contract on a runtime that runs plain futures (tokio,
//! async-executor): everything here is a helper for such backends, apart
//! from the contract itself (the state, the handle, the step).
//!
//! | module  | what it is |
//! |---------|------------|
//! | `cell`  | [`HostedCell`], the per-task allocation, and [`Hosted`], the future the host runs |
//! | `services` | [`HostedServices`], the loop services (`call_soon`, the exception handler) of one runtime |
//! | `queue` | [`CallbackQueue`], the `call_soon` FIFO, and its [`Dispatcher`] future |
//! | `time`  | [`HostedSleep`] and [`HostedYield`]: asyncio's tick rules over the host's timer |
//! | `latch` | [`HostedLatch`]: what `run_until_complete` blocks on |
//! | `waker_slot` | `WakerSlot`: the host's waker a future leaves, stored once while it does not change |

pub(crate) mod cell;
pub(crate) mod latch;
pub(crate) mod queue;
pub(crate) mod services;
pub(crate) mod time;
pub(crate) mod waker_slot;

pub use cell::{Hosted, HostedCell};
pub use latch::{HostedLatch, HostedLatchSetter, HostedLatchWait};
pub use queue::{CallbackQueue, Dispatcher};
pub use services::{HostedDispatcher, HostedServices, running_hosted_owner};
pub use time::{HostedSleep, HostedYield};
