//! Spawn + await: a batch of trivial tasks spawned then all awaited, and
//! spawn-then-await one at a time. The body is `async { 1u32 }` everywhere.

use std::hint::black_box;
use std::time::Duration;

use aiotask_api::RuntimeHandle;

use crate::raw::ExecSpawn;
use crate::util::Stopwatch;

/// The aiotask spelling.
pub mod on_aiotask {
    use super::*;

    /// `batch` tasks are created, then awaited in order; repeated until
    /// `ops` tasks ran.
    pub async fn batch<H: RuntimeHandle>(h: H, batch: usize, ops: u64) -> Duration {
        let mut tasks = Vec::with_capacity(batch);
        let mut left = ops as usize;
        let sw = Stopwatch::start();
        while left > 0 {
            let n = left.min(batch);
            for _ in 0..n {
                tasks.push(h.create_task(async { 1u32 }));
            }
            for t in tasks.drain(..) {
                black_box(t.await.ok());
            }
            left -= n;
        }
        sw.stop()
    }

    /// One task created and awaited at a time.
    pub async fn one_at_a_time<H: RuntimeHandle>(h: H, ops: u64) -> Duration {
        let sw = Stopwatch::start();
        for _ in 0..ops {
            black_box(h.create_task(async { 1u32 }).await.ok());
        }
        sw.stop()
    }
}

/// The raw tokio spelling (run inside a tokio runtime).
pub mod on_tokio {
    use super::*;

    /// `tokio::spawn` a batch, then await every `JoinHandle`.
    pub async fn batch(batch: usize, ops: u64) -> Duration {
        let mut tasks = Vec::with_capacity(batch);
        let mut left = ops as usize;
        let sw = Stopwatch::start();
        while left > 0 {
            let n = left.min(batch);
            for _ in 0..n {
                tasks.push(tokio::spawn(async { 1u32 }));
            }
            for t in tasks.drain(..) {
                black_box(t.await.ok());
            }
            left -= n;
        }
        sw.stop()
    }

    /// `tokio::spawn(..).await`, one at a time.
    pub async fn one_at_a_time(ops: u64) -> Duration {
        let sw = Stopwatch::start();
        for _ in 0..ops {
            black_box(tokio::spawn(async { 1u32 }).await.ok());
        }
        sw.stop()
    }
}

/// The raw async-executor spelling.
pub mod on_executor {
    use super::*;

    /// `ex.spawn` a batch, then await every `Task`.
    pub async fn batch<S: ExecSpawn>(ex: S, batch: usize, ops: u64) -> Duration {
        let mut tasks = Vec::with_capacity(batch);
        let mut left = ops as usize;
        let sw = Stopwatch::start();
        while left > 0 {
            let n = left.min(batch);
            for _ in 0..n {
                tasks.push(ex.spawn_task(async { 1u32 }));
            }
            for t in tasks.drain(..) {
                black_box(t.await);
            }
            left -= n;
        }
        sw.stop()
    }

    /// `ex.spawn(..).await`, one at a time.
    pub async fn one_at_a_time<S: ExecSpawn>(ex: S, ops: u64) -> Duration {
        let sw = Stopwatch::start();
        for _ in 0..ops {
            black_box(ex.spawn_task(async { 1u32 }).await);
        }
        sw.stop()
    }
}
