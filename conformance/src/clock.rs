//! The loop's clock, sleeps, and tick-level scheduling order (spec §1.21 and
//! the vocabulary of §1: ticks, `call_soon`).

use std::time::Duration;

use aiotask_api::{Runtime, RuntimeHandle};

use crate::support::{Log, Slot, fifo_only, millis, run, single_thread_only, ticks};
use crate::{Fixture, Outcome};

/// asyncio's `sleep`: sleeps of 30, 10 and 20 ms started together end in deadline order.
pub fn sleeps_end_in_deadline_order<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let tasks: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|ms| {
                let (h2, l2) = (h.clone(), l.clone());
                h.create_task(async move {
                    h2.sleep(millis(ms)).await;
                    l2.push(format!("{ms} ms"));
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
    log.expect(&["10 ms", "20 ms", "30 ms"], "wake-up order");
    Outcome::Pass
}

/// asyncio's `sleep`: sleep(20 ms) lasts at least 20 ms on the loop's clock.
pub fn sleep_lasts_at_least_its_duration<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let elapsed = run(fx.runtime(), async move {
        let start = h.time();
        h.sleep(millis(20)).await;
        h.time().saturating_sub(start)
    });
    assert!(elapsed >= millis(20), "sleep(20 ms) took {elapsed:?}");
    Outcome::Pass
}

/// asyncio's `loop.time()`: monotonic, and it advances across a sleep.
pub fn time_is_monotonic<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (samples, before, after) = run(fx.runtime(), async move {
        let mut samples = Vec::new();
        for _ in 0..200 {
            samples.push(h.time());
            h.yield_now().await;
        }
        let before = h.time();
        h.sleep(millis(5)).await;
        (samples, before, h.time())
    });
    assert!(
        samples.windows(2).all(|w| w[0] <= w[1]),
        "time() went backwards"
    );
    assert!(
        after > before,
        "time() did not advance across a sleep: {before:?} -> {after:?}"
    );
    Outcome::Pass
}

/// §1.21: two tasks looping on a bare yield interleave strictly: A0 B0 A1 B1 A2 B2.
pub fn yield_loops_interleave<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let tasks: Vec<_> = ["A", "B"]
            .into_iter()
            .map(|name| {
                let (h2, l2) = (h.clone(), l.clone());
                h.create_task(async move {
                    for i in 0..3 {
                        l2.push(format!("{name}{i}"));
                        h2.yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
    log.expect(
        &["A0", "B0", "A1", "B1", "A2", "B2"],
        "CPython's interleaving",
    );
    Outcome::Pass
}

/// §1.21: tasks start in creation order (FIFO).
pub fn tasks_start_in_creation_order<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let tasks: Vec<_> = (1..=5)
            .map(|i| {
                let l2 = l.clone();
                h.create_task(async move { l2.push(format!("t{i}")) })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
    log.expect(&["t1", "t2", "t3", "t4", "t5"], "start order");
    Outcome::Pass
}

/// §1.21: the creator keeps running until it suspends; the child starts after.
pub fn creator_continues_before_the_child<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let child = h.create_task(async move { l.push("child body") });
        l2.push("creator continues");
        let _ = child.await;
    });
    log.expect(&["creator continues", "child body"], "CPython's order");
    Outcome::Pass
}

/// §1.21: `sleep(0)` is a bare yield: the ready task runs before the sleeper resumes.
pub fn zero_sleep_lets_ready_tasks_run<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = single_thread_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let other = h.create_task(async move { l.push("B ran") });
        h.sleep(Duration::ZERO).await;
        l2.push("A resumed");
        let _ = other.await;
    });
    log.expect(&["B ran", "A resumed"], "sleep(0) order");
    Outcome::Pass
}

/// §1 (call_soon): jobs and task steps share one FIFO; nothing runs before the creator yields.
pub fn call_soon_shares_the_fifo_with_steps<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    run(fx.runtime(), async move {
        let (a, b, c) = (l.clone(), l.clone(), l.clone());
        h.call_soon(move || a.push("f1"));
        let other = h.create_task(async move { b.push("other step") });
        h.call_soon(move || c.push("f2"));
        l.push("creator");
        h.yield_now().await;
        let _ = other.await;
    });
    log.expect(&["creator", "f1", "other step", "f2"], "CPython's order");
    Outcome::Pass
}

/// §1.21: a future set in tick k resumes its awaiting task in tick k+1.
pub fn a_set_future_resumes_its_task_next_tick<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    if let Some(na) = fifo_only(fx) {
        return na;
    }
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l0, l1, l2) = (log.clone(), log.clone(), log.clone());
    run(fx.runtime(), async move {
        let stop = Slot::<()>::new();
        let fut = Slot::<()>::new();
        let (s, f, h2) = (stop.clone(), fut.clone(), h.clone());
        let ticker = h.create_task(async move {
            let mut i = 0;
            while s.get().is_none() {
                l0.push(format!("tick{i}"));
                i += 1;
                h2.yield_now().await;
            }
        });
        let leaf = h.create_task(async move {
            f.wait().await;
            l1.push("leaf resumed");
        });
        ticks(&h, 2).await;
        l2.push("set_result");
        fut.set(());
        let _ = leaf.await;
        stop.set(());
        let _ = ticker.await;
    });
    let events = log.snapshot();
    let end = events
        .iter()
        .position(|e| e == "leaf resumed")
        .map_or(events.len(), |i| i + 1);
    assert_eq!(
        events[..end],
        ["tick0", "tick1", "set_result", "tick2", "leaf resumed"],
        "CPython's ticks (full log {events:?})"
    );
    Outcome::Pass
}

/// asyncio's `sleep`: a sleeping task does not hold up others; ready tasks run meanwhile.
pub fn a_sleeper_does_not_block_others<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    run(fx.runtime(), async move {
        let h2 = h.clone();
        let sleeper = h.create_task(async move {
            h2.sleep(millis(50)).await;
            l.push("sleeper woke");
        });
        let h3 = h.clone();
        let worker = h.create_task(async move {
            ticks(&h3, 10).await;
            l2.push("worker done");
        });
        let _ = (worker.await, sleeper.await);
    });
    log.expect(
        &["worker done", "sleeper woke"],
        "the worker finished during the sleep",
    );
    Outcome::Pass
}
