//! The `Debug` of a task handle is Python's `repr(task)` without the
//! Python-specific parts (`coro=`, `cb=`, `wait_for=`) (spec §1.17).

use aiotask_api::{Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{Gate, LONG, Log, ValueError, run, wait_until};
use crate::{Fixture, Outcome};

/// §1.17: a pending task: `<Task pending name='X'>`.
pub fn pending<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let repr = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_named_task("X", async move { g.wait().await });
        let repr = t.repr();
        gate.set(());
        let _ = t.await;
        repr
    });
    assert_eq!(repr, "<Task pending name='X'>");
    Outcome::Pass
}

/// §1.17/§1.2: pending with a cancel requested: `<Task cancelling name='X'>`.
pub fn cancelling<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let repr = run(fx.runtime(), async move {
        // The task catches the cancellation and then waits on the gate, so
        // it stays pending with a request counted, whichever thread runs it.
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_named_task("X", async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            g.wait().await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        let repr = t.repr();
        gate.set(());
        let _ = t.await;
        repr
    });
    assert_eq!(repr, "<Task cancelling name='X'>");
    Outcome::Pass
}

/// §1.17: a task that returned: `<Task finished name='X' result=42>`.
pub fn finished_with_a_result<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_named_task("X", async { 42u32 });
        let _ = t.join().await;
        t
    });
    assert_eq!(t.repr(), "<Task finished name='X' result=42>");
    Outcome::Pass
}

/// §1.17: a task that failed: `<Task finished name='X' exception=ValueError('boom')>`.
pub fn finished_with_an_exception<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t = h.create_named_try_task("X", async { Err::<u32, _>(ValueError("boom")) });
        let _ = t.join().await;
        t
    });
    assert_eq!(
        t.repr(),
        "<Task finished name='X' exception=ValueError('boom')>"
    );
    Outcome::Pass
}

/// §1.17: a cancelled task: `<Task cancelled name='X'>`.
pub fn cancelled<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_named_task("X", async move { h2.sleep(LONG).await });
        h.yield_now().await;
        t.cancel();
        let _ = t.join().await;
        t
    });
    assert_eq!(t.repr(), "<Task cancelled name='X'>");
    Outcome::Pass
}

/// §1.10 (surprise 1): after suppressing, the running task still says `cancelling`; once done, `finished`.
pub fn suppressed_says_cancelling_until_done<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let (running, t) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_named_task("S", async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            l.push("suppressed");
            g.wait().await;
            7u32
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        wait_until(&h, "the task suppresses", || log.contains("suppressed")).await;
        let running = t.repr();
        gate.set(());
        let _ = t.join().await;
        (running, t)
    });
    assert_eq!(
        running, "<Task cancelling name='S'>",
        "running on after suppressing"
    );
    assert_eq!(t.repr(), "<Task finished name='S' result=7>", "once done");
    Outcome::Pass
}

/// §1.12: after uncancel() back to 0, the repr says `pending` again.
pub fn uncancel_restores_pending<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let reprs = run(fx.runtime(), async move {
        // Held pending by the gate after catching, whichever thread runs it.
        let gate = Gate::new();
        let g = gate.clone();
        let h2 = h.clone();
        let t = h.create_named_task("X", async move {
            l.push("sleeping");
            let _ = h2.sleep(LONG).catch_cancel().await;
            g.wait().await;
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        let during = t.repr();
        t.uncancel();
        let after = t.repr();
        // A request made before the task suspended (possible with worker
        // threads) was just revoked; ask again so the task ends either way.
        t.cancel();
        gate.set(());
        let _ = t.await;
        [during, after]
    });
    assert_eq!(
        reprs,
        ["<Task cancelling name='X'>", "<Task pending name='X'>"]
    );
    Outcome::Pass
}

/// §1.17: `current_task()` prints as the task's repr.
pub fn current_task_prints_as_the_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let inside = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_named_task("Me", async move { format!("{:?}", h2.current_task()) });
        t.await.unwrap_or_default()
    });
    assert_eq!(inside, "Some(<Task pending name='Me'>)");
    Outcome::Pass
}

/// §1.17: the name is printed with Python's `repr()` quoting, as `name=%r` does.
pub fn name_uses_python_quoting<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reprs = run(fx.runtime(), async move {
        let gate = Gate::new();
        let mut reprs = Vec::new();
        let mut tasks = Vec::new();
        for name in ["it's", "say \"hi\"", "both ' and \""] {
            let g = gate.clone();
            let t = h.create_named_task(name, async move { g.wait().await });
            reprs.push(t.repr());
            tasks.push(t);
        }
        gate.set(());
        for t in tasks {
            let _ = t.await;
        }
        reprs
    });
    assert_eq!(
        reprs,
        [
            "<Task pending name=\"it's\">",
            "<Task pending name='say \"hi\"'>",
            "<Task pending name='both \\' and \"'>",
        ],
        "CPython 3.13 prints these names so"
    );
    Outcome::Pass
}
