//! Handles are `Send + Sync`: other threads cancel, create, read and wake,
//! whether the loop is idle (parked) or busy (spec §1.7 applies unchanged;
//! cross-thread use is aiotask's contract).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use aiotask_api::{Failure, Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{
    Gate, LONG, Log, Slot, TaskOf, ValueError, block_until, expect_failed, run, wait_until,
};
use crate::{Fixture, Outcome};

fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}

/// Contract: runtime and task handles are `Send + Sync`; another thread reads a task and creates one.
pub fn handles_work_from_another_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = h.create_named_task("TaskContract", async { 4u8 });
    assert_send_sync(&h);
    assert_send_sync(&t);
    assert!(fx.runtime().run_until_complete(&t).is_ok(), "the task runs");
    let (h2, t2) = (h.clone(), t.clone());
    let (seen, made) = thread::spawn(move || {
        let seen = (t2.name(), t2.done(), t2.result().ok());
        (seen, h2.create_named_task("FromThread", async { 5u8 }))
    })
    .join()
    .expect("the other thread");
    assert_eq!(
        seen,
        ("TaskContract".to_owned(), true, Some(4)),
        "what the other thread read"
    );
    assert_eq!(
        made.name(),
        "FromThread",
        "a task created on another thread"
    );
    assert_eq!(
        fx.runtime().run_until_complete(&made).ok(),
        Some(5),
        "it runs on the loop"
    );
    Outcome::Pass
}

/// §1.7: a cancel from another thread wakes a loop that is idle (all tasks suspended) and is delivered.
pub fn cancel_from_a_thread_wakes_an_idle_loop<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let sleeping = Arc::new(AtomicBool::new(false));
    let flag = sleeping.clone();
    let h2 = h.clone();
    let t = h.create_task(async move {
        flag.store(true, Ordering::SeqCst);
        match h2.sleep(LONG).catch_cancel().await {
            Ok(()) => "slept".to_owned(),
            Err(e) => format!("caught {:?}", e.message()),
        }
    });
    let remote = t.clone();
    let canceller = thread::spawn(move || {
        block_until("the task sleeps", || sleeping.load(Ordering::SeqCst));
        thread::sleep(std::time::Duration::from_millis(5)); // let the loop park
        remote.cancel_with("remote")
    });
    let out = fx.runtime().run_until_complete(&t);
    assert!(
        canceller.join().expect("the cancelling thread"),
        "cancel() from the thread"
    );
    assert_eq!(
        out.ok().as_deref(),
        Some("caught Some(\"remote\")"),
        "what the task caught"
    );
    Outcome::Pass
}

/// §1.7: a cancel from another thread while the loop is busy running other steps is delivered.
pub fn cancel_from_a_thread_while_the_loop_is_busy<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let out = run(fx.runtime(), async move {
        let h2 = h.clone();
        let target = h.create_task(async move {
            l.push("sleeping");
            h2.sleep(LONG).catch_cancel().await.is_err()
        });
        let remote = target.clone();
        let probe = log.clone();
        let canceller = thread::spawn(move || {
            block_until("the target sleeps", || probe.contains("sleeping"));
            remote.cancel()
        });
        // Busy: this task keeps the loop stepping until the target is done.
        wait_until(&h, "the target sees the cancel", || target.done()).await;
        let returned = canceller.join().unwrap_or(false);
        (returned, target.result().ok())
    });
    assert_eq!(
        out,
        (true, Some(true)),
        "(cancel() from the thread, the target caught it)"
    );
    Outcome::Pass
}

/// Contract: a task created from another thread while the loop runs is run by the loop.
pub fn create_task_from_a_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let out = run(fx.runtime(), async move {
        let slot = Slot::<TaskOf<R, u8>>::new();
        let (s, h2) = (slot.clone(), h.clone());
        let maker = thread::spawn(move || s.set(h2.create_task(async { 9u8 })));
        let t = slot.wait().await;
        let v = t.await.ok();
        maker.join().expect("the creating thread");
        v
    });
    assert_eq!(
        out,
        Some(9),
        "the value of the task created on another thread"
    );
    Outcome::Pass
}

/// Contract: `call_soon` from another thread runs the job on the loop, outside any task.
pub fn call_soon_from_a_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let out = run(fx.runtime(), async move {
        let slot = Slot::<bool>::new();
        let (s, h2) = (slot.clone(), h.clone());
        thread::spawn(move || {
            let h3 = h2.clone();
            h2.call_soon(move || s.set(h3.current_task().is_none()));
        })
        .join()
        .expect("the other thread");
        slot.wait().await
    });
    assert!(out, "current_task() inside the job is not None");
    Outcome::Pass
}

/// §1.7/§1.8: concurrent cancels from many threads all return true, all count, one delivery.
pub fn concurrent_cancels_count_exactly<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (returned, count, t) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_task(async move {
            l.push("sleeping");
            let mut deliveries = 0u32;
            if h2.sleep(LONG).catch_cancel().await.is_err() {
                deliveries += 1;
            }
            // Stays pending (and catching) until every thread cancelled.
            while g.wait().catch_cancel().await.is_err() {
                deliveries += 1;
            }
            deliveries
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let remote = t.clone();
                thread::spawn(move || remote.cancel())
            })
            .collect();
        let returned: Vec<bool> = threads
            .into_iter()
            .map(|j| j.join().unwrap_or(false))
            .collect();
        let count = t.cancelling();
        gate.set(());
        let _ = t.join().await;
        (returned, count, t)
    });
    assert_eq!(returned, [true; 8], "cancel() from each thread");
    assert_eq!(count, 8, "cancelling()");
    let deliveries = t.result().expect("the task caught every delivery");
    if fx.caps().multi_thread {
        // The task may resume between two threads' cancels: one delivery per suspension.
        assert!((1..=8).contains(&deliveries), "{deliveries} deliveries");
    } else {
        // The loop is blocked in this step while the threads cancel: the task
        // stays suspended on its sleep, so all eight give one delivery.
        assert_eq!(
            deliveries, 1,
            "deliveries of eight cancels made while suspended"
        );
    }
    Outcome::Pass
}

/// §1.13: another thread reads the outcome: the value, and the very same failure object.
pub fn outcome_is_readable_from_a_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (ok, bad) = run(fx.runtime(), async move {
        let ok = h.create_task(async { 5u8 });
        let bad = h.create_try_task(async { Err::<u8, _>(ValueError("boom")) });
        let _ = (ok.join().await, bad.join().await);
        (ok, bad)
    });
    let (o, b) = (ok.clone(), bad.clone());
    let (value, failure) = thread::spawn(move || (o.result().ok(), b.exception().ok().flatten()))
        .join()
        .expect("the reading thread");
    assert_eq!(value, Some(5), "the value read on another thread");
    let failure = failure.expect("the failure read on another thread");
    let here = expect_failed(bad.result(), "result() here");
    assert!(
        Failure::ptr_eq(&failure, &here),
        "the same failure on both threads"
    );
    Outcome::Pass
}

/// §1.15: a done callback added from another thread runs once, on the loop, never inside the adding call.
pub fn callback_added_from_a_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let t = h.create_named_task("T", async { 1u8 });
        let _ = t.join().await;
        let (remote, l2) = (t.clone(), l.clone());
        thread::spawn(move || {
            let (l3, adder) = (l2.clone(), thread::current().id());
            remote.add_done_callback(move |t: &TaskOf<R, u8>| {
                let on_adder = thread::current().id() == adder;
                l3.push(format!("cb:{} on the adding thread: {on_adder}", t.name()));
            });
            l2.push("added");
        })
        .join()
        .expect("the adding thread");
        wait_until(&h, "the callback ran", || l.len() == 2).await;
    });
    let mut events = log.snapshot();
    events.sort();
    assert_eq!(
        events,
        ["added", "cb:T on the adding thread: false"],
        "the callback ran once, on the loop"
    );
    Outcome::Pass
}

/// Contract: waking a suspended task from another thread resumes it (and wakes an idle loop).
pub fn wake_from_a_thread<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let fut = Slot::<u32>::new();
    let f = fut.clone();
    let waiting = Arc::new(AtomicBool::new(false));
    let flag = waiting.clone();
    let t = h.create_task(async move {
        flag.store(true, Ordering::SeqCst);
        f.wait().await + 1
    });
    let setter = thread::spawn(move || {
        block_until("the task waits", || waiting.load(Ordering::SeqCst));
        thread::sleep(std::time::Duration::from_millis(5)); // let the loop park
        fut.set(41);
    });
    let out = fx.runtime().run_until_complete(&t);
    setter.join().expect("the waking thread");
    assert_eq!(out.ok(), Some(42), "the woken task's value");
    Outcome::Pass
}

/// Contract: the last handle dropped on another thread detaches the task; it still completes.
pub fn last_handle_dropped_on_a_thread_detaches<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let (g, h2) = (gate.clone(), h.clone());
        let t = h.create_task(async move {
            g.wait().await;
            h2.yield_now().await;
            l.push("finished");
        });
        thread::spawn(move || drop(t))
            .join()
            .expect("the dropping thread");
        gate.set(());
        wait_until(&h, "the detached task finishes", || {
            log.contains("finished")
        })
        .await;
    });
    Outcome::Pass
}
