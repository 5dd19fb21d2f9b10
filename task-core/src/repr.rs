//! The task repr (spec §1.17), following `wait_for=` down a chain of awaits
//! without recursing.
//!
//! `<Task pending name='outer' wait_for=<Task pending name='inner'>>`: each
//! task contributes its opening part (state, name) and its closing part
//! (result or exception, `>`), and names the task it awaits. The chain is
//! followed on a loop, at most [`MAX_WAIT_FOR_DEPTH`] tasks deep, and a task
//! already being printed (a cycle of awaits, or a value that holds its own
//! task) prints as `...`, CPython's recursion guard.

use aiotask_api::protocol::ReprParts;
use aiotask_api::{AnyTask, TaskId};

use crate::value::held_here;

/// How many awaited tasks a repr follows before it writes `...`: a report
/// about each task of a chain of a million awaits must not print the rest
/// of the chain each time (CPython's repr would raise `RecursionError`).
pub const MAX_WAIT_FOR_DEPTH: usize = 16;

/// Renders the repr of task `top_id`, split as `top`.
pub(crate) fn render(top_id: TaskId, top: ReprParts) -> String {
    let mut out = top.open;
    let mut closes = vec![top.close];
    let mut seen = vec![top_id];
    let mut next = top.wait_for;
    while let Some(task) = next.take() {
        out.push_str(" wait_for=");
        if closes.len() > MAX_WAIT_FOR_DEPTH || is_printing(&seen, &task) {
            out.push_str("...");
            break;
        }
        let parts = task.repr_parts();
        seen.push(task.id());
        out.push_str(&parts.open);
        closes.push(parts.close);
        next = parts.wait_for;
    }
    for close in closes.iter().rev() {
        out.push_str(close);
    }
    out
}

fn is_printing(seen: &[TaskId], task: &AnyTask) -> bool {
    held_here(task.id()) || seen.contains(&task.id())
}
