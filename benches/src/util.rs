//! Small pieces every workload shares: a one-shot [`Gate`] a task can wait
//! on, a start counter, spin-polling a future from a plain thread, and the
//! process's peak memory.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use atomic_waker::AtomicWaker;

/// How many parked tasks one setup round creates in the one-at-a-time
/// workloads: big enough that setup is amortised, small enough that the
/// runtime's queues stay warm.
pub const CHUNK: usize = 1_000;

/// A one-shot flag with one waiter, usable from any thread and any runtime:
/// how a workload completes a parked task on demand, or waits for a plain
/// thread without blocking its loop.
///
/// ```
/// use std::sync::Arc;
/// let gate = Arc::new(aiotask_benches::util::Gate::default());
/// gate.open();
/// futures_lite::future::block_on(gate.wait());
/// ```
#[derive(Debug, Default)]
pub struct Gate {
    open: AtomicBool,
    waker: AtomicWaker,
}

impl Gate {
    /// A new, closed gate behind an `Arc`.
    ///
    /// ```
    /// let gate = aiotask_benches::util::Gate::new();
    /// assert!(!gate.is_open());
    /// ```
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Opens the gate and wakes its waiter, if any.
    ///
    /// ```
    /// let gate = aiotask_benches::util::Gate::new();
    /// gate.open();
    /// assert!(gate.is_open());
    /// ```
    pub fn open(&self) {
        self.open.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// True once [`open`](Gate::open) was called.
    ///
    /// ```
    /// assert!(!aiotask_benches::util::Gate::new().is_open());
    /// ```
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// A future that completes once the gate is open.
    ///
    /// ```
    /// let gate = aiotask_benches::util::Gate::new();
    /// gate.open();
    /// futures_lite::future::block_on(gate.wait());
    /// ```
    pub fn wait(self: &Arc<Self>) -> GateWait {
        GateWait { gate: self.clone() }
    }
}

/// The future of [`Gate::wait`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct GateWait {
    gate: Arc<Gate>,
}

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.gate.is_open() {
            return Poll::Ready(());
        }
        self.gate.waker.register(cx.waker());
        if self.gate.is_open() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A counter the bodies of parked tasks bump on their first step, so a
/// workload knows every task has been polled once before it measures.
///
/// ```
/// let c = aiotask_benches::util::Started::new();
/// c.bump();
/// assert_eq!(c.count(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Started(AtomicUsize);

impl Started {
    /// A new counter at zero, behind an `Arc`.
    ///
    /// ```
    /// assert_eq!(aiotask_benches::util::Started::new().count(), 0);
    /// ```
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Counts one started task.
    ///
    /// ```
    /// aiotask_benches::util::Started::new().bump();
    /// ```
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    /// How many tasks have started.
    ///
    /// ```
    /// assert_eq!(aiotask_benches::util::Started::new().count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Resets the count to zero.
    ///
    /// ```
    /// let c = aiotask_benches::util::Started::new();
    /// c.bump();
    /// c.reset();
    /// assert_eq!(c.count(), 0);
    /// ```
    pub fn reset(&self) {
        self.0.store(0, Ordering::Release);
    }
}

/// Polls `fut` on this thread with a no-op waker until it is ready,
/// spinning in between: how a plain OS thread observes a task's outcome
/// with the least latency of its own.
///
/// ```
/// assert_eq!(aiotask_benches::util::spin_poll(async { 3 }), 3);
/// ```
pub fn spin_poll<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut spins = 0u32;
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        spins += 1;
        if spins.is_multiple_of(256) {
            // Let the runtime's thread have the core on a loaded machine.
            std::thread::yield_now();
        } else {
            for _ in 0..16 {
                std::hint::spin_loop();
            }
        }
    }
}

/// Nanoseconds since a fixed origin, for clock stamps stored in atomics.
///
/// ```
/// let clock = aiotask_benches::util::Clock::new();
/// let a = clock.now_ns();
/// assert!(clock.now_ns() >= a);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// A clock whose origin is now.
    ///
    /// ```
    /// let _ = aiotask_benches::util::Clock::new();
    /// ```
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the origin.
    ///
    /// ```
    /// let _ = aiotask_benches::util::Clock::new().now_ns();
    /// ```
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// The median cost of one `Instant::now()` on this machine: what the
/// latency workloads, which stamp the clock once per operation, include.
///
/// ```
/// assert!(aiotask_benches::util::clock_read_cost() < std::time::Duration::from_millis(1));
/// ```
pub fn clock_read_cost() -> Duration {
    let mut samples: Vec<Duration> = (0..11)
        .map(|_| {
            let t0 = Instant::now();
            for _ in 0..10_000 {
                std::hint::black_box(Instant::now());
            }
            t0.elapsed() / 10_000
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// Allocations and allocated bytes made inside measured sections since the
/// last [`reset_measured_allocs`], on every thread. Only counted when the
/// process's global allocator is `stats_alloc`'s counting one (the
/// `memprobe` binary); zero otherwise.
static MEASURED_ALLOCS: AtomicU64 = AtomicU64::new(0);
static MEASURED_BYTES: AtomicU64 = AtomicU64::new(0);

fn counting() -> bool {
    static ACTIVE: OnceLock<bool> = OnceLock::new();
    *ACTIVE.get_or_init(crate::memory::counting_active)
}

fn heap_now() -> (u64, u64) {
    let s = stats_alloc::INSTRUMENTED_SYSTEM.stats();
    (
        (s.allocations + s.reallocations) as u64,
        crate::memory::requested_bytes(&s),
    )
}

/// Times a measured section; under the counting allocator it also adds
/// the section's allocations to [`measured_allocs`].
///
/// ```
/// let sw = aiotask_benches::util::Stopwatch::start();
/// let elapsed = sw.stop();
/// assert!(elapsed < std::time::Duration::from_secs(1));
/// ```
#[derive(Debug)]
pub struct Stopwatch {
    t0: Instant,
    heap0: Option<(u64, u64)>,
}

impl Stopwatch {
    /// Starts timing (and counting).
    pub fn start() -> Self {
        let heap0 = counting().then(heap_now);
        Self {
            t0: Instant::now(),
            heap0,
        }
    }

    /// Stops; returns the elapsed time.
    pub fn stop(self) -> Duration {
        let elapsed = self.t0.elapsed();
        if let Some((a0, b0)) = self.heap0 {
            let (a1, b1) = heap_now();
            MEASURED_ALLOCS.fetch_add(a1.saturating_sub(a0), Ordering::Relaxed);
            MEASURED_BYTES.fetch_add(b1.saturating_sub(b0), Ordering::Relaxed);
        }
        elapsed
    }
}

/// `(allocations, bytes allocated)` inside measured sections since the last
/// reset (zero without the counting allocator).
///
/// ```
/// assert_eq!(aiotask_benches::util::measured_allocs(), (0, 0));
/// ```
pub fn measured_allocs() -> (u64, u64) {
    (
        MEASURED_ALLOCS.load(Ordering::Relaxed),
        MEASURED_BYTES.load(Ordering::Relaxed),
    )
}

/// Resets [`measured_allocs`] to zero.
///
/// ```
/// aiotask_benches::util::reset_measured_allocs();
/// ```
pub fn reset_measured_allocs() {
    MEASURED_ALLOCS.store(0, Ordering::Relaxed);
    MEASURED_BYTES.store(0, Ordering::Relaxed);
}

/// The peak resident set size of this process so far (`VmHWM` in
/// `/proc/self/status`), in KiB; `None` where `/proc` has no such line
/// (not Linux).
///
/// ```
/// if cfg!(target_os = "linux") {
///     assert!(aiotask_benches::util::peak_rss_kib().unwrap() > 0);
/// }
/// ```
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
