//! [`Task`] as the backend-independent [`aiotask_api::Task`] trait: every
//! method forwards to the inherent one of the same name.

use std::fmt;

use aiotask_api::{AnyTask, DoneCallback, Failure, TaskError, TaskId, TaskOutput};

use crate::handle::Task;
use crate::join::{CatchJoin, Join};

impl<T: TaskOutput> aiotask_api::Task for Task<T> {
    type Value = T;

    fn id(&self) -> TaskId {
        Task::id(self)
    }
    fn cancel(&self) -> bool {
        Task::cancel(self)
    }
    fn cancel_with(&self, message: &str) -> bool {
        Task::cancel_with(self, message)
    }
    fn cancelled(&self) -> bool {
        Task::cancelled(self)
    }
    fn done(&self) -> bool {
        Task::done(self)
    }
    fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        Task::result(self)
    }
    fn take_result(&self) -> Result<T, TaskError> {
        Task::take_result(self)
    }
    fn join(&self) -> Join<T>
    where
        T: Clone,
    {
        Task::join(self)
    }
    fn abort(&self) -> bool {
        Task::abort(self)
    }
    fn abort_with(&self, message: &str) -> bool {
        Task::abort_with(self, message)
    }
    #[allow(
        refining_impl_trait,
        reason = "the concrete future is the inherent method's"
    )]
    fn catch_cancel(self) -> CatchJoin<T> {
        Task::catch_cancel(self)
    }
    fn exception(&self) -> Result<Option<Failure>, TaskError> {
        Task::exception(self)
    }
    fn add_done_callback(&self, callback: impl Fn(&Self) + Send + Sync + 'static) {
        Task::add_done_callback(self, callback)
    }
    fn add_done_callback_ref(&self, callback: &DoneCallback<Self>) {
        Task::add_done_callback_ref(self, callback)
    }
    fn remove_done_callback(&self, callback: &DoneCallback<Self>) -> usize {
        Task::remove_done_callback(self, callback)
    }
    fn name(&self) -> String {
        Task::name(self)
    }
    fn set_name(&self, name: &str) {
        Task::set_name(self, name)
    }
    fn cancelling(&self) -> u32 {
        Task::cancelling(self)
    }
    fn uncancel(&self) -> u32 {
        Task::uncancel(self)
    }
    fn repr(&self) -> String
    where
        T: fmt::Debug,
    {
        format!("{self:?}")
    }
    fn as_any(&self) -> AnyTask {
        self.as_any_task()
    }
}
