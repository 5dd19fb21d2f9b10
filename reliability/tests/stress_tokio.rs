//! Stress of the tokio backend, current-thread and multi-thread(4) flavours
//! (issue 5, part 3): see `aiotask_reliability::stress`. Its own test
//! binary, with the counting allocator, and one test running both flavours
//! in turn, so nothing else allocates while it measures.
//!
//! `cargo test --release -p aiotask-reliability --test stress_tokio -- --nocapture`
//! prints the figures; `AIOTASK_STRESS_TASKS`, `AIOTASK_STRESS_PENDING` and
//! `AIOTASK_STRESS_SEED` change the run.
#![forbid(unsafe_code)]

use aiotask_reliability::stress::{self, Config};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

#[test]
fn tokio_current_thread_and_multi_thread() {
    assert!(
        stress::heap_counting_active(),
        "the counting allocator is installed"
    );
    let config = Config::from_env();
    let current = stress::check_flavour(
        "tokio current_thread",
        aiotask_tokio::Runtime::current_thread,
        &config,
    );
    println!("{current}");
    let multi = stress::check_flavour(
        "tokio multi_thread(4)",
        || aiotask_tokio::Runtime::multi_thread(4),
        &config,
    );
    println!("{multi}");
    current.assert_complete_without_leaks(&config);
    multi.assert_complete_without_leaks(&config);
}
