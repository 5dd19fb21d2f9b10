//! `sleep` with asyncio's tick rules on tokio's timer.

use std::pin::Pin;
use std::time::Duration;

use aiotask_core::backend::{HostedServices, HostedSleep};

/// asyncio's `sleep(d)` on tokio's timer ([`HostedSleep`]). The timer is
/// created inside the runtime's context, so the future may be made on any
/// thread.
pub(crate) fn sleep(
    tokio: &tokio::runtime::Handle,
    env: &HostedServices,
    duration: Duration,
) -> HostedSleep<Pin<Box<tokio::time::Sleep>>> {
    HostedSleep::new(env, duration, |duration| {
        let _entered = tokio.enter();
        Box::pin(tokio::time::sleep(duration))
    })
}
