//! What the raw async-executor workloads need from an executor: spawning.
//! [`LocalExecutor`] and [`Executor`] both hand out `async_executor::Task`s.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::{Executor, LocalExecutor, Task};

/// Spawning on an async-executor executor, local or multi-threaded.
///
/// ```
/// use std::rc::Rc;
/// use aiotask_benches::raw::ExecSpawn;
/// let ex = Rc::new(async_executor::LocalExecutor::new());
/// let t = ex.spawn_task(async { 1 });
/// assert_eq!(futures_lite::future::block_on(ex.run(t)), 1);
/// ```
pub trait ExecSpawn: Clone + 'static {
    /// Spawns `fut` and returns its `Task` (dropping it cancels).
    fn spawn_task<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static;
}

impl ExecSpawn for Rc<LocalExecutor<'static>> {
    fn spawn_task<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        self.spawn(fut)
    }
}

impl ExecSpawn for Arc<Executor<'static>> {
    fn spawn_task<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        self.spawn(fut)
    }
}
