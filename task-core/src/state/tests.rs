//! The transitions of `state.rs`, one behaviour per test.

use super::*;

/// A state with the sub-state the hot word would show, kept beside it
/// as `TaskContract` keeps the word beside the state.
struct Tracked {
    st: State<()>,
    sub: SubState,
}

impl std::ops::Deref for Tracked {
    type Target = State<()>;
    fn deref(&self) -> &State<()> {
        &self.st
    }
}

impl std::ops::DerefMut for Tracked {
    fn deref_mut(&mut self) -> &mut State<()> {
        &mut self.st
    }
}

impl Tracked {
    fn run(&mut self) -> StepStart {
        let first = self.sub == SubState::NotStarted;
        self.sub = SubState::Running;
        self.st.transition_to_running(None, first)
    }
    fn suspend(&mut self, depth: u32) -> SuspendAction {
        let woken = self.sub == SubState::Woken;
        self.sub = if woken {
            SubState::Woken
        } else {
            SubState::Suspended
        };
        self.st.transition_to_suspended(None, depth, woken)
    }
    fn wake(&mut self) {
        if self.sub == SubState::Suspended {
            self.sub = SubState::Woken;
        }
    }
    fn cancel(&mut self, msg: Option<&str>) -> CancelAction {
        self.st.transition_to_cancel_requested(msg, self.sub)
    }
    fn abort(&mut self, msg: Option<&str>) -> AbortAction {
        self.st.transition_to_abort_requested(msg, self.sub)
    }
    fn cycle(&mut self, msg: Option<&str>) -> CancelAction {
        self.st.route_cancel_in_cycle(msg, self.sub)
    }
}

fn fresh() -> Tracked {
    Tracked {
        st: State::new(TaskName::Given("t".into())),
        sub: SubState::NotStarted,
    }
}

#[test]
fn not_started_cancel_keeps_last_message() {
    let mut s = fresh();
    assert!(matches!(
        s.cancel(Some("a")),
        CancelAction::Requested { wake: false }
    ));
    let _ = s.cancel(Some("b"));
    assert_eq!(s.num_cancels, 2);
    match s.run() {
        StepStart::Run {
            deliver: Some(e),
            catch_depth: 0,
            ..
        } => assert_eq!(e.message(), Some("b")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn suspended_cancel_keeps_first_message_and_survives_uncancel() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.suspend(0);
    assert!(matches!(
        s.cancel(Some("first")),
        CancelAction::Requested { wake: true }
    ));
    s.wake();
    let _ = s.cancel(Some("second"));
    assert_eq!(s.transition_uncancel(), 1);
    assert_eq!(s.transition_uncancel(), 0);
    match s.run() {
        StepStart::Run {
            deliver: Some(e), ..
        } => assert_eq!(e.message(), Some("first")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn woken_cancel_is_revoked_by_uncancel_to_zero() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.suspend(0);
    s.wake();
    let _ = s.cancel(None);
    assert_eq!(s.transition_uncancel(), 0);
    assert!(matches!(s.run(), StepStart::Run { deliver: None, .. }));
}

#[test]
fn cancel_during_returning_step_discards_value() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.cancel(Some("m"));
    let done = s.transition_to_complete(Ok(5));
    assert_eq!((done.value, done.discarded), (None, Some(5)));
    drop(done.released);
    assert_eq!(s.state_word(), "cancelled");
    for _ in 0..2 {
        match s.result() {
            Err(TaskError::Cancelled(e)) => assert_eq!(e.message(), Some("m")),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn raised_cancel_message_is_handed_out_once() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.transition_to_complete::<i32>(Err(CancelledError::with_message("x").into()));
    assert_eq!(
        s.result().unwrap_err().cancelled().unwrap().message(),
        Some("x")
    );
    assert_eq!(s.result().unwrap_err().cancelled().unwrap().message(), None);
}

#[test]
fn cancel_on_done_clears_log_traceback() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.transition_to_complete::<i32>(Err(TaskError::Failed(Failure::from_error("e"))));
    assert!(s.log_traceback);
    assert!(matches!(s.cancel(None), CancelAction::AlreadyDone));
    assert!(!s.log_traceback);
    assert_eq!(s.num_cancels, 0);
}

#[test]
fn cancelling_saturates_instead_of_wrapping() {
    let mut s = fresh();
    s.num_cancels = u32::MAX - 1;
    for _ in 0..3 {
        assert!(matches!(s.cancel(None), CancelAction::Requested { .. }));
    }
    assert_eq!(s.num_cancels, u32::MAX);
    assert_eq!(s.state_word(), "cancelling");
    assert_eq!(s.transition_uncancel(), u32::MAX - 1);
}

#[test]
fn a_cycle_makes_the_task_take_the_request() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.suspend(0);
    assert!(matches!(
        s.cycle(Some("loop")),
        CancelAction::Requested { wake: true }
    ));
    assert!(s.must_cancel);
    assert_eq!(s.num_cancels, 0, "a cycle step is not a new request");
    s.wake();
    match s.run() {
        StepStart::Run {
            deliver: Some(e), ..
        } => assert_eq!(e.message(), Some("loop")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn abort_is_delivered_past_a_catch_scope_and_survives_uncancel() {
    let mut s = fresh();
    let _ = s.run();
    // Suspended inside a catch_cancel (depth 1).
    let _ = s.suspend(1);
    assert_eq!(s.abort(None), AbortAction::Requested { wake: true });
    assert_eq!(s.num_cancels, 1);
    assert_eq!(s.transition_uncancel(), 0);
    s.wake();
    match s.run() {
        StepStart::Run {
            deliver: Some(e),
            catch_depth: 0,
            ..
        } => assert_eq!(e.message(), None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn abort_delivers_its_own_message_not_an_earlier_cancel_s() {
    let mut s = fresh();
    let _ = s.run();
    // A cancel during the step leaves its message for the next step.
    let _ = s.cancel(Some("earlier"));
    let _ = s.abort(Some("abort"));
    let _ = s.suspend(1);
    match s.run() {
        StepStart::Run {
            deliver: Some(e),
            catch_depth: 0,
            ..
        } => assert_eq!(e.message(), Some("abort")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn abort_of_a_running_task_wakes_it_at_the_end_of_its_step() {
    let mut s = fresh();
    let _ = s.run();
    assert_eq!(s.abort(None), AbortAction::Requested { wake: false });
    assert!(matches!(s.suspend(2), SuspendAction::WakeSelf));
    assert!(matches!(
        s.run(),
        StepStart::Run {
            deliver: Some(_),
            catch_depth: 0,
            ..
        }
    ));
}

#[test]
fn abort_of_a_done_task_is_refused_and_a_second_abort_is_not_counted() {
    let mut s = fresh();
    assert_eq!(s.abort(None), AbortAction::Requested { wake: false });
    assert_eq!(s.abort(None), AbortAction::Requested { wake: false });
    assert_eq!(s.num_cancels, 1);
    let _ = s.transition_to_complete::<()>(Err(TaskError::Cancelled(CancelledError::new())));
    assert_eq!(s.abort(None), AbortAction::AlreadyDone);
}

#[test]
fn a_value_returned_in_the_step_abort_was_called_in_is_lost() {
    let mut s = fresh();
    let _ = s.run();
    let _ = s.abort(None);
    let done = s.transition_to_complete(Ok(5_u8));
    assert!(matches!(s.phase, Phase::Cancelled));
    assert_eq!(done.discarded, Some(5));
}

#[test]
fn a_failure_or_an_old_cancel_ending_the_step_abort_was_called_in_is_the_abort() {
    for outcome in [
        Err(TaskError::Failed(Failure::from_error("late failure"))),
        Err(TaskError::Cancelled(CancelledError::with_message("old"))),
    ] {
        let mut s = fresh();
        let _ = s.run();
        let _ = s.abort(Some("abort"));
        let done = s.transition_to_complete::<u8>(outcome);
        assert!(matches!(s.phase, Phase::Cancelled));
        assert!(done.lost_failure.is_some() || done.discarded.is_none());
        assert_eq!(s.make_cancelled_error().message(), Some("abort"));
    }
}

#[test]
fn an_aborted_task_reads_nothing_of_what_it_awaited() {
    let mut s = fresh();
    let _ = s.run();
    s.waiter = Waiter::None;
    s.must_cancel = true;
    assert!(s.awaited_to_read().is_none()); // no tasks awaited: nothing either way
    let _ = s.abort(None);
    assert!(s.awaited_to_read().is_none());
    assert!(matches!(
        s.cycle(Some("cycle")),
        CancelAction::Requested { wake: false }
    ));
    assert_eq!(
        s.cancel_message(),
        None,
        "the abort's (absent) message stands"
    );
}
