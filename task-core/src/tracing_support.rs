//! The `tracing` feature: reports as events (reporter rule 4), and a span
//! around each step of a task, named after it.
//!
//! Both cost nothing when the feature is off (nothing here is built), and
//! next to nothing when it is on but no subscriber wants them: `tracing`
//! asks the subscriber before it evaluates a field (a task's name is read
//! only for a span that will be recorded).

use aiotask_api::{ExceptionContext, TaskId, call_quietly};

/// Emits `context` as an `ERROR` event of target `aiotask`, when a
/// subscriber is installed (scoped or global) and takes it; `false` when
/// none is, so that the report goes to standard error instead.
pub(crate) fn report(prefix: &str, context: &ExceptionContext) -> bool {
    // The subscriber is user code: asking it, and emitting, may panic, and
    // reporting never unwinds (reporter rule 1). A panic there means the
    // report goes to standard error instead.
    call_quietly(|| {
        let subscribed =
            tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>());
        if !subscribed || !tracing::enabled!(target: "aiotask", tracing::Level::ERROR) {
            return false;
        }
        let exception = context.failure().map(|f| f.to_string());
        tracing::error!(
            target: "aiotask",
            kind = ?context.kind(),
            task.name = context.task_name(),
            task.repr = context.task(),
            exception = exception.as_deref(),
            "{prefix}{}",
            context.message()
        );
        true
    })
    .unwrap_or(false)
}

/// The span one step of task `id` runs in: `task{task.name=… task.id=…}`
/// at `INFO`, so that a subscriber's output inside the task shows its name.
/// Entering and leaving it call the subscriber: a panic there is contained
/// (the step goes on without the span), as the step itself contains the
/// body's.
pub(crate) fn step_span(id: TaskId, name: impl FnOnce() -> String) -> StepSpan {
    let entered = call_quietly(|| {
        tracing::info_span!(target: "aiotask", "task", task.name = %name(), task.id = id.get())
            .entered()
    });
    StepSpan(entered.ok())
}

/// A step's entered span, left (and closed) with the subscriber's panics
/// contained.
pub(crate) struct StepSpan(Option<tracing::span::EnteredSpan>);

impl Drop for StepSpan {
    fn drop(&mut self) {
        if let Some(span) = self.0.take() {
            let _ = call_quietly(move || drop(span));
        }
    }
}
