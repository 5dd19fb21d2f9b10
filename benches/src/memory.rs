//! Memory: live heap bytes and allocations per parked task, counted by
//! [`stats_alloc`]'s instrumented system allocator over 100,000 tasks.
//!
//! The counting only works in a binary that installs the allocator as its
//! global allocator (this crate's `memprobe` binary and `memory` bench do):
//!
//! ```
//! #[global_allocator]
//! static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;
//!
//! fn main() {
//!     assert!(aiotask_benches::memory::counting_active());
//! }
//! ```
//!
//! The timing binaries do not: counting costs atomic operations on every
//! allocation, which would be charged to every figure.
//!
//! A measurement counts everything allocated from just before the first
//! spawn until every task has run its first step, on every thread: the
//! task itself, its handle's share, the runtime's per-task bookkeeping and
//! any growth of its queues. The vector holding the handles is allocated
//! before counting starts.

use std::hint::black_box;

use aiotask_api::{RuntimeHandle, Task};
use stats_alloc::{INSTRUMENTED_SYSTEM, Stats};

use crate::parked;
use crate::raw::ExecSpawn;
use crate::subject::HeapSample;
use crate::util::Started;

/// True when [`INSTRUMENTED_SYSTEM`] is this process's global allocator.
///
/// ```
/// // Not installed in doc tests:
/// assert!(!aiotask_benches::memory::counting_active());
/// ```
pub fn counting_active() -> bool {
    let before = INSTRUMENTED_SYSTEM.stats().allocations;
    black_box(Box::new(black_box(7u64)));
    INSTRUMENTED_SYSTEM.stats().allocations != before
}

/// A snapshot of the counters.
fn now() -> Stats {
    INSTRUMENTED_SYSTEM.stats()
}

/// Live (net) heap bytes in a snapshot: bytes requested minus bytes freed.
///
/// `stats_alloc` already folds every `realloc` into these two counters
/// (growth into `bytes_allocated`, shrinkage into `bytes_deallocated`); its
/// `bytes_reallocated` is the net of those same reallocs, so it must not be
/// added again (that would count every realloc's growth twice).
///
/// ```
/// use stats_alloc::Stats;
/// let s = Stats { bytes_allocated: 1_024, bytes_deallocated: 256, bytes_reallocated: 512, ..Stats::default() };
/// assert_eq!(aiotask_benches::memory::live_bytes(&s), 768);
/// ```
pub fn live_bytes(s: &Stats) -> i128 {
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

/// Live blocks in a snapshot: allocations minus deallocations (a `realloc`
/// moves a block, it neither adds nor frees one).
///
/// ```
/// use stats_alloc::Stats;
/// let s = Stats { allocations: 5, deallocations: 2, reallocations: 9, ..Stats::default() };
/// assert_eq!(aiotask_benches::memory::live_allocs(&s), 3);
/// ```
pub fn live_allocs(s: &Stats) -> i128 {
    s.allocations as i128 - s.deallocations as i128
}

/// Gross bytes requested in a snapshot: every `alloc` and `alloc_zeroed`
/// size plus every `realloc`'s growth (`stats_alloc` counts both in
/// `bytes_allocated`).
///
/// ```
/// use stats_alloc::Stats;
/// let s = Stats { bytes_allocated: 4_096, bytes_reallocated: 1_000, ..Stats::default() };
/// assert_eq!(aiotask_benches::memory::requested_bytes(&s), 4_096);
/// ```
pub fn requested_bytes(s: &Stats) -> u64 {
    s.bytes_allocated as u64
}

/// Live bytes and allocations between two snapshots, per task.
///
/// ```
/// use stats_alloc::Stats;
/// let before = Stats::default();
/// let after = Stats { allocations: 20, bytes_allocated: 2_560, ..Stats::default() };
/// let sample = aiotask_benches::memory::per_task(before, after, 10);
/// assert_eq!((sample.bytes_per_task, sample.allocs_per_task, sample.tasks), (256.0, 2.0, 10));
/// ```
pub fn per_task(before: Stats, after: Stats, tasks: usize) -> HeapSample {
    let bytes = live_bytes(&after) - live_bytes(&before);
    let allocs = live_allocs(&after) - live_allocs(&before);
    HeapSample {
        bytes_per_task: bytes as f64 / tasks as f64,
        allocs_per_task: allocs as f64 / tasks as f64,
        tasks: tasks as u64,
    }
}

/// The aiotask spelling: `n` parked tasks, then cancelled and awaited.
pub async fn on_aiotask<H: RuntimeHandle>(h: H, n: usize) -> HeapSample {
    let started = Started::new();
    let mut tasks = Vec::with_capacity(n);
    let before = now();
    parked::aiotask(&h, n, &started, &mut tasks).await;
    let after = now();
    for t in &tasks {
        t.cancel();
    }
    for t in tasks.drain(..) {
        black_box(t.await.is_err());
    }
    per_task(before, after, n)
}

/// The raw tokio spelling (inside a tokio runtime).
pub async fn on_tokio(n: usize) -> HeapSample {
    let started = Started::new();
    let mut tasks = Vec::with_capacity(n);
    let before = now();
    parked::tokio(n, &started, &mut tasks).await;
    let after = now();
    for t in &tasks {
        t.abort();
    }
    for t in tasks.drain(..) {
        black_box(t.await.is_err());
    }
    per_task(before, after, n)
}

/// The raw async-executor spelling.
pub async fn on_executor<S: ExecSpawn>(ex: S, n: usize) -> HeapSample {
    let started = Started::new();
    let mut tasks = Vec::with_capacity(n);
    let before = now();
    parked::executor(&ex, n, &started, &mut tasks).await;
    let after = now();
    for t in tasks.drain(..) {
        black_box(t.cancel().await);
    }
    per_task(before, after, n)
}
