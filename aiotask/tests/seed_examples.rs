//! The seed programs of `tests/python-reference/` (each Python program beside
//! the transcript CPython 3.13 printed for it), in Rust, print exactly what
//! CPython prints.
//!
//! `cargo test` builds the examples beside the test binaries; each test runs
//! one and compares its standard output with the `.out` transcript.

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/examples
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("examples"))
        .expect("target directory layout")
}

/// The transcripts live in this package (`tests/python-reference/`), so a
/// clean clone and the published crate both carry them.
fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python-reference")
}

fn check(stem: &str) {
    let exe = examples_dir().join(format!("{stem}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        exe.exists(),
        "{} is missing: run through `cargo test`, which builds the examples",
        exe.display()
    );
    let out = Command::new(&exe).output().expect("example runs");
    assert!(
        out.status.success(),
        "{stem} exited with {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).expect("utf-8 output");
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
