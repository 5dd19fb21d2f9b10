//! The `log` feature (issue 11 item 4): with a logger that takes `error`
//! records of target `aiotask`, a report is such a record, naming the task.

use std::sync::Mutex;

static RECORDS: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Keep;

impl log::Log for Keep {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Error
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

#[test]
fn a_report_is_an_error_record_naming_the_task() {
    log::set_logger(&Keep).unwrap();
    log::set_max_level(log::LevelFilter::Error);
    let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
    rt.run(async {
        let t = aiotask::spawn_named("cb-owner", async {});
        t.add_done_callback(|_| panic!("callback bug"));
        aiotask::yield_now().await;
        aiotask::yield_now().await;
    })
    .unwrap();
    let records = RECORDS.lock().unwrap().clone();
    assert_eq!(records.len(), 1, "one record: {records:?}");
    let (level, target, text) = &records[0];
    assert_eq!((*level, target.as_str()), (log::Level::Error, "aiotask"));
    assert!(
        text.starts_with("Exception in callback"),
        "the message: {text}"
    );
    assert!(text.contains("task.name=cb-owner"), "the name: {text}");
    assert!(text.contains("callback bug"), "the failure: {text}");
}
