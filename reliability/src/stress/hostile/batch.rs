//! One hostile batch on the loop: the bodies (and their children and
//! chains), the done callbacks, what the batch's main task
//! ([`BatchMain::run`](super::super::batch::BatchMain)) does differently
//! ([`Hostile`]), and the other thread that cancels and formats while the
//! batch runs.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::task::Poll;
use std::time::Duration;

use aiotask_api::{Failure, RuntimeHandle, Task, TaskError, drop_quietly};
use aiotask_core::CatchCancelExt;

pub(crate) use super::super::batch::ForeignJob;
use super::super::batch::{KeptOf, LONG, Scenario, serve_foreign};
use super::check::{observe, repr_of};
use super::plan::{Kind, Plan, PlanShape};
use super::record::{ChildGuard, FutureGuard, Records, end};
use super::values::{
    BODY_PANIC, Blast, Bomb, CALLBACK_PANIC, CallbackGuard, PanicsOnDrop, Tally, UserDrop, Value,
    drop_mine, mode,
};

/// The task handle type of a runtime handle, for the hostile values.
pub(crate) type TaskOf<H> = <H as RuntimeHandle>::Task<Value>;

/// The boxed body of a chain link.
type LinkBody = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send + 'static>>;

/// What awaiting a kept handle gave (the value itself is dropped at once).
#[derive(Debug)]
pub(crate) enum Awaited {
    /// The value, by tag.
    Value(u64),
    /// The value's `Clone` panicked inside the await (caught).
    ClonePanicked,
    Failed(Failure),
    Cancelled,
    /// Anything else (shown through `Debug` in the violation).
    Other(#[allow(dead_code)] String),
}

/// The kept handles and their awaited outcomes.
pub(crate) type Kept<H> = KeptOf<Hostile, H>;

/// Awaits `t`, catching a panic of its value's `Clone` (raised inside the
/// await); `Err(payload)` then.
async fn await_catching<T: Task<Value: Clone>>(
    t: T,
) -> Result<Result<T::Value, TaskError>, Box<dyn std::any::Any + Send>> {
    let mut join = t.join();
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut join).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(payload) => Poll::Ready(Err(payload)),
        },
    )
    .await
}

/// Task `i`'s body, wrapped in a [`Bomb`] (whose destructor panics when
/// the plan says so).
fn body<H: RuntimeHandle>(
    h: H,
    recs: Arc<Records>,
    i: usize,
    plan: Plan,
) -> impl Future<Output = Result<Value, TaskError>> + Send + 'static {
    let guard = FutureGuard {
        recs: recs.clone(),
        i,
    };
    let tally = recs.tally.clone();
    let inner = async move {
        let _guard = guard;
        let rec = recs.get(i);
        rec.started.store(true, Ordering::SeqCst);
        let tally = &recs.tally;
        if plan.self_repr {
            // The repr of the running task, from inside: no deadlock.
            let me = h.current_task().expect("current_task() inside a task body");
            Tally::bump(&tally.reprs);
            let repr = format!("{me:?}");
            if !(repr.starts_with("<Task pending ") || repr.starts_with("<Task cancelling ")) {
                recs.violation(i, || format!("the running task formats as {me:?}"));
            }
        }
        let long_sleep_ended = || recs.violation(i, || "an hour's sleep ended".into());
        match plan.kind {
            Kind::Value => {
                for _ in 0..plan.yields {
                    h.yield_now().await;
                }
            }
            Kind::Panics => {
                for _ in 0..plan.yields {
                    h.yield_now().await;
                }
                rec.end(end::PANIC);
                Tally::bump(&tally.body_panics);
                PanicsOnDrop::raise(tally, plan.flag, BODY_PANIC);
            }
            Kind::SelfCancelValue => {
                let me = h.current_task().expect("current_task() inside a task body");
                let accepted = rec.counted_cancel(true, || match plan.with_message {
                    true => me.cancel_with("aiotask-hostile: self"),
                    false => me.cancel(),
                });
                if !accepted {
                    recs.violation(i, || "cancel() of the running task returned false".into());
                }
            }
            Kind::WaitUncaught => {
                h.sleep(LONG).await;
                long_sleep_ended();
            }
            Kind::WaitCatchValue => {
                if h.sleep(LONG).catch_cancel().await.is_ok() {
                    long_sleep_ended();
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
            Kind::AwaitChild => return await_child(&h, &recs, i, &plan).await,
            Kind::Chain => {
                let head = spawn_link(&h, &recs, plan.depth - 1, plan.suppress);
                let out = head.join().await;
                return match out {
                    Ok(v) => {
                        drop(v);
                        rec.end(end::VALUE);
                        Ok(Value::new(recs.value(i), plan.value_mode, tally))
                    }
                    Err(e) => {
                        rec.end(end::PROPAGATE);
                        Err(e)
                    }
                };
            }
        }
        rec.end(end::VALUE);
        Ok(Value::new(recs.value(i), plan.value_mode, tally))
    };
    Bomb::new(inner, plan.bomb, &tally)
}

/// Adds a done callback to child `t` that checks it runs exactly once.
fn watch_child<T: Task<Value: std::fmt::Debug>>(t: &T, recs: &Arc<Records>) {
    let (ran, recs) = (AtomicBool::new(false), recs.clone());
    t.add_done_callback(move |t: &T| {
        if ran.swap(true, Ordering::SeqCst) || !t.done() {
            recs.violations
                .note(|| format!("a child's done callback ran twice or early: {}", t.repr()));
        }
        recs.child_callbacks_run.fetch_add(1, Ordering::SeqCst);
    });
}

/// `AwaitChild`: a child with a hostile value; the parent awaits it,
/// catching a panic of the value's `Clone`, and drops the value itself.
async fn await_child<H: RuntimeHandle>(
    h: &H,
    recs: &Arc<Records>,
    i: usize,
    plan: &Plan,
) -> Result<Value, TaskError> {
    let rec = recs.get(i);
    let tally = &recs.tally;
    let (waits, suppress, child_mode, tag) = (
        plan.flag,
        plan.suppress,
        plan.child_mode,
        recs.child_value(i),
    );
    let (h2, recs2, guard) = (h.clone(), recs.clone(), ChildGuard(recs.clone()));
    let child_body = async move {
        let _guard = guard;
        if waits {
            match h2.sleep(LONG).catch_cancel().await {
                Ok(()) => recs2.violation(i, || "the child's hour-long sleep ended".into()),
                Err(e) if !suppress => return Err(e.into()),
                Err(_) => {}
            }
        }
        Ok(Value::new(tag, child_mode, &recs2.tally))
    };
    let child = h.spawn(None, Bomb::new(child_body, plan.child_bomb, tally));
    recs.children.fetch_add(1, Ordering::SeqCst);
    watch_child(&child, recs);
    let awaited = await_catching(child.clone()).await;
    let done = child.done();
    match awaited {
        Ok(Ok(v)) => {
            if !(done && !child.cancelled() && v.tag == tag && (!waits || suppress)) {
                recs.violation(i, || {
                    format!("the child gave {v:?} but shows {}", child.repr())
                });
            }
            if repr_of(&child, tally).is_some() == (child_mode & mode::DEBUG_PANICS != 0) {
                recs.violation(i, || {
                    "the child's repr panicked, or did not, wrongly".into()
                });
            }
            let drop_panics = child_mode & mode::DROP_PANICS != 0;
            // Maybe the last reference to the child: its stored value is
            // dropped (by aiotask) now, not while this body unwinds.
            drop(child);
            if drop_panics {
                // The value's destructor fails this body, as `__del__`
                // would if it could raise.
                rec.end(end::PANIC);
            }
            {
                let _user = UserDrop::begin();
                drop(v);
            }
            if drop_panics {
                recs.violation(i, || "a panicking destructor returned".into());
            }
            rec.end(end::VALUE);
            Ok(Value::new(recs.value(i), plan.value_mode, tally))
        }
        Ok(Err(TaskError::Cancelled(e))) => {
            if !(done && child.cancelled()) {
                recs.violation(i, || {
                    format!("the child's await was cancelled but shows {}", child.repr())
                });
            }
            rec.end(end::PROPAGATE);
            Err(e.into())
        }
        Ok(Err(other)) => {
            recs.violation(i, || format!("the child's await gave {other:?}"));
            rec.end(end::PROPAGATE);
            Err(other)
        }
        Err(payload) => {
            let ok = done && !child.cancelled() && child_mode & mode::CLONE_PANICS != 0;
            if !ok {
                recs.violation(i, || format!("the await of {} panicked", child.repr()));
            }
            Tally::bump(&tally.result_panics);
            rec.end(end::PANIC);
            drop(child);
            std::panic::resume_unwind(payload)
        }
    }
}

/// Spawns a chain link with `depth` links below it; the last waits for an
/// hour and then suppresses or propagates its cancellation.
fn spawn_link<H: RuntimeHandle>(
    h: &H,
    recs: &Arc<Records>,
    depth: u8,
    suppress: bool,
) -> TaskOf<H> {
    let t = h.spawn(None, link(h.clone(), recs.clone(), depth, suppress));
    recs.children.fetch_add(1, Ordering::SeqCst);
    watch_child(&t, recs);
    t
}

fn link<H: RuntimeHandle>(h: H, recs: Arc<Records>, depth: u8, suppress: bool) -> LinkBody {
    let guard = ChildGuard(recs.clone());
    Box::pin(async move {
        let _guard = guard;
        if depth == 0 {
            return match h.sleep(LONG).catch_cancel().await {
                Ok(()) => {
                    recs.violations
                        .note(|| "a chain's hour-long sleep ended".into());
                    Ok(Value::new(0, 0, &recs.tally))
                }
                Err(e) if !suppress => Err(e.into()),
                Err(_) => Ok(Value::new(0, 0, &recs.tally)),
            };
        }
        let next = spawn_link(&h, &recs, depth - 1, suppress);
        let out = next.join().await;
        let consistent = next.done()
            && match &out {
                Ok(_) => !next.cancelled() && suppress,
                Err(e) => e.is_cancelled() && next.cancelled(),
            };
        if !consistent {
            recs.violations
                .note(|| format!("a chain link awaited {out:?} but shows {}", next.repr()));
        }
        out
    })
}

/// A done callback of task `i` with bit `bit`: checks it runs once and in
/// order, observes the task, and maybe panics; its capture's destructor
/// may panic too.
fn callback<H: RuntimeHandle>(
    recs: &Arc<Records>,
    i: usize,
    plan: &Plan,
    bit: u8,
) -> impl Fn(&TaskOf<H>) + Send + Sync + 'static {
    let recs = recs.clone();
    let cp = plan.callbacks[usize::from(bit)];
    let guard = CallbackGuard::new(cp.guard, &recs.tally);
    let before = plan.definite_callbacks() & ((1u8 << bit) - 1);
    let (tag, value_mode) = (recs.value(i), plan.value_mode);
    move |t: &TaskOf<H>| {
        let _capture = &guard;
        let rec = recs.get(i);
        let ran = rec.callbacks.fetch_or(1 << bit, Ordering::SeqCst);
        if ran & (1 << bit) != 0 {
            recs.violation(i, || format!("callback {bit} ran twice"));
        }
        if ran & before != before {
            recs.violation(i, || {
                format!("callback {bit} ran before {before:#b}: {ran:#b}")
            });
        }
        if cp.full {
            rec.retrieved.store(true, Ordering::SeqCst);
        }
        let (bits, why) = observe(t, cp.full, tag, value_mode, &recs.tally);
        rec.saw(bits);
        if let Some(why) = why {
            recs.violation(i, || format!("callback {bit}: {why}"));
        }
        rec.callback_runs.fetch_add(1, Ordering::SeqCst);
        recs.callbacks_run.fetch_add(1, Ordering::SeqCst);
        if cp.panics.is_some() {
            Tally::bump(&recs.tally.callback_panics);
            PanicsOnDrop::raise(&recs.tally, cp.panics == Blast::Payload, CALLBACK_PANIC);
        }
    }
}

/// What the other thread did with one batch.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ForeignTally {
    pub(crate) cancels: u64,
    pub(crate) reprs: u64,
    pub(crate) observed: u64,
}

/// The other thread: for each batch, in a random order over the shared
/// list, cancels 40% of the handles, formats 15% (catching a panicking
/// `Debug`) and observes the done ones among another 15%.
pub(crate) fn foreign_thread<T: Task<Value = Value>>(
    jobs: Receiver<ForeignJob<T, Arc<Tally>, Plan>>,
    done: Sender<ForeignTally>,
) {
    serve_foreign(jobs, done, |job, j, rng, tally: &mut ForeignTally| {
        let (i, t) = &job.list[j];
        let rec = job.recs.get(*i);
        match rng.u8(0..20) {
            0..8 => {
                tally.cancels += 1;
                rec.counted_cancel(false, || match rng.bool() {
                    true => t.cancel_with("aiotask-hostile: foreign"),
                    false => t.cancel(),
                });
            }
            8..11 => {
                tally.reprs += 1;
                let _ = repr_of(t, &job.recs.tally);
            }
            11..14 if t.done() => {
                tally.observed += 1;
                let plan = &job.plans[*i];
                let (bits, why) = observe(
                    t,
                    false,
                    job.recs.value(*i),
                    plan.value_mode,
                    &job.recs.tally,
                );
                rec.saw(bits);
                if let Some(why) = why {
                    job.recs
                        .violation(*i, || format!("the other thread: {why}"));
                }
            }
            _ => {}
        }
        true
    });
}

/// The hostile batch.
pub(crate) struct Hostile;

impl Scenario for Hostile {
    type Value = Value;
    type Plan = Plan;
    type Tally = Arc<Tally>;
    type Joined = Result<Result<Value, TaskError>, Box<dyn std::any::Any + Send>>;
    type Awaited = Awaited;
    const MARK_ADDING: bool = false;

    fn body<H: RuntimeHandle>(
        h: H,
        recs: Arc<Records>,
        i: usize,
        plan: Plan,
    ) -> impl Future<Output = Result<Value, TaskError>> + Send + 'static {
        body(h, recs, i, plan)
    }

    fn callback<H: RuntimeHandle>(
        _h: &H,
        recs: &Arc<Records>,
        i: usize,
        plan: &Plan,
        bit: u8,
    ) -> impl Fn(&TaskOf<H>) + Send + Sync + 'static {
        callback::<H>(recs, i, plan, bit)
    }

    /// Cancels, with a message when the plan says so.
    fn loop_cancel<T: Task>(recs: &Records, i: usize, plan: &Plan, t: &T) {
        recs.get(i)
            .counted_cancel(false, || match plan.with_message {
                true => t.cancel_with("aiotask-hostile: loop"),
                false => t.cancel(),
            });
    }

    /// Formats the handle when the plan says so.
    fn in_round<T: Task<Value = Value>>(recs: &Records, plan: &Plan, t: &T) {
        if plan.loop_repr {
            // A task in any state, maybe awaiting a child or a chain
            // (wait_for=), maybe done with a panicking Debug.
            let _ = repr_of(t, &recs.tally);
        }
    }

    /// Catches a panicking `Clone` of the value.
    fn join<T: Task<Value = Value>>(t: T) -> impl Future<Output = Self::Joined> + Send {
        await_catching(t)
    }

    /// Drops the value at once (as the user).
    fn awaited(recs: &Records, joined: Self::Joined) -> Awaited {
        match joined {
            Ok(Ok(v)) => {
                let tag = v.tag;
                drop_mine(v);
                Awaited::Value(tag)
            }
            Ok(Err(TaskError::Cancelled(_))) => Awaited::Cancelled,
            Ok(Err(TaskError::Failed(f))) => Awaited::Failed(f),
            Ok(Err(other)) => Awaited::Other(format!("{other:?}")),
            Err(payload) => {
                Tally::bump(&recs.tally.result_panics);
                drop_quietly(payload);
                Awaited::ClonePanicked
            }
        }
    }

    /// The children's futures and callbacks too.
    fn settled(recs: &Records, n: usize) -> bool {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        let children = get(&recs.children);
        get(&recs.drops) == n as u64
            && get(&recs.callbacks_run) >= get(&recs.callbacks_due)
            && get(&recs.children_dropped) == children
            && get(&recs.child_callbacks_run) == children
    }

    fn unsettled(recs: &Records, n: usize, timeout: Duration) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        format!(
            "hostile batch {}: after {timeout:?}, {} of {n} futures dropped, {} of {} \
             callbacks run, {} of {} children dropped, {} of their callbacks run",
            recs.batch,
            get(&recs.drops),
            get(&recs.callbacks_run),
            get(&recs.callbacks_due),
            get(&recs.children_dropped),
            get(&recs.children),
            get(&recs.child_callbacks_run),
        )
    }
}
