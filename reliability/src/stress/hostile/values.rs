//! The hostile things themselves: a panic payload whose `Drop` panics, task
//! values whose `Clone`, `Debug` or `Drop` panic, a body wrapper whose
//! destructor panics, a done-callback capture whose destructor panics, and
//! the tally every one of them counts into.
//!
//! Every panic raised here carries a payload the quiet panic hook knows
//! ([`is_ours`]): a `&'static str` starting with `aiotask-hostile: ` or a
//! [`PanicsOnDrop`].

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::task::{Context, Poll};

/// The prefix of every panic message raised on purpose.
pub(crate) const PREFIX: &str = "aiotask-hostile: ";
/// A body that panics with a string payload.
pub(crate) const BODY_PANIC: &str = "aiotask-hostile: body panic";
/// A done callback that panics with a string payload.
pub(crate) const CALLBACK_PANIC: &str = "aiotask-hostile: callback panic";
/// The exception handler panicking with a string payload.
pub(crate) const HANDLER_PANIC: &str = "aiotask-hostile: handler panic";
/// A value's `Clone` panicking with a string payload.
pub(crate) const CLONE_PANIC: &str = "aiotask-hostile: value clone";
/// A value's `Debug` panicking with a string payload.
pub(crate) const DEBUG_PANIC: &str = "aiotask-hostile: value debug";
/// A value's `Drop` panicking with a string payload.
pub(crate) const DROP_PANIC: &str = "aiotask-hostile: value drop";
/// A body wrapper's destructor panicking with a string payload.
pub(crate) const BOMB_PANIC: &str = "aiotask-hostile: body destructor";
/// A callback capture's destructor panicking with a string payload.
pub(crate) const GUARD_PANIC: &str = "aiotask-hostile: callback destructor";
/// What a [`PanicsOnDrop`] payload panics with when it is dropped.
pub(crate) const PAYLOAD_DROP_PANIC: &str = "aiotask-hostile: payload drop";

/// Everything the hostile values did, counted as it happened.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// [`Value`]s made (by a body or a successful `Clone`).
    pub(crate) values_made: AtomicU64,
    /// [`Value`]s alive now: made minus dropped.
    pub(crate) values_live: AtomicI64,
    /// `Clone` calls that panicked.
    pub(crate) clone_panics: AtomicU64,
    /// `Debug` calls that panicked.
    pub(crate) debug_panics: AtomicU64,
    /// `Drop`s of values that panicked inside aiotask (it owed a report).
    pub(crate) lib_value_drop_panics: AtomicU64,
    /// `Drop`s of values that panicked in this crate's code (a clone it got
    /// from `result()` or an await).
    pub(crate) user_value_drop_panics: AtomicU64,
    /// [`PanicsOnDrop`] payloads made, and dropped (each drop panics).
    pub(crate) payloads_made: AtomicU64,
    pub(crate) payloads_dropped: AtomicU64,
    /// Body wrappers whose destructor ran (and panicked).
    pub(crate) bomb_drops: AtomicU64,
    /// Callback captures whose destructor ran (and panicked).
    pub(crate) guard_drops: AtomicU64,
    /// Callback captures whose destructor panicked while this crate's code
    /// dropped it (none is expected: they are all the runtime's).
    pub(crate) guard_drops_by_user: AtomicU64,
    /// Destructors of ours that ran while their thread was already
    /// unwinding, and so did not panic: an uncontained panic there aborts
    /// the process whoever is at fault (only a wrapper of the body, such as
    /// the self-test's faulty runtime, drops a body while unwinding).
    pub(crate) unwinding_drops: AtomicU64,
    /// Bodies that panicked on purpose.
    pub(crate) body_panics: AtomicU64,
    /// Done callbacks that panicked.
    pub(crate) callback_panics: AtomicU64,
    /// Exception-handler calls, and those that panicked.
    pub(crate) handler_calls: AtomicU64,
    pub(crate) handler_panics: AtomicU64,
    /// Jobs the handler queued with `call_soon`, run, and dropped (run or not).
    pub(crate) handler_jobs: AtomicU64,
    pub(crate) handler_jobs_run: AtomicU64,
    pub(crate) handler_jobs_dropped: AtomicU64,
    /// Reprs formatted, and those whose value's `Debug` panicked (caught
    /// by the caller).
    pub(crate) reprs: AtomicU64,
    pub(crate) repr_panics: AtomicU64,
    /// `result()` calls (and awaits) whose value's `Clone` panicked, caught
    /// by the caller.
    pub(crate) result_panics: AtomicU64,
}

impl Tally {
    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }

    pub(crate) fn bump(counter: &AtomicU64) -> u64 {
        counter.fetch_add(1, Ordering::SeqCst)
    }
}

/// A panic payload whose own `Drop` panics: `panic_any(PanicsOnDrop::new(..))`.
/// Any `let _ = catch_unwind(..)` that drops it unwinds again.
pub(crate) struct PanicsOnDrop(Arc<Tally>);

impl PanicsOnDrop {
    pub(crate) fn new(tally: &Arc<Tally>) -> Self {
        Tally::bump(&tally.payloads_made);
        Self(tally.clone())
    }

    /// In a destructor: panics as `blast` says unless this thread is
    /// already unwinding (then counts it in `unwinding_drops`).
    pub(crate) fn raise_in_drop(tally: &Arc<Tally>, payload: bool, text: &'static str) {
        if std::thread::panicking() {
            Tally::bump(&tally.unwinding_drops);
            return;
        }
        Self::raise(tally, payload, text)
    }

    /// Panics with a `PanicsOnDrop` payload when `payload`, else with `text`.
    pub(crate) fn raise(tally: &Arc<Tally>, payload: bool, text: &'static str) -> ! {
        if payload {
            std::panic::panic_any(Self::new(tally))
        }
        std::panic::panic_any(text)
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        Tally::bump(&self.0.payloads_dropped);
        if std::thread::panicking() {
            Tally::bump(&self.0.unwinding_drops);
            return;
        }
        std::panic::panic_any(PAYLOAD_DROP_PANIC)
    }
}

impl fmt::Debug for PanicsOnDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PanicsOnDrop")
    }
}

/// True for a panic payload raised on purpose by this scenario.
pub(crate) fn is_ours(payload: &(dyn Any + Send)) -> bool {
    payload.is::<PanicsOnDrop>()
        || payload
            .downcast_ref::<&'static str>()
            .is_some_and(|m| m.starts_with(PREFIX))
}

/// The number of panics the quiet hook saw for payloads of ours.
static HOOK_SEEN: AtomicU64 = AtomicU64::new(0);

/// Panics of ours the hook has seen so far in this process (every one,
/// caught or contained wherever it happened).
pub(crate) fn panics_seen() -> u64 {
    HOOK_SEEN.load(Ordering::SeqCst)
}

/// Installs (once) a panic hook that counts and silences this scenario's
/// panics and passes every other one to the hook installed before.
pub(crate) fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if is_ours(info.payload()) {
                HOOK_SEEN.fetch_add(1, Ordering::Relaxed);
            } else {
                previous(info);
            }
        }));
    });
}

thread_local! {
    /// Set while this crate's own code drops a value it received, so that
    /// a panicking `Drop` is counted as the user's, not aiotask's.
    static USER_DROP: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread's drops as the user's until dropped (even on unwind).
pub(crate) struct UserDrop(bool);

impl UserDrop {
    pub(crate) fn begin() -> Self {
        Self(USER_DROP.with(|u| u.replace(true)))
    }
}

impl Drop for UserDrop {
    fn drop(&mut self) {
        let was = self.0;
        USER_DROP.with(|u| u.set(was));
    }
}

fn user_dropping() -> bool {
    USER_DROP.with(Cell::get)
}

/// Drops `value` as the user: a panic of its destructor is contained here
/// (and counted by the value). Returns whether it panicked.
pub(crate) fn drop_mine<V>(value: V) -> bool {
    let _user = UserDrop::begin();
    aiotask_api::drop_quietly(value).is_some()
}

/// The behaviour of a [`Value`] (bits).
pub(crate) mod mode {
    /// `Clone` panics.
    pub(crate) const CLONE_PANICS: u8 = 1;
    /// `Debug` panics.
    pub(crate) const DEBUG_PANICS: u8 = 2;
    /// `Drop` panics.
    pub(crate) const DROP_PANICS: u8 = 4;
    /// The `Clone` panic's payload is a [`PanicsOnDrop`](super::PanicsOnDrop).
    pub(crate) const CLONE_PAYLOAD: u8 = 8;
    /// The `Debug` panic's payload is a `PanicsOnDrop`.
    pub(crate) const DEBUG_PAYLOAD: u8 = 16;
    /// The `Drop` panic's payload is a `PanicsOnDrop`.
    pub(crate) const DROP_PAYLOAD: u8 = 32;
}

/// A task's value: a tag, and a [`mode`] saying which of its `Clone`,
/// `Debug` and `Drop` panic. Counted in [`Tally::values_live`], so a value
/// aiotask forgets to drop shows up (and its `Arc` as leaked bytes).
pub(crate) struct Value {
    pub(crate) tag: u64,
    pub(crate) mode: u8,
    tally: Arc<Tally>,
}

impl Value {
    pub(crate) fn new(tag: u64, mode: u8, tally: &Arc<Tally>) -> Self {
        Tally::bump(&tally.values_made);
        tally.values_live.fetch_add(1, Ordering::SeqCst);
        Self {
            tag,
            mode,
            tally: tally.clone(),
        }
    }

    fn has(&self, bit: u8) -> bool {
        self.mode & bit != 0
    }
}

impl Clone for Value {
    fn clone(&self) -> Self {
        if self.has(mode::CLONE_PANICS) {
            Tally::bump(&self.tally.clone_panics);
            PanicsOnDrop::raise(&self.tally, self.has(mode::CLONE_PAYLOAD), CLONE_PANIC);
        }
        Self::new(self.tag, self.mode, &self.tally)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.has(mode::DEBUG_PANICS) {
            Tally::bump(&self.tally.debug_panics);
            PanicsOnDrop::raise(&self.tally, self.has(mode::DEBUG_PAYLOAD), DEBUG_PANIC);
        }
        write!(f, "Value({:#x})", self.tag)
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        self.tally.values_live.fetch_sub(1, Ordering::SeqCst);
        if self.has(mode::DROP_PANICS) {
            let counter = if user_dropping() {
                &self.tally.user_value_drop_panics
            } else {
                &self.tally.lib_value_drop_panics
            };
            if !std::thread::panicking() {
                Tally::bump(counter);
            }
            PanicsOnDrop::raise_in_drop(&self.tally, self.has(mode::DROP_PAYLOAD), DROP_PANIC);
        }
    }
}

/// How a destructor of ours panics: not at all, with a string, or with a
/// [`PanicsOnDrop`] payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blast {
    None,
    Text,
    Payload,
}

impl Blast {
    pub(crate) fn pick(rng: &mut fastrand::Rng, one_in: u8) -> Self {
        match rng.u8(0..one_in.saturating_mul(2).max(2)) {
            0 => Self::Text,
            1 => Self::Payload,
            _ => Self::None,
        }
    }

    pub(crate) fn is_some(self) -> bool {
        self != Self::None
    }
}

/// A task body whose destructor panics after dropping the body it wraps:
/// when the task completes (aiotask drops the finished body) or when it is
/// dropped at a cancellation or a shutdown.
pub(crate) struct Bomb<F> {
    inner: Option<Pin<Box<F>>>,
    blast: Blast,
    tally: Arc<Tally>,
}

impl<F> Bomb<F> {
    pub(crate) fn new(inner: F, blast: Blast, tally: &Arc<Tally>) -> Self {
        Self {
            inner: Some(Box::pin(inner)),
            blast,
            tally: tally.clone(),
        }
    }
}

impl<F: Future> Future for Bomb<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.inner.as_mut() {
            Some(inner) => inner.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

impl<F> Drop for Bomb<F> {
    fn drop(&mut self) {
        // The wrapped body goes first, so nothing is left to drop while
        // this destructor unwinds.
        drop(self.inner.take());
        if self.blast.is_some() {
            if !std::thread::panicking() {
                Tally::bump(&self.tally.bomb_drops);
            }
            PanicsOnDrop::raise_in_drop(&self.tally, self.blast == Blast::Payload, BOMB_PANIC);
        }
    }
}

/// A capture of a done callback whose destructor panics.
pub(crate) struct CallbackGuard {
    blast: Blast,
    tally: Arc<Tally>,
}

impl CallbackGuard {
    pub(crate) fn new(blast: Blast, tally: &Arc<Tally>) -> Self {
        Self {
            blast,
            tally: tally.clone(),
        }
    }
}

impl Drop for CallbackGuard {
    fn drop(&mut self) {
        if self.blast.is_some() {
            if !std::thread::panicking() {
                Tally::bump(&self.tally.guard_drops);
                if user_dropping() {
                    Tally::bump(&self.tally.guard_drops_by_user);
                }
            }
            PanicsOnDrop::raise_in_drop(&self.tally, self.blast == Blast::Payload, GUARD_PANIC);
        }
    }
}

/// Counts a drop (of a job, a child body) into `counter`.
pub(crate) struct DropCount(pub(crate) Arc<Tally>, pub(crate) fn(&Tally) -> &AtomicU64);

impl Drop for DropCount {
    fn drop(&mut self) {
        Tally::bump((self.1)(&self.0));
    }
}
