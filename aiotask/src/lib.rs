//! Python's `asyncio.Task` for Rust, the same on every executor.
//!
//! A task made through aiotask behaves as CPython 3.13's `asyncio.Task`
//! does: you can ask it how it is doing in every state, name it, hang done
//! callbacks on it, and *ask* it to stop, with a reason, which it may
//! refuse. The behaviour is the same on aiotask's own event loop, on tokio
//! and on smol's executor; a conformance suite written from
//! `docs/asyncio-task-semantics.md` checks it on each.
//!
//! This page is the tutorial. It covers, in order: [the model](#the-model),
//! [Python to Rust](#python-to-rust), [outputs](#outputs),
//! [`Send`](#send), [detaching](#detaching),
//! [done callbacks](#done-callbacks), [names and repr](#names-and-repr),
//! [the running loop](#the-running-loop), [choosing a backend](#choosing-a-backend)
//! and [one example per backend](#one-example-per-backend). Every example
//! on this page runs as it is written, on the default runtime (aiotask's
//! own loop); the per-backend ones need their backend's feature.
//!
//! # The model
//!
//! **A task is a handle.** [`spawn`] starts a future on the running loop
//! and returns a [`Task<T>`](Task) at once; the future runs on its own, a
//! step at a time, from a later tick (never inside `spawn`). The handle
//! answers [`done`](Task::done), [`cancelled`](Task::cancelled),
//! [`result`](Task::result), [`exception`](Task::exception) and the rest in
//! every state; it is `Clone` (another reference to the same task),
//! `Send + Sync` (any thread may ask or cancel), and awaiting it gives
//! `Ok(value)` or `Err(`[`TaskError`]`)`: it never panics, whatever the task
//! did.
//!
//! **Cancellation is a request.** [`cancel`](Task::cancel) and
//! [`cancel_with`](Task::cancel_with) only mark the task; the request is
//! *delivered* to the body at an await: the one the task is waiting in, or,
//! if it is running, the next one that really suspends (a `poll` that
//! returns `Pending`: awaiting something already ready delivers nothing). A
//! task cancelled before its first step runs none of its body. What happens
//! at delivery is the **catch-or-drop rule**:
//!
//! * If the task is suspended inside an active [`catch_cancel`] (Python's
//!   `try: await x` / `except CancelledError`), that await returns
//!   `Err(CancelledError)`, the future it wrapped is dropped, and the body
//!   goes on: it may clean up, await more, and then either return the error
//!   (the task ends cancelled, as a bare `raise` does) or return a value (the
//!   cancellation is suppressed: the task finishes normally).
//! * Otherwise the body is **dropped** at that await: it never resumes, its
//!   destructors run (they are Python's `finally`), and the task ends
//!   cancelled.
//!
//! [`abort`](Task::abort) is the request no body can catch, for the second
//! phase of a shutdown.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::time::Duration;
//! use aiotask::prelude::*; // `.catch_cancel()` on any future
//!
//! /// Sets its flag when dropped: a destructor is the body's `finally`.
//! struct Finally(Arc<AtomicBool>);
//! impl Drop for Finally {
//!     fn drop(&mut self) {
//!         self.0.store(true, Ordering::SeqCst);
//!     }
//! }
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let cleaned_up = Arc::new(AtomicBool::new(false));
//!     let guard = Finally(cleaned_up.clone());
//!     // No catch: the body is dropped at the await the cancel reaches.
//!     let dropped = aiotask::spawn(async move {
//!         let _guard = guard;
//!         aiotask::sleep(Duration::from_secs(3600)).await;
//!         "never gets here"
//!     });
//!     // A catch: that await returns Err, and the body decides.
//!     let caught = aiotask::spawn(async {
//!         match aiotask::sleep(Duration::from_secs(3600)).catch_cancel().await {
//!             Ok(()) => "slept",
//!             Err(_cancelled) => "suppressed", // a value: the task finishes
//!         }
//!     });
//!     aiotask::yield_now().await; // one tick: both start and suspend
//!
//!     assert!(dropped.cancel() && caught.cancel()); // requests, not yet delivered
//!     assert!(!dropped.done());
//!
//!     assert!((&dropped).await.unwrap_err().is_cancelled());
//!     assert!(dropped.cancelled());
//!     assert!(cleaned_up.load(Ordering::SeqCst));
//!
//!     assert_eq!((&caught).await.unwrap(), "suppressed");
//!     assert!(!caught.cancelled()); // suppressed: it finished normally,
//!     assert_eq!(caught.cancelling(), 1); // though a request was made
//! })
//! .unwrap();
//! ```
//!
//! Awaiting another task gives its outcome as a value: a cancelled child
//! arrives as `Err(TaskError::Cancelled(_))` from `child.await`, and `?` in a
//! [`spawn_try`] body passes it on, which is what not catching it means in
//! Python. A cancel of a task that waits on a child is forwarded to the
//! child, as asyncio does: the child is cancelled, and the awaiter resumes
//! with the child's outcome (the value, if the child suppressed it). To
//! catch both the awaiter's cancellation and the child's in one shape, await
//! [`child.catch_cancel()`](Task::catch_cancel).
//!
//! # Python to Rust
//!
//! | Python | aiotask |
//! |---|---|
//! | `asyncio.run(main())` | `Runtime::new().run(main)` → `Result<T, TaskError>` ([`Runtime::run`]) |
//! | `loop.run_until_complete(task)` | [`rt.run_until_complete(&task)`](Runtime::run_until_complete) |
//! | `asyncio.get_running_loop()` | [`Handle::current()`](Handle::current), [`Handle::try_current()`](Handle::try_current) |
//! | `asyncio.create_task(coro)` | [`spawn(fut)`](spawn) (or [`create_task`]), `handle.create_task(fut)` |
//! | `create_task(coro, name="n")` | [`spawn_named("n", fut)`](spawn_named), `handle.create_named_task("n", fut)` |
//! | a coroutine that raises | [`spawn_try(fut)`](spawn_try): the body's `Err(e)` fails the task with `e` |
//! | `await task` | `task.await` (moves the value out) or `(&task).await` (clones it): `Result<T, TaskError>` |
//! | `await asyncio.sleep(s)` | [`sleep(duration)`](sleep)`.await` |
//! | `await asyncio.sleep(0)` | [`yield_now()`](yield_now)`.await` |
//! | `try: await x` / `except CancelledError as e:` | `x.catch_cancel().await` → `Err(e)` ([`catch_cancel`]) |
//! | `raise` (re-raise the cancellation) | return `Err(e)`, or `?`, from a [`spawn_try`] body |
//! | `finally:` | code after the catch, or a destructor (`Drop`) |
//! | `task.cancel()`, `task.cancel(msg)` | [`cancel()`](Task::cancel), [`cancel_with(msg)`](Task::cancel_with) → `bool` |
//! | `task.done()`, `task.cancelled()` | [`done()`](Task::done), [`cancelled()`](Task::cancelled) |
//! | `task.result()` | [`result()`](Task::result) (a clone), [`take_result()`](Task::take_result) (moved out) |
//! | `task.exception()` | [`exception()`](Task::exception) → `Result<Option<Failure>, TaskError>` |
//! | `task.add_done_callback(fn)` | [`add_done_callback(\|t\| …)`](Task::add_done_callback) |
//! | `task.remove_done_callback(fn)` | [`add_done_callback_ref(&cb)`](Task::add_done_callback_ref), [`remove_done_callback(&cb)`](Task::remove_done_callback) with a [`DoneCallback`] |
//! | `task.get_name()`, `set_name(n)` | [`name()`](Task::name), [`set_name(n)`](Task::set_name) |
//! | `task.cancelling()`, `uncancel()` | [`cancelling()`](Task::cancelling), [`uncancel()`](Task::uncancel), 3.13's rules |
//! | `repr(task)` | `format!("{task:?}")`: `<Task cancelling name='worker'>` |
//! | `asyncio.current_task()` | [`current_task()`](current_task) → `Option<AnyTask>` |
//! | `loop.call_soon(f)`, `loop.time()` | `handle.call_soon(f)`, `handle.time()` |
//! | `loop.set_exception_handler(h)` | `handle.set_exception_handler(Some(Arc::new(\|ctx\| …)))` ([`ExceptionContext`]) |
//! | `CancelledError`, `InvalidStateError` | [`CancelledError`], [`InvalidStateError`] (inside [`TaskError`]) |
//! | `RuntimeError('no running event loop')` | [`RuntimeError`] of kind [`RuntimeErrorKind::NoRunningLoop`] |
//! | (none) | [`abort()`](Task::abort): a cancel the body cannot catch; [`detach()`](Task::detach) |
//!
//! The `handle.…` methods come from the [`traits`]: `use aiotask::prelude::*;`
//! brings them, and `.catch_cancel()`, into scope.
//!
//! # Outputs
//!
//! A task's value may be of any `Send + 'static` type ([`TaskOutput`]); it
//! need not be `Clone` nor `Debug`. How it is read depends on what the type
//! allows:
//!
//! | read | needs | the value |
//! |---|---|---|
//! | `task.await`, [`take_result()`](Task::take_result), `rt.run(task)` | nothing | moved out: the first reader gets it |
//! | `(&task).await`, [`join()`](Task::join), [`result()`](Task::result), [`run_until_complete(&task)`](Runtime::run_until_complete) | `T: Clone` | cloned: every reader gets it, as in Python |
//! | `format!("{task:?}")` | `T: Debug` | `result=<its Debug>` in the repr |
//!
//! Once the value is moved out, every later read is
//! `Err(TaskError::InvalidState(e))` with
//! [`e.is_result_taken()`](InvalidStateError::is_result_taken), and the repr
//! shows `result=<taken>`: Python has no such state, since it shares values
//! rather than moving them.
//!
//! ```
//! /// Neither `Clone` nor `Debug`: a value only one owner can have.
//! struct Connection {
//!     port: u16,
//! }
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     // A String is Clone: every reader gets a copy.
//!     let shared = aiotask::spawn(async { String::from("copy me") });
//!     assert_eq!((&shared).await.unwrap(), "copy me");
//!     assert_eq!(shared.result().unwrap(), "copy me");
//!
//!     // A Connection is not: the first await by value takes it.
//!     let connect = aiotask::spawn(async { Connection { port: 8080 } });
//!     let other = connect.clone(); // a second handle to the same task
//!     assert_eq!(connect.await.unwrap().port, 8080); // moved out
//!     let later = other.take_result(); // and every later read is told so
//!     assert!(matches!(later, Err(aiotask::TaskError::InvalidState(e)) if e.is_result_taken()));
//! })
//! .unwrap();
//! ```
//!
//! A body that can fail is made with [`spawn_try`]: `Err(e)` fails the task
//! with `e`, which [`exception`](Task::exception) and
//! [`TaskError::Failed`] hand back as a [`Failure`] (downcastable to the
//! body's own error type); a panic in a body fails that task and nothing
//! else ([`TaskError::is_panic`]). An error that carries a
//! [`CancelledError`], anywhere in its `source()` chain or inside an
//! `io::Error`, ends the task cancelled instead: that is how `?` re-raises
//! a caught cancellation.
//!
//! ```
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let parse = aiotask::spawn_try(async { "x".parse::<u8>() });
//!     let err = (&parse).await.unwrap_err();
//!     assert!(err.is_failed());
//!     let failure = parse.exception().unwrap().unwrap(); // Python's exception()
//!     assert!(failure.is::<std::num::ParseIntError>());
//!
//!     let panics = aiotask::spawn(async { panic!("bug") });
//!     assert!(panics.await.unwrap_err().is_panic()); // the caller goes on
//! })
//! .unwrap();
//! ```
//!
//! # `Send`
//!
//! A task's *value* is always `Send` (any thread may read the handle). Its
//! *body* must be `Send` wherever the executor may move it between
//! threads, which is everywhere tasks are made through [`spawn`], a
//! [`Handle`] or [`Runtime::run`]:
//!
//! | backend | [`spawn`], `Handle::create_*`, [`Runtime::run`] | a body that is not `Send` (holds an `Rc` across an await) |
//! |---|---|---|
//! | native | `Send` | `aiotask::native::spawn_local(fut)` inside a task, or `aiotask::native::Runtime::create_local_task(fut)`: it never leaves the loop's thread |
//! | tokio | `Send`, on every flavour | not offered: tokio tasks may move between worker threads |
//! | smol | `Send` | `aiotask::smol::Runtime::local().create_local_task(fut)`, on the local flavour (it panics on the others) |
//!
//! The compiler's "future cannot be sent between threads safely" points at
//! the value held across an await; drop it before the await, or make the
//! task local. With the `native` feature:
//!
//! ```
//! # #[cfg(feature = "native")] {
//! use std::rc::Rc;
//!
//! let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
//! let out = rt.run(async {
//!     let local = aiotask::native::spawn_local(async {
//!         let not_send = Rc::new(20);
//!         aiotask::yield_now().await; // an Rc held across an await
//!         *not_send + 1
//!     });
//!     local.await.unwrap() // the handle itself is Send, as always
//! });
//! assert_eq!(out.unwrap(), 21);
//! # }
//! ```
//!
//! The [`Runtime`] itself is neither `Send` nor `Sync` (a native loop is
//! bound to its thread); a [`Handle`] and every [`Task`] are both.
//!
//! # Detaching
//!
//! Dropping a handle never cancels anything: dropping *every* handle of a
//! task detaches it, and it runs on to its end. [`detach`](Task::detach)
//! says so out loud; [`Task`] is `#[must_use]` so that a detach is never an
//! accident. A detached task that fails is not silent: when its last handle
//! goes and nobody read the failure, the runtime's exception handler gets
//! `Task exception was never retrieved`. Dropping the [`Runtime`] ends every
//! task still pending: each is reported as `Task was destroyed but it is
//! pending!` and ends cancelled, so handles kept elsewhere still answer.
//!
//! ```
//! use std::sync::mpsc;
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let (tx, rx) = mpsc::channel();
//!     aiotask::spawn(async move {
//!         aiotask::yield_now().await;
//!         tx.send("ran to its end").unwrap();
//!     })
//!     .detach(); // no handle left: the task runs on
//!     let said = loop {
//!         match rx.try_recv() {
//!             Ok(said) => break said,
//!             Err(_) => aiotask::yield_now().await,
//!         }
//!     };
//!     assert_eq!(said, "ran to its end");
//! })
//! .unwrap();
//! ```
//!
//! # Done callbacks
//!
//! [`add_done_callback`](Task::add_done_callback) takes a closure of the
//! finished task (`|t| …`, its type inferred). Callbacks run soon after the
//! task ends, in the order they were added, on the loop, **never
//! synchronously**: not even when added to a task that is already done.
//! Inside one, [`current_task`] is `None` and [`Handle::current`] works. A
//! panicking callback is reported and the others still run. A closure has
//! no identity, so to remove a callback, make it a [`DoneCallback`] and add
//! it with [`add_done_callback_ref`](Task::add_done_callback_ref).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let seen = Arc::new(Mutex::new(Vec::new()));
//!     let task = aiotask::spawn_named("job", async { 7 });
//!     let _ = (&task).await; // done now
//!
//!     let log = seen.clone();
//!     task.add_done_callback(move |t| log.lock().unwrap().push(t.name()));
//!     assert!(seen.lock().unwrap().is_empty()); // not run inside the call
//!
//!     aiotask::yield_now().await; // a tick later, it has run
//!     assert_eq!(*seen.lock().unwrap(), ["job"]);
//! })
//! .unwrap();
//! ```
//!
//! # Names and repr
//!
//! A task is named `Task-N` from one process-wide counter unless it is
//! given a name ([`spawn_named`], [`set_name`](Task::set_name)). Its
//! `Debug` is Python's repr: the state (`pending`, `cancelling`,
//! `finished`, `cancelled`), the name as Python quotes it, the task it
//! awaits (`wait_for=`), and its value (`result=`, with the value's
//! `Debug`) or failure (`exception=`).
//!
//! ```
//! use std::time::Duration;
//!
//! let rt = aiotask::Runtime::new();
//! rt.run(async {
//!     let unnamed = aiotask::spawn(async { 42 });
//!     assert!(unnamed.name().starts_with("Task-"));
//!
//!     let fetch = aiotask::spawn_named("fetch", aiotask::sleep(Duration::from_secs(3600)));
//!     assert_eq!(format!("{fetch:?}"), "<Task pending name='fetch'>");
//!     fetch.cancel();
//!     assert_eq!(format!("{fetch:?}"), "<Task cancelling name='fetch'>");
//!     let _ = (&fetch).await;
//!     assert_eq!(format!("{fetch:?}"), "<Task cancelled name='fetch'>");
//!
//!     unnamed.set_name("answer");
//!     let _ = (&unnamed).await;
//!     assert_eq!(format!("{unnamed:?}"), "<Task finished name='answer' result=42>");
//! })
//! .unwrap();
//! ```
//!
//! # The running loop
//!
//! A [`Runtime`] is an event loop, run from the thread that made it:
//! [`run`](Runtime::run) runs a main task to its end (asyncio's `run`),
//! [`run_until_complete`](Runtime::run_until_complete) runs the loop until
//! a given task is done, and [`handle`](Runtime::handle) gives a [`Handle`]
//! to create tasks from outside. Inside any task, done callback or
//! `call_soon` job, the loop is *running* and is found without passing
//! anything around: [`Handle::current`], and the ambient functions [`spawn`],
//! [`spawn_named`], [`spawn_try`], [`spawn_named_try`], [`create_task`],
//! [`sleep`] and [`yield_now`]. Outside, they panic, saying how to fix it;
//! [`Handle::try_current`] is the form that returns an error instead.
//!
//! ```
//! use aiotask::prelude::*; // the Handle's methods
//!
//! let rt = aiotask::Runtime::new();
//! // Outside the loop: create tasks through a handle.
//! let made_outside = rt.handle().create_named_task("early", async { 1 });
//! assert!(aiotask::Handle::try_current().is_err()); // no loop is running here
//!
//! let total = rt.run(async move {
//!     // Inside: the running loop is found.
//!     let inside = aiotask::spawn(async { 2 });
//!     let me = aiotask::current_task().unwrap(); // asyncio.current_task()
//!     assert_ne!(me.id(), inside.id());
//!     made_outside.await.unwrap() + inside.await.unwrap()
//! });
//! assert_eq!(total.unwrap(), 3);
//! ```
//!
//! `run` and `run_until_complete` refuse, with a [`TaskError::Runtime`] and
//! before creating anything, a call from inside the runtime's own tasks
//! ([`RuntimeErrorKind::AlreadyRunning`]) and a task of another runtime
//! ([`RuntimeErrorKind::OtherRuntime`]).
//!
//! # Choosing a backend
//!
//! | feature | what it does |
//! |---|---|
//! | `native` | adds `aiotask::native`: aiotask's own single-threaded loop, with asyncio's FIFO ticks |
//! | `tokio` | adds `aiotask::tokio`: each task is a real tokio task, on a current-thread (`new()`) or `multi_thread(n)` runtime, or on a tokio runtime of yours (`from_runtime`, `from_handle`) |
//! | `smol` | adds `aiotask::smol`: tasks on async-executor with async-io timers, local (`new()`) or `multi_thread(n)`, or on an executor of yours (`from_executor`) |
//! | `default-native` (on by default) | `native`, and [`Runtime::new`] makes a native loop |
//! | `default-tokio` | `tokio`, and [`Runtime::new`] makes a current-thread tokio runtime |
//! | `default-smol` | `smol`, and [`Runtime::new`] makes a local async-executor |
//! | `tracing` | reports become `tracing` events, and each step of a task runs in a span named after it |
//! | `log` | reports become `log` records (target `aiotask`) |
//!
//! The backend features are additive: turning one on adds its module and
//! its `From` conversions, and changes nothing else. Whatever backends are
//! compiled in, [`Runtime`] and [`Handle`] are one type each (`From` turns
//! any backend's runtime or handle into them), and [`Task`] is the same
//! type on every backend. [`Runtime`], [`Handle`] and the ambient functions
//! exist once any backend is on. Only the `default-*` features choose what
//! [`Runtime::new`] makes, and only an application chooses one: with several
//! on (as `--all-features` does), native wins, then tokio, then smol.
//!
//! A library does not choose: it depends on aiotask with
//! `default-features = false` and no `default-*` feature, and either is
//! generic over the [`traits`] (no backend needed) or turns on one backend
//! feature to use [`spawn`], [`Handle::current`] or a [`Handle`] it is
//! given. [`Handle::current`] finds whichever loop runs the caller, so the
//! library runs on whatever runtime the application picked.
//!
//! ```toml
//! [dependencies]
//! # an application on tokio
//! aiotask = { version = "0.1", default-features = false, features = ["default-tokio"] }
//! ```
//!
//! The backends' own types stay reachable for what only one of them offers
//! (`!Send` tasks, a multi-thread flavour, attaching to a host runtime):
//! `aiotask::native`, `aiotask::tokio` and `aiotask::smol`.
//!
//! # One example per backend
//!
//! Each turns a backend's own runtime into the facade's [`Runtime`], and
//! runs with its backend's feature on (all three are on under
//! `--all-features`).
//!
//! **native** (feature `native`): one thread, asyncio's ticks. Two tasks
//! looping on [`yield_now`] interleave strictly, as in asyncio:
//!
//! ```
//! # #[cfg(feature = "native")] {
//! use std::sync::{Arc, Mutex};
//!
//! let rt = aiotask::Runtime::from(aiotask::native::Runtime::new());
//! let log = Arc::new(Mutex::new(Vec::new()));
//! let ticks = log.clone();
//! rt.run(async move {
//!     let looper = |name: &'static str| {
//!         let log = ticks.clone();
//!         aiotask::spawn(async move {
//!             for i in 0..2 {
//!                 log.lock().unwrap().push(format!("{name}{i}"));
//!                 aiotask::yield_now().await;
//!             }
//!         })
//!     };
//!     let (a, b) = (looper("A"), looper("B"));
//!     a.await.unwrap();
//!     b.await.unwrap();
//! })
//! .unwrap();
//! assert_eq!(*log.lock().unwrap(), ["A0", "B0", "A1", "B1"]);
//! # }
//! ```
//!
//! **tokio** (feature `tokio`): every task is a real tokio task, so tokio's
//! timers, I/O and sync primitives work inside it. On a multi-thread
//! runtime, tasks run on the worker threads in parallel, and a handle
//! cancels from any thread:
//!
//! ```
//! # #[cfg(feature = "tokio")] {
//! use std::time::Duration;
//! use aiotask::prelude::*;
//!
//! let rt = aiotask::Runtime::from(aiotask::tokio::Runtime::multi_thread(2));
//! let sums: Vec<_> = (0..4u64)
//!     .map(|i| rt.handle().create_task(async move { (i * 100..(i + 1) * 100).sum::<u64>() }))
//!     .collect();
//! let total = rt.run(async move {
//!     let mut total = 0;
//!     for part in sums {
//!         total += part.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total.unwrap(), (0..400).sum::<u64>());
//!
//! let worker = rt.handle().create_named_task("worker", aiotask::sleep(Duration::from_secs(3600)));
//! let remote = worker.clone();
//! std::thread::spawn(move || remote.cancel_with("from another thread")).join().unwrap();
//! let err = rt.run(worker).unwrap().unwrap_err();
//! assert_eq!(err.cancelled().unwrap().message(), Some("from another thread"));
//! # }
//! ```
//!
//! **smol** (feature `smol`): tasks on async-executor, where async-io's
//! timers and I/O work. The local flavour also runs bodies that are not
//! `Send`:
//!
//! ```
//! # #[cfg(feature = "smol")] {
//! use std::rc::Rc;
//!
//! let local = aiotask::smol::Runtime::local();
//! let not_send = local.create_local_task(async {
//!     let rc = Rc::new(21);
//!     aiotask::yield_now().await;
//!     *rc * 2
//! });
//! let rt = aiotask::Runtime::from(local);
//! assert_eq!(rt.run_until_complete(&not_send).unwrap(), 42);
//!
//! let threaded = aiotask::Runtime::from(aiotask::smol::Runtime::multi_thread(2));
//! assert_eq!(threaded.run(async { aiotask::spawn(async { 6 * 7 }).await.unwrap() }).unwrap(), 42);
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
mod ambient;
#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
mod runtime;

pub use aiotask_api::{
    AnyTask, BoxError, CancelledError, DoneCallback, ExceptionContext, ExceptionHandler, Failure,
    InvalidStateError, ReportKind, RuntimeError, RuntimeErrorKind, TaskError, TaskId, TaskOutput,
};
pub use aiotask_core::{
    CatchCancel, CatchCancelExt, CatchJoin, Join, Task, catch_cancel, current_task,
};

#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
pub use ambient::{create_task, sleep, spawn, spawn_named, spawn_named_try, spawn_try, yield_now};
#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
pub use runtime::{Handle, Runtime};

/// The contract traits, for code generic over backends.
///
/// [`Runtime`](traits::Runtime) and [`RuntimeHandle`](traits::RuntimeHandle)
/// are what every runtime and handle offers (the facade's [`Runtime`] and
/// [`Handle`] and each backend's own), and [`Task`](traits::Task) what every
/// task handle answers. Code written against them runs on any backend:
///
/// ```
/// use aiotask::traits::{Runtime, RuntimeHandle, Task};
///
/// /// Starts a worker, cancels it, and says how it ended, on any runtime.
/// fn cancel_a_worker<R: Runtime>(rt: &R) -> String {
///     let h = rt.handle();
///     let worker = h.create_named_task("worker", h.sleep(std::time::Duration::from_secs(3600)));
///     worker.cancel_with("enough");
///     let outcome = rt.run(worker.clone().catch_cancel()).unwrap();
///     format!("{} {:?}", worker.name(), outcome.unwrap_err().message())
/// }
///
/// assert_eq!(cancel_a_worker(&aiotask::Runtime::new()), "worker Some(\"enough\")");
/// # #[cfg(feature = "tokio")]
/// assert_eq!(cancel_a_worker(&aiotask::tokio::Runtime::new()), "worker Some(\"enough\")");
/// ```
pub mod traits {
    pub use aiotask_api::{Runtime, RuntimeHandle, Task};
}

/// Brings the traits' methods into scope: `use aiotask::prelude::*;`.
///
/// That is the [`Handle`]'s methods (`create_task`, `sleep`, `time`,
/// `call_soon`, `set_exception_handler`, ...: [`traits::RuntimeHandle`])
/// and `.catch_cancel()` on every future ([`CatchCancelExt`]). A task's own
/// methods need no import.
///
/// ```
/// use aiotask::prelude::*;
///
/// let rt = aiotask::Runtime::new();
/// let h = rt.handle();
/// let t = h.create_try_task(async { "1".parse::<u8>() }); // RuntimeHandle
/// let caught = rt.run(async { aiotask::yield_now().catch_cancel().await }); // CatchCancelExt
/// assert_eq!(caught.unwrap(), Ok(()));
/// assert_eq!(rt.run_until_complete(&t).unwrap(), 1);
/// ```
pub mod prelude {
    pub use crate::CatchCancelExt as _;
    pub use crate::traits::{Runtime as _, RuntimeHandle as _, Task as _};
}

/// aiotask's own event loop, with what only it offers (`spawn_local`).
#[cfg(feature = "native")]
pub use aiotask_native as native;
/// Tasks on async-executor, with smol's timers.
#[cfg(feature = "smol")]
pub use aiotask_smol as smol;
/// Tasks that are real tokio tasks, on a runtime of aiotask's or yours.
#[cfg(feature = "tokio")]
pub use aiotask_tokio as tokio;
