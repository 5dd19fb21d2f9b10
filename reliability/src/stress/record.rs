//! What bodies, callbacks and cancellers observe, written to atomics as it
//! happens and read by the checks once the batch is over; the exception
//! handler's counters; and the list of violations. The records, the
//! violations and the end codes serve the hostile scenario too.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aiotask_api::{ExceptionContext, ExceptionHandler, ReportKind};

/// The panic message of panicking bodies.
pub(crate) const BODY_PANIC: &str = "aiotask-stress: body panic";
/// The panic message of panicking done callbacks.
pub(crate) const CALLBACK_PANIC: &str = "aiotask-stress: callback panic";

/// How a body ended, as it recorded just before ending.
pub(crate) mod end {
    /// Not reached: never started, or dropped at a suspension point.
    pub(crate) const NONE: u8 = 0;
    /// Returned its value.
    pub(crate) const VALUE: u8 = 1;
    /// Returned an error.
    pub(crate) const ERROR: u8 = 2;
    /// Panicked (hostile: or is about to, through a value's `Clone` or
    /// `Drop`).
    pub(crate) const PANIC: u8 = 3;
    /// Returned a caught `CancelledError` (or a cancelled child's).
    pub(crate) const PROPAGATE: u8 = 4;
}

/// Which cancel messages a task received (`Record::msgs`).
pub(crate) mod msg {
    /// `cancel()`, no message.
    pub(crate) const NONE: u8 = 1;
    /// The loop side's message.
    pub(crate) const LOOP: u8 = 2;
    /// The other thread's message.
    pub(crate) const FOREIGN: u8 = 4;
    /// The body's own message.
    pub(crate) const SELF: u8 = 8;

    /// The text of each message bit.
    pub(crate) const TEXTS: [(u8, &str); 3] = [
        (LOOP, "aiotask-stress: loop"),
        (FOREIGN, "aiotask-stress: foreign thread"),
        (SELF, "aiotask-stress: self"),
    ];

    /// The text sent with `bit`.
    pub(crate) fn text(bit: u8) -> &'static str {
        TEXTS.iter().find(|(b, _)| *b == bit).map_or("", |(_, t)| t)
    }

    /// The bit of a received message.
    pub(crate) fn bit_of(message: Option<&str>) -> u8 {
        match message {
            None => NONE,
            Some(m) => TEXTS.iter().find(|(_, t)| *t == m).map_or(0, |(b, _)| *b),
        }
    }
}

/// What the done callbacks of a task saw (`Record::seen`).
pub(crate) mod seen {
    /// `done()` was true.
    pub(crate) const DONE: u8 = 1;
    /// `done()` was false: a violation.
    pub(crate) const NOT_DONE: u8 = 2;
    /// `cancelled()` was true.
    pub(crate) const CANCELLED: u8 = 4;
    /// `cancelled()` was false.
    pub(crate) const NOT_CANCELLED: u8 = 8;
    /// `current_task()` was `Some`: a violation.
    pub(crate) const CURRENT_TASK: u8 = 16;
    /// It ran inside `add_done_callback`: a violation.
    pub(crate) const SYNCHRONOUS: u8 = 32;
    /// It ran before a callback added earlier: a violation.
    pub(crate) const OUT_OF_ORDER: u8 = 64;
    /// Callbacks saw different `cancelling()` values: a violation.
    pub(crate) const CANCELLING_CHANGED: u8 = 128;
}

/// What happened to one task (both scenarios; `msgs`, `uncancels` and
/// `cancelling_seen` are the stress run's, `retrieved` the hostile one's).
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) started: AtomicBool,
    pub(crate) end: AtomicU8,
    pub(crate) future_drops: AtomicU8,
    /// `cancel()` calls of the loop side and the other thread that returned true.
    pub(crate) ext_true: AtomicU32,
    /// `cancel()` calls (anyone's) that returned false.
    pub(crate) cancels_false: AtomicU32,
    /// The body's own `cancel()` calls (they return true).
    pub(crate) self_true: AtomicU32,
    /// The body's `uncancel()` calls.
    pub(crate) uncancels: AtomicU32,
    pub(crate) msgs: AtomicU8,
    /// Bit i: callback i ran.
    pub(crate) callbacks: AtomicU8,
    pub(crate) callback_runs: AtomicU8,
    /// The removable callback's `remove_done_callback` returned 0: it runs.
    pub(crate) removal_missed: AtomicBool,
    /// What observers saw: [`seen`] bits in the stress run, the hostile
    /// run's `state` bits there.
    pub(crate) seen: AtomicU8,
    /// `cancelling()` as the callbacks saw it; `u32::MAX` until one ran.
    pub(crate) cancelling_seen: AtomicU32,
    /// A callback read `exception()`/`result()` of the done task.
    pub(crate) retrieved: AtomicBool,
}

impl Default for Record {
    fn default() -> Self {
        Self {
            started: AtomicBool::new(false),
            end: AtomicU8::new(end::NONE),
            future_drops: AtomicU8::new(0),
            ext_true: AtomicU32::new(0),
            cancels_false: AtomicU32::new(0),
            self_true: AtomicU32::new(0),
            uncancels: AtomicU32::new(0),
            msgs: AtomicU8::new(0),
            callbacks: AtomicU8::new(0),
            callback_runs: AtomicU8::new(0),
            removal_missed: AtomicBool::new(false),
            seen: AtomicU8::new(0),
            cancelling_seen: AtomicU32::new(u32::MAX),
            retrieved: AtomicBool::new(false),
        }
    }
}

impl Record {
    /// Records a cancel request made by `cancel` with `bit`'s message
    /// (`msg::NONE` for none); returns what `cancel()` returned.
    pub(crate) fn cancel(
        &self,
        bit: u8,
        own: bool,
        cancel: impl FnOnce(Option<&str>) -> bool,
    ) -> bool {
        let text = (bit != msg::NONE).then(|| msg::text(bit));
        // Recorded before the call: a task may end (and be checked through
        // a callback) before `cancel` returns.
        self.msgs.fetch_or(bit, Ordering::SeqCst);
        self.counted_cancel(own, || cancel(text))
    }

    /// Records a cancel request made by `cancel` (`own`: the body's on
    /// itself); returns its answer.
    pub(crate) fn counted_cancel(&self, own: bool, cancel: impl FnOnce() -> bool) -> bool {
        let accepted = cancel();
        let counter = match (accepted, own) {
            (true, true) => &self.self_true,
            (true, false) => &self.ext_true,
            (false, _) => &self.cancels_false,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        accepted
    }

    /// Records the end the body reached.
    pub(crate) fn end(&self, how: u8) {
        self.end.store(how, Ordering::SeqCst);
    }

    /// Records what a callback saw.
    pub(crate) fn saw(&self, bits: u8) {
        self.seen.fetch_or(bits, Ordering::SeqCst);
    }

    /// Records the `cancelling()` a callback saw.
    pub(crate) fn saw_cancelling(&self, n: u32) {
        if let Err(prev) =
            self.cancelling_seen
                .compare_exchange(u32::MAX, n, Ordering::SeqCst, Ordering::SeqCst)
            && prev != n
        {
            self.saw(seen::CANCELLING_CHANGED);
        }
    }
}

/// The violations found, with the first few described.
#[derive(Debug, Default)]
pub(crate) struct Violations {
    count: AtomicU64,
    first: Mutex<Vec<String>>,
}

impl Violations {
    /// Keeps this many descriptions.
    const KEEP: usize = 20;

    /// Records one violation.
    pub(crate) fn note(&self, describe: impl FnOnce() -> String) {
        if self.count.fetch_add(1, Ordering::SeqCst) < Self::KEEP as u64 {
            let text = describe();
            self.first
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(text);
        }
    }

    /// How many were recorded.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// The descriptions, when any violation was recorded.
    pub(crate) fn summary(&self, what: &str, seed: u64) -> Option<String> {
        let n = self.count();
        (n > 0).then(|| {
            let first = self.first.lock().unwrap_or_else(|e| e.into_inner());
            format!(
                "{what}: {n} violation(s) with seed {seed} (rerun with AIOTASK_STRESS_SEED={seed}); \
                 the first ones:\n  {}",
                first.join("\n  ")
            )
        })
    }

    /// Panics with the descriptions when any was recorded.
    pub(crate) fn assert_none(&self, what: &str, seed: u64) {
        if let Some(text) = self.summary(what, seed) {
            panic!("{text}");
        }
    }
}

/// The batch's tasks: one record each, the values they return, and where
/// violations go; `tally` is the scenario's own shared counters (none for
/// the stress run, the hostile values' tally for the hostile one).
#[derive(Debug)]
pub(crate) struct Records<T = ()> {
    /// What violations are about: `"batch"` or `"hostile batch"`.
    pub(crate) label: &'static str,
    pub(crate) batch: u64,
    base: u64,
    recs: Vec<Record>,
    pub(crate) violations: Arc<Violations>,
    pub(crate) tally: T,
    /// Future drops of the batch (top-level tasks).
    pub(crate) drops: AtomicU64,
    /// Callbacks that must run, and callbacks that ran.
    pub(crate) callbacks_due: AtomicU64,
    pub(crate) callbacks_run: AtomicU64,
    /// Callbacks that panicked (the stress run's count).
    pub(crate) callback_panics: AtomicU64,
    /// Child tasks created by bodies (hostile: awaited children and chain
    /// links), and (hostile) their futures dropped.
    pub(crate) children: AtomicU64,
    pub(crate) children_dropped: AtomicU64,
    /// Hostile: child done callbacks run (one per child).
    pub(crate) child_callbacks_run: AtomicU64,
}

impl<T> Records<T> {
    pub(crate) fn new(
        label: &'static str,
        batch: u64,
        base: u64,
        n: usize,
        violations: Arc<Violations>,
        tally: T,
    ) -> Self {
        Self {
            label,
            batch,
            base,
            recs: (0..n).map(|_| Record::default()).collect(),
            violations,
            tally,
            drops: AtomicU64::new(0),
            callbacks_due: AtomicU64::new(0),
            callbacks_run: AtomicU64::new(0),
            callback_panics: AtomicU64::new(0),
            children: AtomicU64::new(0),
            children_dropped: AtomicU64::new(0),
            child_callbacks_run: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, i: usize) -> &Record {
        &self.recs[i]
    }

    /// The value (hostile: the value's tag) task `i` returns: distinct
    /// across the whole run.
    pub(crate) fn value(&self, i: usize) -> u64 {
        (self.base + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
    }

    /// Records a violation about task `i`.
    pub(crate) fn violation(&self, i: usize, describe: impl FnOnce() -> String) {
        let (label, batch) = (self.label, self.batch);
        self.violations
            .note(|| format!("{label} {batch} task {i}: {}", describe()));
    }
}

/// Drops into a task's record when the task's future goes away.
#[derive(Debug)]
pub(crate) struct FutureGuard<T = ()> {
    pub(crate) recs: Arc<Records<T>>,
    pub(crate) i: usize,
}

impl<T> Drop for FutureGuard<T> {
    fn drop(&mut self) {
        self.recs
            .get(self.i)
            .future_drops
            .fetch_add(1, Ordering::SeqCst);
        self.recs.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// The exception handler's tally, by kind of report.
#[derive(Debug, Default)]
pub(crate) struct ReportTally {
    pub(crate) never_retrieved: AtomicU64,
    pub(crate) callback_panicked: AtomicU64,
    pub(crate) destroyed_pending: AtomicU64,
    pub(crate) other: AtomicU64,
    /// Reports whose failure is not the stress run's own.
    pub(crate) foreign_failures: AtomicU64,
}

impl ReportTally {
    /// An exception handler counting into `tally`.
    pub(crate) fn handler(tally: &Arc<Self>) -> ExceptionHandler {
        let tally = tally.clone();
        Arc::new(move |ctx: &ExceptionContext| tally.count(ctx))
    }

    fn count(&self, ctx: &ExceptionContext) {
        let ours = |expected: &[&str]| {
            ctx.failure().is_some_and(|f| {
                f.panic_message().is_some_and(|m| expected.contains(&m))
                    || f.downcast_ref::<super::batch::StressError>().is_some()
            })
        };
        let (counter, fine) = match ctx.kind() {
            ReportKind::NeverRetrieved => (&self.never_retrieved, ours(&[BODY_PANIC])),
            ReportKind::CallbackPanicked => (&self.callback_panicked, ours(&[CALLBACK_PANIC])),
            ReportKind::DestroyedPending => (&self.destroyed_pending, ctx.failure().is_none()),
            _ => (&self.other, false),
        };
        counter.fetch_add(1, Ordering::SeqCst);
        if !fine {
            self.foreign_failures.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }
}
