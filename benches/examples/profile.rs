//! A small driver for profilers: runs one scenario on one subject, so that
//! `valgrind --tool=callgrind` (instruction counts, reproducible) sees
//! nothing else.
//!
//! ```text
//! cargo build --release -p aiotask-benches --example profile --features tokio
//! valgrind --tool=callgrind target/release/examples/profile "aiotask native" cancel_one 20000
//! ```
//!
//! Arguments: subject name (as in the report), scenario id, operations
//! (default: the quick sample size), repetitions (default 1).
#![forbid(unsafe_code)]

use aiotask_benches::{Mode, Outcome, Scenario, subjects};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(id)) = (args.first(), args.get(1)) else {
        eprintln!("usage: profile SUBJECT SCENARIO [OPS] [REPS]");
        for s in subjects() {
            eprintln!("  subject: {}", s.name());
        }
        eprintln!("  scenarios: {}", Scenario::ALL.map(|s| s.id()).join(", "));
        std::process::exit(2);
    };
    let scenario = Scenario::from_id(id).expect("unknown scenario id");
    let ops = args
        .get(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| scenario.ops(Mode::Quick));
    let reps: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(1);
    let all = subjects();
    let subject = all
        .iter()
        .find(|s| s.name() == name)
        .expect("unknown subject name");
    for _ in 0..reps {
        match subject.measure(scenario, ops) {
            Outcome::Time(s) => println!(
                "{} {}: {:.1} ns/op",
                subject.name(),
                scenario,
                s.ns_per_op()
            ),
            other => println!("{} {}: {other:?}", subject.name(), scenario),
        }
    }
}
