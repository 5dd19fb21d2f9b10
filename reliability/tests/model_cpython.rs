//! The reference model checked against CPython 3.13 itself: random operation
//! sequences (the weights of `tests/model.rs`, awaiter cancels included) are
//! run on the model and, in one batch, on a Python mirror of the test harness
//! (the same scripted body, mailbox, callbacks and awaiters, driven one tick
//! at a time with `loop.run_until_complete(done_future)`). Every line must
//! agree. A divergence is shrunk (one operation dropped at a time) and
//! printed operation by operation.
//!
//! The interpreter is `python3.13` (through pyenv, `PYENV_VERSION=3.13.0`),
//! or `python3` if that is 3.13. Without one the test says so on standard
//! error and passes, unless `AIOTASK_REQUIRE_CPYTHON` is set.
//! `MODEL_CPYTHON_CASES` sets the number of sequences (default 1000).
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use aiotask_reliability::model::{Model, Op, Scheduling, ops_line};
use proptest::prelude::*;

#[path = "support/ops.rs"]
mod support_ops;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use support_ops::ops;

/// The CPython side: reads one sequence per line, prints one observation
/// line per operation and `#` after each sequence.
const HARNESS: &str = r###"# CPython 3.13 mirror of reliability/tests/model.rs's harness: one task whose
# body obeys a mailbox of scripted commands, driven one tick at a time.
import asyncio, collections, gc, sys, warnings, weakref

# Tasks still NOT-STARTED when a sequence ends are never awaited: expected.
warnings.filterwarnings("ignore", "coroutine .* was never awaited")

def msg_of(e):
    return e.args[0] if e.args else "-"

def fault_of(e):
    return e.args[0]

class Mailbox:
    def __init__(self, loop):
        self.q = collections.deque()
        self.fut = None
        self.loop = loop
    def push(self, cmd):
        self.q.append(cmd)
        if self.fut is not None and not self.fut.done():
            self.fut.set_result(None)

async def body(mb, log):
    catch = False
    while True:
        if not mb.q:
            mb.fut = mb.loop.create_future()
            if catch:
                try:
                    await mb.fut
                except asyncio.CancelledError as e:
                    catch = False
                    log.append(f"caught({msg_of(e)})")
                continue
            await mb.fut
            continue
        cmd, arg = mb.q.popleft()
        if cmd == "complete":
            return int(arg)
        if cmd == "fail":
            raise ValueError(f"E{arg}")
        if cmd == "panic":
            raise RuntimeError(f"P{arg}")
        if cmd == "yield":
            if catch:
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError as e:
                    catch = False
                    log.append(f"caught({msg_of(e)})")
            else:
                await asyncio.sleep(0)
        elif cmd == "catch":
            catch = True
        elif cmd == "selfcancel":
            r = asyncio.current_task().cancel() if arg == "-" else asyncio.current_task().cancel(arg)
            log.append(f"selfcancel={str(r).lower()}")
        elif cmd == "selfuncancel":
            log.append(f"selfuncancel={asyncio.current_task().uncancel()}")
        else:
            raise AssertionError(cmd)

async def awaiter(n, t, log):
    try:
        v = await t
        log.append(f"aw{n}=ok({v})")
    except asyncio.CancelledError as e:
        log.append(f"aw{n}=cancelled({msg_of(e)})")
    except Exception as e:
        log.append(f"aw{n}=failed({fault_of(e)})")

def make_cb(i, log):
    def cb(_task):
        log.append(f"cb{i}")
    return cb

def run(ops):
    loop = asyncio.new_event_loop()
    reports = []
    def handler(loop, ctx):
        if ctx.get("message") == "Task exception was never retrieved":
            reports.append(f"never({fault_of(ctx['exception'])})")
        else:
            reports.append(f"other({ctx.get('message')})")
    loop.set_exception_handler(handler)
    done = loop.create_future()
    done.set_result(None)
    log = []
    mb = Mailbox(loop)
    cbs = [make_cb(i, log) for i in range(4)]
    holder = [loop.create_task(body(mb, log), name="T")]
    aws = []
    out = []
    for op in ops:
        name, _, arg = op.partition(":")
        t = holder[0] if holder else None
        ret = "-"
        if name == "step":
            loop.run_until_complete(done)
        elif name in ("complete", "fail", "panic", "yield", "catch", "selfcancel", "selfuncancel"):
            mb.push((name, arg))
        elif name == "cancelawaiter":
            k, _, m = arg.partition(":")
            if aws:
                a = aws[int(k) % len(aws)]()
                if a is None:
                    ret = "false"  # collected, so done: cancel() is False
                else:
                    ret = str(a.cancel() if m == "-" else a.cancel(m)).lower()
                del a
        elif t is None:
            ret = "-"
        elif name == "cancel":
            ret = str(t.cancel() if arg == "-" else t.cancel(arg)).lower()
        elif name == "uncancel":
            ret = str(t.uncancel())
        elif name == "add":
            t.add_done_callback(cbs[int(arg)])
        elif name == "remove":
            ret = str(t.remove_done_callback(cbs[int(arg)]))
        elif name == "await":
            # Weakly, like a Rust handle, which does not keep the body: a
            # done awaiter's stored CancelledError has a traceback whose frame
            # still holds `t`, and would keep it alive (and unreported).
            aws.append(weakref.ref(loop.create_task(awaiter(len(aws), t, log))))
        elif name == "result":
            try:
                ret = f"ok({t.result()})"
            except asyncio.InvalidStateError:
                ret = "invalid"
            except asyncio.CancelledError as e:
                ret = f"cancelled({msg_of(e)})"
            except Exception as e:
                ret = f"failed({fault_of(e)})"
        elif name == "exception":
            try:
                e = t.exception()
                ret = "none" if e is None else f"exc({fault_of(e)})"
            except asyncio.InvalidStateError:
                ret = "invalid"
            except asyncio.CancelledError as e:
                ret = f"cancelled({msg_of(e)})"
        elif name == "drop":
            holder.clear()
        else:
            raise AssertionError(name)
        del t
        gc.collect()
        if holder:
            t = holder[0]
            word = repr(t)[len("<Task "):].split(" ", 1)[0]
            q = f"done={int(t.done())} cancelled={int(t.cancelled())} cancelling={t.cancelling()} state={word}"
            del t
        else:
            q = "dropped"
        out.append(f"{ret} | {q} | ev=[{','.join(log)}] | rep=[{','.join(reports)}]")
        log.clear()
        reports.clear()
    holder.clear()
    aws.clear()
    gc.collect()
    loop.close()
    return out

def main():
    # Only what a sequence creates is scanned by the collections below.
    gc.freeze()
    for line in sys.stdin:
        ops = line.split()
        if not ops:
            continue
        for o in run(ops):
            print(o)
        print("#")
        sys.stdout.flush()

if __name__ == "__main__":
    main()
"###;

/// A CPython 3.13 interpreter: the program and its environment.
type Python = (&'static str, Vec<(&'static str, &'static str)>);

fn find_python() -> Option<Python> {
    let candidates: [Python; 3] = [
        ("python3.13", vec![("PYENV_VERSION", "3.13.0")]),
        ("python3.13", vec![]),
        ("python3", vec![]),
    ];
    candidates.into_iter().find(|(program, env)| {
        Command::new(program)
            .envs(env.iter().copied())
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"3.13"))
    })
}

/// Runs every sequence on CPython; one list of observation lines each.
fn run_cpython(python: &Python, sequences: &[Vec<Op>]) -> Vec<Vec<String>> {
    let mut child = Command::new(python.0)
        .envs(python.1.iter().copied())
        .args(["-c", HARNESS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting CPython");
    let input: String = sequences.iter().map(|s| ops_line(s) + "\n").collect();
    let mut stdin = child.stdin.take().expect("a stdin pipe");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("CPython's output");
    writer
        .join()
        .expect("the writer thread")
        .expect("writing the sequences");
    assert!(out.status.success(), "the CPython harness failed");
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    let mut blocks: Vec<Vec<String>> = vec![Vec::new()];
    for line in text.lines() {
        if line == "#" {
            blocks.push(Vec::new());
        } else if let Some(block) = blocks.last_mut() {
            block.push(line.to_owned());
        }
    }
    blocks.pop(); // after the last `#`
    assert_eq!(blocks.len(), sequences.len(), "one block per sequence");
    blocks
}

fn model_lines(ops: &[Op]) -> Vec<String> {
    let mut model = Model::new(Scheduling::Ticks);
    ops.iter().map(|op| model.apply(op).to_string()).collect()
}

/// The first operation where the model and CPython differ.
fn divergence(ops: &[Op], python: &[String]) -> Option<usize> {
    let model = model_lines(ops);
    (0..ops.len()).find(|&i| model.get(i) != python.get(i))
}

/// Greedy shrinking: drop one operation at a time while it still diverges
/// (each round is one CPython run over every candidate).
fn shrink(python: &Python, mut ops: Vec<Op>) -> Vec<Op> {
    loop {
        ops.truncate(ops.len().min(64));
        let candidates: Vec<Vec<Op>> = (0..ops.len())
            .map(|i| {
                let mut c = ops.clone();
                c.remove(i);
                c
            })
            .filter(|c| !c.is_empty())
            .collect();
        if candidates.is_empty() {
            return ops;
        }
        let results = run_cpython(python, &candidates);
        let smaller = candidates
            .into_iter()
            .zip(results)
            .find(|(c, lines)| divergence(c, lines).is_some());
        match smaller {
            Some((c, _)) => ops = c,
            None => return ops,
        }
    }
}

#[test]
fn model_agrees_with_cpython_3_13() {
    let Some(python) = find_python() else {
        assert!(
            std::env::var_os("AIOTASK_REQUIRE_CPYTHON").is_none(),
            "AIOTASK_REQUIRE_CPYTHON is set and no CPython 3.13 runs"
        );
        eprintln!("model vs CPython: SKIPPED, no CPython 3.13 found");
        return;
    };
    let cases: usize = std::env::var("MODEL_CPYTHON_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut runner = TestRunner::new(Config::default());
    let strategy = ops();
    let sequences: Vec<Vec<Op>> = (0..cases)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("a sequence")
                .current()
        })
        .collect();
    let start = std::time::Instant::now();
    let results = run_cpython(&python, &sequences);
    let total: usize = sequences.iter().map(Vec::len).sum();
    eprintln!(
        "model vs CPython 3.13: {cases} sequences, {total} operations (avg {:.1}), {:.2?}",
        total as f64 / cases.max(1) as f64,
        start.elapsed()
    );
    let failing = sequences
        .iter()
        .zip(&results)
        .find(|(ops, lines)| divergence(ops, lines).is_some());
    if let Some((ops, _)) = failing {
        let ops = shrink(&python, ops.clone());
        let python_lines = run_cpython(&python, std::slice::from_ref(&ops)).remove(0);
        let model = model_lines(&ops);
        let mut report = format!("sequence: {}\n", ops_line(&ops));
        for (i, op) in ops.iter().enumerate() {
            let (m, p) = (&model[i], python_lines.get(i).map_or("", String::as_str));
            let mark = if m == p { " " } else { "!" };
            report += &format!("{mark}{i:>2} {:<14} model:   {m}\n", op.to_string());
            if m != p {
                report += &format!("   {:<14} CPython: {p}\n", "");
            }
        }
        panic!("the model disagrees with CPython 3.13\n{report}");
    }
}
