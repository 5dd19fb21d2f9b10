//! Creating tasks and sleeping on the running loop, without a [`Handle`]
//! in hand: `aiotask::spawn` is tokio's `tokio::spawn` and asyncio's
//! `asyncio.create_task`. Each works inside any task, done callback or
//! `call_soon` job of any backend, and panics elsewhere, saying how to fix
//! it; [`Handle::try_current`] is the form that does not panic.

use std::future::IntoFuture;
use std::time::Duration;

use aiotask_api::{BoxError, RuntimeHandle as _};
use aiotask_core::Task;

use crate::Handle;

/// Creates a task on the running loop (asyncio's `create_task`, tokio's
/// `spawn`): its value is the body's output, of any `Send` type. The body
/// is anything `IntoFuture`: an `async` block, or another task's handle.
///
/// # Panics
///
/// Outside every task and callback: there is no running loop (see
/// [`Handle::current`]).
///
/// ```
/// let rt = aiotask::Runtime::new();
/// let out = rt.run(async {
///     let child = aiotask::spawn(async { "from the child" });
///     assert!(!child.done()); // it starts at a later tick, never inside spawn
///     child.await.unwrap()
/// });
/// assert_eq!(out.unwrap(), "from the child");
/// ```
#[track_caller]
pub fn spawn<F>(body: F) -> Task<F::Output>
where
    F: IntoFuture,
    F::IntoFuture: Send + 'static,
    F::Output: Send + 'static,
{
    Handle::current().create_task(body)
}

/// [`spawn`] under asyncio's name.
///
/// # Panics
///
/// As [`spawn`].
///
/// ```
/// let rt = aiotask::Runtime::new();
/// assert_eq!(rt.run(async { aiotask::create_task(async { 1 }).await }).unwrap().unwrap(), 1);
/// ```
#[track_caller]
pub fn create_task<F>(body: F) -> Task<F::Output>
where
    F: IntoFuture,
    F::IntoFuture: Send + 'static,
    F::Output: Send + 'static,
{
    spawn(body)
}

/// [`spawn`] with a name (`create_task(coro, name=...)`).
///
/// # Panics
///
/// As [`spawn`].
///
/// ```
/// let rt = aiotask::Runtime::new();
/// let name = rt.run(async { aiotask::spawn_named("worker", async {}).name() });
/// assert_eq!(name.unwrap(), "worker");
/// ```
#[track_caller]
pub fn spawn_named<F>(name: &str, body: F) -> Task<F::Output>
where
    F: IntoFuture,
    F::IntoFuture: Send + 'static,
    F::Output: Send + 'static,
{
    Handle::current().create_named_task(name, body)
}

/// Creates a task from a fallible body on the running loop: `Err(e)` fails
/// the task with `e`, except that an error carrying a
/// [`CancelledError`](crate::CancelledError) ends it cancelled, which is
/// how a body re-raises a caught cancellation with `?`.
///
/// # Panics
///
/// As [`spawn`].
///
/// ```
/// use std::time::Duration;
/// use aiotask::prelude::*; // .catch_cancel()
///
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let parse = aiotask::spawn_try(async { "x".parse::<u8>() });
///     assert!(parse.await.unwrap_err().is_failed());
///
///     // `?` on a caught cancellation re-raises it: the task ends cancelled.
///     let sleeper = aiotask::spawn_try(async {
///         aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await?;
///         Ok::<_, aiotask::CancelledError>("slept")
///     });
///     aiotask::yield_now().await;
///     sleeper.cancel();
///     assert!(sleeper.await.unwrap_err().is_cancelled());
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn spawn_try<F, T, E>(body: F) -> Task<T>
where
    F: IntoFuture<Output = Result<T, E>>,
    F::IntoFuture: Send + 'static,
    T: Send + 'static,
    E: Into<BoxError>,
{
    Handle::current().create_try_task(body)
}

/// [`spawn_try`] with a name.
///
/// # Panics
///
/// As [`spawn`].
///
/// ```
/// let rt = aiotask::Runtime::new();
/// let t = rt.run(async { aiotask::spawn_named_try("parse", async { "7".parse::<u8>() }) });
/// assert_eq!(t.unwrap().name(), "parse");
/// ```
#[track_caller]
pub fn spawn_named_try<F, T, E>(name: &str, body: F) -> Task<T>
where
    F: IntoFuture<Output = Result<T, E>>,
    F::IntoFuture: Send + 'static,
    T: Send + 'static,
    E: Into<BoxError>,
{
    Handle::current().create_named_try_task(name, body)
}

/// Sleeps on the running loop's clock (asyncio's `sleep`); where a
/// cancellation of the sleeping task is delivered.
///
/// # Panics
///
/// When polled outside every task: there is no running loop.
///
/// ```
/// let rt = aiotask::Runtime::new();
/// rt.run(async { aiotask::sleep(std::time::Duration::from_millis(1)).await }).unwrap();
/// ```
pub async fn sleep(duration: Duration) {
    Handle::current().sleep(duration).await
}

/// Yields to the running loop once (asyncio's `sleep(0)`).
///
/// # Panics
///
/// When polled outside every task: there is no running loop.
///
/// ```
/// let rt = aiotask::Runtime::new();
/// rt.run(async { aiotask::yield_now().await }).unwrap();
/// ```
pub async fn yield_now() {
    Handle::current().yield_now().await
}
