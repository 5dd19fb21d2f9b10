//! The loop this thread is running for now, for `Handle::current()` and
//! the ambient `spawn`: asyncio's `get_running_loop()`.
//!
//! # Rules
//!
//! * **A1. Entered where the loop runs user code.** Inside a step, the
//!   running loop is the env of the step's task, read from the step's frame
//!   (`context.rs`) only when asked: a step pays nothing for it. The step
//!   enters the env explicitly where it drops a body (its destructors are
//!   the body's `finally`). A backend enters its env
//!   wherever it runs done callbacks and `call_soon` jobs (native: for its
//!   whole `drive`; hosted runtimes: the [`HostedDispatcher`](crate::backend::HostedDispatcher)
//!   does it per batch). Outside those, no loop is running here.
//! * **A2. Innermost wins.** Entries nest (a loop driven from a callback of
//!   another); the last one entered is current, and leaving restores the
//!   one before, even on unwind.
//! * **A3. The env names its backend.** A backend turns the current env
//!   back into its own handle by downcasting it (`LoopServices: Any`): native's env
//!   is its loop; a hosted env carries its owner ([`HostedServices::owner`](crate::backend::HostedServices::owner)).

use std::cell::RefCell;
use std::sync::Arc;

use crate::services::LoopServices;

/// One entered env, with how many step frames this thread had then (rule
/// A2: a frame pushed since is newer than it).
struct Entered {
    env: Arc<dyn LoopServices>,
    frames_below: usize,
}

crate::thread_local_shim! {
    static CURRENT: RefCell<Vec<Entered>> = const { RefCell::new(Vec::new()) };
}

/// Makes `env` this thread's running loop until the guard is dropped
/// (rule A1, A2).
///
/// ```
/// use std::sync::Arc;
/// let env: Arc<dyn aiotask_core::backend::LoopServices> = Arc::new(aiotask_core::backend::HostedServices::new());
/// assert!(aiotask_core::backend::running_services().is_none());
/// let guard = aiotask_core::backend::enter_services(env.clone());
/// assert!(aiotask_core::backend::running_services().is_some());
/// drop(guard);
/// assert!(aiotask_core::backend::running_services().is_none());
/// ```
pub fn enter_services(env: Arc<dyn LoopServices>) -> ServicesGuard {
    let frames_below = crate::context::frame_count();
    let entered = CURRENT
        .try_with(|c| c.borrow_mut().push(Entered { env, frames_below }))
        .is_ok();
    ServicesGuard { entered }
}

/// [`enter_services`], unless `env` is already the innermost entry (rule
/// A2: entering it again would change nothing): then nothing is pushed and
/// no reference is counted. Native enters its env for its whole `drive`,
/// so a step that drops a body there enters nothing.
#[inline]
pub(crate) fn enter_services_unless_current(env: &Arc<dyn LoopServices>) -> ServicesGuard {
    let frames = crate::context::frame_count();
    let current = CURRENT
        .try_with(|c| {
            c.borrow()
                .last()
                .is_some_and(|e| e.frames_below >= frames && Arc::ptr_eq(&e.env, env))
        })
        .unwrap_or(false);
    if current {
        return ServicesGuard { entered: false };
    }
    enter_services(env.clone())
}

/// The env of the loop running on this thread, if any (rule A1).
///
/// ```
/// assert!(aiotask_core::backend::running_services().is_none());
/// ```
pub fn running_services() -> Option<Arc<dyn std::any::Any + Send + Sync>> {
    let frames = crate::context::frame_count();
    let entered = CURRENT
        .try_with(|c| {
            c.borrow()
                .last()
                .filter(|e| e.frames_below >= frames)
                .map(|e| e.env.clone())
        })
        .ok()
        .flatten();
    match entered {
        Some(env) => Some(env),
        // The innermost is a step: its task's loop (rule A1).
        None if frames > 0 => crate::context::with_frame(|f| f.task.loop_env()).flatten(),
        None => None,
    }
}

/// Leaves the env [`enter_services`] entered, when dropped.
#[must_use = "the env is current only while the guard lives"]
#[derive(Debug)]
pub struct ServicesGuard {
    entered: bool,
}

impl Drop for ServicesGuard {
    fn drop(&mut self) {
        if self.entered {
            // The popped env is dropped after the borrow ends: its drop may
            // be the loop's last reference, and run anything.
            let popped = CURRENT.try_with(|c| c.borrow_mut().pop()).ok().flatten();
            drop(popped);
        }
    }
}
