//! A small reference model of CPython 3.13's `asyncio.Task`, written from
//! `docs/asyncio-task-semantics.md` and independent of `aiotask-core`,
//! so that property tests can compare the real tasks against it.
//!
//! # What is modelled
//!
//! One task, created at the start, whose body is a *script*: a loop that
//! takes the next [`Command`] from a mailbox, or suspends on a fresh future
//! until the test pushes one. This is the body in Python (the property tests
//! drive the same body written in Rust, and `tests/model_cpython.rs` the same
//! body on CPython):
//!
//! ```text
//! async def body(mailbox):
//!     catch = False
//!     while True:
//!         if mailbox is empty:
//!             F = new future; (try:) await F (except CancelledError if catch)
//!             continue
//!         match mailbox.pop():
//!             Complete(v): return v            Fail(n): raise Boom(n)
//!             Panic(n): raise (a panic)        Yield: (try:) await sleep(0)
//!             CatchNextCancel: catch = True     (the next delivered cancel is suppressed)
//!             SelfCancel(m): current_task().cancel(m)    SelfUncancel: current_task().uncancel()
//!
//! async def awaiter(task):       # one per Op::Await
//!     try: log(ok(await task))
//!     except CancelledError as e: log(cancelled(e))    # the task's, or its own
//!     except Exception as e: log(failed(e))
//! ```
//!
//! The model keeps CPython's fields (spec §1.1): the Future state, the
//! awaited future `fut_waiter` (the mailbox future or none), the
//! `cancelling()` counter, `must_cancel`, the cancel message, the one-shot
//! `cancelled_exc`, `log_traceback` and the done-callback list, plus the
//! loop's ready FIFO and the awaiter tasks (not started, awaiting with or
//! without a cancel of their own pending, done). Every operation ([`Op`])
//! runs the spec's algorithms (§1.4 step and wakeup, §1.5 Future.cancel,
//! §1.7 cancel and its forwarding, §1.11 the message, §1.12 uncancel,
//! §1.13 result/exception, §1.14 "exception was never retrieved", §1.15
//! done callbacks) and returns what can be observed ([`Obs`]). Its `Display`
//! is the line the CPython harness prints, so the model itself is checked
//! against CPython 3.13 (`tests/model_cpython.rs`).
//!
//! A [`Op::Step`] is one loop tick ([`Scheduling::Ticks`]: every entry ready
//! when the tick starts runs, in FIFO order; what they queue runs at the next
//! tick), or every tick until nothing is ready ([`Scheduling::Settle`]).
//!
//! ```
//! use aiotask_reliability::model::{Model, Op, Scheduling};
//!
//! let mut m = Model::new(Scheduling::Ticks);
//! m.apply(&Op::Step); // the first step: the body waits on its mailbox
//! m.apply(&Op::CatchNextCancel);
//! m.apply(&Op::Step); // it arms the catch and waits again
//! assert_eq!(m.apply(&Op::Cancel(Some(1))).to_string(),
//!            "true | done=0 cancelled=0 cancelling=1 state=cancelling | ev=[] | rep=[]");
//! assert_eq!(m.apply(&Op::Step).to_string(),
//!            "- | done=0 cancelled=0 cancelling=1 state=cancelling | ev=[caught(m1)] | rep=[]");
//! ```

use std::fmt;

mod machine;

pub use machine::Model;

/// A cancel message: `Some(n)` is the string `m{n}`, `None` is no message.
///
/// ```
/// let m: aiotask_reliability::model::Msg = Some(2); // cancel_with("m2")
/// assert_eq!(aiotask_reliability::model::msg_text(m), "m2");
/// ```
pub type Msg = Option<u8>;

/// The text of a message as the harnesses spell it: `m{n}`, or `-` for none.
///
/// ```
/// use aiotask_reliability::model::msg_text;
/// assert_eq!(msg_text(Some(0)), "m0");
/// assert_eq!(msg_text(None), "-");
/// ```
pub fn msg_text(msg: Msg) -> String {
    msg.map_or_else(|| "-".to_owned(), |n| format!("m{n}"))
}

/// Parses [`msg_text`]'s form back (`None` text gives `Some(None)`).
///
/// ```
/// use aiotask_reliability::model::parse_msg;
/// assert_eq!(parse_msg(Some("m3")), Some(Some(3)));
/// assert_eq!(parse_msg(None), Some(None));
/// assert_eq!(parse_msg(Some("other")), None);
/// ```
pub fn parse_msg(text: Option<&str>) -> Option<Msg> {
    match text {
        None => Some(None),
        Some(t) => t.strip_prefix('m')?.parse().ok().map(Some),
    }
}

/// One operation of a test sequence. The task is created before the first.
///
/// The commands ([`Op::command`]) are pushed to the body's mailbox; they take
/// effect when the body runs. The other operations are calls on the task
/// handle, skipped once the handle was dropped.
///
/// ```
/// use aiotask_reliability::model::{Command, Op};
/// assert_eq!(Op::Complete(4).command(), Some(Command::Complete(4)));
/// assert_eq!(Op::Cancel(Some(1)).to_string(), "cancel:m1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Let the loop run one tick (or settle, see [`Scheduling`]).
    Step,
    /// `task.cancel()` / `task.cancel(msg)`.
    Cancel(Msg),
    /// `task.uncancel()`.
    Uncancel,
    /// `task.add_done_callback(cb[i])`; callback `i` logs `cb{i}`.
    AddCallback(u8),
    /// `task.remove_done_callback(cb[i])`: returns the count removed.
    RemoveCallback(u8),
    /// Command: the body returns this value.
    Complete(u32),
    /// Command: the body fails with error `E{n}`.
    Fail(u8),
    /// Command: the body panics (in Python: raises `P{n}`).
    Panic(u8),
    /// Command: the body does a bare yield (`await sleep(0)`).
    Yield,
    /// Command: the body catches and suppresses the next cancellation
    /// delivered to it.
    CatchNextCancel,
    /// Command: the body cancels itself while running.
    SelfCancel(Msg),
    /// Command: the body calls `uncancel()` on itself while running.
    SelfUncancel,
    /// Create another task that awaits this one and logs the outcome
    /// (catching a `CancelledError`, its own or the awaited task's).
    Await,
    /// `cancel(msg)` on awaiter `k % awaiters`, which forwards it to this
    /// task while awaiting it (spec §1.7); nothing when there is none.
    CancelAwaiter(u8, Msg),
    /// `task.result()`.
    Result,
    /// `task.exception()`.
    Exception,
    /// Drop the test's only handle: the task runs on, detached.
    DropHandle,
}

impl Op {
    /// The mailbox command this operation pushes, if it is one.
    ///
    /// ```
    /// use aiotask_reliability::model::Op;
    /// assert!(Op::Step.command().is_none());
    /// assert!(Op::Yield.command().is_some());
    /// ```
    pub fn command(self) -> Option<Command> {
        Some(match self {
            Op::Complete(v) => Command::Complete(v),
            Op::Fail(n) => Command::Fail(n),
            Op::Panic(n) => Command::Panic(n),
            Op::Yield => Command::Yield,
            Op::CatchNextCancel => Command::CatchNextCancel,
            Op::SelfCancel(m) => Command::SelfCancel(m),
            Op::SelfUncancel => Command::SelfUncancel,
            _ => return None,
        })
    }
}

impl fmt::Display for Op {
    /// The token the CPython harness reads, e.g. `cancel:m1`, `add:0`, `step`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Step => f.write_str("step"),
            Op::Cancel(m) => write!(f, "cancel:{}", msg_text(m)),
            Op::Uncancel => f.write_str("uncancel"),
            Op::AddCallback(i) => write!(f, "add:{i}"),
            Op::RemoveCallback(i) => write!(f, "remove:{i}"),
            Op::Complete(v) => write!(f, "complete:{v}"),
            Op::Fail(n) => write!(f, "fail:{n}"),
            Op::Panic(n) => write!(f, "panic:{n}"),
            Op::Yield => f.write_str("yield"),
            Op::CatchNextCancel => f.write_str("catch"),
            Op::SelfCancel(m) => write!(f, "selfcancel:{}", msg_text(m)),
            Op::SelfUncancel => f.write_str("selfuncancel"),
            Op::Await => f.write_str("await"),
            Op::CancelAwaiter(k, m) => write!(f, "cancelawaiter:{k}:{}", msg_text(m)),
            Op::Result => f.write_str("result"),
            Op::Exception => f.write_str("exception"),
            Op::DropHandle => f.write_str("drop"),
        }
    }
}

impl std::str::FromStr for Op {
    type Err = String;

    /// Reads the token `Display` writes (what failing tests print).
    ///
    /// ```
    /// use aiotask_reliability::model::Op;
    /// assert_eq!("cancelawaiter:1:m2".parse(), Ok(Op::CancelAwaiter(1, Some(2))));
    /// assert!("bogus".parse::<Op>().is_err());
    /// ```
    fn from_str(token: &str) -> Result<Op, String> {
        let bad = || format!("not an operation: `{token}`");
        let mut parts = token.split(':');
        let name = parts.next().unwrap_or("");
        let args: Vec<&str> = parts.collect();
        let num = |i: usize| args.get(i).and_then(|a| a.parse().ok()).ok_or_else(bad);
        let msg = |i: usize| match args.get(i) {
            Some(&"-") => Ok(None),
            Some(a) => parse_msg(Some(a)).ok_or_else(bad),
            None => Err(bad()),
        };
        Ok(match name {
            "step" => Op::Step,
            "cancel" => Op::Cancel(msg(0)?),
            "uncancel" => Op::Uncancel,
            "add" => Op::AddCallback(num(0)?),
            "remove" => Op::RemoveCallback(num(0)?),
            "complete" => Op::Complete(args.first().and_then(|a| a.parse().ok()).ok_or_else(bad)?),
            "fail" => Op::Fail(num(0)?),
            "panic" => Op::Panic(num(0)?),
            "yield" => Op::Yield,
            "catch" => Op::CatchNextCancel,
            "selfcancel" => Op::SelfCancel(msg(0)?),
            "selfuncancel" => Op::SelfUncancel,
            "await" => Op::Await,
            "cancelawaiter" => Op::CancelAwaiter(num(0)?, msg(1)?),
            "result" => Op::Result,
            "exception" => Op::Exception,
            "drop" => Op::DropHandle,
            _ => return Err(bad()),
        })
    }
}

/// Formats a sequence of operations as the CPython harness reads it.
///
/// ```
/// use aiotask_reliability::model::{Op, ops_line};
/// assert_eq!(ops_line(&[Op::Step, Op::Cancel(None)]), "step cancel:-");
/// ```
pub fn ops_line(ops: &[Op]) -> String {
    ops.iter().map(Op::to_string).collect::<Vec<_>>().join(" ")
}

/// Reads a sequence written by [`ops_line`] (a failing test's `sequence:`).
///
/// # Errors
///
/// The first token that is not an operation.
///
/// ```
/// use aiotask_reliability::model::{Op, parse_ops};
/// assert_eq!(parse_ops("step cancel:m0"), Ok(vec![Op::Step, Op::Cancel(Some(0))]));
/// ```
pub fn parse_ops(line: &str) -> Result<Vec<Op>, String> {
    line.split_whitespace().map(str::parse).collect()
}

/// One scripted action of the body, taken from its mailbox.
///
/// ```
/// use aiotask_reliability::model::Command;
/// let script = [Command::CatchNextCancel, Command::Yield, Command::Complete(1)];
/// assert_eq!(script.len(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Return the value.
    Complete(u32),
    /// Fail with error `E{n}`.
    Fail(u8),
    /// Panic (`P{n}`).
    Panic(u8),
    /// A bare yield: the task stays READY until the next tick.
    Yield,
    /// Catch and suppress the next cancellation delivered to the body.
    CatchNextCancel,
    /// `current_task().cancel(msg)` from inside the step.
    SelfCancel(Msg),
    /// `current_task().uncancel()` from inside the step.
    SelfUncancel,
}

/// How a failed task failed.
///
/// ```
/// use aiotask_reliability::model::Fault;
/// assert_eq!(Fault::Error(2).to_string(), "E2");
/// assert_eq!(Fault::Panic(0).to_string(), "P0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The body returned error `E{n}`.
    Error(u8),
    /// The body panicked with `P{n}`.
    Panic(u8),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Error(n) => write!(f, "E{n}"),
            Fault::Panic(n) => write!(f, "P{n}"),
        }
    }
}

/// What `result()` or awaiting the task gives.
///
/// ```
/// use aiotask_reliability::model::Outcome;
/// assert_eq!(Outcome::Cancelled(Some(1)).to_string(), "cancelled(m1)");
/// assert_eq!(Outcome::InvalidState.to_string(), "invalid");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The value.
    Value(u32),
    /// `InvalidStateError`: the task is pending.
    InvalidState,
    /// `CancelledError` with this message.
    Cancelled(Msg),
    /// The stored failure.
    Failed(Fault),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Outcome::Value(v) => write!(f, "ok({v})"),
            Outcome::InvalidState => f.write_str("invalid"),
            Outcome::Cancelled(m) => write!(f, "cancelled({})", msg_text(m)),
            Outcome::Failed(x) => write!(f, "failed({x})"),
        }
    }
}

/// What `exception()` gives.
///
/// ```
/// use aiotask_reliability::model::{ExceptionOutcome, Fault};
/// assert_eq!(ExceptionOutcome::Exception(Fault::Error(1)).to_string(), "exc(E1)");
/// assert_eq!(ExceptionOutcome::NoException.to_string(), "none");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionOutcome {
    /// The task returned a value: `None`.
    NoException,
    /// The stored failure.
    Exception(Fault),
    /// `InvalidStateError`: the task is pending.
    InvalidState,
    /// Raises `CancelledError` with this message.
    Cancelled(Msg),
}

impl fmt::Display for ExceptionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExceptionOutcome::NoException => f.write_str("none"),
            ExceptionOutcome::Exception(x) => write!(f, "exc({x})"),
            ExceptionOutcome::InvalidState => f.write_str("invalid"),
            ExceptionOutcome::Cancelled(m) => write!(f, "cancelled({})", msg_text(m)),
        }
    }
}

/// The return value of an operation.
///
/// ```
/// use aiotask_reliability::model::Ret;
/// assert_eq!(Ret::Bool(false).to_string(), "false");
/// assert_eq!(Ret::Nothing.to_string(), "-");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ret {
    /// The operation returns nothing, or was skipped.
    Nothing,
    /// `cancel()`'s answer.
    Bool(bool),
    /// `uncancel()`'s new count, or `remove_done_callback()`'s count removed.
    Count(u32),
    /// `result()`.
    Result(Outcome),
    /// `exception()`.
    Exception(ExceptionOutcome),
}

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ret::Nothing => f.write_str("-"),
            Ret::Bool(b) => write!(f, "{b}"),
            Ret::Count(n) => write!(f, "{n}"),
            Ret::Result(o) => write!(f, "{o}"),
            Ret::Exception(e) => write!(f, "{e}"),
        }
    }
}

/// Something the harness logs while the loop runs.
///
/// ```
/// use aiotask_reliability::model::{Event, Outcome};
/// assert_eq!(Event::Awaited(0, Outcome::Value(3)).to_string(), "aw0=ok(3)");
/// assert_eq!(Event::Caught(None).to_string(), "caught(-)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// Done callback `i` ran.
    Callback(u8),
    /// Awaiter `n` (the `n`-th [`Op::Await`]) resumed with this outcome.
    Awaited(u32, Outcome),
    /// The body caught a `CancelledError` with this message.
    Caught(Msg),
    /// The body's `cancel()` on itself returned this.
    SelfCancel(bool),
    /// The body's `uncancel()` on itself returned this.
    SelfUncancel(u32),
}

impl Event {
    /// True for the events of awaiter tasks (whose order relative to the
    /// other events is the scheduler's own on a non-FIFO executor).
    ///
    /// ```
    /// use aiotask_reliability::model::{Event, Outcome};
    /// assert!(Event::Awaited(1, Outcome::InvalidState).is_awaiter());
    /// assert!(!Event::Callback(1).is_awaiter());
    /// ```
    pub fn is_awaiter(&self) -> bool {
        matches!(self, Event::Awaited(..))
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Callback(i) => write!(f, "cb{i}"),
            Event::Awaited(n, o) => write!(f, "aw{n}={o}"),
            Event::Caught(m) => write!(f, "caught({})", msg_text(m)),
            Event::SelfCancel(b) => write!(f, "selfcancel={b}"),
            Event::SelfUncancel(n) => write!(f, "selfuncancel={n}"),
        }
    }
}

/// A report passed to the loop's exception handler.
///
/// ```
/// use aiotask_reliability::model::{Fault, Report};
/// assert_eq!(Report::NeverRetrieved(Fault::Error(1)).to_string(), "never(E1)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Report {
    /// "Task exception was never retrieved", with the failure.
    NeverRetrieved(Fault),
    /// Any other report (the model never expects one).
    Other(String),
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::NeverRetrieved(x) => write!(f, "never({x})"),
            Report::Other(m) => write!(f, "other({m})"),
        }
    }
}

/// The repr's state word (spec §1.17).
///
/// ```
/// use aiotask_reliability::model::Word;
/// assert_eq!(Word::parse("<Task cancelling name='T'>"), Some(Word::Cancelling));
/// assert_eq!(Word::Finished.to_string(), "finished");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Word {
    /// Pending, `cancelling() == 0`.
    Pending,
    /// Pending, `cancelling() > 0`.
    Cancelling,
    /// Done with a value or a failure.
    Finished,
    /// Done, cancelled.
    Cancelled,
}

impl Word {
    /// Reads the state word of a repr such as `<Task pending name='T'>`.
    ///
    /// ```
    /// assert_eq!(aiotask_reliability::model::Word::parse("<Task x>"), None);
    /// ```
    pub fn parse(repr: &str) -> Option<Word> {
        let word = repr.strip_prefix("<Task ")?.split([' ', '>']).next()?;
        Some(match word {
            "pending" => Word::Pending,
            "cancelling" => Word::Cancelling,
            "finished" => Word::Finished,
            "cancelled" => Word::Cancelled,
            _ => return None,
        })
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Word::Pending => "pending",
            Word::Cancelling => "cancelling",
            Word::Finished => "finished",
            Word::Cancelled => "cancelled",
        })
    }
}

/// The side-effect-free queries, read after every operation.
///
/// ```
/// use aiotask_reliability::model::{Query, Word};
/// let q = Query { done: false, cancelled: false, cancelling: 0, state: Word::Pending };
/// assert_eq!(q.to_string(), "done=0 cancelled=0 cancelling=0 state=pending");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    /// `done()`.
    pub done: bool,
    /// `cancelled()`.
    pub cancelled: bool,
    /// `cancelling()`.
    pub cancelling: u32,
    /// The repr's state word.
    pub state: Word,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "done={} cancelled={} cancelling={} state={}",
            u8::from(self.done),
            u8::from(self.cancelled),
            self.cancelling,
            self.state
        )
    }
}

/// Everything observable after one operation. `Display` gives the line the
/// CPython harness prints for the same operation.
///
/// ```
/// use aiotask_reliability::model::{Model, Op, Scheduling};
/// let mut m = Model::new(Scheduling::Ticks);
/// let obs = m.apply(&Op::DropHandle);
/// assert!(obs.query.is_none());
/// assert_eq!(obs.to_string(), "- | dropped | ev=[] | rep=[]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Obs {
    /// The operation's return value.
    pub ret: Ret,
    /// The queries, `None` once the handle was dropped.
    pub query: Option<Query>,
    /// What was logged during the operation, in order.
    pub events: Vec<Event>,
    /// What reached the exception handler during the operation, in order.
    pub reports: Vec<Report>,
}

impl Obs {
    /// The same observation as compared on executors whose order between
    /// independent tasks is their own: the events of the task and of its
    /// callbacks keep their order; the awaiter events move to the end, with
    /// their awaiters and their outcomes each sorted. Which awaiter runs first,
    /// and so which one receives a cancel message handed out only once
    /// (spec §1.11), is the executor's choice; which awaiters resumed, and
    /// which outcomes were handed out, is not.
    ///
    /// ```
    /// use aiotask_reliability::model::{Event, Obs, Outcome, Ret};
    /// let obs = |events| Obs { ret: Ret::Nothing, query: None, reports: vec![], events };
    /// let fifo = obs(vec![Event::Awaited(0, Outcome::Cancelled(None)),
    ///                     Event::Awaited(1, Outcome::Cancelled(Some(0))), Event::Callback(0)]);
    /// let other = obs(vec![Event::Callback(0), Event::Awaited(1, Outcome::Cancelled(None)),
    ///                      Event::Awaited(0, Outcome::Cancelled(Some(0)))]);
    /// assert_ne!(fifo, other);
    /// assert_eq!(fifo.relaxed(), other.relaxed());
    /// ```
    pub fn relaxed(&self) -> Obs {
        let mut awaiters = Vec::new();
        let mut outcomes = Vec::new();
        let mut events = Vec::new();
        for e in &self.events {
            match *e {
                Event::Awaited(n, o) => {
                    awaiters.push(n);
                    outcomes.push(o);
                }
                other => events.push(other),
            }
        }
        awaiters.sort_unstable();
        outcomes.sort_unstable();
        events.extend(
            awaiters
                .into_iter()
                .zip(outcomes)
                .map(|(n, o)| Event::Awaited(n, o)),
        );
        Obs {
            events,
            ..self.clone()
        }
    }
}

impl fmt::Display for Obs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} | ", self.ret)?;
        match &self.query {
            Some(q) => write!(f, "{q}")?,
            None => f.write_str("dropped")?,
        }
        let join = |items: Vec<String>| items.join(",");
        write!(
            f,
            " | ev=[{}] | rep=[{}]",
            join(self.events.iter().map(Event::to_string).collect()),
            join(self.reports.iter().map(Report::to_string).collect())
        )
    }
}

/// How much an [`Op::Step`] runs.
///
/// ```
/// use aiotask_reliability::model::{Model, Op, Scheduling};
/// let mut m = Model::new(Scheduling::Settle);
/// m.apply(&Op::Complete(1));
/// m.apply(&Op::Step); // runs the task to its end, then its callbacks
/// assert_eq!(m.apply(&Op::Result).to_string().split(' ').next(), Some("ok(1)"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheduling {
    /// One asyncio tick: what was ready when it began, in FIFO order.
    Ticks,
    /// Ticks until nothing is ready (for executors without asyncio's ticks).
    Settle,
}
