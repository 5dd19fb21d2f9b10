//! What a check receives ([`Fixture`]), what it says ([`Outcome`]), and how
//! one check is run in isolation ([`execute`], [`Verdict`]).

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use aiotask_api::Runtime;

/// What a backend flavour guarantees beyond the contract itself.
///
/// Most checks hold on every flavour. A few pin facts that asyncio states
/// only for its single-threaded loop (the ready FIFO, "the creator keeps
/// running until it suspends"); those return [`Outcome::NotApplicable`] on a
/// flavour that does not promise them, with the reason.
///
/// ```
/// use aiotask_conformance::Capabilities;
///
/// let native = Capabilities::SINGLE_THREAD_FIFO;
/// assert!(native.fifo_scheduling && !native.multi_thread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// Steps and callbacks run in asyncio's ticks: one ready FIFO, every entry
    /// queued before a tick runs in it, in order, and entries queued during
    /// the tick run in the next one. Implies a single loop thread.
    pub fifo_scheduling: bool,
    /// Task bodies may run in parallel on several worker threads, so a task
    /// can move on while its creator is still running.
    pub multi_thread: bool,
}

impl Capabilities {
    /// A single-threaded loop with asyncio's FIFO ticks (aiotask-native).
    pub const SINGLE_THREAD_FIFO: Self = Self {
        fifo_scheduling: true,
        multi_thread: false,
    };

    /// A single-threaded executor whose scheduling order is its own.
    pub const SINGLE_THREAD: Self = Self {
        fifo_scheduling: false,
        multi_thread: false,
    };

    /// A work-stealing pool of worker threads.
    pub const MULTI_THREAD: Self = Self {
        fifo_scheduling: false,
        multi_thread: true,
    };
}

/// The result of a check that did not fail. A failing check panics.
///
/// ```
/// use aiotask_conformance::Outcome;
/// assert_ne!(Outcome::Pass, Outcome::NotApplicable("needs one thread"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every assertion held.
    Pass,
    /// The behaviour is not defined on this flavour; the reason says why.
    NotApplicable(&'static str),
}

/// The signature of every check: it runs a scenario on the fixture's
/// runtime, panics on the first mismatch, and otherwise says whether it
/// applied.
pub type Check<R> = fn(&Fixture<R>) -> Outcome;

/// What a check works with: a fresh runtime of the flavour under test, that
/// flavour's [`Capabilities`], and the constructor, for the checks that need
/// to own (and drop) further runtimes of the same flavour.
///
/// ```
/// use aiotask_api::{Runtime, RuntimeHandle};
/// use aiotask_conformance::{Capabilities, Fixture, Outcome};
///
/// fn one_plus_one<R: Runtime>(fx: &Fixture<R>) -> Outcome {
///     let h = fx.runtime().handle();
///     let two = fx.runtime().run(async move { h.create_task(async { 1 }).await.unwrap() + 1 });
///     assert_eq!(two.unwrap(), 2);
///     Outcome::Pass
/// }
/// # let _ = Capabilities::SINGLE_THREAD_FIFO;
/// ```
pub struct Fixture<R> {
    runtime: R,
    caps: Capabilities,
    make: fn() -> R,
}

impl<R: Runtime> Fixture<R> {
    /// Builds the runtime under test with `make`.
    pub fn new(make: fn() -> R, caps: Capabilities) -> Self {
        Self {
            runtime: make(),
            caps,
            make,
        }
    }

    /// The runtime under test.
    pub fn runtime(&self) -> &R {
        &self.runtime
    }

    /// What the flavour under test guarantees.
    pub fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// Another runtime of the same flavour, owned by the caller (used by the
    /// checks that drop a runtime with tasks still pending).
    pub fn make_runtime(&self) -> R {
        (self.make)()
    }
}

impl<R> fmt::Debug for Fixture<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("runtime", &std::any::type_name::<R>())
            .field("caps", &self.caps)
            .finish()
    }
}

/// How one check ended, as [`execute`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The check passed.
    Pass,
    /// The check does not apply to this flavour, for this reason.
    NotApplicable(&'static str),
    /// The check panicked (the detail is its message, with the location when
    /// [`install_quiet_panic_hook`] is in place) or did not finish in time.
    Fail(String),
}

/// How long a check may run before [`execute`] gives up on it.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `check` on a fresh fixture in a thread of its own, catching its
/// panic, and waits at most `timeout` for it.
///
/// A check that times out is reported as failed; its thread is left behind
/// (a thread cannot be stopped from outside).
pub fn execute<R: Runtime + 'static>(
    name: &str,
    check: Check<R>,
    make: fn() -> R,
    caps: Capabilities,
    timeout: Duration,
) -> Verdict {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("check {name}"))
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let fixture = Fixture::new(make, caps);
                check(&fixture)
            }));
            let verdict = match outcome {
                Ok(Outcome::Pass) => Verdict::Pass,
                Ok(Outcome::NotApplicable(why)) => Verdict::NotApplicable(why),
                Err(payload) => Verdict::Fail(describe_panic(payload.as_ref())),
            };
            let _ = tx.send(verdict);
        });
    if let Err(e) = spawned {
        return Verdict::Fail(format!("could not start the check's thread: {e}"));
    }
    match rx.recv_timeout(timeout) {
        Ok(verdict) => verdict,
        Err(mpsc::RecvTimeoutError::Timeout) => Verdict::Fail(format!(
            "timed out after {} s (a task or the loop hangs)",
            timeout.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Verdict::Fail("the check's thread ended without a verdict".to_owned())
        }
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook with one that prints nothing and remembers, per
/// thread, the last panic's message and location, which [`execute`] then
/// puts in [`Verdict::Fail`]. For the report binary, whose output is the
/// matrix: checks make tasks panic on purpose.
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(text));
    }));
}

fn describe_panic(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the check panicked with a non-string payload".to_owned());
    // The hook's text adds the location, but only trust it when it is about
    // this payload: a resumed panic (a task's, re-raised) skips the hook.
    match LAST_PANIC.with(|last| last.borrow_mut().take()) {
        Some(text) if text.contains(&message) => text,
        _ => message,
    }
}

/// What a stamped `#[test]` does with a check: runs it through [`execute`]
/// and panics on failure. Used by [`conformance_tests!`](crate::conformance_tests).
#[doc(hidden)]
#[track_caller]
pub fn __stamped_test<R: Runtime + 'static>(
    name: &str,
    check: Check<R>,
    make: fn() -> R,
    caps: Capabilities,
) {
    match execute(name, check, make, caps, CHECK_TIMEOUT) {
        Verdict::Pass => {}
        Verdict::NotApplicable(why) => println!("{name}: not applicable: {why}"),
        Verdict::Fail(detail) => panic!("{name} failed: {detail}"),
    }
}
