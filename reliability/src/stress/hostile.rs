//! The hostile stress scenario (issue 10): the stress run's cancels,
//! awaits and dropped handles, with user code that fails everywhere it can.
//!
//! A seeded generator mixes, per task: bodies whose destructor panics with
//! a payload whose own `Drop` panics (`panic_any(PanicsOnDrop)`), dropped
//! by aiotask when they complete and when a cancellation is delivered
//! uncaught; bodies that panic with such a payload (or a string); values
//! whose `Clone`, `Debug` and `Drop` panic (each one time in five, with such
//! a payload half of those times), on kept handles and on detached tasks
//! alike; done callbacks that panic (one in eight), and whose captures'
//! destructors panic (one in eight); reprs of tasks in every state, from
//! the loop, the other thread, callbacks and the bodies themselves (a
//! panicking `Debug` must reach that caller only, which catches it); the
//! loop side's and another thread's cancels; awaited children with hostile
//! values (the awaiter catches a panicking `Clone` and drops the value
//! itself) and chains of 2 to 8 awaiting tasks. The runtime's exception
//! handler holds a clone of the runtime's own handle (a cycle the runtime
//! must break when it is dropped), panics on one report in 32 (with a
//! `PanicsOnDrop` payload half of those times), and queues a `call_soon`
//! job on one report in 16. A run ends with tasks left pending when the
//! runtime is dropped (destructors and the handler still panicking).
//!
//! What [`run`] checks:
//! * every task ends in exactly one terminal state, which `done()`,
//!   `cancelled()`, `exception()`, `result()` (inside `catch_unwind`: the
//!   `Clone` may panic), the repr (same, for `Debug`), the awaited outcome
//!   and every callback report alike, and which its body and the cancels it
//!   got allow;
//! * every callback ran exactly once (panicking or not), in order; every
//!   child's callback ran once; every body future, top-level or child, was
//!   dropped exactly once; no pending task's callback ran;
//! * the reports: one "exception was never retrieved" per failed task whose
//!   failure nobody read, one "exception in callback" per panicking
//!   callback, one "exception ignored in destructor" per panicking
//!   destructor aiotask ran (a body's, a value's, a callback capture's),
//!   one "destroyed but pending" per task left pending, nothing else, each
//!   with the failure it should carry;
//! * no `Value` and no panic payload is left alive, every job the handler
//!   queued was dropped (run or not), the handler itself is freed once the
//!   runtime is dropped, and `drop(rt)` returns: a watchdog aborts the
//!   process, naming the stage, when a run, a drop or a batch does not end
//!   within the timeout.
//!
//! [`check_flavour`] runs it between two heap readings, as
//! [`stress::check_flavour`](super::check_flavour) does: 0 bytes may be left.
//!
//! ```
//! use aiotask_reliability::stress::{Config, hostile};
//!
//! let config = Config::new(300).with_seed(11).with_pending(50);
//! let r = hostile::check_flavour("native", aiotask_native::Runtime::new, &config).report;
//! assert_eq!(r.tasks, 300);
//! assert_eq!(r.completed + r.failed + r.cancelled, 300);
//! assert_eq!((r.values_live, r.unwinding_drops), (0, 0));
//! assert_eq!(r.destroyed_pending_reports, r.pending_tasks);
//! ```

mod batch;
mod check;
mod pending;
mod plan;
mod record;
mod values;

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use aiotask_api::{ExceptionContext, ExceptionHandler, ReportKind, Runtime, RuntimeHandle};

use super::batch::{BatchMain, Foreign};
use super::record::Violations;
use super::{Config, env_number, heap_counting_active, quiet_heap_reading, settle};
use batch::{Hostile, foreign_thread};
use record::Records;
use values::{
    BOMB_PANIC, CALLBACK_PANIC, DROP_PANIC, DropCount, GUARD_PANIC, HANDLER_PANIC, PanicsOnDrop,
    Tally,
};

/// Hostile tasks per flavour when `AIOTASK_HOSTILE_TASKS` is not set:
/// 100,000 in optimized builds, 10,000 in debug builds.
///
/// ```
/// assert!(aiotask_reliability::stress::hostile::DEFAULT_TASKS >= 10_000);
/// ```
pub const DEFAULT_TASKS: usize = if cfg!(debug_assertions) {
    10_000
} else {
    100_000
};

/// Tasks left pending when a hostile run drops its runtime, when
/// `AIOTASK_HOSTILE_PENDING` is not set.
///
/// ```
/// assert_eq!(aiotask_reliability::stress::hostile::DEFAULT_PENDING, 2_000);
/// ```
pub const DEFAULT_PENDING: usize = 2_000;

/// [`Config::new`] with `AIOTASK_HOSTILE_TASKS` tasks (default
/// [`DEFAULT_TASKS`]) and `AIOTASK_HOSTILE_PENDING` tasks left pending
/// (default [`DEFAULT_PENDING`]); `AIOTASK_STRESS_SEED` sets the seed.
///
/// ```
/// let c = aiotask_reliability::stress::hostile::config_from_env();
/// assert!(c.tasks > 0);
/// ```
pub fn config_from_env() -> Config {
    let tasks = env_number("AIOTASK_HOSTILE_TASKS").map_or(DEFAULT_TASKS, |n| n as usize);
    let pending = env_number("AIOTASK_HOSTILE_PENDING").map_or(DEFAULT_PENDING, |n| n as usize);
    Config::new(tasks).with_pending(pending)
}

/// Exception-handler calls that panicked in this process so far, in every
/// hostile run (warm-ups included): each must have made aiotask write one
/// `Unhandled error in exception handler` report to standard error.
///
/// ```
/// assert_eq!(aiotask_reliability::stress::hostile::handler_panics_in_process(), 0);
/// ```
pub fn handler_panics_in_process() -> u64 {
    HANDLER_PANICS.load(Ordering::SeqCst)
}

static HANDLER_PANICS: AtomicU64 = AtomicU64::new(0);

/// The figures of a hostile [`run`].
///
/// ```
/// let r = aiotask_reliability::stress::hostile::HostileReport::default();
/// assert_eq!(r.tasks, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostileReport {
    /// The seed of the run.
    pub seed: u64,
    /// Top-level tasks created and checked.
    pub tasks: u64,
    /// Batches run.
    pub batches: u64,
    /// Child tasks: awaited children and chain links.
    pub children: u64,
    /// Handles kept, awaited and checked by the loop side.
    pub kept: u64,
    /// Tasks whose handle was dropped at creation (observed by callbacks only).
    pub detached_at_creation: u64,
    /// Top-level tasks that ended with their value.
    pub completed: u64,
    /// Top-level tasks that failed (a panic).
    pub failed: u64,
    /// Top-level tasks that ended cancelled.
    pub cancelled: u64,
    /// Of those, tasks whose body never ran.
    pub cancelled_before_start: u64,
    /// `cancel()` calls of the loop side.
    pub loop_cancels: u64,
    /// `cancel()` calls of the other thread.
    pub foreign_cancels: u64,
    /// Cancels (loop side and other thread) that returned true.
    pub cancels_accepted: u64,
    /// Cancels (anyone's) that returned false: the task was done.
    pub cancels_refused: u64,
    /// Reprs the other thread formatted.
    pub foreign_reprs: u64,
    /// Done tasks the other thread observed.
    pub foreign_observations: u64,
    /// Tasks left pending when the runtime was dropped (blockers included).
    pub pending_tasks: u64,
    /// Done callbacks of those tasks (none may run).
    pub pending_callbacks: u64,
    /// Body destructors that panicked (top-level, children, pending).
    pub body_destructor_panics: u64,
    /// Destructors of ours that ran while their thread was unwinding and
    /// so did not panic (a panic there would abort, whoever is at fault).
    pub unwinding_drops: u64,
    /// Bodies that panicked on purpose.
    pub body_panics: u64,
    /// Value `Clone`s that panicked.
    pub clone_panics: u64,
    /// Value `Debug`s that panicked.
    pub debug_panics: u64,
    /// Value `Drop`s that panicked inside aiotask (each owes a report).
    pub value_drop_panics_in_aiotask: u64,
    /// Value `Drop`s that panicked in this crate's code (a parent dropping its child's value, a clone it read).
    pub value_drop_panics_in_user_code: u64,
    /// `PanicsOnDrop` payloads made.
    pub panicking_payloads: u64,
    /// `PanicsOnDrop` payloads dropped (each drop panics again).
    pub panicking_payloads_dropped: u64,
    /// Callback captures whose destructor panicked.
    pub callback_destructor_panics: u64,
    /// Done callbacks that panicked.
    pub callback_panics: u64,
    /// Exception-handler calls.
    pub handler_calls: u64,
    /// Exception-handler calls that panicked.
    pub handler_panics: u64,
    /// `call_soon` jobs the handler queued.
    pub handler_jobs: u64,
    /// Of those, jobs that ran.
    pub handler_jobs_run: u64,
    /// Jobs dropped, run or not (= queued).
    pub handler_jobs_dropped: u64,
    /// Reprs formatted by this scenario.
    pub reprs: u64,
    /// Reprs whose value's `Debug` panicked (caught by the caller).
    pub repr_panics: u64,
    /// `result()` calls and awaits whose value's `Clone` panicked (caught).
    pub result_panics: u64,
    /// Panics of this scenario the panic hook saw: every one raised.
    pub panics_raised: u64,
    /// Values made (by bodies and by `Clone`).
    pub values_made: u64,
    /// Values still alive at the end (= 0).
    pub values_live: i64,
    /// "Task exception was never retrieved" reports.
    pub never_retrieved_reports: u64,
    /// "Exception in callback" reports.
    pub callback_panicked_reports: u64,
    /// "Exception ignored in destructor" reports.
    pub drop_panicked_reports: u64,
    /// "Task was destroyed but it is pending!" reports.
    pub destroyed_pending_reports: u64,
    /// Reports of any other kind (= 0).
    pub other_reports: u64,
    /// Reports whose content was wrong: a failure not ours, no task repr (= 0).
    pub bad_reports: u64,
    /// "Never retrieved" reports owed by the tasks.
    pub never_retrieved_expected: u64,
    /// Whether the handler (and the runtime handle it holds) was freed by `drop(rt)`.
    pub handler_freed: bool,
    /// How long the runtime's drop took (with the pending tasks).
    pub drop_time: Duration,
}

impl fmt::Display for HostileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tasks (+{} children) in {} batches, seed {}: {} completed, {} failed, {} cancelled ({} before \
             starting); cancels: {} loop + {} foreign calls, {} accepted, {} refused; {} kept, {} detached at \
             creation; {} left pending at the drop ({} callbacks, none run), drop {:.2?}\n  \
             panics: {} raised in all; {} body destructors, {} bodies, {} value clones, {} value debugs, {} value \
             drops in aiotask + {} in user code, {} callbacks, {} callback destructors, {} of {} handler \
             calls; {} panicking payloads made, {} dropped; {} destructors run while unwinding (not panicking)\n  \
             reprs: {} formatted ({} by the other thread), {} panicked in the caller; {} result()/await \
             clones panicked; handler jobs: {} queued, {} run, {} dropped; values: {} made, {} alive\n  \
             reports: {} never retrieved (expected {}), {} callback panicked, {} drop panicked, {} destroyed \
             pending, {} other, {} with a wrong content; handler freed by drop(rt): {}",
            self.tasks,
            self.children,
            self.batches,
            self.seed,
            self.completed,
            self.failed,
            self.cancelled,
            self.cancelled_before_start,
            self.loop_cancels,
            self.foreign_cancels,
            self.cancels_accepted,
            self.cancels_refused,
            self.kept,
            self.detached_at_creation,
            self.pending_tasks,
            self.pending_callbacks,
            self.drop_time,
            self.panics_raised,
            self.body_destructor_panics,
            self.body_panics,
            self.clone_panics,
            self.debug_panics,
            self.value_drop_panics_in_aiotask,
            self.value_drop_panics_in_user_code,
            self.callback_panics,
            self.callback_destructor_panics,
            self.handler_panics,
            self.handler_calls,
            self.panicking_payloads,
            self.panicking_payloads_dropped,
            self.unwinding_drops,
            self.reprs,
            self.foreign_reprs,
            self.repr_panics,
            self.result_panics,
            self.handler_jobs,
            self.handler_jobs_run,
            self.handler_jobs_dropped,
            self.values_made,
            self.values_live,
            self.never_retrieved_reports,
            self.never_retrieved_expected,
            self.callback_panicked_reports,
            self.drop_panicked_reports,
            self.destroyed_pending_reports,
            self.other_reports,
            self.bad_reports,
            self.handler_freed,
        )
    }
}

/// What the run keeps of its exception handler, to see it freed.
type WeakHandler = Weak<dyn Fn(&ExceptionContext) + Send + Sync>;

/// The handler's tally of reports, by kind.
#[derive(Debug, Default)]
struct ReportCounts {
    never_retrieved: AtomicU64,
    callback_panicked: AtomicU64,
    drop_panicked: AtomicU64,
    destroyed_pending: AtomicU64,
    other: AtomicU64,
    bad: AtomicU64,
}

impl ReportCounts {
    fn count(&self, ctx: &ExceptionContext) {
        let panic_with = |allowed: &[&str]| {
            ctx.failure().is_some_and(|f| {
                f.is_panic() && f.panic_message().is_none_or(|m| allowed.contains(&m))
            })
        };
        let (counter, fine) = match ctx.kind() {
            ReportKind::NeverRetrieved => (&self.never_retrieved, {
                ctx.failure().is_some_and(check::failure_is_ours)
            }),
            ReportKind::CallbackPanicked => {
                (&self.callback_panicked, panic_with(&[CALLBACK_PANIC]))
            }
            // The failure of a destructor's panic carries its message, ""
            // for a `PanicsOnDrop` payload.
            ReportKind::DropPanicked => (
                &self.drop_panicked,
                ctx.failure().is_some_and(|f| {
                    f.panic_message()
                        .is_some_and(|m| ["", BOMB_PANIC, DROP_PANIC, GUARD_PANIC].contains(&m))
                }),
            ),
            ReportKind::DestroyedPending => (&self.destroyed_pending, ctx.failure().is_none()),
            _ => (&self.other, false),
        };
        counter.fetch_add(1, Ordering::SeqCst);
        if !fine || ctx.task().is_none() {
            self.bad.fetch_add(1, Ordering::SeqCst);
        }
    }
}

thread_local! {
    /// Set while the handler runs on this thread (a report made from
    /// inside it queues no job).
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
}

/// The hostile exception handler: counts the report, uses the runtime
/// handle it holds, queues a job on one report in 16, panics on one in 32.
fn hostile_handler<H: RuntimeHandle>(
    h: H,
    tally: Arc<Tally>,
    reports: Arc<ReportCounts>,
    seed: u64,
) -> ExceptionHandler {
    Arc::new(move |ctx: &ExceptionContext| {
        reports.count(ctx);
        let _ = h.time();
        let n = Tally::bump(&tally.handler_calls);
        let mix = (n ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        if mix % 16 == 3 && !IN_HANDLER.with(|f| f.replace(true)) {
            Tally::bump(&tally.handler_jobs);
            let guard = DropCount(tally.clone(), |t| &t.handler_jobs_dropped);
            let run = tally.clone();
            h.call_soon(move || {
                let _guard = &guard;
                Tally::bump(&run.handler_jobs_run);
            });
            IN_HANDLER.with(|f| f.set(false));
        }
        if mix.is_multiple_of(32) {
            Tally::bump(&tally.handler_panics);
            HANDLER_PANICS.fetch_add(1, Ordering::SeqCst);
            PanicsOnDrop::raise(&tally, mix & 0x100 != 0, HANDLER_PANIC);
        }
    })
}

/// A watchdog: aborts the process (naming the stage) when a stage does not
/// end within its limit. One thread for the whole process, started by the
/// first stage (a warm-up, before any heap reading).
struct Watch;

static WATCHED: Mutex<Option<(&'static str, Instant, Duration)>> = Mutex::new(None);

impl Watch {
    fn start(stage: &'static str, limit: Duration) -> Self {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::thread::Builder::new()
                .name("aiotask-hostile-watchdog".into())
                .spawn(|| {
                    loop {
                        std::thread::sleep(Duration::from_millis(100));
                        let watched = *WATCHED.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some((stage, since, limit)) = watched
                            && since.elapsed() > limit
                        {
                            println!(
                                "aiotask-hostile: HANG: {stage} has not returned after {limit:?}; aborting"
                            );
                            eprintln!(
                                "aiotask-hostile: HANG: {stage} has not returned after {limit:?}; aborting"
                            );
                            std::process::abort();
                        }
                    }
                })
                .expect("the watchdog thread starts");
        });
        *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = Some((stage, Instant::now(), limit));
        Self
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Runs `config.tasks` hostile tasks on a runtime built by `make`, in
/// batches, then leaves `config.pending` tasks pending and drops the
/// runtime; checks everything listed in the [module docs](self).
///
/// # Panics
///
/// On any violation, with the seed and the first few described.
///
/// ```no_run
/// use aiotask_reliability::stress::{Config, hostile};
///
/// let r = hostile::run(aiotask_native::Runtime::new, &Config::new(200).with_seed(3).with_pending(20));
/// assert_eq!(r.callback_panicked_reports, r.callback_panics);
/// assert_eq!(r.destroyed_pending_reports, r.pending_tasks);
/// ```
pub fn run<R: Runtime>(make: impl Fn() -> R, config: &Config) -> HostileReport {
    let (report, failure) = run_checked(&make, config);
    if let Some(failure) = failure {
        panic!("{failure}\n{report}");
    }
    report
}

/// [`run`], returning the figures and the failure (if any) rather than
/// panicking.
pub(super) fn run_checked<R: Runtime>(
    make: &impl Fn() -> R,
    config: &Config,
) -> (HostileReport, Option<String>) {
    values::install_hook();
    let panics_before = values::panics_seen();
    let violations = Arc::new(Violations::default());
    let tally = Arc::new(Tally::default());
    let reports = Arc::new(ReportCounts::default());
    let mut report = HostileReport {
        seed: config.seed,
        ..HostileReport::default()
    };
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let pending_counters = Arc::new(pending::Counters::default());
    let mut handler_weak: Option<WeakHandler> = None;
    std::thread::scope(|scope| {
        let foreign = Foreign::start(scope, config.foreign_thread, foreign_thread);
        let rt = make();
        let h = rt.handle();
        let handler = hostile_handler(h.clone(), tally.clone(), reports.clone(), config.seed);
        handler_weak = Some(Arc::downgrade(&handler));
        h.set_exception_handler(Some(handler));
        let mut base = 0;
        while (base as usize) < config.tasks {
            let n = config.batch.min(config.tasks - base as usize);
            let plans = Arc::new(plan::generate(&mut rng, n));
            let recs = Arc::new(Records::new(
                "hostile batch",
                report.batches,
                base,
                n,
                violations.clone(),
                tally.clone(),
            ));
            let main = BatchMain::<Hostile, _> {
                h: h.clone(),
                plans: plans.clone(),
                recs: recs.clone(),
                foreign: foreign.sender(),
                timeout: config.timeout,
            };
            let kept = {
                let _watch = Watch::start("a hostile batch's run()", config.timeout * 2);
                main.run_on(&rt)
            };
            if let Some(t) = foreign.answer(config.timeout, &violations) {
                report.foreign_cancels += t.cancels;
                report.foreign_reprs += t.reprs;
                report.foreign_observations += t.observed;
            }
            match kept {
                Some(kept) => {
                    report.never_retrieved_expected +=
                        check::batch::<R::Handle>(&plans, &recs, kept, &mut report);
                }
                None => {
                    violations.note(|| format!("hostile batch {}: not checked", report.batches))
                }
            }
            base += n as u64;
        }
        let pending = pending::leave_pending(
            &rt,
            config.pending,
            config.seed ^ 0x7E57,
            &tally,
            &pending_counters,
            config.timeout,
            &violations,
        );
        drop(h);
        let t0 = Instant::now();
        {
            let _watch = Watch::start("drop(rt) of a hostile run", config.timeout);
            drop(rt);
        }
        report.drop_time = t0.elapsed();
        report.handler_freed = handler_weak.as_ref().is_some_and(|w| w.strong_count() == 0);
        report.pending_tasks = pending.len() as u64;
        pending::check_after_drop(&pending, &pending_counters, &tally, &violations);
        drop(pending);
        foreign.finish(&violations);
    });
    {
        let _watch = Watch::start("settling after a hostile run", config.timeout);
        settle(make);
    }
    let get = Tally::get;
    report.pending_callbacks = pending_counters.callbacks_added.load(Ordering::SeqCst);
    report.body_destructor_panics = get(&tally.bomb_drops);
    report.body_panics = get(&tally.body_panics);
    report.unwinding_drops = get(&tally.unwinding_drops);
    report.clone_panics = get(&tally.clone_panics);
    report.debug_panics = get(&tally.debug_panics);
    report.value_drop_panics_in_aiotask = get(&tally.lib_value_drop_panics);
    report.value_drop_panics_in_user_code = get(&tally.user_value_drop_panics);
    report.panicking_payloads = get(&tally.payloads_made);
    report.panicking_payloads_dropped = get(&tally.payloads_dropped);
    report.callback_destructor_panics = get(&tally.guard_drops);
    report.callback_panics = get(&tally.callback_panics);
    report.handler_calls = get(&tally.handler_calls);
    report.handler_panics = get(&tally.handler_panics);
    report.handler_jobs = get(&tally.handler_jobs);
    report.handler_jobs_run = get(&tally.handler_jobs_run);
    report.handler_jobs_dropped = get(&tally.handler_jobs_dropped);
    report.reprs = get(&tally.reprs);
    report.repr_panics = get(&tally.repr_panics);
    report.result_panics = get(&tally.result_panics);
    report.values_made = get(&tally.values_made);
    report.values_live = tally.values_live.load(Ordering::SeqCst);
    report.panics_raised = values::panics_seen() - panics_before;
    report.never_retrieved_reports = get(&reports.never_retrieved);
    report.callback_panicked_reports = get(&reports.callback_panicked);
    report.drop_panicked_reports = get(&reports.drop_panicked);
    report.destroyed_pending_reports = get(&reports.destroyed_pending);
    report.other_reports = get(&reports.other);
    report.bad_reports = get(&reports.bad);

    let r = &report;
    let expect = |ok: bool, describe: &dyn Fn() -> String| {
        if !ok {
            violations.note(describe);
        }
    };
    expect(r.handler_freed, &|| {
        "the exception handler (holding the runtime's own handle) is still alive after drop(rt): \
         the cycle runtime -> handler -> handle -> runtime was not broken"
            .into()
    });
    expect(r.values_live == 0, &|| {
        format!("{} task values still alive after the run", r.values_live)
    });
    expect(
        r.panicking_payloads_dropped == r.panicking_payloads,
        &|| {
            format!(
                "{} of {} PanicsOnDrop payloads dropped",
                r.panicking_payloads_dropped, r.panicking_payloads
            )
        },
    );
    expect(r.handler_jobs_dropped == r.handler_jobs, &|| {
        format!(
            "{} of {} jobs queued by the handler dropped ({} run)",
            r.handler_jobs_dropped, r.handler_jobs, r.handler_jobs_run
        )
    });
    expect(r.unwinding_drops == 0, &|| {
        format!(
            "{} hostile destructors ran while their thread was unwinding (a panic there aborts)",
            r.unwinding_drops
        )
    });
    expect(get(&tally.guard_drops_by_user) == 0, &|| {
        "a callback capture was last dropped by this crate's code".into()
    });
    expect(
        r.never_retrieved_reports == r.never_retrieved_expected,
        &|| {
            format!(
                "{} \"never retrieved\" reports, expected {}",
                r.never_retrieved_reports, r.never_retrieved_expected
            )
        },
    );
    expect(r.callback_panicked_reports == r.callback_panics, &|| {
        format!(
            "{} \"exception in callback\" reports for {} panicking callbacks",
            r.callback_panicked_reports, r.callback_panics
        )
    });
    let destructors =
        r.body_destructor_panics + r.value_drop_panics_in_aiotask + r.callback_destructor_panics;
    expect(r.drop_panicked_reports == destructors, &|| {
        format!(
            "{} \"exception ignored in destructor\" reports for {destructors} panicking destructors run by \
             aiotask ({} bodies, {} values, {} callback captures)",
            r.drop_panicked_reports,
            r.body_destructor_panics,
            r.value_drop_panics_in_aiotask,
            r.callback_destructor_panics
        )
    });
    expect(r.destroyed_pending_reports == r.pending_tasks, &|| {
        format!(
            "{} \"destroyed but pending\" reports for {} pending tasks",
            r.destroyed_pending_reports, r.pending_tasks
        )
    });
    expect(r.other_reports == 0 && r.bad_reports == 0, &|| {
        format!(
            "{} reports of another kind, {} with a wrong content",
            r.other_reports, r.bad_reports
        )
    });
    let failure = violations.summary("hostile stress run", config.seed);
    (report, failure)
}

/// A hostile run on one flavour, with its heap count and timings.
///
/// ```
/// let r = aiotask_reliability::stress::hostile::HostileFlavourReport::default();
/// assert_eq!(r.leaked_bytes, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostileFlavourReport {
    /// The flavour's name, e.g. `"smol multi_thread(4)"`.
    pub flavour: &'static str,
    /// The run's figures.
    pub report: HostileReport,
    /// What the run found wrong, if anything.
    pub failure: Option<String>,
    /// How long the run took (runtime creation and drop included).
    pub time: Duration,
    /// Heap bytes left once the runtime was dropped, minus those before it
    /// was built; `None` without the counting allocator.
    pub leaked_bytes: Option<i64>,
    /// How long the warm-up run took.
    pub warmup_time: Duration,
}

impl HostileFlavourReport {
    /// Asserts that the run found nothing wrong, ran every task of
    /// `config`, and that the counting allocator saw 0 bytes leaked.
    ///
    /// # Panics
    ///
    /// When it did not, with what went wrong.
    ///
    /// ```should_panic
    /// use aiotask_reliability::stress::{Config, hostile};
    ///
    /// let config = Config::new(100).with_pending(10);
    /// let r = hostile::check_flavour("native", aiotask_native::Runtime::new, &config);
    /// r.assert_complete_without_leaks(&config); // panics: no counting allocator here
    /// ```
    pub fn assert_complete_without_leaks(&self, config: &Config) {
        if let Some(failure) = &self.failure {
            panic!("{}: {failure}\n{self}", self.flavour);
        }
        assert_eq!(self.report.tasks, config.tasks as u64, "{self}");
        assert!(self.report.pending_tasks >= config.pending as u64, "{self}");
        assert_eq!(self.leaked_bytes, Some(0), "{self}");
    }
}

impl fmt::Display for HostileFlavourReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leak = self
            .leaked_bytes
            .map_or("not counted".to_owned(), |b| format!("{b} B leaked"));
        write!(
            f,
            "{}: hostile {:.2?} ({leak}; warm-up {:.2?}){}: {}",
            self.flavour,
            self.time,
            self.warmup_time,
            if self.failure.is_some() {
                ", FAILED"
            } else {
                ""
            },
            self.report
        )
    }
}

/// A warm-up run (one batch, a few pending tasks), then [`run`] between
/// two heap readings (as [`stress::check_flavour`](super::check_flavour)
/// takes them). A violation does not panic here: it is kept in the
/// report, next to the leak figure, for
/// [`HostileFlavourReport::assert_complete_without_leaks`].
///
/// ```
/// use aiotask_reliability::stress::{Config, hostile};
///
/// let r = hostile::check_flavour("native", aiotask_native::Runtime::new, &Config::new(100).with_pending(10));
/// assert_eq!((r.report.tasks, r.report.values_live), (100, 0));
/// assert_eq!(r.leaked_bytes, None); // no counting allocator in doc tests
/// ```
pub fn check_flavour<R: Runtime>(
    flavour: &'static str,
    make: fn() -> R,
    config: &Config,
) -> HostileFlavourReport {
    let counting = heap_counting_active();
    let t0 = Instant::now();
    let warm = Config {
        tasks: config.batch.min(config.tasks).min(2_000),
        pending: config.pending.min(100),
        ..*config
    };
    let (_, warm_failure) = run_checked(&make, &warm);
    let warmup_time = t0.elapsed();
    settle(&make);
    let before = quiet_heap_reading();
    let t0 = Instant::now();
    let (report, failure) = run_checked(&make, config);
    let time = t0.elapsed();
    // The description of a failure is the one thing the run leaves
    // allocated on purpose (the warm-up's is in both readings).
    let described = failure.as_ref().map_or(0, |f| f.capacity() as i64);
    let after = quiet_heap_reading() - described;
    let failure = match (warm_failure, failure) {
        (None, f) => f,
        (Some(w), None) => Some(format!("(warm-up) {w}")),
        (Some(w), Some(f)) => Some(format!("{f}\n(warm-up) {w}")),
    };
    HostileFlavourReport {
        flavour,
        report,
        failure,
        time,
        leaked_bytes: counting.then_some(after - before),
        warmup_time,
    }
}
