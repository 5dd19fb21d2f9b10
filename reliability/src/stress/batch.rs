//! One batch on the loop: the task bodies, their done callbacks, the loop
//! side's cancels and awaits (the batch's main task), and the other
//! thread's canceller.

use std::cell::Cell;
use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use aiotask_api::{DoneCallback, Failure, RuntimeHandle, Task, TaskError};
use aiotask_core::CatchCancelExt;

use super::plan::{Kind, LATE_CALLBACK, MAX_EARLY_CALLBACKS, Plan};
use super::record::{BODY_PANIC, CALLBACK_PANIC, FutureGuard, Record, Records, end, msg, seen};

/// The task handle type of a runtime handle, for the stress tasks' values.
pub(crate) type TaskOf<H> = <H as RuntimeHandle>::Task<u64>;

/// "An hour": a wait that only a cancellation ends.
const LONG: Duration = Duration::from_secs(3600);

/// The error failing bodies return, carrying the task's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StressError(pub(crate) u64);

impl fmt::Display for StressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aiotask-stress: body error {}", self.0)
    }
}

impl std::error::Error for StressError {}

thread_local! {
    /// Set while the loop side is inside `add_done_callback`: a callback
    /// that sees it set ran synchronously.
    static ADDING: Cell<bool> = const { Cell::new(false) };
}

/// The kept handles and their awaited outcomes, handed from the batch's
/// main task to the checks.
pub(crate) type Kept<H> = Vec<(usize, TaskOf<H>, Result<u64, TaskError>)>;

/// A batch for the other thread: the shared list of handles to cancel from.
pub(crate) struct ForeignJob<T> {
    pub(crate) recs: Arc<Records>,
    pub(crate) list: Arc<Vec<(usize, T)>>,
    pub(crate) seed: u64,
}

/// What the other thread did with one batch.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ForeignTally {
    pub(crate) calls: u64,
    pub(crate) with_message: u64,
    pub(crate) accepted: u64,
}

/// The other thread: for each batch, cancels a random 40% of the shared
/// list in a random order, with or without a message, pausing briefly every
/// 16 handles, then reports.
pub(crate) fn foreign_canceller<T: Task>(
    jobs: Receiver<ForeignJob<T>>,
    done: Sender<ForeignTally>,
) {
    while let Ok(job) = jobs.recv() {
        let mut rng = fastrand::Rng::with_seed(job.seed);
        let mut tally = ForeignTally::default();
        let mut order: Vec<usize> = (0..job.list.len()).collect();
        rng.shuffle(&mut order);
        for (k, &j) in order.iter().enumerate() {
            if rng.u8(0..10) >= 4 {
                continue;
            }
            let (i, t) = &job.list[j];
            let bit = if rng.bool() { msg::FOREIGN } else { msg::NONE };
            tally.calls += 1;
            tally.with_message += u64::from(bit != msg::NONE);
            let accepted = job.recs.get(*i).cancel(bit, false, |m| match m {
                Some(m) => t.cancel_with(m),
                None => t.cancel(),
            });
            tally.accepted += u64::from(accepted);
            if k % 16 == 15 {
                // Spread the cancels over the batch's run, so they land on
                // tasks in every state, not only on tasks not yet started.
                std::thread::sleep(Duration::from_micros(rng.u64(10..80)));
            }
        }
        drop(job);
        if done.send(tally).is_err() {
            return;
        }
    }
}

/// The loop side's cancel of task `i` through `t`.
fn loop_cancel<T: Task>(rec: &Record, plan: &Plan, t: &T) -> bool {
    let bit = if plan.with_message {
        msg::LOOP
    } else {
        msg::NONE
    };
    rec.cancel(bit, false, |m| match m {
        Some(m) => t.cancel_with(m),
        None => t.cancel(),
    })
}

/// Task `i`'s body.
fn body<H: RuntimeHandle>(
    h: H,
    recs: Arc<Records>,
    i: usize,
    plan: Plan,
) -> impl Future<Output = Result<u64, TaskError>> + Send + 'static {
    // Outside the async block: dropped with the future even when the body
    // never started.
    let guard = FutureGuard {
        recs: recs.clone(),
        i,
    };
    async move {
        let _guard = guard;
        let rec = recs.get(i);
        rec.started.store(true, Ordering::SeqCst);
        let v = recs.value(i);
        let own_bit = if plan.with_message {
            msg::SELF
        } else {
            msg::NONE
        };
        let me = || h.current_task().expect("current_task() inside a task body");
        let long_sleep_ended = || recs.violation(i, || "an hour's sleep ended".into());
        match plan.kind {
            Kind::Immediate => {}
            Kind::Yields | Kind::Fails | Kind::Panics => {
                for _ in 0..plan.yields {
                    h.yield_now().await;
                }
            }
            Kind::SleepShort => h.sleep(plan.sleep).await,
            Kind::SelfCancelReturn | Kind::SelfCancelUncancel => {
                let me = me();
                if !rec.cancel(own_bit, true, |m| match m {
                    Some(m) => me.cancel_with(m),
                    None => me.cancel(),
                }) {
                    recs.violation(i, || "cancel() of the running task returned false".into());
                }
                if plan.kind == Kind::SelfCancelUncancel {
                    rec.uncancels.fetch_add(1, Ordering::SeqCst);
                    me.uncancel();
                    h.yield_now().await;
                }
            }
            Kind::WaitCatchSuppress => {
                if h.sleep(LONG).catch_cancel().await.is_ok() {
                    long_sleep_ended();
                }
                if plan.flag {
                    rec.uncancels.fetch_add(1, Ordering::SeqCst);
                    me().uncancel();
                }
                h.yield_now().await;
            }
            Kind::WaitCatchPropagate => match h.sleep(LONG).catch_cancel().await {
                Ok(()) => long_sleep_ended(),
                Err(e) => {
                    h.yield_now().await;
                    rec.end(end::PROPAGATE);
                    return Err(e.into());
                }
            },
            Kind::WaitUncaught => {
                h.sleep(LONG).await;
                long_sleep_ended();
            }
            Kind::CatchThenPanic => {
                if h.sleep(LONG).catch_cancel().await.is_ok() {
                    long_sleep_ended();
                }
                rec.end(end::PANIC);
                std::panic::panic_any(BODY_PANIC);
            }
            Kind::AwaitChild => return await_child(&h, &recs, i, plan.flag).await,
        }
        match plan.kind {
            Kind::Fails => {
                rec.end(end::ERROR);
                Err(TaskError::Failed(Failure::from_error(StressError(v))))
            }
            Kind::Panics => {
                rec.end(end::PANIC);
                std::panic::panic_any(BODY_PANIC)
            }
            _ => {
                rec.end(end::VALUE);
                Ok(v)
            }
        }
    }
}

/// `AwaitChild`: a child waits for an hour; the parent awaits it, so the
/// parent's cancellation is forwarded to the child.
async fn await_child<H: RuntimeHandle>(
    h: &H,
    recs: &Arc<Records>,
    i: usize,
    suppress: bool,
) -> Result<u64, TaskError> {
    let v = recs.value(i);
    let h2 = h.clone();
    let child = h.spawn(None, async move {
        match h2.sleep(LONG).catch_cancel().await {
            Ok(()) => Ok(0),
            Err(_) if suppress => Ok(v),
            Err(e) => Err(e.into()),
        }
    });
    recs.children.fetch_add(1, Ordering::SeqCst);
    let outcome = child.clone().await;
    let rec = recs.get(i);
    let consistent = child.done()
        && match &outcome {
            Ok(x) => *x == v && suppress && !child.cancelled() && child.result().ok() == Some(v),
            // Even a suppressing child ends cancelled when the cancel
            // reaches it before its first step or during its last one.
            Err(TaskError::Cancelled(_)) => {
                child.cancelled() && child.result().is_err_and(|e| e.is_cancelled())
            }
            Err(_) => false,
        };
    if !consistent {
        recs.violation(i, || {
            format!(
                "the child answers {child:?} after its await gave {outcome:?} (suppress {suppress})"
            )
        });
    }
    match outcome {
        Ok(_) => {
            rec.end(end::VALUE);
            Ok(v)
        }
        Err(e) => {
            rec.end(end::PROPAGATE);
            Err(e)
        }
    }
}

/// A done callback of task `i` with bit `bit`: records what it sees, checks
/// it runs after the definite callbacks added before it, and maybe panics.
fn callback<H: RuntimeHandle>(
    h: &H,
    recs: &Arc<Records>,
    i: usize,
    plan: &Plan,
    bit: u8,
) -> impl Fn(&TaskOf<H>) + Send + Sync + 'static {
    let (h, recs) = (h.clone(), recs.clone());
    let before = plan.definite_callbacks() & ((1u8 << bit) - 1);
    let panics = plan.panicking & (1 << bit) != 0;
    move |t: &TaskOf<H>| {
        let rec = recs.get(i);
        let mut bits = if t.done() { seen::DONE } else { seen::NOT_DONE };
        bits |= if t.cancelled() {
            seen::CANCELLED
        } else {
            seen::NOT_CANCELLED
        };
        if h.current_task().is_some() {
            bits |= seen::CURRENT_TASK;
        }
        if ADDING.with(Cell::get) {
            bits |= seen::SYNCHRONOUS;
        }
        let ran = rec.callbacks.fetch_or(1 << bit, Ordering::SeqCst);
        if ran & before != before {
            bits |= seen::OUT_OF_ORDER;
        }
        if ran & (1 << bit) != 0 {
            recs.violation(i, || format!("callback {bit} ran twice"));
        }
        rec.saw(bits);
        rec.saw_cancelling(t.cancelling());
        rec.callback_runs.fetch_add(1, Ordering::SeqCst);
        recs.callbacks_run.fetch_add(1, Ordering::SeqCst);
        if panics {
            recs.callback_panics.fetch_add(1, Ordering::SeqCst);
            std::panic::panic_any(CALLBACK_PANIC);
        }
    }
}

/// `add_done_callback` with [`ADDING`] set.
fn add_callback<T: Task>(t: &T, cb: impl aiotask_api::IntoDoneCallback<T>) {
    ADDING.with(|a| a.set(true));
    t.add_done_callback(cb);
    ADDING.with(|a| a.set(false));
}

/// Everything the batch's main task needs.
pub(crate) struct BatchMain<H: RuntimeHandle> {
    pub(crate) h: H,
    pub(crate) plans: Arc<Vec<Plan>>,
    pub(crate) recs: Arc<Records>,
    pub(crate) foreign: Option<Sender<ForeignJob<TaskOf<H>>>>,
    pub(crate) out: Arc<Mutex<Option<Kept<H>>>>,
    pub(crate) timeout: Duration,
}

impl<H: RuntimeHandle> BatchMain<H> {
    /// The batch's main task: creates the tasks and their early callbacks,
    /// hands the shared list to the other thread, cancels in three rounds
    /// between yields, ends the waiting tasks, awaits the kept handles, adds
    /// late callbacks, then waits until every future is dropped and every
    /// callback has run.
    pub(crate) async fn run(self) {
        let Self {
            h,
            plans,
            recs,
            foreign,
            out,
            timeout,
        } = self;
        let started = Instant::now();
        let n = plans.len();
        let mut held: Vec<Option<TaskOf<H>>> = Vec::with_capacity(n);
        let mut shared = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let t = h.spawn(None, body(h.clone(), recs.clone(), i, *plan));
            let mut due = 0;
            for bit in 0..MAX_EARLY_CALLBACKS {
                if plan.early & (1 << bit) != 0 {
                    add_callback(&t, callback(&h, &recs, i, plan, bit));
                    due += 1;
                }
            }
            if plan.removable {
                let cb = DoneCallback::new(callback(&h, &recs, i, plan, MAX_EARLY_CALLBACKS));
                add_callback(&t, &cb);
                match t.remove_done_callback(&cb) {
                    1 => {}
                    0 => {
                        // Already done and dispatched: it runs.
                        recs.get(i).removal_missed.store(true, Ordering::SeqCst);
                        due += 1;
                    }
                    k => recs.violation(i, || format!("remove_done_callback removed {k}")),
                }
            }
            recs.callbacks_due.fetch_add(due, Ordering::SeqCst);
            if plan.shared {
                shared.push((i, t.clone()));
            }
            // Neither kept nor shared: detached right away.
            held.push(plan.loop_holds().then_some(t));
        }
        let shared = Arc::new(shared);
        if let Some(tx) = &foreign {
            let job = ForeignJob {
                recs: recs.clone(),
                list: shared.clone(),
                seed: recs.value(n) ^ recs.batch,
            };
            if tx.send(job).is_err() {
                recs.violations.note(|| "the other thread is gone".into());
            }
        }
        drop(shared);
        for round in 1..=3 {
            for (i, t) in held.iter().enumerate() {
                if let Some(t) = t.as_ref().filter(|_| plans[i].loop_round == round) {
                    loop_cancel(recs.get(i), &plans[i], t);
                }
            }
            h.yield_now().await;
        }
        // Every waiting task gets a cancel: the batch ends.
        for (i, t) in held.iter_mut().enumerate() {
            if let Some(task) = t.as_ref().filter(|_| plans[i].kind.waits()) {
                loop_cancel(recs.get(i), &plans[i], task);
            }
            if !plans[i].keep {
                *t = None; // the handle drop of a shared task
            }
        }
        let deadline = started + timeout;
        let mut kept: Kept<H> = Vec::with_capacity(n);
        let mut timer = pin!(h.sleep(timeout));
        for (i, t) in held.into_iter().enumerate() {
            let Some(t) = t else { continue };
            let mut join = t.clone().into_future();
            let awaited = poll_fn(|cx| {
                if let Poll::Ready(out) = std::pin::Pin::new(&mut join).poll(cx) {
                    return Poll::Ready(Some(out));
                }
                timer.as_mut().poll(cx).map(|()| None)
            })
            .await;
            let Some(awaited) = awaited else {
                recs.violation(i, || format!("not done after {timeout:?}: {t:?}"));
                return;
            };
            if plans[i].late {
                add_callback(&t, callback(&h, &recs, i, &plans[i], LATE_CALLBACK));
                recs.callbacks_due.fetch_add(1, Ordering::SeqCst);
            }
            kept.push((i, t, awaited));
        }
        let mut spins = 0u32;
        while recs.drops.load(Ordering::SeqCst) < n as u64
            || recs.callbacks_run.load(Ordering::SeqCst) < recs.callbacks_due.load(Ordering::SeqCst)
        {
            if Instant::now() > deadline {
                recs.violations.note(|| {
                    format!(
                        "batch {}: after {timeout:?}, {} of {n} futures dropped, {} of {} callbacks run",
                        recs.batch,
                        recs.drops.load(Ordering::SeqCst),
                        recs.callbacks_run.load(Ordering::SeqCst),
                        recs.callbacks_due.load(Ordering::SeqCst)
                    )
                });
                return;
            }
            spins += 1;
            if spins < 64 {
                h.yield_now().await;
            } else {
                h.sleep(Duration::from_micros(200)).await;
            }
        }
        *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
    }
}
