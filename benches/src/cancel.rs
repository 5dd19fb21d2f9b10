//! Cancellation latency: one at a time, a batch of 10,000, cancel → first
//! done callback, cancel from another OS thread, and cancel of a task busy
//! in a step.
//!
//! Each workload has three spellings, one per family of runtime: generic
//! over any aiotask [`RuntimeHandle`], raw tokio (`abort` + `JoinHandle`,
//! run inside a tokio runtime) and raw async-executor (`Task::cancel`).
//! Every function returns the time of the measured part only; setting up
//! the parked tasks is not timed.

use std::future::{IntoFuture, pending};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aiotask_api::{RuntimeHandle, Task};

use crate::parked;
use crate::raw::ExecSpawn;
use crate::util::{CHUNK, Clock, Gate, Started, Stopwatch, spin_poll};

/// The aiotask spelling of every cancellation workload.
pub mod on_aiotask {
    use super::*;

    /// Parked tasks are cancelled and awaited one at a time; `ops` tasks.
    pub async fn one_at_a_time<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks = Vec::with_capacity(CHUNK);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            parked::aiotask(&h, n, &started, &mut tasks).await;
            let sw = Stopwatch::start();
            for t in tasks.drain(..) {
                t.cancel();
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }

    /// `batch` parked tasks are all cancelled, then all awaited; repeated
    /// until `ops` tasks have been measured.
    pub async fn batch<H: RuntimeHandle>(h: H, batch: usize, ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks = Vec::with_capacity(batch);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(batch);
            parked::aiotask(&h, n, &started, &mut tasks).await;
            let sw = Stopwatch::start();
            for t in &tasks {
                t.cancel();
            }
            for t in tasks.drain(..) {
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }

    /// A parked task with one done callback is cancelled; the time from
    /// just before `cancel()` to the callback's clock stamp.
    pub async fn to_first_callback<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
        let clock = Clock::new();
        let stamp = Arc::new(AtomicU64::new(0));
        let started = Started::new();
        let mut tasks = Vec::with_capacity(CHUNK);
        let mut total_ns = 0u64;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            parked::aiotask(&h, n, &started, &mut tasks).await;
            for t in &tasks {
                let stamp = stamp.clone();
                t.add_done_callback(move |_: &H::Task<()>| {
                    stamp.store(clock.now_ns(), Ordering::Release);
                });
            }
            let counted = Stopwatch::start(); // allocations only: time is from the stamps
            for t in tasks.drain(..) {
                let t0 = clock.now_ns();
                t.cancel();
                // The awaiter was registered after the callback: when it
                // resumes, the callback has run (FIFO done list).
                black_box(t.await.is_err());
                total_ns += stamp.load(Ordering::Acquire).saturating_sub(t0);
            }
            counted.stop();
            left -= n;
        }
        Duration::from_nanos(total_ns)
    }

    /// A plain OS thread cancels each parked task and spins until it
    /// observes the outcome; the loop keeps running meanwhile.
    pub async fn cross_thread<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
        let started = Started::new();
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let mut tasks = Vec::with_capacity(n);
            parked::aiotask(&h, n, &started, &mut tasks).await;
            let done = Gate::new();
            let signal = done.clone();
            let canceller = std::thread::spawn(move || {
                let sw = Stopwatch::start();
                for t in tasks {
                    t.cancel();
                    black_box(spin_poll(t.into_future()).is_err());
                }
                let elapsed = sw.stop();
                signal.open();
                elapsed
            });
            done.wait().await;
            total += canceller.join().expect("canceller thread panicked");
            left -= n;
        }
        total
    }

    /// Each task, woken by its gate, cancels itself in the middle of the
    /// step, then suspends; the cancellation is delivered at that
    /// suspension point and the awaiter sees the task cancelled. Timed
    /// from opening the gate to the awaiter resuming.
    pub async fn busy_in_step<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
        let started = Started::new();
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        let mut tasks = Vec::with_capacity(CHUNK);
        while left > 0 {
            let n = left.min(CHUNK);
            started.reset();
            for _ in 0..n {
                let me: Arc<OnceLock<H::Task<()>>> = Arc::new(OnceLock::new());
                let gate = Gate::new();
                let (s, g, m) = (started.clone(), gate.clone(), me.clone());
                let t = h.create_task(async move {
                    s.bump();
                    g.wait().await;
                    if let Some(me) = m.get() {
                        me.cancel(); // busy in this step: delivered at the next suspension
                    }
                    pending::<()>().await
                });
                let _ = me.set(t.clone());
                tasks.push((t, gate));
            }
            while started.count() < n {
                h.yield_now().await;
            }
            let sw = Stopwatch::start();
            for (t, gate) in tasks.drain(..) {
                gate.open();
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }
}

/// The raw tokio spelling (run inside a tokio runtime).
pub mod on_tokio {
    use super::*;
    use tokio::task::{AbortHandle, JoinHandle};

    /// `abort()` then `.await` on the `JoinHandle`, one task at a time.
    pub async fn one_at_a_time(ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks: Vec<JoinHandle<()>> = Vec::with_capacity(CHUNK);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            parked::tokio(n, &started, &mut tasks).await;
            let sw = Stopwatch::start();
            for t in tasks.drain(..) {
                t.abort();
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }

    /// `abort()` every task of a batch, then await them all.
    pub async fn batch(batch: usize, ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks: Vec<JoinHandle<()>> = Vec::with_capacity(batch);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(batch);
            parked::tokio(n, &started, &mut tasks).await;
            let sw = Stopwatch::start();
            for t in &tasks {
                t.abort();
            }
            for t in tasks.drain(..) {
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }

    /// A plain OS thread aborts each task and spins on its `JoinHandle`.
    pub async fn cross_thread(ops: u64) -> Duration {
        let started = Started::new();
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let mut tasks = Vec::with_capacity(n);
            parked::tokio(n, &started, &mut tasks).await;
            let done = Gate::new();
            let signal = done.clone();
            let canceller = std::thread::spawn(move || {
                let sw = Stopwatch::start();
                for t in tasks {
                    t.abort();
                    black_box(spin_poll(t).is_err());
                }
                let elapsed = sw.stop();
                signal.open();
                elapsed
            });
            done.wait().await;
            total += canceller.join().expect("canceller thread panicked");
            left -= n;
        }
        total
    }

    /// Each task, woken by its gate, aborts itself through its own
    /// `AbortHandle` mid-step, then suspends; the awaiter sees it cancelled.
    pub async fn busy_in_step(ops: u64) -> Duration {
        let started = Started::new();
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        let mut tasks = Vec::with_capacity(CHUNK);
        while left > 0 {
            let n = left.min(CHUNK);
            started.reset();
            for _ in 0..n {
                let me: Arc<OnceLock<AbortHandle>> = Arc::new(OnceLock::new());
                let gate = Gate::new();
                let (s, g, m) = (started.clone(), gate.clone(), me.clone());
                let t = tokio::spawn(async move {
                    s.bump();
                    g.wait().await;
                    if let Some(me) = m.get() {
                        me.abort();
                    }
                    pending::<()>().await
                });
                let _ = me.set(t.abort_handle());
                tasks.push((t, gate));
            }
            while started.count() < n {
                tokio::task::yield_now().await;
            }
            let sw = Stopwatch::start();
            for (t, gate) in tasks.drain(..) {
                gate.open();
                black_box(t.await.is_err());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }
}

/// The raw async-executor spelling.
pub mod on_executor {
    use super::*;
    use std::pin::Pin;

    /// `task.cancel().await`, one task at a time.
    pub async fn one_at_a_time<S: ExecSpawn>(ex: S, ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks = Vec::with_capacity(CHUNK);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            parked::executor(&ex, n, &started, &mut tasks).await;
            let sw = Stopwatch::start();
            for t in tasks.drain(..) {
                black_box(t.cancel().await.is_none());
            }
            total += sw.stop();
            left -= n;
        }
        total
    }

    /// Every task of a batch is cancelled (its `cancel()` future polled
    /// once, which requests it), then all are awaited. The futures are
    /// boxed before the clock starts: async-executor's `cancel` is an
    /// `async fn`, which cannot be requested now and awaited later without
    /// pinning it somewhere.
    pub async fn batch<S: ExecSpawn>(ex: S, batch: usize, ops: u64) -> Duration {
        let started = Started::new();
        let mut tasks = Vec::with_capacity(batch);
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(batch);
            parked::executor(&ex, n, &started, &mut tasks).await;
            // (future, finished already)
            let mut cancels: Vec<(Pin<Box<_>>, bool)> = tasks
                .drain(..)
                .map(|t| (Box::pin(t.cancel()), false))
                .collect();
            let sw = Stopwatch::start();
            for (c, finished) in &mut cancels {
                *finished = futures_lite::future::poll_once(c.as_mut()).await.is_some();
            }
            for (c, finished) in &mut cancels {
                if !*finished {
                    black_box(c.as_mut().await.is_none());
                }
            }
            total += sw.stop();
            drop(cancels);
            left -= n;
        }
        total
    }

    /// A plain OS thread cancels each task and spins on the `cancel()` future.
    pub async fn cross_thread<S: ExecSpawn>(ex: S, ops: u64) -> Duration {
        let started = Started::new();
        let mut total = Duration::ZERO;
        let mut left = ops as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let mut tasks = Vec::with_capacity(n);
            parked::executor(&ex, n, &started, &mut tasks).await;
            let done = Gate::new();
            let signal = done.clone();
            let canceller = std::thread::spawn(move || {
                let sw = Stopwatch::start();
                for t in tasks {
                    black_box(spin_poll(t.cancel()).is_none());
                }
                let elapsed = sw.stop();
                signal.open();
                elapsed
            });
            done.wait().await;
            total += canceller.join().expect("canceller thread panicked");
            left -= n;
        }
        total
    }
}

/// Why raw async-executor has no busy-in-step figure.
pub const EXECUTOR_NO_SELF_CANCEL: &str =
    "async-executor: only the Task owner can cancel, and it cannot run inside the task's step";
