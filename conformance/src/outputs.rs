//! Outputs of any type (issue 11, value rule V5 of `task-core/src/value.rs`).
//!
//! asyncio shares a finished task's value: `result()` and every `await`
//! return the same object. Rust moves values, so aiotask reads one in two
//! ways: a *clone* read (`result()`, `(&task).await`, `join()`) for a
//! `Clone` value, which every reader gets, as in Python; and a *move* read
//! (`task.await`, `take_result()`) for any value, which the first reader
//! gets and after which every read is told `Result was taken`. These checks
//! pin both, for values that are neither `Clone` nor `Debug`, on every
//! flavour.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aiotask_api::{Runtime, RuntimeHandle, Task, TaskError};

use crate::support::{Gate, TaskOf, run};
use crate::{Fixture, Outcome};

/// A value that is neither `Clone` nor `Debug`, and counts its drops.
struct Conn {
    bytes: Vec<u8>,
    drops: Arc<AtomicUsize>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn conn(drops: &Arc<AtomicUsize>) -> Conn {
    Conn {
        bytes: b"hello".to_vec(),
        drops: drops.clone(),
    }
}

#[track_caller]
fn expect_taken<T>(read: Result<T, TaskError>, what: &str) {
    match read {
        Err(TaskError::InvalidState(e)) if e.is_result_taken() => {}
        Err(other) => panic!("{what}: expected `Result was taken`, got {other:?}"),
        Ok(_) => panic!("{what}: expected `Result was taken`, got a value"),
    }
}

/// A task may return a value with neither `Clone` nor `Debug` (a
/// connection, an `io::Error`); awaiting the handle moves it out. The task
/// stays finished: `done()`, not `cancelled()`, `exception()` is `None`.
pub fn a_value_without_clone_or_debug_is_moved_out_by_await<R: Runtime>(
    fx: &Fixture<R>,
) -> Outcome {
    let h = fx.runtime().handle();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let (bytes, io, after, exc, done) = run(fx.runtime(), async move {
        let t: TaskOf<R, Conn> = h.create_task(async move { conn(&d) });
        let e: TaskOf<R, std::io::Result<u8>> =
            h.create_task(async { Err(std::io::Error::other("refused")) });
        let kept = t.clone();
        let value = t.await.expect("the first await moves the value out");
        let io = e.await.expect("finished").unwrap_err().to_string();
        let after = kept.take_result().map(|c| c.bytes.len());
        let exc = kept.exception().map(|f| f.is_none());
        let done = kept.done() && !kept.cancelled();
        (value.bytes.clone(), io, after, exc, done)
    });
    assert_eq!(bytes, b"hello", "the moved value");
    assert_eq!(io, "refused", "an io::Result output");
    expect_taken(after, "take_result() after the await");
    assert_eq!(exc.ok(), Some(true), "exception() of a finished task: None");
    assert!(done, "done() and not cancelled() after the value moved out");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the value dropped once, by its reader"
    );
    Outcome::Pass
}

/// Several tasks await one handle by value: exactly one gets the value,
/// the others are told it was taken (none hangs, none panics).
pub fn by_value_awaiters_after_the_first_are_told_it_was_taken<R: Runtime>(
    fx: &Fixture<R>,
) -> Outcome {
    let h = fx.runtime().handle();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let reads = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let target: TaskOf<R, Conn> = h.create_task(async move {
            g.wait().await;
            conn(&d)
        });
        let awaiters: Vec<TaskOf<R, Result<usize, bool>>> = (0..3)
            .map(|_| {
                let t = target.clone();
                h.create_task(async move {
                    match t.await {
                        Ok(c) => Ok(c.bytes.len()),
                        Err(TaskError::InvalidState(e)) => Err(e.is_result_taken()),
                        Err(_) => Err(false),
                    }
                })
            })
            .collect();
        h.yield_now().await;
        gate.set(());
        let mut reads = Vec::new();
        for a in awaiters {
            reads.push(a.await.expect("an awaiter finished"));
        }
        reads
    });
    let got = reads.iter().filter(|r| **r == Ok(5)).count();
    let told = reads.iter().filter(|r| **r == Err(true)).count();
    assert_eq!((got, told), (1, 2), "one awaiter got the value: {reads:?}");
    assert_eq!(drops.load(Ordering::SeqCst), 1, "one value, dropped once");
    Outcome::Pass
}

/// A `Clone` value is read by every clone read (`result()`, `join()`, which
/// is `(&task).await` for a concrete handle), as Python's; a move read then takes it, and every
/// later read, and the repr, say it was taken. CPython has no move read.
pub fn a_clone_value_is_shared_until_it_is_moved_out<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (clones, moved, later, repr) = run(fx.runtime(), async move {
        let t: TaskOf<R, String> = h.create_named_task("V", async { "v".to_owned() });
        let a = t.join().await.expect("a clone read");
        let b = t.join().await.expect("a clone read");
        let c = t.result().expect("a clone read");
        let moved = t.clone().await.expect("the move read");
        let later = (
            t.result().err(),
            t.join().await.err(),
            t.take_result().err(),
        );
        (vec![a, b, c], moved, later, t.repr())
    });
    assert_eq!(clones, ["v", "v", "v"], "every clone read gets the value");
    assert_eq!(moved, "v", "the move read gets it too");
    expect_taken(later.0.map_or(Ok(()), Err), "result() after the move");
    expect_taken(later.1.map_or(Ok(()), Err), "join() after the move");
    expect_taken(later.2.map_or(Ok(()), Err), "take_result() after the move");
    assert_eq!(repr, "<Task finished name='V' result=<taken>>", "the repr");
    Outcome::Pass
}

/// `take_result()` moves the value out of a finished task once; on a
/// pending task it is `InvalidState` (`Result is not set.`) and takes
/// nothing; on a cancelled or failed task it reads as `result()` does.
pub fn take_result_moves_the_value_once<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let (pending, first, second, cancelled) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t: TaskOf<R, Conn> = h.create_task(async move {
            g.wait().await;
            conn(&d)
        });
        let pending = match t.take_result() {
            Err(TaskError::InvalidState(e)) => Some(e.message()),
            _ => None,
        };
        gate.set(());
        while !t.done() {
            h.yield_now().await;
        }
        let first = t.take_result().map(|c| c.bytes.len()).ok();
        let second = t.take_result().map(|c| c.bytes.len());
        let c: TaskOf<R, Conn> = h.create_task(std::future::pending());
        h.yield_now().await;
        c.cancel_with("gone");
        while !c.done() {
            h.yield_now().await;
        }
        let cancelled = match c.take_result() {
            Err(TaskError::Cancelled(e)) => e.message().map(str::to_owned),
            _ => None,
        };
        (pending, first, second, cancelled)
    });
    assert_eq!(pending, Some("Result is not set."), "pending");
    assert_eq!(first, Some(5), "the first take");
    expect_taken(second, "the second take");
    assert_eq!(
        cancelled.as_deref(),
        Some("gone"),
        "a cancelled task's take"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the taken value dropped once"
    );
    Outcome::Pass
}

/// `rt.run(task)` runs the loop until the task is done and moves its value
/// out: how a value that is not `Clone` leaves a runtime (whose
/// `run_until_complete(&task)` clones, as Python's returns the result).
pub fn run_moves_a_handle_value_out<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let t: TaskOf<R, Conn> = fx
        .runtime()
        .handle()
        .create_named_task("R", async move { conn(&d) });
    // The main task's output is the awaited handle's: a `Result` in a `Result`.
    let value = fx
        .runtime()
        .run(t.clone())
        .expect("run(task) finished")
        .expect("the task finished");
    assert_eq!(value.bytes, b"hello", "the value");
    expect_taken(t.take_result(), "take_result() after run(task)");
    drop(value);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped once");
    Outcome::Pass
}

/// A handle that cannot format the value (an `AnyTask`, which is what
/// reports print) shows its type where CPython shows its repr; a value
/// never read is dropped with the task's last handle.
pub fn an_erased_handle_shows_the_value_type<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let (erased, number) = run(fx.runtime(), async move {
        let t: TaskOf<R, Conn> = h.create_named_task("E", async move { conn(&d) });
        let n: TaskOf<R, u8> = h.create_named_task("N", async { 7 });
        let _ = n.join().await;
        while !t.done() {
            h.yield_now().await;
        }
        (
            format!("{:?}", t.as_any()),
            (format!("{:?}", n.as_any()), n.repr()),
        )
    });
    assert_eq!(
        erased, "<Task finished name='E' result=<aiotask_conformance::outputs::Conn>>",
        "an erased handle of a value with no Debug"
    );
    assert_eq!(
        number,
        (
            "<Task finished name='N' result=<u8>>".to_owned(),
            "<Task finished name='N' result=7>".to_owned()
        ),
        "erased and typed reprs of a Debug value"
    );
    // The last handle may be a worker thread's, which lets go of the
    // finished task's future just after the task is seen done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while drops.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the unread value dropped with the task"
    );
    Outcome::Pass
}
