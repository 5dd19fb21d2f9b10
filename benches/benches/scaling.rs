//! Scaling: cancel-all + await-all per task at 1,000 / 100,000 / 1,000,000 parked tasks.
//!
//! Every compiled-in aiotask backend and flavour, and the raw tokio and
//! async-executor baselines (`cargo bench -p aiotask-benches --bench scaling`).
#![forbid(unsafe_code)]

mod common;

use aiotask_benches::{Scenario, subjects};
use criterion::{Criterion, criterion_main};

fn benches(c: &mut Criterion) {
    let subjects = subjects();
    for scenario in [
        Scenario::Scaling1k,
        Scenario::Scaling100k,
        Scenario::Scaling1m,
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
