//! Memory: live heap bytes per parked task, over 100,000 parked tasks, on
//! every compiled-in aiotask backend and flavour and the raw baselines
//! (`cargo bench -p aiotask-benches --bench memory`).
//!
//! This bench binary installs `stats_alloc`'s counting allocator as its
//! global allocator (no `unsafe` of ours) and reports bytes, not time,
//! through a criterion [`Measurement`]: each sample is a fresh burst of
//! parked tasks. Allocations per task are printed on standard error.
#![forbid(unsafe_code)]

use std::alloc::System;
use std::time::Duration;

use aiotask_benches::{Outcome, Scenario, memory, subjects};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_main};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Tasks per sample.
const TASKS: u64 = 100_000;

/// Heap bytes as a criterion measurement (values are filled in by
/// `iter_custom`; `start`/`end` are unused).
struct HeapBytes;

struct BytesFormatter;

impl ValueFormatter for BytesFormatter {
    fn scale_values(&self, _typical: f64, _values: &mut [f64]) -> &'static str {
        "B"
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        _values: &mut [f64],
    ) -> &'static str {
        "B"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "B"
    }
}

impl Measurement for HeapBytes {
    type Intermediate = ();
    type Value = f64;

    fn start(&self) {}

    fn end(&self, _i: ()) -> f64 {
        0.0
    }

    fn add(&self, v1: &f64, v2: &f64) -> f64 {
        v1 + v2
    }

    fn zero(&self) -> f64 {
        0.0
    }

    fn to_f64(&self, value: &f64) -> f64 {
        *value
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &BytesFormatter
    }
}

fn benches(c: &mut Criterion<HeapBytes>) {
    assert!(
        memory::counting_active(),
        "the counting allocator is not installed"
    );
    let mut group = c.benchmark_group(Scenario::Memory.id());
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    for s in subjects() {
        if let Outcome::Heap(h) = s.measure(Scenario::Memory, TASKS) {
            eprintln!(
                "{}/{}: {:.1} bytes, {:.2} allocations per parked task",
                Scenario::Memory.id(),
                s.name(),
                h.bytes_per_task,
                h.allocs_per_task
            );
        }
        group.bench_function(BenchmarkId::from_parameter(s.name()), |b| {
            b.iter_custom(|iters| match s.measure(Scenario::Memory, TASKS) {
                // Bytes per task, once per iteration criterion asked for.
                Outcome::Heap(h) => h.bytes_per_task * iters as f64,
                other => panic!("{}: {other:?}", s.name()),
            })
        });
    }
    group.finish();
}

/// criterion's entry point (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod entry {
    use super::{HeapBytes, benches};
    use criterion::Criterion;

    criterion::criterion_group! {
        name = group;
        config = Criterion::default().with_measurement(HeapBytes);
        targets = benches
    }
}

criterion_main!(entry::group);
