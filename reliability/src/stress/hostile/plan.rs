//! What each hostile task does, drawn from the run's seeded generator.

use super::super::plan::{Handles, draw_handles, pick_kind, plan_shape};
pub(crate) use super::super::plan::{PlanShape, REMOVABLE_CALLBACK};
use super::values::{Blast, mode};

/// The behaviour of one task body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Yields `yields` times (0..=2), then returns its value.
    Value,
    /// Yields `yields` times (0..=1), then panics (with a [`PanicsOnDrop`]
    /// payload when `flag`).
    ///
    /// [`PanicsOnDrop`]: super::values::PanicsOnDrop
    Panics,
    /// Cancels itself, then returns its value: the value is discarded
    /// (and dropped by aiotask), the task ends cancelled.
    SelfCancelValue,
    /// Waits for an hour outside `catch_cancel`: dropped at the delivery.
    WaitUncaught,
    /// Waits for an hour inside `catch_cancel`, then returns its value.
    WaitCatchValue,
    /// Waits for an hour inside `catch_cancel`, then returns the error.
    WaitCatchPropagate,
    /// Creates a child with a value of mode `child_mode` (which waits for
    /// an hour when `flag`, and then suppresses its cancellation when
    /// `suppress`) and awaits it, catching a panic of the value's `Clone`;
    /// drops the child's value itself (a panicking `Drop` fails the body).
    AwaitChild,
    /// Awaits a chain of `depth` tasks, each awaiting the next; the last
    /// waits for an hour inside `catch_cancel` and then suppresses the
    /// cancellation (returns a value) when `suppress`, else propagates it.
    Chain,
}

impl Kind {
    /// Bodies the loop side must cancel for the batch to end (and which it
    /// therefore always holds).
    pub(crate) fn waits(self) -> bool {
        matches!(
            self,
            Self::WaitUncaught
                | Self::WaitCatchValue
                | Self::WaitCatchPropagate
                | Self::AwaitChild
                | Self::Chain
        )
    }
}

const KINDS: [(Kind, u32); 8] = [
    (Kind::Value, 22),
    (Kind::Panics, 12),
    (Kind::SelfCancelValue, 8),
    (Kind::WaitUncaught, 14),
    (Kind::WaitCatchValue, 10),
    (Kind::WaitCatchPropagate, 8),
    (Kind::AwaitChild, 16),
    (Kind::Chain, 10),
];

/// One done callback's behaviour.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallbackPlan {
    /// Panics after recording its run (string or `PanicsOnDrop` payload).
    pub(crate) panics: Blast,
    /// Its capture's destructor panics.
    pub(crate) guard: Blast,
    /// Reads `exception()`, `result()` and the repr (retrieving a failure),
    /// rather than `done()` and `cancelled()` only.
    pub(crate) full: bool,
}

/// The plan of one task.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) kind: Kind,
    pub(crate) yields: u8,
    /// `Panics`: a `PanicsOnDrop` payload. `AwaitChild`: the child waits.
    pub(crate) flag: bool,
    /// `AwaitChild`, `Chain`: the waiting child suppresses its cancellation.
    pub(crate) suppress: bool,
    /// The body's destructor panics (when completed or dropped).
    pub(crate) bomb: Blast,
    /// The mode of the task's value.
    pub(crate) value_mode: u8,
    /// `AwaitChild`: the mode of the child's value; its body's destructor.
    pub(crate) child_mode: u8,
    pub(crate) child_bomb: Blast,
    /// `Chain`: tasks in the chain below this one (2..=8).
    pub(crate) depth: u8,
    /// The body formats its own task (through `current_task()`).
    pub(crate) self_repr: bool,
    /// Cancels carry a message.
    pub(crate) with_message: bool,
    /// The loop side keeps the handle to the end and checks it.
    pub(crate) keep: bool,
    /// The handle is on the list the other thread cancels and formats from.
    pub(crate) shared: bool,
    /// The loop side's extra cancel: 0 none, else the round (1..=3).
    pub(crate) loop_round: u8,
    /// The loop side formats the handle during the cancel rounds.
    pub(crate) loop_repr: bool,
    /// Early callbacks (bits 0..`MAX_EARLY_CALLBACKS`).
    pub(crate) early: u8,
    /// A callback added as a `DoneCallback` and removed right away.
    pub(crate) removable: bool,
    /// A callback added once the task is done (kept handles only).
    pub(crate) late: bool,
    /// The callbacks, by bit.
    pub(crate) callbacks: [CallbackPlan; 5],
}

plan_shape!(Plan);

impl Plan {
    /// The body waits until a cancel ends it (an `AwaitChild` whose child
    /// returns at once may end first).
    pub(crate) fn blocks(&self) -> bool {
        self.kind.waits() && (self.kind != Kind::AwaitChild || self.flag)
    }
}

/// A random value mode: each of `Clone`, `Debug`, `Drop` panics one time
/// in `one_in`, with a `PanicsOnDrop` payload half of those times.
pub(crate) fn value_mode(rng: &mut fastrand::Rng, one_in: u8) -> u8 {
    let mut m = 0;
    for (bit, payload) in [
        (mode::CLONE_PANICS, mode::CLONE_PAYLOAD),
        (mode::DEBUG_PANICS, mode::DEBUG_PAYLOAD),
        (mode::DROP_PANICS, mode::DROP_PAYLOAD),
    ] {
        if rng.u8(0..one_in) == 0 {
            m |= bit;
            if rng.bool() {
                m |= payload;
            }
        }
    }
    m
}

/// Draws the plans of one batch of `n` tasks.
pub(crate) fn generate(rng: &mut fastrand::Rng, n: usize) -> Vec<Plan> {
    (0..n)
        .map(|_| {
            let kind = pick_kind(rng, &KINDS);
            let yields = match kind {
                Kind::Value => rng.u8(0..=2),
                Kind::Panics => rng.u8(0..=1),
                _ => 0,
            };
            let Handles {
                keep,
                shared,
                loop_round,
                early,
            } = draw_handles(rng, kind.waits());
            let callbacks = std::array::from_fn(|bit| CallbackPlan {
                panics: Blast::pick(rng, 8),
                // The removable callback's capture is also held by this
                // crate's `DoneCallback`, which drops it last.
                guard: if bit as u8 == REMOVABLE_CALLBACK {
                    Blast::None
                } else {
                    Blast::pick(rng, 8)
                },
                full: rng.bool(),
            });
            Plan {
                kind,
                yields,
                flag: rng.bool(),
                suppress: rng.bool(),
                bomb: Blast::pick(rng, 4),
                value_mode: value_mode(rng, 5),
                child_mode: value_mode(rng, 5),
                child_bomb: Blast::pick(rng, 4),
                depth: rng.u8(2..=8),
                self_repr: rng.u8(0..8) == 0,
                with_message: rng.bool(),
                keep,
                shared,
                loop_round,
                loop_repr: rng.u8(0..4) == 0,
                early,
                removable: rng.u8(0..10) == 0,
                late: keep && rng.bool(),
                callbacks,
            }
        })
        .collect()
}
