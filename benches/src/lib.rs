//! Benchmarks of aiotask: what the `asyncio.Task` contract costs on each
//! backend, beside the raw runtimes it runs on and beside CPython's asyncio.
//!
//! # What is measured
//!
//! Every [`Scenario`] runs on every [`Subject`] compiled in:
//!
//! * each aiotask backend and flavour (features `native` (default), `tokio`,
//!   `smol`), driven only through the generic [`aiotask_api::Runtime`] /
//!   [`aiotask_api::RuntimeHandle`] / [`aiotask_api::Task`] contract;
//! * the raw baselines, always compiled: tokio (`spawn`, `JoinHandle`,
//!   `abort`) current-thread and multi-thread, and async-executor (`spawn`,
//!   `Task`, `Task::cancel`) with a `LocalExecutor` and with an `Executor`
//!   run by worker threads. Raw runtimes have no done callbacks: those
//!   scenarios say so ([`Outcome::NotApplicable`]) instead of a number.
//!
//! The workloads, one module per scenario: [`cancel`] (latency one at a
//! time, a batch of 10,000, cancel → first done callback, from another OS
//! thread, of a task busy in a step), [`callbacks`] (N = 1 and N = 16
//! callbacks, completion → first callback), [`spawn`] (a batch of 1,000
//! and one at a time), [`memory`] (heap per parked task) and [`scaling`]
//! (cancel-all at 1,000 / 100,000 / 1,000,000 parked tasks).
//!
//! A *parked* task is one that has been polled once and waits forever on
//! `std::future::pending()`; the CPython program parks on a future nobody
//! resolves.
//!
//! # Running
//!
//! * `cargo run --release -p aiotask-benches --bin compare` — the report:
//!   every scenario on every subject in one process, round-robin, medians;
//!   it opens with the cost of the contract (each backend ÷ the raw runtime
//!   it runs on, a table and a chart), then the details: ratios to the raw
//!   runtimes and to CPython, one SVG chart per scenario ([`report`]).
//!   `--targets` appends issue 12's targets.
//! * `cargo bench -p aiotask-benches` — the same workloads under criterion,
//!   one bench file per scenario.
//!
//! ```
//! use aiotask_benches::{Outcome, Scenario, Subject, backends::RawTokio};
//! let subject = RawTokio::current_thread();
//! match subject.measure(Scenario::SpawnBatch, 1_000) {
//!     Outcome::Time(sample) => assert!(sample.ns_per_op() > 0.0),
//!     other => panic!("{other:?}"),
//! }
//! ```
#![forbid(unsafe_code)]

pub mod backends;
pub mod callbacks;
pub mod cancel;
pub mod memory;
pub mod parked;
pub mod python;
pub mod raw;
pub mod report;
pub mod scaling;
pub mod spawn;
pub mod subject;
pub mod util;

pub use backends::subjects;
pub use subject::{
    Family, HeapSample, Mode, NO_DONE_CALLBACKS, Outcome, Sample, Scenario, Subject, Threading,
};
