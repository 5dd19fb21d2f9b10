//! Done-callback dispatch: N = 1 and N = 16 callbacks (per callback, registration included), and completion → first callback.
//!
//! Every compiled-in aiotask backend and flavour, and the raw tokio and
//! async-executor baselines (`cargo bench -p aiotask-benches --bench callback_dispatch`).
#![forbid(unsafe_code)]

mod common;

use aiotask_benches::{Scenario, subjects};
use criterion::{Criterion, criterion_main};

fn benches(c: &mut Criterion) {
    let subjects = subjects();
    for scenario in [
        Scenario::Callbacks1,
        Scenario::Callbacks16,
        Scenario::CompletionToCallback,
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
