//! Task names: `Task-N` from one process-wide counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_DEFAULT: AtomicU64 = AtomicU64::new(1);

/// Takes the next number of the process-wide `Task-N` counter.
///
/// As in CPython 3.13, only tasks created without a name consume a number.
///
/// ```
/// let a = aiotask_core::backend::next_default_name();
/// let b = aiotask_core::backend::next_default_name();
/// assert!(b > a);
/// ```
pub fn next_default_name() -> u64 {
    NEXT_DEFAULT.fetch_add(1, Ordering::Relaxed)
}

/// A task's name, kept without allocating for the default `Task-N` form.
#[derive(Clone, Debug)]
pub(crate) enum TaskName {
    Default(u64),
    Given(Arc<str>),
}

impl TaskName {
    pub(crate) fn new(name: Option<String>) -> Self {
        match name {
            Some(n) => Self::Given(n.into()),
            None => Self::Default(next_default_name()),
        }
    }

    pub(crate) fn to_string_lossless(&self) -> String {
        match self {
            Self::Default(n) => format!("Task-{n}"),
            Self::Given(s) => s.to_string(),
        }
    }
}
