//! The end of a hostile run: tasks left pending when the runtime is
//! dropped, with bodies whose destructor panics and done callbacks whose
//! capture's destructor panics, while the exception handler (which holds
//! the runtime's own handle) panics on some of the "destroyed" reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aiotask_api::{Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use super::super::batch::LONG;
use super::super::pending::all_started;
use super::super::record::Violations;
use super::batch::TaskOf;
use super::check::repr_of;
use super::values::{Blast, Bomb, CallbackGuard, Tally, Value};

/// Counters of the pending tasks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) started: AtomicU64,
    pub(crate) futures_dropped: AtomicU64,
    pub(crate) callbacks_added: AtomicU64,
    pub(crate) callbacks_run: AtomicU64,
    /// Bodies that went past a wait only a cancellation ends.
    pub(crate) resumed: AtomicU64,
}

struct Dropped(Arc<Counters>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.futures_dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// Creates one pending task: it sleeps for an hour (maybe inside
/// `catch_cancel`), waits forever, awaits `blocker`, or cancels itself,
/// catches that and waits forever; its body's destructor panics one time
/// in three; it gets 0..=2 callbacks, whose captures' destructors panic
/// one time in three.
fn create<H: RuntimeHandle>(
    h: &H,
    counters: &Arc<Counters>,
    tally: &Arc<Tally>,
    blocker: Option<&TaskOf<H>>,
    rng: &mut fastrand::Rng,
) -> TaskOf<H> {
    let (h2, c, tally2) = (h.clone(), counters.clone(), tally.clone());
    let dropped = Dropped(counters.clone());
    let blocker = blocker.cloned();
    let wait = rng.u8(0..5);
    let inner = async move {
        let _dropped = dropped;
        c.started.fetch_add(1, Ordering::SeqCst);
        match (wait, blocker) {
            (0, _) => h2.sleep(LONG).await,
            (1, _) => {
                let _ = h2.sleep(LONG).catch_cancel().await;
            }
            (2, Some(b)) => {
                let _ = b.await;
            }
            (3, _) => {
                if let Some(me) = h2.current_task() {
                    me.cancel();
                }
                let _ = h2.sleep(LONG).catch_cancel().await;
                std::future::pending::<()>().await;
            }
            _ => std::future::pending::<()>().await,
        }
        c.resumed.fetch_add(1, Ordering::SeqCst);
        Ok(Value::new(0, 0, &tally2))
    };
    let t = h.spawn(None, Bomb::new(inner, Blast::pick(rng, 3), tally));
    for _ in 0..rng.u8(0..=2) {
        let c = counters.clone();
        let guard = CallbackGuard::new(Blast::pick(rng, 3), tally);
        t.add_done_callback(move |_: &TaskOf<H>| {
            let _capture = &guard;
            c.callbacks_run.fetch_add(1, Ordering::SeqCst);
        });
        counters.callbacks_added.fetch_add(1, Ordering::SeqCst);
    }
    t
}

/// Leaves `count` tasks (plus one blocker per 100) pending on `rt`: 40%
/// created before it runs, 50% by a main task that waits until all have
/// started, 10% after it stopped. Returns their handles.
pub(crate) fn leave_pending<R: Runtime>(
    rt: &R,
    count: usize,
    seed: u64,
    tally: &Arc<Tally>,
    counters: &Arc<Counters>,
    timeout: Duration,
    violations: &Violations,
) -> Vec<TaskOf<R::Handle>> {
    let h = rt.handle();
    let mut rng = fastrand::Rng::with_seed(seed);
    let blockers: Vec<TaskOf<R::Handle>> = (0..count.div_ceil(100))
        .map(|_| create(&h, counters, tally, None, &mut rng))
        .collect();
    let pick = |rng: &mut fastrand::Rng| Some(&blockers[rng.usize(..blockers.len())]);
    let (before, inside) = (count * 4 / 10, count / 2);
    let mut tasks: Vec<_> = (0..before)
        .map(|_| create(&h, counters, tally, pick(&mut rng), &mut rng))
        .collect();
    let out = Arc::new(std::sync::Mutex::new(Vec::new()));
    let main = {
        let (h, counters, tally, out) = (h.clone(), counters.clone(), tally.clone(), out.clone());
        let blockers = blockers.clone();
        let expected = (blockers.len() + before + inside) as u64;
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5A5A);
        async move {
            let mine: Vec<_> = (0..inside)
                .map(|_| {
                    let b = &blockers[rng.usize(..blockers.len())];
                    create(&h, &counters, &tally, Some(b), &mut rng)
                })
                .collect();
            *out.lock().unwrap_or_else(|e| e.into_inner()) = mine;
            all_started(&h, &counters.started, expected, timeout).await
        }
    };
    match rt.run(main) {
        Ok(true) => {}
        other => violations.note(|| {
            format!("hostile pending tasks: not all started within {timeout:?}: {other:?}")
        }),
    }
    tasks.append(&mut out.lock().unwrap_or_else(|e| e.into_inner()));
    for _ in tasks.len()..count {
        let t = create(&h, counters, tally, pick(&mut rng), &mut rng);
        tasks.push(t);
    }
    tasks.extend(blockers.iter().cloned());
    tasks
}

/// After the runtime was dropped: every pending task answers as a
/// cancelled task, every future was dropped and no callback ran.
pub(crate) fn check_after_drop<T: Task<Value = Value>>(
    tasks: &[T],
    counters: &Counters,
    tally: &Tally,
    violations: &Violations,
) {
    let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
    let total = tasks.len() as u64;
    if get(&counters.futures_dropped) != total
        || get(&counters.callbacks_run) != 0
        || get(&counters.resumed) != 0
    {
        violations.note(|| {
            format!(
                "hostile pending tasks after the drop: {} of {total} futures dropped, {} callbacks run, \
                 {} bodies resumed",
                get(&counters.futures_dropped),
                get(&counters.callbacks_run),
                get(&counters.resumed)
            )
        });
    }
    for (k, t) in tasks.iter().enumerate() {
        let ok = t.done()
            && t.cancelled()
            && t.result().is_err_and(|e| e.is_cancelled())
            && t.exception().is_err_and(|e| e.is_cancelled())
            && !t.cancel()
            && repr_of(t, tally).is_some_and(|r| r.starts_with("<Task cancelled "));
        if !ok {
            violations.note(|| format!("hostile pending task {k} after the drop: {}", t.repr()));
        }
    }
}
