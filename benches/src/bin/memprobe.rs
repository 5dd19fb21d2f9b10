//! `memprobe`: heap bytes and allocations per parked task, on every subject,
//! under a counting global allocator (`stats_alloc`'s instrumented system
//! allocator, installed without any `unsafe` of ours).
//!
//! It is a binary of its own so that the timing binary (`compare`) does not
//! pay the counting on every allocation; `compare` runs it and reads its
//! output, one JSON object per subject:
//!
//! ```text
//! {"subject":"aiotask native","tasks":100000,"bytes_per_task":…,"allocs_per_task":…,
//!  "bytes_per_task_warm":…,"allocs_per_task_warm":…}
//! ```
//!
//! `--tasks N` (default 100,000) and `--reps N` (default 3: each on fresh
//! runtimes; the median is printed). Fresh: the first burst of parked tasks
//! on a new runtime. Warm: a second burst of the same size on that runtime,
//! after the first was cancelled.
//!
//! Then, for every timed scenario (but the 100,000 and 1,000,000 task
//! ones) on every subject, the allocations made inside the measured part,
//! per operation, after a warm-up sample:
//!
//! ```text
//! {"subject":"aiotask native","scenario":"cancel_one","allocs_per_op":…,"bytes_per_op":…}
//! ```
//!
//! Last, its own peak resident memory (`VmHWM`, for `compare`'s header):
//!
//! ```text
//! {"peak_rss_kib":…}
//! ```
#![forbid(unsafe_code)]

use std::alloc::System;

use aiotask_benches::report::median;
use aiotask_benches::util::{measured_allocs, peak_rss_kib, reset_measured_allocs};
use aiotask_benches::{HeapSample, Mode, Outcome, Scenario, memory, subjects};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn heap(o: Outcome) -> Option<HeapSample> {
    match o {
        Outcome::Heap(h) => Some(h),
        _ => None,
    }
}

fn main() {
    assert!(
        memory::counting_active(),
        "memprobe: the counting allocator is not active"
    );
    let tasks = arg("--tasks", 100_000);
    let reps = arg("--reps", 3).max(1);
    // name -> (fresh samples, warm samples)
    let mut seen: Vec<(String, Vec<HeapSample>, Vec<HeapSample>)> = Vec::new();
    for _ in 0..reps {
        for s in subjects() {
            let fresh = heap(s.measure(Scenario::Memory, tasks as u64));
            let warm = heap(s.measure(Scenario::Memory, tasks as u64));
            let name = s.name().to_owned();
            let entry = match seen.iter_mut().position(|e| e.0 == name) {
                Some(i) => &mut seen[i],
                None => {
                    seen.push((name, Vec::new(), Vec::new()));
                    seen.last_mut().expect("just pushed")
                }
            };
            entry.1.extend(fresh);
            entry.2.extend(warm);
        }
    }
    for (name, fresh, warm) in seen {
        let med = |v: &[HeapSample], f: fn(&HeapSample) -> f64| {
            median(&v.iter().map(f).collect::<Vec<_>>())
        };
        let line = serde_json::json!({
            "subject": name,
            "tasks": tasks,
            "bytes_per_task": med(&fresh, |h| h.bytes_per_task),
            "allocs_per_task": med(&fresh, |h| h.allocs_per_task),
            "bytes_per_task_warm": med(&warm, |h| h.bytes_per_task),
            "allocs_per_task_warm": med(&warm, |h| h.allocs_per_task),
        });
        println!("{line}");
    }
    for s in subjects() {
        for scenario in Scenario::ALL {
            if matches!(
                scenario,
                Scenario::Memory | Scenario::Scaling100k | Scenario::Scaling1m
            ) || s.not_applicable(scenario).is_some()
            {
                continue;
            }
            let ops = (scenario.ops(Mode::Quick) / 2).max(1);
            let _ = s.measure(scenario, ops); // warm-up: queues grown, lazy state made
            reset_measured_allocs();
            let Outcome::Time(sample) = s.measure(scenario, ops) else {
                continue;
            };
            let (allocs, bytes) = measured_allocs();
            let line = serde_json::json!({
                "subject": s.name(),
                "scenario": scenario.id(),
                "allocs_per_op": allocs as f64 / sample.ops as f64,
                "bytes_per_op": bytes as f64 / sample.ops as f64,
            });
            println!("{line}");
        }
    }
    if let Some(kib) = peak_rss_kib() {
        println!("{}", serde_json::json!({ "peak_rss_kib": kib }));
    }
}
