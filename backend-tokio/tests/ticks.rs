//! asyncio's loop rules that the single-thread current-thread flavour keeps.
//!
//! The tests live once, in `backend-common-tests/ticks.rs`, shared with the
//! other hosted backend.

use aiotask_tokio::Runtime;

#[macro_use]
#[path = "common/ticks.rs"]
mod common;

hosted_ticks!(Runtime::current_thread());
