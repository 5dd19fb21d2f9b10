//! [`WakerSlot`]: the waker one future leaves for whoever wakes it, and
//! [`Registration`], that future's note of which waker it left, so that a
//! poll with the same waker as the last one takes no lock.
//!
//! A host polls a task with the same waker every time (tokio and
//! async-executor both hand a task its own), so the slot is written once
//! and each later poll only compares two addresses.
//!
//! # Rules
//!
//! * **K1. One writer.** Only the future that holds the slot's
//!   [`Registration`] stores a waker in it. So while the registration names
//!   a waker, that waker is the one in the slot, and a poll with the same
//!   waker ([`Waker::will_wake`]: the same data and vtable addresses) has
//!   nothing to store.
//! * **K2. A taken waker is announced first.** Whoever takes the waker out
//!   ([`WakerSlot::take`]: a latch being set) first publishes why (the
//!   latch's flag), and the future checks that before it trusts its
//!   registration: a registration that names a taken waker is only ever
//!   read by a future that then finds the flag set.

use std::fmt;
use std::task::Waker;

use crate::sync::{Mutex, lock};

/// The waker a future left for whoever wakes it (rules K1–K2).
#[derive(Default)]
pub(crate) struct WakerSlot {
    waker: Mutex<Option<Waker>>,
}

/// Which waker the slot's one writer left in it (rule K1): the addresses
/// [`Waker::will_wake`] compares (data, vtable), so it is told apart from
/// the next poll's waker without reading the slot. A vtable is a reference,
/// never at address 0: `(_, 0)` is "none".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Registration(usize, usize);

impl Registration {
    fn of(waker: &Waker) -> Self {
        Self(
            waker.data().addr(),
            std::ptr::from_ref(waker.vtable()).addr(),
        )
    }

    fn is_some(self) -> bool {
        self.1 != 0
    }
}

impl WakerSlot {
    /// Leaves `waker` in the slot, unless `registration` says it is there
    /// already (rule K1: then no lock is taken). The waker is cloned, and
    /// the one it replaces dropped, with no lock held: both are the host's
    /// code.
    #[inline]
    pub(crate) fn register(&self, registration: &mut Registration, waker: &Waker) {
        let id = Registration::of(waker);
        if *registration == id {
            return;
        }
        let fresh = waker.clone();
        let replaced = lock(&self.waker).replace(fresh);
        drop(replaced);
        *registration = id;
    }

    /// Wakes the waker left in the slot, if any; it stays there.
    pub(crate) fn wake(&self) {
        let waker = lock(&self.waker).clone();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Takes the waker out (rule K2: announce why first).
    pub(crate) fn take(&self) -> Option<Waker> {
        lock(&self.waker).take()
    }

    /// Empties the slot for good (its writer is going away): a waker kept
    /// here would keep the host's task alive as long as the slot.
    pub(crate) fn clear(&self, registration: &mut Registration) {
        // Never registered: nothing is in the slot (rule K1).
        if std::mem::take(registration).is_some() {
            let gone = self.take();
            drop(gone);
        }
    }

    /// Whether a waker is in the slot.
    pub(crate) fn is_filled(&self) -> bool {
        lock(&self.waker).is_some()
    }
}

impl fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerSlot")
            .field("filled", &self.is_filled())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_registration_is_two_words() {
        assert_eq!(size_of::<Registration>(), 2 * size_of::<usize>());
        assert!(!Registration::default().is_some());
        assert!(Registration::of(Waker::noop()).is_some());
    }

    #[test]
    fn the_same_waker_is_stored_once_and_a_new_one_replaces_it() {
        let slot = WakerSlot::default();
        let mut reg = Registration::default();
        let a = Arc::new(Count(AtomicUsize::new(0)));
        let b = Arc::new(Count(AtomicUsize::new(0)));
        let wa = Waker::from(a.clone());
        slot.register(&mut reg, &wa);
        slot.register(&mut reg, &wa.clone());
        // One clone in the slot, one in `wa`, one in `a`.
        assert_eq!(Arc::strong_count(&a), 3);
        slot.wake();
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        slot.register(&mut reg, &Waker::from(b.clone()));
        assert_eq!(Arc::strong_count(&a), 2, "the replaced waker is dropped");
        slot.wake();
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
        slot.clear(&mut reg);
        assert!(!slot.is_filled());
        assert_eq!(Arc::strong_count(&b), 1);
        // Cleared: the same waker is stored again.
        slot.register(&mut reg, &Waker::from(b.clone()));
        assert!(slot.is_filled());
    }
}
