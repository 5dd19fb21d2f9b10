//! Containing panics that user values raise while being dropped.
//!
//! A panic caught with `catch_unwind` comes back as a payload, and dropping
//! that payload runs its destructor, which may panic again: a payload of a
//! type whose `Drop` panics escapes every `let _ = catch_unwind(..)`. Every
//! place where aiotask drops a value it did not make (a task body, a task's
//! value, a callback, a panic payload, a report) drops it through
//! [`drop_quietly`], so that nothing a user value does on drop unwinds into
//! a runtime.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// How many nested panicking payloads [`drop_quietly`] drops before it
/// leaks the next one: a payload whose destructor panics with a payload
/// whose destructor panics, and so on without end, must not hang the
/// caller.
const PAYLOAD_DEPTH: usize = 16;

/// Drops `value`, containing any panic its destructor raises; returns the
/// panic's message when there was one (`Some("")` for a non-string payload).
///
/// The payload of that panic is dropped the same way, so a payload whose own
/// `Drop` panics is contained too. After 16 nested panicking payloads the
/// next one is leaked rather than dropped (forgotten): the only way to end
/// such a chain without unwinding.
///
/// ```
/// struct Loud;
/// impl Drop for Loud { fn drop(&mut self) { panic!("bad destructor") } }
///
/// assert_eq!(aiotask_api::drop_quietly(Loud).as_deref(), Some("bad destructor"));
/// assert_eq!(aiotask_api::drop_quietly(5), None);
/// ```
pub fn drop_quietly<T>(value: T) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(move || drop(value))).err()?;
    let message = payload_message(&*payload).unwrap_or_default();
    drop_payload(payload);
    Some(message)
}

/// The text of a panic payload, when it is a string.
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&'static str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// Drops a panic payload, containing the panics its destructor raises.
pub(crate) fn drop_payload(mut payload: Box<dyn Any + Send>) {
    for _ in 0..PAYLOAD_DEPTH {
        match catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            Ok(()) => return,
            Err(next) => payload = next,
        }
    }
    std::mem::forget(payload);
}

/// Runs `f`, containing a panic: `Err(message)` when it panicked (the
/// payload was dropped quietly).
///
/// ```
/// assert_eq!(aiotask_api::call_quietly(|| 2 + 2), Ok(4));
/// assert_eq!(aiotask_api::call_quietly(|| -> u8 { panic!("no") }), Err("no".to_owned()));
/// ```
pub fn call_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(payload) => {
            let message = payload_message(&*payload).unwrap_or_default();
            drop_payload(payload);
            Err(message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("payload drop")
        }
    }

    struct ThrowsPanickingPayload;
    impl Drop for ThrowsPanickingPayload {
        fn drop(&mut self) {
            std::panic::panic_any(PanicsOnDrop)
        }
    }

    static ENDLESS: AtomicUsize = AtomicUsize::new(0);
    struct Endless;
    impl Drop for Endless {
        fn drop(&mut self) {
            ENDLESS.fetch_add(1, Ordering::SeqCst);
            std::panic::panic_any(Endless)
        }
    }

    #[test]
    fn a_payload_that_panics_on_drop_is_contained() {
        assert_eq!(drop_quietly(ThrowsPanickingPayload).as_deref(), Some(""));
        assert!(call_quietly(|| std::panic::panic_any(PanicsOnDrop)).is_err());
    }

    #[test]
    fn an_endless_chain_of_payloads_ends() {
        assert!(drop_quietly(Endless).is_some());
        // The value itself, then PAYLOAD_DEPTH payloads; the last is leaked.
        assert_eq!(ENDLESS.load(Ordering::SeqCst), PAYLOAD_DEPTH + 1);
    }
}
