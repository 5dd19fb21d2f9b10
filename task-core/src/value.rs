//! [`ValueSlot`]: where a finished task keeps its value, apart from its
//! state's lock.
//!
//! # Rules
//!
//! * **V1. Written once, before it is seen.** The value is stored under the
//!   state lock in the same critical section that makes the phase
//!   `Finished`; a reader looks at the slot only after seeing `Finished`, so
//!   the slot is never contended when it is written.
//! * **V2. User code runs under the slot's lock only, never the state's.**
//!   `Clone` (for `result()`) and `Debug` (for the repr) run holding the
//!   slot alone, so a value may call any method of its own task (`cancel`,
//!   `done`, the repr) without deadlock.
//! * **V3. Re-entry is detected, not deadlocked.** While this thread holds a
//!   task's slot, the task's id is in a thread-local list: a repr of that
//!   task reached from inside (a value holding its own handle) prints `...`
//!   as CPython's recursion guard does, and a `result()` of it from inside
//!   its own `Clone` panics with a message instead of locking again.
//! * **V4. Dropped quietly.** A value nobody will read (lost to a cancel,
//!   or left when the task is dropped) is dropped with
//!   [`aiotask_api::drop_quietly`], outside every lock.

use std::cell::RefCell;

use aiotask_api::TaskId;

use crate::sync::{Mutex, lock};

crate::thread_local_shim! {
    /// The tasks whose value slot this thread holds now (V3).
    static HELD: RefCell<Vec<TaskId>> = const { RefCell::new(Vec::new()) };
}

/// True while this thread runs user code on `id`'s value (V3).
pub(crate) fn held_here(id: TaskId) -> bool {
    HELD.try_with(|h| h.borrow().contains(&id)).unwrap_or(false)
}

/// Marks `id` held by this thread until dropped, even on unwind.
struct Holding(TaskId);

impl Holding {
    fn new(id: TaskId) -> Self {
        let _ = HELD.try_with(|h| h.borrow_mut().push(id));
        Self(id)
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(at) = h.iter().rposition(|id| *id == self.0) {
                h.remove(at);
            }
        });
    }
}

/// The value of a finished task.
pub(crate) struct ValueSlot<T> {
    value: Mutex<Option<T>>,
}

impl<T> ValueSlot<T> {
    pub(crate) fn new() -> Self {
        Self {
            value: Mutex::new(None),
        }
    }

    /// Stores the value (V1).
    pub(crate) fn store(&self, value: T) {
        *lock(&self.value) = Some(value);
    }

    /// Runs `f` on the value of task `id` under the slot's lock only (V2).
    /// `None` when the slot is empty or this thread already holds it (V3).
    pub(crate) fn with<R>(&self, id: TaskId, f: impl FnOnce(&T) -> R) -> Option<R> {
        if held_here(id) {
            return None;
        }
        let slot = lock(&self.value);
        let value = slot.as_ref()?;
        let _holding = Holding::new(id);
        Some(f(value))
    }

    /// Takes the value out, for a quiet drop (V4).
    pub(crate) fn take(&mut self) -> Option<T> {
        self.value
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}
