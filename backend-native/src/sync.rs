//! The synchronisation types of the loop and the task cell: the shared shim
//! of `aiotask_core` (locks, atomics, park/unpark, thread-locals), plus the
//! cell that holds a task's future. Under `cfg(loom)` all of them are loom's,
//! so the models in `crate::loom_models` see every access.

pub(crate) use aiotask_core::sync::thread::{Thread, current, park, park_timeout};
pub(crate) use aiotask_core::sync::{AtomicBool, AtomicUsize, Mutex, lock};
pub(crate) use std::sync::atomic::Ordering;

/// `std::cell::UnsafeCell` with loom's closure-based access, so a model
/// can check that no two threads ever reach the future at once.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer for exclusive access. Dereferencing it is
    /// the caller's `unsafe`, under the cell's access rules.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
