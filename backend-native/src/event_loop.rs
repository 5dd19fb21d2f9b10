//! The event loop: a FIFO ready queue, timers, and a wake-up that works
//! from other threads.
//!
//! One *tick* (asyncio's `_run_once`) moves what other threads injected onto
//! the ready queue, fires due timers, then runs exactly the entries that
//! were ready when the tick began; what they queue runs at the next tick.
//! Entries are task steps and jobs (done-callback dispatch, `call_soon`),
//! in one FIFO.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::task::Waker;
use std::time::{Duration, Instant};

use aiotask_api::ExceptionContext;
use aiotask_core::backend::{Job, LoopServices, Reporter};
use slab::Slab;

use crate::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, Thread, lock};

static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

/// What the loop can do with any task, whatever its future type (the
/// native cell implements it; the access rules it relies on are in
/// `cell.rs`).
pub(crate) trait Runnable: Send + Sync + 'static {
    /// Runs one step. Loop thread only (cell rule 1).
    fn run(self: Arc<Self>);
    /// Drops the future of a task that is not done and ends it as
    /// destroyed-while-pending. Loop thread only (cell rule 1).
    fn destroy(&self);
    /// Records the task's slot in the live registry. Loop thread only.
    fn set_key(&self, key: usize);
}

/// One entry of the ready queue.
pub(crate) enum Ready {
    Task(Arc<dyn Runnable>),
    /// The first step of a task created off the loop thread: the loop
    /// registers it as it takes it in (the live registry is the loop
    /// thread's alone).
    Spawn(Arc<dyn Runnable>),
    Job(Job),
}

/// Timers: deadlines in order, and the waker of each live sleep.
#[derive(Default)]
pub(crate) struct Timers {
    by_deadline: BTreeMap<(Instant, u64), ()>,
    wakers: HashMap<u64, Waker>,
    next_id: u64,
}

/// The part of a loop every thread may touch: what wakers, handles and
/// task cells hold.
pub(crate) struct LoopShared {
    id: u64,
    origin: Instant,
    inject: Mutex<VecDeque<Ready>>,
    /// Set after every push on `inject`: lets a tick skip the lock when no
    /// other thread queued anything.
    injected: AtomicBool,
    /// How many timers are armed: lets a tick skip the clock and the lock.
    armed_timers: AtomicUsize,
    /// Set by `close`, holding the `inject` lock: a task created off the
    /// loop thread is refused from then on (see [`LoopShared::admit`]).
    closed: AtomicBool,
    thread: Mutex<Option<Thread>>,
    timers: Mutex<Timers>,
    pub(crate) reporter: Reporter,
}

/// The part of a loop only its thread touches, reachable from wakers
/// running on that thread through [`CURRENT`].
pub(crate) struct Local {
    id: u64,
    shared: std::sync::Weak<LoopShared>,
    ready: RefCell<VecDeque<Ready>>,
    /// Every task not yet complete that the loop took in; `None` once the
    /// runtime is dropped. Loop thread only: no lock.
    live: RefCell<Option<Slab<Arc<dyn Runnable>>>>,
    /// Entries put at the front during this tick: they run in it too.
    inserted: std::cell::Cell<usize>,
    /// True while [`drive`] runs this loop: a nested `run` is refused
    /// before it creates anything. A field rather than a look at
    /// [`CURRENT`], so the answer holds while thread-locals are torn down.
    running: std::cell::Cell<bool>,
}

aiotask_core::thread_local_shim! {
    /// The loop running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Local>>> = RefCell::new(None);
    /// Set by [`LoopShared::wake_inline`]: the next task this thread
    /// schedules goes to the front of the ready queue.
    static SCHEDULE_FIRST: std::cell::Cell<bool> = std::cell::Cell::new(false);
}

impl LoopShared {
    pub(crate) fn new() -> (Arc<Self>, Rc<Local>) {
        let id = NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Self {
            id,
            origin: Instant::now(),
            inject: Mutex::new(VecDeque::new()),
            injected: AtomicBool::new(false),
            armed_timers: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            thread: Mutex::new(None),
            timers: Mutex::new(Timers::default()),
            reporter: Reporter::default(),
        });
        let local = Rc::new(Local {
            id,
            shared: Arc::downgrade(&shared),
            ready: RefCell::new(VecDeque::new()),
            live: RefCell::new(Some(Slab::new())),
            inserted: std::cell::Cell::new(0),
            running: std::cell::Cell::new(false),
        });
        (shared, local)
    }

    /// The loop clock: time since the loop was created.
    pub(crate) fn time(&self) -> Duration {
        self.origin.elapsed()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Takes a new task in and queues its first step; `false` when the
    /// loop is closed (the caller ends the task, which never ran).
    ///
    /// On the loop thread the task joins the live registry at once. From
    /// any other thread it is queued as [`Ready::Spawn`] and joins the
    /// registry when the loop takes it in; `close` sets `closed` holding
    /// the injection lock and destroys what it finds queued, so a task
    /// admitted here is always either registered or destroyed by the loop.
    pub(crate) fn admit(&self, task: Arc<dyn Runnable>) -> bool {
        match with_local(self.id, |local| local.register(&task)) {
            Some(true) => {
                self.schedule(Ready::Task(task));
                return true;
            }
            Some(false) => return false,
            None => {}
        }
        let mut inject = lock(&self.inject);
        if self.is_closed() {
            return false;
        }
        inject.push_back(Ready::Spawn(task));
        drop(inject);
        let _ = self.injected.swap(true, Ordering::AcqRel);
        self.unpark();
        true
    }

    /// Takes a complete task out of the live registry. Loop thread only.
    pub(crate) fn unregister(&self, key: usize) {
        let removed = with_local(self.id, |local| {
            local
                .live
                .borrow_mut()
                .as_mut()
                .and_then(|slab| slab.try_remove(key))
        });
        // The registry's handle of the task, dropped with no borrow held.
        drop(removed);
    }

    /// Queues an entry: on the ready queue when called on this loop's
    /// thread, else on the injection queue, waking the loop.
    ///
    /// Thread-locals that are gone (a runtime dropped during thread exit)
    /// count as "not on the loop thread": the entry goes to the injection
    /// queue, which a closed loop refuses.
    pub(crate) fn schedule(&self, entry: Ready) {
        let mut entry = Some(entry);
        let _ = CURRENT.try_with(|cur| {
            let Ok(cur) = cur.try_borrow() else { return };
            let Some(local) = cur.as_ref().filter(|l| l.id == self.id) else {
                return;
            };
            let Some(entry) = entry.take() else { return };
            let first = SCHEDULE_FIRST
                .try_with(|f| f.replace(false))
                .unwrap_or(false);
            if first {
                local.ready.borrow_mut().push_front(entry);
                local.inserted.set(local.inserted.get() + 1);
            } else {
                local.ready.borrow_mut().push_back(entry);
            }
        });
        let Some(entry) = entry else { return };
        if self.is_closed() {
            let _ = aiotask_api::drop_quietly(entry);
            return;
        }
        lock(&self.inject).push_back(entry);
        // A swap rather than a store: every write of `injected` is then a
        // read-modify-write, totally ordered with the tick's `swap(false)`.
        // Loom mis-orders a plain store racing a swap on one atomic
        // (tokio-rs/loom#254), which made the models report a lost wake-up
        // that cannot happen; on the hardware both are one instruction.
        let _ = self.injected.swap(true, Ordering::AcqRel);
        self.unpark();
    }

    fn unpark(&self) {
        if let Some(t) = lock(&self.thread).as_ref() {
            t.unpark();
        }
    }

    /// Registers (or refreshes) a timer; returns its id.
    pub(crate) fn add_timer(&self, id: Option<u64>, deadline: Instant, waker: &Waker) -> u64 {
        let mut timers = lock(&self.timers);
        let id = match id {
            Some(id) => id,
            None => {
                timers.next_id += 1;
                let id = timers.next_id;
                timers.by_deadline.insert((deadline, id), ());
                self.armed_timers.fetch_add(1, Ordering::Release);
                id
            }
        };
        match timers.wakers.get_mut(&id) {
            Some(w) if w.will_wake(waker) => {}
            Some(w) => *w = waker.clone(),
            None => {
                timers.wakers.insert(id, waker.clone());
            }
        }
        drop(timers);
        // A timer added from another thread may be earlier than the one the
        // loop sleeps until.
        if !self.on_loop_thread() {
            self.unpark();
        }
        id
    }

    pub(crate) fn remove_timer(&self, id: u64, deadline: Instant) {
        let mut timers = lock(&self.timers);
        if timers.by_deadline.remove(&(deadline, id)).is_some() {
            self.armed_timers.fetch_sub(1, Ordering::Release);
        }
        timers.wakers.remove(&id);
    }

    fn on_loop_thread(&self) -> bool {
        current_local().is_some_and(|l| l.id == self.id)
    }

    /// Wakes every timer that is due; returns the next deadline.
    fn fire_timers(&self) -> Option<Instant> {
        if self.armed_timers.load(Ordering::Acquire) == 0 {
            return None;
        }
        let now = Instant::now();
        let mut due = Vec::new();
        let next = {
            let mut timers = lock(&self.timers);
            while let Some((&(deadline, id), _)) = timers.by_deadline.first_key_value() {
                if deadline > now {
                    break;
                }
                timers.by_deadline.pop_first();
                self.armed_timers.fetch_sub(1, Ordering::Release);
                if let Some(w) = timers.wakers.remove(&id) {
                    due.push(w);
                }
            }
            timers.by_deadline.first_key_value().map(|(&(d, _), _)| d)
        };
        for w in due {
            w.wake();
        }
        next
    }
}

impl LoopServices for LoopShared {
    fn call_soon(&self, job: Job) {
        self.schedule(Ready::Job(job));
    }

    fn report(&self, context: ExceptionContext) {
        self.reporter.report(context);
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Done-list rule D5 (aiotask-core): the ready queue holds task steps
    /// and jobs in one FIFO, so waking the awaiter now queues its step
    /// exactly where the done-list job would have been queued (and that job
    /// would have run it in place, `wake_inline`).
    fn wake_soon(&self, waker: Waker) {
        aiotask_core::backend::run_contained(move || waker.wake(), |ctx| self.reporter.report(ctx));
    }

    /// asyncio's `wakeup` runs the awaiter's step in place: the woken task
    /// goes to the front of the ready queue, `then` right behind it, and
    /// both run in the current tick.
    fn wake_inline(&self, waker: Waker, then: Option<Job>) {
        let local = current_local().filter(|l| l.id == self.id);
        let Some(local) = local else {
            waker.wake();
            if let Some(job) = then {
                self.call_soon(job);
            }
            return;
        };
        // `current_local` just read a thread-local, so these are alive.
        let _ = SCHEDULE_FIRST.try_with(|f| f.set(true));
        waker.wake();
        let woke_here = !SCHEDULE_FIRST
            .try_with(|f| f.replace(false))
            .unwrap_or(true);
        if let Some(job) = then {
            let at = usize::from(woke_here);
            local.ready.borrow_mut().insert(at, Ready::Job(job));
            local.inserted.set(local.inserted.get() + 1);
        }
    }
}

impl fmt::Debug for LoopShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopShared")
            .field("id", &self.id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Local {
    /// Adds `task` to the live registry; `false` once the loop is closed.
    fn register(&self, task: &Arc<dyn Runnable>) -> bool {
        let mut live = self.live.borrow_mut();
        let Some(slab) = live.as_mut() else {
            return false;
        };
        let key = slab.insert(task.clone());
        drop(live);
        task.set_key(key);
        true
    }
}

/// Runs `f` on the loop `id` if it is the one running on this thread
/// (`None` otherwise, and once this thread's thread-locals are being
/// destroyed), without taking a reference to it.
fn with_local<R>(id: u64, f: impl FnOnce(&Local) -> R) -> Option<R> {
    CURRENT
        .try_with(|cur| {
            let cur = cur.try_borrow().ok()?;
            cur.as_ref().filter(|l| l.id == id).map(|l| f(l))
        })
        .ok()
        .flatten()
}

/// The loop running on this thread, if any (`None` too once this thread's
/// thread-locals are being destroyed).
fn current_local() -> Option<Rc<Local>> {
    CURRENT
        .try_with(|cur| cur.try_borrow().ok().and_then(|c| c.clone()))
        .ok()
        .flatten()
}

/// The loop running on this thread, if any.
pub(crate) fn current_shared() -> Option<Arc<LoopShared>> {
    current_local().and_then(|l| l.shared.upgrade())
}

/// True while `local`'s loop is running (inside `run` or
/// `run_until_complete`): asyncio's `_check_running`.
pub(crate) fn is_running(local: &Local) -> bool {
    local.running.get()
}

/// Makes `local` the current loop of this thread until dropped.
///
/// Every thread-local access tolerates teardown: during thread exit (a
/// runtime kept in a `thread_local!`) the loop is entered without the
/// registration, and wakes made meanwhile go through the injection queue.
pub(crate) struct Enter {
    /// The loop that was current before, when the registration was made.
    previous: Option<Option<Rc<Local>>>,
    /// Set when this enter registered the thread for cross-thread wakes.
    shared: Option<Arc<LoopShared>>,
}

impl Enter {
    /// Enters the loop on this thread; with `park`, other threads' wakes
    /// unpark this thread. A nested `run` of the same loop is refused by
    /// the callers, before they get here ([`is_running`]).
    pub(crate) fn new(shared: &Arc<LoopShared>, local: &Rc<Local>, park: bool) -> Self {
        let previous = CURRENT
            .try_with(|cur| {
                cur.try_borrow_mut()
                    .ok()
                    .map(|mut c| c.replace(local.clone()))
            })
            .ok()
            .flatten();
        let shared = park.then(|| {
            *lock(&shared.thread) = Some(crate::sync::current());
            shared.clone()
        });
        Self { previous, shared }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            *lock(&shared.thread) = None;
        }
        if let Some(previous) = self.previous.take() {
            // The replaced value (this loop) is dropped outside the borrow.
            let _ours = CURRENT
                .try_with(|cur| {
                    cur.try_borrow_mut()
                        .ok()
                        .map(|mut c| std::mem::replace(&mut *c, previous))
                })
                .ok()
                .flatten();
        }
    }
}

/// Clears the loop's `running` flag, even on unwind.
struct Running<'a>(&'a Local);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.set(false);
    }
}

/// Runs ticks until `stop()` is true after a tick. The caller checked
/// [`is_running`] first.
pub(crate) fn drive(shared: &Arc<LoopShared>, local: &Rc<Local>, stop: &dyn Fn() -> bool) {
    debug_assert!(!is_running(local), "a nested run is refused before driving");
    local.running.set(true);
    let _running = Running(local);
    let _enter = Enter::new(shared, local, true);
    // Ambient rule A1 (aiotask-core): callbacks and jobs run in this loop.
    let _ambient = aiotask_core::backend::enter_services(shared.clone());
    while !stop() {
        tick(shared, local);
    }
}

/// One loop iteration (asyncio's `_run_once`).
fn tick(shared: &LoopShared, local: &Local) {
    if shared.injected.swap(false, Ordering::AcqRel) {
        let mut inject = lock(&shared.inject);
        let mut ready = local.ready.borrow_mut();
        for entry in inject.drain(..) {
            ready.push_back(match entry {
                Ready::Spawn(task) => {
                    // Taken in: registered before its first step (the loop
                    // is open: `close` runs on this thread, after the ticks).
                    let _ = local.register(&task);
                    Ready::Task(task)
                }
                other => other,
            });
        }
    }
    let next_deadline = shared.fire_timers();
    let n = local.ready.borrow().len();
    if n == 0 {
        park(shared, next_deadline);
        return;
    }
    let mut remaining = n;
    local.inserted.set(0);
    while remaining > 0 {
        let entry = local.ready.borrow_mut().pop_front();
        match entry {
            Some(Ready::Task(task) | Ready::Spawn(task)) => task.run(),
            Some(Ready::Job(job)) => {
                aiotask_core::backend::run_job(job, |ctx| shared.reporter.report(ctx))
            }
            None => break,
        }
        remaining = remaining - 1 + local.inserted.replace(0);
    }
}

/// Sleeps until the next deadline or a wake from another thread.
fn park(shared: &LoopShared, next_deadline: Option<Instant>) {
    if shared.injected.load(Ordering::Acquire) {
        return;
    }
    match next_deadline {
        Some(d) => {
            let now = Instant::now();
            if d > now {
                crate::sync::park_timeout(d - now);
            }
        }
        None => crate::sync::park(),
    }
}

/// Ends the loop: every pending task is destroyed (reported, cancelled),
/// queued entries are dropped. Runs on the loop thread, from the runtime's
/// `Drop`.
///
/// Nothing here unwinds, whatever the reports, wakers and destructors do:
/// each task's `destroy` and each dropped entry is contained on its own, so
/// every task still pending is ended here, on the loop thread, and no
/// future outlives the loop to be dropped elsewhere (rule 4 of `cell`).
pub(crate) fn close(shared: &Arc<LoopShared>, local: &Rc<Local>) {
    let _enter = Enter::new(shared, local, false);
    let live = local.live.borrow_mut().take();
    let injected: Vec<Ready> = {
        let mut inject = lock(&shared.inject);
        shared.closed.store(true, Ordering::Release);
        inject.drain(..).collect()
    };
    if let Some(live) = live {
        for (_, task) in live {
            let _ = aiotask_api::call_quietly(move || task.destroy());
        }
    }
    // Tasks created off the loop thread and not yet taken in are live too.
    for entry in injected {
        match entry {
            Ready::Spawn(task) => {
                let _ = aiotask_api::call_quietly(move || task.destroy());
            }
            other => {
                let _ = aiotask_api::drop_quietly(other);
            }
        }
    }
    // Drop queued steps and jobs; what they drop may queue more, which the
    // closed loop discards.
    loop {
        let mut drained: Vec<Ready> = local.ready.borrow_mut().drain(..).collect();
        drained.extend(lock(&shared.inject).drain(..));
        if drained.is_empty() {
            break;
        }
        for entry in drained {
            let _ = aiotask_api::drop_quietly(entry);
        }
    }
    let (wakers, deadlines) = {
        let mut timers = lock(&shared.timers);
        shared.armed_timers.store(0, Ordering::Release);
        (
            std::mem::take(&mut timers.wakers),
            std::mem::take(&mut timers.by_deadline),
        )
    };
    drop(deadlines);
    // Outside the lock: a waker may hold the last handle of a task.
    for (_, waker) in wakers {
        let _ = aiotask_api::drop_quietly(waker);
    }
}
