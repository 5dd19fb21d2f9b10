//! Stress of the native backend (issue 5, part 3): see
//! `aiotask_reliability::stress`. Its own test binary, with the counting
//! allocator, and one test, so nothing else allocates while it measures.
//!
//! `cargo test --release -p aiotask-reliability --test stress_native -- --nocapture`
//! prints the figures; `AIOTASK_STRESS_TASKS`, `AIOTASK_STRESS_PENDING` and
//! `AIOTASK_STRESS_SEED` change the run.
#![forbid(unsafe_code)]

use aiotask_reliability::stress::{self, Config};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

#[test]
fn native_current_thread() {
    assert!(
        stress::heap_counting_active(),
        "the counting allocator is installed"
    );
    let config = Config::from_env();
    let report = stress::check_flavour("native", aiotask_native::Runtime::new, &config);
    println!("{report}");
    report.assert_complete_without_leaks(&config);
}
