//! The second scenario: a runtime dropped with many pending tasks. Every
//! future must be dropped, every handle must end cancelled (and answer as a
//! cancelled task everywhere), every task must be reported destroyed, and
//! no done callback may run: they are dropped unrun.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aiotask_api::{Runtime, RuntimeHandle, Task, TaskError};
use aiotask_core::CatchCancelExt;

use super::batch::{LONG, TaskOf};
use super::record::{ReportTally, Violations};
use super::{Config, PendingReport};

/// Counters shared by the bodies and callbacks.
#[derive(Debug, Default)]
struct Counters {
    started: AtomicU64,
    futures_dropped: AtomicU64,
    callbacks_run: AtomicU64,
    /// Callbacks that ran for a task that ended cancelled: a violation.
    callbacks_run_cancelled: AtomicU64,
    callbacks_dropped: AtomicU64,
    /// Bodies that went past a wait that only a cancellation ends: a violation.
    resumed: AtomicU64,
    /// Bodies that went past their await of a blocker task (which the drop
    /// ended cancelled): a violation, as no step runs once the drop began.
    resumed_awaiters: AtomicU64,
}

/// Counts a drop into one of the counters.
struct DropCount(Arc<Counters>, fn(&Counters) -> &AtomicU64);

impl Drop for DropCount {
    fn drop(&mut self) {
        (self.1)(&self.0).fetch_add(1, Ordering::SeqCst);
    }
}

/// What a pending body waits on.
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// `sleep(an hour)`.
    Sleep,
    /// `std::future::pending()`.
    Forever,
    /// `sleep(an hour)` inside `catch_cancel`.
    CatchSleep,
    /// Another pending task (a blocker).
    Blocker,
    /// Cancels itself, catches the delivery, then waits forever (the
    /// task is "cancelling" when the runtime goes).
    CaughtThenForever,
    /// Yields forever: always ready.
    YieldForever,
}

fn pick(rng: &mut fastrand::Rng) -> Wait {
    match rng.u8(0..100) {
        0..30 => Wait::Sleep,
        30..50 => Wait::Forever,
        50..65 => Wait::CatchSleep,
        65..85 => Wait::Blocker,
        85..98 => Wait::CaughtThenForever,
        _ => Wait::YieldForever,
    }
}

/// Creates one pending task with 0..=2 done callbacks.
fn create<H: RuntimeHandle>(
    h: &H,
    counters: &Arc<Counters>,
    blocker: &TaskOf<H>,
    rng: &mut fastrand::Rng,
    added: &AtomicU64,
) -> TaskOf<H> {
    let guard = DropCount(counters.clone(), |c| &c.futures_dropped);
    let (h2, c, blocker) = (h.clone(), counters.clone(), blocker.clone());
    let wait = pick(rng);
    let t = h.spawn(None, async move {
        let _guard = guard;
        c.started.fetch_add(1, Ordering::SeqCst);
        match wait {
            Wait::Sleep => h2.sleep(LONG).await,
            Wait::Forever => std::future::pending::<()>().await,
            Wait::CatchSleep => {
                let _ = h2.sleep(LONG).catch_cancel().await;
            }
            Wait::Blocker => {
                let _ = blocker.await;
                c.resumed_awaiters.fetch_add(1, Ordering::SeqCst);
                return Ok(0);
            }
            Wait::CaughtThenForever => {
                if let Some(me) = h2.current_task() {
                    me.cancel();
                }
                let _ = h2.sleep(LONG).catch_cancel().await;
                std::future::pending::<()>().await;
            }
            Wait::YieldForever => loop {
                h2.yield_now().await;
            },
        }
        c.resumed.fetch_add(1, Ordering::SeqCst);
        Ok(0u64)
    });
    for _ in 0..rng.u8(0..=2) {
        let (c, guard) = (
            counters.clone(),
            Arc::new(DropCount(counters.clone(), |c| &c.callbacks_dropped)),
        );
        t.add_done_callback(move |t: &TaskOf<H>| {
            let _keep = &guard;
            c.callbacks_run.fetch_add(1, Ordering::SeqCst);
            if t.cancelled() {
                c.callbacks_run_cancelled.fetch_add(1, Ordering::SeqCst);
            }
        });
        added.fetch_add(1, Ordering::SeqCst);
    }
    t
}

/// Waits on the loop until `started` reaches `expected`; false when that
/// takes longer than `timeout` (both scenarios' pending tasks).
pub(crate) async fn all_started<H: RuntimeHandle>(
    h: &H,
    started: &AtomicU64,
    expected: u64,
    timeout: Duration,
) -> bool {
    let deadline = Instant::now() + timeout;
    while started.load(Ordering::SeqCst) < expected {
        if Instant::now() > deadline {
            return false;
        }
        h.sleep(Duration::from_micros(200)).await;
    }
    true
}

/// Polls `t`'s await once with a waker that does nothing.
fn poll_once<T: Task<Value: Clone>>(t: &T) -> Poll<Result<T::Value, TaskError>> {
    let mut join = t.join();
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(&mut join).poll(&mut cx)
}

/// Builds a runtime with `make`, leaves `config.pending` tasks pending on
/// it (40% created from outside before it runs, 50% from its main task,
/// which waits until all those have started, 10% after it stopped running),
/// drops it and checks every task. Panics on any violation, naming the seed.
pub(crate) fn drop_pending<R: Runtime>(make: &impl Fn() -> R, config: &Config) -> PendingReport {
    let (count, seed, timeout) = (config.pending, config.seed ^ 2, config.timeout);
    let violations = Violations::default();
    let counters = Arc::new(Counters::default());
    let tally = Arc::new(ReportTally::default());
    let added = Arc::new(AtomicU64::new(0));
    let mut rng = fastrand::Rng::with_seed(seed);
    let rt = make();
    let h = rt.handle();
    h.set_exception_handler(Some(ReportTally::handler(&tally)));
    let blockers = (count / 1000).max(1);
    let (before, inside) = (count * 4 / 10, count / 2);
    let mut tasks: Vec<TaskOf<R::Handle>> = Vec::with_capacity(count);
    for _ in 0..blockers {
        let c = counters.clone();
        let guard = DropCount(counters.clone(), |c| &c.futures_dropped);
        tasks.push(h.spawn(None, async move {
            let _guard = guard;
            c.started.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await;
            c.resumed.fetch_add(1, Ordering::SeqCst);
            Ok(0u64)
        }));
    }
    let blocker_list = tasks.clone();
    let blocker = |i: usize| blocker_list[i % blockers].clone();
    let made: Vec<_> = (blockers..before.max(blockers))
        .map(|i| create(&h, &counters, &blocker(i), &mut rng, &added))
        .collect();
    tasks.extend(made);
    let out = Arc::new(Mutex::new(Vec::new()));
    let main = {
        let (h, counters, out, added) = (h.clone(), counters.clone(), out.clone(), added.clone());
        let blockers = blocker_list.clone();
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5A5A);
        let expected = tasks.len() + inside;
        async move {
            let mut mine = Vec::with_capacity(inside);
            for i in 0..inside {
                let blocker = &blockers[i % blockers.len()];
                mine.push(create(&h, &counters, blocker, &mut rng, &added));
            }
            *out.lock().unwrap_or_else(|e| e.into_inner()) = mine;
            all_started(&h, &counters.started, expected as u64, timeout).await
        }
    };
    match rt.run(main) {
        Ok(true) => {}
        other => {
            violations.note(|| format!("the tasks did not all start within {timeout:?}: {other:?}"))
        }
    }
    tasks.append(&mut out.lock().unwrap_or_else(|e| e.into_inner()));
    let started_before_drop = counters.started.load(Ordering::SeqCst);
    let late: Vec<_> = (tasks.len()..count)
        .map(|i| create(&h, &counters, &blocker(i), &mut rng, &added))
        .collect();
    tasks.extend(late);
    drop((h, blocker_list));
    let t0 = Instant::now();
    drop(rt);
    let drop_time = t0.elapsed();

    let total = tasks.len() as u64;
    let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
    let added = get(&added);
    let dropped = get(&counters.futures_dropped);
    let (run, cb_dropped) = (
        get(&counters.callbacks_run),
        get(&counters.callbacks_dropped),
    );
    let resumed_awaiters = get(&counters.resumed_awaiters);
    // Every future dropped, every callback dropped unrun, no body past a
    // wait that only a cancellation ends.
    if dropped != total
        || cb_dropped != added
        || get(&counters.resumed) != 0
        || get(&counters.callbacks_run_cancelled) != 0
        || resumed_awaiters != 0
        || run != 0
    {
        violations.note(|| {
            format!(
                "after the drop: {dropped} of {total} futures dropped, {run} callbacks run ({} for \
                 cancelled tasks) and {cb_dropped} of {added} dropped, {} bodies resumed, {resumed_awaiters} \
                 awaiters resumed",
                get(&counters.callbacks_run_cancelled),
                get(&counters.resumed),
            )
        });
    }
    for (i, t) in tasks.iter().enumerate() {
        let ok = t.cancelled()
            && t.done()
            && t.result().is_err_and(|e| e.is_cancelled())
            && t.exception().is_err_and(|e| e.is_cancelled())
            && matches!(poll_once(t), Poll::Ready(Err(TaskError::Cancelled(_))))
            && !t.cancel()
            && t.repr().starts_with("<Task cancelled ");
        if !ok {
            violations.note(|| {
                format!(
                    "task {i} after the drop: {}, done() {}, cancelled() {}, result() {:?}",
                    t.repr(),
                    t.done(),
                    t.cancelled(),
                    t.result()
                )
            });
        }
    }
    let destroyed = ReportTally::get(&tally.destroyed_pending);
    let others = ReportTally::get(&tally.never_retrieved)
        + ReportTally::get(&tally.callback_panicked)
        + ReportTally::get(&tally.other)
        + ReportTally::get(&tally.foreign_failures);
    if destroyed != total || others != 0 {
        violations.note(|| {
            format!("{destroyed} of {total} tasks reported destroyed, {others} other reports")
        });
    }
    drop(tasks);
    violations.assert_none("dropping a runtime with pending tasks", seed);
    PendingReport {
        tasks: total,
        started_before_drop,
        futures_dropped: dropped,
        destroyed_reports: destroyed,
        callbacks_added: added,
        callbacks_run: run,
        callbacks_dropped_unrun: cb_dropped - run,
        drop_time,
    }
}
