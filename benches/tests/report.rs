//! The report a user chooses from: the cost of the contract (each aiotask
//! subject ÷ its own raw runtime), charts with a legend and whiskers, the
//! targets only on request, the peak memory in the header; and the
//! `compare` binary end to end on one scenario.

use aiotask_benches::report::{Cell, Column, CostCell, Meta, Report};
use aiotask_benches::{Family, HeapSample, Scenario, Threading};

const SUBJECTS: [(&str, Family, Threading); 10] = [
    ("aiotask native", Family::Aiotask, Threading::Single),
    (
        "aiotask-tokio current-thread",
        Family::Aiotask,
        Threading::Single,
    ),
    (
        "aiotask-tokio multi-thread",
        Family::Aiotask,
        Threading::Multi,
    ),
    ("aiotask-smol local", Family::Aiotask, Threading::Single),
    (
        "aiotask-smol multi-thread",
        Family::Aiotask,
        Threading::Multi,
    ),
    (
        "raw tokio current-thread",
        Family::RawTokio,
        Threading::Single,
    ),
    ("raw tokio multi-thread", Family::RawTokio, Threading::Multi),
    (
        "raw async-executor local",
        Family::RawAsyncExecutor,
        Threading::Single,
    ),
    (
        "raw async-executor multi-thread",
        Family::RawAsyncExecutor,
        Threading::Multi,
    ),
    ("CPython 3.13.0", Family::CPython, Threading::Single),
];

fn heap(bytes: f64) -> HeapSample {
    HeapSample {
        bytes_per_task: bytes,
        allocs_per_task: 1.0,
        tasks: 100_000,
    }
}

/// A run where every subject's `spawn_one` is (column + 1) × 100 ns in
/// every repetition but the second, where it is doubled for the aiotask
/// subjects only; `cancel_busy` is n/a on raw async-executor.
fn sample_report() -> Report {
    let columns = SUBJECTS
        .iter()
        .map(|(name, family, threading)| Column {
            name: (*name).into(),
            family: *family,
            threading: *threading,
        })
        .collect();
    let meta = Meta {
        date: "2026-12-02 04:00 UTC".into(),
        cores: 2,
        cpu: "test CPU".into(),
        mode: "`--quick`".into(),
        notes: vec!["a note".into()],
        peak_memory: vec![
            ("`compare`".into(), 600 * 1024),
            ("`memprobe`".into(), 90 * 1024),
        ],
    };
    let mut r = Report::new(columns, meta);
    for (col, (_, family, _)) in SUBJECTS.iter().enumerate() {
        let base = (col + 1) as f64 * 100.0;
        let aiotask = *family == Family::Aiotask;
        for rep in 0..5 {
            let k = if rep == 1 && aiotask { 2.0 } else { 1.0 };
            r.push_time(Scenario::SpawnOne, col, base * k);
            r.push_time(Scenario::CancelBusy, col, base);
            r.push_time(Scenario::Callbacks16, col, base);
        }
    }
    for col in [7, 8] {
        r.set(
            Scenario::CancelBusy,
            col,
            Cell::NotApplicable("only the Task owner can cancel".into()),
        );
    }
    for col in 5..9 {
        r.set(
            Scenario::Callbacks16,
            col,
            Cell::NotApplicable("no done callbacks".into()),
        );
    }
    for (col, fresh, warm) in [
        (0, 349.0, 296.0),
        (5, 138.0, 128.0),
        (7, 101.0, 80.0),
        (3, 453.0, 432.0),
    ] {
        r.set(
            Scenario::Memory,
            col,
            Cell::Heap {
                fresh: heap(fresh),
                warm: Some(heap(warm)),
            },
        );
    }
    r
}

#[test]
fn each_backend_is_divided_by_its_own_raw_runtime() {
    let r = sample_report();
    let cost = r.cost_of_contract();
    // native and the single-threaded flavours against raw tokio
    // current-thread / raw async-executor local, multi-thread against
    // multi-thread.
    assert_eq!(cost.pairs, vec![(0, 5), (1, 5), (2, 6), (3, 7), (4, 8)]);
    // Only time scenarios a raw runtime ran; no done-callback scenario.
    let rows: Vec<Scenario> = cost.rows.iter().map(|r| r.0).collect();
    assert_eq!(rows, vec![Scenario::CancelBusy, Scenario::SpawnOne]);
    let spawn = &cost.rows[1].1;
    let expect = [
        100.0 / 600.0,
        200.0 / 600.0,
        300.0 / 700.0,
        400.0 / 800.0,
        500.0 / 900.0,
    ];
    for (cell, want) in spawn.iter().zip(expect) {
        let CostCell::Ratio(r) = cell else {
            panic!("{cell:?}")
        };
        assert!((r.ratio - want).abs() < 1e-9, "{} vs {want}", r.ratio);
        // Per repetition: the ratio is `want`, except twice that in the
        // second repetition.
        let (lo, hi) = r.spread.expect("5 paired repetitions");
        assert!((lo - want).abs() < 1e-9 && (hi - 2.0 * want).abs() < 1e-9);
    }
    // cancel_busy: raw async-executor cannot, so the smol flavours are n/a.
    let busy = &cost.rows[0].1;
    assert!(matches!(busy[0], CostCell::Ratio(_)));
    assert!(matches!(busy[3], CostCell::NotApplicable(_)));
    assert!(matches!(busy[4], CostCell::NotApplicable(_)));
    // Heap: bytes over the raw runtime, first burst and warm.
    let native = cost.heap[0].expect("both measured");
    assert_eq!((native.fresh, native.warm), (211.0, Some(168.0)));
    let smol = cost.heap[3].expect("both measured");
    assert_eq!((smol.fresh, smol.warm), (352.0, Some(352.0)));
    assert_eq!(cost.heap[2], None);
}

#[test]
fn the_report_opens_with_the_cost_of_the_contract() {
    let md = sample_report().markdown();
    let cost = md.find("## Cost of the contract").expect("summary");
    let medians = md.find("## Medians").expect("details");
    assert!(md.starts_with("# aiotask benchmark report"));
    assert!(cost < medians, "the summary comes before the details");
    let summary = &md[cost..medians];
    assert!(summary.contains("| scenario | native ÷ raw tokio ct | tokio ct ÷ raw tokio ct |"));
    assert!(summary.contains("smol mt ÷ raw async-executor mt |"));
    assert!(summary.contains("| `spawn_one`: spawn + await a trivial task, one at a time | 0.17× | 0.33× | 0.43× | 0.50× | 0.56× |"));
    assert!(summary.contains("| +211 / +168 B | – | – | +352 / +352 B | – |"));
    assert!(summary.contains("raw tokio current-thread, the single-threaded runtime"));
    assert!(summary.contains("(cost_of_contract.svg)"));
    assert!(
        summary.contains("logarithmic"),
        "the one scale rule is stated"
    );
    assert!(!summary.contains("callbacks_n16"), "no raw equivalent");
    // The header states the peak memory.
    let header = md.lines().nth(2).expect("header line");
    assert!(
        header.contains("Peak memory") && header.contains("`compare` 600 MiB"),
        "{header}"
    );
    // Every scenario links its chart.
    assert!(md.contains("(cancel_cross_thread.svg)"));
}

#[test]
fn targets_only_on_request() {
    let r = sample_report();
    let md = r.markdown();
    assert!(!md.contains("Targets"), "no targets in the user's report");
    assert!(!md.contains("issue 4") && !md.contains("issue 12"));
    let with = r.markdown_with_targets();
    assert!(with.starts_with(&md));
    let targets = &with[md.len()..];
    assert!(targets.contains("## Targets (issue 12)"));
    assert!(targets.contains(
        "| native `spawn_one` ≤ 0.8× raw tokio current-thread | 100 vs 600 ns = 0.17× | met |"
    ));
    assert!(targets.contains(
        "| native heap per parked task ≤ 128 B warm, ≤ 144 B first burst | 296 B warm, 349 B first burst | **missed** |"
    ));
    assert!(targets.contains(
        "| aiotask-smol local heap per parked task ≤ raw async-executor local + 64 B (warm) | 432 vs 80.0 B warm (+352) | **missed** |"
    ));
    assert!(targets.contains("| aiotask-tokio multi-thread `cancel_batch_10k` ≤ 1.3× raw tokio multi-thread | not measured | not measured |"));
    // Issue 12's list: 8 native rows, 4 × 4 time rows and 4 heap rows for
    // the hosted flavours, one scaling row per aiotask flavour.
    assert_eq!(r.targets().len(), 8 + 16 + 4 + 5);
}

#[test]
fn charts_have_a_legend_and_whiskers() {
    let r = sample_report();
    let dir = std::env::temp_dir().join(format!("aiotask-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = r.write_svgs(&dir).unwrap();
    assert_eq!(paths.len(), 1 + Scenario::ALL.len());
    let cost = std::fs::read_to_string(dir.join("cost_of_contract.svg")).unwrap();
    for legend in [
        "aiotask native ÷ raw tokio current-thread",
        "aiotask-tokio multi-thread ÷ raw tokio multi-thread",
        "aiotask-smol local ÷ raw async-executor local",
        "min–max over the repetitions",
        "1× = the raw runtime",
    ] {
        assert!(cost.contains(legend), "cost chart legend: {legend}");
    }
    assert!(cost.contains("(logarithmic)"));
    let spawn = std::fs::read_to_string(dir.join("spawn_one.svg")).unwrap();
    for legend in [
        "aiotask (the asyncio.Task contract)",
        "\nraw tokio\n",
        "\nraw async-executor\n",
        "CPython asyncio",
        "min–max over the repetitions",
    ] {
        assert!(spawn.contains(legend), "spawn_one legend: {legend}");
    }
    // Whiskers: one path per bar (line + 2 caps) in the scenario chart.
    let chart = r.scenario_chart(Scenario::SpawnOne);
    assert_eq!(chart.groups.len(), SUBJECTS.len());
    let native = chart.groups[0].bars[0].expect("a bar");
    assert_eq!(native.spread, Some((100.0, 200.0)));
    // Heap has one figure: no whiskers, no whisker legend entry.
    let mem = std::fs::read_to_string(dir.join("memory_parked_100k.svg")).unwrap();
    assert!(!mem.contains("min–max"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `compare` itself, on one cheap scenario: the report opens with the
/// summary, targets appear with `--targets` only, peak memory is stated.
#[test]
fn compare_binary_targets_flag_and_peak_memory() {
    let dir = std::env::temp_dir().join(format!("aiotask-compare-test-{}", std::process::id()));
    for targets in [false, true] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_compare"));
        cmd.args(["--quick", "--only", "spawn_one", "--no-python", "--out"])
            .arg(&dir);
        if targets {
            cmd.arg("--targets");
        }
        let out = cmd.output().expect("compare runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), md.trim());
        assert!(md.contains("## Cost of the contract"));
        assert!(md.contains("| `spawn_one`:"));
        assert_eq!(md.contains("## Targets (issue 12)"), targets);
        if cfg!(target_os = "linux") {
            assert!(md.contains("Peak memory (resident set high-water mark, `VmHWM`): `compare` "));
            assert!(
                stderr.contains("peak memory (VmHWM): `compare` "),
                "{stderr}"
            );
        }
        assert!(dir.join("cost_of_contract.svg").exists());
        assert!(dir.join("report.jsonl").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
