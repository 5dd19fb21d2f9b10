//! What happens to tasks when their runtime goes away, and the "exception
//! was never retrieved" report when a failed task's last handle goes away
//! (spec §1.14; the runtime contract of [`aiotask_api::Runtime`]).

use aiotask_api::{ExceptionContext, ReportKind, Runtime, RuntimeHandle, Task};

use crate::support::{
    LONG, Log, OnDrop, Reports, TaskOf, ValueError, expect_cancelled, run, ticks, wait_until,
};
use crate::{Fixture, Outcome};

/// Builds a runtime of the flavour under test with three sleeping tasks and
/// one created after the loop last ran (named `Doomed-0..3`), then drops it.
fn drop_with_pending<R: Runtime>(fx: &Fixture<R>, log: &Log) -> (Reports, Vec<TaskOf<R, ()>>) {
    let doomed = fx.make_runtime();
    let h = doomed.handle();
    let reports = Reports::install(&h);
    let mut tasks = Vec::new();
    for i in 0..3 {
        let (h2, l) = (h.clone(), log.clone());
        tasks.push(h.create_named_task(&format!("Doomed-{i}"), async move {
            let _finally = OnDrop(l.clone(), "finally");
            l.push("sleeping");
            h2.sleep(LONG).await;
            l.push("woke up");
        }));
    }
    let probe = log.clone();
    run(&doomed, async move {
        wait_until(&h, "three tasks sleep", || probe.len() == 3).await;
    });
    let (h, l) = (doomed.handle(), log.clone());
    let h2 = h.clone();
    tasks.push(h.create_named_task("Doomed-3", async move {
        l.push("never started");
        h2.sleep(LONG).await;
    }));
    drop(doomed);
    (reports, tasks)
}

/// Runtime contract/§1.14: each pending task is reported "destroyed but pending" and ends cancelled.
pub fn pending_tasks_are_reported_and_cancelled<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let log = Log::new();
    let (reports, tasks) = drop_with_pending(fx, &log);
    assert_eq!(
        reports.kinds(),
        [ReportKind::DestroyedPending; 4],
        "reports: {:?}",
        reports.all()
    );
    for t in &tasks {
        assert!(
            t.done() && t.cancelled(),
            "{}: done() and cancelled() after the drop",
            t.repr()
        );
        expect_cancelled(t.result(), None, "result() of a destroyed task");
        assert!(!t.cancel(), "cancel() of a destroyed task");
    }
    Outcome::Pass
}

/// §1.14: the report has asyncio's message and names the task by its pending repr.
pub fn the_report_names_the_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let log = Log::new();
    let (reports, _tasks) = drop_with_pending(fx, &log);
    let mut named: Vec<String> = reports
        .all()
        .iter()
        .map(|ctx: &ExceptionContext| {
            assert_eq!(
                ctx.message(),
                "Task was destroyed but it is pending!",
                "the message"
            );
            assert!(ctx.failure().is_none(), "a destroyed task has no exception");
            ctx.task().unwrap_or("<no task>").to_owned()
        })
        .collect();
    named.sort();
    let expected: Vec<String> = (0..4)
        .map(|i| format!("<Task pending name='Doomed-{i}'>"))
        .collect();
    assert_eq!(named, expected, "the reported tasks");
    Outcome::Pass
}

/// §1.14: destroying a pending task drops its body: the `finally` of each started body runs, nothing else.
pub fn destroyed_bodies_run_their_finally<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let log = Log::new();
    let (_reports, _tasks) = drop_with_pending(fx, &log);
    let events = log.snapshot();
    assert_eq!(
        events.iter().filter(|e| *e == "finally").count(),
        3,
        "finally blocks: {events:?}"
    );
    assert!(
        !log.contains("woke up"),
        "a destroyed task resumed: {events:?}"
    );
    if !fx.caps().multi_thread {
        assert!(
            !log.contains("never started"),
            "an unstarted body ran: {events:?}"
        );
    }
    Outcome::Pass
}

/// Runtime contract: done callbacks of a destroyed task never run (the task never completed on its loop).
pub fn destroyed_tasks_callbacks_never_run<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let doomed = fx.make_runtime();
    let h = doomed.handle();
    let _reports = Reports::install(&h);
    let log = Log::new();
    let l = log.clone();
    let h2 = h.clone();
    let t = h.create_task(async move { h2.sleep(LONG).await });
    t.add_done_callback(move |_: &TaskOf<R, ()>| l.push("callback"));
    run(&doomed, async {});
    drop(doomed);
    assert!(t.cancelled(), "the task ends cancelled");
    assert_eq!(
        fx.runtime().run(async { 1u8 }).ok(),
        Some(1),
        "another loop runs"
    );
    log.expect(&[], "callbacks of the destroyed task");
    Outcome::Pass
}

/// Runtime contract: awaiting a destroyed task from another runtime gives Err(Cancelled) at once.
pub fn awaiting_a_destroyed_task_does_not_hang<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let log = Log::new();
    let (_reports, tasks) = drop_with_pending(fx, &log);
    let out = run(fx.runtime(), async move {
        let mut outs = Vec::new();
        for t in tasks {
            outs.push(t.await.err().map(|e| e.is_cancelled()));
        }
        outs
    });
    assert_eq!(out, [Some(true); 4], "awaiting each destroyed task");
    Outcome::Pass
}

/// §1.14: only pending tasks are reported when a runtime goes away; done ones are not.
pub fn done_tasks_are_not_reported_on_drop<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let doomed = fx.make_runtime();
    let h = doomed.handle();
    let reports = Reports::install(&h);
    let ok = h.create_task(async { 1u8 });
    let h2 = h.clone();
    let gone = h.create_task(async move {
        h2.sleep(LONG).await;
        2u8
    });
    let g = gone.clone();
    run(&doomed, async move {
        let _ = ok.await;
        h.yield_now().await;
        g.cancel();
        let _ = g.await;
    });
    drop(doomed);
    assert!(gone.cancelled(), "the cancelled task");
    assert_eq!(reports.all().len(), 0, "reports: {:?}", reports.all());
    Outcome::Pass
}

/// How a check reads the failed task before dropping its last handle.
#[derive(Clone, Copy, Debug)]
enum Retrieval {
    Nothing,
    Result,
    Exception,
    Await,
    CancelDone,
}

/// Fails a task named `Boom`, reads it as `how` says, drops the handle, and
/// returns what the exception handler received.
fn reports_after<R: Runtime>(
    fx: &Fixture<R>,
    how: Retrieval,
    clones: usize,
) -> Vec<ExceptionContext> {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let r = reports.clone();
    run(fx.runtime(), async move {
        let t = h.create_named_try_task("Boom", async { Err::<u8, _>(ValueError("boom")) });
        let probe = t.clone();
        wait_until(&h, "the task fails", move || probe.done()).await;
        match how {
            Retrieval::Nothing => {}
            Retrieval::Result => drop(t.result()),
            Retrieval::Exception => drop(t.exception()),
            Retrieval::Await => drop(t.join().await),
            Retrieval::CancelDone => assert!(!t.cancel(), "cancel() of the failed task"),
        }
        let extra: Vec<_> = (0..clones).map(|_| t.clone()).collect();
        drop(t);
        for (i, c) in extra.into_iter().enumerate() {
            ticks(&h, 2).await;
            assert_eq!(
                r.all().len(),
                0,
                "reported while {} handle(s) remain",
                clones - i
            );
            drop(c);
        }
        if matches!(how, Retrieval::Nothing) {
            // A backend may release its own last reference a little later.
            wait_until(&h, "the report", || !r.all().is_empty()).await;
        }
        ticks(&h, 3).await;
    });
    run(fx.runtime(), async {});
    reports.all()
}

/// §1.14: the last handle of a failed task nobody read goes away: "Task exception was never retrieved".
pub fn unretrieved_failure_is_reported<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::Nothing, 0);
    assert_eq!(all.len(), 1, "reports: {all:?}");
    let ctx = &all[0];
    assert_eq!(ctx.kind(), ReportKind::NeverRetrieved, "kind");
    assert_eq!(
        ctx.message(),
        "Task exception was never retrieved",
        "message"
    );
    let f = ctx.failure().expect("the report carries the exception");
    assert_eq!(
        f.downcast_ref::<ValueError>(),
        Some(&ValueError("boom")),
        "the exception"
    );
    assert_eq!(
        ctx.task(),
        Some("<Task finished name='Boom' exception=ValueError('boom')>"),
        "the task's repr"
    );
    Outcome::Pass
}

/// §1.14: the report comes once, when the LAST of several handles goes away.
pub fn reported_once_for_the_last_handle<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::Nothing, 2);
    let kinds: Vec<ReportKind> = all.iter().map(ExceptionContext::kind).collect();
    assert_eq!(kinds, [ReportKind::NeverRetrieved], "reports: {all:?}");
    Outcome::Pass
}

/// §1.14: result() counts as retrieval: no report.
pub fn not_reported_after_result<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::Result, 0);
    assert!(all.is_empty(), "reports after result(): {all:?}");
    Outcome::Pass
}

/// §1.14: exception() counts as retrieval: no report.
pub fn not_reported_after_exception<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::Exception, 0);
    assert!(all.is_empty(), "reports after exception(): {all:?}");
    Outcome::Pass
}

/// §1.14: awaiting counts as retrieval: no report.
pub fn not_reported_after_await<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::Await, 0);
    assert!(all.is_empty(), "reports after an await: {all:?}");
    Outcome::Pass
}

/// §1.14 (surprise 2): cancel() of the DONE failed task returns false yet marks the failure retrieved.
pub fn not_reported_after_cancel_of_the_done_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let all = reports_after(fx, Retrieval::CancelDone, 0);
    assert!(
        all.is_empty(),
        "reports after cancel() of the done task: {all:?}"
    );
    Outcome::Pass
}

/// §1.14: only failures are "never retrieved": a cancelled task's last handle going away reports nothing.
pub fn cancelled_tasks_are_not_reported<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_task(async move { h2.sleep(LONG).await });
        h.yield_now().await;
        t.cancel();
        let probe = t.clone();
        wait_until(&h, "the task is cancelled", move || probe.done()).await;
        drop(t);
        ticks(&h, 3).await;
    });
    run(fx.runtime(), async {});
    assert!(reports.all().is_empty(), "reports: {:?}", reports.all());
    Outcome::Pass
}
