//! One batch on the loop: the task bodies, their done callbacks, the loop
//! side's cancels and awaits (the batch's main task), and the other
//! thread's canceller. The main task ([`BatchMain::run`]) and the other
//! thread's loop ([`Foreign`], [`serve_foreign`]) serve the hostile
//! scenario too, through [`Scenario`].

use std::cell::Cell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use aiotask_api::{DoneCallback, Failure, Runtime, RuntimeHandle, Task, TaskError, TaskOutput};
use aiotask_core::CatchCancelExt;

use super::plan::{Kind, LATE_CALLBACK, MAX_EARLY_CALLBACKS, Plan, PlanShape, REMOVABLE_CALLBACK};
use super::record::{
    BODY_PANIC, CALLBACK_PANIC, FutureGuard, Record, Records, Violations, end, msg, seen,
};
use super::wait_for;

/// The task handle type of a runtime handle, for the stress tasks' values.
pub(crate) type TaskOf<H> = <H as RuntimeHandle>::Task<u64>;

/// "An hour": a wait that only a cancellation ends.
pub(crate) const LONG: Duration = Duration::from_secs(3600);

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
pub(crate) type KeptOf<S, H> = Vec<(
    usize,
    <H as RuntimeHandle>::Task<<S as Scenario>::Value>,
    <S as Scenario>::Awaited,
)>;

/// The stress run's kept handles.
pub(crate) type Kept<H> = KeptOf<Stress, H>;

/// A batch for the other thread: the shared list of handles (with the
/// records and plans of the batch).
pub(crate) struct ForeignJob<T, X, P> {
    pub(crate) recs: Arc<Records<X>>,
    pub(crate) plans: Arc<Vec<P>>,
    pub(crate) list: Arc<Vec<(usize, T)>>,
    pub(crate) seed: u64,
}

/// A scenario's job for the other thread.
pub(crate) type JobOf<S, H> = ForeignJob<
    <H as RuntimeHandle>::Task<<S as Scenario>::Value>,
    <S as Scenario>::Tally,
    <S as Scenario>::Plan,
>;

/// The other thread of a run, when there is one: the jobs it is sent and
/// the tallies it answers with.
pub(crate) struct Foreign<'scope, J, A> {
    jobs: Sender<J>,
    answers: Receiver<A>,
    thread: Option<ScopedJoinHandle<'scope, ()>>,
}

impl<'scope, J: Send + 'scope, A: Send + 'scope> Foreign<'scope, J, A> {
    /// Starts `serve` on a thread of `scope` when `on`.
    pub(crate) fn start<'env>(
        scope: &'scope Scope<'scope, 'env>,
        on: bool,
        serve: fn(Receiver<J>, Sender<A>),
    ) -> Self {
        let (jobs, job_rx) = mpsc::channel();
        let (answer_tx, answers) = mpsc::channel();
        let thread = on.then(|| scope.spawn(move || serve(job_rx, answer_tx)));
        Self {
            jobs,
            answers,
            thread,
        }
    }

    /// Where a batch's main task sends its job, when the thread runs.
    pub(crate) fn sender(&self) -> Option<Sender<J>> {
        self.thread.as_ref().map(|_| self.jobs.clone())
    }

    /// The thread's answer for the batch just run (`None` when there is
    /// no thread, or, noted, when it did not answer within `timeout`).
    pub(crate) fn answer(&self, timeout: Duration, violations: &Violations) -> Option<A> {
        self.thread.as_ref()?;
        let answer = wait_for(&self.answers, timeout);
        if answer.is_none() {
            violations.note(|| "the other thread did not answer".into());
        }
        answer
    }

    /// Ends the thread and waits for it.
    pub(crate) fn finish(self, violations: &Violations) {
        drop(self.jobs);
        if let Some(t) = self.thread
            && t.join().is_err()
        {
            violations.note(|| "the other thread panicked".into());
        }
    }
}

/// The other thread's loop: for each batch, visits the shared list in a
/// random order with `visit` (which returns whether it acted on the
/// handle), pausing briefly after every 16th place it acted on, then
/// answers with its tally.
pub(crate) fn serve_foreign<T, X, P, A: Default>(
    jobs: Receiver<ForeignJob<T, X, P>>,
    done: Sender<A>,
    mut visit: impl FnMut(&ForeignJob<T, X, P>, usize, &mut fastrand::Rng, &mut A) -> bool,
) {
    while let Ok(job) = jobs.recv() {
        let mut rng = fastrand::Rng::with_seed(job.seed);
        let mut tally = A::default();
        let mut order: Vec<usize> = (0..job.list.len()).collect();
        rng.shuffle(&mut order);
        for (k, &j) in order.iter().enumerate() {
            if visit(&job, j, &mut rng, &mut tally) && k % 16 == 15 {
                // Spread the visits over the batch's run, so they land on
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
    jobs: Receiver<ForeignJob<T, (), Plan>>,
    done: Sender<ForeignTally>,
) {
    serve_foreign(jobs, done, |job, j, rng, tally: &mut ForeignTally| {
        if rng.u8(0..10) >= 4 {
            return false;
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
        true
    });
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
    let outcome = child.join().await;
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
                "the child answers {} after its await gave {outcome:?} (suppress {suppress})",
                child.repr()
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

/// How a callback is added: moved into the task (nobody else holds it, so
/// its destructor runs where the task lets go of it), or by identity, to
/// be removed.
enum Adding<'a, T, F> {
    Moved(F),
    Removable(&'a DoneCallback<T>),
}

/// `add_done_callback`, with [`ADDING`] set when `mark`.
fn add_callback<T: Task, F: Fn(&T) + Send + Sync + 'static>(
    t: &T,
    cb: Adding<'_, T, F>,
    mark: bool,
) {
    if mark {
        ADDING.with(|a| a.set(true));
    }
    match cb {
        Adding::Moved(f) => t.add_done_callback(f),
        Adding::Removable(cb) => t.add_done_callback_ref(cb),
    }
    if mark {
        ADDING.with(|a| a.set(false));
    }
}

/// What one scenario's batch does where the stress and the hostile
/// batches differ; [`BatchMain::run`] does the rest alike.
pub(crate) trait Scenario: Sized + 'static {
    /// A task's value.
    type Value: TaskOutput + Clone + std::fmt::Debug;
    /// A task's plan.
    type Plan: PlanShape + Copy + Send + Sync + 'static;
    /// The scenario's counters in [`Records`].
    type Tally: Send + Sync + 'static;
    /// What the await of a kept handle ends with.
    type Joined: Send;
    /// What the checks get of it.
    type Awaited: Send + 'static;
    /// Callbacks are added with [`ADDING`] set (they check they do not run
    /// synchronously).
    const MARK_ADDING: bool;

    /// Task `i`'s body.
    fn body<H: RuntimeHandle>(
        h: H,
        recs: Arc<Records<Self::Tally>>,
        i: usize,
        plan: Self::Plan,
    ) -> impl Future<Output = Result<Self::Value, TaskError>> + Send + 'static;

    /// Task `i`'s done callback with bit `bit`.
    fn callback<H: RuntimeHandle>(
        h: &H,
        recs: &Arc<Records<Self::Tally>>,
        i: usize,
        plan: &Self::Plan,
        bit: u8,
    ) -> impl Fn(&H::Task<Self::Value>) + Send + Sync + 'static;

    /// The loop side's cancel of task `i` through `t`.
    fn loop_cancel<T: Task>(recs: &Records<Self::Tally>, i: usize, plan: &Self::Plan, t: &T);

    /// What else the loop side does with a held handle in each cancel
    /// round, after its cancel.
    fn in_round<T: Task<Value = Self::Value>>(
        _recs: &Records<Self::Tally>,
        _plan: &Self::Plan,
        _t: &T,
    ) {
    }

    /// The await of a kept handle.
    fn join<T: Task<Value = Self::Value>>(t: T) -> impl Future<Output = Self::Joined> + Send;

    /// What the checks get of an await's end.
    fn awaited(recs: &Records<Self::Tally>, joined: Self::Joined) -> Self::Awaited;

    /// Every future of the batch's `n` tasks is dropped and every callback
    /// has run.
    fn settled(recs: &Records<Self::Tally>, n: usize) -> bool;

    /// What is missing when the batch did not settle within `timeout`.
    fn unsettled(recs: &Records<Self::Tally>, n: usize, timeout: Duration) -> String;
}

/// The stress run's batch.
pub(crate) struct Stress;

impl Scenario for Stress {
    type Value = u64;
    type Plan = Plan;
    type Tally = ();
    type Joined = Result<u64, TaskError>;
    type Awaited = Result<u64, TaskError>;
    const MARK_ADDING: bool = true;

    fn body<H: RuntimeHandle>(
        h: H,
        recs: Arc<Records>,
        i: usize,
        plan: Plan,
    ) -> impl Future<Output = Result<u64, TaskError>> + Send + 'static {
        body(h, recs, i, plan)
    }

    fn callback<H: RuntimeHandle>(
        h: &H,
        recs: &Arc<Records>,
        i: usize,
        plan: &Plan,
        bit: u8,
    ) -> impl Fn(&TaskOf<H>) + Send + Sync + 'static {
        callback(h, recs, i, plan, bit)
    }

    fn loop_cancel<T: Task>(recs: &Records, i: usize, plan: &Plan, t: &T) {
        loop_cancel(recs.get(i), plan, t);
    }

    fn join<T: Task<Value = u64>>(t: T) -> impl Future<Output = Result<u64, TaskError>> + Send {
        t.join()
    }

    fn awaited(_recs: &Records, joined: Result<u64, TaskError>) -> Result<u64, TaskError> {
        joined
    }

    fn settled(recs: &Records, n: usize) -> bool {
        recs.drops.load(Ordering::SeqCst) >= n as u64
            && recs.callbacks_run.load(Ordering::SeqCst)
                >= recs.callbacks_due.load(Ordering::SeqCst)
    }

    fn unsettled(recs: &Records, n: usize, timeout: Duration) -> String {
        format!(
            "batch {}: after {timeout:?}, {} of {n} futures dropped, {} of {} callbacks run",
            recs.batch,
            recs.drops.load(Ordering::SeqCst),
            recs.callbacks_run.load(Ordering::SeqCst),
            recs.callbacks_due.load(Ordering::SeqCst)
        )
    }
}

/// Everything the batch's main task needs.
pub(crate) struct BatchMain<S: Scenario, H: RuntimeHandle> {
    pub(crate) h: H,
    pub(crate) plans: Arc<Vec<S::Plan>>,
    pub(crate) recs: Arc<Records<S::Tally>>,
    pub(crate) foreign: Option<Sender<JobOf<S, H>>>,
    pub(crate) timeout: Duration,
}

impl<S: Scenario, H: RuntimeHandle> BatchMain<S, H> {
    /// Runs the batch's main task on `rt` (whose handle `h` is) and returns
    /// the kept handles; a main task that did not end well is noted.
    pub(crate) fn run_on<R: Runtime<Handle = H>>(self, rt: &R) -> Option<KeptOf<S, H>> {
        let recs = self.recs.clone();
        let out = Arc::new(Mutex::new(None));
        if let Err(e) = rt.run(self.run(out.clone())) {
            recs.violations.note(|| {
                format!(
                    "{} {}: the main task ended with {e:?}",
                    recs.label, recs.batch
                )
            });
        }
        out.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// The batch's main task: creates the tasks and their early callbacks,
    /// hands the shared list to the other thread, cancels in three rounds
    /// between yields, ends the waiting tasks, awaits the kept handles, adds
    /// late callbacks, then waits until every future is dropped and every
    /// callback has run; puts the kept handles in `out`.
    async fn run(self, out: Arc<Mutex<Option<KeptOf<S, H>>>>) {
        let Self {
            h,
            plans,
            recs,
            foreign,
            timeout,
        } = self;
        let started = Instant::now();
        let n = plans.len();
        let mut held: Vec<Option<H::Task<S::Value>>> = Vec::with_capacity(n);
        let mut shared = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let t = h.spawn(None, S::body(h.clone(), recs.clone(), i, *plan));
            let mut due = 0;
            for bit in 0..MAX_EARLY_CALLBACKS {
                if plan.early() & (1 << bit) != 0 {
                    let cb = S::callback(&h, &recs, i, plan, bit);
                    add_callback(&t, Adding::Moved(cb), S::MARK_ADDING);
                    due += 1;
                }
            }
            if plan.removable() {
                let cb = DoneCallback::new(S::callback(&h, &recs, i, plan, REMOVABLE_CALLBACK));
                add_callback(&t, Adding::<_, fn(&_)>::Removable(&cb), S::MARK_ADDING);
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
            if plan.contract() {
                shared.push((i, t.clone()));
            }
            // Neither kept nor shared: detached right away.
            held.push(plan.loop_holds().then_some(t));
        }
        let shared = Arc::new(shared);
        if let Some(tx) = &foreign {
            let job = ForeignJob {
                recs: recs.clone(),
                plans: plans.clone(),
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
                let Some(t) = t else { continue };
                if plans[i].loop_round() == round {
                    S::loop_cancel(&recs, i, &plans[i], t);
                }
                S::in_round(&recs, &plans[i], t);
            }
            h.yield_now().await;
        }
        // Every waiting task gets a cancel: the batch ends.
        for (i, t) in held.iter_mut().enumerate() {
            if let Some(task) = t.as_ref().filter(|_| plans[i].waits()) {
                S::loop_cancel(&recs, i, &plans[i], task);
            }
            if !plans[i].keep() {
                *t = None; // the handle drop of a shared task
            }
        }
        let deadline = started + timeout;
        let mut kept: KeptOf<S, H> = Vec::with_capacity(n);
        let mut timer = pin!(h.sleep(timeout));
        for (i, t) in held.into_iter().enumerate() {
            let Some(t) = t else { continue };
            let mut join = pin!(S::join(t.clone()));
            let joined = poll_fn(|cx| {
                if let Poll::Ready(out) = join.as_mut().poll(cx) {
                    return Poll::Ready(Some(out));
                }
                timer.as_mut().poll(cx).map(|()| None)
            })
            .await;
            let Some(joined) = joined else {
                recs.violation(i, || format!("not done after {timeout:?}: {}", t.repr()));
                return;
            };
            let awaited = S::awaited(&recs, joined);
            if plans[i].late() {
                let cb = S::callback(&h, &recs, i, &plans[i], LATE_CALLBACK);
                add_callback(&t, Adding::Moved(cb), S::MARK_ADDING);
                recs.callbacks_due.fetch_add(1, Ordering::SeqCst);
            }
            kept.push((i, t, awaited));
        }
        let mut spins = 0u32;
        while !S::settled(&recs, n) {
            if Instant::now() > deadline {
                recs.violations.note(|| S::unsettled(&recs, n, timeout));
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
