//! Which tasks a suspended task awaits: [`Awaited`] in its state, and
//! [`PendingJoins`], what a step collects as it polls joins.
//!
//! A step may leave several joins pending (`join!`, `zip`, `select!` of two
//! tasks): a cancel is forwarded to every one of them (protocol rule F2 in
//! `forward.rs`). One awaited task, the common case, allocates nothing.

use aiotask_api::AnyTask;

/// The tasks one suspension awaits, each once, in the order first polled.
#[derive(Clone, Debug)]
pub(crate) struct Awaited {
    first: AnyTask,
    rest: Vec<AnyTask>,
}

impl Awaited {
    /// The first task awaited (what the repr shows as `wait_for=`).
    pub(crate) fn first(&self) -> &AnyTask {
        &self.first
    }

    /// Every task awaited.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &AnyTask> {
        std::iter::once(&self.first).chain(self.rest.iter())
    }

    /// The tasks, split for a cancel walk's forward step.
    pub(crate) fn into_parts(self) -> (AnyTask, Vec<AnyTask>) {
        (self.first, self.rest)
    }
}

/// The joins a running step polled and left pending, with the key of each
/// (unique process-wide): the joins dropped in the same step are removed
/// again.
#[derive(Default)]
pub(crate) struct PendingJoins {
    first: Option<(AnyTask, u64)>,
    rest: Vec<(AnyTask, u64)>,
}

impl PendingJoins {
    /// Records the join `key` on `task`; returns the entry it replaced
    /// (the same join polled twice), for the caller to drop outside any
    /// borrow.
    pub(crate) fn insert(&mut self, task: AnyTask, key: u64) -> Option<AnyTask> {
        if let Some(slot) = self.slot_mut(key) {
            return Some(std::mem::replace(slot, task));
        }
        if self.first.is_none() {
            self.first = Some((task, key));
        } else {
            self.rest.push((task, key));
        }
        None
    }

    /// Forgets the join `key` (dropped in this step); returns its task.
    pub(crate) fn remove(&mut self, key: u64) -> Option<AnyTask> {
        if self.first.as_ref().is_some_and(|(_, k)| *k == key) {
            let (task, _) = self.first.take()?;
            if !self.rest.is_empty() {
                self.first = Some(self.rest.remove(0));
            }
            return Some(task);
        }
        let at = self.rest.iter().position(|(_, k)| *k == key)?;
        Some(self.rest.remove(at).0)
    }

    fn slot_mut(&mut self, key: u64) -> Option<&mut AnyTask> {
        self.first
            .iter_mut()
            .chain(self.rest.iter_mut())
            .find(|(_, k)| *k == key)
            .map(|(t, _)| t)
    }

    /// What the suspension awaits: each task once.
    pub(crate) fn into_awaited(self) -> Option<Awaited> {
        let (first, _) = self.first?;
        let mut rest: Vec<AnyTask> = Vec::new();
        for (task, _) in self.rest {
            if task.id() != first.id() && !rest.iter().any(|t| t.id() == task.id()) {
                rest.push(task);
            }
        }
        Some(Awaited { first, rest })
    }
}
