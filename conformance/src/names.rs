//! Task names: `Task-N` from one process-wide counter, given names, renaming
//! (spec §1.16).
//!
//! Other tests of the same process create tasks in parallel, so numbers are
//! compared only for order within one thread, never for exact values.

use aiotask_api::{Runtime, RuntimeHandle, Task};

use crate::support::{Gate, default_number, run};
use crate::{Fixture, Outcome};

#[track_caller]
fn number(name: &str) -> u64 {
    default_number(name).unwrap_or_else(|| panic!("{name:?} is not of the form Task-<number>"))
}

/// §1.16: an unnamed task is called `Task-<number>`.
pub fn default_name_is_task_n<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let t = h.create_task(async {});
    let n = number(&t.name());
    assert!(n >= 1, "the counter starts at 1");
    assert!(fx.runtime().run_until_complete(&t).is_ok(), "the task runs");
    Outcome::Pass
}

/// §1.16: unnamed tasks created one after another get increasing numbers.
pub fn default_numbers_increase<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let tasks: Vec<_> = (0..4).map(|_| h.create_task(async {})).collect();
    let numbers: Vec<u64> = tasks.iter().map(|t| number(&t.name())).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "numbers in creation order: {numbers:?}"
    );
    for t in &tasks {
        assert!(fx.runtime().run_until_complete(t).is_ok(), "the task runs");
    }
    Outcome::Pass
}

/// §1.16 [3.13]: a named task does not consume a `Task-N` number.
pub fn named_tasks_take_no_number<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    // Tasks made by parallel tests also take numbers; retry until one round
    // ran undisturbed. If named tasks took numbers, no round ever would.
    let mut gaps = Vec::new();
    for _ in 0..200 {
        let a = h.create_task(async {});
        let named = h.create_named_task("named", async {});
        let b = h.create_task(async {});
        let gap = number(&b.name()) - number(&a.name());
        for t in [&a, &named, &b] {
            assert!(fx.runtime().run_until_complete(t).is_ok(), "the task runs");
        }
        if gap == 1 {
            return Outcome::Pass;
        }
        gaps.push(gap);
    }
    panic!("a named task between two unnamed ones always consumed a number: gaps {gaps:?}");
}

/// §1.16: a given name is kept exactly, through every constructor.
pub fn given_names_are_kept<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let a = h.create_named_task("worker", async { 1u8 });
    let b = h.spawn(Some("raw".to_owned()), async { Ok(2u8) });
    let c = h.create_named_try_task("parse", async { "7".parse::<u8>() });
    let d = h.create_named_task("", async { 4u8 });
    let e = h.create_named_task("工作 1", async { 5u8 });
    let names: Vec<String> = [&a, &b, &c, &d, &e].iter().map(|t| t.name()).collect();
    assert_eq!(
        names,
        ["worker", "raw", "parse", "", "工作 1"],
        "the given names"
    );
    for t in [&a, &b, &c, &d, &e] {
        assert!(fx.runtime().run_until_complete(t).is_ok(), "the task runs");
    }
    assert_eq!(d.name(), "", "an empty name stays empty");
    Outcome::Pass
}

/// §1.16: set_name renames a task in every state, pending or done.
pub fn set_name_renames_in_every_state<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (pending, t) = run(fx.runtime(), async move {
        let gate = Gate::new();
        let g = gate.clone();
        let t = h.create_task(async move { g.wait().await });
        t.set_name("Renamed");
        let pending = t.name();
        gate.set(());
        let _ = t.join().await;
        (pending, t)
    });
    assert_eq!(pending, "Renamed", "renamed while pending (transcript 06)");
    t.set_name("After");
    assert_eq!(t.name(), "After", "renamed once done");
    t.set_name("");
    assert_eq!(t.name(), "", "renamed to the empty string");
    Outcome::Pass
}

/// §1.16: the name seen from inside (`current_task()`) and from a handle is one name.
pub fn inside_and_outside_agree<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let (inside, t) = run(fx.runtime(), async move {
        let h2 = h.clone();
        let t = h.create_named_task("Inner", async move {
            let me = h2.current_task().expect("current_task()");
            let seen = me.name();
            me.set_name("Renamed inside");
            seen
        });
        let inside = t.join().await.unwrap_or_default();
        (inside, t)
    });
    assert_eq!(inside, "Inner", "the name inside the body");
    assert_eq!(
        t.name(),
        "Renamed inside",
        "a rename from inside, seen through the handle"
    );
    Outcome::Pass
}

/// §1.16: the main task of `run` is an unnamed task: it takes the next number.
pub fn the_main_task_takes_a_number<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let h = fx.runtime().handle();
    let before = h.create_task(async {});
    let h2 = h.clone();
    let main = run(
        fx.runtime(),
        async move { h2.current_task().map(|t| t.name()) },
    );
    let after = h.create_task(async {});
    let main = number(&main.expect("current_task() in the main task"));
    let (a, b) = (number(&before.name()), number(&after.name()));
    assert!(
        a < main && main < b,
        "Task-{a} < main Task-{main} < Task-{b}"
    );
    for t in [&before, &after] {
        assert!(fx.runtime().run_until_complete(t).is_ok(), "the task runs");
    }
    Outcome::Pass
}

/// §1.16: the counter is process-wide: it is shared by different runtimes.
pub fn the_counter_is_shared_by_runtimes<R: Runtime>(fx: &Fixture<R>) -> Outcome {
    let other = fx.make_runtime();
    let a = fx.runtime().handle().create_task(async {});
    let b = other.handle().create_task(async {});
    let c = fx.runtime().handle().create_task(async {});
    let numbers = [number(&a.name()), number(&b.name()), number(&c.name())];
    assert!(
        numbers[0] < numbers[1] && numbers[1] < numbers[2],
        "numbers: {numbers:?}"
    );
    assert!(
        other.run_until_complete(&b).is_ok(),
        "the other runtime's task runs"
    );
    assert!(fx.runtime().run_until_complete(&a).is_ok(), "a runs");
    assert!(fx.runtime().run_until_complete(&c).is_ok(), "c runs");
    Outcome::Pass
}
