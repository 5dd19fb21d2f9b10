//! [`Model`]: the state machine of one scripted task and its loop.
//!
//! Each method names the spec section it follows. The names of the fields
//! are CPython's (`_num_cancels_requested` is `num_cancels`, and so on).

use std::collections::VecDeque;
use std::mem;

use super::{
    Command, Event, ExceptionOutcome, Fault, Msg, Obs, Op, Outcome, Query, Report, Ret, Scheduling,
    Word,
};

/// The Future state (spec §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    Finished(u32),
    Failed(Fault),
    Cancelled,
}

/// Where the body is suspended: where a thrown `CancelledError` lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// The coroutine never ran: a thrown error propagates at once (§1.9).
    NotStarted,
    /// At `await F`, F being the mailbox future.
    Mailbox,
    /// At `await sleep(0)`.
    Yield,
}

/// The state of `fut_waiter`, the mailbox future the task awaits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiter {
    Pending,
    /// A command arrived: `set_result` (WOKEN-PENDING).
    Done,
    /// `F.cancel(msg)` from `Task.cancel` (§1.7 SUSPENDED).
    Cancelled(Msg),
}

/// An entry of the done-callback list (§1.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DoneEntry {
    Callback(u8),
    /// An awaiting task's `wakeup`.
    Awaiter(u32),
}

/// An entry of the loop's ready FIFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ready {
    /// The task's `__step` (or its `__wakeup`, which calls it).
    Step,
    /// A done callback, holding the task.
    Callback(u8),
    /// A step of awaiter `n`, which holds the task until it is done.
    Awaiter(u32),
}

/// An awaiter task (§1.18). `cancel` is its own `must_cancel` and message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Awaiter {
    NotStarted {
        cancel: Option<Msg>,
    },
    /// Suspended on the task (its `fut_waiter`), its wakeup in the task's
    /// done list or, once the task is done, in the ready FIFO.
    Awaiting {
        cancel: Option<Msg>,
    },
    Done,
}

/// The reference model: one task, its scripted body, and its loop.
///
/// ```
/// use aiotask_reliability::model::{Model, Op, Outcome, Ret, Scheduling};
///
/// let mut m = Model::new(Scheduling::Ticks);
/// assert_eq!(m.apply(&Op::Cancel(Some(1))).ret, Ret::Bool(true)); // NOT-STARTED
/// assert_eq!(m.apply(&Op::Cancel(Some(2))).ret, Ret::Bool(true));
/// m.apply(&Op::Step);
/// // Cancelled before its first step: the last message, handed out once.
/// assert_eq!(m.apply(&Op::Result).ret, Ret::Result(Outcome::Cancelled(Some(2))));
/// assert_eq!(m.apply(&Op::Result).ret, Ret::Result(Outcome::Cancelled(None)));
/// ```
#[derive(Clone, Debug)]
pub struct Model {
    scheduling: Scheduling,
    phase: Phase,
    resume: Resume,
    fut_waiter: Option<Waiter>,
    num_cancels: u32,
    must_cancel: bool,
    cancel_message: Msg,
    cancelled_exc: Option<Msg>,
    log_traceback: bool,
    callbacks: Vec<DoneEntry>,
    mailbox: VecDeque<Command>,
    catch: bool,
    ready: VecDeque<Ready>,
    awaiters: Vec<Awaiter>,
    handle: bool,
    finalized: bool,
    events: Vec<Event>,
    reports: Vec<Report>,
}

impl Model {
    /// A task just created outside the loop: NOT-STARTED, its first step
    /// queued (spec §1.3).
    ///
    /// ```
    /// use aiotask_reliability::model::{Model, Op, Scheduling};
    /// let obs = Model::new(Scheduling::Ticks).apply(&Op::Uncancel);
    /// assert_eq!(obs.to_string(), "0 | done=0 cancelled=0 cancelling=0 state=pending | ev=[] | rep=[]");
    /// ```
    pub fn new(scheduling: Scheduling) -> Self {
        Self {
            scheduling,
            phase: Phase::Pending,
            resume: Resume::NotStarted,
            fut_waiter: None,
            num_cancels: 0,
            must_cancel: false,
            cancel_message: None,
            cancelled_exc: None,
            log_traceback: false,
            callbacks: Vec::new(),
            mailbox: VecDeque::new(),
            catch: false,
            ready: VecDeque::from([Ready::Step]),
            awaiters: Vec::new(),
            handle: true,
            finalized: false,
            events: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// Applies one operation and returns what can be observed afterwards.
    ///
    /// ```
    /// use aiotask_reliability::model::{Event, Model, Op, Scheduling};
    /// let mut m = Model::new(Scheduling::Ticks);
    /// m.apply(&Op::AddCallback(0));
    /// m.apply(&Op::Complete(5));
    /// m.apply(&Op::Step); // the task returns; its callbacks are queued...
    /// assert_eq!(m.apply(&Op::Step).events, vec![Event::Callback(0)]); // ...and run a tick later
    /// ```
    pub fn apply(&mut self, op: &Op) -> Obs {
        let ret = if let Some(cmd) = op.command() {
            self.push(cmd);
            Ret::Nothing
        } else if *op == Op::Step {
            self.step_loop();
            Ret::Nothing
        } else if let Op::CancelAwaiter(k, m) = *op {
            self.cancel_awaiter(k, m)
        } else if !self.handle {
            Ret::Nothing // nothing left to call it on
        } else {
            match *op {
                Op::Cancel(m) => Ret::Bool(self.cancel(m)),
                Op::Uncancel => Ret::Count(self.uncancel()),
                Op::AddCallback(i) => {
                    self.add_done_callback(i);
                    Ret::Nothing
                }
                Op::RemoveCallback(i) => Ret::Count(self.remove_done_callback(i)),
                Op::Await => {
                    let n = u32::try_from(self.awaiters.len()).unwrap_or(u32::MAX);
                    self.awaiters.push(Awaiter::NotStarted { cancel: None });
                    self.ready.push_back(Ready::Awaiter(n));
                    Ret::Nothing
                }
                Op::Result => Ret::Result(self.result()),
                Op::Exception => Ret::Exception(self.exception()),
                Op::DropHandle => {
                    self.handle = false;
                    Ret::Nothing
                }
                _ => unreachable!("commands and steps are handled above"),
            }
        };
        self.collect();
        Obs {
            ret,
            query: self.handle.then(|| self.query()),
            events: mem::take(&mut self.events),
            reports: mem::take(&mut self.reports),
        }
    }

    fn query(&self) -> Query {
        let state = match self.phase {
            Phase::Pending if self.num_cancels > 0 => Word::Cancelling,
            Phase::Pending => Word::Pending,
            Phase::Finished(_) | Phase::Failed(_) => Word::Finished,
            Phase::Cancelled => Word::Cancelled,
        };
        Query {
            done: self.phase != Phase::Pending,
            cancelled: self.phase == Phase::Cancelled,
            cancelling: self.num_cancels,
            state,
        }
    }

    /// §1.14: the task object goes away once nothing holds it: not the
    /// test, not the loop (a queued step or callback, or an awaiter that
    /// still holds it), and it is done (a pending task is held by its
    /// loop). A failure nobody retrieved is reported then.
    fn collect(&mut self) {
        let held = self.handle
            || self.phase == Phase::Pending
            || self.awaiters.iter().any(|a| *a != Awaiter::Done)
            || self.ready.iter().any(|r| matches!(r, Ready::Callback(_)));
        if self.finalized || held {
            return;
        }
        self.finalized = true;
        if let (true, Phase::Failed(f)) = (self.log_traceback, self.phase) {
            self.reports.push(Report::NeverRetrieved(f));
        }
    }

    /// The mailbox: append, and complete the future the body awaits.
    fn push(&mut self, cmd: Command) {
        self.mailbox.push_back(cmd);
        if self.fut_waiter == Some(Waiter::Pending) {
            self.fut_waiter = Some(Waiter::Done);
            self.ready.push_back(Ready::Step); // F's callback: the task's wakeup
        }
    }

    fn step_loop(&mut self) {
        match self.scheduling {
            Scheduling::Ticks => self.tick(),
            Scheduling::Settle => {
                while !self.ready.is_empty() {
                    self.tick();
                }
            }
        }
    }

    /// One tick: exactly the entries ready when it begins, in order.
    fn tick(&mut self) {
        for _ in 0..self.ready.len() {
            match self.ready.pop_front() {
                Some(Ready::Step) => self.run_step(),
                Some(Ready::Callback(i)) => self.events.push(Event::Callback(i)),
                Some(Ready::Awaiter(n)) => self.run_awaiter(n),
                None => break,
            }
        }
    }

    /// §1.7: `Task.cancel(msg)` called from outside the task.
    fn cancel(&mut self, msg: Msg) -> bool {
        self.log_traceback = false;
        if self.phase != Phase::Pending {
            return false;
        }
        self.num_cancels += 1;
        if self.fut_waiter == Some(Waiter::Pending) {
            // fut_waiter.cancel(msg) is True: F is cancelled now and its
            // callback (the wakeup) is queued; must_cancel is not set.
            self.fut_waiter = Some(Waiter::Cancelled(msg));
            self.ready.push_back(Ready::Step);
            return true;
        }
        self.must_cancel = true;
        self.cancel_message = msg;
        true
    }

    /// §1.12, 3.13: reaching zero revokes an undelivered `must_cancel`.
    fn uncancel(&mut self) -> u32 {
        if self.num_cancels > 0 {
            self.num_cancels -= 1;
            if self.num_cancels == 0 {
                self.must_cancel = false;
            }
        }
        self.num_cancels
    }

    /// §1.15: never synchronous; on a done task, `call_soon`.
    fn add_done_callback(&mut self, i: u8) {
        if self.phase == Phase::Pending {
            self.callbacks.push(DoneEntry::Callback(i));
        } else {
            self.ready.push_back(Ready::Callback(i));
        }
    }

    /// §1.15: removes every entry of the callback; 0 on a done task.
    fn remove_done_callback(&mut self, i: u8) -> u32 {
        let before = self.callbacks.len();
        self.callbacks.retain(|e| *e != DoneEntry::Callback(i));
        u32::try_from(before - self.callbacks.len()).unwrap_or(u32::MAX)
    }

    /// §1.11 `_make_cancelled_error()`: the raised error once, then fresh
    /// ones carrying `cancel_message`.
    fn make_cancelled_error(&mut self) -> Msg {
        match self.cancelled_exc.take() {
            Some(m) => m,
            None => self.cancel_message,
        }
    }

    /// §1.13 `result()`; awaiting the task reads it the same way.
    fn result(&mut self) -> Outcome {
        match self.phase {
            Phase::Pending => Outcome::InvalidState,
            Phase::Finished(v) => Outcome::Value(v),
            Phase::Failed(f) => {
                self.log_traceback = false;
                Outcome::Failed(f)
            }
            Phase::Cancelled => Outcome::Cancelled(self.make_cancelled_error()),
        }
    }

    /// §1.13 `exception()`.
    fn exception(&mut self) -> ExceptionOutcome {
        match self.phase {
            Phase::Pending => ExceptionOutcome::InvalidState,
            Phase::Finished(_) => ExceptionOutcome::NoException,
            Phase::Failed(f) => {
                self.log_traceback = false;
                ExceptionOutcome::Exception(f)
            }
            Phase::Cancelled => ExceptionOutcome::Cancelled(self.make_cancelled_error()),
        }
    }

    /// §1.7 on an awaiter: not started, it records the request (the last
    /// message wins); awaiting, it forwards it to the task, and only if the
    /// task's `cancel()` returns false (the task is done, the wakeup not yet
    /// run) sets its own `must_cancel`.
    fn cancel_awaiter(&mut self, k: u8, msg: Msg) -> Ret {
        if self.awaiters.is_empty() {
            return Ret::Nothing;
        }
        let n = usize::from(k) % self.awaiters.len();
        match self.awaiters[n] {
            Awaiter::Done => Ret::Bool(false),
            Awaiter::NotStarted { .. } => {
                self.awaiters[n] = Awaiter::NotStarted { cancel: Some(msg) };
                Ret::Bool(true)
            }
            Awaiter::Awaiting { .. } => {
                if !self.cancel(msg) {
                    self.awaiters[n] = Awaiter::Awaiting { cancel: Some(msg) };
                }
                Ret::Bool(true)
            }
        }
    }

    /// §1.18: an awaiter's step. Cancelled before it started, it ends
    /// without running. A done task gives its outcome at once; a pending one
    /// gets the awaiter's wakeup appended to its done list. The wakeup
    /// (§1.4) reads the task's `result()` first, then steps: a pending
    /// cancel of the awaiter's own (§1.7 WOKEN-PENDING) replaces that
    /// outcome by its own `CancelledError`, unless the outcome already is a
    /// `CancelledError`, which is then thrown in as it is.
    fn run_awaiter(&mut self, n: u32) {
        let i = usize::try_from(n).expect("an awaiter index");
        let event = match self.awaiters[i] {
            Awaiter::NotStarted { cancel: Some(_) } => None,
            Awaiter::NotStarted { cancel: None } if self.phase == Phase::Pending => {
                self.awaiters[i] = Awaiter::Awaiting { cancel: None };
                self.callbacks.push(DoneEntry::Awaiter(n));
                return;
            }
            Awaiter::Awaiting { cancel: Some(m) } => match self.result() {
                Outcome::Cancelled(theirs) => Some(Outcome::Cancelled(theirs)),
                _ => Some(Outcome::Cancelled(m)),
            },
            Awaiter::NotStarted { cancel: None } | Awaiter::Awaiting { cancel: None } => {
                Some(self.result())
            }
            Awaiter::Done => unreachable!("a step of a done awaiter"),
        };
        if let Some(outcome) = event {
            self.events.push(Event::Awaited(n, outcome));
        }
        self.awaiters[i] = Awaiter::Done;
    }

    /// §1.5: the terminal transition; the done list goes to the ready FIFO.
    fn finish(&mut self, phase: Phase) {
        self.phase = phase;
        self.fut_waiter = None;
        if let Phase::Failed(_) = phase {
            self.log_traceback = true;
        }
        for entry in mem::take(&mut self.callbacks) {
            self.ready.push_back(match entry {
                DoneEntry::Callback(i) => Ready::Callback(i),
                DoneEntry::Awaiter(n) => Ready::Awaiter(n),
            });
        }
    }

    /// §1.4, RAISE(CancelledError): the error is kept for one retrieval and
    /// `Future.cancel()` (no message) resets `cancel_message`.
    fn finish_raised_cancel(&mut self, msg: Msg) {
        self.cancelled_exc = Some(msg);
        self.cancel_message = None;
        self.finish(Phase::Cancelled);
    }

    /// §1.4: one step of the task, from the `must_cancel` prologue through
    /// the body's script to its next suspension or its end.
    fn run_step(&mut self) {
        assert_eq!(self.phase, Phase::Pending, "a step of a done task");
        // wakeup(F): a cancelled F throws F's CancelledError in.
        let mut exc = match self.fut_waiter {
            Some(Waiter::Cancelled(m)) => Some(m),
            _ => None,
        };
        if self.must_cancel {
            if exc.is_none() {
                exc = Some(self.make_cancelled_error());
            }
            self.must_cancel = false;
        }
        self.fut_waiter = None;
        if let Some(m) = exc {
            if self.resume == Resume::NotStarted || !self.catch {
                self.finish_raised_cancel(m);
                return;
            }
            self.catch = false;
            self.events.push(Event::Caught(m));
        }
        self.run_body();
    }

    /// The script, from where the body resumed until it suspends or ends.
    fn run_body(&mut self) {
        loop {
            let Some(cmd) = self.mailbox.pop_front() else {
                // YIELD(F): suspend on a fresh mailbox future.
                self.resume = Resume::Mailbox;
                self.fut_waiter = Some(Waiter::Pending);
                if self.must_cancel {
                    // Cancelled during this step: F.cancel(msg) succeeds.
                    self.must_cancel = false;
                    self.fut_waiter = Some(Waiter::Cancelled(self.cancel_message));
                    self.ready.push_back(Ready::Step);
                }
                return;
            };
            match cmd {
                Command::Complete(v) => {
                    if self.must_cancel {
                        // Cancelled during this step: the value is dropped
                        // and `Future.cancel(msg=cancel_message)` keeps it.
                        self.must_cancel = false;
                        self.finish(Phase::Cancelled);
                    } else {
                        self.finish(Phase::Finished(v));
                    }
                    return;
                }
                Command::Fail(n) => return self.finish(Phase::Failed(Fault::Error(n))),
                Command::Panic(n) => return self.finish(Phase::Failed(Fault::Panic(n))),
                Command::Yield => {
                    // YIELD(None): call_soon(step); must_cancel waits for it.
                    self.resume = Resume::Yield;
                    self.ready.push_back(Ready::Step);
                    return;
                }
                Command::CatchNextCancel => self.catch = true,
                Command::SelfCancel(m) => {
                    // RUNNING: no fut_waiter, so must_cancel (§1.7).
                    let r = self.cancel(m);
                    self.events.push(Event::SelfCancel(r));
                }
                Command::SelfUncancel => {
                    let n = self.uncancel();
                    self.events.push(Event::SelfUncancel(n));
                }
            }
        }
    }
}
