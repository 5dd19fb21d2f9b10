//! Observing a done task (by anyone: a callback, the other thread, the
//! checks), and the checks of one finished hostile batch.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aiotask_api::{Failure, Task, TaskError, drop_quietly};

use super::HostileReport;
use super::batch::{Awaited, Kept};
use super::plan::{Kind, Plan, PlanShape, REMOVABLE_CALLBACK};
use super::record::{Records, end, state};
use super::values::{BODY_PANIC, CLONE_PANIC, DROP_PANIC, Tally, Value, drop_mine, mode};

/// True for a failure one of this scenario's bodies can end with: a panic
/// whose payload is ours (a string of ours, or a `PanicsOnDrop`, whose
/// message is `None`).
pub(crate) fn failure_is_ours(f: &Failure) -> bool {
    f.is_panic()
        && f.panic_message()
            .is_none_or(|m| [BODY_PANIC, CLONE_PANIC, DROP_PANIC].contains(&m))
}

/// The terminal state a `Debug` of a done task shows, or
/// `state::INCONSISTENT`.
fn from_repr(repr: &str) -> u8 {
    if repr.starts_with("<Task cancelled ") {
        state::CANCELLED
    } else if repr.starts_with("<Task finished ") && repr.contains(" exception=") {
        state::FAILED
    } else if repr.starts_with("<Task finished ") && repr.contains(" result=Value(") {
        state::VALUE
    } else {
        state::INCONSISTENT
    }
}

/// Formats `t` as a caller would, catching a panic of its value's `Debug`
/// (which must reach this caller, and only when the value's `Debug`
/// panics). `None` when it panicked.
pub(crate) fn repr_of<T: Task<Value: std::fmt::Debug>>(t: &T, tally: &Tally) -> Option<String> {
    Tally::bump(&tally.reprs);
    match catch_unwind(AssertUnwindSafe(|| t.repr())) {
        Ok(s) => Some(s),
        Err(payload) => {
            Tally::bump(&tally.repr_panics);
            drop_quietly(payload);
            None
        }
    }
}

/// Observes a task that must be done. `full` reads `exception()`,
/// `result()` (catching a panic of the value's `Clone`) and the repr
/// (catching a panic of its `Debug`), and checks they agree with
/// `cancelled()`; otherwise only `done()` and `cancelled()` are read.
/// Returns the `state` bits seen and, when they contradict each other, why.
pub(crate) fn observe<T: Task<Value = Value>>(
    t: &T,
    full: bool,
    tag: u64,
    value_mode: u8,
    tally: &Tally,
) -> (u8, Option<String>) {
    if !t.done() {
        return (state::INCONSISTENT, Some("done() is false".into()));
    }
    let cancelled = t.cancelled();
    if !full {
        let bit = if cancelled {
            state::CANCELLED
        } else {
            state::NOT_CANCELLED
        };
        return (bit, None);
    }
    let exception = t.exception();
    let by_exception = match &exception {
        Ok(None) => state::VALUE,
        Ok(Some(f)) if failure_is_ours(f) => state::FAILED,
        Err(TaskError::Cancelled(_)) => state::CANCELLED,
        _ => state::INCONSISTENT,
    };
    let same_failure = |f: &Failure| matches!(&exception, Ok(Some(g)) if Failure::ptr_eq(f, g));
    let by_result = match catch_unwind(AssertUnwindSafe(|| t.result())) {
        Ok(Ok(v)) => {
            let right = v.tag == tag;
            drop_mine(v);
            if right {
                state::VALUE
            } else {
                state::INCONSISTENT
            }
        }
        Ok(Err(TaskError::Failed(f))) if same_failure(&f) => state::FAILED,
        Ok(Err(TaskError::Cancelled(_))) => state::CANCELLED,
        Ok(Err(_)) => state::INCONSISTENT,
        Err(payload) => {
            Tally::bump(&tally.result_panics);
            drop_quietly(payload);
            if value_mode & mode::CLONE_PANICS != 0 {
                state::VALUE
            } else {
                state::INCONSISTENT
            }
        }
    };
    let by_repr = match repr_of(t, tally) {
        Some(repr) => from_repr(&repr),
        None if value_mode & mode::DEBUG_PANICS != 0 => state::VALUE,
        None => state::INCONSISTENT,
    };
    let by_flag = if cancelled {
        state::CANCELLED
    } else {
        by_exception & (state::VALUE | state::FAILED)
    };
    if by_exception == by_result
        && by_result == by_repr
        && by_repr == by_flag
        && by_flag != state::INCONSISTENT
    {
        (by_exception, None)
    } else {
        let why = format!(
            "cancelled() {cancelled}, exception() {exception:?} ({by_exception:#b}), result() \
             {by_result:#b}, repr {by_repr:#b} (value mode {value_mode:#b})"
        );
        (state::INCONSISTENT, Some(why))
    }
}

/// How a task ended, once its observations are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Value,
    Failed,
    Cancelled,
}

/// The outcomes a task may end with, given its plan and whether a cancel
/// from outside was accepted.
fn allowed(plan: &Plan, outcome: Outcome, cancelled_from_outside: bool) -> bool {
    let panicky_child = plan.child_mode & (mode::CLONE_PANICS | mode::DROP_PANICS) != 0;
    let natural = match plan.kind {
        Kind::Value => outcome == Outcome::Value,
        Kind::Panics => outcome == Outcome::Failed,
        Kind::SelfCancelValue | Kind::WaitUncaught | Kind::WaitCatchPropagate => {
            outcome == Outcome::Cancelled
        }
        Kind::WaitCatchValue => outcome != Outcome::Failed,
        Kind::AwaitChild => outcome != Outcome::Failed || panicky_child,
        Kind::Chain => {
            outcome == Outcome::Cancelled || (plan.suppress && outcome == Outcome::Value)
        }
    };
    natural || (cancelled_from_outside && outcome == Outcome::Cancelled)
}

/// Checks a finished batch, adds its figures to `report`, and returns how
/// many "exception was never retrieved" reports its tasks owe.
pub(crate) fn batch<H: aiotask_api::RuntimeHandle>(
    plans: &[Plan],
    recs: &Arc<Records>,
    kept: Kept<H>,
    report: &mut HostileReport,
) -> u64 {
    let tally = &recs.tally;
    // The kept handles: a full observation, which the awaited outcome
    // must match; then every handle is dropped (and with the last one,
    // maybe the task: its value's destructor runs inside aiotask).
    for (i, t, awaited) in &kept {
        let (i, plan) = (*i, &plans[*i]);
        let rec = recs.get(i);
        let (bits, why) = observe(t, true, recs.value(i), plan.value_mode, tally);
        rec.saw(bits);
        if let Some(why) = why {
            recs.violation(i, || format!("kept handle: {why}"));
        }
        let matches = match awaited {
            Awaited::Value(tag) => bits == state::VALUE && *tag == recs.value(i),
            Awaited::ClonePanicked => {
                bits == state::VALUE && plan.value_mode & mode::CLONE_PANICS != 0
            }
            Awaited::Failed(f) => {
                bits == state::FAILED
                    && matches!(t.exception(), Ok(Some(g)) if Failure::ptr_eq(f, &g))
            }
            Awaited::Cancelled => bits == state::CANCELLED,
            Awaited::Other(_) => false,
        };
        if !matches {
            recs.violation(i, || {
                format!("awaited {awaited:?}, but the handle shows {bits:#b}")
            });
        }
        if rec.counted_cancel(false, || t.cancel()) {
            recs.violation(i, || "cancel() of a done task returned true".into());
        }
    }
    drop(kept);

    let mut owed = 0;
    for (i, plan) in plans.iter().enumerate() {
        let rec = recs.get(i);
        let states = rec.seen.load(Ordering::SeqCst);
        let body_end = rec.end.load(Ordering::SeqCst);
        let terminal = states & (state::VALUE | state::FAILED | state::CANCELLED);
        let outcome = match terminal {
            state::VALUE if states & state::INCONSISTENT == 0 => Outcome::Value,
            state::FAILED if states & state::INCONSISTENT == 0 => Outcome::Failed,
            state::CANCELLED if states & (state::INCONSISTENT | state::NOT_CANCELLED) == 0 => {
                Outcome::Cancelled
            }
            // Only light observations (done, not cancelled): the body says
            // which of value or failure.
            0 if states == state::NOT_CANCELLED && body_end == end::VALUE => Outcome::Value,
            0 if states == state::NOT_CANCELLED && body_end == end::PANIC => Outcome::Failed,
            _ => {
                recs.violation(i, || {
                    format!("{plan:?}: not exactly one terminal state: seen {states:#b}, body end {body_end}")
                });
                continue;
            }
        };
        let started = rec.started.load(Ordering::SeqCst);
        let ext = rec.ext_true.load(Ordering::SeqCst);
        let own = rec.self_true.load(Ordering::SeqCst);
        let drops = rec.future_drops.load(Ordering::SeqCst);
        let by_body = match body_end {
            end::VALUE => {
                outcome == Outcome::Value || (outcome == Outcome::Cancelled && ext + own > 0)
            }
            end::PANIC => outcome == Outcome::Failed,
            _ => outcome == Outcome::Cancelled,
        };
        let cancels_ok = (outcome != Outcome::Cancelled || ext + own > 0)
            && (!plan.blocks() || ext > 0)
            && own == u32::from(started && plan.kind == Kind::SelfCancelValue);
        if drops != 1
            || (!started && body_end != end::NONE)
            || !by_body
            || !allowed(plan, outcome, ext > 0)
            || !cancels_ok
        {
            recs.violation(i, || {
                format!(
                    "{plan:?} ended {outcome:?}: started {started}, body end {body_end}, future drops \
                     {drops}, accepted cancels {ext} (+{own} own)"
                )
            });
        }
        let mut due = plan.definite_callbacks();
        if rec.removal_missed.load(Ordering::SeqCst) {
            due |= 1 << REMOVABLE_CALLBACK;
        }
        let ran = rec.callbacks.load(Ordering::SeqCst);
        let runs = rec.callback_runs.load(Ordering::SeqCst);
        if ran != due || u32::from(runs) != due.count_ones() {
            recs.violation(i, || {
                format!("callbacks ran {ran:#b} ({runs} runs), due {due:#b}")
            });
        }
        report.cancels_accepted += u64::from(ext);
        report.cancels_refused += u64::from(rec.cancels_false.load(Ordering::SeqCst));
        report.cancelled_before_start += u64::from(!started);
        match outcome {
            Outcome::Value => report.completed += 1,
            Outcome::Failed => report.failed += 1,
            Outcome::Cancelled => report.cancelled += 1,
        }
        let retrieved = plan.keep
            || rec.retrieved.load(Ordering::SeqCst)
            || rec.cancels_false.load(Ordering::SeqCst) > 0;
        owed += u64::from(outcome == Outcome::Failed && !retrieved);
    }
    report.tasks += plans.len() as u64;
    report.batches += 1;
    report.kept += plans.iter().filter(|p| p.keep).count() as u64;
    report.detached_at_creation += plans.iter().filter(|p| !p.loop_holds()).count() as u64;
    report.children += recs.children.load(Ordering::SeqCst);
    report.loop_cancels += plans
        .iter()
        .map(|p| u64::from(p.loop_round != 0) + u64::from(p.kind.waits()))
        .sum::<u64>();
    owed
}
