//! Stress runs of the task contract on any backend, generic over
//! [`aiotask_api::Runtime`].
//!
//! [`run`] drives a runtime through a large number of tasks in batches
//! (10,000 at a time by default, so memory stays bounded). A seeded
//! generator gives each task a behaviour: return a value at once or after
//! yields or a short sleep, fail with an error, panic, cancel itself (and
//! maybe `uncancel()`), wait for an hour inside or outside `catch_cancel`
//! and then suppress or propagate the cancellation (or panic), or await a
//! child task that the cancellation is forwarded to. Each task gets up to
//! three done callbacks at creation (some panic, one may be removed again),
//! maybe one more once it is done, and three handles out of four are kept:
//! the others are dropped at creation or after the cancels. Two threads
//! cancel: the batch's main task on the loop, and another OS thread that
//! cancels a random part of a shared list of handles, with and without a
//! message, while the batch runs.
//!
//! After each batch every task is checked: it ended in exactly one terminal
//! state, which `done()`, `cancelled()`, `result()`, `exception()`, the
//! repr, the awaited outcome and every done callback report alike; the
//! outcome is one the body and the cancels it got allow; `cancelling()` is
//! the accepted cancels minus the `uncancel()` calls; its future was dropped
//! exactly once; every callback ran exactly once, in order, never
//! synchronously and never with a current task. After the runtime is dropped
//! the exception handler must have received exactly one "exception was never
//! retrieved" report per failed task whose handles were all dropped unread,
//! one "exception in callback" report per panicking callback, and nothing
//! else.
//!
//! [`drop_pending`] drops a runtime with many pending tasks and checks that
//! every future is dropped, every handle ends cancelled, every task is
//! reported destroyed and no done callback runs. [`check_flavour`] runs
//! both, each between two readings of the heap counters (see
//! [`net_heap_bytes`]), after a small warm-up run: with `stats_alloc`'s
//! counting allocator installed, the bytes still allocated once a runtime is
//! dropped must be exactly those allocated before it was built.
//!
//! [`hostile`] is a third scenario: the same kinds of load with user code
//! that panics everywhere it can (destructors of bodies, values, callbacks
//! and panic payloads; `Clone` and `Debug` of values; the exception
//! handler, which also holds the runtime's own handle).
//!
//! Both scenarios end by running a 1 ms sleep on a fresh runtime of the same
//! flavour: on the smol flavours, async-io's process-wide reactor otherwise
//! keeps the last tasks whose sleeps were dropped (and with them the dropped
//! runtime's exception handler) until its next turn; see
//! `tests/stress_smol_timer_retention.rs`.
//!
//! ```
//! use aiotask_reliability::stress::{self, Config};
//!
//! let report = stress::run(aiotask_native::Runtime::new, &Config::new(300).with_seed(7));
//! assert_eq!(report.tasks, 300);
//! assert_eq!(report.completed + report.failed_error + report.failed_panic + report.cancelled, 300);
//! ```

mod batch;
mod check;
pub mod hostile;
mod pending;
mod plan;
mod record;
#[cfg(test)]
mod selftest;

use std::fmt;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use aiotask_api::{Runtime, RuntimeHandle};

use batch::{BatchMain, Foreign, Stress, foreign_canceller};
use record::{BODY_PANIC, CALLBACK_PANIC, Records, ReportTally, Violations};

/// The tasks per flavour when `AIOTASK_STRESS_TASKS` is not set:
/// 1,000,000 in optimized builds, 50,000 in debug builds.
///
/// ```
/// assert!(aiotask_reliability::stress::DEFAULT_TASKS >= 50_000);
/// ```
pub const DEFAULT_TASKS: usize = if cfg!(debug_assertions) {
    50_000
} else {
    1_000_000
};

/// The pending tasks of [`drop_pending`] when `AIOTASK_STRESS_PENDING` is
/// not set.
///
/// ```
/// assert_eq!(aiotask_reliability::stress::DEFAULT_PENDING, 100_000);
/// ```
pub const DEFAULT_PENDING: usize = 100_000;

/// What a stress run does.
///
/// ```
/// use aiotask_reliability::stress::Config;
///
/// let c = Config::new(1_000).with_seed(42).with_batch(100);
/// assert_eq!((c.tasks, c.seed, c.batch), (1_000, 42, 100));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Top-level tasks in all (children of `AwaitChild` bodies come on top).
    pub tasks: usize,
    /// Tasks per batch: the loop side awaits a batch before the next starts.
    pub batch: usize,
    /// The seed of every random choice (printed with any failure).
    pub seed: u64,
    /// Tasks left pending when [`check_flavour`] drops a runtime.
    pub pending: usize,
    /// Whether a second OS thread cancels while the batches run.
    pub foreign_thread: bool,
    /// How long one batch (or the pending tasks' start) may take before the
    /// run reports a hang.
    pub timeout: Duration,
}

impl Config {
    /// `tasks` tasks in batches of 10,000, a random seed (or
    /// `AIOTASK_STRESS_SEED`), [`DEFAULT_PENDING`] pending tasks, the other
    /// thread on, a 60 s timeout per batch.
    ///
    /// ```
    /// let c = aiotask_reliability::stress::Config::new(500);
    /// assert_eq!(c.batch, 500);
    /// assert!(c.foreign_thread);
    /// ```
    pub fn new(tasks: usize) -> Self {
        let seed = env_number("AIOTASK_STRESS_SEED").unwrap_or_else(|| fastrand::u64(..));
        Self {
            tasks,
            batch: tasks.clamp(1, 10_000),
            seed,
            pending: DEFAULT_PENDING,
            foreign_thread: true,
            timeout: Duration::from_secs(60),
        }
    }

    /// [`Config::new`] with `AIOTASK_STRESS_TASKS` tasks (default
    /// [`DEFAULT_TASKS`]) and `AIOTASK_STRESS_PENDING` pending tasks
    /// (default [`DEFAULT_PENDING`]). Underscores are allowed: `1_000_000`.
    ///
    /// ```
    /// let c = aiotask_reliability::stress::Config::from_env();
    /// assert!(c.tasks > 0);
    /// ```
    pub fn from_env() -> Self {
        let tasks = env_number("AIOTASK_STRESS_TASKS").map_or(DEFAULT_TASKS, |n| n as usize);
        let pending = env_number("AIOTASK_STRESS_PENDING").map_or(DEFAULT_PENDING, |n| n as usize);
        Self {
            pending,
            ..Self::new(tasks)
        }
    }

    /// The same with another seed.
    ///
    /// ```
    /// assert_eq!(aiotask_reliability::stress::Config::new(1).with_seed(9).seed, 9);
    /// ```
    #[must_use]
    pub fn with_seed(self, seed: u64) -> Self {
        Self { seed, ..self }
    }

    /// The same with another batch size (at least 1).
    ///
    /// ```
    /// assert_eq!(aiotask_reliability::stress::Config::new(10).with_batch(0).batch, 1);
    /// ```
    #[must_use]
    pub fn with_batch(self, batch: usize) -> Self {
        Self {
            batch: batch.max(1),
            ..self
        }
    }

    /// The same with another count of pending tasks for [`check_flavour`].
    ///
    /// ```
    /// assert_eq!(aiotask_reliability::stress::Config::new(10).with_pending(5).pending, 5);
    /// ```
    #[must_use]
    pub fn with_pending(self, pending: usize) -> Self {
        Self { pending, ..self }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    match text.replace('_', "").trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={text:?} is not a number"),
    }
}

/// The figures of a [`run`]: what the tasks did and what was checked.
///
/// ```
/// let r = aiotask_reliability::stress::Report::default();
/// assert_eq!(r.tasks, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The seed of the run.
    pub seed: u64,
    /// Top-level tasks created and checked.
    pub tasks: u64,
    /// Batches run.
    pub batches: u64,
    /// Child tasks created by bodies (awaited and checked by their parent).
    pub children: u64,
    /// Tasks that ended with their value.
    pub completed: u64,
    /// Tasks whose body returned an error.
    pub failed_error: u64,
    /// Tasks whose body panicked.
    pub failed_panic: u64,
    /// Tasks that ended cancelled.
    pub cancelled: u64,
    /// Cancelled tasks whose body never ran.
    pub cancelled_before_start: u64,
    /// Waiting tasks that ended with their value although cancelled
    /// (they or their child suppressed it).
    pub suppressed: u64,
    /// Handles kept, awaited and checked by the loop side.
    pub kept: u64,
    /// Handles the loop side dropped before the task ended.
    pub handles_dropped: u64,
    /// Of those, tasks detached at creation (no handle left anywhere).
    pub detached_at_creation: u64,
    /// `cancel()` calls by the loop side.
    pub loop_cancels: u64,
    /// `cancel()` calls by the other thread.
    pub foreign_cancels: u64,
    /// Of the loop side's and other thread's calls, those with a message.
    pub cancels_with_message: u64,
    /// Of the loop side's and other thread's calls, those that returned true.
    pub cancels_accepted: u64,
    /// `cancel()` calls (any) that returned false: the task was done.
    pub cancels_refused: u64,
    /// `cancel()` calls of bodies on themselves.
    pub self_cancels: u64,
    /// `uncancel()` calls of bodies on themselves.
    pub uncancels: u64,
    /// Done callbacks added.
    pub callbacks_added: u64,
    /// Done callbacks removed before they could run.
    pub callbacks_removed: u64,
    /// Done callbacks run (each checked to run exactly once).
    pub callbacks_run: u64,
    /// Done callbacks that panicked.
    pub callback_panics: u64,
    /// "Task exception was never retrieved" reports received (= expected).
    pub never_retrieved_reports: u64,
    /// "Exception in callback" reports received (= panicking callbacks).
    pub callback_panic_reports: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tasks (+{} children) in {} batches, seed {}: {} completed, {} failed ({} errors, {} panics), \
             {} cancelled ({} before starting, {} suppressed); cancels: {} loop + {} foreign calls ({} with a \
             message, {} accepted), {} refused, {} self, {} uncancels; handles: {} kept, {} dropped ({} at \
             creation); callbacks: {} added, {} removed, {} run, {} panicked; reports: {} never retrieved, {} \
             callback panics",
            self.tasks,
            self.children,
            self.batches,
            self.seed,
            self.completed,
            self.failed_error + self.failed_panic,
            self.failed_error,
            self.failed_panic,
            self.cancelled,
            self.cancelled_before_start,
            self.suppressed,
            self.loop_cancels,
            self.foreign_cancels,
            self.cancels_with_message,
            self.cancels_accepted,
            self.cancels_refused,
            self.self_cancels,
            self.uncancels,
            self.kept,
            self.handles_dropped,
            self.detached_at_creation,
            self.callbacks_added,
            self.callbacks_removed,
            self.callbacks_run,
            self.callback_panics,
            self.never_retrieved_reports,
            self.callback_panic_reports,
        )
    }
}

/// Runs `config.tasks` tasks on a runtime built by `make`, in batches,
/// checks every one of them (see the [module docs](self)), drops the
/// runtime and checks the exception handler's reports.
///
/// # Panics
///
/// On any violation, with the seed to reproduce it and the first few
/// violations described.
///
/// ```
/// use aiotask_reliability::stress::{self, Config};
///
/// let r = stress::run(aiotask_native::Runtime::new, &Config::new(200).with_seed(1).with_batch(50));
/// assert_eq!((r.tasks, r.batches), (200, 4));
/// assert_eq!(r.callback_panic_reports, r.callback_panics);
/// ```
pub fn run<R: Runtime>(make: impl Fn() -> R, config: &Config) -> Report {
    install_quiet_panic_hook();
    let violations = Arc::new(Violations::default());
    let tally = Arc::new(ReportTally::default());
    let mut report = Report {
        seed: config.seed,
        ..Report::default()
    };
    let mut owed_reports = 0;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    std::thread::scope(|scope| {
        let foreign = Foreign::start(scope, config.foreign_thread, foreign_canceller);
        let rt = make();
        let h = rt.handle();
        h.set_exception_handler(Some(ReportTally::handler(&tally)));
        let mut base = 0;
        while (base as usize) < config.tasks {
            let n = config.batch.min(config.tasks - base as usize);
            let plans = Arc::new(plan::generate(&mut rng, n));
            let recs = Records::new("batch", report.batches, base, n, violations.clone(), ());
            let recs = Arc::new(recs);
            let main = BatchMain::<Stress, _> {
                h: h.clone(),
                plans: plans.clone(),
                recs: recs.clone(),
                foreign: foreign.sender(),
                timeout: config.timeout,
            };
            let kept = main.run_on(&rt);
            if let Some(t) = foreign.answer(config.timeout, &violations) {
                report.foreign_cancels += t.calls;
                report.cancels_with_message += t.with_message;
            }
            violations.assert_none("stress run", config.seed);
            owed_reports +=
                check::batch::<R::Handle>(&plans, &recs, kept.unwrap_or_default(), &mut report);
            report.cancels_with_message += plans
                .iter()
                .filter(|p| p.with_message)
                .map(|p| u64::from(p.loop_round != 0) + u64::from(p.kind.waits()))
                .sum::<u64>();
            violations.assert_none("stress run", config.seed);
            base += n as u64;
        }
        drop(h);
        drop(rt);
        foreign.finish(&violations);
        settle(&make);
    });
    let get = ReportTally::get;
    report.never_retrieved_reports = get(&tally.never_retrieved);
    report.callback_panic_reports = get(&tally.callback_panicked);
    let unexpected =
        get(&tally.destroyed_pending) + get(&tally.other) + get(&tally.foreign_failures);
    if report.never_retrieved_reports != owed_reports
        || report.callback_panic_reports != report.callback_panics
        || unexpected != 0
    {
        violations.note(|| {
            format!(
                "reports after the runtime was dropped: {} never retrieved (expected {owed_reports}), \
                 {} callback panics (expected {}), {unexpected} others",
                report.never_retrieved_reports, report.callback_panic_reports, report.callback_panics
            )
        });
    }
    violations.assert_none("stress run", config.seed);
    report
}

/// Receives from `rx` within `timeout`, polling: a blocking receive would
/// give this thread the channel's parking context, a thread-local made on
/// the first wait that lives as long as the thread, and the heap readings
/// would count it on whichever run first had to wait.
fn wait_for<T>(rx: &mpsc::Receiver<T>, timeout: Duration) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match rx.try_recv() {
            Ok(t) => return Some(t),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if Instant::now() > deadline => return None,
            Err(mpsc::TryRecvError::Empty) => std::thread::sleep(Duration::from_micros(50)),
        }
    }
}

/// The figures of [`drop_pending`].
///
/// ```
/// let r = aiotask_reliability::stress::PendingReport::default();
/// assert_eq!(r.futures_dropped, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingReport {
    /// Tasks pending when the runtime was dropped.
    pub tasks: u64,
    /// Of those, tasks whose body had started before the drop began.
    pub started_before_drop: u64,
    /// Futures dropped (= `tasks`).
    pub futures_dropped: u64,
    /// "Task was destroyed but it is pending!" reports (= `tasks`).
    pub destroyed_reports: u64,
    /// Done callbacks added to the pending tasks.
    pub callbacks_added: u64,
    /// Done callbacks run (= 0: every task ended destroyed).
    pub callbacks_run: u64,
    /// Done callbacks dropped without running (= `callbacks_added` −
    /// `callbacks_run`).
    pub callbacks_dropped_unrun: u64,
    /// How long dropping the runtime took.
    pub drop_time: Duration,
}

/// Builds a runtime with `make`, leaves `config.pending` tasks pending on
/// it, drops it, and checks that every future was dropped, every handle
/// answers as a cancelled task (`done()`, `cancelled()`, `result()`,
/// `exception()`, awaiting, `cancel()`, the repr), every task was reported
/// destroyed and no done callback ran (each was dropped).
///
/// The tasks sleep for an hour, wait on a future that never completes, wait
/// inside `catch_cancel`, await another pending task, cancel themselves and
/// then wait, or yield forever. 40% are created before the runtime runs,
/// 50% by its main task, which waits until all those have started, and
/// 10% after it stopped running.
///
/// # Panics
///
/// On any violation, naming the seed.
///
/// ```
/// use aiotask_reliability::stress::{self, Config};
///
/// let r = stress::drop_pending(aiotask_native::Runtime::new, &Config::new(0).with_pending(500));
/// assert_eq!((r.tasks, r.futures_dropped, r.destroyed_reports), (500, 500, 500));
/// assert_eq!((r.callbacks_run, r.callbacks_dropped_unrun), (0, r.callbacks_added));
/// ```
pub fn drop_pending<R: Runtime>(make: impl Fn() -> R, config: &Config) -> PendingReport {
    install_quiet_panic_hook();
    let report = pending::drop_pending(&make, config);
    settle(&make);
    report
}

/// Runs a 1 ms sleep on a fresh runtime from `make`, then drops it.
///
/// Called after a runtime is dropped, before the heap is read. On the smol
/// flavours a task's sleep is an async-io timer. async-io removes a dropped
/// timer lazily: the removal waits in its process-wide reactor's queue
/// until the reactor's next turn, and until then its timer map keeps the
/// entry and the small waker slot the backend polled it with
/// (`aiotask_smol::DetachedTimer`; the task itself is released at once,
/// which `tests/stress_smol_timer_retention.rs` checks). When the timers
/// were dropped with the runtime, no thread may turn the reactor before
/// their own deadline, an hour away. The fresh runtime's sleep makes the
/// reactor take a turn: its own timer is queued behind those removals, so
/// they are all done when it fires and the heap count is exact. The reports
/// need no settling. On the other flavours, whose timers belong to the
/// runtime, this changes nothing.
pub fn settle<R: Runtime>(make: &impl Fn() -> R) {
    let rt = make();
    let h = rt.handle();
    let nap = rt.run(async move { h.sleep(Duration::from_millis(1)).await });
    assert!(nap.is_ok(), "a 1 ms sleep on a fresh runtime: {nap:?}");
}

/// Both scenarios on one flavour, with heap counts and timings.
///
/// ```
/// let r = aiotask_reliability::stress::FlavourReport::default();
/// assert_eq!(r.stress_leaked_bytes, None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlavourReport {
    /// The flavour's name, e.g. `"tokio multi_thread(4)"`.
    pub flavour: &'static str,
    /// The stress run's figures.
    pub stress: Report,
    /// How long the stress run took (runtime creation and drop included).
    pub stress_time: Duration,
    /// Heap bytes still allocated after the stress run's runtime was
    /// dropped, minus those before it was built; `None` when the counting
    /// allocator is not installed ([`heap_counting_active`]).
    pub stress_leaked_bytes: Option<i64>,
    /// The pending-drop scenario's figures.
    pub pending: PendingReport,
    /// How long the pending-drop scenario took.
    pub pending_time: Duration,
    /// Heap bytes leaked by the pending-drop scenario, as above.
    pub pending_leaked_bytes: Option<i64>,
    /// How long the warm-up (one batch, one small pending drop) took.
    pub warmup_time: Duration,
}

impl FlavourReport {
    /// Asserts what a stress test binary requires of a flavour: every task
    /// of `config` ran in both scenarios, and the counting allocator saw
    /// 0 bytes leaked by either.
    ///
    /// # Panics
    ///
    /// When a count differs, or a leak figure is not `Some(0)` (including
    /// `None`: the counting allocator is not installed).
    ///
    /// ```should_panic
    /// use aiotask_reliability::stress::{self, Config};
    ///
    /// let config = Config::new(100).with_pending(100);
    /// let r = stress::check_flavour("native", aiotask_native::Runtime::new, &config);
    /// r.assert_complete_without_leaks(&config); // panics: no counting allocator here
    /// ```
    pub fn assert_complete_without_leaks(&self, config: &Config) {
        assert_eq!(self.stress.tasks, config.tasks as u64, "{self}");
        assert_eq!(self.pending.tasks, config.pending as u64, "{self}");
        assert_eq!(self.stress_leaked_bytes, Some(0), "{self}");
        assert_eq!(self.pending_leaked_bytes, Some(0), "{self}");
    }
}

impl fmt::Display for FlavourReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leak = |b: Option<i64>| b.map_or("not counted".to_owned(), |b| format!("{b} B leaked"));
        write!(
            f,
            "{}: stress {:.2?} ({}): {}\n{}: pending drop {:.2?} ({}; drop {:.2?}): {} tasks ({} started), \
             {} futures dropped, {} destroyed reports, {} callbacks dropped unrun \
             of {} ({} run); warm-up {:.2?}",
            self.flavour,
            self.stress_time,
            leak(self.stress_leaked_bytes),
            self.stress,
            self.flavour,
            self.pending_time,
            leak(self.pending_leaked_bytes),
            self.pending.drop_time,
            self.pending.tasks,
            self.pending.started_before_drop,
            self.pending.futures_dropped,
            self.pending.destroyed_reports,
            self.pending.callbacks_dropped_unrun,
            self.pending.callbacks_added,
            self.pending.callbacks_run,
            self.warmup_time,
        )
    }
}

/// Runs [`run`] and [`drop_pending`] on fresh runtimes from `make`, each
/// between two readings of [`net_heap_bytes`], after a warm-up (one batch
/// and a small pending drop on other runtimes of the flavour) that creates
/// the process-wide state a first use creates once and keeps (thread-locals,
/// async-io's reactor and its thread, tokio's per-thread context).
///
/// Each reading is taken once the count has not changed for 20 ms, so that
/// threads outside the runtimes (async-io's driver) have finished their
/// turn. The leak figures are only meaningful in a process whose global
/// allocator is `stats_alloc`'s counting one and where nothing else runs
/// meanwhile: one test per test binary.
///
/// # Panics
///
/// As [`run`] and [`drop_pending`].
///
/// ```
/// use aiotask_reliability::stress::{self, Config};
///
/// let r = stress::check_flavour("native", aiotask_native::Runtime::new, &Config::new(100).with_pending(100));
/// assert_eq!((r.stress.tasks, r.pending.tasks), (100, 100));
/// assert_eq!(r.stress_leaked_bytes, None); // no counting allocator in doc tests
/// ```
pub fn check_flavour<R: Runtime>(
    flavour: &'static str,
    make: fn() -> R,
    config: &Config,
) -> FlavourReport {
    install_quiet_panic_hook();
    let counting = heap_counting_active();
    let t0 = Instant::now();
    let warm = Config {
        tasks: config.batch.min(config.tasks),
        ..*config
    };
    run(make, &warm);
    drop_pending(make, &warm.with_pending(config.pending.min(1_000)));
    let warmup_time = t0.elapsed();

    settle(&make);
    let before = quiet_heap_reading();
    let t0 = Instant::now();
    let stress = run(make, config);
    let stress_time = t0.elapsed();
    let after = quiet_heap_reading();
    let stress_leaked_bytes = counting.then_some(after - before);

    let before = after;
    let t0 = Instant::now();
    let pending = drop_pending(make, config);
    let pending_time = t0.elapsed();
    let after = quiet_heap_reading();
    FlavourReport {
        flavour,
        stress,
        stress_time,
        stress_leaked_bytes,
        pending,
        pending_time,
        pending_leaked_bytes: counting.then_some(after - before),
        warmup_time,
    }
}

/// [`net_heap_bytes`] once it has not changed for 20 ms (at most 1 s).
///
/// A thread outside any runtime may still be finishing a turn when a
/// runtime is gone: async-io's driver thread runs its reactor once more when
/// the last `block_on` ends, and that turn frees the node that the last
/// fired timer left in the process-wide timer map (`split_off` leaves an
/// empty root node, which the next turn on an empty map drops). A reading
/// taken before that turn would count a node that is about to be freed.
pub fn quiet_heap_reading() -> i64 {
    let mut last = net_heap_bytes();
    let mut same = 0;
    for _ in 0..1_000 {
        std::thread::sleep(Duration::from_millis(1));
        let now = net_heap_bytes();
        if now == last {
            same += 1;
            if same == 20 {
                break;
            }
        } else {
            (last, same) = (now, 0);
        }
    }
    last
}

/// True when `stats_alloc`'s counting allocator
/// ([`stats_alloc::INSTRUMENTED_SYSTEM`]) is this process's global
/// allocator. Each `tests/stress_*.rs` binary installs it:
///
/// ```text
/// #[global_allocator]
/// static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;
/// ```
///
/// ```
/// // Not installed in doc tests:
/// assert!(!aiotask_reliability::stress::heap_counting_active());
/// ```
pub fn heap_counting_active() -> bool {
    let before = stats_alloc::INSTRUMENTED_SYSTEM.stats().allocations;
    std::hint::black_box(Box::new(std::hint::black_box(7u64)));
    stats_alloc::INSTRUMENTED_SYSTEM.stats().allocations != before
}

/// Bytes allocated and not yet freed in the whole process, by the counting
/// allocator's tally (0 when it is not installed): bytes allocated minus
/// bytes freed, `realloc` included.
///
/// ```
/// let before = aiotask_reliability::stress::net_heap_bytes();
/// let v = vec![0u8; 64];
/// drop(v);
/// assert_eq!(aiotask_reliability::stress::net_heap_bytes(), before);
/// ```
pub fn net_heap_bytes() -> i64 {
    // `stats_alloc` already adds a `realloc`'s growth to `bytes_allocated`
    // (and its shrinkage to `bytes_deallocated`); `bytes_reallocated` is the
    // same change tallied again, so it is left out here.
    let s = stats_alloc::INSTRUMENTED_SYSTEM.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// Installs (once) a panic hook that stays quiet for the panics the stress
/// bodies and callbacks raise on purpose, and passes every other panic to
/// the hook that was installed before.
///
/// ```
/// aiotask_reliability::stress::install_quiet_panic_hook();
/// aiotask_reliability::stress::install_quiet_panic_hook(); // once only
/// ```
pub fn install_quiet_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|m| *m == BODY_PANIC || *m == CALLBACK_PANIC);
            if !ours {
                previous(info);
            }
        }));
    });
}
