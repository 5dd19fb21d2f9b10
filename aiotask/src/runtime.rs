//! [`Runtime`] and [`Handle`]: one type each whatever backends are compiled
//! in, so that turning a feature on never changes what code means.
//!
//! Each is a thin dispatch over the backend it was made from: a native
//! loop, a tokio runtime or an async-executor. The backends' own types stay
//! available (`aiotask::native::Runtime`, …) for what only one of them
//! offers (`!Send` tasks, attaching to a host runtime); `From` turns any of
//! them into these.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use aiotask_api::{
    AnyTask, ExceptionContext, ExceptionHandler, RuntimeError, RuntimeErrorKind, TaskError,
    TaskOutput,
};
use aiotask_core::Task;

/// Runs `$body` with `$h` bound to the backend value inside `$kind`.
macro_rules! dispatch {
    ($enum:ident, $value:expr, $h:ident => $body:expr) => {
        match $value {
            #[cfg(feature = "native")]
            $enum::Native($h) => $body,
            #[cfg(feature = "tokio")]
            $enum::Tokio($h) => $body,
            #[cfg(feature = "smol")]
            $enum::Smol($h) => $body,
        }
    };
}

/// A handle to a running event loop, of any backend: what task bodies use
/// to create tasks, sleep and read the clock (asyncio's loop object).
///
/// Get one from [`Runtime::handle`], or inside any task or callback with
/// [`Handle::current`]. Cloning is cheap; it is `Send + Sync`.
///
/// ```
/// use aiotask::prelude::*;
/// let rt = aiotask::Runtime::new();
/// let h: aiotask::Handle = rt.handle();
/// let doubled = rt.run(async move { h.create_task(async { 21 * 2 }).await.unwrap() });
/// assert_eq!(doubled.unwrap(), 42);
/// ```
#[derive(Clone)]
pub struct Handle(HandleKind);

#[derive(Clone)]
enum HandleKind {
    #[cfg(feature = "native")]
    Native(aiotask_native::Handle),
    #[cfg(feature = "tokio")]
    Tokio(aiotask_tokio::Handle),
    #[cfg(feature = "smol")]
    Smol(aiotask_smol::Handle),
}

impl Handle {
    /// The handle of the runtime running on this thread, whichever backend
    /// it is: inside any task, done callback or `call_soon` job
    /// (asyncio's `get_running_loop()`).
    ///
    /// # Errors
    ///
    /// [`RuntimeErrorKind::NoRunningLoop`] outside them.
    ///
    /// ```
    /// use aiotask::{Handle, RuntimeErrorKind};
    /// assert_eq!(Handle::try_current().unwrap_err().kind(), RuntimeErrorKind::NoRunningLoop);
    /// let rt = aiotask::Runtime::new();
    /// assert!(rt.run(async { Handle::try_current().is_ok() }).unwrap());
    /// ```
    pub fn try_current() -> Result<Self, RuntimeError> {
        #[cfg(feature = "native")]
        if let Ok(h) = <aiotask_native::Handle as aiotask_api::RuntimeHandle>::try_current() {
            return Ok(h.into());
        }
        #[cfg(feature = "tokio")]
        if let Ok(h) = <aiotask_tokio::Handle as aiotask_api::RuntimeHandle>::try_current() {
            return Ok(h.into());
        }
        #[cfg(feature = "smol")]
        if let Ok(h) = <aiotask_smol::Handle as aiotask_api::RuntimeHandle>::try_current() {
            return Ok(h.into());
        }
        Err(RuntimeError::new(RuntimeErrorKind::NoRunningLoop))
    }

    /// [`try_current`](Self::try_current) for code that only runs inside a
    /// runtime; what [`spawn`](crate::spawn) and the other ambient functions use.
    ///
    /// # Panics
    ///
    /// Outside every task and callback, saying how to fix it.
    ///
    /// ```
    /// use aiotask::prelude::*;
    /// let rt = aiotask::Runtime::new();
    /// let v = rt.run(async { aiotask::Handle::current().create_task(async { 7 }).await });
    /// assert_eq!(v.unwrap().unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn current() -> Self {
        match Self::try_current() {
            Ok(h) => h,
            Err(_) => panic!(
                "aiotask: no running event loop on this thread. `aiotask::spawn`, `sleep` and \
                 `Handle::current()` work inside a task or a done callback of an aiotask \
                 runtime (for example inside `rt.run(async {{ .. }})`); outside one, create \
                 tasks through `rt.handle()`"
            ),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dispatch!(HandleKind, &self.0, h => fmt::Debug::fmt(h, f))
    }
}

#[cfg(feature = "native")]
impl From<aiotask_native::Handle> for Handle {
    fn from(h: aiotask_native::Handle) -> Self {
        Self(HandleKind::Native(h))
    }
}

#[cfg(feature = "tokio")]
impl From<aiotask_tokio::Handle> for Handle {
    fn from(h: aiotask_tokio::Handle) -> Self {
        Self(HandleKind::Tokio(h))
    }
}

#[cfg(feature = "smol")]
impl From<aiotask_smol::Handle> for Handle {
    fn from(h: aiotask_smol::Handle) -> Self {
        Self(HandleKind::Smol(h))
    }
}

impl aiotask_api::RuntimeHandle for Handle {
    type Task<T: TaskOutput> = Task<T>;

    fn try_current() -> Result<Self, RuntimeError> {
        Handle::try_current()
    }

    fn spawn<T, F>(&self, name: Option<String>, body: F) -> Task<T>
    where
        T: TaskOutput,
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
    {
        dispatch!(HandleKind, &self.0, h => h.spawn(name, body))
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        let sleep: Pin<Box<dyn Future<Output = ()> + Send>> =
            dispatch!(HandleKind, &self.0, h => Box::pin(h.sleep(duration)));
        sleep
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        let yielding: Pin<Box<dyn Future<Output = ()> + Send>> =
            dispatch!(HandleKind, &self.0, h => Box::pin(h.yield_now()));
        yielding
    }

    fn time(&self) -> Duration {
        dispatch!(HandleKind, &self.0, h => h.time())
    }

    fn current_task(&self) -> Option<AnyTask> {
        dispatch!(HandleKind, &self.0, h => h.current_task())
    }

    fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        dispatch!(HandleKind, &self.0, h => h.set_exception_handler(handler))
    }

    fn call_exception_handler(&self, context: ExceptionContext) {
        dispatch!(HandleKind, &self.0, h => h.call_exception_handler(context))
    }

    fn call_soon(&self, f: impl FnOnce() + Send + 'static) {
        dispatch!(HandleKind, &self.0, h => h.call_soon(f))
    }
}

/// An event loop of any backend, run from the thread that made it.
///
/// [`Runtime::new`] makes the default one (the `default-*` feature chosen:
/// `default-native` unless you chose otherwise); `From` takes any backend
/// runtime, of any flavour:
///
/// ```
/// let rt = aiotask::Runtime::new();
/// assert_eq!(rt.run(async { "ran" }).unwrap(), "ran");
///
/// # #[cfg(feature = "native")] {
/// let native = aiotask::Runtime::from(aiotask::native::Runtime::new()); // feature `native`
/// assert_eq!(native.run(async { 1 }).unwrap(), 1);
/// # }
/// ```
///
/// It is neither `Send` nor `Sync`, whatever backends are compiled in (a
/// native loop is thread-bound, and enabling a feature must not take an
/// auto trait away); for a runtime to share between threads, use a
/// backend's own type, e.g. `aiotask::tokio::Runtime`.
///
/// Dropping it ends every task still pending: each is reported as
/// `Task was destroyed but it is pending!` and ends cancelled, so a handle
/// kept elsewhere still answers, and awaiting it does not hang.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use aiotask::prelude::*;
///
/// let rt = aiotask::Runtime::new();
/// let reports = Arc::new(Mutex::new(Vec::new()));
/// let sink = reports.clone();
/// rt.handle().set_exception_handler(Some(Arc::new(move |ctx: &aiotask::ExceptionContext| {
///     sink.lock().unwrap().push(ctx.kind());
/// })));
/// let sleeper = rt.handle().create_task(aiotask::sleep(Duration::from_secs(3600)));
/// rt.run(aiotask::yield_now()).unwrap(); // the sleeper starts, and sleeps
///
/// drop(rt);
/// assert!(sleeper.cancelled());
/// assert_eq!(*reports.lock().unwrap(), [aiotask::ReportKind::DestroyedPending]);
/// ```
pub struct Runtime {
    kind: RuntimeKind,
    _thread_bound: PhantomData<*const ()>,
}

enum RuntimeKind {
    #[cfg(feature = "native")]
    Native(aiotask_native::Runtime),
    #[cfg(feature = "tokio")]
    Tokio(aiotask_tokio::Runtime),
    #[cfg(feature = "smol")]
    Smol(aiotask_smol::Runtime),
}

impl Runtime {
    fn of(kind: RuntimeKind) -> Self {
        Self {
            kind,
            _thread_bound: PhantomData,
        }
    }

    /// The default runtime, chosen by the application's `default-*`
    /// feature: `default-native` (the crate's default) is aiotask's own
    /// single-threaded loop, `default-tokio` a current-thread tokio
    /// runtime, `default-smol` a local async-executor. Only an application
    /// chooses one; with several on (as `--all-features` does), native,
    /// then tokio, then smol. The backend features (`native`, `tokio`,
    /// `smol`) never change it.
    ///
    /// ```
    /// let rt = aiotask::Runtime::new();
    /// assert_eq!(rt.run(async { 2 + 2 }).unwrap(), 4);
    /// ```
    #[cfg(any(
        feature = "default-native",
        feature = "default-tokio",
        feature = "default-smol"
    ))]
    #[must_use]
    pub fn new() -> Self {
        #[cfg(feature = "default-native")]
        return aiotask_native::Runtime::new().into();
        #[cfg(all(feature = "default-tokio", not(feature = "default-native")))]
        return aiotask_tokio::Runtime::new().into();
        #[cfg(all(
            feature = "default-smol",
            not(any(feature = "default-native", feature = "default-tokio"))
        ))]
        return aiotask_smol::Runtime::new().into();
    }

    /// A handle to this runtime's loop.
    ///
    /// ```
    /// use aiotask::prelude::*;
    /// let rt = aiotask::Runtime::new();
    /// let t = rt.handle().create_named_task("w", async { 5 });
    /// assert_eq!(t.name(), "w");
    /// ```
    pub fn handle(&self) -> Handle {
        dispatch!(RuntimeKind, &self.kind, rt => rt.handle().into())
    }

    /// Runs `main` as a task until it is done and returns its outcome
    /// (asyncio's `run`). `main` may be a task's handle: `rt.run(task)`
    /// moves a finished value of any type out.
    ///
    /// # Errors
    ///
    /// The main task's [`TaskError`] when it was cancelled or failed, or
    /// [`TaskError::Runtime`] when the runtime refused the call (from
    /// inside its own loop: `AlreadyRunning`).
    ///
    /// ```
    /// use aiotask::prelude::*;
    ///
    /// let rt = aiotask::Runtime::new();
    /// assert_eq!(rt.run(async { "hi" }).unwrap(), "hi");
    ///
    /// // A panicking main task fails: the error says so, the runtime goes on.
    /// assert!(rt.run(async { panic!("bug") }).unwrap_err().is_panic());
    ///
    /// // A handle as `main`: the task's own outcome, its value moved out.
    /// let task = rt.handle().create_task(async { vec![1, 2, 3] });
    /// let outcome: Result<Vec<i32>, aiotask::TaskError> = rt.run(task).unwrap();
    /// assert_eq!(outcome.unwrap(), [1, 2, 3]);
    /// ```
    pub fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        dispatch!(RuntimeKind, &self.kind, rt => rt.run(main))
    }

    /// Runs the loop until `task` is done and returns a clone of its value
    /// (asyncio's `run_until_complete(task)`); the handle can still be
    /// read. For a value that is not `Clone`, [`run`](Self::run) the handle.
    ///
    /// # Errors
    ///
    /// The task's [`TaskError`], or [`TaskError::Runtime`]: from inside
    /// this runtime (`AlreadyRunning`), for a task of another runtime
    /// (`OtherRuntime`).
    ///
    /// ```
    /// use aiotask::prelude::*;
    /// let rt = aiotask::Runtime::new();
    /// let t = rt.handle().create_task(async { 15 });
    /// assert_eq!(rt.run_until_complete(&t).unwrap(), 15);
    /// assert_eq!(t.result().unwrap(), 15);
    /// ```
    pub fn run_until_complete<T: Clone + Send + 'static>(
        &self,
        task: &Task<T>,
    ) -> Result<T, TaskError> {
        dispatch!(RuntimeKind, &self.kind, rt => rt.run_until_complete(task))
    }
}

#[cfg(any(
    feature = "default-native",
    feature = "default-tokio",
    feature = "default-smol"
))]
impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dispatch!(RuntimeKind, &self.kind, rt => fmt::Debug::fmt(rt, f))
    }
}

#[cfg(feature = "native")]
impl From<aiotask_native::Runtime> for Runtime {
    fn from(rt: aiotask_native::Runtime) -> Self {
        Self::of(RuntimeKind::Native(rt))
    }
}

#[cfg(feature = "tokio")]
impl From<aiotask_tokio::Runtime> for Runtime {
    fn from(rt: aiotask_tokio::Runtime) -> Self {
        Self::of(RuntimeKind::Tokio(rt))
    }
}

#[cfg(feature = "smol")]
impl From<aiotask_smol::Runtime> for Runtime {
    fn from(rt: aiotask_smol::Runtime) -> Self {
        Self::of(RuntimeKind::Smol(rt))
    }
}

aiotask_core::forward_runtime!(Runtime, Handle);
