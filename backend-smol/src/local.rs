//! How a `Send + Sync` handle spawns onto a thread-bound `LocalExecutor`.
//!
//! On the thread that owns the executor, a spawn goes straight to it (found
//! in a thread-local registry). From any other thread, the future is pushed
//! onto the runtime's [`Injector`] and the executor's *drainer* task, which
//! runs on the owner thread, spawns it there, in FIFO order.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use async_executor::LocalExecutor;

/// A spawned task's future, as the injector carries it across threads.
pub(crate) type SendFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The local executors owned by this thread, by runtime id.
    static EXECUTORS: RefCell<Vec<(u64, Rc<LocalExecutor<'static>>)>> = const { RefCell::new(Vec::new()) };
}

/// The cross-thread spawn queue of one local runtime.
pub(crate) struct Injector {
    id: u64,
    inner: Mutex<InjectorInner>,
}

#[derive(Default)]
struct InjectorInner {
    futures: VecDeque<SendFuture>,
    waker: Option<Waker>,
    closed: bool,
}

impl Injector {
    /// Registers `executor` as owned by this thread and starts its drainer.
    pub(crate) fn install(executor: &Rc<LocalExecutor<'static>>) -> Arc<Self> {
        let injector = Arc::new(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            inner: Mutex::new(InjectorInner::default()),
        });
        // During thread exit the registry may be gone: spawns from this
        // thread then go through the queue, as from any other.
        let _ = EXECUTORS.try_with(|all| all.borrow_mut().push((injector.id, executor.clone())));
        executor
            .spawn(drain(injector.clone(), Rc::downgrade(executor)))
            .detach();
        injector
    }

    /// Spawns `future` on the runtime's executor: directly on the owner
    /// thread, through the queue from any other. A runtime that is gone
    /// drops the future at once (for a task: reported destroyed).
    /// On the owner thread the executor takes the future as it is (its
    /// task is the one allocation); only a future crossing threads is boxed.
    pub(crate) fn spawn<Fut>(&self, future: Fut)
    where
        Fut: Future<Output = ()> + Send + 'static,
    {
        let here = EXECUTORS
            .try_with(|all| {
                all.borrow()
                    .iter()
                    .find(|(id, _)| *id == self.id)
                    .map(|(_, ex)| ex.clone())
            })
            .ok()
            .flatten();
        if let Some(executor) = here {
            executor.spawn(future).detach();
            return;
        }
        let mut inner = self.lock();
        if inner.closed {
            drop(inner);
            drop(future); // outside the lock: dropping a task reports it
            return;
        }
        inner.futures.push_back(Box::pin(future));
        let waker = inner.waker.take();
        drop(inner);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Unregisters the executor from this thread and stops accepting
    /// futures; the queued ones are dropped (their tasks are destroyed).
    pub(crate) fn close(&self) -> Option<Rc<LocalExecutor<'static>>> {
        // A runtime kept in a `thread_local!` is dropped at thread exit,
        // possibly after the registry: then there is nothing to unregister.
        let executor = EXECUTORS
            .try_with(|all| {
                let mut all = all.borrow_mut();
                let at = all.iter().position(|(id, _)| *id == self.id)?;
                Some(all.swap_remove(at).1)
            })
            .ok()
            .flatten();
        let (queued, waker) = {
            let mut inner = self.lock();
            inner.closed = true;
            (std::mem::take(&mut inner.futures), inner.waker.take())
        };
        drop(queued);
        if let Some(w) = waker {
            w.wake();
        }
        executor
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InjectorInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for Injector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("Injector")
            .field("id", &self.id)
            .field("queued", &inner.futures.len())
            .field("closed", &inner.closed)
            .finish()
    }
}

/// The drainer: a task on the local executor that spawns what other
/// threads pushed, in order, until the injector is closed.
async fn drain(injector: Arc<Injector>, executor: Weak<LocalExecutor<'static>>) {
    futures_lite::future::poll_fn(|cx| {
        let batch = {
            let mut inner = injector.lock();
            if inner.closed {
                return Poll::Ready(());
            }
            if inner.futures.is_empty() {
                match &inner.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => inner.waker = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            std::mem::take(&mut inner.futures)
        };
        let Some(executor) = executor.upgrade() else {
            return Poll::Ready(());
        };
        for future in batch {
            executor.spawn(future).detach();
        }
        // Look again at the next poll: more may have arrived meanwhile.
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}
