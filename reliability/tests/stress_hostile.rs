//! The hostile stress scenario (issue 10) on every backend and flavour:
//! native; tokio current-thread and multi-thread(4); smol local and
//! multi-thread(4). See `aiotask_reliability::stress::hostile`.
//!
//! `cargo test --release -p aiotask-reliability --test stress_hostile -- --nocapture`
//! prints the figures; `AIOTASK_HOSTILE_TASKS` (default 100,000 in
//! release, 10,000 in debug), `AIOTASK_HOSTILE_PENDING` (default 2,000)
//! and `AIOTASK_STRESS_SEED` change the run.
//!
//! The test runs the flavours in a child process of this same binary,
//! whose standard error it reads: the handler panics on purpose, and aiotask
//! then writes an `Unhandled error in exception handler` report to standard
//! error. The parent checks there is exactly one per panicking handler call
//! and nothing else (a report that reached the default handler, say after
//! the runtime dropped its handler too early, or a panic message that is
//! not the scenario's), and keeps the log readable.
#![forbid(unsafe_code)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aiotask_reliability::stress::{self, hostile};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Set in the child process.
const CHILD: &str = "AIOTASK_HOSTILE_CHILD";
/// The line the child ends with: the handler panics of the whole process.
const PANICS_LINE: &str = "aiotask-hostile handler panics in this process: ";
/// What aiotask writes for a panicking handler.
const FALLBACK: &str = "Unhandled error in exception handler";
/// The lines of one written report, after its first.
const REPORT_LINES: [&str; 5] = ["context: ", "task: ", "future: ", "handle: ", "exception: "];

#[test]
fn hostile_all_flavours() {
    if std::env::var_os(CHILD).is_some() {
        return all_flavours();
    }
    let limit = Duration::from_secs(
        std::env::var("AIOTASK_HOSTILE_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3_600),
    );
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([
            "hostile_all_flavours",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child process starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            lines.push(line);
        }
        lines
    });
    let err = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = out.join().expect("the stdout reader");
    let err = err.join().expect("the stderr reader");
    let fallbacks = err.iter().filter(|l| *l == FALLBACK).count() as u64;
    let unexpected: Vec<&String> = err
        .iter()
        .filter(|l| *l != FALLBACK && !REPORT_LINES.iter().any(|p| l.starts_with(p)))
        .collect();
    let panics: Option<u64> = out
        .iter()
        .find_map(|l| l.strip_prefix(PANICS_LINE))
        .and_then(|n| n.trim().parse().ok());
    println!(
        "standard error of the child: {} lines, {fallbacks} \"{FALLBACK}\" reports (handler panics: {panics:?}), \
         {} other lines",
        err.len(),
        unexpected.len()
    );
    for line in unexpected.iter().take(60) {
        println!("  stderr: {line}");
    }
    let Some(status) = status else {
        panic!("the hostile run did not end within {limit:?} (killed)");
    };
    assert!(status.success(), "the hostile run failed: {status}");
    assert_eq!(
        panics,
        Some(fallbacks),
        "one \"{FALLBACK}\" report per panicking handler call"
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected lines on standard error",
        unexpected.len()
    );
}

/// The child: every flavour in turn, then the assertions.
fn all_flavours() {
    assert!(
        stress::heap_counting_active(),
        "the counting allocator is installed"
    );
    let config = hostile::config_from_env();
    let reports = [
        hostile::check_flavour("native", aiotask_native::Runtime::new, &config),
        hostile::check_flavour(
            "tokio current_thread",
            aiotask_tokio::Runtime::current_thread,
            &config,
        ),
        hostile::check_flavour(
            "tokio multi_thread(4)",
            || aiotask_tokio::Runtime::multi_thread(4),
            &config,
        ),
        hostile::check_flavour("smol local", aiotask_smol::Runtime::local, &config),
        hostile::check_flavour(
            "smol multi_thread(4)",
            || aiotask_smol::Runtime::multi_thread(4),
            &config,
        ),
    ];
    for r in &reports {
        println!("{r}");
        if let Some(failure) = &r.failure {
            println!("{}: FAILURE: {failure}", r.flavour);
        }
    }
    println!("{PANICS_LINE}{}", hostile::handler_panics_in_process());
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| std::panic::catch_unwind(|| r.assert_complete_without_leaks(&config)).is_err())
        .map(|r| r.flavour)
        .collect();
    assert!(failed.is_empty(), "failed flavours: {failed:?}");
}
