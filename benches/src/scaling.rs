//! Scaling: the cost per task of cancelling every one of 1,000 / 100,000 /
//! 1,000,000 parked tasks and then awaiting them all. The figure should stay
//! flat as the count grows (the target is ≤ 1.5× at 1,000,000 what it is at
//! 1,000): a cancel must not cost more because more tasks are parked.
//!
//! The workload is the batch workload of [`crate::cancel`] with a bigger
//! batch; this module names the sizes.

use std::time::Duration;

use aiotask_api::RuntimeHandle;

use crate::cancel;
use crate::raw::ExecSpawn;

/// The parked-task counts of the scaling scenarios.
pub const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];

/// Cancel-all + await-all of `size` parked aiotask tasks, repeated until
/// `ops` tasks were measured.
pub async fn on_aiotask<H: RuntimeHandle>(h: H, size: usize, ops: u64) -> Duration {
    cancel::on_aiotask::batch(h, size, ops).await
}

/// The same on raw tokio (inside a tokio runtime).
pub async fn on_tokio(size: usize, ops: u64) -> Duration {
    cancel::on_tokio::batch(size, ops).await
}

/// The same on raw async-executor.
pub async fn on_executor<S: ExecSpawn>(ex: S, size: usize, ops: u64) -> Duration {
    cancel::on_executor::batch(ex, size, ops).await
}
