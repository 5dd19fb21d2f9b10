//! Done-callback dispatch: a task with N done callbacks completes (time per
//! callback from the first registration to the last callback having run,
//! registration included), and the latency from a body's completion to its
//! first done callback.
//!
//! Only aiotask tasks have done callbacks; the raw runtimes are reported as
//! not applicable ([`NO_DONE_CALLBACKS`](crate::NO_DONE_CALLBACKS)).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use aiotask_api::{RuntimeHandle, Task};

use crate::util::{CHUNK, Clock, Gate, Started, Stopwatch};

/// Callbacks run by [`dispatch`] since the process started (a sanity check:
/// every registered callback must have run).
pub static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Parks `n` tasks that each complete when their gate opens; returns once
/// all have run their first step.
async fn gated<H: RuntimeHandle>(
    h: &H,
    n: usize,
    started: &Arc<Started>,
    stamp_done: Option<(Clock, Arc<AtomicU64>)>,
    out: &mut Vec<(H::Task<()>, Arc<Gate>)>,
) {
    started.reset();
    for _ in 0..n {
        let gate = Gate::new();
        let (s, g, done) = (started.clone(), gate.clone(), stamp_done.clone());
        let t = h.create_task(async move {
            s.bump();
            g.wait().await;
            if let Some((clock, at)) = done {
                at.store(clock.now_ns(), Ordering::Release);
            }
        });
        out.push((t, gate));
    }
    while started.count() < n {
        h.yield_now().await;
    }
}

/// `per_task` callbacks are added to a parked task, the task is let
/// complete, and the awaiter (registered after the callbacks, so resumed
/// after the last of them) resumes. `ops` counts callbacks; the duration
/// covers registration, completion and dispatch.
pub async fn dispatch<H: RuntimeHandle>(h: H, per_task: usize, ops: u64) -> Duration {
    let started = Started::new();
    let mut tasks = Vec::with_capacity(CHUNK);
    let mut total = Duration::ZERO;
    let mut left = (ops as usize).div_ceil(per_task.max(1));
    while left > 0 {
        let n = left.min(CHUNK);
        gated(&h, n, &started, None, &mut tasks).await;
        let before = CALLS.load(Ordering::Relaxed);
        let sw = Stopwatch::start();
        for (t, gate) in tasks.drain(..) {
            for _ in 0..per_task {
                t.add_done_callback(|_: &H::Task<()>| {
                    CALLS.fetch_add(1, Ordering::Relaxed);
                });
            }
            gate.open();
            black_box(t.await.is_ok());
        }
        total += sw.stop();
        debug_assert_eq!(CALLS.load(Ordering::Relaxed) - before, n * per_task);
        left -= n;
    }
    total
}

/// The body stamps the clock as it returns; its one done callback stamps
/// the clock as it runs; the difference, summed over `ops` tasks.
pub async fn completion_to_first<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
    let clock = Clock::new();
    let done_at = Arc::new(AtomicU64::new(0));
    let cb_at = Arc::new(AtomicU64::new(0));
    let started = Started::new();
    let mut tasks = Vec::with_capacity(CHUNK);
    let mut total_ns = 0u64;
    let mut left = ops as usize;
    while left > 0 {
        let n = left.min(CHUNK);
        gated(&h, n, &started, Some((clock, done_at.clone())), &mut tasks).await;
        for (t, _) in &tasks {
            let cb_at = cb_at.clone();
            t.add_done_callback(move |_: &H::Task<()>| {
                cb_at.store(clock.now_ns(), Ordering::Release);
            });
        }
        let counted = Stopwatch::start(); // allocations only: time is from the stamps
        for (t, gate) in tasks.drain(..) {
            gate.open();
            black_box(t.await.is_ok());
            let (done, cb) = (
                done_at.load(Ordering::Acquire),
                cb_at.load(Ordering::Acquire),
            );
            total_ns += cb.saturating_sub(done);
        }
        counted.stop();
        left -= n;
    }
    Duration::from_nanos(total_ns)
}
