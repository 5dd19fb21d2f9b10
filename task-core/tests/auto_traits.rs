//! Handles are `Send + Sync` where the output allows; the futures users
//! await inside `Send` tasks are `Send`. Checked at compile time.

use std::future::Future;

use aiotask_core::{CatchCancel, Join, Task};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}
fn unpin<T: Unpin>() {}

#[test]
fn handles_are_send_and_sync() {
    send_sync::<Task<u32>>();
    send_sync::<Task<String>>();
    send_sync::<aiotask_api::AnyTask>();
    send_sync::<aiotask_api::TaskError>();
    send_sync::<aiotask_api::Failure>();
    send_sync::<aiotask_api::CancelledError>();
    unpin::<Task<u32>>();
}

#[test]
fn awaiting_is_send_and_unpin() {
    send::<Join<u32>>();
    unpin::<Join<u32>>();
    fn catch_of<F: Future + Send>(_: &F) {
        send::<CatchCancel<F>>();
        unpin::<CatchCancel<F>>();
    }
    catch_of(&async { 1 });
}
