//! The subjects: every compiled-in aiotask backend and flavour (one line
//! each in [`subjects`]), and the raw baselines, which are always compiled.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use aiotask_api::Runtime;
use async_executor::{Executor, LocalExecutor};

use crate::subject::{
    Family, HeapSample, NO_DONE_CALLBACKS, Outcome, Sample, Scenario, Subject, Threading,
};
use crate::util::Gate;
use crate::{callbacks, cancel, memory, scaling, spawn};

/// Rounds `ops` up to a whole number of batches for batch scenarios.
fn whole_batches(scenario: Scenario, ops: u64) -> u64 {
    match scenario.batch() {
        Some(b) => ops.div_ceil(b as u64).max(1) * b as u64,
        None => ops.max(1),
    }
}

/// How many worker threads the multi-thread flavours get: every core.
///
/// ```
/// assert!(aiotask_benches::backends::workers() >= 1);
/// ```
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// An aiotask backend in one flavour, measured through the generic
/// [`aiotask_api::Runtime`] contract only.
pub struct Aiotask<R: Runtime> {
    name: String,
    threading: Threading,
    rt: R,
}

impl<R: Runtime> Aiotask<R> {
    /// Wraps a runtime under a display name.
    ///
    /// ```
    /// # #[cfg(feature = "native")] {
    /// use aiotask_benches::{backends::Aiotask, Subject, Threading};
    /// let s = Aiotask::new("aiotask native", Threading::Single, aiotask_native::Runtime::new());
    /// assert_eq!(s.name(), "aiotask native");
    /// # }
    /// ```
    pub fn new(name: &str, threading: Threading, rt: R) -> Self {
        Self {
            name: name.to_owned(),
            threading,
            rt,
        }
    }

    fn run<T, F>(&self, workload: F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: aiotask_api::TaskOutput,
    {
        self.rt
            .run(workload)
            .expect("benchmark workload task failed")
    }
}

impl<R: Runtime> std::fmt::Debug for Aiotask<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aiotask").field("name", &self.name).finish()
    }
}

impl<R: Runtime> Subject for Aiotask<R> {
    fn name(&self) -> &str {
        &self.name
    }

    fn family(&self) -> Family {
        Family::Aiotask
    }

    fn threading(&self) -> Threading {
        self.threading
    }

    fn measure(&self, scenario: Scenario, ops: u64) -> Outcome {
        let h = self.rt.handle();
        let ops = whole_batches(scenario, ops);
        let total: Duration = match scenario {
            Scenario::CancelOne => self.run(cancel::on_aiotask::one_at_a_time(h, ops)),
            Scenario::CancelBatch => self.run(cancel::on_aiotask::batch(h, 10_000, ops)),
            Scenario::CancelToCallback => self.run(cancel::on_aiotask::to_first_callback(h, ops)),
            Scenario::CancelCrossThread => self.run(cancel::on_aiotask::cross_thread(h, ops)),
            Scenario::CancelBusy => self.run(cancel::on_aiotask::busy_in_step(h, ops)),
            Scenario::Callbacks1 => self.run(callbacks::dispatch(h, 1, ops)),
            Scenario::Callbacks16 => self.run(callbacks::dispatch(h, 16, ops)),
            Scenario::CompletionToCallback => self.run(callbacks::completion_to_first(h, ops)),
            Scenario::SpawnBatch => self.run(spawn::on_aiotask::batch(h, 1_000, ops)),
            Scenario::SpawnOne => self.run(spawn::on_aiotask::one_at_a_time(h, ops)),
            Scenario::Memory => {
                return Outcome::Heap(self.run(memory::on_aiotask(h, ops as usize)));
            }
            Scenario::Scaling1k | Scenario::Scaling100k | Scenario::Scaling1m => {
                let size = scenario.batch().unwrap_or(1_000);
                self.run(scaling::on_aiotask(h, size, ops))
            }
        };
        Outcome::Time(Sample { total, ops })
    }
}

/// Raw tokio: `tokio::spawn`, `JoinHandle`, `abort`. The workload itself
/// runs as a spawned task, as an aiotask main task does.
pub struct RawTokio {
    name: String,
    threading: Threading,
    rt: tokio::runtime::Runtime,
}

impl RawTokio {
    /// A current-thread tokio runtime.
    ///
    /// # Panics
    ///
    /// When tokio cannot build the runtime.
    ///
    /// ```
    /// use aiotask_benches::{backends::RawTokio, Scenario, Subject};
    /// let s = RawTokio::current_thread();
    /// assert!(matches!(s.measure(Scenario::SpawnOne, 10), aiotask_benches::Outcome::Time(_)));
    /// ```
    pub fn current_thread() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("building a tokio current-thread runtime");
        Self {
            name: "raw tokio current-thread".into(),
            threading: Threading::Single,
            rt,
        }
    }

    /// A multi-thread tokio runtime with `workers` worker threads.
    ///
    /// # Panics
    ///
    /// When tokio cannot build the runtime.
    ///
    /// ```
    /// let s = aiotask_benches::backends::RawTokio::multi_thread(2);
    /// # drop(s);
    /// ```
    pub fn multi_thread(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .build()
            .expect("building a tokio multi-thread runtime");
        Self {
            name: "raw tokio multi-thread".into(),
            threading: Threading::Multi,
            rt,
        }
    }

    fn run<T, F>(&self, workload: F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.rt
            .block_on(self.rt.spawn(workload))
            .expect("benchmark workload task failed")
    }
}

impl std::fmt::Debug for RawTokio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawTokio")
            .field("name", &self.name)
            .finish()
    }
}

impl Subject for RawTokio {
    fn name(&self) -> &str {
        &self.name
    }

    fn family(&self) -> Family {
        Family::RawTokio
    }

    fn threading(&self) -> Threading {
        self.threading
    }

    fn not_applicable(&self, scenario: Scenario) -> Option<&'static str> {
        scenario.needs_done_callbacks().then_some(NO_DONE_CALLBACKS)
    }

    fn measure(&self, scenario: Scenario, ops: u64) -> Outcome {
        if let Some(why) = self.not_applicable(scenario) {
            return Outcome::NotApplicable(why);
        }
        let ops = whole_batches(scenario, ops);
        let total = match scenario {
            Scenario::CancelOne => self.run(cancel::on_tokio::one_at_a_time(ops)),
            Scenario::CancelBatch => self.run(cancel::on_tokio::batch(10_000, ops)),
            Scenario::CancelCrossThread => self.run(cancel::on_tokio::cross_thread(ops)),
            Scenario::CancelBusy => self.run(cancel::on_tokio::busy_in_step(ops)),
            Scenario::SpawnBatch => self.run(spawn::on_tokio::batch(1_000, ops)),
            Scenario::SpawnOne => self.run(spawn::on_tokio::one_at_a_time(ops)),
            Scenario::Memory => return Outcome::Heap(self.run(memory::on_tokio(ops as usize))),
            Scenario::Scaling1k | Scenario::Scaling100k | Scenario::Scaling1m => {
                let size = scenario.batch().unwrap_or(1_000);
                self.run(scaling::on_tokio(size, ops))
            }
            Scenario::CancelToCallback
            | Scenario::Callbacks1
            | Scenario::Callbacks16
            | Scenario::CompletionToCallback => unreachable!("handled above"),
        };
        Outcome::Time(Sample { total, ops })
    }
}

/// The executor a raw async-executor subject runs on.
enum Exec {
    /// A `LocalExecutor` driven by the measuring thread.
    Local(Rc<LocalExecutor<'static>>),
    /// An `Executor` run by worker threads, each until its gate opens.
    Multi {
        ex: Arc<Executor<'static>>,
        stops: Vec<Arc<Gate>>,
        threads: Vec<std::thread::JoinHandle<()>>,
    },
}

/// Raw async-executor: `spawn`, `Task`, `Task::cancel`. The workload itself
/// runs as a spawned task.
pub struct RawExecutor {
    name: String,
    exec: Exec,
}

impl RawExecutor {
    /// A `LocalExecutor`, run by the thread that measures.
    ///
    /// ```
    /// use aiotask_benches::{backends::RawExecutor, Scenario, Subject};
    /// let s = RawExecutor::local();
    /// assert!(matches!(s.measure(Scenario::CancelOne, 10), aiotask_benches::Outcome::Time(_)));
    /// ```
    pub fn local() -> Self {
        Self {
            name: "raw async-executor local".into(),
            exec: Exec::Local(Rc::new(LocalExecutor::new())),
        }
    }

    /// An `Executor` run by `workers` threads.
    ///
    /// ```
    /// use aiotask_benches::{backends::RawExecutor, Scenario, Subject};
    /// let s = RawExecutor::multi_thread(2);
    /// assert!(matches!(s.measure(Scenario::SpawnBatch, 1000), aiotask_benches::Outcome::Time(_)));
    /// ```
    pub fn multi_thread(workers: usize) -> Self {
        let ex = Arc::new(Executor::new());
        let mut stops = Vec::new();
        let mut threads = Vec::new();
        for i in 0..workers.max(1) {
            let stop = Gate::new();
            let (ex, wait) = (ex.clone(), stop.clone());
            threads.push(
                std::thread::Builder::new()
                    .name(format!("async-executor-{i}"))
                    .spawn(move || futures_lite::future::block_on(ex.run(wait.wait())))
                    .expect("spawning an executor thread"),
            );
            stops.push(stop);
        }
        Self {
            name: "raw async-executor multi-thread".into(),
            exec: Exec::Multi { ex, stops, threads },
        }
    }
}

impl Drop for RawExecutor {
    fn drop(&mut self) {
        if let Exec::Multi { stops, threads, .. } = &mut self.exec {
            for s in stops.iter() {
                s.open();
            }
            for t in threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

impl std::fmt::Debug for RawExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawExecutor")
            .field("name", &self.name)
            .finish()
    }
}

/// Runs one workload family member on either executor kind: `$f` is called
/// with the spawner (an `Rc<LocalExecutor>` or an `Arc<Executor>`).
macro_rules! on_exec {
    ($self:expr, |$ex:ident| $body:expr) => {
        match &$self.exec {
            Exec::Local(local) => {
                let $ex = local.clone();
                let task = local.spawn($body);
                futures_lite::future::block_on(local.run(task))
            }
            Exec::Multi { ex, .. } => {
                let $ex = ex.clone();
                futures_lite::future::block_on(ex.spawn($body))
            }
        }
    };
}

impl Subject for RawExecutor {
    fn name(&self) -> &str {
        &self.name
    }

    fn family(&self) -> Family {
        Family::RawAsyncExecutor
    }

    fn threading(&self) -> Threading {
        match self.exec {
            Exec::Local(_) => Threading::Single,
            Exec::Multi { .. } => Threading::Multi,
        }
    }

    fn not_applicable(&self, scenario: Scenario) -> Option<&'static str> {
        if scenario.needs_done_callbacks() {
            Some(NO_DONE_CALLBACKS)
        } else if scenario == Scenario::CancelBusy {
            Some(cancel::EXECUTOR_NO_SELF_CANCEL)
        } else {
            None
        }
    }

    fn measure(&self, scenario: Scenario, ops: u64) -> Outcome {
        if let Some(why) = self.not_applicable(scenario) {
            return Outcome::NotApplicable(why);
        }
        let ops = whole_batches(scenario, ops);
        let total: Duration = match scenario {
            Scenario::CancelOne => {
                on_exec!(self, |ex| cancel::on_executor::one_at_a_time(ex, ops))
            }
            Scenario::CancelBatch => {
                on_exec!(self, |ex| cancel::on_executor::batch(ex, 10_000, ops))
            }
            Scenario::CancelCrossThread => {
                on_exec!(self, |ex| cancel::on_executor::cross_thread(ex, ops))
            }
            Scenario::SpawnBatch => on_exec!(self, |ex| spawn::on_executor::batch(ex, 1_000, ops)),
            Scenario::SpawnOne => on_exec!(self, |ex| spawn::on_executor::one_at_a_time(ex, ops)),
            Scenario::Memory => {
                let heap: HeapSample = on_exec!(self, |ex| memory::on_executor(ex, ops as usize));
                return Outcome::Heap(heap);
            }
            Scenario::Scaling1k | Scenario::Scaling100k | Scenario::Scaling1m => {
                let size = scenario.batch().unwrap_or(1_000);
                on_exec!(self, |ex| scaling::on_executor(ex, size, ops))
            }
            Scenario::CancelBusy
            | Scenario::CancelToCallback
            | Scenario::Callbacks1
            | Scenario::Callbacks16
            | Scenario::CompletionToCallback => unreachable!("handled above"),
        };
        Outcome::Time(Sample { total, ops })
    }
}

/// Every subject compiled into this build, aiotask backends first, then the
/// raw baselines. Multi-thread flavours get [`workers`] threads.
///
/// Adding a backend or flavour is one line here.
///
/// ```
/// let names: Vec<String> = aiotask_benches::subjects().iter().map(|s| s.name().to_owned()).collect();
/// assert!(names.iter().any(|n| n == "raw tokio current-thread"));
/// ```
pub fn subjects() -> Vec<Box<dyn Subject>> {
    let n = workers();
    #[rustfmt::skip]
    let list: Vec<Box<dyn Subject>> = vec![
        #[cfg(feature = "native")]
        Box::new(Aiotask::new("aiotask native", Threading::Single, aiotask_native::Runtime::new())),
        #[cfg(feature = "tokio")]
        Box::new(Aiotask::new("aiotask-tokio current-thread", Threading::Single, aiotask_tokio::Runtime::current_thread())),
        #[cfg(feature = "tokio")]
        Box::new(Aiotask::new("aiotask-tokio multi-thread", Threading::Multi, aiotask_tokio::Runtime::multi_thread(n))),
        #[cfg(feature = "smol")]
        Box::new(Aiotask::new("aiotask-smol local", Threading::Single, aiotask_smol::Runtime::local())),
        #[cfg(feature = "smol")]
        Box::new(Aiotask::new("aiotask-smol multi-thread", Threading::Multi, aiotask_smol::Runtime::multi_thread(n))),
        Box::new(RawTokio::current_thread()),
        Box::new(RawTokio::multi_thread(n)),
        Box::new(RawExecutor::local()),
        Box::new(RawExecutor::multi_thread(n)),
    ];
    list
}
