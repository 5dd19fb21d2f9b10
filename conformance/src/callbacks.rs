//! Done callbacks: order, never synchronous, the task argument, removal by
//! identity, panics, and their place relative to awaiters (spec §1.15).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aiotask_api::{DoneCallback, ReportKind, Runtime, RuntimeHandle, Task};

use crate::support::{
    Gate, LONG, Log, Reports, TaskOf, ValueError, fifo_only, run, single_thread_only, ticks,
    wait_until,
};
use crate::{Fixture, Outcome};

fn logger<R: Runtime>(log: &Log, name: &'static str) -> DoneCallback<TaskOf<R, u32>> {
    let log = log.clone();
    DoneCallback::new(move |t: &TaskOf<R, u32>| log.push(format!("{name}:{}", t.name())))
}

/// §1.15: callbacks run in the order they were added, each once.
pub fn run_in_fifo_order<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("CB", async move {
            g.wait().await;
            3u32
        });
        for name in ["cb1", "cb2", "cb3"] {
            t.add_done_callback_ref(&logger::<R>(&l, name));
        }
        gate.set(());
        let _ = t.await;
        wait_until(&h, "the callbacks ran", || l.len() == 3).await;
        ticks(&h, 3).await;
    });
    log.expect(&["cb1:CB", "cb2:CB", "cb3:CB"], "callback order");
    Outcome::Pass
}

/// §1.15 (surprise 14): a callback added to a done task is never called synchronously.
pub fn never_synchronous_even_when_done<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let single = !fx.caps().multi_thread;
    run(fx.runtime(), async move {
        let t = h.create_task(async { 3u32 });
        let _ = t.join().await;
        let adding = Arc::new(AtomicBool::new(true));
        let adder = std::thread::current().id();
        let (a, l2) = (adding.clone(), l.clone());
        t.add_done_callback(move |t: &TaskOf<R, u32>| {
            // Synchronous means: inside add_done_callback, on the adder's thread.
            let inside = a.load(Ordering::SeqCst) && std::thread::current().id() == adder;
            l2.push(format!("late {:?} inside add: {inside}", t.result().ok()));
        });
        adding.store(false, Ordering::SeqCst);
        if single {
            assert_eq!(l.len(), 0, "the callback ran before the adder yielded");
        }
        wait_until(&h, "the late callback runs", || l.len() == 1).await;
    });
    log.expect(&["late Some(3) inside add: false"], "the late callback");
    Outcome::Pass
}

/// §1.15: each callback receives the task itself, done, with its outcome readable.
pub fn callbacks_receive_the_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let t = h.create_named_task("Given", async { 5u32 });
        let id = t.id();
        t.add_done_callback(move |x: &TaskOf<R, u32>| {
            l.push(format!(
                "same={} done={} result={:?} name={}",
                x.id() == id,
                x.done(),
                x.result().ok(),
                x.name()
            ));
        });
        let _ = t.join().await; // a clone read: the callback reads the value too
        wait_until(&h, "the callback ran", || log.len() == 1).await;
        log.expect(
            &["same=true done=true result=Some(5) name=Given"],
            "what the callback saw",
        );
    });
    Outcome::Pass
}

/// §1.15: remove_done_callback removes every entry of the callback and returns the count (2, then 0).
pub fn remove_returns_the_count<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let counts = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("CB", async move {
            g.wait().await;
            3u32
        });
        let (cb1, cb2) = (logger::<R>(&l, "cb1"), logger::<R>(&l, "cb2"));
        t.add_done_callback_ref(&cb1);
        t.add_done_callback_ref(&cb2);
        t.add_done_callback_ref(&cb1);
        let counts = [t.remove_done_callback(&cb1), t.remove_done_callback(&cb1)];
        t.add_done_callback_ref(&cb1);
        gate.set(());
        let _ = t.await;
        wait_until(&h, "the callbacks ran", || l.len() == 2).await;
        ticks(&h, 3).await;
        counts
    });
    assert_eq!(counts, [2, 0], "remove_done_callback(cb1) twice");
    log.expect(
        &["cb2:CB", "cb1:CB"],
        "the callbacks that ran (transcript 06)",
    );
    Outcome::Pass
}

/// §1.15: two callbacks made separately are different even from the same code; removal is by identity.
pub fn removal_is_by_identity<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let removed = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("CB", async move {
            g.wait().await;
            1u32
        });
        let kept = logger::<R>(&l, "kept");
        let lookalike = logger::<R>(&l, "kept");
        t.add_done_callback_ref(&kept);
        let removed = t.remove_done_callback(&lookalike);
        gate.set(());
        let _ = t.await;
        wait_until(&h, "the callback ran", || l.len() == 1).await;
        removed
    });
    assert_eq!(removed, 0, "removing a different callback");
    log.expect(&["kept:CB"], "the kept callback still ran");
    Outcome::Pass
}

/// §1.15: on a done task the list is empty: removal returns 0, and a callback just added still runs.
pub fn removal_on_a_done_task_returns_zero<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let counts = run(fx.runtime(), async move {
        let t = h.create_named_task("CB", async { 1u32 });
        let early = logger::<R>(&l, "early");
        t.add_done_callback_ref(&early);
        let _ = t.join().await;
        wait_until(&h, "the early callback ran", || l.len() == 1).await;
        let late = logger::<R>(&l, "late");
        t.add_done_callback_ref(&late);
        let counts = [
            t.remove_done_callback(&early),
            t.remove_done_callback(&late),
        ];
        wait_until(&h, "the late callback ran", || l.len() == 2).await;
        counts
    });
    assert_eq!(counts, [0, 0], "remove_done_callback() on a done task");
    log.expect(&["early:CB", "late:CB"], "both callbacks ran");
    Outcome::Pass
}

/// §1.15: a panicking callback is reported through the exception handler and the others still run.
pub fn panicking_callback_is_reported<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let t = h.create_named_task("CB", async { 1u32 });
        t.add_done_callback_ref(&logger::<R>(&l, "cb1"));
        t.add_done_callback(|_: &TaskOf<R, u32>| panic!("callback boom"));
        t.add_done_callback_ref(&logger::<R>(&l, "cb3"));
        let _ = t.await;
        wait_until(&h, "the callbacks ran", || l.len() == 2).await;
    });
    log.expect(
        &["cb1:CB", "cb3:CB"],
        "the callbacks around the panicking one",
    );
    let all = reports.all();
    assert_eq!(all.len(), 1, "reports: {all:?}");
    let ctx = &all[0];
    assert_eq!(ctx.kind(), ReportKind::CallbackPanicked, "report kind");
    assert_eq!(ctx.message(), "Exception in callback", "report message");
    let failure = ctx.failure().expect("the report carries the panic");
    assert!(failure.is_panic(), "the report's failure is a panic");
    assert_eq!(
        failure.panic_message(),
        Some("callback boom"),
        "the panic message"
    );
    let task = ctx.task().unwrap_or_default();
    assert!(
        task.contains("name='CB'"),
        "the report names the task: {task:?}"
    );
    Outcome::Pass
}

/// §1.15: callbacks added before an await run before that awaiter resumes.
pub fn earlier_callbacks_run_before_the_awaiter<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("T", async move {
            g.wait().await;
            1u32
        });
        t.add_done_callback_ref(&logger::<R>(&l, "cb1"));
        let awaited = t.clone();
        let waiter = h.create_task(async move {
            let _ = awaited.await;
            l2.push("awaiter resumed");
        });
        h.yield_now().await; // the awaiter now waits on t
        gate.set(());
        let _ = waiter.await;
    });
    log.expect(&["cb1:T", "awaiter resumed"], "callback then awaiter");
    Outcome::Pass
}

/// §1.15: an awaiter's wakeup is one callback in the FIFO list: it resumes before callbacks added after its await.
pub fn awaiter_wakeup_keeps_its_place<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("T", async move {
            g.wait().await;
            1u32
        });
        t.add_done_callback_ref(&logger::<R>(&l, "cb1"));
        let awaited = t.clone();
        let waiter = h.create_task(async move {
            let _ = awaited.await;
            l2.push("awaiter resumed");
        });
        h.yield_now().await; // the awaiter now waits on t
        t.add_done_callback_ref(&logger::<R>(&l, "cb3"));
        gate.set(());
        let _ = waiter.await;
        wait_until(&h, "every callback ran", || l.len() == 3).await;
    });
    log.expect(&["cb1:T", "awaiter resumed", "cb3:T"], "CPython's order");
    Outcome::Pass
}

/// §1.15/§1.20: `current_task()` is `None` inside a done callback.
pub fn no_current_task_in_callbacks<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let t = h.create_task(async { 1u32 });
        let h2 = h.clone();
        t.add_done_callback(move |_: &TaskOf<R, u32>| {
            l.push(format!(
                "current_task: {:?}",
                h2.current_task().map(|c| c.name())
            ));
        });
        let _ = t.await;
        wait_until(&h, "the callback ran", || log.len() == 1).await;
        log.expect(&["current_task: None"], "inside the callback");
    });
    Outcome::Pass
}

/// §1.15: callbacks run for every outcome: failed and cancelled tasks too.
pub fn callbacks_run_for_every_outcome<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l1, l2) = (log.clone(), log.clone());
    run(fx.runtime(), {
        let log = log.clone();
        async move {
            let bad = h.create_try_task(async { Err::<u32, _>(ValueError("e")) });
            bad.add_done_callback(move |t: &TaskOf<R, u32>| {
                let e = t.exception().ok().flatten().map(|f| f.to_string());
                l1.push(format!(
                    "failed: cancelled={} exception={e:?}",
                    t.cancelled()
                ));
            });
            let h2 = h.clone();
            let gone = h.create_task(async move {
                h2.sleep(LONG).await;
                0u32
            });
            gone.add_done_callback(move |t: &TaskOf<R, u32>| {
                l2.push(format!("cancelled: cancelled={}", t.cancelled()));
            });
            let _ = bad.await;
            wait_until(&h, "the first callback", || log.len() == 1).await;
            gone.cancel();
            let _ = gone.await;
            wait_until(&h, "the second callback", || log.len() == 2).await;
        }
    });
    log.expect(
        &[
            "failed: cancelled=false exception=Some(\"e\")",
            "cancelled: cancelled=true",
        ],
        "callbacks of a failed and a cancelled task",
    );
    Outcome::Pass
}

/// §1.15: completion queues the callbacks behind what is already in the ready FIFO.
pub fn completion_queues_behind_ready_work<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    run(fx.runtime(), async move {
        let quick = h.create_task(async move {
            l1.push("quick returns");
            1u32
        });
        quick.add_done_callback(move |_: &TaskOf<R, u32>| l2.push("cb"));
        let other = h.create_task(async move { l3.push("other step") });
        ticks(&h, 2).await;
        let _ = (quick.await, other.await);
    });
    log.expect(&["quick returns", "other step", "cb"], "CPython's order");
    Outcome::Pass
}

/// §1.15: callbacks added before `run_until_complete` have run when it returns.
pub fn run_until_complete_runs_earlier_callbacks<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let log = Log::new();
    let (l1, l2) = (log.clone(), log.clone());
    let t = fx.runtime().handle().create_task(async move {
        l1.push("body");
        5u32
    });
    t.add_done_callback(move |_: &TaskOf<R, u32>| l2.push("cb before run"));
    assert_eq!(
        fx.runtime().run_until_complete(&t).ok(),
        Some(5),
        "run_until_complete"
    );
    log.expect(
        &["body", "cb before run"],
        "events when run_until_complete returns",
    );
    Outcome::Pass
}
