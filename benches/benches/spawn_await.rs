//! Spawn + await: a batch of 1,000 trivial tasks, and one at a time.
//!
//! Every compiled-in aiotask backend and flavour, and the raw tokio and
//! async-executor baselines (`cargo bench -p aiotask-benches --bench spawn_await`).
#![forbid(unsafe_code)]

mod common;

use aiotask_benches::{Scenario, subjects};
use criterion::{Criterion, criterion_main};

fn benches(c: &mut Criterion) {
    let subjects = subjects();
    for scenario in [Scenario::SpawnBatch, Scenario::SpawnOne] {
        common::timed(c, &subjects, scenario);
    }
}

/// criterion's entry point (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod entry {
    criterion::criterion_group!(group, super::benches);
}

criterion_main!(entry::group);
