//! The `tracing` feature (issue 11 item 4): with a subscriber installed, a
//! report is an `ERROR` event of target `aiotask` carrying the task's name
//! and repr, and whatever a task logs is inside a span named after it.
//! Without a subscriber, reports still reach standard error
//! (tests/reports_on_stderr.rs runs with every feature on).

use std::io::Write;
use std::sync::{Arc, Mutex};

use aiotask::prelude::*;

/// A writer that keeps what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn subscriber(out: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let out = out.clone();
    tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish()
}

#[test]
fn a_report_is_an_error_event_with_the_task_name_and_repr() {
    let out = Captured::default();
    tracing::subscriber::with_default(subscriber(&out), || {
        let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
        let h = rt.handle();
        rt.run(async move {
            let failing = h.create_named_try_task("loader", async {
                Err::<(), _>(std::io::Error::other("disk gone"))
            });
            failing.detach(); // never retrieved: reported once it is done and gone
            aiotask::yield_now().await;
            aiotask::yield_now().await;
        })
        .unwrap();
    });
    let text = out.text();
    assert!(text.contains("ERROR"), "an ERROR event: {text}");
    assert!(text.contains("aiotask"), "target aiotask: {text}");
    assert!(
        text.contains("Task exception was never retrieved"),
        "the message: {text}"
    );
    assert!(text.contains("task.name=\"loader\""), "the name: {text}");
    assert!(
        text.contains("task.repr=\"<Task finished name='loader'"),
        "the repr: {text}"
    );
    assert!(
        text.contains("exception=\"disk gone\""),
        "the failure: {text}"
    );
}

#[test]
fn a_task_logs_inside_a_span_named_after_it() {
    let out = Captured::default();
    tracing::subscriber::with_default(subscriber(&out), || {
        let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
        rt.run(async {
            let worker = aiotask::spawn_named("conn-7", async {
                tracing::info!("serving");
                aiotask::yield_now().await;
                tracing::info!("still serving");
            });
            worker.await.unwrap();
        })
        .unwrap();
    });
    let text = out.text();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("serving")).collect();
    assert_eq!(lines.len(), 2, "both events: {text}");
    for line in lines {
        assert!(
            line.contains("task{task.name=conn-7 task.id="),
            "inside the task's span: {line}"
        );
    }
}

/// A subscriber that panics whenever aiotask calls it.
struct Panicking;

impl tracing::Subscriber for Panicking {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        panic!("subscriber bug: new_span")
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        panic!("subscriber bug: event")
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Reporting never unwinds, and a step never fails because of the
/// subscriber: a panicking one is contained, the task runs, the report goes
/// to standard error instead.
#[test]
fn a_panicking_subscriber_is_contained() {
    let outcome = tracing::subscriber::with_default(Panicking, || {
        let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
        rt.run(async {
            let failing = aiotask::spawn_named_try("loader", async {
                Err::<(), _>(std::io::Error::other("disk gone"))
            });
            failing.detach(); // reported when done and gone: through the panicking subscriber
            let fine = aiotask::spawn_named("fine", async { 7 });
            aiotask::yield_now().await;
            fine.await.unwrap()
        })
    });
    assert_eq!(outcome.unwrap(), 7);
}
