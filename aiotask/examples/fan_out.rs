//! A fan-out of 50 jobs, each with a time limit, whose values are not
//! `Clone`: a `TcpStream`, an `io::Result<usize>`. A job over its limit is
//! cancelled with the reason "timeout"; the main task moves every value
//! out with `.await` and counts the outcomes.
//!
//! `cargo run -p aiotask --features tokio --example fan_out`. Every
//! connection goes to a server on 127.0.0.1 that the program runs itself.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{BoxError, Task, TaskError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const JOBS: usize = 50;
const LIMIT: Duration = Duration::from_millis(500);

/// asyncio's `wait_for`, by hand: waits for `job` at most `limit`, then
/// cancels it with the reason "timeout" and waits for it to end.
async fn wait_for<T: Send + 'static>(job: Task<T>, limit: Duration) -> Result<T, TaskError> {
    let handle = job.clone();
    let mut outcome = job.into_future();
    tokio::select! {
        out = &mut outcome => out,
        () = aiotask::sleep(limit) => {
            handle.cancel_with("timeout");
            outcome.await
        }
    }
}

/// A job under its limit: the job's task and the one that waits for it.
fn limited<T: Send + 'static>(job: Task<T>) -> Task<Result<T, TaskError>> {
    aiotask::spawn(wait_for(job, LIMIT))
}

/// A request job: sends `what`, reads the whole answer. Its value is an
/// `io::Result`: an I/O error is an outcome, not a failure of the task.
async fn fetch(addr: SocketAddr, what: &'static str) -> io::Result<usize> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("{what}\n").as_bytes()).await?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer).await? {
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        n => Ok(n),
    }
}

/// The server's side of one connection: "fast" is answered with 64 bytes,
/// "slow" never (it waits for the client to hang up), anything else with
/// a hang-up.
async fn answer(stream: TcpStream) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut request = String::new();
    stream.read_line(&mut request).await?;
    match request.trim_end() {
        "fast" => stream.write_all(&[b'x'; 64]).await?,
        "slow" => while stream.read_line(&mut request).await? > 0 {},
        _ => {}
    }
    Ok(())
}

/// Serves until cancelled; then cancels its connections with the same
/// reason, waits for them, and re-raises.
async fn server(listener: TcpListener) -> io::Result<()> {
    let mut conns = Vec::new();
    loop {
        match listener.accept().catch_cancel().await {
            Ok(accepted) => conns.push(aiotask::spawn_try(answer(accepted?.0))),
            Err(cancelled) => {
                for conn in &conns {
                    conn.cancel_with(cancelled.message().unwrap_or("cancelled"));
                }
                for conn in conns {
                    let _ = conn.await;
                }
                return Err(cancelled.into());
            }
        }
    }
}

/// How a job ended.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Succeeded,
    Failed,
    TimedOut,
}

/// The class and a label of a job that gave no value.
fn class_of(e: &TaskError) -> (Class, String) {
    match (e.cancelled(), e.downcast_ref::<io::Error>()) {
        (Some(c), _) if c.message() == Some("timeout") => {
            (Class::TimedOut, "task cancelled: timeout".into())
        }
        (None, Some(io)) => (Class::Failed, format!("task failed: {:?}", io.kind())),
        _ => (Class::Failed, e.to_string()),
    }
}

async fn fan_out() -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // A port nothing listens on: bound, then closed at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let server = aiotask::spawn_named_try("server", server(listener));

    let (mut connects, mut fetches) = (Vec::new(), Vec::new());
    for i in 0..JOBS {
        match i % 5 {
            0 => connects.push(limited(aiotask::spawn_try(TcpStream::connect(addr)))),
            1 => connects.push(limited(aiotask::spawn_try(TcpStream::connect(closed)))),
            2 => fetches.push(limited(aiotask::spawn(fetch(addr, "fast")))),
            3 => fetches.push(limited(aiotask::spawn(fetch(addr, "empty")))),
            _ => fetches.push(limited(aiotask::spawn(fetch(addr, "slow")))),
        }
    }
    println!("{JOBS} jobs started, {} ms limit each", LIMIT.as_millis());

    let mut tally: BTreeMap<(Class, String), usize> = BTreeMap::new();
    let mut streams = Vec::new();
    for job in connects {
        let key = match job.await? {
            Ok(stream) => {
                streams.push(stream);
                (Class::Succeeded, "TcpStream".into())
            }
            Err(e) => class_of(&e),
        };
        *tally.entry(key).or_default() += 1;
    }
    for job in fetches {
        let key = match job.await? {
            Ok(Ok(n)) => (Class::Succeeded, format!("io::Result Ok({n})")),
            Ok(Err(e)) => (Class::Failed, format!("io::Result Err({:?})", e.kind())),
            Err(e) => class_of(&e),
        };
        *tally.entry(key).or_default() += 1;
    }
    for ((class, label), n) in &tally {
        println!("{class:?}: {n} x {label}");
    }
    let to_server = streams
        .iter()
        .filter(|s| s.peer_addr().ok() == Some(addr))
        .count();
    println!("{to_server} streams moved out, connected to the server");
    drop(streams);
    let total = |c: Class| -> usize {
        tally
            .iter()
            .filter(|((k, _), _)| *k == c)
            .map(|(_, n)| n)
            .sum()
    };
    let (ok, failed, timed_out) = (
        total(Class::Succeeded),
        total(Class::Failed),
        total(Class::TimedOut),
    );
    println!("{ok} succeeded, {failed} failed, {timed_out} timed out");

    server.cancel_with("done");
    match server.await {
        Err(e) => println!("server: {e}"),
        Ok(()) => println!("server: finished"),
    }
    Ok(())
}

fn main() {
    // Bounded: whatever goes wrong, the program ends within 20 s.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(20));
        eprintln!("fan_out: still running after 20 s, giving up");
        std::process::exit(2);
    });
    let rt = aiotask::Runtime::from(aiotask::tokio::Runtime::multi_thread(2));
    if let Err(e) = rt.run(fan_out()).expect("the main task") {
        eprintln!("fan_out: {e}");
        std::process::exit(1);
    }
}
