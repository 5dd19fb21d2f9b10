//! asyncio's loop rules that the single-thread local flavour keeps.
//!
//! The tests live once, in `backend-common-tests/ticks.rs`, shared with the
//! other hosted backend.

use aiotask_smol::Runtime;

#[macro_use]
#[path = "common/ticks.rs"]
mod common;

hosted_ticks!(Runtime::local());
