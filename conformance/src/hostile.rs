//! Hostile input and careless use (issue 10): deep and cyclic chains of
//! awaits, steps that await several tasks, values that hold their own task,
//! destructors and panic payloads that panic, handlers that panic, and names
//! Python would escape. Each ends in the right answer or a report, never an
//! abort, a hang or a lost callback.
//!
//! Where CPython has no answer (it raises `RecursionError` for a cycle or a
//! chain deeper than its recursion limit), the check says what aiotask
//! chose instead.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aiotask_api::{AnyTask, ReportKind, Runtime, RuntimeHandle, Task, TaskError};

use crate::support::{Gate, LONG, Log, Reports, Slot, TaskOf, expect_cancelled, run, wait_until};
use crate::{Fixture, Outcome};

/// A panic payload whose own destructor panics: what escaped every
/// `let _ = catch_unwind(..)` before the fix.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("the payload's destructor panicked")
    }
}

/// A value whose destructor panics with a [`PanicsOnDrop`] payload.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        std::panic::panic_any(PanicsOnDrop)
    }
}

/// A task output whose destructor panics (with a [`PanicsOnDrop`] payload).
#[derive(Clone, Debug)]
struct ExplosiveValue;

impl Drop for ExplosiveValue {
    fn drop(&mut self) {
        std::panic::panic_any(PanicsOnDrop)
    }
}

/// How deep the chain of the deep-chain check is: deeper than any worker
/// thread's stack allowed a recursive forward (10k–15k levels in release
/// on tokio and smol workers, fewer in debug), and short under Miri.
fn chain_depth() -> usize {
    if cfg!(miri) { 40 } else { 20_000 }
}

type BoxedBody = Pin<Box<dyn Future<Output = Result<(), TaskError>> + Send>>;

/// Link `level` of a chain: creates the next link and awaits it; the last
/// one sleeps an hour. Every task is recorded in `all`.
fn link<H: RuntimeHandle>(
    h: H,
    level: usize,
    depth: usize,
    all: Arc<Mutex<Vec<AnyTask>>>,
) -> BoxedBody {
    Box::pin(async move {
        if level + 1 == depth {
            h.sleep(LONG).await;
            return Ok(());
        }
        let next: H::Task<()> = h.create_try_task(link(h.clone(), level + 1, depth, all.clone()));
        all.lock().unwrap().push(next.as_any());
        next.await
    })
}

/// Issue 10 item 1: cancelling the head of a chain of 20,000 tasks, each
/// awaiting the next, forwards the request to the leaf without recursing
/// (CPython recurses once per level), and every task ends cancelled,
/// counted once.
pub fn a_deep_await_chain_is_cancelled_without_recursion<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let depth = chain_depth();
    let all = Arc::new(Mutex::new(Vec::with_capacity(depth)));
    let tasks = all.clone();
    let (head_cancelling, outcome) = run(fx.runtime(), async move {
        let head: TaskOf<R, ()> = h.create_try_task(link(h.clone(), 0, depth, tasks.clone()));
        tasks.lock().unwrap().push(head.as_any());
        let t = tasks.clone();
        wait_until(&h, "every link of the chain started", move || {
            t.lock().unwrap().len() == depth
        })
        .await;
        // The leaf is created last but may not have reached its sleep yet.
        h.sleep(crate::support::millis(5)).await;
        assert!(head.cancel_with("deep"), "cancel() of the head");
        let cancelling = head.cancelling();
        (cancelling, head.await)
    });
    assert_eq!(head_cancelling, 1, "the head counted once");
    expect_cancelled(outcome, Some("deep"), "the head's outcome");
    let all = all.lock().unwrap();
    assert_eq!(all.len(), depth, "every link was created");
    for (i, t) in all.iter().enumerate() {
        assert!(t.cancelled(), "link {i} ended cancelled");
        assert_eq!(t.cancelling(), 1, "link {i} counted once");
    }
    Outcome::Pass
}

/// Issue 10 item 1: two tasks that await each other (A awaits B, B awaits
/// A). CPython's `a.cancel()` recurses until `RecursionError`; aiotask ends
/// the walk where it meets A again: B takes the request itself, ends
/// cancelled at its await, and A, which propagates B's cancellation, ends
/// cancelled too; each counted once.
pub fn a_cycle_of_awaits_is_cancelled_once_each<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (accepted, counts, a_out, b_out) = run(fx.runtime(), async move {
        let (slot_a, slot_b) = (
            Slot::<Option<AnyTaskOf<R>>>::new(),
            Slot::<Option<AnyTaskOf<R>>>::new(),
        );
        let (sa, sb) = (slot_a.clone(), slot_b.clone());
        let a: TaskOf<R, ()> = h.create_named_try_task("A", async move {
            let b = sb.wait().await.expect("B's handle");
            b.await
        });
        let b: TaskOf<R, ()> = h.create_named_try_task("B", async move {
            let a = sa.wait().await.expect("A's handle");
            a.await
        });
        slot_a.set(Some(a.clone()));
        slot_b.set(Some(b.clone()));
        let (a2, b2) = (a.clone(), b.clone());
        wait_until(&h, "A and B await each other", move || {
            repr_of(&a2).contains("wait_for") && repr_of(&b2).contains("wait_for")
        })
        .await;
        let repr = repr_of(&a);
        assert_eq!(
            repr, "<Task pending name='A' wait_for=<Task pending name='B' wait_for=...>>",
            "the repr of a cycle (CPython 3.13 prints the same, its recursion guard's `...`)"
        );
        let accepted = a.cancel();
        let counts = (a.cancelling(), b.cancelling());
        let a_out = a.join().await;
        let b_out = b.join().await;
        // Break the cycle of handles the slots hold.
        slot_a.set(None);
        slot_b.set(None);
        (accepted, counts, a_out, b_out)
    });
    assert!(accepted, "a.cancel() returns true");
    assert_eq!(counts, (1, 1), "each task of the cycle counted once");
    expect_cancelled(b_out, None, "B, which took the request");
    expect_cancelled(a_out, None, "A, which propagated B's cancellation");
    Outcome::Pass
}

/// The task handle type of `R` for the cycle check.
type AnyTaskOf<R> = TaskOf<R, ()>;

/// Polls two futures together until both are ready (`join!`).
struct Both<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_out: Option<A::Output>,
    b_out: Option<B::Output>,
}

impl<A: Future, B: Future> Future for Both<A, B>
where
    A::Output: Unpin,
    B::Output: Unpin,
{
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.a_out.is_none()
            && let Poll::Ready(v) = this.a.as_mut().poll(cx)
        {
            this.a_out = Some(v);
        }
        if this.b_out.is_none()
            && let Poll::Ready(v) = this.b.as_mut().poll(cx)
        {
            this.b_out = Some(v);
        }
        match (this.a_out.take(), this.b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                this.a_out = a;
                this.b_out = b;
                Poll::Pending
            }
        }
    }
}

/// Issue 10 item 12: a step suspended on two tasks at once (`join!`,
/// `zip`) forwards a cancel to both, as asyncio's `gather` does; before the
/// fix only the last one polled got it and the first ran to its end.
pub fn a_cancel_reaches_every_task_a_step_awaits<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (accepted, a, b, outcome) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let a: TaskOf<R, ()> = h.create_named_task("a", async move { h2.sleep(LONG).await });
        let h3 = h.clone();
        let b: TaskOf<R, ()> = h.create_named_task("b", async move { h3.sleep(LONG).await });
        let (ja, jb) = (a.clone(), b.clone());
        let awaiter: TaskOf<R, ()> = h.create_try_task(async move {
            let both = Both {
                a: Box::pin(ja.into_future()),
                b: Box::pin(jb.into_future()),
                a_out: None,
                b_out: None,
            };
            let (ra, rb) = both.await;
            ra.and(rb)
        });
        let w = awaiter.clone();
        wait_until(&h, "the awaiter awaits both", move || {
            repr_of(&w).contains("wait_for")
        })
        .await;
        let accepted = awaiter.cancel_with("both");
        let outcome = awaiter.await;
        (accepted, a, b, outcome)
    });
    assert!(accepted, "cancel() of the awaiter");
    assert!(a.cancelled(), "the first awaited task was cancelled");
    assert!(b.cancelled(), "the second awaited task was cancelled");
    assert_eq!(
        (a.cancelling(), b.cancelling()),
        (1, 1),
        "each counted once"
    );
    expect_cancelled(outcome, Some("both"), "the awaiter's outcome");
    Outcome::Pass
}

/// Issue 10 item 13 (spec §1.17): a task that awaits another shows it as
/// `wait_for=`. CPython 3.13 prints `<Task pending name='outer' coro=<…>
/// wait_for=<Task pending name='inner' coro=<…> wait_for=<Future pending
/// cb=[Task.task_wakeup()]> cb=[Task.task_wakeup()]>>`; aiotask prints no
/// coroutine, leaf future or callbacks.
pub fn repr_shows_the_awaited_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (while_waiting, after) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let inner: TaskOf<R, ()> = h.create_named_task("inner", async move { g.wait().await });
        let i = inner.clone();
        let outer: TaskOf<R, bool> = h.create_named_task("outer", async move { i.await.is_ok() });
        let o = outer.clone();
        wait_until(&h, "outer awaits inner", move || {
            repr_of(&o).contains("wait_for")
        })
        .await;
        let while_waiting = outer.repr();
        gate.set(());
        let _ = outer.join().await;
        (while_waiting, outer.repr())
    });
    assert_eq!(
        while_waiting, "<Task pending name='outer' wait_for=<Task pending name='inner'>>",
        "while awaiting"
    );
    assert_eq!(
        after, "<Task finished name='outer' result=true>",
        "once done"
    );
    Outcome::Pass
}

/// A value that holds a task handle (here: its own task), cleared by hand
/// afterwards so the handle cycle does not leak.
#[derive(Clone)]
struct HoldsTask(Arc<Mutex<Option<AnyTask>>>);

impl std::fmt::Debug for HoldsTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.0.lock().unwrap().clone();
        match inner {
            Some(t) => write!(f, "{t:?}"),
            None => f.write_str("None"),
        }
    }
}

/// Issue 10 item 5: a task whose value holds its own task prints with
/// CPython's recursion guard and does not deadlock (the repr formatted the
/// value under the task's lock). CPython 3.13 prints
/// `<Task finished name='S' coro=<…> result=...>`.
pub fn a_value_holding_its_own_task_prints_dots<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let slot = Arc::new(Mutex::new(None));
    let s = slot.clone();
    let (text, inner) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, HoldsTask> = h.create_named_task("S", async move {
            *s.lock().unwrap() = h2.current_task();
            HoldsTask(s)
        });
        let _ = t.join().await;
        let inner = t.result().map(|v| format!("{v:?}")).ok();
        (t.repr(), inner)
    });
    // Break the cycle task → value → task.
    *slot.lock().unwrap() = None;
    assert_eq!(text, "<Task finished name='S' result=...>", "the repr");
    assert_eq!(
        inner.as_deref(),
        Some("<Task finished name='S' result=<aiotask_conformance::hostile::HoldsTask>>"),
        "the value's Debug outside the task's repr: an AnyTask cannot format the value, it \
         shows its type"
    );
    Outcome::Pass
}

/// Issue 10 items 4 and 11: a body whose destructor panics with a payload
/// whose destructor panics too, dropped at a cancellation: the task ends
/// cancelled, its awaiter resumes, the loop goes on, and the panic is
/// reported (`DropPanicked`). Before the fix, `run` hung (tokio
/// current-thread, smol local) or the child stayed `cancelling` (native).
pub fn a_destructor_panicking_with_a_panicking_payload_is_contained<R: Runtime>(
    fx: &Fixture<R>,
) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let started = Log::new();
    let seen = started.clone();
    let outcome = run(fx.runtime(), async move {
        let h2 = h.clone();
        let child: TaskOf<R, ()> = h.create_task(async move {
            let _bomb = Bomb;
            started.push("armed");
            h2.sleep(LONG).await;
        });
        // The bomb exists only once the body ran (a worker may be late).
        wait_until(&h, "the child holds its bomb", move || seen.len() == 1).await;
        h.yield_now().await;
        child.cancel();
        child.await
    });
    expect_cancelled(outcome, None, "the child's outcome");
    assert_eq!(
        reports.count(ReportKind::DropPanicked),
        1,
        "one report of the destructor"
    );
    Outcome::Pass
}

/// Issue 10 item 4: a done callback that panics with a payload whose
/// destructor panics: it is reported, and the rest of the done list (a
/// callback, the awaiter's wake-up) still runs.
pub fn a_callback_panicking_with_a_panicking_payload_is_contained<R: Runtime>(
    fx: &Fixture<R>,
) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let log = Log::new();
    let l = log.clone();
    let value = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t: TaskOf<R, u8> = h.create_task(async move {
            g.wait().await;
            5
        });
        t.add_done_callback(|_: &TaskOf<R, u8>| std::panic::panic_any(PanicsOnDrop));
        t.add_done_callback(move |_: &TaskOf<R, u8>| l.push("second callback"));
        gate.set(());
        t.await
    });
    assert_eq!(value.ok(), Some(5), "the awaiter resumed with the value");
    let l = log.clone();
    wait_until_blocking("the second callback ran", move || l.len() == 1);
    assert_eq!(
        reports.count(ReportKind::CallbackPanicked),
        1,
        "one callback report"
    );
    Outcome::Pass
}

/// Issue 10 item 2: an exception handler that panics, with a payload whose
/// destructor panics: every later report, done callback and `call_soon`
/// still happens. Before the fix the tokio and smol dispatchers died, and
/// every later callback of the runtime was silently dropped.
pub fn a_panicking_handler_does_not_stop_the_runtime<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let handled = Arc::new(AtomicUsize::new(0));
    let n = handled.clone();
    h.set_exception_handler(Some(Arc::new(move |_: &aiotask_api::ExceptionContext| {
        n.fetch_add(1, Ordering::SeqCst);
        std::panic::panic_any(PanicsOnDrop)
    })));
    let log = Log::new();
    let (l1, l2) = (log.clone(), log.clone());
    let h2 = h.clone();
    run(fx.runtime(), async move {
        for round in 0..3 {
            let t: TaskOf<R, u8> = h2.create_task(async { 1 });
            t.add_done_callback(|_: &TaskOf<R, u8>| panic!("callback bug"));
            let l = l1.clone();
            t.add_done_callback(move |_: &TaskOf<R, u8>| l.push(format!("callback {round}")));
            let _ = t.await;
            let l = l2.clone();
            h2.call_soon(move || l.push(format!("soon {round}")));
            let l = l2.clone();
            wait_until(&h2, "the round's callback and call_soon ran", move || {
                l.len() == 2 * (round + 1)
            })
            .await;
        }
    });
    assert_eq!(
        handled.load(Ordering::SeqCst),
        3,
        "the handler saw every report"
    );
    let events = log.snapshot();
    for round in 0..3 {
        for what in ["callback", "soon"] {
            let event = format!("{what} {round}");
            assert!(events.contains(&event), "{event} ran: {events:?}");
        }
    }
    Outcome::Pass
}

/// Issue 10 item 11: a finished task's value whose destructor panics, left
/// when the last handle goes: the panic is contained and reported; it does
/// not escape into whoever dropped the handle (smol aborted the process).
pub fn a_value_panicking_on_drop_is_reported<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let r = reports.clone();
    run(fx.runtime(), async move {
        let t: TaskOf<R, ExplosiveValue> = h.create_task(async { ExplosiveValue });
        let t2 = t.clone();
        wait_until(&h, "the task finished", move || t2.done()).await;
        drop(t);
        wait_until(&h, "the value's destructor was reported", move || {
            r.count(ReportKind::DropPanicked) == 1
        })
        .await;
    });
    assert_eq!(reports.count(ReportKind::DropPanicked), 1, "one report");
    Outcome::Pass
}

/// Issue 10 item 10 (spec §1.17): names print as CPython's `repr(str)`,
/// which escapes what `str.isprintable()` rejects. CPython 3.13:
/// `repr('a\x00b\x07\x1b\x7f\x85\xa0\u200b\u2028\ufeff z')` is
/// `'a\x00b\x07\x1b\x7f\x85\xa0\u200b\u2028\ufeff z'`.
pub fn names_escape_like_python<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let name = "a\u{0}b\u{7}\u{1b}\u{7f}\u{85}\u{a0}\u{200b}\u{2028}\u{feff} z";
    let t: TaskOf<R, ()> = h.create_named_task(name, async {});
    let repr = repr_of(&t);
    let _ = fx.runtime().run_until_complete(&t);
    assert_eq!(
        repr, "<Task pending name='a\\x00b\\x07\\x1b\\x7f\\x85\\xa0\\u200b\\u2028\\ufeff z'>",
        "the repr"
    );
    assert_eq!(t.name(), name, "name() is the name itself");
    Outcome::Pass
}

/// The repr without the value (`repr(task)` for any value type).
fn repr_of<T: Task>(t: &T) -> String {
    format!("{:?}", t.as_any())
}

/// Waits on this (non-loop) thread.
fn wait_until_blocking(what: &str, cond: impl FnMut() -> bool) {
    crate::support::block_until(what, cond);
}

/// A value that, in its `Clone`, `Debug` and `Drop`, calls methods of the
/// task whose value it is (through the slot it shares).
struct Meddler(Arc<Mutex<Option<AnyTask>>>);

impl Meddler {
    fn meddle(&self) -> usize {
        let task = self.0.lock().unwrap().clone();
        match task {
            Some(t) => {
                let _ = (t.cancelled(), t.cancelling(), t.name());
                // `cancel()` takes the lock too; on a done task it only answers.
                let _ = t.done() && t.cancel();
                format!("{t:?}").len()
            }
            None => 0,
        }
    }
}

impl Clone for Meddler {
    fn clone(&self) -> Self {
        self.meddle();
        Self(self.0.clone())
    }
}

impl std::fmt::Debug for Meddler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Meddler({})", self.meddle())
    }
}

impl Drop for Meddler {
    fn drop(&mut self) {
        self.meddle();
    }
}

/// Issue 10 item 5 (the rule "no user code under a task's lock"): a value
/// whose `Clone`, `Debug` and `Drop` call its own task's methods, a
/// callback whose captures do the same when the callback is removed, and a
/// handler that prints the task: nothing deadlocks (a lock held across any
/// of them would hang this check until its timeout).
pub fn user_code_runs_without_the_task_lock<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let slot: Arc<Mutex<Option<AnyTask>>> = Arc::default();
    let s = slot.clone();
    let printed = Arc::new(Mutex::new(Vec::new()));
    let p = printed.clone();
    let seen = slot.clone();
    h.set_exception_handler(Some(Arc::new(move |_: &aiotask_api::ExceptionContext| {
        let task = seen.lock().unwrap().clone();
        if let Some(t) = task {
            p.lock().unwrap().push(format!("{t:?}"));
        }
    })));
    let (value_debug, removed) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let s2 = s.clone();
        let t: TaskOf<R, Meddler> = h.create_named_task("M", async move {
            g.wait().await;
            Meddler(s2)
        });
        *s.lock().unwrap() = Some(t.as_any());
        // A callback whose capture meddles when it is dropped by removal.
        let capture = Meddler(s.clone());
        let cb = aiotask_api::DoneCallback::new(move |_: &TaskOf<R, Meddler>| {
            let _ = &capture;
        });
        t.add_done_callback_ref(&cb);
        let removed = t.remove_done_callback(&cb);
        drop(cb);
        gate.set(());
        let _ = t.join().await; // clones the value: `Clone` meddles
        let debug = t.repr(); // formats the value: `Debug` meddles
        h.call_exception_handler(aiotask_api::ExceptionContext::new(ReportKind::Custom));
        (debug, removed)
    });
    // Break the cycle task → value → task; the value's `Drop` meddles.
    let task = slot.lock().unwrap().take().expect("the task");
    assert!(
        task.done() && !task.cancelled(),
        "the task finished with its value"
    );
    drop(task);
    assert_eq!(removed, 1, "the callback was removed");
    assert!(
        value_debug.starts_with("<Task finished name='M' result=Meddler("),
        "the repr: {value_debug}"
    );
    assert_eq!(
        printed.lock().unwrap().as_slice(),
        ["<Task finished name='M' result=<aiotask_conformance::hostile::Meddler>>"],
        "the handler printed the task"
    );
    Outcome::Pass
}

/// A value holding another task's typed handle that, in its `Debug`, waits
/// a moment and then prints that task with its value (so two threads
/// overlap, each holding one value while it prints the other).
#[derive(Clone)]
struct Points(Arc<Mutex<Option<PrintTask>>>);

/// Prints a task handle with its value (its `repr()`).
type PrintTask = Arc<dyn Fn() -> String + Send + Sync>;

impl std::fmt::Debug for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::thread::sleep(std::time::Duration::from_millis(2));
        let other = self.0.lock().unwrap().clone();
        match other {
            Some(print) => write!(f, "Points({})", print()),
            None => f.write_str("Points(None)"),
        }
    }
}

/// A task whose value is a [`Points`].
type Pointing<R> = TaskOf<R, Points>;

/// Issue 10 item 5 across threads (found by review): two finished tasks
/// whose values hold each other, printed on two threads at once. Each
/// thread holds one value while its `Debug` prints the other task; before
/// the fix both waited for ever. Now the second thread to wait sees the
/// cycle and prints `...` there.
pub fn values_holding_each_other_print_on_two_threads<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (to_b, to_a) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
    let (vb, va) = (to_b.clone(), to_a.clone());
    let (a, b) = run(fx.runtime(), async move {
        let a: Pointing<R> = h.create_named_task("a", async move { Points(vb) });
        let b: Pointing<R> = h.create_named_task("b", async move { Points(va) });
        let _ = a.join().await;
        let _ = b.join().await;
        (a, b)
    });
    let (pb, pa) = (b.clone(), a.clone());
    *to_b.lock().unwrap() = Some(Arc::new(move || pb.repr()));
    *to_a.lock().unwrap() = Some(Arc::new(move || pa.repr()));
    let rounds = if cfg!(miri) { 2 } else { 20 };
    for _ in 0..rounds {
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (b1, a1) = (barrier.clone(), a.clone());
        let one = std::thread::spawn(move || {
            b1.wait();
            a1.repr()
        });
        barrier.wait();
        let two = b.repr();
        let one = one.join().expect("the other thread printed");
        for text in [&one, &two] {
            assert!(text.starts_with("<Task finished name="), "a repr: {text}");
        }
    }
    // Alone, one thread prints the cycle with CPython's recursion guard.
    assert_eq!(
        a.repr(),
        "<Task finished name='a' result=Points(<Task finished name='b' result=Points(...)>)>",
        "a's repr on one thread"
    );
    to_b.lock().unwrap().take();
    to_a.lock().unwrap().take();
    Outcome::Pass
}

/// A value whose destructor asks its slot's task whether it is done.
#[derive(Clone, Debug)]
struct AsksOnDrop(Arc<Mutex<Option<AnyTask>>>);

impl Drop for AsksOnDrop {
    fn drop(&mut self) {
        let task = self.0.lock().unwrap().clone();
        if let Some(t) = task {
            let _ = t.done();
        }
    }
}

/// Polls `join` once, keeps it in `keep`, and is ready at once: the step
/// goes on with the join left pending (the task now awaits its task).
struct PollOnceAndKeep<J>(Option<J>, Arc<Mutex<Option<J>>>);

impl<J: Future + Unpin> Future for PollOnceAndKeep<J> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut join = self.0.take().expect("polled once");
        let _ = Pin::new(&mut join).poll(cx);
        *self.1.lock().unwrap() = Some(join);
        Poll::Ready(())
    }
}

/// Where the awaiter keeps its pending join.
type KeptJoin<R> = Arc<Mutex<Option<<TaskOf<R, AsksOnDrop> as IntoFuture>::IntoFuture>>>;

/// The rule "no user code under a task's lock" (found by review): when the
/// step of an awaiter lets go of the task it awaited, that may be the
/// task's last handle, whose drop drops its value: user code. Before the
/// fix it ran under the awaiter's lock, and a value whose `Drop` asked the
/// awaiter `done()` deadlocked.
pub fn the_last_handle_of_an_awaited_task_drops_outside_the_lock<R: Runtime>(
    fx: &Fixture<R>,
) -> Outcome {
    let h = fx.runtime().handle();
    let awaiter_slot: Arc<Mutex<Option<AnyTask>>> = Arc::default();
    let slot = awaiter_slot.clone();
    let done = run(fx.runtime(), async move {
        let (gate_b, gate_a) = (Gate::new(), Gate::new());
        let (gb, ga) = (gate_b.clone(), gate_a.clone());
        let s = slot.clone();
        let b: TaskOf<R, AsksOnDrop> = h.create_named_task("b", async move {
            gb.wait().await;
            AsksOnDrop(s)
        });
        let kept: KeptJoin<R> = Arc::default();
        let (k, b2) = (kept.clone(), b.clone());
        let a: TaskOf<R, ()> = h.create_named_task("a", async move {
            PollOnceAndKeep(Some(b2.into_future()), k).await;
            ga.wait().await; // suspended with b recorded as awaited
        });
        *slot.lock().unwrap() = Some(a.as_any());
        let a2 = a.clone();
        wait_until(&h, "a awaits b", move || repr_of(&a2).contains("wait_for")).await;
        // Only a's state still holds b once b is done.
        kept.lock().unwrap().take();
        drop(b);
        gate_b.set(());
        let a3 = a.clone();
        wait_until(&h, "b finished", move || {
            repr_of(&a3).contains("wait_for=<Task finished name='b' result=<")
        })
        .await;
        gate_a.set(()); // a's next step lets go of b: b's value is dropped
        let _ = a.join().await;
        a.done()
    });
    awaiter_slot.lock().unwrap().take();
    assert!(done, "the awaiter finished");
    Outcome::Pass
}
