//! What each task of a batch does, drawn from the run's seeded generator
//! before the batch starts: the body's behaviour, whether its handle is kept,
//! which cancels the loop side sends, and which done callbacks it gets.
//! The drawing of a kind and of the handle's fate, the callback bits and
//! [`PlanShape`] serve the hostile scenario too.

use std::time::Duration;

/// The behaviour of one task body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Returns its value at the first step, without suspending.
    Immediate,
    /// Yields to the loop `yields` times (1..=3), then returns its value.
    Yields,
    /// Sleeps a few microseconds on the loop's timer, then returns its value.
    SleepShort,
    /// Yields 0..=1 times, then returns an error: the task fails.
    Fails,
    /// Yields 0..=1 times, then panics: the task fails with the panic.
    Panics,
    /// Cancels itself, then returns: the value is discarded, the task ends
    /// cancelled (spec §1.4, RETURN with `must_cancel`).
    SelfCancelReturn,
    /// Cancels itself, calls `uncancel()` (3.13: revokes the request), yields
    /// once and returns its value.
    SelfCancelUncancel,
    /// Waits for an hour inside `catch_cancel`; on the cancellation, maybe
    /// calls `uncancel()`, yields once and returns its value (suppresses).
    WaitCatchSuppress,
    /// Waits for an hour inside `catch_cancel`; on the cancellation, yields
    /// once (cleanup that awaits) and returns the error (propagates).
    WaitCatchPropagate,
    /// Waits for an hour without catching: dropped at the delivery.
    WaitUncaught,
    /// Waits for an hour inside `catch_cancel`, then panics in the handler.
    CatchThenPanic,
    /// Creates a child task that waits for an hour and awaits it; the
    /// parent's cancellation is forwarded to the child, which suppresses it
    /// (returns a value) or propagates it.
    AwaitChild,
}

impl Kind {
    /// Bodies that wait for an hour: the loop side always cancels them, so
    /// every batch ends.
    pub(crate) fn waits(self) -> bool {
        matches!(
            self,
            Self::WaitCatchSuppress
                | Self::WaitCatchPropagate
                | Self::WaitUncaught
                | Self::CatchThenPanic
                | Self::AwaitChild
        )
    }

    /// Bodies that cancel themselves (one `cancel()` of their own).
    pub(crate) fn cancels_itself(self) -> bool {
        matches!(self, Self::SelfCancelReturn | Self::SelfCancelUncancel)
    }
}

/// The weights of the kinds, out of their sum.
const KINDS: [(Kind, u32); 12] = [
    (Kind::Immediate, 10),
    (Kind::Yields, 15),
    (Kind::SleepShort, 4),
    (Kind::Fails, 8),
    (Kind::Panics, 4),
    (Kind::SelfCancelReturn, 5),
    (Kind::SelfCancelUncancel, 7),
    (Kind::WaitCatchSuppress, 12),
    (Kind::WaitCatchPropagate, 10),
    (Kind::WaitUncaught, 10),
    (Kind::CatchThenPanic, 3),
    (Kind::AwaitChild, 10),
];

/// At most this many done callbacks are added when a task is created.
pub(crate) const MAX_EARLY_CALLBACKS: u8 = 3;

/// The bit of the callback added as a `DoneCallback` and removed at once.
pub(crate) const REMOVABLE_CALLBACK: u8 = MAX_EARLY_CALLBACKS;

/// The bit of the callback added to a done task, after the early ones.
pub(crate) const LATE_CALLBACK: u8 = MAX_EARLY_CALLBACKS + 1;

/// What the batch's main task reads of a plan, in either scenario.
pub(crate) trait PlanShape {
    /// The body waits until a cancel ends it: the loop side always
    /// cancels it, so every batch ends.
    fn waits(&self) -> bool;
    /// The loop side keeps the handle to the end and checks it.
    fn keep(&self) -> bool;
    /// The handle is on the list the other thread draws from.
    fn contract(&self) -> bool;
    /// The loop side's extra cancel: 0 none, else the round (1..=3).
    fn loop_round(&self) -> u8;
    /// Done callbacks added at creation (bits 0..`MAX_EARLY_CALLBACKS`).
    fn early(&self) -> u8;
    /// The callback with bit [`REMOVABLE_CALLBACK`] is added and removed.
    fn removable(&self) -> bool;
    /// A callback is added after the task is done (kept handles only).
    fn late(&self) -> bool;

    /// The callbacks that must run whatever the timing: the early ones
    /// and the late one (the removable one depends on whether its removal
    /// came before the task was done).
    fn definite_callbacks(&self) -> u8 {
        self.early() | if self.late() { 1 << LATE_CALLBACK } else { 0 }
    }

    /// The loop side holds a handle during the cancel rounds.
    fn loop_holds(&self) -> bool {
        self.keep() || self.contract()
    }
}

/// Implements [`PlanShape`] for a plan with fields of those names.
macro_rules! plan_shape {
    ($plan:ty) => {
        impl $crate::stress::plan::PlanShape for $plan {
            fn waits(&self) -> bool {
                self.kind.waits()
            }
            fn keep(&self) -> bool {
                self.keep
            }
            fn contract(&self) -> bool {
                self.shared
            }
            fn loop_round(&self) -> u8 {
                self.loop_round
            }
            fn early(&self) -> u8 {
                self.early
            }
            fn removable(&self) -> bool {
                self.removable
            }
            fn late(&self) -> bool {
                self.late
            }
        }
    };
}
pub(crate) use plan_shape;

/// Picks one of `kinds` by its weight out of their sum.
pub(crate) fn pick_kind<K: Copy>(rng: &mut fastrand::Rng, kinds: &[(K, u32)]) -> K {
    let total: u32 = kinds.iter().map(|&(_, w)| w).sum();
    let mut pick = rng.u32(0..total);
    for &(k, w) in kinds {
        if pick < w {
            return k;
        }
        pick -= w;
    }
    kinds[0].0
}

/// The fate of a task's handle, drawn alike in both scenarios.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Handles {
    pub(crate) keep: bool,
    pub(crate) shared: bool,
    pub(crate) loop_round: u8,
    pub(crate) early: u8,
}

/// Draws whether the loop side keeps the handle, shares it, cancels it in
/// a round, and how many early callbacks the task gets.
pub(crate) fn draw_handles(rng: &mut fastrand::Rng, waits: bool) -> Handles {
    let keep = rng.u8(0..4) != 0;
    // The loop side must hold a waiting task to end it; the other tasks
    // are on the shared list half of the time. A task that is neither kept
    // nor shared is detached at once.
    let shared = waits || rng.bool();
    let loop_round = if (keep || shared) && rng.u8(0..10) < 3 {
        rng.u8(1..=3)
    } else {
        0
    };
    // A detached task is observed through its callbacks: it gets at least
    // one.
    let count = if keep {
        rng.u8(0..=MAX_EARLY_CALLBACKS)
    } else {
        rng.u8(1..=MAX_EARLY_CALLBACKS)
    };
    Handles {
        keep,
        shared,
        loop_round,
        early: ((1u16 << count) - 1) as u8,
    }
}

/// The plan of one task.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) kind: Kind,
    /// Yields before the end (`Yields`, `Fails`, `Panics`).
    pub(crate) yields: u8,
    /// The sleep of `SleepShort`.
    pub(crate) sleep: Duration,
    /// `WaitCatchSuppress`: call `uncancel()` after catching.
    /// `AwaitChild`: the child suppresses its cancellation.
    pub(crate) flag: bool,
    /// Cancels use a message (the self-cancel, the loop side's cancels).
    pub(crate) with_message: bool,
    /// The loop side keeps the handle to the end and checks it.
    pub(crate) keep: bool,
    /// The handle is on the list both cancellers (loop side and the other
    /// thread) draw from.
    pub(crate) shared: bool,
    /// The loop side's extra cancel: 0 none, else the round (1: before the
    /// batch first yields to the loop, 2: after one yield, 3: after two).
    pub(crate) loop_round: u8,
    /// Done callbacks added at creation (bits 0..`MAX_EARLY_CALLBACKS`).
    pub(crate) early: u8,
    /// The callback with bit `MAX_EARLY_CALLBACKS` is added as a
    /// [`DoneCallback`](aiotask_api::DoneCallback) and removed right away.
    pub(crate) removable: bool,
    /// A callback is added after the task is done (kept handles only).
    pub(crate) late: bool,
    /// Callbacks (by bit) that panic after recording their run.
    pub(crate) panicking: u8,
}

plan_shape!(Plan);

/// Draws the plans of one batch of `n` tasks.
pub(crate) fn generate(rng: &mut fastrand::Rng, n: usize) -> Vec<Plan> {
    (0..n)
        .map(|_| {
            let kind = pick_kind(rng, &KINDS);
            let yields = match kind {
                Kind::Yields => rng.u8(1..=3),
                Kind::Fails | Kind::Panics => rng.u8(0..=1),
                _ => 0,
            };
            let Handles {
                keep,
                shared,
                loop_round,
                early,
            } = draw_handles(rng, kind.waits());
            let removable = rng.u8(0..10) == 0;
            let late = keep && rng.bool();
            let mut panicking = 0;
            for bit in 0..=LATE_CALLBACK {
                if rng.u8(0..20) == 0 {
                    panicking |= 1 << bit;
                }
            }
            Plan {
                kind,
                yields,
                sleep: Duration::from_micros(rng.u64(0..200)),
                flag: rng.bool(),
                with_message: rng.bool(),
                keep,
                shared,
                loop_round,
                early,
                removable,
                late,
                panicking,
            }
        })
        .collect()
}
