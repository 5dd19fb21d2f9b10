//! Hosting the contract on a runtime that runs plain futures (tokio,
//! async-executor): the task is a real task of that runtime, whose future is
//! [`Hosted`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::task::{Context, Poll, Wake, Waker};

use aiotask_api::{AnyTask, TaskError};

use crate::handle::{Task, TaskCell, TaskContract, WakeTask};
use crate::harness::poll_step;
use crate::services::LoopServices;
use crate::word::ScheduleAction;

use super::waker_slot::{Registration, WakerSlot};

/// The per-task allocation of a hosted task: the contract state and the
/// host runtime's waker for it.
///
/// Its [`Wake`] impl is the task waker [`poll_step`] needs: it records the
/// wake-up in the contract state, then wakes the host's task.
///
/// ```
/// use std::sync::Arc;
/// use aiotask_core::backend::HostedCell;
/// # use aiotask_core::backend::{LoopServices, Job};
/// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
/// let cell = HostedCell::<u32>::new(Some("hosted".into()), Arc::new(E));
/// assert_eq!(cell.handle().name(), "hosted");
/// ```
pub struct HostedCell<T: Send + 'static> {
    contract: TaskContract<T>,
    /// The host's waker for this task, left by [`Hosted::poll`] (its one
    /// writer: waker-slot rule K1).
    host_waker: WakerSlot,
}

impl<T: Send + 'static> HostedCell<T> {
    /// A new pending task's cell.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{LoopServices, Job};
    /// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let cell = aiotask_core::backend::HostedCell::<()>::new(None, Arc::new(E));
    /// assert!(!cell.handle().done());
    /// ```
    pub fn new(name: Option<String>, env: Arc<dyn LoopServices>) -> Arc<Self> {
        Arc::new(Self {
            contract: TaskContract::new(name, env),
            host_waker: WakerSlot::default(),
        })
    }

    /// A handle to this task.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{LoopServices, Job};
    /// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let cell = aiotask_core::backend::HostedCell::<()>::new(None, Arc::new(E));
    /// let a = cell.handle();
    /// assert_eq!(a.id(), cell.handle().id());
    /// ```
    pub fn handle(self: &Arc<Self>) -> Task<T> {
        Task::from_cell(self.clone())
    }
}

impl<T: Send + 'static> aiotask_api::DynTask for HostedCell<T> {
    crate::forward_dyn_task!(contract);
}

impl<T: Send + 'static> TaskCell<T> for HostedCell<T> {
    fn contract(&self) -> &TaskContract<T> {
        &self.contract
    }
}

impl<T: Send + 'static> WakeTask for HostedCell<T> {
    fn wake_task(&self) {
        if self.contract.on_wake() == ScheduleAction::Nothing {
            // Woken already since its step began: the host was told then.
            return;
        }
        self.host_waker.wake();
    }
}

impl<T: Send + 'static> Wake for HostedCell<T> {
    fn wake(self: Arc<Self>) {
        self.wake_task()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_task()
    }
}

impl<T: Send + 'static> fmt::Debug for HostedCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.contract, f)
    }
}

pin_project_lite::pin_project! {
    /// The future a host runtime runs for one aiotask task.
    ///
    /// Each poll is one step ([`poll_step`]). If the host drops it before the
    /// task is done (the runtime shut down), the task is reported as destroyed
    /// while pending and ends cancelled, so its handles answer and its awaiters
    /// wake.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiotask_core::backend::{HostedCell, Hosted};
    /// # use aiotask_core::backend::{LoopServices, Job};
    /// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let cell = HostedCell::<u8>::new(None, Arc::new(E));
    /// let task = cell.handle();
    /// let fut = Hosted::new(cell, async { Ok::<u8, aiotask_api::TaskError>(3) });
    /// futures_lite_block_on(fut);
    /// assert_eq!(task.result().unwrap(), 3);
    /// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// ```
    ///
    /// The body lives inline, in the host's own allocation for the task:
    /// hosting adds one allocation of ours, the cell.
    #[must_use = "the task runs only while its Hosted future is polled"]
    pub struct Hosted<T, F>
    where
        T: Send,
        T: 'static,
    {
        cell: Arc<HostedCell<T>>,
        task: Task<T>,
        waker: Waker,
        // The task lent to each step's frame (see `poll_step`).
        current: Option<AnyTask>,
        // Which host waker this future left in the cell (rule K1).
        registration: Registration,
        #[pin]
        body: Option<F>,
    }

    impl<T, F> PinnedDrop for Hosted<T, F>
    where
        T: Send,
        T: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            // Dropped by the host before completion: the runtime is going away.
            let this = this.project();
            destroy(this.cell, this.body);
            this.cell.host_waker.clear(this.registration);
        }
    }
}

impl<T: Send + 'static, F> Hosted<T, F>
where
    F: Future<Output = Result<T, TaskError>>,
{
    /// The host future of `cell`'s task, running `body`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use aiotask_core::backend::{LoopServices, Job, HostedCell, Hosted};
    /// # struct E; impl LoopServices for E { fn call_soon(&self, _: Job) {} fn report(&self, _: aiotask_api::ExceptionContext) {} }
    /// let cell = HostedCell::<()>::new(None, Arc::new(E));
    /// let fut = Hosted::new(cell, async { Ok(()) });
    /// # drop(fut);
    /// ```
    pub fn new(cell: Arc<HostedCell<T>>, body: F) -> Self {
        Self {
            task: cell.handle(),
            waker: Waker::from(cell.clone()),
            cell,
            current: None,
            registration: Registration::default(),
            body: Some(body),
        }
    }
}

impl<T: Send + 'static, F> Future for Hosted<T, F>
where
    F: Future<Output = Result<T, TaskError>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.cell.contract.services().is_closing() {
            // The runtime is shutting down while this worker still polls.
            destroy(this.cell, this.body);
            return Poll::Ready(());
        }
        this.cell.host_waker.register(this.registration, cx.waker());
        poll_step(this.task, this.current, this.body, this.waker)
    }
}

/// Ends a task the runtime will never step again: drops the body and
/// reports the task destroyed while pending (it ends cancelled).
fn destroy<T: Send + 'static, F>(cell: &HostedCell<T>, mut body: Pin<&mut Option<F>>) {
    if body.is_some() {
        // The body is gone for good: wakes from now on do nothing (word
        // rule table: `COMPLETE`).
        let _ = cell.contract.word().transition_to_complete();
        if let Some(message) = crate::harness::drop_body(body.as_mut()) {
            cell.contract.report_drop_panic(message);
        }
        cell.contract.destroy_pending();
    }
}

impl<T: Send + 'static, F> fmt::Debug for Hosted<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hosted").field("task", &self.cell).finish()
    }
}
