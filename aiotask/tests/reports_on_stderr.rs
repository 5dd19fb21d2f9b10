//! Reports on standard error (issue 10, items 2 and 14): the default
//! exception handler writes to standard error, and a standard error that is
//! a closed pipe (`prog 2>&1 | head`) must not break the runtime. Before the
//! fix, `eprintln!` panicked there: native's `run` unwound and lost the rest
//! of a done list, the tokio and smol dispatchers died (every later callback
//! and `call_soon` silently dropped), and dropping a smol runtime aborted.
//!
//! Each test runs this test binary again as a child, in one scenario on one
//! backend flavour, with its standard error either a pipe whose reading end
//! is already closed, or captured and read back. The scenario makes every
//! kind of report through the default handler and checks that the runtime
//! went on: callbacks after a panicking one ran, `call_soon` ran, the next
//! `run` worked, the drop ended every task.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiotask_api::{Runtime, RuntimeHandle, Task as _};

/// The child's scenario and flavour, when this process is a child.
const CHILD: &str = "AIOTASK_REPORTS_CHILD";
/// Set in the child when its standard error is a closed pipe.
const CLOSED: &str = "AIOTASK_REPORTS_STDERR_CLOSED";
/// What a child prints on standard output once its scenario passed.
const PASSED: &str = "scenario passed:";

/// Every kind of report through the default handler, and proof that the
/// runtime went on after each. Returns a summary for the parent.
fn scenario<R: Runtime>(rt: R) -> String {
    let h = rt.handle();
    let ran = Arc::new(AtomicUsize::new(0));
    let (r1, r2, r3) = (ran.clone(), ran.clone(), ran.clone());
    let h2 = h.clone();
    let finished = rt.run(async move {
        // "Task exception was never retrieved": a failed task nobody reads.
        let failing: <R::Handle as RuntimeHandle>::Task<u8> =
            h2.create_try_task(async { Err::<u8, _>(std::io::Error::other("lost")) });
        let keep = failing.clone();
        drop(failing);
        while !keep.done() {
            h2.yield_now().await;
        }
        drop(keep);
        // "Exception in callback", then a callback that must still run.
        let t: <R::Handle as RuntimeHandle>::Task<u8> = h2.create_task(async { 1 });
        t.add_done_callback(|_: &<R::Handle as RuntimeHandle>::Task<u8>| panic!("callback bug"));
        t.add_done_callback(move |_: &<R::Handle as RuntimeHandle>::Task<u8>| {
            r1.fetch_add(1, Ordering::SeqCst);
        });
        let _ = t.join().await;
        h2.call_soon(move || {
            r2.fetch_add(1, Ordering::SeqCst);
        });
        // A report made by the user, through the default handler.
        h2.call_exception_handler(aiotask_api::ExceptionContext::new(
            aiotask_api::ReportKind::Custom,
        ));
        let start = h2.time();
        while r3.load(Ordering::SeqCst) < 2 {
            assert!(
                h2.time() - start < Duration::from_secs(10),
                "the callback and call_soon after the reports ran"
            );
            h2.yield_now().await;
        }
        t
    });
    let done = finished.expect("the main task finished");
    assert_eq!(done.result().ok(), Some(1));
    // The runtime still runs a second time.
    assert_eq!(rt.run(async { 7u8 }).ok(), Some(7), "a second run");
    // "Task was destroyed but it is pending!": a sleeper left at the drop.
    let h3 = h.clone();
    let sleeper: <R::Handle as RuntimeHandle>::Task<()> =
        h.create_task(async move { h3.sleep(Duration::from_secs(3600)).await });
    let _ = rt.run(async {});
    drop(rt);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sleeper.done() {
        assert!(
            Instant::now() < deadline,
            "the sleeper ended after the drop"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(sleeper.cancelled(), "the sleeper ended cancelled");
    // "Event loop is closed": a callback added once the runtime is gone.
    let late = Arc::new(Mutex::new(false));
    let l = late.clone();
    done.add_done_callback(move |_: &<R::Handle as RuntimeHandle>::Task<u8>| {
        *l.lock().unwrap() = true;
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        !*late.lock().unwrap(),
        "a callback of a dropped runtime never runs"
    );
    format!(
        "callbacks and call_soon ran: {}",
        ran.load(Ordering::SeqCst)
    )
}

/// Runs the scenario `flavour` names, in the child.
fn run_flavour(flavour: &str) -> String {
    match flavour {
        "native" => scenario(aiotask_native::Runtime::new()),
        "tokio-current-thread" => scenario(aiotask_tokio::Runtime::current_thread()),
        "tokio-multi-thread" => scenario(aiotask_tokio::Runtime::multi_thread(2)),
        "smol-local" => scenario(aiotask_smol::Runtime::local()),
        "smol-multi-thread" => scenario(aiotask_smol::Runtime::multi_thread(2)),
        other => panic!("unknown flavour {other}"),
    }
}

/// The child's side: with a closed standard error, first wait until
/// writing to it fails (the parent closed its end), then run.
fn child(flavour: &str) {
    if std::env::var_os(CLOSED).is_some() {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::io::stderr().write_all(b".").is_ok() {
            assert!(Instant::now() < deadline, "standard error was never closed");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let summary = run_flavour(flavour);
    println!("{PASSED} {summary}");
}

/// Runs this binary again as the child of `test`, for `flavour`; returns
/// its standard output and (unless closed) standard error.
fn spawn_child(test: &str, flavour: &str, close_stderr: bool) -> (String, String) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, flavour)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if close_stderr {
        cmd.env(CLOSED, "1");
    }
    let mut child = cmd.spawn().expect("the child starts");
    let mut stderr = child.stderr.take().expect("a pipe");
    let mut err = String::new();
    if close_stderr {
        drop(stderr); // the child's writes now fail with EPIPE
    } else {
        stderr.read_to_string(&mut err).expect("the child's stderr");
    }
    let out = child.wait_with_output().expect("the child ends");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.contains(PASSED),
        "the child ({flavour}, stderr {}) failed: {}\nstdout:\n{stdout}\nstderr:\n{err}",
        if close_stderr { "closed" } else { "captured" },
        out.status,
    );
    (stdout, err)
}

fn closed(test: &str, flavour: &str) {
    if let Ok(f) = std::env::var(CHILD) {
        return child(&f);
    }
    spawn_child(test, flavour, true);
}

fn captured(test: &str, flavour: &str) {
    if let Ok(f) = std::env::var(CHILD) {
        return child(&f);
    }
    let (_, err) = spawn_child(test, flavour, false);
    for report in [
        "Task exception was never retrieved",
        "Exception in callback",
        "Unhandled error",
        "Task was destroyed but it is pending!",
        "Event loop is closed",
    ] {
        assert!(
            err.contains(report),
            "{flavour}: `{report}` on stderr:\n{err}"
        );
    }
}

macro_rules! flavour_tests {
    ($($closed:ident, $captured:ident, $flavour:literal;)*) => {$(
        /// The runtime goes on when standard error is a closed pipe.
        #[test]
        fn $closed() {
            closed(stringify!($closed), $flavour);
        }

        /// Every report reaches standard error through the default handler.
        #[test]
        fn $captured() {
            captured(stringify!($captured), $flavour);
        }
    )*};
}

flavour_tests! {
    native_goes_on_with_a_closed_stderr, native_reports_reach_stderr, "native";
    tokio_current_thread_goes_on_with_a_closed_stderr, tokio_current_thread_reports_reach_stderr, "tokio-current-thread";
    tokio_multi_thread_goes_on_with_a_closed_stderr, tokio_multi_thread_reports_reach_stderr, "tokio-multi-thread";
    smol_local_goes_on_with_a_closed_stderr, smol_local_reports_reach_stderr, "smol-local";
    smol_multi_thread_goes_on_with_a_closed_stderr, smol_multi_thread_reports_reach_stderr, "smol-multi-thread";
}
