//! The cancel walk: how one `cancel()` reaches the tasks a chain of awaits
//! leads to, on a worklist instead of the stack.
//!
//! # Protocol
//!
//! Every transition cited here is in `state.rs`; every rule is cited by the
//! code that relies on it.
//!
//! * **F1. One step per task.** A task answers a request alone
//!   ([`TaskContract::cancel_step`](crate::backend::TaskContract)): it is counted, then either
//!   answers (`true` unless done; a leaf it awaits is armed, or
//!   `must_cancel` is set for its next step) or asks to forward the request
//!   to the tasks it awaits, naming the suspension it asked in. No step
//!   calls another task's `cancel`: the walk does, one step at a time, so a
//!   chain of a million awaits costs a million steps and no stack.
//! * **F2. Forward to every awaited task.** A step suspended on several
//!   tasks (`join!`, `zip`) forwards to each; the forward is accepted when
//!   any of them accepts (asyncio's `gather` future cancels every child
//!   and answers `True` if one did).
//! * **F3. Refused everywhere: route again.** When every awaited task
//!   refused (they are done), the forwarding task routes the request again,
//!   not counted again (`State::route_cancel` with the suspension of the
//!   forward): still in that suspension, it keeps `must_cancel` for the step
//!   the done list already queued; moved on, to what it awaits now.
//! * **F4. A cycle ends the walk.** A forward to a task already on the
//!   walk's path (A awaits B, B awaits A) is not made: the forwarding task
//!   takes the request itself (`State::route_cancel_in_cycle`), is woken,
//!   and receives it at its await; each task of the cycle is counted once.
//!   (CPython recurses here until `RecursionError`.) A task reached twice
//!   by two branches, not through a cycle, is asked twice, as in CPython.
//! * **F5. Answers go up.** `cancel()` returns the answer of the first
//!   task: a forward accepted anywhere below is `true` all the way up.
//!
//! A known gap (pre-existing, found by review): between a task's step that
//! asks to forward and the awaited task's answer, another thread may run
//! the task's next step for another reason (a `select!` whose other branch
//! became ready) and finish it; the forward is then accepted by the
//! awaited task only. CPython's `_fut_waiter.cancel()` leaves no such
//! window.

use std::collections::HashSet;

use aiotask_api::protocol::{CancelEntry, CancelStep};
use aiotask_api::{AnyTask, TaskId};

/// How deep a path is searched linearly for a cycle before a set is built.
const LINEAR_PATH: usize = 16;

/// A task the walk has reached: the one `cancel()` was called on, or one
/// it forwarded to.
enum Node<'a> {
    Root(&'a dyn Fn(CancelEntry) -> CancelStep),
    Task(AnyTask),
}

impl Node<'_> {
    fn step(&self, message: Option<&str>, entry: CancelEntry) -> CancelStep {
        match self {
            Node::Root(step) => step(entry),
            Node::Task(task) => task.cancel_step(message, entry),
        }
    }
}

/// A task on the path whose forward is outstanding.
struct Level<'a> {
    node: Node<'a>,
    id: TaskId,
    suspension: u32,
    rest: std::vec::IntoIter<AnyTask>,
    accepted: bool,
}

/// The tasks on the path, for F4.
#[derive(Default)]
struct Path {
    ids: Vec<TaskId>,
    set: Option<HashSet<TaskId>>,
}

impl Path {
    fn push(&mut self, id: TaskId) {
        self.ids.push(id);
        if let Some(set) = &mut self.set {
            set.insert(id);
        } else if self.ids.len() > LINEAR_PATH {
            self.set = Some(self.ids.iter().copied().collect());
        }
    }

    fn pop(&mut self) {
        if let (Some(id), Some(set)) = (self.ids.pop(), &mut self.set) {
            // An id occurs once on a path (F4 keeps it so).
            set.remove(&id);
        }
    }

    fn contains(&self, id: TaskId) -> bool {
        match &self.set {
            Some(set) => set.contains(&id),
            None => self.ids.contains(&id),
        }
    }
}

/// Walks a cancel request from the task `root_id`, whose own steps are
/// `root`, starting with `first` (the root's answer to the request, or the
/// forward a step's end asks for). Returns `cancel()`'s answer (F5).
///
/// The common cases allocate nothing: a task that answers at once, and one
/// forward to a task that answers at once.
pub(crate) fn walk(
    root_id: TaskId,
    root: &dyn Fn(CancelEntry) -> CancelStep,
    message: Option<&str>,
    first: CancelStep,
) -> bool {
    let mut step = first;
    loop {
        match step {
            CancelStep::Answered(a) => return a,
            CancelStep::Forward {
                first,
                rest,
                suspension,
            } if rest.is_empty() && first.id() != root_id => {
                match first.cancel_step(message, CancelEntry::Request) {
                    CancelStep::Answered(true) => return true,
                    // F3: the awaited task is done: route again.
                    CancelStep::Answered(false) => step = root(CancelEntry::Refused(suspension)),
                    deeper => {
                        let level = Level {
                            node: Node::Root(root),
                            id: root_id,
                            suspension,
                            rest: Vec::new().into_iter(),
                            accepted: false,
                        };
                        let id = first.id();
                        return walk_levels(Some(level), Node::Task(first), id, message, deeper);
                    }
                }
            }
            other => return walk_levels(None, Node::Root(root), root_id, message, other),
        }
    }
}

/// The general walk, on a worklist of levels (F1–F5).
fn walk_levels<'a>(
    root_level: Option<Level<'a>>,
    mut node: Node<'a>,
    mut node_id: TaskId,
    message: Option<&str>,
    mut step: CancelStep,
) -> bool {
    let mut levels: Vec<Level<'a>> = Vec::new();
    let mut path = Path::default();
    if let Some(level) = root_level {
        path.push(level.id);
        levels.push(level);
    }
    loop {
        let answer = match step {
            CancelStep::Forward {
                first,
                rest,
                suspension,
            } => {
                path.push(node_id);
                levels.push(Level {
                    node,
                    id: node_id,
                    suspension,
                    rest: rest.into_iter(),
                    accepted: false,
                });
                // F2: the first awaited task now, the rest as answers come.
                match visit(&levels, &path, first, message) {
                    Visit::Step(n, id, s) => {
                        (node, node_id, step) = (n, id, s);
                        continue;
                    }
                    Visit::Answered(a) => a,
                }
            }
            CancelStep::Answered(a) => a,
        };
        // Hand `answer` to the level above; go on with its next awaited
        // task, or finish that level.
        let mut answer = answer;
        loop {
            let Some(top) = levels.last_mut() else {
                return answer; // F5
            };
            top.accepted |= answer;
            if let Some(next) = top.rest.next() {
                match visit(&levels, &path, next, message) {
                    Visit::Step(n, id, s) => {
                        (node, node_id, step) = (n, id, s);
                        break;
                    }
                    Visit::Answered(a) => {
                        answer = a;
                        continue;
                    }
                }
            }
            let done = levels.pop().expect("the level just read");
            path.pop();
            if done.accepted {
                answer = true;
                continue;
            }
            // F3: refused everywhere: the forwarding task routes it again.
            step = done
                .node
                .step(message, CancelEntry::Refused(done.suspension));
            (node, node_id) = (done.node, done.id);
            break;
        }
    }
}

enum Visit<'a> {
    Step(Node<'a>, TaskId, CancelStep),
    Answered(bool),
}

/// Makes the forward to `task` from the level on top of `levels`.
fn visit<'a>(levels: &[Level<'a>], path: &Path, task: AnyTask, message: Option<&str>) -> Visit<'a> {
    let id = task.id();
    if path.contains(id) {
        // F4: the forwarding task takes the request itself.
        let top = levels.last().expect("a forward has a level");
        return match top.node.step(message, CancelEntry::Cycle) {
            CancelStep::Answered(a) => Visit::Answered(a),
            // A cycle step only answers; a forward here would loop.
            CancelStep::Forward { .. } => Visit::Answered(true),
        };
    }
    let step = task.cancel_step(message, CancelEntry::Request);
    Visit::Step(Node::Task(task), id, step)
}
