//! Careless or hostile use of the smol backend (issue 10), on every
//! flavour: each case ends in a clear error or the right answer, never a
//! panic, a hang or a leak.
//!
//! The cases live once, in `backend-common-tests/hostile.rs`, shared with
//! the other backends; this file stamps them on each flavour.

use std::sync::Arc;

use aiotask_smol::Runtime;

#[macro_use]
#[path = "common/hostile.rs"]
mod common;

// Every flavour, the attached one with its executor (which nobody else runs:
// `run` drives it on this thread; dropping the runtime detaches, and the
// handler is let go with the executor). The runtime is not `Send`: task
// bodies and callbacks reach it through a thread local, so a nested call can
// be made only where they run on the runtime's thread (not multi-thread).
// The nested `run_until_complete` is tried on the local flavour.
hostile_tests! {
    reenter = common::OnThisThread, other = Runtime::local();
    local = Runtime::local()
        => [sleep, nested_run, nested_run_until_complete, handler, other_runtime, nobody_runs];
    multi_thread = Runtime::multi_thread(2) => [sleep, handler, other_runtime];
    attached = Runtime::from_executor(executor.clone()),
        host executor = Arc::new(async_executor::Executor::new())
        => [sleep, nested_run, handler, other_runtime];
}
