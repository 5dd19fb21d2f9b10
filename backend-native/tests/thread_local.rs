//! A native runtime kept in a `thread_local!` (issue 10 item 7). Its own
//! file: before the fix, the thread's exit aborted the whole process.
//!
//! The test lives once, in `backend-common-tests/hostile.rs`, shared with
//! smol's local flavour.

use aiotask_native::Runtime;

#[allow(dead_code, unused_macros)] // only the thread-local case is run here
#[path = "common/hostile.rs"]
mod common;

/// Issue 10 item 7: a thread stores a runtime with a pending and a
/// sleeping task in a `thread_local!` and exits; the runtime is dropped
/// after the loop's own thread locals, and the exit must not abort.
#[test]
fn a_runtime_in_a_thread_local_is_dropped_at_thread_exit() {
    common::a_runtime_in_a_thread_local_is_dropped_at_thread_exit(Runtime::new);
}
