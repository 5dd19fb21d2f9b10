//! What every criterion bench file shares: one group per scenario, one
//! benchmark per subject, driven through `iter_custom` so that only the
//! measured part of each workload counts.

use std::time::Duration;

use aiotask_benches::{Outcome, Scenario, Subject};
use criterion::{BenchmarkId, Criterion, SamplingMode};

/// Benches `scenario` on every subject that can run it; subjects that
/// cannot are named on standard error.
pub fn timed(c: &mut Criterion, subjects: &[Box<dyn Subject>], scenario: Scenario) {
    let mut group = c.benchmark_group(scenario.id());
    if let Some(batch) = scenario.batch()
        && batch >= 100_000
    {
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(5));
    } else {
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    }
    for s in subjects {
        if let Some(why) = s.not_applicable(scenario) {
            eprintln!("{}/{}: n/a ({why})", scenario.id(), s.name());
            continue;
        }
        group.bench_function(BenchmarkId::from_parameter(s.name()), |b| {
            b.iter_custom(|iters| match s.measure(scenario, iters) {
                Outcome::Time(sample) => sample.scaled_to(iters),
                other => panic!("{}/{}: {other:?}", scenario.id(), s.name()),
            })
        });
    }
    group.finish();
}
