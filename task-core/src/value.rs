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
//!   its own `Clone` panics with a message instead of locking again. Across
//!   threads too: a thread that would wait for a slot while holding others
//!   first records what it waits for and holds, in one process-wide table,
//!   and gives up (the same `...` or message) if the waits would close a
//!   cycle (two values that hold each other, printed on two threads at
//!   once). Of two threads closing a cycle, the second to record sees it.
//! * **V4. Dropped quietly.** A value nobody will read (lost to a cancel,
//!   or left when the task is dropped) is dropped with
//!   [`aiotask_api::drop_quietly`], outside every lock.
//! * **V5. Moved out once.** Awaiting a handle by value and `take_result()`
//!   move the value out of the slot, for any output type; a `Clone` output
//!   is also readable by `result()` and `(&task).await`, which clone it in
//!   place (V2). Once moved out the slot stays empty: every later read is
//!   told `Result was taken` ([`Read::Taken`]), and the repr shows
//!   `result=<taken>`. The slot is empty only after a take: the value is
//!   stored before `Finished` is seen (V1).

use std::cell::RefCell;
use std::sync::TryLockError;

use aiotask_api::TaskId;

use crate::sync::{Mutex, lock};

crate::thread_local_shim! {
    /// The tasks whose value slot this thread holds now, with the slot's
    /// address (V3).
    static HELD: RefCell<Vec<(TaskId, usize)>> = const { RefCell::new(Vec::new()) };
}

/// True while this thread runs user code on `id`'s value (V3).
pub(crate) fn held_here(id: TaskId) -> bool {
    HELD.try_with(|h| h.borrow().iter().any(|(held, _)| *held == id))
        .unwrap_or(false)
}

/// Marks `id` held by this thread until dropped, even on unwind.
struct Holding(TaskId);

impl Holding {
    fn new(id: TaskId, slot: usize) -> Self {
        let _ = HELD.try_with(|h| h.borrow_mut().push((id, slot)));
        Self(id)
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(at) = h.iter().rposition(|(id, _)| *id == self.0) {
                h.remove(at);
            }
        });
    }
}

/// The waits of threads that hold slots (V3): only threads that would
/// block on a slot while holding others are in it, so the table is empty
/// but for values that print or clone one another.
mod waits {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::HELD;

    /// One thread's wait: the slot it waits for, the slots it holds.
    struct Wait {
        thread: u64,
        target: usize,
        held: Vec<usize>,
    }

    // Process-wide, like the id counters: a std lock, taken only when a
    // slot is contended (see `crate::sync`).
    static WAITS: Mutex<Vec<Wait>> = Mutex::new(Vec::new());
    static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

    std::thread_local! {
        static THREAD: u64 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
    }

    fn table() -> std::sync::MutexGuard<'static, Vec<Wait>> {
        WAITS.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that this thread will wait for `target`; `false` when that
    /// wait would close a cycle of waits (then nothing is recorded).
    pub(super) fn enter(target: usize) -> bool {
        let held: Vec<usize> = HELD
            .try_with(|h| h.borrow().iter().map(|(_, slot)| *slot).collect())
            .unwrap_or_default();
        if held.is_empty() {
            return true; // holding nothing, nobody can be waiting for us
        }
        let Ok(thread) = THREAD.try_with(|t| *t) else {
            return false;
        };
        let mut waits = table();
        let mut slot = target;
        for _ in 0..=waits.len() {
            if held.contains(&slot) {
                return false;
            }
            match waits.iter().find(|w| w.held.contains(&slot)) {
                Some(holder) => slot = holder.target,
                None => break,
            }
        }
        waits.push(Wait {
            thread,
            target,
            held,
        });
        true
    }

    /// This thread got the slot it waited for.
    pub(super) fn leave() {
        if let Ok(thread) = THREAD.try_with(|t| *t) {
            table().retain(|w| w.thread != thread);
        }
    }
}

/// What reading a slot found.
pub(crate) enum Read<R> {
    /// The value, read (or moved out).
    Value(R),
    /// The slot is empty: its value was moved out by an earlier take
    /// (`task.await`, `take_result()`), or never stored.
    Taken,
    /// Waiting for the slot would never end: this thread holds it already,
    /// or the wait would close a cycle with other threads (V3).
    WouldWaitForever,
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
    pub(crate) fn with<R>(&self, id: TaskId, f: impl FnOnce(&T) -> R) -> Read<R> {
        let Some(slot) = self.enter(id) else {
            return Read::WouldWaitForever;
        };
        let Some(value) = slot.as_ref() else {
            return Read::Taken;
        };
        let addr = std::ptr::from_ref(self).addr();
        let _holding = Holding::new(id, addr);
        Read::Value(f(value))
    }

    /// Moves the value of task `id` out (V5): no user code runs while the
    /// slot is held, moving is not user code.
    pub(crate) fn take_out(&self, id: TaskId) -> Read<T> {
        let Some(mut slot) = self.enter(id) else {
            return Read::WouldWaitForever;
        };
        match slot.take() {
            Some(value) => Read::Value(value),
            None => Read::Taken,
        }
    }

    /// Locks the slot, unless waiting for it would never end (V3).
    fn enter(&self, id: TaskId) -> Option<crate::sync::MutexGuard<'_, Option<T>>> {
        let addr = std::ptr::from_ref(self).addr();
        match self.value.try_lock() {
            Ok(slot) => Some(slot),
            Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
            // Held: by this thread (re-entry), or by another one.
            Err(TryLockError::WouldBlock) => {
                if held_here(id) || !waits::enter(addr) {
                    return None;
                }
                let slot = lock(&self.value);
                waits::leave();
                Some(slot)
            }
        }
    }

    /// Takes the value out, for a quiet drop (V4).
    pub(crate) fn take(&mut self) -> Option<T> {
        self.value
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}
