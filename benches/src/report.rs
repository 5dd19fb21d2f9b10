//! The `compare` report: the figures of one run, their medians, the
//! markdown, the JSON lines and the SVG charts.
//!
//! The markdown ([`Report::markdown`]) is what a user chooses a backend
//! from. It opens with the run (machine, mode, peak memory), then the cost
//! of the contract ([`Report::cost_of_contract`]: each aiotask subject ÷
//! the raw runtime it runs on, one table and one chart), the one scale rule
//! of every chart ([`SCALE_RULE`]), then the details: the medians of every
//! subject, one ratio table and chart per scenario, the notes. The issue's
//! targets are for the people working on aiotask, not for its users: only
//! [`Report::markdown_with_targets`] (`compare --targets`) appends them.
//!
//! Submodules: `summary` (the cost of the contract), `svg` (the charts),
//! `targets` (issue 12's targets checked against a run).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::subject::{Family, HeapSample, Scenario, Threading};

mod summary;
mod svg;
mod targets;

pub use summary::{Cost, CostCell, CostRatio, HeapOver};
pub use svg::{Axis, Bar, Chart, Group, SCALE_RULE, Series};
pub use targets::TargetCheck;

/// One column of the report: a subject, or the CPython program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Display name.
    pub name: String,
    /// Kind of runtime.
    pub family: Family,
    /// One thread or a pool (CPython: one thread).
    pub threading: Threading,
}

/// What the report holds for one scenario on one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// One ns/op figure per repetition.
    Times(Vec<f64>),
    /// A heap measurement: on a fresh runtime (the headline figure), and
    /// on the same runtime once its queues have grown (a second burst).
    Heap {
        /// The first burst of parked tasks on a fresh runtime: everything
        /// the runtime holds because they are parked, container growth
        /// included.
        fresh: HeapSample,
        /// A second burst of the same size, after the first was cancelled:
        /// the marginal cost once queues and registries are sized.
        warm: Option<HeapSample>,
    },
    /// The column has no equivalent; the text says why.
    NotApplicable(String),
    /// Not measured in this run; the text says why.
    Missing(String),
}

/// The run's circumstances, printed above the tables.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// When the run started, UTC, e.g. `2026-11-24 13:05 UTC`.
    pub date: String,
    /// `nproc`.
    pub cores: usize,
    /// The CPU model from `/proc/cpuinfo`.
    pub cpu: String,
    /// `--quick` or `--full`, with the repetition counts.
    pub mode: String,
    /// Further lines for the notes section.
    pub notes: Vec<String>,
    /// Peak resident memory (`VmHWM`, KiB) of the processes of the run:
    /// `compare` itself first, then each kind of child process, e.g.
    /// `("memprobe", 140_000)`.
    pub peak_memory: Vec<(String, u64)>,
}

/// All figures of one run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The columns, subjects first, then CPython.
    pub columns: Vec<Column>,
    /// The figures by scenario and column index.
    pub cells: BTreeMap<(Scenario, usize), Cell>,
    /// Heap allocations per operation inside the measured part, by
    /// scenario and column index (from `memprobe`).
    pub allocs: BTreeMap<(Scenario, usize), f64>,
    /// The run's circumstances.
    pub meta: Meta,
}

/// The median of `v` (the mean of the middle two for even lengths).
///
/// ```
/// assert_eq!(aiotask_benches::report::median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(aiotask_benches::report::median(&[]), None);
/// ```
pub fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}

/// A figure for a table: one decimal below 100, none above, with thin
/// thousands separators.
///
/// ```
/// assert_eq!(aiotask_benches::report::fmt_num(48.25), "48.2");
/// assert_eq!(aiotask_benches::report::fmt_num(1234.0), "1,234");
/// ```
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x.abs() < 100.0 {
        return format!("{x:.1}");
    }
    let s = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

impl Report {
    /// An empty report over `columns`.
    ///
    /// ```
    /// let r = aiotask_benches::report::Report::new(vec![], Default::default());
    /// assert!(r.cells.is_empty());
    /// ```
    pub fn new(columns: Vec<Column>, meta: Meta) -> Self {
        Self {
            columns,
            cells: BTreeMap::new(),
            allocs: BTreeMap::new(),
            meta,
        }
    }

    /// Adds one repetition's ns/op for `scenario` on column `col`.
    pub fn push_time(&mut self, scenario: Scenario, col: usize, ns_per_op: f64) {
        match self
            .cells
            .entry((scenario, col))
            .or_insert(Cell::Times(Vec::new()))
        {
            Cell::Times(v) => v.push(ns_per_op),
            other => *other = Cell::Times(vec![ns_per_op]),
        }
    }

    /// Sets a cell.
    pub fn set(&mut self, scenario: Scenario, col: usize, cell: Cell) {
        self.cells.insert((scenario, col), cell);
    }

    /// The column index named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The first column of `family` with `threading`.
    pub fn column_of(&self, family: Family, threading: Threading) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.family == family && c.threading == threading)
    }

    /// The headline figure of a cell: the median ns/op, or the bytes per
    /// task of a heap cell.
    pub fn value(&self, scenario: Scenario, col: usize) -> Option<f64> {
        match self.cells.get(&(scenario, col))? {
            Cell::Times(v) => median(v),
            Cell::Heap { fresh, .. } => Some(fresh.bytes_per_task),
            Cell::NotApplicable(_) | Cell::Missing(_) => None,
        }
    }

    /// The ns/op of every repetition, in repetition order, when the cell
    /// holds times.
    pub fn samples(&self, scenario: Scenario, col: usize) -> Option<&[f64]> {
        match self.cells.get(&(scenario, col))? {
            Cell::Times(v) if !v.is_empty() => Some(v),
            _ => None,
        }
    }

    /// The smallest and largest ns/op over the repetitions.
    ///
    /// ```
    /// use aiotask_benches::{Family, Scenario, Threading, report::{Column, Report}};
    /// let col = Column { name: "x".into(), family: Family::RawTokio, threading: Threading::Single };
    /// let mut r = Report::new(vec![col], Default::default());
    /// for ns in [3.0, 1.0, 2.0] {
    ///     r.push_time(Scenario::SpawnOne, 0, ns);
    /// }
    /// assert_eq!(r.spread(Scenario::SpawnOne, 0), Some((1.0, 3.0)));
    /// ```
    pub fn spread(&self, scenario: Scenario, col: usize) -> Option<(f64, f64)> {
        let v = self.samples(scenario, col)?;
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
    }

    /// The heap figures of column `col`: the first burst and, when
    /// measured, the warm one.
    pub fn heap(&self, col: usize) -> Option<(HeapSample, Option<HeapSample>)> {
        match self.cells.get(&(Scenario::Memory, col))? {
            Cell::Heap { fresh, warm } => Some((*fresh, *warm)),
            _ => None,
        }
    }

    fn cell_text(&self, scenario: Scenario, col: usize) -> String {
        match self.cells.get(&(scenario, col)) {
            Some(Cell::Times(v)) => median(v).map_or("–".into(), fmt_num),
            Some(Cell::Heap { fresh, warm }) => {
                let mut t = format!(
                    "{} B, {:.2} allocs",
                    fmt_num(fresh.bytes_per_task),
                    fresh.allocs_per_task
                );
                if let Some(w) = warm {
                    let _ = write!(t, " (warm: {} B)", fmt_num(w.bytes_per_task));
                }
                t
            }
            Some(Cell::NotApplicable(_)) => "n/a".into(),
            Some(Cell::Missing(why)) => why.clone(),
            None => "–".into(),
        }
    }

    /// The raw tokio / raw async-executor / CPython column a ratio of
    /// column `col` is taken against: the raw runtime of the same threading.
    fn references(&self, col: usize) -> [Option<usize>; 3] {
        let t = self.columns[col].threading;
        [
            self.column_of(Family::RawTokio, t),
            self.column_of(Family::RawAsyncExecutor, t),
            self.columns
                .iter()
                .position(|c| c.family == Family::CPython),
        ]
    }

    fn ratio(&self, scenario: Scenario, col: usize, reference: Option<usize>) -> String {
        match (
            self.value(scenario, col),
            reference.and_then(|r| self.value(scenario, r)),
        ) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
            _ => "–".into(),
        }
    }

    /// The report as markdown, as a user reads it: header (with the peak
    /// memory of the run), the cost of the contract, the scale rule of the
    /// charts, medians, ratios and chart per scenario, notes. No targets:
    /// see [`markdown_with_targets`](Report::markdown_with_targets).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.meta;
        let _ = writeln!(out, "# aiotask benchmark report\n");
        let _ = write!(
            out,
            "Run {} on {} cores (`nproc`), {}; {}.",
            m.date, m.cores, m.cpu, m.mode
        );
        if !m.peak_memory.is_empty() {
            let list: Vec<String> = m
                .peak_memory
                .iter()
                .map(|(what, kib)| format!("{what} {}", fmt_kib(*kib)))
                .collect();
            let _ = write!(
                out,
                " Peak memory (resident set high-water mark, `VmHWM`): {}.",
                list.join(", ")
            );
        }
        out.push_str("\n\n");
        let _ = writeln!(
            out,
            "Medians over the repetitions; subjects alternate round-robin within each repetition. \
             ns per operation unless noted; memory is live heap per parked task. \
             `n/a`: the runtime has no equivalent (see the notes).\n"
        );
        out.push_str(&self.cost_markdown(&self.cost_of_contract()));
        let _ = writeln!(
            out,
            "**Charts** (this one and one per scenario below): {SCALE_RULE}\n"
        );
        // The overview matrix.
        let _ = writeln!(out, "## Medians\n");
        let mut header = String::from("| scenario |");
        let mut rule = String::from("|---|");
        for c in &self.columns {
            let _ = write!(header, " {} |", c.name);
            rule.push_str("---:|");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for s in Scenario::ALL {
            let _ = write!(out, "| `{}` ({}) |", s.id(), s.unit());
            for col in 0..self.columns.len() {
                let _ = write!(out, " {} |", self.cell_text(s, col));
            }
            out.push('\n');
        }
        // One ratio table per scenario.
        let _ = writeln!(
            out,
            "\n## Ratios\n\nEach subject against the raw runtime of the same threading \
             (single-threaded subjects against tokio current-thread and async-executor's \
             `LocalExecutor`, multi-thread ones against tokio multi-thread and a threaded \
             `Executor`) and against CPython. Below 1.00× is faster. `allocs/op`: heap \
             allocations per operation inside the measured part (counted by `memprobe`).\n"
        );
        for s in Scenario::ALL {
            let _ = writeln!(out, "### `{}`: {} ({})\n", s.id(), s.title(), s.unit());
            let _ = writeln!(out, "![`{0}`, every subject]({0}.svg)\n", s.id());
            let _ = writeln!(
                out,
                "| subject | median | min – max | × raw tokio | × raw async-executor | × CPython | allocs/op |\n|---|---:|---:|---:|---:|---:|---:|"
            );
            for (col, c) in self.columns.iter().enumerate() {
                let spread = match self.cells.get(&(s, col)) {
                    Some(Cell::Times(v)) => {
                        self.spread(s, col).map_or(String::new(), |(lo, hi)| {
                            format!("{} – {} (n={})", fmt_num(lo), fmt_num(hi), v.len())
                        })
                    }
                    Some(Cell::NotApplicable(why)) | Some(Cell::Missing(why)) => why.clone(),
                    _ => String::new(),
                };
                let [rt, ae, py] = self.references(col);
                let allocs = self
                    .allocs
                    .get(&(s, col))
                    .map_or(String::new(), |a| format!("{a:.2}"));
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    c.name,
                    self.cell_text(s, col),
                    spread,
                    self.ratio(s, col, rt),
                    self.ratio(s, col, ae),
                    self.ratio(s, col, py),
                    allocs
                );
            }
            out.push('\n');
        }
        if !m.notes.is_empty() {
            let _ = writeln!(out, "## Notes\n");
            for n in &m.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }

    /// [`markdown`](Report::markdown) followed by a last section: issue
    /// 12's targets checked against this run (`compare --targets`).
    pub fn markdown_with_targets(&self) -> String {
        let mut out = self.markdown();
        out.push('\n');
        out.push_str(&self.targets_markdown());
        out
    }

    /// Every figure as one JSON object per line:
    /// `{"scenario", "subject", "ns_per_op", "bytes_per_task", ...}`;
    /// `null` where a figure does not apply, with a `note` saying why.
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for s in Scenario::ALL {
            for (col, c) in self.columns.iter().enumerate() {
                let mut obj = serde_json::json!({
                    "scenario": s.id(),
                    "subject": c.name,
                    "ns_per_op": null,
                    "bytes_per_task": null,
                });
                match self.cells.get(&(s, col)) {
                    Some(Cell::Times(v)) => {
                        obj["ns_per_op"] = median(v).into();
                        obj["samples"] = v.len().into();
                        obj["ns_per_op_all"] = v.clone().into();
                    }
                    Some(Cell::Heap { fresh, warm }) => {
                        obj["bytes_per_task"] = fresh.bytes_per_task.into();
                        obj["allocs_per_task"] = fresh.allocs_per_task.into();
                        obj["tasks"] = fresh.tasks.into();
                        if let Some(w) = warm {
                            obj["bytes_per_task_warm"] = w.bytes_per_task.into();
                            obj["allocs_per_task_warm"] = w.allocs_per_task.into();
                        }
                    }
                    Some(Cell::NotApplicable(why)) => obj["note"] = format!("n/a: {why}").into(),
                    Some(Cell::Missing(why)) => obj["note"] = format!("missing: {why}").into(),
                    None => obj["note"] = "missing: not measured".into(),
                }
                if let Some(a) = self.allocs.get(&(s, col)) {
                    obj["allocs_per_op"] = (*a).into();
                }
                out.push_str(&obj.to_string());
                out.push('\n');
            }
        }
        out
    }

    /// The chart of one scenario: one bar per subject with a figure (the
    /// median, whiskers from the smallest to the largest repetition),
    /// coloured by family.
    pub fn scenario_chart(&self, s: Scenario) -> Chart {
        let mut series: Vec<Series> = Vec::new();
        let mut groups = Vec::new();
        for (col, c) in self.columns.iter().enumerate() {
            let Some(value) = self.value(s, col) else {
                continue;
            };
            let name = svg::family_name(c.family);
            let idx = series
                .iter()
                .position(|x| x.name == name)
                .unwrap_or_else(|| {
                    series.push(Series {
                        name: name.to_owned(),
                        color: svg::family_color(c.family),
                    });
                    series.len() - 1
                });
            let spread = self
                .samples(s, col)
                .filter(|v| v.len() > 1)
                .and_then(|_| self.spread(s, col));
            groups.push(Group {
                label: c.name.clone(),
                bars: vec![Some(Bar {
                    value,
                    spread,
                    series: idx,
                })],
            });
        }
        Chart {
            title: format!("{} — {}", s.id(), s.title()),
            unit: if s == Scenario::Memory {
                format!("{}, first burst", s.unit())
            } else {
                s.unit().to_owned()
            },
            axis: Axis::Absolute,
            series,
            groups,
        }
    }

    /// Writes the cost of the contract (`cost_of_contract.svg`) and one
    /// chart per scenario (`<scenario id>.svg`) into `dir`; returns the
    /// paths.
    ///
    /// # Errors
    ///
    /// When a chart cannot be drawn or a file cannot be written.
    pub fn write_svgs(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut charts = vec![(
            "cost_of_contract".to_owned(),
            self.cost_chart(&self.cost_of_contract()),
        )];
        charts.extend(
            Scenario::ALL
                .into_iter()
                .map(|s| (s.id().to_owned(), self.scenario_chart(s))),
        );
        let mut paths = Vec::new();
        for (name, chart) in charts {
            let path = dir.join(format!("{name}.svg"));
            let text = chart
                .svg()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            paths.push(path);
        }
        Ok(paths)
    }
}

/// A memory size given in KiB, in MiB (or KiB below 1 MiB).
///
/// ```
/// assert_eq!(aiotask_benches::report::fmt_kib(512), "512 KiB");
/// assert_eq!(aiotask_benches::report::fmt_kib(1_536_000), "1,500 MiB");
/// ```
pub fn fmt_kib(kib: u64) -> String {
    if kib < 1024 {
        format!("{kib} KiB")
    } else {
        format!("{} MiB", fmt_num((kib as f64 / 1024.0).round()))
    }
}

/// Today's date and time, UTC, as `YYYY-MM-DD HH:MM UTC`.
///
/// ```
/// assert!(aiotask_benches::report::utc_now().ends_with(" UTC"));
/// ```
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (h, mi) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// The CPU model named in `/proc/cpuinfo`, or `unknown CPU`.
///
/// ```
/// assert!(!aiotask_benches::report::cpu_model().is_empty());
/// ```
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
