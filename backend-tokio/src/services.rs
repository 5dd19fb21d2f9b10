//! Starting the loop services every task of one aiotask runtime shares
//! ([`HostedServices`]: the `call_soon` queue, drained by one dispatcher task, and
//! the exception handler).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aiotask_core::backend::HostedServices;

use crate::gate::Gated;
use crate::live::Live;

/// Spawns the dispatcher of `env`'s callback queue on `tokio`, counted in
/// `live` (the runtime's live futures).
///
/// The dispatcher is one task for the whole runtime. It closes the queue
/// when the host runtime drops it (shutdown), so jobs queued afterwards
/// are dropped instead of waiting forever. It counts as live: the handler
/// is let go only once the host dropped it and every task.
pub(crate) fn spawn_dispatcher(
    tokio: &tokio::runtime::Handle,
    env: &Arc<HostedServices>,
    live: &Arc<Live>,
) {
    let task: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(env.dispatcher());
    drop(tokio.spawn(Gated::new(live.guard(), task)));
}
