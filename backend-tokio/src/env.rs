//! Starting the loop services every task of one aiotask runtime shares
//! ([`HostedEnv`]: the `call_soon` queue, drained by one dispatcher task, and
//! the exception handler).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aiotask_core::HostedEnv;

use crate::gate::{Gate, Gated};

/// A fresh queue and a default (standard error) exception handler, with
/// the queue's dispatcher spawned on `tokio`.
///
/// The dispatcher is one task for the whole runtime. It closes the queue
/// when the host runtime drops it (shutdown), so jobs queued afterwards
/// are dropped instead of waiting forever.
pub(crate) fn start_env(tokio: &tokio::runtime::Handle, gate: Option<Arc<Gate>>) -> Arc<HostedEnv> {
    let env = Arc::new(HostedEnv::new());
    let task: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(env.dispatcher());
    drop(tokio.spawn(Gated::new(gate, task)));
    env
}
