//! The job examples (`examples/echo_server.rs`, `examples/fan_out.rs`) run
//! and print exactly their transcripts, with nothing on standard error: no
//! task left pending at exit, no failure left unretrieved.
//!
//! `cargo test` builds the examples beside the test binaries; a run of
//! this test alone (`--test job_examples`) needs them built first:
//! `cargo build -p aiotask --features tokio --examples`.

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

fn check(stem: &str, want: &str) {
    let exe = examples_dir().join(format!("{stem}{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{stem}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        exe.exists() && modified(&exe) >= modified(&source),
        "{} is missing or older than its source: run through `cargo test`, which builds \
         the examples, or `cargo build -p aiotask --features tokio --examples` first",
        exe.display()
    );
    let out = Command::new(&exe).output().expect("example runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{stem} exited with {}: {stderr}",
        out.status
    );
    assert!(
        stderr.is_empty(),
        "{stem} wrote to standard error:\n{stderr}"
    );
    let got = String::from_utf8(out.stdout).expect("utf-8 output");
    let got: Vec<&str> = got.lines().collect();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(got, want, "{stem}: output differs from its transcript");
}

#[test]
fn echo_server() {
    check(
        "echo_server",
        "\
client-1: 3 echoes checked, hangs up
[conn-1] finished
conn-1 echoed 3 lines, 20 bytes
client-2: sends a line that is not UTF-8
[conn-2] failed: invalid utf-8 sequence of 1 bytes from index 0
client-3, client-4: 2 echoes checked each, stay connected
shutting down: the acceptor and 2 live connections
client-3 reads \"bye: shutting down\" and hangs up
client-4 reads \"bye: shutting down\" and stays connected
[conn-3] task cancelled: shutting down
grace period over: aborting conn-4
[conn-4] task cancelled: grace period over
acceptor: task cancelled: shutting down
4 connections: 1 finished, 1 failed, 2 cancelled
",
    );
}

#[test]
fn fan_out() {
    check(
        "fan_out",
        "\
50 jobs started, 500 ms limit each
Succeeded: 10 x TcpStream
Succeeded: 10 x io::Result Ok(64)
Failed: 10 x io::Result Err(UnexpectedEof)
Failed: 10 x task failed: ConnectionRefused
TimedOut: 10 x task cancelled: timeout
10 streams moved out, connected to the server
20 succeeded, 20 failed, 10 timed out
server: task cancelled: done
",
    );
}
