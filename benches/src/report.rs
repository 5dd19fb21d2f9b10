//! The `compare` report: the figures of one run, their medians, the
//! markdown tables (medians, ratios, targets), the JSON lines and one SVG
//! bar chart per scenario.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::subject::{Family, HeapSample, Scenario, Threading};

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
}

/// A target of issue 4 checked against this run.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    /// What the target says.
    pub target: String,
    /// The figure(s) it was checked against.
    pub measured: String,
    /// `Some(true)` met, `Some(false)` missed, `None` not measurable here.
    pub met: Option<bool>,
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

    /// The whole report as markdown: header, medians, ratios per scenario,
    /// targets, notes.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.meta;
        let _ = writeln!(out, "# aiotask benchmark report\n");
        let _ = writeln!(
            out,
            "Run {} on {} cores (`nproc`), {}; {}.\n",
            m.date, m.cores, m.cpu, m.mode
        );
        let _ = writeln!(
            out,
            "Medians over the repetitions; subjects alternate round-robin within each repetition. \
             ns per operation unless noted; memory is live heap per parked task. \
             `n/a`: the runtime has no equivalent (see the notes).\n"
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
            let _ = writeln!(
                out,
                "| subject | median | min – max | × raw tokio | × raw async-executor | × CPython | allocs/op |\n|---|---:|---:|---:|---:|---:|---:|"
            );
            for (col, c) in self.columns.iter().enumerate() {
                let spread = match self.cells.get(&(s, col)) {
                    Some(Cell::Times(v)) if !v.is_empty() => {
                        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        format!("{} – {} (n={})", fmt_num(lo), fmt_num(hi), v.len())
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
        let _ = writeln!(
            out,
            "## Targets (issue 4)\n\n| target | measured | verdict |\n|---|---|---|"
        );
        for t in self.targets() {
            let verdict = match t.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "not measured",
            };
            let _ = writeln!(out, "| {} | {} | {} |", t.target, t.measured, verdict);
        }
        if !m.notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for n in &m.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
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

    /// Writes one horizontal bar chart per scenario into `dir`, named
    /// `<scenario id>.svg`; returns the paths.
    ///
    /// # Errors
    ///
    /// When a file cannot be written.
    pub fn write_svgs(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut paths = Vec::new();
        for s in Scenario::ALL {
            let bars: Vec<(String, f64, Family)> = self
                .columns
                .iter()
                .enumerate()
                .filter_map(|(col, c)| self.value(s, col).map(|v| (c.name.clone(), v, c.family)))
                .collect();
            let path = dir.join(format!("{}.svg", s.id()));
            bar_chart(
                &path,
                &format!("{} — {}", s.id(), s.title()),
                s.unit(),
                &bars,
            )?;
            paths.push(path);
        }
        Ok(paths)
    }

    /// The targets of issue 4 checked against this run's medians.
    pub fn targets(&self) -> Vec<TargetCheck> {
        let mut checks = Vec::new();
        let v = |s: Scenario, col: Option<usize>| col.and_then(|c| self.value(s, c));
        let native = self.column("aiotask native");
        let rt_ct = self.column_of(Family::RawTokio, Threading::Single);
        let ae_local = self.column_of(Family::RawAsyncExecutor, Threading::Single);
        let abs = |target: &str, got: Option<f64>, limit: f64, unit: &str| TargetCheck {
            target: target.into(),
            measured: got.map_or("not measured".into(), |g| format!("{} {unit}", fmt_num(g))),
            met: got.map(|g| g <= limit),
        };
        let rel = |target: &str, got: Option<f64>, base: Option<f64>, limit: f64| TargetCheck {
            target: target.into(),
            measured: match (got, base) {
                (Some(g), Some(b)) => {
                    format!("{} vs {} ns = {:.2}×", fmt_num(g), fmt_num(b), g / b)
                }
                _ => "not measured".into(),
            },
            met: match (got, base) {
                (Some(g), Some(b)) => Some(g / b <= limit),
                _ => None,
            },
        };
        checks.push(abs(
            "native cancel + await, one at a time ≤ 60 ns",
            v(Scenario::CancelOne, native),
            60.0,
            "ns",
        ));
        checks.push(rel(
            "native cancel + await ≤ 0.5× raw tokio (current-thread)",
            v(Scenario::CancelOne, native),
            v(Scenario::CancelOne, rt_ct),
            0.5,
        ));
        checks.push(abs(
            "native cancel, batch of 10,000 ≤ 50 ns per task",
            v(Scenario::CancelBatch, native),
            50.0,
            "ns",
        ));
        checks.push(abs(
            "native done callbacks, N = 16 ≤ 25 ns per callback",
            v(Scenario::Callbacks16, native),
            25.0,
            "ns",
        ));
        checks.push(abs(
            "native done callbacks, N = 1 ≤ 40 ns per callback",
            v(Scenario::Callbacks1, native),
            40.0,
            "ns",
        ));
        checks.push(rel(
            "native spawn + await, batch of 1,000 ≤ 0.8× raw async-executor (local)",
            v(Scenario::SpawnBatch, native),
            v(Scenario::SpawnBatch, ae_local),
            0.8,
        ));
        // Hosted backends against their own raw runtime, flavour for flavour.
        for (col, c) in self.columns.iter().enumerate() {
            let raw_family = if c.name.starts_with("aiotask-tokio") {
                Family::RawTokio
            } else if c.name.starts_with("aiotask-smol") {
                Family::RawAsyncExecutor
            } else {
                continue;
            };
            let raw = self.column_of(raw_family, c.threading);
            let raw_name = raw.map_or("its raw runtime".to_owned(), |r| {
                self.columns[r].name.clone()
            });
            for s in [
                Scenario::SpawnBatch,
                Scenario::SpawnOne,
                Scenario::CancelOne,
                Scenario::CancelBatch,
            ] {
                checks.push(rel(
                    &format!("{} `{}` ≤ 1.3× {raw_name}", c.name, s.id()),
                    v(s, Some(col)),
                    v(s, raw),
                    1.3,
                ));
            }
            checks.push(abs(
                &format!("{} done callbacks, N = 16 ≤ 40 ns per callback", c.name),
                v(Scenario::Callbacks16, Some(col)),
                40.0,
                "ns",
            ));
            let mem = v(Scenario::Memory, Some(col));
            let raw_mem = v(Scenario::Memory, raw);
            checks.push(TargetCheck {
                target: format!("{} memory ≤ {raw_name} + 64 bytes per parked task", c.name),
                measured: match (mem, raw_mem) {
                    (Some(a), Some(b)) => {
                        format!("{} vs {} B (+{})", fmt_num(a), fmt_num(b), fmt_num(a - b))
                    }
                    _ => "not measured".into(),
                },
                met: match (mem, raw_mem) {
                    (Some(a), Some(b)) => Some(a <= b + 64.0),
                    _ => None,
                },
            });
        }
        checks.push(abs(
            "native memory ≤ 128 bytes of heap per parked task",
            v(Scenario::Memory, native),
            128.0,
            "B",
        ));
        for (col, c) in self.columns.iter().enumerate() {
            if c.family != Family::Aiotask {
                continue;
            }
            checks.push(rel(
                &format!(
                    "{} cancel cost per task at 1,000,000 ≤ 1.5× at 1,000",
                    c.name
                ),
                v(Scenario::Scaling1m, Some(col)),
                v(Scenario::Scaling1k, Some(col)),
                1.5,
            ));
        }
        checks
    }
}

fn color(family: Family) -> RGBColor {
    match family {
        Family::Aiotask => RGBColor(31, 119, 180),
        Family::RawTokio => RGBColor(255, 127, 14),
        Family::RawAsyncExecutor => RGBColor(44, 160, 44),
        Family::CPython => RGBColor(127, 127, 127),
    }
}

/// Draws a horizontal bar chart of `bars` (name, value, family) to `path`,
/// first bar on top, each labelled with its value. The axis is logarithmic
/// when the values span more than 20×.
///
/// # Errors
///
/// When the SVG cannot be drawn or written.
pub fn bar_chart(
    path: &Path,
    title: &str,
    unit: &str,
    bars: &[(String, f64, Family)],
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let n = bars.len().max(1);
    let height = 90 + 34 * n as u32;
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let positive = bars.iter().map(|b| b.1).filter(|v| *v > 0.0);
    let max = positive.clone().fold(0.0, f64::max);
    let min = positive.fold(f64::INFINITY, f64::min);
    // Row i from the top is segment n-1-i from the bottom.
    let row = |i: usize| n - 1 - i;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(k) if *k < n => names.get(n - 1 - *k).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let x_label = |v: &f64| fmt_num(*v);
    let log = max > 0.0 && min.is_finite() && max / min > 20.0;
    let x_desc = if log {
        format!("{unit} (log scale)")
    } else {
        unit.to_owned()
    };
    // The same drawing for a linear and a logarithmic axis.
    macro_rules! draw {
        ($x:expr, $origin:expr) => {{
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 16))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(250)
                .build_cartesian_2d($x, (0..n - 1).into_segmented()) // inclusive: n rows
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(TRANSPARENT)
                .y_labels(n)
                .y_label_formatter(&label)
                .x_label_formatter(&x_label)
                .x_desc(x_desc.as_str())
                .draw()
                .map_err(|e| err(&e))?;
            chart
                .draw_series(bars.iter().enumerate().map(|(i, (_, v, fam))| {
                    let mut r = Rectangle::new(
                        [
                            ($origin, SegmentValue::Exact(row(i))),
                            (*v, SegmentValue::Exact(row(i) + 1)),
                        ],
                        color(*fam).filled(),
                    );
                    r.set_margin(5, 5, 0, 0);
                    r
                }))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(bars.iter().enumerate().map(|(i, (_, v, _))| {
                    Text::new(
                        format!(" {}", fmt_num(*v)),
                        (*v, SegmentValue::CenterOf(row(i))),
                        ("sans-serif", 12).into_font(),
                    )
                }))
                .map_err(|e| err(&e))?;
        }};
    }
    if log {
        let lo = 10f64.powf((min / 2.0).log10().floor());
        draw!((lo..max * 3.0).log_scale(), lo);
    } else {
        let hi = if max > 0.0 { max * 1.18 } else { 1.0 };
        draw!(0f64..hi, 0.0);
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
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
