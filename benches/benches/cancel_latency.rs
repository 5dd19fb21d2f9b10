//! Cancellation latency: one at a time, a batch of 10,000, cancel → first done callback, from another OS thread, of a task busy in a step.
//!
//! Every compiled-in aiotask backend and flavour, and the raw tokio and
//! async-executor baselines (`cargo bench -p aiotask-benches --bench cancel_latency`).
#![forbid(unsafe_code)]

mod common;

use aiotask_benches::{Scenario, subjects};
use criterion::{Criterion, criterion_main};

fn benches(c: &mut Criterion) {
    let subjects = subjects();
    for scenario in [
        Scenario::CancelOne,
        Scenario::CancelBatch,
        Scenario::CancelToCallback,
        Scenario::CancelCrossThread,
        Scenario::CancelBusy,
    ] {
        common::timed(c, &subjects, scenario);
    }
}

/// criterion's entry point (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod entry {
    criterion::criterion_group!(group, super::benches);
}

criterion_main!(entry::group);
