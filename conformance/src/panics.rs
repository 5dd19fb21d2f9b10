//! A panic in a task body is that task's exception (spec §1.4 "RAISE(e)",
//! §1.13): it fails the task and nothing else. Panics in callbacks are
//! reported (§1.15).

use aiotask_api::{Failure, ReportKind, Runtime, RuntimeHandle, Task};
use aiotask_core::CatchCancelExt;

use crate::support::{LONG, Log, Reports, TaskOf, expect_failed, run, ticks, wait_until};
use crate::{Fixture, Outcome};

/// §1.4: a panicking body fails its task with a panic failure carrying the message.
pub fn panicking_body_fails_the_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, u8> = h.create_task(async move {
            h2.yield_now().await;
            panic!("boom")
        });
        let _ = t.join().await;
        t
    });
    assert!(t.done() && !t.cancelled(), "done, not cancelled");
    let f = expect_failed(t.result(), "result()");
    assert!(f.is_panic(), "is_panic()");
    assert_eq!(f.panic_message(), Some("boom"), "panic_message()");
    let via_exception = t
        .exception()
        .ok()
        .flatten()
        .expect("exception() returns the failure");
    assert!(
        Failure::ptr_eq(&f, &via_exception),
        "exception() is the same failure"
    );
    Outcome::Pass
}

/// §1.4: a formatted panic message is kept as text.
pub fn formatted_panic_message<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let code = 7;
        let t: TaskOf<R, u8> = h.create_task(async move { panic!("code {code}") });
        let _ = t.join().await;
        t
    });
    let f = expect_failed(t.result(), "result()");
    assert_eq!(f.panic_message(), Some("code 7"), "panic_message()");
    assert_eq!(
        f.to_string(),
        "task panicked: code 7",
        "Display of the failure"
    );
    Outcome::Pass
}

/// §1.4: a panic with a non-string payload still fails the task; the payload can be taken back once.
pub fn non_string_panic_payload<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = run(fx.runtime(), async move {
        let t: TaskOf<R, u8> = h.create_task(async { std::panic::panic_any(42u16) });
        let _ = t.join().await;
        t
    });
    let f = expect_failed(t.result(), "result()");
    assert!(f.is_panic(), "is_panic()");
    assert_eq!(f.panic_message(), None, "no text for a non-string payload");
    let payload = f.take_panic_payload().expect("the payload");
    assert_eq!(
        payload.downcast_ref::<u16>(),
        Some(&42),
        "the payload's value"
    );
    assert!(
        f.take_panic_payload().is_none(),
        "the payload is taken once"
    );
    Outcome::Pass
}

/// §1.4: a panic is contained to its task: siblings and the awaiter go on.
pub fn panic_is_contained_to_its_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let out = run(fx.runtime(), async move {
        let h2 = h.clone();
        let sibling = h.create_task(async move {
            for i in 0..3 {
                l.push(format!("sibling {i}"));
                h2.yield_now().await;
            }
            "sibling done"
        });
        let bad: TaskOf<R, u8> = h.create_task(async { panic!("contained") });
        let failed = bad.await.is_err();
        (failed, sibling.await.ok())
    });
    assert_eq!(
        out,
        (true, Some("sibling done")),
        "(panicked task failed, sibling's value)"
    );
    log.expect(
        &["sibling 0", "sibling 1", "sibling 2"],
        "the sibling's events",
    );
    Outcome::Pass
}

/// §1.18: the awaiter of a panicked task receives the same panic failure; it does not unwind.
pub fn awaiter_receives_the_panic<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (awaited, t) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, u8> = h.create_task(async move {
            h2.yield_now().await;
            panic!("boom")
        });
        let awaited = expect_failed(t.join().await, "the await");
        (awaited, t)
    });
    assert!(awaited.is_panic(), "the awaiter got a panic failure");
    let stored = expect_failed(t.result(), "result()");
    assert!(
        Failure::ptr_eq(&awaited, &stored),
        "the await and result() differ"
    );
    Outcome::Pass
}

/// §1.3: a panicking main task is returned by `run` as a failure; the runtime stays usable.
pub fn panicking_main_is_returned_by_run<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let out: Result<u8, _> = fx.runtime().run(async { panic!("main boom") });
    let f = expect_failed(out, "run() of a panicking main task");
    assert_eq!(f.panic_message(), Some("main boom"), "panic_message()");
    assert_eq!(
        fx.runtime().run(async { 1u8 }).ok(),
        Some(1),
        "the next run"
    );
    Outcome::Pass
}

/// §1.10: a panic while handling a cancellation fails the task; it is not cancelled.
pub fn panic_after_catching_a_cancel_fails_the_task<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let log = Log::new();
    let l = log.clone();
    let t = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t: TaskOf<R, u8> = h.create_task(async move {
            l.push("sleeping");
            if h2.sleep(LONG).catch_cancel().await.is_err() {
                panic!("during cleanup");
            }
            0
        });
        wait_until(&h, "the task sleeps", || log.contains("sleeping")).await;
        t.cancel();
        let _ = t.join().await;
        t
    });
    assert!(!t.cancelled(), "the panic wins over the cancellation");
    let f = expect_failed(t.result(), "result()");
    assert_eq!(f.panic_message(), Some("during cleanup"), "panic_message()");
    assert_eq!(t.cancelling(), 1, "cancelling()");
    Outcome::Pass
}

/// §1.15: a panicking callback is reported and the loop keeps running tasks afterwards.
pub fn panicking_callback_does_not_stop_the_loop<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let later = run(fx.runtime(), async move {
        let t = h.create_task(async { 1u8 });
        t.add_done_callback(|_: &TaskOf<R, u8>| panic!("cb {}", 2));
        let _ = t.await;
        ticks(&h, 3).await;
        let next = h.create_task(async { "still running" });
        next.await.ok()
    });
    assert_eq!(
        later,
        Some("still running"),
        "a task after the panicking callback"
    );
    let all = reports.all();
    assert_eq!(
        reports.kinds(),
        [ReportKind::CallbackPanicked],
        "reports: {all:?}"
    );
    let msg = all[0]
        .failure()
        .and_then(|f| f.panic_message().map(str::to_owned));
    assert_eq!(msg.as_deref(), Some("cb 2"), "the reported panic");
    Outcome::Pass
}

/// §1.14: a panic nobody retrieved is reported when the last handle goes away.
pub fn unretrieved_panic_is_reported<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let reports = Reports::install(&h);
    let r = reports.clone();
    run(fx.runtime(), async move {
        let t: TaskOf<R, u8> = h.create_task(async { panic!("lost") });
        let probe = t.clone();
        wait_until(&h, "the task fails", move || probe.done()).await;
        drop(t);
        wait_until(&h, "the report", move || {
            r.count(ReportKind::NeverRetrieved) == 1
        })
        .await;
    });
    let all = reports.all();
    assert_eq!(
        reports.kinds(),
        [ReportKind::NeverRetrieved],
        "reports: {all:?}"
    );
    let f = all[0].failure().expect("the report carries the failure");
    assert!(
        f.is_panic() && f.panic_message() == Some("lost"),
        "the reported failure: {f:?}"
    );
    Outcome::Pass
}
