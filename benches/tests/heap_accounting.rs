//! The memory helpers against a known allocation pattern, under the same
//! counting allocator as `memprobe`: a `Vec` grown and shrunk by `realloc`.
//!
//! `stats_alloc` folds a `realloc`'s growth into `bytes_allocated` (and its
//! shrinkage into `bytes_deallocated`) and also reports the net change in
//! `bytes_reallocated`; adding the latter on top counted every realloc twice.
//! This binary holds a single test so that no other test allocates while
//! the counters are read.
#![forbid(unsafe_code)]

use std::alloc::System;
use std::hint::black_box;

use aiotask_benches::memory::{self, live_allocs, live_bytes, per_task, requested_bytes};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn vec_grown_and_shrunk_by_realloc() {
    assert!(memory::counting_active());

    // Nothing below allocates but the vector until the last snapshot.
    let before = INSTRUMENTED_SYSTEM.stats();
    let mut v: Vec<u64> = Vec::with_capacity(8); // alloc: 64 bytes
    v.extend(0..8);
    black_box(&mut v);
    v.reserve_exact(120); // realloc 64 -> 1,024 bytes
    black_box(&mut v);
    let grown = INSTRUMENTED_SYSTEM.stats();
    v.shrink_to(32); // realloc 1,024 -> 256 bytes
    black_box(&mut v);
    let shrunk = INSTRUMENTED_SYSTEM.stats();
    let (len, cap) = (v.len(), v.capacity());
    drop(v); // dealloc: 256 bytes
    let dropped = INSTRUMENTED_SYSTEM.stats();

    assert_eq!((len, cap), (8, 32));

    // The pattern really went through realloc, which stats_alloc also
    // reports as a net change of its own.
    let g = grown - before;
    assert_eq!((g.allocations, g.reallocations, g.deallocations), (1, 1, 0));
    assert_eq!(g.bytes_reallocated, 1_024 - 64);
    let s = shrunk - before;
    assert_eq!(s.reallocations, 2);
    assert_eq!(s.bytes_reallocated, 256 - 64);

    // Live heap: the vector's current buffer, counted once.
    assert_eq!(live_bytes(&grown) - live_bytes(&before), 1_024);
    assert_eq!(live_bytes(&shrunk) - live_bytes(&before), 256);
    assert_eq!(live_bytes(&dropped) - live_bytes(&before), 0);
    assert_eq!(live_allocs(&grown) - live_allocs(&before), 1);
    assert_eq!(live_allocs(&dropped) - live_allocs(&before), 0);

    // The per-task figure `memprobe` reports (the old formula gave 1,984
    // and 448 here).
    let h = per_task(before, grown, 1);
    assert_eq!(
        (h.bytes_per_task, h.allocs_per_task, h.tasks),
        (1_024.0, 1.0, 1)
    );
    let h = per_task(before, shrunk, 4);
    assert_eq!((h.bytes_per_task, h.allocs_per_task), (64.0, 0.25));
    let h = per_task(before, dropped, 1);
    assert_eq!((h.bytes_per_task, h.allocs_per_task), (0.0, 0.0));

    // Gross bytes requested (the `bytes_per_op` of timed scenarios): the
    // first block plus the realloc's growth, once.
    assert_eq!(requested_bytes(&grown) - requested_bytes(&before), 64 + 960);
    assert_eq!(
        requested_bytes(&dropped) - requested_bytes(&before),
        64 + 960
    );
}
