//! The opening of the report: the cost of the contract. Each aiotask
//! subject's median ÷ the median of the raw runtime it runs on, same
//! threading, same run, per time scenario the raw runtime can run; and heap
//! per parked task as bytes over that raw runtime.

use std::fmt::Write as _;

use super::{Axis, Bar, Chart, Group, Report, Series, fmt_num};
use crate::subject::{Family, Scenario, Threading};

/// One ratio of the summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostRatio {
    /// The subject's median ÷ its raw runtime's median.
    pub ratio: f64,
    /// The smallest and largest ratio within one repetition (the two were
    /// measured side by side in every repetition); `None` with fewer than
    /// two repetitions of each.
    pub spread: Option<(f64, f64)>,
}

/// One cell of the summary.
#[derive(Clone, Debug, PartialEq)]
pub enum CostCell {
    /// Both were measured.
    Ratio(CostRatio),
    /// The raw runtime has no equivalent; the text says why.
    NotApplicable(String),
    /// One of the two has no figure in this run.
    Missing,
}

/// Heap per parked task over the raw runtime, in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeapOver {
    /// First burst on a fresh runtime.
    pub fresh: f64,
    /// Second burst on the same runtime, when both measured one.
    pub warm: Option<f64>,
}

/// The cost of the contract in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// (aiotask column, its raw runtime's column), in column order.
    pub pairs: Vec<(usize, usize)>,
    /// One row per time scenario some raw runtime ran: one cell per pair.
    pub rows: Vec<(Scenario, Vec<CostCell>)>,
    /// Heap per parked task over the raw runtime, one per pair.
    pub heap: Vec<Option<HeapOver>>,
}

/// A column name in a table header: `aiotask-tokio current-thread` →
/// `tokio ct`, `raw async-executor multi-thread` → `raw async-executor mt`.
fn short(name: &str) -> String {
    name.trim_start_matches("aiotask-")
        .trim_start_matches("aiotask ")
        .replace("current-thread", "ct")
        .replace("multi-thread", "mt")
}

impl Report {
    /// The raw runtime column an aiotask column is compared with in the
    /// cost of the contract: aiotask-tokio flavours against raw tokio of
    /// the same threading, aiotask-smol flavours against raw async-executor
    /// of the same threading, native (a single-threaded loop of its own)
    /// against raw tokio current-thread. `None` for the other columns.
    pub fn own_raw(&self, col: usize) -> Option<usize> {
        let c = self.columns.get(col)?;
        if c.family != Family::Aiotask {
            return None;
        }
        if c.name.starts_with("aiotask-tokio") {
            self.column_of(Family::RawTokio, c.threading)
        } else if c.name.starts_with("aiotask-smol") {
            self.column_of(Family::RawAsyncExecutor, c.threading)
        } else {
            self.column_of(Family::RawTokio, Threading::Single)
        }
    }

    /// The ratio of column `col` to column `raw` for `scenario`: medians,
    /// and the spread of the per-repetition ratios.
    pub fn cost_cell(&self, scenario: Scenario, col: usize, raw: usize) -> CostCell {
        if let Some(super::Cell::NotApplicable(why)) = self.cells.get(&(scenario, raw)) {
            return CostCell::NotApplicable(why.clone());
        }
        let (Some(a), Some(b)) = (self.value(scenario, col), self.value(scenario, raw)) else {
            return CostCell::Missing;
        };
        if b <= 0.0 {
            return CostCell::Missing;
        }
        let spread = match (self.samples(scenario, col), self.samples(scenario, raw)) {
            (Some(x), Some(y)) if x.len() == y.len() && x.len() > 1 => {
                let per_rep: Vec<f64> = x
                    .iter()
                    .zip(y)
                    .filter(|(_, b)| **b > 0.0)
                    .map(|(a, b)| a / b)
                    .collect();
                let lo = per_rep.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = per_rep.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (per_rep.len() > 1).then_some((lo, hi))
            }
            _ => None,
        };
        CostCell::Ratio(CostRatio {
            ratio: a / b,
            spread,
        })
    }

    /// The cost of the contract: every aiotask column against
    /// [its raw runtime](Report::own_raw), for every time scenario a raw
    /// runtime can run (not the done-callback ones), and heap per task.
    pub fn cost_of_contract(&self) -> Cost {
        let pairs: Vec<(usize, usize)> = (0..self.columns.len())
            .filter_map(|col| self.own_raw(col).map(|raw| (col, raw)))
            .collect();
        let rows = Scenario::ALL
            .into_iter()
            .filter(|s| *s != Scenario::Memory && !s.needs_done_callbacks())
            .map(|s| {
                let cells: Vec<CostCell> = pairs
                    .iter()
                    .map(|&(col, raw)| self.cost_cell(s, col, raw))
                    .collect();
                (s, cells)
            })
            .filter(|(_, cells)| cells.iter().any(|c| matches!(c, CostCell::Ratio(_))))
            .collect();
        let heap = pairs
            .iter()
            .map(|&(col, raw)| {
                let ((a, aw), (b, bw)) = (self.heap(col)?, self.heap(raw)?);
                Some(HeapOver {
                    fresh: a.bytes_per_task - b.bytes_per_task,
                    warm: aw.zip(bw).map(|(x, y)| x.bytes_per_task - y.bytes_per_task),
                })
            })
            .collect();
        Cost { pairs, rows, heap }
    }

    /// The "Cost of the contract" section: the sentence saying what is
    /// compared with what, the table, the chart, the n/a reasons.
    pub fn cost_markdown(&self, cost: &Cost) -> String {
        let mut out = String::from("## Cost of the contract\n\n");
        if cost.pairs.is_empty() {
            out.push_str(
                "No aiotask subject and raw runtime measured side by side in this run.\n\n",
            );
            return out;
        }
        out.push_str(
            "What the `asyncio.Task` contract costs on each backend: its median ÷ the median of \
             the raw runtime it runs on (same threading, same run, so the machine's speed cancels \
             out). 1.00× costs what the raw runtime costs, 2.00× twice that, 0.50× half. \
             aiotask native runs on no runtime of its own, so it is compared with raw tokio \
             current-thread, the single-threaded runtime a Rust program would otherwise use (its \
             ratios to raw async-executor local are in the details).\n\n",
        );
        let _ = write!(out, "| scenario |");
        for &(col, raw) in &cost.pairs {
            let _ = write!(
                out,
                " {} ÷ {} |",
                short(&self.columns[col].name),
                short(&self.columns[raw].name)
            );
        }
        let _ = writeln!(out, "\n|---|{}", "---:|".repeat(cost.pairs.len()));
        // (scenario, reason, raw runtimes) of the n/a cells.
        let mut not_applicable: Vec<(Scenario, String, Vec<String>)> = Vec::new();
        for (s, cells) in &cost.rows {
            let _ = write!(out, "| `{}`: {} |", s.id(), s.title());
            for (cell, &(_, raw)) in cells.iter().zip(&cost.pairs) {
                let text = match cell {
                    CostCell::Ratio(r) => format!("{:.2}×", r.ratio),
                    CostCell::NotApplicable(why) => {
                        let name = self.columns[raw].name.clone();
                        match not_applicable.iter_mut().find(|n| n.0 == *s && n.1 == *why) {
                            Some(n) => n.2.push(name),
                            None => not_applicable.push((*s, why.clone(), vec![name])),
                        }
                        "n/a".into()
                    }
                    CostCell::Missing => "–".into(),
                };
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
        if cost.heap.iter().any(Option::is_some) {
            let _ = write!(
                out,
                "| heap per parked task: bytes over the raw runtime, first burst / warm |"
            );
            for h in &cost.heap {
                let text = match h {
                    Some(HeapOver {
                        fresh,
                        warm: Some(w),
                    }) => format!("{} / {} B", signed(*fresh), signed(*w)),
                    Some(HeapOver { fresh, warm: None }) => format!("{} B", signed(*fresh)),
                    None => "–".into(),
                };
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\n![Cost of the contract: each aiotask backend ÷ its raw runtime](cost_of_contract.svg)\n"
        );
        out.push_str(
            "`ct`: current-thread, `mt`: multi-thread. Heap: live bytes per parked task beyond \
             what the raw runtime holds, on a fresh runtime and on a second burst (see the \
             notes). In the chart, bars start at 1× (the raw runtime) and whiskers span the \
             smallest to the largest ratio within one repetition.",
        );
        if !not_applicable.is_empty() {
            let notes: Vec<String> = not_applicable
                .iter()
                .map(|(s, why, raws)| format!("`{}` on {} ({why})", s.id(), raws.join(" and ")))
                .collect();
            let _ = write!(
                out,
                " n/a: the raw runtime has no equivalent: {}.",
                notes.join("; ")
            );
        }
        out.push_str("\n\n");
        out
    }

    /// The chart of the cost of the contract: one group of bars per
    /// scenario, one bar (and legend entry) per aiotask subject.
    pub fn cost_chart(&self, cost: &Cost) -> Chart {
        let series = cost
            .pairs
            .iter()
            .enumerate()
            .map(|(i, &(col, raw))| Series {
                name: format!("{} ÷ {}", self.columns[col].name, self.columns[raw].name),
                color: super::svg::palette(i),
            })
            .collect();
        let groups = cost
            .rows
            .iter()
            .map(|(s, cells)| Group {
                label: s.id().to_owned(),
                bars: cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        CostCell::Ratio(r) => Some(Bar {
                            value: r.ratio,
                            spread: r.spread,
                            series: i,
                        }),
                        _ => None,
                    })
                    .collect(),
            })
            .collect();
        Chart {
            title: "Cost of the contract — each aiotask backend ÷ the raw runtime it runs on \
                    (median, same run)"
                .into(),
            unit: "× its raw runtime".into(),
            axis: Axis::Ratio,
            series,
            groups,
        }
    }
}

/// `+211`, `-12.0`: a difference with its sign.
fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", fmt_num(x))
    } else {
        fmt_num(x)
    }
}
