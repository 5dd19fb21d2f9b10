//! The checks catch a runtime that breaks the contract: a wrapper around
//! the native runtime whose tasks mishandle cancellations or failures must
//! make [`run`](super::run) fail.

use std::future::Future;
use std::time::Duration;

use aiotask_api::{
    AnyTask, CancelledError, ExceptionContext, ExceptionHandler, Failure, Runtime, RuntimeHandle,
    TaskError, TaskOutput,
};
use aiotask_core::CatchCancelExt;

use super::Config;

/// How the faulty runtime breaks the contract.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// A cancellation that reaches a body nobody catches fails the task
    /// instead of cancelling it.
    CancelBecomesFailure,
    /// A body's error ends the task cancelled.
    FailureBecomesCancel,
}

#[derive(Clone, Debug)]
struct FaultyHandle {
    inner: aiotask_native::Handle,
    fault: Fault,
}

impl RuntimeHandle for FaultyHandle {
    type Task<T: TaskOutput> = <aiotask_native::Handle as RuntimeHandle>::Task<T>;

    /// A faulty handle is never the ambient one: the stress run passes its
    /// handle to every body.
    fn try_current() -> Result<Self, aiotask_api::RuntimeError> {
        Err(aiotask_api::RuntimeError::new(
            aiotask_api::RuntimeErrorKind::NoRunningLoop,
        ))
    }

    fn spawn<T, F>(&self, name: Option<String>, body: F) -> Self::Task<T>
    where
        T: TaskOutput,
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
    {
        match self.fault {
            Fault::CancelBecomesFailure => self.inner.spawn(name, async move {
                match body.catch_cancel().await {
                    Ok(outcome) => outcome,
                    Err(e) => Err(TaskError::Failed(Failure::from_error(e))),
                }
            }),
            Fault::FailureBecomesCancel => self.inner.spawn(name, async move {
                match body.await {
                    Err(TaskError::Failed(_)) => Err(CancelledError::new().into()),
                    other => other,
                }
            }),
        }
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        self.inner.sleep(duration)
    }

    fn time(&self) -> Duration {
        self.inner.time()
    }

    fn current_task(&self) -> Option<AnyTask> {
        self.inner.current_task()
    }

    fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.inner.set_exception_handler(handler);
    }

    fn call_exception_handler(&self, context: ExceptionContext) {
        self.inner.call_exception_handler(context);
    }

    fn call_soon(&self, f: impl FnOnce() + Send + 'static) {
        self.inner.call_soon(f);
    }
}

#[derive(Debug)]
struct FaultyRuntime {
    inner: aiotask_native::Runtime,
    fault: Fault,
}

impl Runtime for FaultyRuntime {
    type Handle = FaultyHandle;

    fn handle(&self) -> FaultyHandle {
        FaultyHandle {
            inner: self.inner.handle(),
            fault: self.fault,
        }
    }

    fn run<F>(&self, main: F) -> Result<F::Output, TaskError>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: TaskOutput,
    {
        self.inner.run(main)
    }

    fn run_until_complete<T: TaskOutput + Clone>(
        &self,
        task: &<FaultyHandle as RuntimeHandle>::Task<T>,
    ) -> Result<T, TaskError> {
        self.inner.run_until_complete(task)
    }
}

/// Runs a small stress run on the faulty runtime; returns its panic message.
fn failure_of(fault: Fault) -> String {
    let make = move || FaultyRuntime {
        inner: aiotask_native::Runtime::new(),
        fault,
    };
    let config = Config::new(2_000).with_seed(11).with_batch(500);
    match std::panic::catch_unwind(|| super::run(make, &config)) {
        Ok(report) => panic!("{fault:?} went unnoticed: {report}"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    }
}

#[test]
fn a_cancellation_turned_into_a_failure_is_caught() {
    let message = failure_of(Fault::CancelBecomesFailure);
    assert!(message.contains("violation(s) with seed 11"), "{message}");
}

#[test]
fn a_failure_turned_into_a_cancellation_is_caught() {
    let message = failure_of(Fault::FailureBecomesCancel);
    assert!(message.contains("violation(s) with seed 11"), "{message}");
}

#[test]
fn the_unbroken_runtime_passes() {
    let config = Config::new(2_000).with_seed(11).with_batch(500);
    let report = super::run(aiotask_native::Runtime::new, &config);
    assert_eq!(report.tasks, 2_000);
    assert_eq!(
        report.completed + report.failed_error + report.failed_panic + report.cancelled,
        2_000
    );
}

/// Runs a small hostile run on the faulty runtime; returns its failure.
fn hostile_failure_of(fault: Fault) -> String {
    let make = move || FaultyRuntime {
        inner: aiotask_native::Runtime::new(),
        fault,
    };
    let config = Config::new(2_000)
        .with_seed(11)
        .with_batch(500)
        .with_pending(50);
    let (report, failure) = super::hostile::run_checked(&make, &config);
    failure.unwrap_or_else(|| panic!("{fault:?} went unnoticed by the hostile run: {report}"))
}

#[test]
fn the_hostile_run_catches_a_cancellation_turned_into_a_failure() {
    let message = hostile_failure_of(Fault::CancelBecomesFailure);
    assert!(message.contains("hostile batch 0 task "), "{message}");
}

#[test]
fn the_hostile_run_catches_a_failure_turned_into_a_cancellation() {
    let message = hostile_failure_of(Fault::FailureBecomesCancel);
    assert!(message.contains("hostile batch 0 task "), "{message}");
}
