//! A TCP echo server on the loopback interface, with its own clients: one
//! named task per connection, a done callback logging how each one ended,
//! and a graceful shutdown with a reason, followed by `abort()` for any
//! connection still open after a grace period.
//!
//! `cargo run -p aiotask --features tokio --example echo_server`. It
//! listens on 127.0.0.1 only, runs four clients and stops by itself.

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{BoxError, Task, TaskError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const REASON: &str = "shutting down";
const GRACE: Duration = Duration::from_millis(300);

/// What a connection's task returns: not `Clone`, moved out by `.await`.
struct ConnStats {
    lines: usize,
    bytes: usize,
}

/// One connection: echoes lines until the client hangs up. A cancel is
/// caught at whichever await of the echo loop it reaches; the client is
/// told goodbye, and the cancel is re-raised.
async fn serve(stream: TcpStream) -> io::Result<ConnStats> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut stats = ConnStats { lines: 0, bytes: 0 };
    let echoed = async {
        while let Some(line) = lines.next_line().await? {
            writer.write_all(format!("{line}\n").as_bytes()).await?;
            stats.lines += 1;
            stats.bytes += line.len() + 1;
        }
        io::Result::Ok(())
    }
    .catch_cancel()
    .await;
    match echoed {
        Ok(result) => result.map(|()| stats),
        Err(cancelled) => {
            let bye = format!("bye: {}\n", cancelled.message().unwrap_or("cancelled"));
            writer.write_all(bye.as_bytes()).await?;
            // Let the client hang up first; one that never does is aborted.
            while lines.next_line().await?.is_some() {}
            Err(cancelled)?
        }
    }
}

/// Accepts connections for ever, each served by a task named `conn-<n>`,
/// whose handle goes to `conns`.
async fn accept_loop(
    listener: TcpListener,
    conns: mpsc::UnboundedSender<Task<ConnStats>>,
) -> io::Result<()> {
    for n in 1.. {
        let (stream, _) = listener.accept().await?;
        let conn = aiotask::spawn_named_try(&format!("conn-{n}"), serve(stream));
        conn.add_done_callback(|conn| match conn.exception() {
            Ok(None) => println!("[{}] finished", conn.name()),
            Ok(Some(failure)) => println!("[{}] failed: {failure}", conn.name()),
            Err(e) => println!("[{}] {e}", conn.name()),
        });
        let _ = conns.send(conn);
    }
    Ok(())
}

/// A client: sends each message as a line, checks its echo, and returns
/// the connection, still open.
async fn client(
    addr: SocketAddr,
    messages: &'static [&'static str],
) -> io::Result<BufReader<TcpStream>> {
    let mut conn = BufReader::new(TcpStream::connect(addr).await?);
    for message in messages {
        conn.write_all(format!("{message}\n").as_bytes()).await?;
        let mut echo = String::new();
        conn.read_line(&mut echo).await?;
        if echo.trim_end() != *message {
            return Err(io::Error::other(format!(
                "echo of {message:?} was {echo:?}"
            )));
        }
    }
    Ok(conn)
}

/// Waits for `conn` until `deadline` on the loop's clock, then aborts it:
/// the second phase of the shutdown.
async fn wait_or_abort(conn: Task<ConnStats>, deadline: Duration) -> Result<ConnStats, TaskError> {
    let h = aiotask::Handle::current();
    let handle = conn.clone();
    let mut outcome = conn.into_future();
    tokio::select! {
        out = &mut outcome => out,
        () = h.sleep(deadline.saturating_sub(h.time())) => {
            println!("grace period over: aborting {}", handle.name());
            handle.abort_with("grace period over");
            outcome.await
        }
    }
}

async fn read_line(conn: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    Ok(line.trim_end().to_owned())
}

async fn server_and_clients() -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (conns, mut accepted) = mpsc::unbounded_channel();
    let acceptor = aiotask::spawn_named_try("acceptor", accept_loop(listener, conns));
    let mut outcomes = Vec::new();

    let one =
        aiotask::spawn_named_try("client-1", client(addr, &["hello", "asyncio", "tasks"])).await?;
    let conn = accepted.recv().await.ok_or("acceptor gone")?;
    println!("client-1: 3 echoes checked, hangs up");
    drop(one);
    let outcome = conn.await;
    if let Ok(stats) = &outcome {
        println!("conn-1 echoed {} lines, {} bytes", stats.lines, stats.bytes);
    }
    outcomes.push(outcome);

    let mut rude = TcpStream::connect(addr).await?;
    println!("client-2: sends a line that is not UTF-8");
    rude.write_all(b"\xff\xfe\n").await?;
    outcomes.push(accepted.recv().await.ok_or("acceptor gone")?.await);
    drop(rude);

    let mut polite = aiotask::spawn_named_try("client-3", client(addr, &["ping", "pong"])).await?;
    let mut stubborn =
        aiotask::spawn_named_try("client-4", client(addr, &["still", "here"])).await?;
    let live = [
        accepted.recv().await.ok_or("acceptor gone")?,
        accepted.recv().await.ok_or("acceptor gone")?,
    ];
    println!("client-3, client-4: 2 echoes checked each, stay connected");

    println!(
        "shutting down: the acceptor and {} live connections",
        live.len()
    );
    let deadline = aiotask::Handle::current().time() + GRACE;
    acceptor.cancel_with(REASON);
    for conn in &live {
        conn.cancel_with(REASON);
    }
    let (bye3, bye4) = (
        read_line(&mut polite).await?,
        read_line(&mut stubborn).await?,
    );
    println!("client-3 reads {bye3:?} and hangs up");
    println!("client-4 reads {bye4:?} and stays connected");
    drop(polite);
    for conn in live {
        outcomes.push(wait_or_abort(conn, deadline).await);
    }
    drop(stubborn);
    match acceptor.await {
        Err(e) => println!("acceptor: {e}"),
        Ok(()) => println!("acceptor: finished"),
    }

    let finished = outcomes.iter().filter(|o| o.is_ok()).count();
    let cancelled = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(TaskError::is_cancelled))
        .count();
    let failed = outcomes.len() - finished - cancelled;
    println!(
        "{} connections: {finished} finished, {failed} failed, {cancelled} cancelled",
        outcomes.len()
    );
    Ok(())
}

fn main() {
    // Bounded: whatever goes wrong, the program ends within 20 s.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(20));
        eprintln!("echo_server: still running after 20 s, giving up");
        std::process::exit(2);
    });
    let rt = aiotask::Runtime::from(aiotask::tokio::Runtime::multi_thread(2));
    if let Err(e) = rt.run(server_and_clients()).expect("the main task") {
        eprintln!("echo_server: {e}");
        std::process::exit(1);
    }
}
