//! A chain of 1,000,000 tasks, each awaiting the next, on every backend and
//! flavour (issue 10, item 1): cancelling the head forwards the request to
//! the leaf on a worklist, not on the stack. Before the fix the forward
//! recursed once per level and the process aborted (`stack overflow`) at
//! 50k–70k levels on an 8 MiB main thread and 10k–15k on tokio and smol
//! worker threads. Every link must end cancelled, counted once; a cycle of
//! two tasks in the same runtime must end too; and the runtime drop must
//! leave no byte allocated.
//!
//! `cargo test --release -p aiotask-reliability --test stress_deep_chain -- --nocapture`;
//! debug builds use 50,000 levels, `AIOTASK_DEEP_CHAIN` sets the depth.
#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiotask_api::{AnyTask, Runtime, RuntimeHandle, Task as _, TaskError};
use aiotask_reliability::stress;

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn depth() -> usize {
    let default = if cfg!(debug_assertions) {
        50_000
    } else {
        1_000_000
    };
    std::env::var("AIOTASK_DEEP_CHAIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Body = Pin<Box<dyn Future<Output = Result<(), TaskError>> + Send>>;

/// Link `level`: spawns the next and awaits it; the last sleeps an hour.
fn link<H: RuntimeHandle>(h: H, level: usize, depth: usize, started: Arc<AtomicUsize>) -> Body {
    Box::pin(async move {
        started.fetch_add(1, Ordering::SeqCst);
        if level + 1 == depth {
            h.sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        let next: H::Task<()> = h.create_try_task(link(h.clone(), level + 1, depth, started));
        next.await
    })
}

/// What one flavour did.
struct Figures {
    depth: usize,
    built: Duration,
    cancelled: Duration,
    leaked: i64,
}

fn chain_on<R: Runtime>(make: impl Fn() -> R, depth: usize) -> Figures {
    // Warm up: what a flavour allocates once per process (thread-locals,
    // async-io's reactor) is not a leak of the run measured next.
    let _ = chain_once(&make, 100);
    stress::settle(&make);
    // Worker threads end (and free their locals) shortly after their
    // runtime's drop returned, and async-io's driver thread frees the last
    // node of its timer map at one more turn: read once the count is still.
    let before = stress::quiet_heap_reading();
    let (built, cancelled) = chain_once(&make, depth);
    stress::settle(&make);
    Figures {
        depth,
        built,
        cancelled,
        leaked: stress::quiet_heap_reading() - before,
    }
}

fn chain_once<R: Runtime>(make: &impl Fn() -> R, depth: usize) -> (Duration, Duration) {
    let (built, cancelled) = {
        let rt = make();
        let h = rt.handle();
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let out = rt.run(async move {
            let t0 = Instant::now();
            let head: <R::Handle as RuntimeHandle>::Task<()> =
                h.create_try_task(link(h.clone(), 0, depth, s.clone()));
            while s.load(Ordering::SeqCst) < depth {
                h.sleep(Duration::from_millis(1)).await;
            }
            h.sleep(Duration::from_millis(5)).await;
            let built = t0.elapsed();
            let t1 = Instant::now();
            assert!(head.cancel_with("deep"), "cancel() of the head");
            assert_eq!(head.cancelling(), 1, "the head counted once");
            let outcome = head.await;
            let message = outcome
                .as_ref()
                .err()
                .and_then(TaskError::cancelled)
                .and_then(|e| e.message().map(str::to_owned));
            assert_eq!(message.as_deref(), Some("deep"), "the head ended cancelled");
            (built, t1.elapsed())
        });
        let figures = out.expect("the main task finished");
        cycle_on(&rt);
        figures
    };
    (built, cancelled)
}

/// Where the two tasks of the cycle find each other's handle.
type Shelf<R> = Arc<Mutex<Vec<<<R as Runtime>::Handle as RuntimeHandle>::Task<()>>>>;

/// Two tasks that await each other, cancelled: both end cancelled, each
/// counted once (CPython raises `RecursionError` from `cancel()`).
fn cycle_on<R: Runtime>(rt: &R) {
    let h = rt.handle();
    let slots: Arc<Mutex<Vec<AnyTask>>> = Arc::default();
    let counts = rt.run({
        let slots = slots.clone();
        async move {
            let handles: Shelf<R> = Arc::default();
            let mut tasks = Vec::new();
            for me in 0..2 {
                let (hs, h2) = (handles.clone(), h.clone());
                let t: <R::Handle as RuntimeHandle>::Task<()> = h.create_try_task(async move {
                    let other = loop {
                        if let Some(t) = hs.lock().unwrap().get(1 - me).cloned() {
                            break t;
                        }
                        h2.yield_now().await;
                    };
                    other.await
                });
                tasks.push(t);
            }
            handles.lock().unwrap().extend(tasks.iter().cloned());
            slots
                .lock()
                .unwrap()
                .extend(tasks.iter().map(|t| t.as_any()));
            let (a, b) = (tasks[0].clone(), tasks[1].clone());
            while !format!("{:?}", a.as_any()).contains("wait_for")
                || !format!("{:?}", b.as_any()).contains("wait_for")
            {
                h.yield_now().await;
            }
            assert!(a.cancel(), "cancel() of one task of the cycle");
            let _ = a.join().await;
            let _ = b.join().await;
            handles.lock().unwrap().clear();
            (a.cancelled(), b.cancelled(), a.cancelling(), b.cancelling())
        }
    });
    assert_eq!(counts.ok(), Some((true, true, 1, 1)), "the cycle ended");
}

#[test]
fn a_million_awaits_deep_on_every_flavour() {
    assert!(
        stress::heap_counting_active(),
        "the counting allocator is installed"
    );
    let depth = depth();
    let runs = [
        ("native", chain_on(aiotask_native::Runtime::new, depth)),
        (
            "tokio current_thread",
            chain_on(aiotask_tokio::Runtime::current_thread, depth),
        ),
        (
            "tokio multi_thread(4)",
            chain_on(|| aiotask_tokio::Runtime::multi_thread(4), depth),
        ),
        ("smol local", chain_on(aiotask_smol::Runtime::local, depth)),
        (
            "smol multi_thread(4)",
            chain_on(|| aiotask_smol::Runtime::multi_thread(4), depth),
        ),
    ];
    for (name, f) in &runs {
        println!(
            "{name}: {} levels, built in {:?}, cancelled and unwound in {:?}, leaked {} B",
            f.depth, f.built, f.cancelled, f.leaked
        );
    }
    for (name, f) in &runs {
        assert_eq!(
            f.leaked, 0,
            "{name}: bytes left after the runtime was dropped"
        );
    }
}
