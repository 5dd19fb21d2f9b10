//! The job examples (`examples/echo_server.rs`, `examples/fan_out.rs`) run
//! and print exactly their transcripts, with nothing on standard error: no
//! task left pending at exit, no failure left unretrieved.
//!
//! `cargo test` builds the examples beside the test binaries; a run of
//! this test alone (`--test job_examples`) needs them built first:
//! `cargo build -p aiotask --features tokio --examples`.

#[path = "support/examples.rs"]
mod examples;

fn check(stem: &str, want: &str) {
    let out = examples::run(stem, "cargo build -p aiotask --features tokio --examples");
    assert!(
        out.stderr.is_empty(),
        "{stem} wrote to standard error:\n{}",
        out.stderr
    );
    let got: Vec<&str> = out.stdout.lines().collect();
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
