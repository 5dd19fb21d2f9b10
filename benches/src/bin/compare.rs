//! `compare`: the report. Runs a quick version of every scenario on every
//! subject (compiled-in aiotask backends and flavours, raw tokio, raw
//! async-executor) in one process, round-robin across repetitions so
//! machine drift hits all alike, plus the CPython asyncio program in the
//! same run; prints the markdown report (opening with the cost of the
//! contract) and writes it, the chart of that cost, one SVG chart per
//! scenario and, with `--json FILE`, one JSON line per figure. `--targets`
//! appends issue 12's targets checked against the run.
//!
//! ```text
//! cargo run --release -p aiotask-benches --bin compare -- [--quick | --full] [--json FILE]
//!     [--out DIR] [--only ID,ID,...] [--no-python] [--targets]
//! ```
//!
//! Memory is measured by the `memprobe` binary (a counting allocator would
//! slow every timing here); `compare` builds it with cargo when needed and
//! runs it. The report's header and the last line on stderr state the peak
//! resident memory of `compare` and of its child processes (`memprobe` and
//! the CPython program report their own; the cargo build of `memprobe` is
//! not counted).
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aiotask_benches::python::{PyFigure, Python};
use aiotask_benches::report::{Cell, Column, Meta, Report, cpu_model, fmt_kib, utc_now};
use aiotask_benches::util::{clock_read_cost, peak_rss_kib};
use aiotask_benches::{Family, HeapSample, Mode, Outcome, Scenario, Threading, backends, subjects};

struct Args {
    mode: Mode,
    json: Option<PathBuf>,
    out: Option<PathBuf>,
    only: Option<BTreeSet<Scenario>>,
    python: bool,
    targets: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: compare [--quick | --full] [--json FILE] [--out DIR] [--only ID,ID,...] [--no-python] \
         [--targets]\n\
         scenario ids: {}",
        Scenario::ALL.map(|s| s.id()).join(", ")
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        mode: Mode::Quick,
        json: None,
        out: None,
        only: None,
        python: true,
        targets: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.mode = Mode::Quick,
            "--full" => args.mode = Mode::Full,
            "--json" => args.json = Some(it.next().unwrap_or_else(|| usage()).into()),
            "--out" => args.out = Some(it.next().unwrap_or_else(|| usage()).into()),
            "--no-python" => args.python = false,
            "--targets" => args.targets = true,
            "--only" => {
                let list = it.next().unwrap_or_else(|| usage());
                let set = list
                    .split(',')
                    .map(|id| Scenario::from_id(id.trim()).unwrap_or_else(|| usage()))
                    .collect();
                args.only = Some(set);
            }
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    args
}

/// The cargo target directory this binary was built into (`<target>/release/compare`).
fn target_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?;
    let name = profile_dir.file_name()?.to_str()?;
    if name == "release" || name == "debug" {
        profile_dir.parent().map(Path::to_path_buf)
    } else {
        None
    }
}

/// Repetitions per scenario: the cheap ones, 100,000 tasks, 1,000,000 tasks.
fn reps(mode: Mode, s: Scenario) -> usize {
    match (mode, s) {
        (Mode::Quick, Scenario::Scaling1m) => 3,
        (Mode::Quick, Scenario::Scaling100k) => 5,
        (Mode::Quick, _) => 7,
        (Mode::Full, Scenario::Scaling1m) => 5,
        (Mode::Full, Scenario::Scaling100k) => 11,
        (Mode::Full, _) => 21,
    }
}

/// Repetitions of the CPython program per scenario: as for Rust, except
/// 1,000,000 tasks, which takes CPython about 18 s per run here (creating
/// and parking them; the measured cancel-all is a third of that): once in
/// quick mode.
fn py_reps(mode: Mode, s: Scenario) -> usize {
    match (mode, s) {
        (Mode::Quick, Scenario::Scaling1m) => 1,
        _ => reps(mode, s),
    }
}

/// Builds (when cargo is at hand) and runs `memprobe`; returns its lines.
fn run_memprobe(tasks: u64) -> Result<Vec<serde_json::Value>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let probe = exe.with_file_name("memprobe");
    let release = exe
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The same feature set as this binary, `default` included: a different
    // list would make cargo rebuild the library.
    let mut features = Vec::new();
    if cfg!(feature = "default") {
        features.push("default");
    }
    if cfg!(feature = "native") {
        features.push("native");
    }
    if cfg!(feature = "tokio") {
        features.push("tokio");
    }
    if cfg!(feature = "smol") {
        features.push("smol");
    }
    let mut build = Command::new(&cargo);
    build
        .arg("build")
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .args([
            "-p",
            "aiotask-benches",
            "--bin",
            "memprobe",
            "--no-default-features",
        ]);
    if !features.is_empty() {
        build.arg("--features").arg(features.join(","));
    }
    if release {
        build.arg("--release");
    }
    if let Some(t) = target_dir() {
        build.arg("--target-dir").arg(t);
    }
    match build.status() {
        Ok(st) if st.success() => {}
        Ok(st) if !probe.exists() => return Err(format!("building memprobe failed ({st})")),
        Err(e) if !probe.exists() => return Err(format!("cannot build memprobe ({e})")),
        _ => eprintln!("compare: could not rebuild memprobe; using the existing binary"),
    }
    let out = Command::new(&probe)
        .args(["--tasks", &tasks.to_string(), "--reps", "3"])
        .output()
        .map_err(|e| format!("running {}: {e}", probe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "memprobe failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("memprobe output: {e}")))
        .collect()
}

fn heap_of(v: &serde_json::Value, bytes: &str, allocs: &str, tasks: u64) -> Option<HeapSample> {
    Some(HeapSample {
        bytes_per_task: v.get(bytes)?.as_f64()?,
        allocs_per_task: v.get(allocs)?.as_f64()?,
        tasks,
    })
}

fn main() {
    let args = parse_args();
    let started = Instant::now();
    let mode_name = match args.mode {
        Mode::Quick => "quick",
        Mode::Full => "full",
    };
    let scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| args.only.as_ref().is_none_or(|o| o.contains(s)))
        .collect();
    let timed: Vec<Scenario> = scenarios
        .iter()
        .copied()
        .filter(|s| *s != Scenario::Memory)
        .collect();

    eprintln!("compare: building the subjects");
    let subjects = subjects();
    let python = if args.python {
        Python::find()
    } else {
        Err("CPython column disabled (--no-python)".into())
    };
    let mut columns: Vec<Column> = subjects
        .iter()
        .map(|s| Column {
            name: s.name().to_owned(),
            family: s.family(),
            threading: s.threading(),
        })
        .collect();
    let py_col = columns.len();
    columns.push(Column {
        name: match &python {
            Ok(p) => format!("CPython {}", p.version),
            Err(_) => "CPython".into(),
        },
        family: Family::CPython,
        threading: Threading::Single,
    });

    let clock = clock_read_cost();
    let max_reps = timed.iter().map(|s| reps(args.mode, *s)).max().unwrap_or(0);
    let mut meta = Meta {
        date: utc_now(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu: cpu_model(),
        mode: format!(
            "`--{mode_name}`: {} repetitions ({} at 100,000 tasks, {} at 1,000,000)",
            reps(args.mode, Scenario::CancelOne),
            reps(args.mode, Scenario::Scaling100k),
            reps(args.mode, Scenario::Scaling1m)
        ),
        notes: Vec::new(),
        peak_memory: Vec::new(),
    };
    // Peak resident memory of the child processes, KiB: (memprobe, CPython
    // largest run, CPython runs).
    let mut probe_peak: Option<u64> = None;
    let (mut py_peak, mut py_runs): (Option<u64>, usize) = (None, 0);
    let mut report = Report::new(columns, meta.clone());
    if let Err(why) = &python {
        for s in &scenarios {
            report.set(*s, py_col, Cell::Missing(why.clone()));
        }
    }

    // Warm-up: every runtime and code path once, unmeasured.
    eprintln!("compare: warm-up");
    for s in &timed {
        if matches!(s, Scenario::Scaling100k | Scenario::Scaling1m) {
            continue;
        }
        for subject in &subjects {
            let _ = subject.measure(*s, (s.ops(args.mode) / 5).max(1));
        }
    }

    // The round-robin: in every repetition, every scenario on every
    // subject, starting from a different subject each time; the CPython
    // program runs once per repetition, between the Rust rounds.
    for rep in 0..max_reps {
        let t_rep = Instant::now();
        for s in &timed {
            if rep >= reps(args.mode, *s) {
                continue;
            }
            let n = subjects.len();
            for k in 0..n {
                let col = (k + rep) % n;
                match subjects[col].measure(*s, s.ops(args.mode)) {
                    Outcome::Time(sample) => report.push_time(*s, col, sample.ns_per_op()),
                    Outcome::NotApplicable(why) => {
                        report.set(*s, col, Cell::NotApplicable(why.into()));
                    }
                    Outcome::Heap(_) => {}
                }
            }
        }
        if let Ok(py) = &python {
            let mut list: Vec<Scenario> = timed
                .iter()
                .copied()
                .filter(|s| rep < py_reps(args.mode, *s))
                .collect();
            if rep == 0 && scenarios.contains(&Scenario::Memory) {
                list.push(Scenario::Memory);
            }
            match py.run(&list, args.mode) {
                Ok(run) => {
                    py_runs += 1;
                    py_peak = py_peak.max(run.peak_rss_kib);
                    for (s, f) in run.figures {
                        match f {
                            PyFigure::Time(ns) => report.push_time(s, py_col, ns),
                            PyFigure::Heap {
                                bytes_per_task,
                                allocs_per_task,
                            } => report.set(
                                s,
                                py_col,
                                Cell::Heap {
                                    fresh: HeapSample {
                                        bytes_per_task,
                                        allocs_per_task,
                                        tasks: Scenario::Memory.ops(args.mode),
                                    },
                                    warm: None,
                                },
                            ),
                        }
                    }
                }
                Err(e) => eprintln!("compare: the asyncio program failed: {e}"),
            }
        }
        eprintln!(
            "compare: repetition {}/{max_reps} done in {:.1} s",
            rep + 1,
            t_rep.elapsed().as_secs_f64()
        );
    }

    if scenarios.contains(&Scenario::Memory) {
        eprintln!("compare: memory (memprobe)");
        let tasks = Scenario::Memory.ops(args.mode);
        match run_memprobe(tasks) {
            Ok(lines) => {
                for line in lines {
                    if let Some(kib) = line.get("peak_rss_kib").and_then(|v| v.as_u64()) {
                        probe_peak = Some(kib);
                    }
                    let Some(name) = line.get("subject").and_then(|n| n.as_str()) else {
                        continue;
                    };
                    let Some(col) = report.column(name) else {
                        continue;
                    };
                    if let Some(id) = line.get("scenario").and_then(|v| v.as_str()) {
                        let per_op = line
                            .get("allocs_per_op")
                            .and_then(serde_json::Value::as_f64);
                        if let (Some(s), Some(a)) = (Scenario::from_id(id), per_op) {
                            report.allocs.insert((s, col), a);
                        }
                        continue;
                    }
                    if let Some(fresh) = heap_of(&line, "bytes_per_task", "allocs_per_task", tasks)
                    {
                        let warm =
                            heap_of(&line, "bytes_per_task_warm", "allocs_per_task_warm", tasks);
                        report.set(Scenario::Memory, col, Cell::Heap { fresh, warm });
                    }
                }
            }
            Err(e) => {
                eprintln!("compare: memory not measured: {e}");
                for col in 0..py_col {
                    report.set(Scenario::Memory, col, Cell::Missing(e.clone()));
                }
            }
        }
    }

    meta.notes =
        vec![
        format!(
            "Subjects: {}. Multi-thread flavours run {} worker threads. Every workload's main \
             future is itself a spawned task on its runtime.",
            subjects.iter().map(|s| s.name().to_owned()).collect::<Vec<_>>().join(", "),
            backends::workers()
        ),
        "A parked task has been polled once and waits on `std::future::pending()`; the CPython \
         program parks each task on its own never-resolved future (`await loop.create_future()`)."
            .into(),
        "Raw tokio and raw async-executor have no done callbacks: `n/a` in `cancel_to_callback`, \
         `callbacks_n1`, `callbacks_n16` and `completion_to_callback`."
            .into(),
        format!(
            "`cancel_busy` on raw async-executor: n/a ({}). aiotask and CPython cancel the task \
             from inside its own step (`current_task().cancel()`), tokio through the task's own \
             `AbortHandle`.",
            aiotask_benches::cancel::EXECUTOR_NO_SELF_CANCEL
        ),
        format!(
            "`cancel_to_callback` and `completion_to_callback` stamp the clock once per operation; \
             one `Instant::now()` costs {} ns here (CPython: one `perf_counter_ns()`).",
            clock.as_nanos()
        ),
        "`cancel_cross_thread`: a plain OS thread cancels and spins until it sees the outcome. \
         A single-threaded loop with nothing else to do is asleep (parked), so on those \
         subjects each cancel includes waking the loop's thread."
            .into(),
        "`cancel_batch_10k` and scaling on raw async-executor: `Task::cancel` is an `async fn`; \
         the 10,000 cancel futures are boxed before the clock starts, then each is polled once \
         (requesting the cancel), then all are awaited."
            .into(),
        "Memory is counted in a separate process (`memprobe`, `stats_alloc`'s counting \
         allocator) so that counting does not slow the timings: live bytes and allocations \
         from before the first spawn until all 100,000 tasks have run their first step, on \
         every thread. Headline: the first burst on a fresh runtime (queue and registry growth \
         included); `warm`: a second burst on the same runtime. CPython: `tracemalloc`, \
         first burst."
            .into(),
        match &python {
            Ok(p) => format!(
                "CPython column: `benches/python/asyncio_bench.py` run by CPython {} once per \
                 repetition, between the Rust rounds ({} time(s) at 1,000,000 tasks). {}",
                p.version,
                py_reps(args.mode, Scenario::Scaling1m),
                p.build_note()
            ),
            Err(why) => format!("CPython column: {why}."),
        },
        format!("Whole run: {:.0} s.", started.elapsed().as_secs_f64()),
    ];
    meta.peak_memory = peak_memory(probe_peak, py_peak, py_runs);
    report.meta = meta;

    let md = if args.targets {
        report.markdown_with_targets()
    } else {
        report.markdown()
    };
    println!("{md}");

    let out_dir = args
        .out
        .clone()
        .or_else(|| target_dir().map(|t| t.join("aiotask-report")))
        .unwrap_or_else(|| PathBuf::from("target/aiotask-report"));
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("compare: cannot create {}: {e}", out_dir.display());
    } else {
        let md_path = out_dir.join("report.md");
        match std::fs::write(&md_path, &md) {
            Ok(()) => eprintln!("compare: wrote {}", md_path.display()),
            Err(e) => eprintln!("compare: cannot write {}: {e}", md_path.display()),
        }
        match report.write_svgs(&out_dir) {
            Ok(paths) => eprintln!(
                "compare: wrote {} SVG charts to {}",
                paths.len(),
                out_dir.display()
            ),
            Err(e) => eprintln!("compare: charts: {e}"),
        }
        let json_path = out_dir.join("report.jsonl");
        let _ = std::fs::write(&json_path, report.json_lines());
    }
    if let Some(path) = &args.json {
        match std::fs::write(path, report.json_lines()) {
            Ok(()) => eprintln!("compare: wrote {}", path.display()),
            Err(e) => eprintln!("compare: cannot write {}: {e}", path.display()),
        }
    }
    let peaks: Vec<String> = peak_memory(probe_peak, py_peak, py_runs)
        .iter()
        .map(|(what, kib)| format!("{what} {}", fmt_kib(*kib)))
        .collect();
    eprintln!(
        "compare: done in {:.0} s; peak memory (VmHWM): {}",
        started.elapsed().as_secs_f64(),
        if peaks.is_empty() {
            "unknown (no /proc)".to_owned()
        } else {
            peaks.join(", ")
        }
    );
}

/// The peak resident memory of the run, for the report's header: this
/// process, then each child process that said.
fn peak_memory(probe: Option<u64>, py: Option<u64>, py_runs: usize) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    if let Some(kib) = peak_rss_kib() {
        out.push(("`compare`".to_owned(), kib));
    }
    if let Some(kib) = probe {
        out.push(("`memprobe` (child process)".to_owned(), kib));
    }
    if let Some(kib) = py {
        let runs = if py_runs > 1 {
            format!(", the largest of its {py_runs} runs")
        } else {
            String::new()
        };
        out.push((format!("CPython (child process{runs})"), kib));
    }
    out
}
