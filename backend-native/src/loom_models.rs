//! Loom models of the native task: each races one handle operation on
//! another thread against the loop, and asserts the contract's outcome in
//! every interleaving loom explores.
//!
//! Run with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p aiotask-native --release --lib loom -- --nocapture
//! ```
//!
//! Every lock, atomic, thread-local, park/unpark and the future's cell go
//! through `crate::sync` / `aiotask_core::sync`, which are loom's under
//! `cfg(loom)`; the models run the real `Runtime`, `NativeCell` and
//! `aiotask_core::backend::TaskContract`, not copies. The two-thread models explore every
//! interleaving; the three-thread model bounds preemptions at 5
//! (`LOOM_MAX_PREEMPTIONS` overrides every bound). Each model prints how
//! many interleavings it explored.
//!
//! Loom reports a deadlock when every thread is blocked: a lost wake-up
//! (the loop parked while a wake or cancel from another thread waits in the
//! injection queue) fails a model as surely as a wrong assertion does.

use std::future::{Future, pending};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize as Counter;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

use aiotask_api::{ExceptionContext, ReportKind, RuntimeHandle as _};
use aiotask_core::CatchCancelExt as _;
use loom::thread;

use crate::sync::{AtomicBool, Mutex, Ordering, lock};
use crate::{Runtime, Task};

/// Explores `model` under loom and prints how many interleavings it took.
///
/// `preemptions` bounds how often loom may switch away from a runnable
/// thread (`None`: every interleaving). `LOOM_MAX_PREEMPTIONS` overrides it.
fn explore(name: &str, preemptions: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = preemptions;
    }
    builder.max_branches = 20_000;
    let runs = Arc::new(Counter::new(0));
    let counted = runs.clone();
    builder.check(move || {
        counted.fetch_add(1, SeqCst);
        model();
    });
    eprintln!("loom model {name}: {} interleavings", runs.load(SeqCst));
}

/// Counts the loop's reports of `kind`.
fn count_reports(rt: &Runtime, kind: ReportKind) -> Arc<Counter> {
    let seen = Arc::new(Counter::new(0));
    let counted = seen.clone();
    rt.handle()
        .set_exception_handler(Some(Arc::new(move |ctx: &ExceptionContext| {
            if ctx.kind() == kind {
                counted.fetch_add(1, SeqCst);
            }
        })));
    seen
}

/// Adds a done callback that counts its calls.
fn count_callbacks<T: Clone + Send + 'static>(task: &Task<T>) -> Arc<Counter> {
    let calls = Arc::new(Counter::new(0));
    let counted = calls.clone();
    task.add_done_callback(move |_: &Task<T>| {
        counted.fetch_add(1, SeqCst);
    });
    calls
}

/// Counts drops of the value it is moved into (a task body's locals).
struct DropCount(Arc<Counter>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Runs the loop until everything queued so far (steps, callbacks, `call_soon`
/// jobs injected by other threads) has run.
fn flush(rt: &Runtime) {
    let h = rt.handle();
    rt.run(async move {
        h.yield_now().await;
        h.yield_now().await;
    })
    .expect("the flush task completes");
}

/// `cancel()` from another thread races the step that completes the task.
/// Python's rule: an accepted cancel (`True`) ends the task cancelled even
/// when the body returns in that step (`_must_cancel` wins); a refused one
/// (`False`) means the task was already done with its result.
#[test]
fn loom_cancel_races_completion() {
    explore("cancel_races_completion", None, || {
        let rt = Runtime::new();
        let task = rt.handle().create_task(async { 7_u32 });
        let calls = count_callbacks(&task);
        let remote = task.clone();
        let canceller = thread::spawn(move || remote.cancel_with("stop"));
        let outcome = rt.run_until_complete(&task);
        let accepted = canceller.join().unwrap();

        assert!(task.done());
        assert_eq!(calls.load(SeqCst), 1, "the done callback runs exactly once");
        assert_eq!(task.cancelled(), accepted);
        match outcome {
            Ok(v) => {
                assert!(!accepted);
                assert_eq!(v, 7);
                assert_eq!(task.result().unwrap(), 7);
                assert_eq!(task.cancelling(), 0);
            }
            Err(e) => {
                assert!(accepted);
                assert_eq!(e.cancelled().and_then(|c| c.message()), Some("stop"));
                assert!(task.result().unwrap_err().is_cancelled());
                assert!(task.exception().unwrap_err().is_cancelled());
                assert_eq!(task.cancelling(), 1);
            }
        }
        assert!(!task.cancel(), "a done task refuses cancel");
    });
}

/// `cancel()` from another thread races the first poll of a body that never
/// finishes on its own: the cancel is always accepted, the loop always wakes
/// for it (no lost wake-up while it parks), and the body is dropped once.
#[test]
fn loom_cancel_races_first_poll() {
    explore("cancel_races_first_poll", None, || {
        let rt = Runtime::new();
        let drops = Arc::new(Counter::new(0));
        let guard = DropCount(drops.clone());
        let task = rt.handle().create_task(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        let remote = task.clone();
        let canceller = thread::spawn(move || remote.cancel());
        let outcome = rt.run_until_complete(&task);

        assert!(canceller.join().unwrap(), "a pending task accepts cancel");
        let err = outcome.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.cancelled().unwrap().message(), None);
        assert!(task.cancelled());
        assert_eq!(task.cancelling(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the body is dropped exactly once");
    });
}

/// Two cancels from two threads race each other, the loop, and the body's
/// own `uncancel()` after it caught the first delivery. Whatever the order:
/// at least one cancel is accepted. A cancel delivered before the first step
/// ends the task before its body runs (asyncio throws into the coroutine at
/// its start, outside any `try`), with every accepted request still counted.
/// Once the body has run, `cancelling()` ends at the accepted count minus its
/// one `uncancel()`, and the task ends with the body's value unless a cancel
/// was accepted after the catch, which ends it cancelled with that message.
#[test]
fn loom_two_cancels_race_uncancel() {
    explore("two_cancels_race_uncancel", Some(5), || {
        let rt = Runtime::new();
        let started = Arc::new(Counter::new(0));
        let ran = started.clone();
        let task = rt.handle().create_task(async move {
            ran.fetch_add(1, SeqCst);
            let caught = pending::<()>().catch_cancel().await.is_err();
            let me = aiotask_core::current_task().expect("inside a task");
            (caught, me.uncancel())
        });
        let (a, b) = (task.clone(), task.clone());
        let first = thread::spawn(move || a.cancel_with("a"));
        let second = thread::spawn(move || b.cancel_with("b"));
        let outcome = rt.run_until_complete(&task);
        let accepted = u32::from(first.join().unwrap()) + u32::from(second.join().unwrap());

        assert!(accepted >= 1, "the body ends only after a cancel");
        let state = format!("{outcome:?}, {task:?}, accepted {accepted}");
        match (started.load(SeqCst), outcome) {
            (0, Err(e)) => {
                assert!(task.cancelled(), "{state}");
                assert_eq!(task.cancelling(), accepted, "{state}");
                let msg = e.cancelled().and_then(|c| c.message()).unwrap();
                assert!(msg == "a" || msg == "b", "{state}");
            }
            (1, Ok((caught, left))) => {
                assert!(caught, "{state}");
                assert_eq!(left, accepted - 1, "{state}");
                assert_eq!(task.cancelling(), accepted - 1, "{state}");
                assert!(!task.cancelled(), "{state}");
            }
            (1, Err(e)) => {
                assert_eq!(
                    accepted, 2,
                    "only a second cancel ends it cancelled: {state}"
                );
                assert_eq!(task.cancelling(), 1, "{state}");
                assert!(e.cancelled().and_then(|c| c.message()).is_some(), "{state}");
                assert!(task.cancelled(), "{state}");
            }
            (n, _) => panic!("body started {n} times: {state}"),
        }
    });
}

/// `add_done_callback` and `remove_done_callback` on another thread race the
/// completion. Every callback still registered at completion runs exactly
/// once; one removed before it never runs; `remove_done_callback` returns
/// how many it removed (0 once the callbacks were scheduled, as in asyncio).
#[test]
fn loom_callbacks_race_completion() {
    explore("callbacks_race_completion", None, || {
        let rt = Runtime::new();
        let task = rt.handle().create_task(async { 1_u8 });
        let ran_a = Arc::new(Counter::new(0));
        let ran_b = Arc::new(Counter::new(0));
        let a = {
            let ran = ran_a.clone();
            aiotask_api::DoneCallback::new(move |_: &Task<u8>| {
                ran.fetch_add(1, SeqCst);
            })
        };
        task.add_done_callback_ref(&a);
        let remote = task.clone();
        let ran = ran_b.clone();
        let other = thread::spawn(move || {
            remote.add_done_callback(move |_: &Task<u8>| {
                ran.fetch_add(1, SeqCst);
            });
            remote.remove_done_callback(&a)
        });
        assert_eq!(rt.run_until_complete(&task).unwrap(), 1);
        let removed = other.join().unwrap();
        flush(&rt);

        assert_eq!(
            ran_a.load(SeqCst),
            1 - removed,
            "removed callbacks never run"
        );
        assert_eq!(ran_b.load(SeqCst), 1, "a late callback runs exactly once");
    });
}

/// A body that waits for a flag set by another thread, with the usual
/// "store the waker, then re-check" protocol.
struct WaitFlag {
    flag: Arc<(AtomicBool, Mutex<Option<Waker>>)>,
    polls: Arc<Counter>,
}

impl Future for WaitFlag {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        let (set, waker) = &*self.flag;
        if set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *lock(waker) = Some(cx.waker().clone());
        if set.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A wake from another thread races the loop's poll of the same task (and
/// its park): the task is never polled twice at once (the cell's
/// `UnsafeCell` is loom's), the wake is never lost, and a wake during the
/// poll reschedules the task once rather than running it concurrently.
#[test]
fn loom_wake_races_poll() {
    explore("wake_races_poll", None, || {
        let rt = Runtime::new();
        let flag = Arc::new((AtomicBool::new(false), Mutex::new(None::<Waker>)));
        let polls = Arc::new(Counter::new(0));
        let body = WaitFlag {
            flag: flag.clone(),
            polls: polls.clone(),
        };
        let task = rt.handle().create_task(body);
        let waker_thread = thread::spawn(move || {
            flag.0.store(true, Ordering::Release);
            let waker = lock(&flag.1).take();
            if let Some(w) = waker {
                w.wake();
            }
        });
        rt.run_until_complete(&task).unwrap();
        waker_thread.join().unwrap();

        assert!(task.done() && !task.cancelled());
        let polls = polls.load(SeqCst);
        assert!((1..=2).contains(&polls), "polled {polls} times");
    });
}

/// The last handle of a failed task is dropped on another thread while the
/// loop completes it. "Task exception was never retrieved" is reported
/// exactly once, whichever thread drops the last reference, unless the
/// handle retrieved the exception first, in which case never.
#[test]
fn loom_last_handle_drop_races_completion() {
    explore("last_handle_drop_races_completion", None, || {
        let rt = Runtime::new();
        let reports = count_reports(&rt, ReportKind::NeverRetrieved);
        let task = rt.handle().create_try_task(async { Err::<u8, _>("boom") });
        let dropper = thread::spawn(move || {
            let retrieved = matches!(task.exception(), Ok(Some(_)));
            drop(task);
            retrieved
        });
        flush(&rt);
        let retrieved = dropper.join().unwrap();
        drop(rt);

        let expected = usize::from(!retrieved);
        assert_eq!(reports.load(SeqCst), expected, "retrieved: {retrieved}");
    });
}

/// The runtime is dropped on its thread while another thread cancels a task
/// it never finished. The body is dropped exactly once, on the loop thread;
/// the task ends cancelled and reported "destroyed but pending" once; the
/// cancel is accepted (and counted) exactly when it came first.
#[test]
fn loom_runtime_drop_races_cancel() {
    explore("runtime_drop_races_cancel", None, || {
        let rt = Runtime::new();
        let reports = count_reports(&rt, ReportKind::DestroyedPending);
        let drops = Arc::new(Counter::new(0));
        let guard = DropCount(drops.clone());
        let task = rt.handle().create_task(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        flush(&rt);
        let remote = task.clone();
        let canceller = thread::spawn(move || remote.cancel());
        drop(rt);
        let accepted = canceller.join().unwrap();

        assert_eq!(drops.load(SeqCst), 1, "the body is dropped exactly once");
        assert!(task.done() && task.cancelled());
        assert_eq!(task.cancelling(), u32::from(accepted));
        assert_eq!(reports.load(SeqCst), 1);
        assert!(!task.cancel(), "a destroyed task is done");
    });
}

type Flag = Arc<(AtomicBool, Mutex<Option<Waker>>)>;

/// A task that finishes once its flag is raised, and the flag.
fn flag_task(rt: &Runtime) -> (Flag, aiotask_core::Task<()>) {
    let flag = Arc::new((AtomicBool::new(false), Mutex::new(None::<Waker>)));
    let task = rt.handle().create_task(WaitFlag {
        flag: flag.clone(),
        polls: Arc::new(Counter::new(0)),
    });
    (flag, task)
}

/// Runs `target` to its first suspension, then cancels it ("stop") from
/// another thread while this one raises `flag` and runs the loop until
/// `target` is done; the cancel must have been accepted.
fn cancel_while_raising(
    rt: &Runtime,
    flag: &Flag,
    target: &aiotask_core::Task<()>,
) -> Result<(), aiotask_api::TaskError> {
    flush(rt);
    let remote = target.clone();
    let canceller = thread::spawn(move || remote.cancel_with("stop"));
    flag.0.store(true, Ordering::Release);
    if let Some(w) = lock(&flag.1).take() {
        w.wake();
    }
    let outcome = rt.run_until_complete(target);
    assert!(canceller.join().unwrap(), "the target was pending");
    outcome
}

/// `cancel()` from another thread is forwarded to the task its target
/// awaits while the loop finishes that task and the target moves on to a
/// wait of its own. The forward is refused (the awaited task is done), and
/// the request must then reach the target where it waits now: it always
/// ends cancelled, never left waiting with the request pending.
#[test]
fn loom_forwarded_cancel_races_the_awaited_completion() {
    explore(
        "forwarded_cancel_races_the_awaited_completion",
        None,
        || {
            let rt = Runtime::new();
            let (flag, awaited) = flag_task(&rt);
            let target = rt.handle().create_try_task(async move {
                awaited.await?;
                pending::<()>().await;
                Ok::<(), aiotask_api::TaskError>(())
            });
            let outcome = cancel_while_raising(&rt, &flag, &target);
            let err = outcome.unwrap_err();
            assert_eq!(err.cancelled().and_then(|c| c.message()), Some("stop"));
            assert!(target.cancelled());
            assert_eq!(target.cancelling(), 1);
        },
    );
}

/// As above, but the target moves on to await another task `b`: a forward
/// refused by the finished task must follow the target there, as it would
/// in asyncio, where the request reaches whatever the task awaits when it
/// arrives. Whenever the target got past its first await, `b` received the
/// cancel (counted once) and the target ended with `b`'s cancellation.
#[test]
fn loom_forwarded_cancel_follows_the_target_to_its_next_task() {
    explore(
        "forwarded_cancel_follows_the_target_to_its_next_task",
        None,
        || {
            let rt = Runtime::new();
            let (flag, awaited) = flag_task(&rt);
            // `b` stays pending when the target never reaches it: its
            // "destroyed but pending" report at the drop is expected.
            rt.handle()
                .set_exception_handler(Some(Arc::new(|_: &ExceptionContext| {})));
            let b = rt.handle().create_task(async { pending::<()>().await });
            let b2 = b.clone();
            let past_a = Arc::new(Counter::new(0));
            let past = past_a.clone();
            let target = rt.handle().create_try_task(async move {
                awaited.await?;
                past.fetch_add(1, SeqCst);
                b2.await?;
                Ok::<(), aiotask_api::TaskError>(())
            });
            let outcome = cancel_while_raising(&rt, &flag, &target);
            assert!(outcome.unwrap_err().is_cancelled());
            if past_a.load(SeqCst) == 1 {
                assert_eq!(
                    b.cancelling(),
                    1,
                    "target got past `awaited`, ended cancelled, but `b` never got the cancel (b done: {})",
                    b.done()
                );
            }
        },
    );
}

/// An awaiter on another thread registers while the loop completes the
/// task. Done-list rule D5 (aiotask-core): an awaiter alone is woken with
/// no job; whether it registered before the completion (woken from the
/// done list) or after (it sees the task done), it gets the value, and it
/// is woken exactly when it must be (a lost wake-up blocks `block_on` for
/// ever, which loom reports as a deadlock).
#[test]
fn loom_awaiter_registration_races_completion() {
    explore("awaiter_registration_races_completion", Some(5), || {
        let rt = Runtime::new();
        let task = rt.handle().create_task(async { 7_u8 });
        let awaited = task.clone();
        let awaiter = thread::spawn(move || loom::future::block_on(awaited.join()));
        assert_eq!(rt.run_until_complete(&task).unwrap(), 7);
        assert_eq!(awaiter.join().unwrap().unwrap(), 7);
    });
}

/// A wake from another thread (no lock: rule W2 of aiotask-core's word)
/// races the end of the step it arrives in: the task is woken either
/// during the step (it ends WOKEN and runs again) or after it (SUSPENDED,
/// then queued); either way it runs its next step and finishes.
#[test]
fn loom_wake_races_the_end_of_a_step() {
    explore("wake_races_the_end_of_a_step", Some(5), || {
        let rt = Runtime::new();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let (ready, armed) = (Arc::new(AtomicBool::new(false)), slot.clone());
        let flag = ready.clone();
        let task = rt.handle().create_task(futures_poll_fn(move |cx| {
            if flag.load(Ordering::Acquire) {
                return Poll::Ready(3_u8);
            }
            *lock(&armed) = Some(cx.waker().clone());
            Poll::Pending
        }));
        let waker_thread = thread::spawn(move || {
            loop {
                if let Some(w) = lock(&slot).take() {
                    ready.store(true, Ordering::Release);
                    w.wake();
                    return;
                }
                thread::yield_now();
            }
        });
        assert_eq!(rt.run_until_complete(&task).unwrap(), 3);
        waker_thread.join().unwrap();
    });
}

/// `std::future::poll_fn`, as a `Send` future of a closure.
fn futures_poll_fn<T>(
    f: impl FnMut(&mut Context<'_>) -> Poll<T> + Send + 'static,
) -> impl Future<Output = T> + Send + 'static {
    std::future::poll_fn(f)
}

/// A task is created on another thread (it reaches the loop through the
/// injection queue, `Ready::Spawn`, and joins the live registry only there)
/// while the loop runs one tick and the runtime is dropped. Whichever comes
/// first, the task is never lost: it is destroyed (ended cancelled,
/// reported once) and its body dropped exactly once, by the loop when it
/// was taken in or queued, by its creator when the loop was already gone.
#[test]
fn loom_spawn_off_the_loop_thread_races_runtime_drop() {
    explore(
        "spawn_off_the_loop_thread_races_runtime_drop",
        Some(4),
        || {
            let rt = Runtime::new();
            let reports = count_reports(&rt, ReportKind::DestroyedPending);
            let drops = Arc::new(Counter::new(0));
            let guard = DropCount(drops.clone());
            let handle = rt.handle();
            let spawner = thread::spawn(move || {
                handle.create_task(async move {
                    let _guard = guard;
                    pending::<()>().await;
                })
            });
            flush(&rt);
            drop(rt);
            let task = spawner.join().unwrap();

            assert_eq!(drops.load(SeqCst), 1, "the body is dropped exactly once");
            assert!(task.done() && task.cancelled(), "{task:?}");
            // Reported once: to the handler when the loop took the task in or
            // found it queued; a task refused after the drop goes to the
            // default handler (standard error), which this count does not see.
            assert!(reports.load(SeqCst) <= 1, "reported destroyed at most once");
        },
    );
}
