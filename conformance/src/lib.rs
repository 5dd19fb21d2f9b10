//! One suite of behavioural checks for the `asyncio.Task` contract of
//! [`aiotask_api`], generic over its traits, run against every backend.
//!
//! Each check is a plain generic function
//! `fn name<R: Runtime>(fx: &Fixture<R>) -> Outcome` in a module named after
//! the behaviour it pins down ([`lifecycle`], [`cancel_states`],
//! [`cancel_messages`], [`cancelling`], [`results`], [`callbacks`],
//! [`names`], [`repr`], [`awaiting`], [`panics`], [`catching`],
//! [`cross_thread`], [`runtime_drop`], [`clock`], [`hostile`],
//! [`outputs`], [`aborting`], [`ambient`]). A check builds a scenario
//! on the fixture's runtime, asserts exact values and orders, and panics with
//! a message naming what differed. The expected values come from
//! `docs/asyncio-task-semantics.md` (each check's doc names the
//! section) and were confirmed by running the same scenario on CPython 3.13.
//!
//! A few facts hold only on asyncio's single-threaded FIFO loop (the start
//! order of independent tasks, strict interleaving, holding a task in a
//! sub-state such as "not started"). Those checks look at the flavour's
//! [`Capabilities`] and return [`Outcome::NotApplicable`] with the reason
//! where the flavour does not promise them; nothing is skipped silently.
//!
//! # Stamping the suite for a backend
//!
//! [`conformance_tests!`] expands to one `#[test]` per check, grouped in one
//! module per behaviour; each test builds a fresh runtime with the given
//! expression and runs its check in a thread of its own, with a timeout:
//!
//! ```no_run
//! // tests/conformance.rs of a backend (or of this crate, per feature)
//! aiotask_conformance::conformance_tests!(
//!     aiotask_native::Runtime::new(),
//!     aiotask_conformance::Capabilities::SINGLE_THREAD_FIFO
//! );
//! ```
//!
//! A check receives a [`Fixture`]: the runtime under test, its
//! [`Capabilities`], and its constructor (the `runtime_drop` checks build and
//! drop further runtimes of the same flavour).
//!
//! # The report binary
//!
//! Tools iterate the same list with [`checks`] and run one check with
//! [`execute`] (its own thread, `catch_unwind`, a 20 s timeout). The crate's
//! binary does that for every backend flavour compiled in and prints a
//! matrix, or one JSON object per line:
//!
//! ```text
//! cargo run -p aiotask-conformance --release --features native            # the matrix
//! cargo run -p aiotask-conformance --release --features native -- --json  # JSON lines
//! cargo run -p aiotask-conformance --release --all-features -- --filter cancel
//! ```
//!
//! | feature  | flavours reported           | capabilities                        |
//! |----------|-----------------------------|-------------------------------------|
//! | `native` | `current_thread`            | [`Capabilities::SINGLE_THREAD_FIFO`] |
//! | `tokio`  | `current_thread`, `multi_thread` (4 workers) | [`Capabilities::SINGLE_THREAD`], [`Capabilities::MULTI_THREAD`] |
//! | `smol`   | `local`, `multi_thread` (4 workers) | [`Capabilities::SINGLE_THREAD_FIFO`], [`Capabilities::MULTI_THREAD`] |
//!
//! The library itself needs none of these features.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings, rust_2018_idioms), allow(dead_code))))]

mod fixture;
mod support;

pub mod aborting;
pub mod ambient;
pub mod awaiting;
pub mod callbacks;
pub mod cancel_messages;
pub mod cancel_states;
pub mod cancelling;
pub mod catching;
pub mod clock;
pub mod cross_thread;
pub mod hostile;
pub mod lifecycle;
pub mod names;
pub mod outputs;
pub mod panics;
pub mod repr;
pub mod results;
pub mod runtime_drop;

pub use fixture::{
    __stamped_test, CHECK_TIMEOUT, Capabilities, Check, Fixture, Outcome, Verdict, execute,
    install_quiet_panic_hook,
};

/// The one list of every check, grouped by module: expands to
/// `__expand_checks!` with `$mode` (`registry` or `tests`), `$extra` and the
/// list, so the registry and the stamped tests can never disagree.
#[doc(hidden)]
#[macro_export]
macro_rules! __with_check_list {
    ($mode:ident $extra:tt) => {
        $crate::__expand_checks! { $mode $extra
            lifecycle {
                pending_task_is_not_done,
                finished_task_holds_its_value,
                failed_task_holds_its_error,
                cancelled_task_is_done_and_cancelled,
                run_returns_the_main_value,
                run_until_complete_returns_the_outcome,
                task_created_outside_the_loop_waits_for_it,
                create_task_does_not_run_the_body,
                done_is_terminal,
                identity_is_shared_by_clones_only,
                current_task_is_the_running_task,
                current_task_is_none_outside_tasks,
                dropping_every_handle_detaches,
            }
            cancel_states {
                not_started_runs_nothing,
                ready_after_yield_is_cancelled_at_the_yield,
                suspended_cancel_is_only_a_request,
                suspended_uncaught_ends_cancelled,
                suspended_on_a_task_forwards_at_once,
                woken_pending_loses_the_value,
                woken_on_a_done_task_loses_its_result,
                self_cancel_is_delivered_at_the_next_suspension,
                self_cancel_then_return_discards_the_value,
                self_cancel_then_error_keeps_the_error,
                awaiting_a_done_task_does_not_deliver,
                done_tasks_refuse_cancel,
                two_requests_one_delivery,
                a_new_request_after_catching_is_delivered,
            }
            cancel_messages {
                message_reaches_the_body,
                no_message_means_none,
                empty_message_is_kept,
                suspended_keeps_the_first_message,
                not_started_keeps_the_last_message,
                ready_keeps_the_last_message,
                woken_keeps_the_last_message,
                message_is_handed_out_once,
                the_awaiter_takes_the_message,
                exception_is_a_retrieval,
                self_cancel_return_keeps_the_message,
                propagated_error_keeps_its_message,
                body_raised_cancellation,
                forwarded_message_comes_back_up,
                message_travels_a_chain,
            }
            cancelling {
                zero_until_requested,
                counts_every_request,
                count_survives_completion,
                suppressed_cancel_leaves_one,
                uncancel_counts_down_to_zero,
                uncancel_revokes_not_started,
                uncancel_revokes_ready,
                uncancel_revokes_woken_pending,
                uncancel_cannot_revoke_a_forwarded_cancel,
                partial_uncancel_keeps_the_request,
                uncancel_of_a_done_task_changes_only_the_count,
                self_cancel_revoked_in_the_same_step,
                uncancel_after_catching_restores_pending,
            }
            results {
                pending_raises_invalid_state,
                cancelling_raises_invalid_state,
                finished_is_repeatable,
                failure_is_the_same_object,
                every_await_raises_the_same_failure,
                cancelled_raises_from_both,
                value_is_the_same_object,
                error_keeps_its_type,
            }
            callbacks {
                run_in_fifo_order,
                never_synchronous_even_when_done,
                callbacks_receive_the_task,
                remove_returns_the_count,
                removal_is_by_identity,
                removal_on_a_done_task_returns_zero,
                panicking_callback_is_reported,
                earlier_callbacks_run_before_the_awaiter,
                awaiter_wakeup_keeps_its_place,
                no_current_task_in_callbacks,
                callbacks_run_for_every_outcome,
                completion_queues_behind_ready_work,
                run_until_complete_runs_earlier_callbacks,
            }
            names {
                default_name_is_task_n,
                default_numbers_increase,
                named_tasks_take_no_number,
                given_names_are_kept,
                set_name_renames_in_every_state,
                inside_and_outside_agree,
                the_main_task_takes_a_number,
                the_counter_is_shared_by_runtimes,
            }
            repr {
                pending,
                cancelling,
                finished_with_a_result,
                finished_with_an_exception,
                cancelled,
                suppressed_says_cancelling_until_done,
                uncancel_restores_pending,
                current_task_prints_as_the_task,
                name_uses_python_quoting,
            }
            awaiting {
                awaiting_a_done_task_does_not_suspend,
                many_awaiters_get_the_value,
                awaiting_a_failed_task_returns_the_failure,
                awaiting_a_cancelled_task_returns_cancelled,
                propagating_an_awaited_cancel_cancels_the_awaiter,
                cancel_is_forwarded_to_the_awaited_task,
                suppressed_forward_leaves_the_awaiter_running,
                awaiting_oneself_is_an_error,
                awaiting_oneself_fails_at_the_next_tick,
                each_await_level_adds_one_tick,
                caught_forward_carries_the_message,
                cancel_reaches_a_task_that_stopped_awaiting,
                a_dropped_second_join_leaves_the_task_awaiting,
            }
            panics {
                panicking_body_fails_the_task,
                formatted_panic_message,
                non_string_panic_payload,
                panic_is_contained_to_its_task,
                awaiter_receives_the_panic,
                panicking_main_is_returned_by_run,
                panic_after_catching_a_cancel_fails_the_task,
                panicking_callback_does_not_stop_the_loop,
                unretrieved_panic_is_reported,
            }
            catching {
                catch_and_suppress,
                catch_and_propagate,
                cleanup_can_await,
                innermost_scope_receives,
                only_active_scopes_catch,
                uncaught_runs_destructors_innermost_first,
                catch_and_convert_to_an_error,
                catch_without_cancel_is_transparent,
                one_shape_catches_both_cancels,
                a_body_error_of_its_own_reraises_a_cancel,
            }
            cross_thread {
                handles_work_from_another_thread,
                cancel_from_a_thread_wakes_an_idle_loop,
                cancel_from_a_thread_while_the_loop_is_busy,
                create_task_from_a_thread,
                call_soon_from_a_thread,
                concurrent_cancels_count_exactly,
                outcome_is_readable_from_a_thread,
                callback_added_from_a_thread,
                wake_from_a_thread,
                last_handle_dropped_on_a_thread_detaches,
            }
            hostile {
                a_deep_await_chain_is_cancelled_without_recursion,
                a_cycle_of_awaits_is_cancelled_once_each,
                a_cancel_reaches_every_task_a_step_awaits,
                repr_shows_the_awaited_task,
                a_value_holding_its_own_task_prints_dots,
                a_destructor_panicking_with_a_panicking_payload_is_contained,
                a_callback_panicking_with_a_panicking_payload_is_contained,
                a_panicking_handler_does_not_stop_the_runtime,
                a_value_panicking_on_drop_is_reported,
                names_escape_like_python,
                user_code_runs_without_the_task_lock,
                values_holding_each_other_print_on_two_threads,
                the_last_handle_of_an_awaited_task_drops_outside_the_lock,
            }
            runtime_drop {
                pending_tasks_are_reported_and_cancelled,
                the_report_names_the_task,
                destroyed_bodies_run_their_finally,
                destroyed_tasks_callbacks_never_run,
                awaiting_a_destroyed_task_does_not_hang,
                done_tasks_are_not_reported_on_drop,
                unretrieved_failure_is_reported,
                reported_once_for_the_last_handle,
                not_reported_after_result,
                not_reported_after_exception,
                not_reported_after_await,
                not_reported_after_cancel_of_the_done_task,
                cancelled_tasks_are_not_reported,
            }
            outputs {
                a_value_without_clone_or_debug_is_moved_out_by_await,
                by_value_awaiters_after_the_first_are_told_it_was_taken,
                a_clone_value_is_shared_until_it_is_moved_out,
                take_result_moves_the_value_once,
                run_moves_a_handle_value_out,
                an_erased_handle_shows_the_value_type,
            }
            ambient {
                the_running_loop_is_found_inside_a_task,
                the_running_loop_is_found_in_callbacks_and_jobs,
                no_running_loop_outside,
                the_running_loop_is_found_in_a_body_s_finally,
            }
            aborting {
                abort_drops_the_body_past_its_catch,
                abort_is_not_revoked_by_uncancel,
                abort_of_a_done_task_is_refused,
                abort_before_the_first_step_runs_nothing,
                abort_tells_callbacks_and_awaiters,
                abort_is_not_forwarded_to_the_awaited_task,
                abort_carries_its_own_message,
            }
            clock {
                sleeps_end_in_deadline_order,
                sleep_lasts_at_least_its_duration,
                time_is_monotonic,
                yield_loops_interleave,
                tasks_start_in_creation_order,
                creator_continues_before_the_child,
                zero_sleep_lets_ready_tasks_run,
                call_soon_shares_the_fifo_with_steps,
                a_set_future_resumes_its_task_next_tick,
                a_sleeper_does_not_block_others,
            }
        }
    };
}

/// Expands the check list either into the registry or into tests.
#[doc(hidden)]
#[macro_export]
macro_rules! __expand_checks {
    (registry ($r:ty) $( $module:ident { $( $check:ident ),* $(,)? } )*) => {
        ::std::vec![ $( $(
            (
                ::core::concat!(::core::stringify!($module), "::", ::core::stringify!($check)),
                $crate::$module::$check::<$r> as $crate::Check<$r>,
            ),
        )* )* ]
    };
    (tests ($make:expr, $caps:expr) $( $module:ident { $( $check:ident ),* $(,)? } )*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    fn $check() {
                        $crate::__stamped_test(
                            ::core::concat!(::core::stringify!($module), "::", ::core::stringify!($check)),
                            $crate::$module::$check,
                            || $make,
                            $caps,
                        );
                    }
                )*
            }
        )*
    };
}

/// Every check, once, as `("module::check", function)`, in a stable order.
///
/// ```
/// # fn f<R: aiotask_api::Runtime + 'static>() {
/// let all = aiotask_conformance::checks::<R>();
/// assert!(all.iter().any(|(name, _)| *name == "lifecycle::done_is_terminal"));
/// # }
/// ```
pub fn checks<R: aiotask_api::Runtime + 'static>() -> Vec<(&'static str, Check<R>)> {
    __with_check_list!(registry(R))
}

/// Stamps one `#[test]` per check, for the runtime built by `$make` (an
/// expression, evaluated afresh for every test) with [`Capabilities`] `$caps`.
///
/// The tests are grouped in one module per behaviour, so a failure reads
/// `cancel_states::not_started_runs_nothing`. A check that does not apply to
/// the flavour passes and prints why.
///
/// ```no_run
/// aiotask_conformance::conformance_tests!(
///     aiotask_native::Runtime::new(),
///     aiotask_conformance::Capabilities::SINGLE_THREAD_FIFO
/// );
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr, $caps:expr $(,)?) => {
        $crate::__with_check_list!(tests($make, $caps));
    };
}
