//! The checks of one finished batch: for every task, one terminal state,
//! reported alike by `done()`, `cancelled()`, `result()`, `exception()`,
//! the repr, the awaited outcome and the done callbacks; consistent with
//! what its body did and with the cancels it got; every callback run once.

use std::sync::atomic::Ordering;

use aiotask_api::{Failure, RuntimeHandle, Task, TaskError};

use super::Report;
use super::batch::{Kept, StressError};
use super::plan::{Kind, Plan, PlanShape, REMOVABLE_CALLBACK};
use super::record::{BODY_PANIC, Record, Records, end, msg, seen};

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Value(u64),
    Error,
    Panic,
    Cancelled,
}

/// The outcome an awaited result stands for, checking the failure's content.
fn from_awaited(
    recs: &Records,
    i: usize,
    rec: &Record,
    awaited: &Result<u64, TaskError>,
) -> Option<Outcome> {
    let v = recs.value(i);
    match awaited {
        Ok(x) => Some(Outcome::Value(*x)),
        Err(TaskError::Cancelled(e)) => {
            // The first retrieval carries the message of a cancel it got.
            let bit = msg::bit_of(e.message());
            if bit == 0 || rec.msgs.load(Ordering::SeqCst) & bit == 0 {
                recs.violation(i, || {
                    format!(
                        "awaited {e:?}, but the messages sent were {:#b}",
                        rec.msgs.load(Ordering::SeqCst)
                    )
                });
            }
            Some(Outcome::Cancelled)
        }
        Err(TaskError::Failed(f)) if f.is_panic() => {
            if f.panic_message() != Some(BODY_PANIC) {
                recs.violation(i, || format!("awaited a foreign panic {f:?}"));
            }
            Some(Outcome::Panic)
        }
        Err(TaskError::Failed(f)) => {
            if f.downcast_ref::<StressError>() != Some(&StressError(v)) {
                recs.violation(i, || format!("awaited a foreign error {f:?}"));
            }
            Some(Outcome::Error)
        }
        Err(other) => {
            recs.violation(i, || format!("awaited {other:?}"));
            None
        }
    }
}

/// A kept handle answers like its awaited outcome.
fn check_handle<T: Task<Value = u64>>(
    recs: &Records,
    i: usize,
    rec: &Record,
    t: &T,
    outcome: Outcome,
    awaited: &Result<u64, TaskError>,
) {
    let cancelled = outcome == Outcome::Cancelled;
    let same_failure =
        |f: &Failure| matches!(awaited, Err(TaskError::Failed(g)) if Failure::ptr_eq(f, g));
    let result_ok = match (t.result(), outcome) {
        (Ok(x), Outcome::Value(v)) => x == v,
        (Err(TaskError::Cancelled(_)), Outcome::Cancelled) => true,
        (Err(TaskError::Failed(f)), Outcome::Error | Outcome::Panic) => same_failure(&f),
        _ => false,
    };
    let exception_ok = match (t.exception(), outcome) {
        (Ok(None), Outcome::Value(_)) => true,
        (Err(TaskError::Cancelled(_)), Outcome::Cancelled) => true,
        (Ok(Some(f)), Outcome::Error | Outcome::Panic) => same_failure(&f),
        _ => false,
    };
    let repr = t.repr();
    let word = if cancelled {
        "<Task cancelled "
    } else {
        "<Task finished "
    };
    let expected_cancelling = cancelling_expected(rec);
    let cancelling = t.cancelling();
    let refused = !t.cancel() && !t.cancel_with("late");
    if !(t.done()
        && t.cancelled() == cancelled
        && result_ok
        && exception_ok
        && repr.starts_with(word)
        && refused
        && cancelling == expected_cancelling
        && t.cancelling() == cancelling)
    {
        recs.violation(i, || {
            format!(
                "awaited {awaited:?} ({outcome:?}), but done() {}, cancelled() {}, result() {:?}, \
                 exception() {:?}, repr {repr}, cancel() refused {refused}, cancelling() {cancelling} \
                 (expected {expected_cancelling})",
                t.done(),
                t.cancelled(),
                t.result(),
                t.exception()
            )
        });
    }
}

/// `cancelling()` after the end: accepted cancels minus `uncancel()` calls
/// (each `uncancel()` of a body follows a cancel of its own or a delivered
/// one, so it always decrements).
fn cancelling_expected(rec: &Record) -> u32 {
    rec.ext_true.load(Ordering::SeqCst) + rec.self_true.load(Ordering::SeqCst)
        - rec.uncancels.load(Ordering::SeqCst)
}

/// The outcomes a task may end with, given its kind and whether the loop
/// side or the other thread got a cancel accepted.
fn allowed(kind: Kind, outcome: Outcome, v: u64, cancelled_from_outside: bool) -> bool {
    let natural = match kind {
        Kind::Fails => outcome == Outcome::Error,
        Kind::Panics | Kind::CatchThenPanic => outcome == Outcome::Panic,
        Kind::SelfCancelReturn | Kind::WaitCatchPropagate | Kind::WaitUncaught => {
            outcome == Outcome::Cancelled
        }
        Kind::AwaitChild | Kind::WaitCatchSuppress => {
            outcome == Outcome::Value(v) || outcome == Outcome::Cancelled
        }
        Kind::Immediate | Kind::Yields | Kind::SleepShort | Kind::SelfCancelUncancel => {
            outcome == Outcome::Value(v)
        }
    };
    natural || (cancelled_from_outside && outcome == Outcome::Cancelled)
}

/// Checks one task whose outcome is known; returns whether a failure
/// report is due when its last reference goes (failed, never retrieved).
fn check_task(
    recs: &Records,
    i: usize,
    plan: &Plan,
    outcome: Outcome,
    report: &mut Report,
) -> bool {
    let rec = recs.get(i);
    let v = recs.value(i);
    let started = rec.started.load(Ordering::SeqCst);
    let body_end = rec.end.load(Ordering::SeqCst);
    let ext = rec.ext_true.load(Ordering::SeqCst);
    let own = rec.self_true.load(Ordering::SeqCst);
    let drops = rec.future_drops.load(Ordering::SeqCst);
    let by_body = match body_end {
        end::VALUE => {
            outcome == Outcome::Value(v) || (outcome == Outcome::Cancelled && ext + own > 0)
        }
        end::ERROR => outcome == Outcome::Error,
        end::PANIC => outcome == Outcome::Panic,
        end::PROPAGATE => outcome == Outcome::Cancelled,
        _ => outcome == Outcome::Cancelled,
    };
    let cancel_counts_ok = (ext + own > 0 || outcome != Outcome::Cancelled)
        && (!plan.kind.waits() || ext > 0)
        && own == u32::from(started && plan.kind.cancels_itself());
    if drops != 1
        || (!started && body_end != end::NONE)
        || !by_body
        || !allowed(plan.kind, outcome, v, ext > 0)
        || !cancel_counts_ok
    {
        recs.violation(i, || {
            format!(
                "{plan:?} ended {outcome:?}: started {started}, body end {body_end}, future drops {drops}, \
                 accepted cancels {ext} (+{own} own)"
            )
        });
    }
    // The callbacks: each definite one exactly once, the removable one
    // exactly when its removal came too late, all seeing the same state.
    let removal_missed = rec.removal_missed.load(Ordering::SeqCst);
    let mut due = plan.definite_callbacks();
    if removal_missed {
        due |= 1 << REMOVABLE_CALLBACK;
    }
    let ran = rec.callbacks.load(Ordering::SeqCst);
    let runs = rec.callback_runs.load(Ordering::SeqCst);
    let saw = rec.seen.load(Ordering::SeqCst);
    let state_bit = if outcome == Outcome::Cancelled {
        seen::CANCELLED
    } else {
        seen::NOT_CANCELLED
    };
    let saw_expected = if due == 0 { 0 } else { seen::DONE | state_bit };
    let cancelling_seen = rec.cancelling_seen.load(Ordering::SeqCst);
    let cancelling_ok = if due == 0 {
        cancelling_seen == u32::MAX
    } else {
        cancelling_seen == cancelling_expected(rec)
    };
    if ran != due || u32::from(runs) != due.count_ones() || saw != saw_expected || !cancelling_ok {
        recs.violation(i, || {
            format!(
                "callbacks: due {due:#b}, ran {ran:#b} ({runs} runs), saw {saw:#b} (expected \
                 {saw_expected:#b}), cancelling() seen {cancelling_seen} (expected {})",
                cancelling_expected(rec)
            )
        });
    }
    report.callbacks_added +=
        u64::from(plan.early.count_ones()) + u64::from(plan.late) + u64::from(plan.removable);
    report.callbacks_removed += u64::from(plan.removable && !removal_missed);
    report.callbacks_run += u64::from(runs);
    report.cancels_accepted += u64::from(ext);
    report.cancels_refused += u64::from(rec.cancels_false.load(Ordering::SeqCst));
    report.self_cancels += u64::from(own);
    report.uncancels += u64::from(rec.uncancels.load(Ordering::SeqCst));
    report.cancelled_before_start += u64::from(!started);
    match outcome {
        Outcome::Value(_) => {
            report.completed += 1;
            report.suppressed += u64::from(ext > 0 && plan.kind.waits());
        }
        Outcome::Error => report.failed_error += 1,
        Outcome::Panic => report.failed_panic += 1,
        Outcome::Cancelled => report.cancelled += 1,
    }
    let failed = matches!(outcome, Outcome::Error | Outcome::Panic);
    // A failed task nobody awaited, read or cancel()ed after its end:
    // reported when its last reference goes.
    failed && !plan.keep && rec.cancels_false.load(Ordering::SeqCst) == 0
}

/// Checks a finished batch and adds its figures to `report`; returns how
/// many "exception was never retrieved" reports its tasks owe.
pub(crate) fn batch<H: RuntimeHandle>(
    plans: &[Plan],
    recs: &Records,
    kept: Kept<H>,
    report: &mut Report,
) -> u64 {
    let n = plans.len();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    for (i, t, awaited) in &kept {
        let rec = recs.get(*i);
        if let Some(outcome) = from_awaited(recs, *i, rec, awaited) {
            check_handle(recs, *i, rec, t, outcome, awaited);
            outcomes[*i] = Some(outcome);
        }
    }
    let mut owed = 0;
    for (i, plan) in plans.iter().enumerate() {
        let rec = recs.get(i);
        let outcome = match outcomes[i] {
            Some(o) => o,
            None if plan.keep => continue, // already reported
            // A dropped handle: the callbacks saw the state, the body
            // recorded how it ended.
            None => {
                let saw = rec.seen.load(Ordering::SeqCst);
                match rec.end.load(Ordering::SeqCst) {
                    _ if saw & seen::CANCELLED != 0 => Outcome::Cancelled,
                    end::ERROR => Outcome::Error,
                    end::PANIC => Outcome::Panic,
                    end::VALUE if saw & seen::NOT_CANCELLED != 0 => Outcome::Value(recs.value(i)),
                    how => {
                        recs.violation(i, || {
                            format!("callbacks saw {saw:#b} after body end {how}")
                        });
                        continue;
                    }
                }
            }
        };
        owed += u64::from(check_task(recs, i, plan, outcome, report));
    }
    report.tasks += n as u64;
    report.batches += 1;
    report.kept += kept.len() as u64;
    report.handles_dropped += plans.iter().filter(|p| !p.keep).count() as u64;
    report.detached_at_creation += plans.iter().filter(|p| !p.loop_holds()).count() as u64;
    report.loop_cancels += plans
        .iter()
        .map(|p| u64::from(p.loop_round != 0) + u64::from(p.kind.waits()))
        .sum::<u64>();
    report.children += recs.children.load(Ordering::SeqCst);
    report.callback_panics += recs.callback_panics.load(Ordering::SeqCst);
    owed
}
