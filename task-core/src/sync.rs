//! The synchronisation primitives behind the task state, switched to loom's
//! model-checked types under `cfg(loom)`.
//!
//! Every lock, atomic, thread-local and park/unpark that decides how two
//! threads meet over a task goes through this module, in this crate and in
//! `aiotask-native`, so a loom model sees each of them as a point where the
//! threads may interleave. Under `cfg(loom)` the model's threads share one
//! OS thread, so even thread-locals must be loom's to stay per model thread.
//!
//! Two kinds of synchronisation stay `std` on purpose, and are not part of
//! any model's state space:
//!
//! * `Arc`: the task cell is held as `Arc<dyn TaskCell<T>>` and
//!   `Arc<dyn Runnable>`, and loom's `Arc` cannot coerce to a trait object.
//!   The reference count is `std`'s, whose own correctness is not ours to
//!   check; what the models check is that every transition of the task and
//!   of its cell happens once, whichever thread drops the last handle.
//! * process-wide id counters (`static` atomics: task ids, `Task-N`, loop
//!   ids). Loom types cannot live in a `static`, and these only hand out
//!   unique numbers.
//!
//! The module is public only for `aiotask-native`; it is not part of the
//! crate's API.

#[cfg(loom)]
#[doc(hidden)]
pub use loom as __loom;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicUsize};
#[cfg(loom)]
pub use loom::sync::{Mutex, MutexGuard, RwLock};

#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, AtomicUsize};
#[cfg(not(loom))]
pub use std::sync::{Mutex, MutexGuard, RwLock};

/// Locks `mutex`, ignoring poisoning: the task state stays consistent when
/// a panic unwinds through a holder, because no user code runs under it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Parking the thread that runs an event loop, and waking it.
pub mod thread {
    #[cfg(loom)]
    pub use self::model::{Thread, current, park};

    /// Parking under loom, on a condition variable rather than loom's own
    /// `park`/`unpark`: loom's `unpark` also makes a thread runnable that is
    /// blocked on a *mutex*, which then fails loom's own assertion
    /// ("expected to be able to acquire lock") in interleavings no real
    /// thread can take. A lost wake-up still leaves every thread blocked,
    /// which loom reports as a deadlock.
    #[cfg(loom)]
    mod model {
        use loom::sync::{Arc, Condvar, Mutex};

        struct Parker {
            notified: Mutex<bool>,
            condvar: Condvar,
        }

        loom::thread_local! {
            static PARKER: Arc<Parker> = Arc::new(Parker {
                notified: Mutex::new(false),
                condvar: Condvar::new(),
            });
        }

        /// A handle to a model thread, to unpark it.
        #[derive(Clone)]
        pub struct Thread(Arc<Parker>);

        impl Thread {
            /// Wakes the thread from [`park`], or makes its next `park`
            /// return at once.
            pub fn unpark(&self) {
                let mut notified = self.0.notified.lock().unwrap();
                *notified = true;
                self.0.condvar.notify_one();
            }
        }

        impl std::fmt::Debug for Thread {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("Thread")
            }
        }

        /// This thread's handle.
        pub fn current() -> Thread {
            Thread(PARKER.with(Arc::clone))
        }

        /// Blocks until [`Thread::unpark`] was called since the last park.
        pub fn park() {
            let parker = PARKER.with(Arc::clone);
            let mut notified = parker.notified.lock().unwrap();
            while !*notified {
                notified = parker.condvar.wait(notified).unwrap();
            }
            *notified = false;
        }
    }
    #[cfg(not(loom))]
    pub use std::thread::{Thread, current, park, park_timeout};

    /// Under loom there is no clock: the models arm no timer, so a timed
    /// park only gives the other threads a turn.
    #[cfg(loom)]
    pub fn park_timeout(_timeout: std::time::Duration) {
        loom::thread::yield_now();
    }
}

/// `thread_local!` that becomes loom's under `cfg(loom)`, so every model
/// thread has its own value. Declarations take a `const`-evaluable
/// initializer.
#[cfg(not(loom))]
#[macro_export]
#[doc(hidden)]
macro_rules! thread_local_shim {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;)*) => {
        ::std::thread_local! {
            $($(#[$attr])* $vis static $name: $t = const { $init };)*
        }
    };
}

/// `thread_local!` that becomes loom's under `cfg(loom)`, so every model
/// thread has its own value.
#[cfg(loom)]
#[macro_export]
#[doc(hidden)]
macro_rules! thread_local_shim {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;)*) => {
        $crate::sync::__loom::thread_local! {
            $($(#[$attr])* $vis static $name: $t = $init;)*
        }
    };
}
