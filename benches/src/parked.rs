//! Parked tasks: polled once, then waiting forever on a future nobody wakes.
//! The same body on every runtime: bump a start counter, then
//! `std::future::pending()`.

use std::future::pending;
use std::sync::Arc;

use aiotask_api::RuntimeHandle;

use crate::raw::ExecSpawn;
use crate::util::Started;

/// Spawns `n` parked aiotask tasks into `out` and returns once every one
/// has run its first step.
///
/// ```
/// # #[cfg(feature = "native")] {
/// use aiotask_api::{Runtime, RuntimeHandle, Task};
/// use aiotask_benches::{parked, util::Started};
/// let rt = aiotask_native::Runtime::new();
/// let h = rt.handle();
/// rt.run(async move {
///     let mut tasks = Vec::new();
///     parked::aiotask(&h, 3, &Started::new(), &mut tasks).await;
///     assert!(tasks.iter().all(|t| !t.done()));
///     for t in &tasks { t.cancel(); }
/// }).unwrap();
/// # }
/// ```
pub async fn aiotask<H: RuntimeHandle>(
    h: &H,
    n: usize,
    started: &Arc<Started>,
    out: &mut Vec<H::Task<()>>,
) {
    started.reset();
    for _ in 0..n {
        let s = started.clone();
        out.push(h.create_task(async move {
            s.bump();
            pending::<()>().await
        }));
    }
    while started.count() < n {
        h.yield_now().await;
    }
}

/// Spawns `n` parked tokio tasks (on the current tokio runtime) into `out`
/// and returns once every one has been polled.
///
/// ```
/// use aiotask_benches::{parked, util::Started};
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut tasks = Vec::new();
///     parked::tokio(3, &Started::new(), &mut tasks).await;
///     for t in &tasks { t.abort(); }
/// });
/// ```
pub async fn tokio(n: usize, started: &Arc<Started>, out: &mut Vec<tokio::task::JoinHandle<()>>) {
    started.reset();
    for _ in 0..n {
        let s = started.clone();
        out.push(tokio::spawn(async move {
            s.bump();
            pending::<()>().await
        }));
    }
    while started.count() < n {
        tokio::task::yield_now().await;
    }
}

/// Spawns `n` parked async-executor tasks into `out` and returns once every
/// one has been polled.
///
/// ```
/// use std::rc::Rc;
/// use aiotask_benches::{parked, util::Started};
/// let ex = Rc::new(async_executor::LocalExecutor::new());
/// let ex2 = ex.clone();
/// futures_lite::future::block_on(ex.run(async move {
///     let mut tasks = Vec::new();
///     parked::executor(&ex2, 3, &Started::new(), &mut tasks).await;
///     assert_eq!(tasks.len(), 3);
/// }));
/// ```
pub async fn executor<S: ExecSpawn>(
    ex: &S,
    n: usize,
    started: &Arc<Started>,
    out: &mut Vec<async_executor::Task<()>>,
) {
    started.reset();
    for _ in 0..n {
        let s = started.clone();
        out.push(ex.spawn_task(async move {
            s.bump();
            pending::<()>().await
        }));
    }
    while started.count() < n {
        futures_lite::future::yield_now().await;
    }
}
