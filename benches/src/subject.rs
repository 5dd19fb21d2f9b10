//! What is measured ([`Scenario`]), on what ([`Subject`]), and what a
//! measurement gives back ([`Outcome`]).

use std::fmt;
use std::time::Duration;

/// Whether a run is the quick one (`compare --quick`, the default) or the
/// full one (`--full`): it scales the operations per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Small samples: the whole `compare` run stays under 3 minutes.
    Quick,
    /// Larger samples and more repetitions.
    Full,
}

/// One workload of the report.
///
/// Every scenario is one figure: nanoseconds per operation (per task, or
/// per callback for the dispatch scenarios), or heap per task for
/// [`Scenario::Memory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// A parked task is cancelled and the canceller awaits the outcome, one
    /// task at a time.
    CancelOne,
    /// 10,000 parked tasks are cancelled, then all awaited (per task).
    CancelBatch,
    /// A parked task with one done callback is cancelled; time until the
    /// callback runs (one clock read included).
    CancelToCallback,
    /// A plain OS thread cancels a parked task and spins until it observes
    /// the task cancelled.
    CancelCrossThread,
    /// A task cancels itself in the middle of a step; delivered at its next
    /// suspension point; the awaiter observes it cancelled.
    CancelBusy,
    /// A task with 1 done callback completes: registration to the callback
    /// having run, per callback.
    Callbacks1,
    /// A task with 16 done callbacks completes: registration to the last
    /// callback having run, per callback.
    Callbacks16,
    /// The body of a task returns; time until its first done callback runs
    /// (one clock read included).
    CompletionToCallback,
    /// 1,000 trivial tasks are spawned, then all awaited (per task).
    SpawnBatch,
    /// A trivial task is spawned and awaited, one at a time.
    SpawnOne,
    /// Heap bytes and allocations per parked task, over 100,000 tasks.
    Memory,
    /// Cancel-all then await-all cost per task with 1,000 parked tasks.
    Scaling1k,
    /// The same with 100,000 parked tasks.
    Scaling100k,
    /// The same with 1,000,000 parked tasks.
    Scaling1m,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 14] = [
        Scenario::CancelOne,
        Scenario::CancelBatch,
        Scenario::CancelToCallback,
        Scenario::CancelCrossThread,
        Scenario::CancelBusy,
        Scenario::Callbacks1,
        Scenario::Callbacks16,
        Scenario::CompletionToCallback,
        Scenario::SpawnBatch,
        Scenario::SpawnOne,
        Scenario::Memory,
        Scenario::Scaling1k,
        Scenario::Scaling100k,
        Scenario::Scaling1m,
    ];

    /// The stable identifier used in JSON, by the CPython program and in
    /// file names.
    ///
    /// ```
    /// use aiotask_benches::Scenario;
    /// assert_eq!(Scenario::CancelOne.id(), "cancel_one");
    /// assert_eq!(Scenario::from_id("scaling_1m"), Some(Scenario::Scaling1m));
    /// ```
    pub fn id(self) -> &'static str {
        match self {
            Scenario::CancelOne => "cancel_one",
            Scenario::CancelBatch => "cancel_batch_10k",
            Scenario::CancelToCallback => "cancel_to_callback",
            Scenario::CancelCrossThread => "cancel_cross_thread",
            Scenario::CancelBusy => "cancel_busy",
            Scenario::Callbacks1 => "callbacks_n1",
            Scenario::Callbacks16 => "callbacks_n16",
            Scenario::CompletionToCallback => "completion_to_callback",
            Scenario::SpawnBatch => "spawn_batch_1k",
            Scenario::SpawnOne => "spawn_one",
            Scenario::Memory => "memory_parked_100k",
            Scenario::Scaling1k => "scaling_1k",
            Scenario::Scaling100k => "scaling_100k",
            Scenario::Scaling1m => "scaling_1m",
        }
    }

    /// The scenario with this [`id`](Scenario::id).
    ///
    /// ```
    /// assert_eq!(aiotask_benches::Scenario::from_id("nope"), None);
    /// ```
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// A one-line title for tables and charts.
    ///
    /// ```
    /// assert!(aiotask_benches::Scenario::SpawnOne.title().contains("spawn"));
    /// ```
    pub fn title(self) -> &'static str {
        match self {
            Scenario::CancelOne => "cancel + await a parked task, one at a time",
            Scenario::CancelBatch => "cancel 10,000 parked tasks, then await all (per task)",
            Scenario::CancelToCallback => "cancel → first done callback runs",
            Scenario::CancelCrossThread => {
                "cancel from another OS thread → task observed cancelled"
            }
            Scenario::CancelBusy => {
                "cancel of a task busy in a step (self-cancel) → awaiter sees it"
            }
            Scenario::Callbacks1 => {
                "done callbacks, N = 1: registration → callback ran (per callback)"
            }
            Scenario::Callbacks16 => {
                "done callbacks, N = 16: registration → last callback ran (per callback)"
            }
            Scenario::CompletionToCallback => "completion → first done callback runs",
            Scenario::SpawnBatch => "spawn 1,000 trivial tasks, then await all (per task)",
            Scenario::SpawnOne => "spawn + await a trivial task, one at a time",
            Scenario::Memory => "heap per parked task (100,000 tasks)",
            Scenario::Scaling1k => "cancel-all + await-all per task, 1,000 parked tasks",
            Scenario::Scaling100k => "cancel-all + await-all per task, 100,000 parked tasks",
            Scenario::Scaling1m => "cancel-all + await-all per task, 1,000,000 parked tasks",
        }
    }

    /// The unit of this scenario's figure.
    ///
    /// ```
    /// assert_eq!(aiotask_benches::Scenario::Memory.unit(), "bytes/task");
    /// ```
    pub fn unit(self) -> &'static str {
        match self {
            Scenario::Memory => "bytes/task",
            Scenario::Callbacks1 | Scenario::Callbacks16 => "ns/callback",
            _ => "ns/op",
        }
    }

    /// True for the scenarios only a task with done callbacks can run:
    /// the raw runtimes have none.
    ///
    /// ```
    /// assert!(aiotask_benches::Scenario::Callbacks16.needs_done_callbacks());
    /// ```
    pub fn needs_done_callbacks(self) -> bool {
        matches!(
            self,
            Scenario::CancelToCallback
                | Scenario::Callbacks1
                | Scenario::Callbacks16
                | Scenario::CompletionToCallback
        )
    }

    /// How many operations one sample performs.
    ///
    /// ```
    /// use aiotask_benches::{Mode, Scenario};
    /// assert!(Scenario::CancelOne.ops(Mode::Full) >= Scenario::CancelOne.ops(Mode::Quick));
    /// ```
    pub fn ops(self, mode: Mode) -> u64 {
        let quick = match self {
            Scenario::CancelOne => 5_000,
            Scenario::CancelBatch => 10_000,
            Scenario::CancelToCallback => 5_000,
            Scenario::CancelCrossThread => 1_000,
            Scenario::CancelBusy => 5_000,
            Scenario::Callbacks1 => 5_000,
            Scenario::Callbacks16 => 16_000,
            Scenario::CompletionToCallback => 5_000,
            Scenario::SpawnBatch => 10_000,
            Scenario::SpawnOne => 10_000,
            Scenario::Memory => 100_000,
            Scenario::Scaling1k => 20_000,
            Scenario::Scaling100k => 100_000,
            Scenario::Scaling1m => 1_000_000,
        };
        match (mode, self) {
            (Mode::Quick, _)
            | (_, Scenario::Memory | Scenario::Scaling100k | Scenario::Scaling1m) => quick,
            (Mode::Full, _) => quick * 4,
        }
    }

    /// The batch size of the batch and scaling scenarios: the figure is per
    /// task of a batch this big.
    ///
    /// ```
    /// assert_eq!(aiotask_benches::Scenario::Scaling1m.batch(), Some(1_000_000));
    /// ```
    pub fn batch(self) -> Option<usize> {
        match self {
            Scenario::CancelBatch => Some(10_000),
            Scenario::SpawnBatch => Some(1_000),
            Scenario::Scaling1k => Some(1_000),
            Scenario::Scaling100k => Some(100_000),
            Scenario::Scaling1m => Some(1_000_000),
            _ => None,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Which kind of runtime a subject is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// An aiotask backend: the full `asyncio.Task` contract.
    Aiotask,
    /// Plain tokio: `spawn`, `JoinHandle`, `abort`.
    RawTokio,
    /// Plain async-executor: `spawn`, `Task`, `Task::cancel`.
    RawAsyncExecutor,
    /// The CPython asyncio program shipped in `benches/python/` (a report
    /// column, not a [`Subject`]).
    CPython,
}

/// Whether the subject's tasks run on one thread or on a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Threading {
    /// One thread runs every task (the thread inside `run`/`block_on`).
    Single,
    /// Tasks run on a pool of worker threads.
    Multi,
}

/// One measurement that took time: `total` for `ops` operations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Time of the measured part only (setup is excluded).
    pub total: Duration,
    /// Operations measured.
    pub ops: u64,
}

impl Sample {
    /// Nanoseconds per operation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = aiotask_benches::Sample { total: Duration::from_micros(1), ops: 10 };
    /// assert_eq!(s.ns_per_op(), 100.0);
    /// ```
    pub fn ns_per_op(&self) -> f64 {
        self.total.as_nanos() as f64 / self.ops.max(1) as f64
    }

    /// The time `iters` operations take at this sample's rate (criterion's
    /// `iter_custom` wants exactly `iters`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = aiotask_benches::Sample { total: Duration::from_micros(1), ops: 10 };
    /// assert_eq!(s.scaled_to(20), Duration::from_micros(2));
    /// ```
    pub fn scaled_to(&self, iters: u64) -> Duration {
        let ns = self.total.as_nanos() * u128::from(iters) / u128::from(self.ops.max(1));
        Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }
}

/// Heap use per parked task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeapSample {
    /// Live heap bytes per parked task (allocated minus freed).
    pub bytes_per_task: f64,
    /// Live allocations per parked task (allocations minus frees).
    pub allocs_per_task: f64,
    /// Tasks measured.
    pub tasks: u64,
}

/// What one measurement gives.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A timed sample.
    Time(Sample),
    /// A heap measurement.
    Heap(HeapSample),
    /// The subject has no equivalent of this workload; the text says why.
    NotApplicable(&'static str),
}

/// Something the report measures: an aiotask backend in one flavour, or a
/// raw runtime.
///
/// Subjects own their runtime for their whole life, so the round-robin of
/// `compare` measures warm runtimes.
pub trait Subject {
    /// The name shown in tables and charts, e.g. `aiotask native`.
    fn name(&self) -> &str;

    /// Which kind of runtime this is.
    fn family(&self) -> Family;

    /// One thread or a pool.
    fn threading(&self) -> Threading;

    /// Why this subject has no figure for `scenario`, or `None` when it
    /// can run it. [`measure`](Subject::measure) returns
    /// [`Outcome::NotApplicable`] with the same text.
    fn not_applicable(&self, scenario: Scenario) -> Option<&'static str> {
        let _ = scenario;
        None
    }

    /// Runs one sample of `scenario` with `ops` operations (or, for
    /// [`Scenario::Memory`], that many parked tasks).
    fn measure(&self, scenario: Scenario, ops: u64) -> Outcome;
}

impl fmt::Debug for dyn Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("name", &self.name())
            .field("family", &self.family())
            .field("threading", &self.threading())
            .finish()
    }
}

/// The reason printed for raw runtimes in the done-callback scenarios.
pub const NO_DONE_CALLBACKS: &str = "no done callbacks in this runtime";
