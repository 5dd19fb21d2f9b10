//! Every scenario runs on every compiled-in subject (small sizes), and
//! answers with a figure, or with "not applicable" exactly where the
//! subject has no equivalent. Debug builds also check the workloads'
//! internal assertions (every callback ran, every cancel was observed).

use aiotask_benches::{Family, Outcome, Scenario, subjects};

#[test]
fn every_scenario_on_every_subject() {
    for s in subjects() {
        for scenario in Scenario::ALL {
            if matches!(scenario, Scenario::Scaling100k | Scenario::Scaling1m) {
                continue; // too big for a debug build; same code as scaling_1k
            }
            let ops = match scenario {
                Scenario::Memory => 1_000,
                _ => scenario.batch().unwrap_or(64) as u64,
            };
            let outcome = s.measure(scenario, ops);
            let expect_na = s.not_applicable(scenario).is_some();
            match outcome {
                Outcome::NotApplicable(_) => assert!(expect_na, "{} {scenario}", s.name()),
                Outcome::Time(sample) => {
                    assert!(!expect_na, "{} {scenario}", s.name());
                    assert!(sample.ops >= ops, "{} {scenario}", s.name());
                }
                Outcome::Heap(_) => assert_eq!(scenario, Scenario::Memory),
            }
            if s.family() == Family::Aiotask {
                assert!(
                    !expect_na,
                    "aiotask runs everything: {} {scenario}",
                    s.name()
                );
            }
        }
    }
}
