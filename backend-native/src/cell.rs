//! The native task: one allocation holding the scheduling word, the
//! contract state and the future.
//!
//! ```text
//! Arc<NativeCell<T, F>>
//! ┌───────────────────────────────┐
//! │ contract: TaskContract<T>     │  the asyncio contract, and its hot
//! │                               │  word: where the task is in the loop's hands
//! │ self_ref: Weak<Self>          │  its own Arc, for a cancel's wake
//! │ key: slot in the live registry│
//! │ event_loop: Arc<LoopShared>   │  where wakes push the task
//! │ stage: UnsafeCell<Option<F>>  │  the future, dropped in place when done
//! └───────────────────────────────┘
//! ```
//!
//! The same `Arc` is the task's [`Waker`], its queue entry, its registry
//! entry and every [`aiotask_core::Task`] handle: creating a task allocates
//! once.
//!
//! # Access rules for `stage`
//!
//! `stage` is the only field behind an `UnsafeCell`. Every access follows
//! these rules, and every `unsafe` block cites the one it relies on.
//!
//! 1. **Loop thread only.** `stage` is touched only by the thread that runs
//!    the task's event loop: inside [`Runnable::run`], called by the loop's
//!    tick, and inside [`Runnable::destroy`], called by the runtime's `Drop`.
//!    Both are methods of the loop-owned, `!Send` `Runtime`, so they never
//!    run on two threads, and a `!Send` future never leaves its thread.
//! 2. **One access at a time.** `run` holds the `RUNNING` bit of the task's
//!    word (`TaskWord`, in aiotask-core) for the whole poll: taken by
//!    `transition_to_running`, which asserts it was clear, and given back by
//!    the step's last transition (suspended or complete), after which the
//!    step touches the stage no more. `destroy` runs only when `RUNNING` is
//!    clear (it checks) and sets `COMPLETE` first. The loop is single-threaded and a
//!    nested run of the same loop is refused, so no two `&mut` to `stage`
//!    exist at once.
//! 3. **Pinned in place.** The cell lives in an `Arc` and is never moved;
//!    `stage` is only ever replaced by `None` through `Pin::set`, which drops
//!    the future in place. So a `Pin<&mut Option<F>>` made from it upholds
//!    the pinning contract.
//! 4. **Dropped on the loop thread.** Once `COMPLETE` is set the stage is
//!    `None` and stays so (the step that completes a task drops its body
//!    before the transition that ends the step and sets `COMPLETE`;
//!    `destroy` and a refused spawn set it, then drop the body, on a task
//!    nothing else can reach). Every task that is not complete is held by the
//!    loop's live registry (which only the loop thread touches), or is
//!    queued to join it (`Ready::Spawn`, created off the loop thread); the
//!    runtime's `Drop` ends both through `destroy` on the loop thread
//!    (`event_loop::close`, which refuses new tasks first). So when the last `Arc` goes away on any
//!    thread, `stage` holds no future and dropping the cell drops no `F`.
//!    This is what makes the cell `Send + Sync` for any `F`.
//!
//! One more rule is about the cell itself, not `stage`:
//!
//! 5. **A step reaches its cell through its own reference.** `run` is
//!    handed the queue entry's `Arc` by value and turns it into the
//!    [`AnyTask`] that `poll_step` lends to the step's frame and hands back
//!    (`Arc::into_raw`, then `Arc::from_raw`: no reference count taken). It
//!    reaches the cell, and the step's [`Task`](aiotask_core::Task) handle,
//!    through `Arc`s made from the same pointer and held in `ManuallyDrop`,
//!    never dropped, so they count no reference. The owning `AnyTask` is
//!    in `run`'s local `current` or in the step's frame until `run`
//!    returns, after the last use of the views, so the views always point
//!    into a live allocation.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::Poll;

use aiotask_api::{AnyTask, TaskError};
use aiotask_core::{
    Task,
    backend::{TaskCell, TaskContract, WakeTask, drop_body, poll_step},
};

use crate::event_loop::{LoopShared, Ready, Runnable};
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use aiotask_core::backend::{RunAction, ScheduleAction};

pub(crate) struct NativeCell<T: Send + 'static, F> {
    contract: TaskContract<T>,
    /// The cell's own `Arc`, for a wake that has only `&self` (a cancel:
    /// [`WakeTask`]) to queue the task with.
    self_ref: Weak<Self>,
    key: AtomicUsize,
    event_loop: Arc<LoopShared>,
    stage: UnsafeCell<Option<F>>,
}

// SAFETY: the only field that is not `Send`/`Sync` by itself is `stage`,
// which holds `F`. By rule 1 it is only accessed on the loop thread, and by
// rule 4 no `F` is ever dropped elsewhere, so sharing or sending the cell
// never moves an `F` across threads or lets two threads reach it. `T` is
// `Send` (bound above), as `TaskContract<T>` requires.
unsafe impl<T: Send + 'static, F> Send for NativeCell<T, F> {}
// SAFETY: as for `Send`: `&NativeCell` gives other threads the `TaskContract<T>`
// (its atomic word and its locks) and the loop's `LoopShared`, all `Sync`;
// `stage` is unreachable from them (rule 1).
unsafe impl<T: Send + 'static, F> Sync for NativeCell<T, F> {}

impl<T, F> NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    /// Creates the task, registers it with the loop and queues its first
    /// step. On a closed loop the task ends at once as destroyed.
    pub(crate) fn spawn(event_loop: &Arc<LoopShared>, name: Option<String>, body: F) -> Task<T> {
        let cell = Arc::new_cyclic(|self_ref| Self {
            contract: TaskContract::new(name, event_loop.clone()),
            self_ref: self_ref.clone(),
            key: AtomicUsize::new(usize::MAX),
            event_loop: event_loop.clone(),
            stage: UnsafeCell::new(Some(body)),
        });
        let runnable: Arc<dyn Runnable> = cell.clone();
        if !event_loop.admit(runnable) {
            // The runtime is gone. The body was never shared with the
            // loop, so dropping it here, on its creator's thread, is
            // what dropping any unspawned future does.
            cell.contract.word().transition_to_complete();
            let panicked = cell.stage.with_mut(|stage| {
                // SAFETY: rule 2: nothing else can reach `stage` yet (the
                // cell was never registered or queued) so this is the
                // only access; rule 3: `Pin::set` drops in place.
                drop_body(unsafe { Pin::new_unchecked(&mut *stage) })
            });
            if let Some(message) = panicked {
                cell.contract.report_drop_panic(message);
            }
            cell.contract.destroy_pending();
        }
        // The creator's reference is the handle: none is cloned for it.
        aiotask_core::backend::task_from_cell(cell)
    }
}

impl<T, F> Runnable for NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    fn run(self: Arc<Self>) {
        if self.contract.word().transition_to_running() == RunAction::Skip {
            return;
        }
        let ptr = Arc::into_raw(self);
        // SAFETY: rule 5: `ptr` comes from `Arc::into_raw` just above; this
        // takes back the reference it gave up, for the step's frame.
        let owned: Arc<dyn aiotask_api::DynTask> = unsafe { Arc::from_raw(ptr) };
        // The queue entry's reference is what the step lends its frame:
        // none is counted for the step.
        let mut current = Some(AnyTask::new(owned));
        // SAFETY: rule 5: a view of the same allocation that is never
        // dropped, so it neither takes nor gives back a reference;
        // `current` (or the frame it is lent to) owns the reference and
        // keeps the allocation alive while the view is used.
        let this = ManuallyDrop::new(unsafe { Arc::from_raw(ptr) });
        // SAFETY: rule 5: as `this`, a view that counts no reference.
        let task = ManuallyDrop::new(aiotask_core::backend::task_from_cell(unsafe {
            Arc::from_raw(ptr)
        }));
        // Borrowed: a clone of it (a timer's, an awaited task's) counts its
        // own reference.
        let waker = futures_task::waker_ref(&this);
        let poll = this.stage.with_mut(|stage| {
            // SAFETY: rule 1: `run` is called by the loop's tick on the loop
            // thread; rule 2: we hold `RUNNING` (just taken) until the step
            // is over; rule 3: the cell is pinned in its `Arc`.
            poll_step(
                &task,
                &mut current,
                unsafe { Pin::new_unchecked(&mut *stage) },
                &waker,
            )
        });
        match poll {
            Poll::Ready(()) => {
                // A step that completed the task set `COMPLETE` as it ended;
                // one that found it done (a stale entry) did not.
                if !this.contract.word().load().is_complete() {
                    let _ = this.contract.word().transition_to_complete();
                }
                this.event_loop.unregister(this.key.load(Ordering::Relaxed));
            }
            // The step's end gave `RUNNING` back (rule 2).
            Poll::Pending => {}
        }
        // Rule 5: the reference the views lived on goes last.
        drop(current);
    }

    fn set_key(&self, key: usize) {
        self.key.store(key, Ordering::Relaxed);
    }

    fn destroy(&self) {
        let snap = self.contract.word().load();
        if snap.is_complete() || snap.is_running() {
            return;
        }
        let _ = self.contract.word().transition_to_complete();
        let panicked = self.stage.with_mut(|stage| {
            // SAFETY: rule 1: called by the runtime's `Drop` on the loop
            // thread; rule 2: `RUNNING` is clear (checked above, and only
            // this thread sets it) and `COMPLETE` is now set so no step will
            // start; rule 3: dropped in place through `Pin::set`.
            drop_body(unsafe { Pin::new_unchecked(&mut *stage) })
        });
        if let Some(message) = panicked {
            self.contract.report_drop_panic(message);
        }
        self.contract.destroy_pending();
    }
}

impl<T, F> aiotask_api::DynTask for NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    aiotask_core::forward_dyn_task!(contract);
}

impl<T, F> TaskCell<T> for NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    fn contract(&self) -> &TaskContract<T> {
        &self.contract
    }
}

impl<T, F> WakeTask for NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    fn wake_task(&self) {
        // Upgraded before the wake is recorded: a wake recorded
        // (`SCHEDULED`) must always make its queue entry. A handle is what
        // calls this, so the task is alive and the upgrade succeeds; only a
        // cell being dropped fails it, and nothing can wake that one.
        let Some(this) = self.self_ref.upgrade() else {
            return;
        };
        if this.contract.on_wake() == ScheduleAction::Enqueue {
            self.event_loop.schedule(Ready::Task(this));
        }
    }
}

impl<T, F> futures_task::ArcWake for NativeCell<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TaskError>> + 'static,
{
    fn wake(self: Arc<Self>) {
        if self.contract.on_wake() == ScheduleAction::Enqueue {
            let event_loop = self.event_loop.clone();
            event_loop.schedule(Ready::Task(self));
        }
    }

    fn wake_by_ref(arc_self: &Arc<Self>) {
        if arc_self.contract.on_wake() == ScheduleAction::Enqueue {
            arc_self.event_loop.schedule(Ready::Task(arc_self.clone()));
        }
    }
}

impl<T: Send + 'static, F> fmt::Debug for NativeCell<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeCell")
            .field("word", self.contract.word())
            .field("task", &self.contract)
            .finish()
    }
}
