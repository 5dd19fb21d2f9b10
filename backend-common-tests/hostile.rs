//! Careless or hostile use (issue 10), generic over [`aiotask_api::Runtime`]:
//! written once, run by every backend (native, tokio, smol) on each flavour
//! a case applies to. Each case ends in a clear error or the right answer,
//! never a panic, an abort, a hang or a leak.
//!
//! `tests/common` in each backend is a symbolic link to this directory, so
//! that the backend's published package carries this file (`cargo package
//! --list` follows the link).
//!
//! A backend's `tests/hostile.rs` includes this file as its `common` module
//! and stamps the tests, flavour by flavour, naming the ones that apply
//! (see [`hostile_tests!`] for the names):
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/hostile.rs"]
//! mod common;
//!
//! hostile_tests! {
//!     reenter = common::OnThisThread, other = Runtime::local();
//!     local = Runtime::local() => [sleep, nested_run, other_runtime, handler];
//!     attached = Runtime::from_executor(ex.clone()), host ex = Arc::new(Executor::new())
//!         => [sleep, handler];
//! }
//! ```
//!
//! The thread-local case runs in a test binary of its own (before its fix,
//! the thread's exit aborted the whole process): a backend's
//! `tests/thread_local.rs` includes this file too and calls
//! [`a_runtime_in_a_thread_local_is_dropped_at_thread_exit`] alone.

use std::any::Any;
use std::cell::RefCell;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::Duration;

use aiotask_api::{
    ExceptionContext, ReportKind, Runtime, RuntimeErrorKind, RuntimeHandle, Task as _, TaskError,
};

/// The kind of the runtime's refusal, if `err` is one.
pub fn kind_of(err: &TaskError) -> Option<RuntimeErrorKind> {
    err.runtime_error().map(|e| e.kind())
}

/// Lets the loop go on for a while, by ticks and by time: `n` bare yields,
/// then an `n` ms sleep.
pub async fn settle<H: RuntimeHandle>(h: H, n: u32) {
    for _ in 0..n {
        h.yield_now().await;
    }
    h.sleep(Duration::from_millis(n.into())).await;
}

/// A handler caught in the cycle of issue 10 item 9 (runtime → handler →
/// handle → runtime): it records report kinds and holds the runtime's own
/// handle.
#[derive(Debug)]
pub struct CyclicHandler {
    seen: Arc<Mutex<Vec<ReportKind>>>,
    alive: Weak<()>,
}

impl CyclicHandler {
    /// Installs one on `h`'s runtime.
    pub fn install<H: RuntimeHandle>(h: &H) -> Self {
        let token = Arc::new(());
        let alive = Arc::downgrade(&token);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let own = h.clone();
        h.set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
            let _ = (&own, &token);
            sink.lock().unwrap().push(ctx.kind())
        })));
        Self { seen, alive }
    }

    /// Whether the handler is still held (by its runtime, or a host).
    pub fn alive(&self) -> bool {
        self.alive.upgrade().is_some()
    }

    /// Asserts `pending` was ended, its "destroyed" report (the only one)
    /// reached the handler, and the handler was let go.
    pub fn assert_let_go(&self, pending: &impl aiotask_api::Task, flavour: &str) {
        assert!(pending.cancelled(), "{flavour}");
        assert_eq!(
            *self.seen.lock().unwrap(),
            [ReportKind::DestroyedPending],
            "{flavour}"
        );
        assert!(!self.alive(), "{flavour}: the handler leaked");
    }
}

/// How a `Send` task body or callback of the runtime under test reaches that
/// runtime again, to call `run` on it from inside.
pub trait Reenter<R>: Clone + Send + Sync + 'static {
    /// What the test itself holds the runtime by.
    type Owner: Deref<Target = R>;

    /// Takes the runtime under test: the owner for the test, and `Self` for
    /// its task bodies and callbacks.
    fn share(rt: R) -> (Self::Owner, Self);

    /// Calls `f` with the runtime.
    fn reenter<T>(&self, f: impl FnOnce(&R) -> T) -> T;
}

/// A `Send + Sync` runtime is shared as it is, whatever thread its tasks run on.
impl<R: Send + Sync + 'static> Reenter<R> for Arc<R> {
    type Owner = Arc<R>;

    fn share(rt: R) -> (Arc<R>, Self) {
        let rt = Arc::new(rt);
        (rt.clone(), rt)
    }

    fn reenter<T>(&self, f: impl FnOnce(&R) -> T) -> T {
        f(self)
    }
}

thread_local! {
    /// The runtime shared by [`OnThisThread`].
    static HERE: RefCell<Option<Rc<dyn Any>>> = const { RefCell::new(None) };
}

/// A runtime that is not `Send`, whose tasks and callbacks run on the test's
/// thread, is reached through a thread local.
#[allow(dead_code)] // for the backends whose runtime is not `Send`
#[derive(Clone, Copy, Debug)]
pub struct OnThisThread;

/// The test's hold on a runtime shared [`OnThisThread`]: dropping it takes
/// the runtime out of the thread local.
#[allow(dead_code)] // for the backends whose runtime is not `Send`
#[derive(Debug)]
pub struct Here<R>(Rc<R>);

impl<R> Deref for Here<R> {
    type Target = R;

    fn deref(&self) -> &R {
        &self.0
    }
}

impl<R> Drop for Here<R> {
    fn drop(&mut self) {
        HERE.with(|slot| slot.borrow_mut().take());
    }
}

impl<R: 'static> Reenter<R> for OnThisThread {
    type Owner = Here<R>;

    fn share(rt: R) -> (Here<R>, Self) {
        let rt = Rc::new(rt);
        HERE.with(|slot| *slot.borrow_mut() = Some(rt.clone()));
        (Here(rt), Self)
    }

    fn reenter<T>(&self, f: impl FnOnce(&R) -> T) -> T {
        let rt = HERE
            .with(|slot| slot.borrow().clone())
            .expect("on the runtime's thread")
            .downcast::<R>()
            .expect("the runtime under test");
        f(&rt)
    }
}

/// Calls `run` on `rt`, with a `main` that sets `flag`, and returns its refusal.
fn refused_run<R: Runtime>(rt: &R, flag: Arc<AtomicBool>) -> TaskError {
    rt.run(async move { flag.store(true, Ordering::SeqCst) })
        .unwrap_err()
}

/// Issue 10 item 6: `sleep(Duration::MAX)` (no representable deadline), and
/// a sleep whose deadline overflows `Instant`, sleep "practically forever"
/// instead of panicking on `Instant + Duration`, and are cancelled like any
/// other sleep.
pub fn sleeping_for_duration_max_is_cancellable<R: Runtime>(rt: &R, flavour: &'static str) {
    let h = rt.handle();
    let out = rt.run(async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move { h2.sleep(Duration::MAX).await });
        let h3 = h.clone();
        let long = h.create_task(async move { h3.sleep(Duration::from_secs(u64::MAX / 4)).await });
        h.sleep(Duration::from_millis(5)).await;
        assert!(!sleeper.done() && !long.done(), "{flavour}");
        assert!(sleeper.cancel() && long.cancel(), "{flavour}");
        (sleeper.await, long.await)
    });
    let (sleeper, long) = out.unwrap();
    let err = sleeper.unwrap_err();
    assert!(err.is_cancelled(), "{flavour}: {err}");
    let err = long.unwrap_err();
    assert!(err.is_cancelled(), "{flavour}: {err}");
}

/// Issue 10 item 8: `run` called from inside one of the runtime's own tasks,
/// or from one of its callbacks, is refused with `AlreadyRunning` (a
/// returned error, not a panic) before it creates anything: the refused
/// `main` never runs, however long the loop goes on.
pub fn a_nested_run_is_refused_and_its_main_never_runs<R: Runtime, E: Reenter<R>>(
    rt: R,
    flavour: &'static str,
) {
    let (rt, reenter) = E::share(rt);
    let ran = Arc::new(AtomicBool::new(false));
    let from_callback = Arc::new(Mutex::new(None));
    let (again, flag, flag2, slot) = (
        reenter.clone(),
        ran.clone(),
        ran.clone(),
        from_callback.clone(),
    );
    let h = rt.handle();
    let refused = rt.run(async move {
        let err = reenter.reenter(|rt| refused_run(rt, flag));
        h.call_soon(move || {
            *slot.lock().unwrap() = Some(again.reenter(|rt| refused_run(rt, flag2)));
        });
        settle(h, 5).await;
        err
    });
    assert_eq!(
        kind_of(&refused.unwrap()),
        Some(RuntimeErrorKind::AlreadyRunning),
        "{flavour}"
    );
    let from_callback = from_callback.lock().unwrap().take().expect(flavour);
    assert_eq!(
        kind_of(&from_callback),
        Some(RuntimeErrorKind::AlreadyRunning),
        "{flavour}"
    );
    rt.run(settle(rt.handle(), 5)).unwrap();
    assert!(!ran.load(Ordering::SeqCst), "{flavour}: a refused main ran");
}

/// Issue 10 item 8: a nested `run_until_complete` is refused the same way
/// (from inside `run`, and from inside another `run_until_complete`), and
/// adds nothing to the task (which completes normally afterwards).
pub fn a_nested_run_until_complete_is_refused<R: Runtime, E: Reenter<R>>(
    rt: R,
    flavour: &'static str,
) {
    let (rt, reenter) = E::share(rt);
    let other = rt.handle().create_task(async { 7 });
    let (again, target, target2) = (reenter.clone(), other.clone(), other.clone());
    let refused =
        rt.run(async move { reenter.reenter(|rt| rt.run_until_complete(&target).unwrap_err()) });
    let refusal = rt.handle().create_task(async move {
        again.reenter(|rt| rt.run_until_complete(&target2).unwrap_err())
    });
    let refused_too = rt.run_until_complete(&refusal);
    for refused in [refused, refused_too] {
        assert_eq!(
            kind_of(&refused.unwrap()),
            Some(RuntimeErrorKind::AlreadyRunning),
            "{flavour}"
        );
    }
    assert_eq!(rt.run_until_complete(&other).unwrap(), 7, "{flavour}");
}

/// Issue 10 item 9: a handler that holds its runtime's own `Handle` no
/// longer keeps the runtime alive. It is let go when the runtime is dropped
/// (owned flavours) or, when dropping the runtime detaches it (attached to a
/// `host` that goes on running its tasks and handler), when `host` is; in
/// both cases after the pending task's "destroyed" report reached it.
pub fn a_handler_holding_its_own_handle_is_dropped_with_the_runtime<R: Runtime, H>(
    rt: R,
    flavour: &'static str,
    host: Option<H>,
) {
    let h = rt.handle();
    let handler = CyclicHandler::install(&h);
    let h2 = h.clone();
    let pending = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
    rt.run(settle(h.clone(), 1)).unwrap();
    drop(h);
    drop(rt);
    if let Some(host) = host {
        assert!(
            handler.alive(),
            "{flavour}: detached: the handler is still in use"
        );
        drop(host);
    }
    handler.assert_let_go(&pending, flavour);
}

/// Issue 10 item 14 (a): `run_until_complete` of another runtime's task (of
/// `b`) is refused at once with `OtherRuntime` (it used to hang), and leaves
/// that task to its own loop.
pub fn run_until_complete_refuses_a_task_of_another_runtime<R: Runtime>(
    rt: &R,
    b: R,
    flavour: &'static str,
) {
    let task_of_b = b.handle().create_task(async { "b's" });
    let err = rt.run_until_complete(&task_of_b).unwrap_err();
    assert_eq!(
        kind_of(&err),
        Some(RuntimeErrorKind::OtherRuntime),
        "{flavour}"
    );
    assert!(!task_of_b.done(), "{flavour}");
    assert_eq!(
        b.run_until_complete(&task_of_b).unwrap(),
        "b's",
        "{flavour}"
    );
}

/// Issue 10 item 14 (c): awaiting a task of a runtime nobody runs (`b`)
/// waits until that runtime runs (as in asyncio); meanwhile `done()` stays
/// false and `cancel()` still answers, and the cancel is delivered once it
/// runs.
pub fn awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it<R: Runtime>(a: R, b: R) {
    let ha = a.handle();
    let task_of_b = b.handle().create_task(std::future::pending::<()>());
    let awaited = task_of_b.clone();
    let awaiter = ha.create_task(async move { awaited.await });
    let watched = task_of_b.clone();
    let cancelled = a.run(async move {
        settle(ha, 5).await;
        assert!(!watched.done());
        watched.cancel()
    });
    assert!(cancelled.unwrap(), "cancel answers though b is not running");
    assert!(!task_of_b.done() && !awaiter.done());
    assert!(b.run_until_complete(&task_of_b).unwrap_err().is_cancelled());
    // The awaiter receives b's cancellation as the value of its await.
    let awaited = a.run_until_complete(&awaiter).unwrap();
    assert!(awaited.unwrap_err().is_cancelled());
}

thread_local! {
    /// The runtime of [`a_runtime_in_a_thread_local_is_dropped_at_thread_exit`].
    static KEPT: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Issue 10 item 7: a thread stores a runtime (built by `make`) with a
/// pending and a sleeping task in a `thread_local!` and exits. The runtime
/// is dropped while the thread's locals are destroyed, after the backend's
/// own (the native loop's, smol's executor registry: [`KEPT`] is touched
/// first, so its destructor runs last): the exit must not abort, and both
/// tasks end cancelled.
#[allow(dead_code)] // run from a backend's `tests/thread_local.rs` only
pub fn a_runtime_in_a_thread_local_is_dropped_at_thread_exit<R: Runtime + 'static>(
    make: fn() -> R,
) {
    type TaskOf<R> = <<R as Runtime>::Handle as RuntimeHandle>::Task<()>;
    let (tx, rx) = mpsc::channel::<(TaskOf<R>, TaskOf<R>)>();
    let thread = std::thread::spawn(move || {
        KEPT.with(|slot| *slot.borrow_mut() = Some(Box::new(make())));
        KEPT.with(|slot| {
            let slot = slot.borrow();
            let rt: &R = slot.as_ref().unwrap().downcast_ref().unwrap();
            let h = rt.handle();
            h.set_exception_handler(Some(Arc::new(|_: &_| {})));
            let h2 = h.clone();
            let sleeping = h.create_task(async move { h2.sleep(Duration::from_secs(3600)).await });
            let h3 = h.clone();
            rt.run(async move { h3.sleep(Duration::from_millis(1)).await })
                .unwrap();
            let pending = h.create_task(std::future::pending::<()>());
            tx.send((pending, sleeping)).unwrap();
        });
    });
    thread
        .join()
        .expect("the thread exits without a panic or an abort");
    let (pending, sleeping) = rx.recv().unwrap();
    assert!(pending.done() && pending.cancelled());
    assert!(sleeping.done() && sleeping.cancelled());
}

/// Stamps the tests, one module a flavour.
///
/// `reenter` is how task bodies reach the runtime again (a [`Reenter`]:
/// `std::sync::Arc<Runtime>` or [`OnThisThread`]); `other` builds the second
/// runtime of the cases that need one. Each flavour is `$flavour = $make`,
/// with `host $name = $make_host` when `$make` is attached to a host built
/// (and bound to `$name`) first, then the tests that apply to it:
///
/// - `sleep`: [`sleeping_for_duration_max_is_cancellable`];
/// - `nested_run`: [`a_nested_run_is_refused_and_its_main_never_runs`];
/// - `nested_run_until_complete`: [`a_nested_run_until_complete_is_refused`];
/// - `handler`: [`a_handler_holding_its_own_handle_is_dropped_with_the_runtime`]
///   (the host, if any, is the one whose drop lets the handler go);
/// - `other_runtime`: [`run_until_complete_refuses_a_task_of_another_runtime`]
///   (`b` built by `other`);
/// - `nobody_runs`: [`awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it`]
///   (`a` built by `$make`, `b` by `other`).
macro_rules! hostile_tests {
    (
        reenter = $reenter:ty, other = $other:expr;
        $(
            $flavour:ident = $make:expr $(, host $host:ident = $make_host:expr)?
                => [$($test:ident),+ $(,)?];
        )+
    ) => {
        $(
            hostile_tests!(
                @flavour $flavour, [$reenter], [$other], [$make],
                [$($host = $make_host)?], [$($test),+]
            );
        )+
    };
    (@flavour $flavour:ident, $reenter:tt, $other:tt, $make:tt, $host:tt, [$($test:ident),+]) => {
        mod $flavour {
            use super::*;

            $(hostile_tests!(@$test $flavour, $reenter, $other, $make, $host);)+
        }
    };
    (@some) => { None::<()> };
    (@some $host:ident) => { Some($host) };
    (@test $name:ident, [$($host:ident = $make_host:expr)?], $call:expr) => {
        #[test]
        fn $name() {
            $(let $host = $make_host;)?
            $call;
        }
    };
    (@sleep $flavour:ident, $r:tt, $o:tt, [$make:expr], $host:tt) => {
        hostile_tests!(@test sleeping_for_duration_max_is_cancellable, $host,
            $crate::common::sleeping_for_duration_max_is_cancellable(&$make, stringify!($flavour)));
    };
    (@nested_run $flavour:ident, [$reenter:ty], $o:tt, [$make:expr], $host:tt) => {
        hostile_tests!(@test a_nested_run_is_refused_and_its_main_never_runs, $host,
            $crate::common::a_nested_run_is_refused_and_its_main_never_runs::<_, $reenter>(
                $make, stringify!($flavour)));
    };
    (@nested_run_until_complete $flavour:ident, [$reenter:ty], $o:tt, [$make:expr], $host:tt) => {
        hostile_tests!(@test a_nested_run_until_complete_is_refused, $host,
            $crate::common::a_nested_run_until_complete_is_refused::<_, $reenter>(
                $make, stringify!($flavour)));
    };
    (@handler $flavour:ident, $r:tt, $o:tt, [$make:expr], [$($host:ident = $make_host:expr)?]) => {
        hostile_tests!(@test a_handler_holding_its_own_handle_is_dropped_with_the_runtime,
            [$($host = $make_host)?],
            $crate::common::a_handler_holding_its_own_handle_is_dropped_with_the_runtime(
                $make, stringify!($flavour), hostile_tests!(@some $($host)?)));
    };
    (@other_runtime $flavour:ident, $r:tt, [$other:expr], [$make:expr], $host:tt) => {
        hostile_tests!(@test run_until_complete_refuses_a_task_of_another_runtime, $host,
            $crate::common::run_until_complete_refuses_a_task_of_another_runtime(
                &$make, $other, stringify!($flavour)));
    };
    (@nobody_runs $flavour:ident, $r:tt, [$other:expr], [$make:expr], $host:tt) => {
        hostile_tests!(@test awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it, $host,
            $crate::common::awaiting_a_task_of_a_runtime_nobody_runs_waits_for_it($make, $other));
    };
}
