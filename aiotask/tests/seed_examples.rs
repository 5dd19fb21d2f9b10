//! The seed programs of `tests/python-reference/` (each Python program beside
//! the transcript CPython 3.13 printed for it), in Rust, print exactly what
//! CPython prints.
//!
//! `cargo test` builds the examples beside the test binaries; each test runs
//! one and compares its standard output with the `.out` transcript.

use std::path::{Path, PathBuf};

#[path = "support/examples.rs"]
mod examples;

/// The transcripts live in this package (`tests/python-reference/`), so a
/// clean clone and the published crate both carry them.
fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python-reference")
}

fn check(stem: &str) {
    let out = examples::run(stem, "cargo build -p aiotask --examples");
    // CPython's programs log nothing: neither do these (no task left
    // pending, no failure unretrieved).
    assert!(
        out.stderr.is_empty(),
        "{stem} wrote to standard error:\n{}",
        out.stderr
    );
    let got = out.stdout;
    let want =
        std::fs::read_to_string(reference_dir().join(format!("{stem}.out"))).expect("transcript");
    assert_eq!(
        got, want,
        "{stem}: output differs from CPython's transcript"
    );
}

#[test]
fn example_01_cancel_me() {
    check("01_cancel_me");
}

#[test]
fn example_02_done() {
    check("02_done");
}

#[test]
fn example_03_result() {
    check("03_result");
}

#[test]
fn example_04_run_until_complete() {
    check("04_run_until_complete");
}

#[test]
fn example_05_done_callback() {
    check("05_done_callback");
}

#[test]
fn example_06_lifecycle_tour() {
    check("06_lifecycle_tour");
}
