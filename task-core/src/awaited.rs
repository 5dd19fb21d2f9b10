//! Which tasks a suspended task awaits: [`Awaited`] in its state, and
//! [`PendingJoins`], what a step collects as it polls joins.
//!
//! A step may leave several joins pending (`join!`, `zip`, `select!` of two
//! tasks): a cancel is forwarded to every one of them (protocol rule F2 in
//! `forward.rs`). One awaited task, the common case, allocates nothing.

use std::sync::Arc;

use aiotask_api::{AnyTask, TaskId};

/// The tasks one suspension awaits, each once, in the order first polled.
/// One task (the common case) is held as is; several share one allocation,
/// so that cloning for a forward costs a reference count either way.
#[derive(Clone, Debug)]
pub(crate) enum Awaited {
    One(AnyTask),
    /// Two or more.
    Many(Arc<[AnyTask]>),
}

impl Awaited {
    /// The first task awaited (what the repr shows as `wait_for=`).
    pub(crate) fn first(&self) -> &AnyTask {
        match self {
            Self::One(t) => t,
            Self::Many(ts) => &ts[0],
        }
    }

    /// Every task awaited.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &AnyTask> {
        let many: &[AnyTask] = match self {
            Self::One(_) => &[],
            Self::Many(ts) => &ts[1..],
        };
        std::iter::once(self.first()).chain(many)
    }

    /// The tasks, split for a cancel walk's forward step.
    pub(crate) fn into_parts(self) -> (AnyTask, Vec<AnyTask>) {
        match self {
            Self::One(t) => (t, Vec::new()),
            Self::Many(ts) => (ts[0].clone(), ts[1..].to_vec()),
        }
    }
}

/// The joins a running step polled and left pending, each known by its
/// task and its key (unique per task): the joins dropped in the same step
/// are removed again.
#[derive(Default)]
pub(crate) struct PendingJoins {
    first: Option<(AnyTask, u64)>,
    rest: Vec<(AnyTask, u64)>,
}

impl PendingJoins {
    /// Records the join `key` on `task`; returns the entry it replaced
    /// (the same join polled twice), for the caller to drop outside any
    /// borrow.
    #[inline]
    pub(crate) fn insert(&mut self, task: AnyTask, key: u64) -> Option<AnyTask> {
        if let Some(slot) = self.slot_mut(task.id(), key) {
            return Some(std::mem::replace(slot, task));
        }
        if self.first.is_none() {
            self.first = Some((task, key));
        } else {
            self.rest.push((task, key));
        }
        None
    }

    /// Forgets the join `key` on task `id` (dropped in this step); returns
    /// its task.
    #[inline]
    pub(crate) fn remove(&mut self, id: TaskId, key: u64) -> Option<AnyTask> {
        let is_it = |(t, k): &(AnyTask, u64)| *k == key && t.id() == id;
        if self.first.as_ref().is_some_and(is_it) {
            let (task, _) = self.first.take()?;
            if !self.rest.is_empty() {
                self.first = Some(self.rest.remove(0));
            }
            return Some(task);
        }
        let at = self.rest.iter().position(is_it)?;
        Some(self.rest.remove(at).0)
    }

    #[inline]
    fn slot_mut(&mut self, id: TaskId, key: u64) -> Option<&mut AnyTask> {
        self.first
            .iter_mut()
            .chain(self.rest.iter_mut())
            .find(|(t, k)| *k == key && t.id() == id)
            .map(|(t, _)| t)
    }

    /// What the suspension awaits: each task once.
    #[inline]
    pub(crate) fn into_awaited(self) -> Option<Awaited> {
        let (first, _) = self.first?;
        if self.rest.is_empty() {
            return Some(Awaited::One(first));
        }
        let mut all = vec![first];
        for (task, _) in self.rest {
            if !all.iter().any(|t| t.id() == task.id()) {
                all.push(task);
            }
        }
        Some(if all.len() == 1 {
            Awaited::One(all.remove(0))
        } else {
            Awaited::Many(all.into())
        })
    }
}
