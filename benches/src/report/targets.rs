//! Issue 12's targets checked against one run: ratios between subjects of
//! the same run, so that the machine's speed cancels out. Printed only on
//! request (`compare --targets`); `benches/RESULTS.md` keeps the list.

use std::fmt::Write as _;

use super::{Report, fmt_num};
use crate::subject::{Family, Scenario, Threading};

/// A target of issue 12 checked against this run.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    /// What the target says.
    pub target: String,
    /// The figure(s) it was checked against.
    pub measured: String,
    /// `Some(true)` met, `Some(false)` missed, `None` not measurable here.
    pub met: Option<bool>,
}

/// `got` ÷ `base` ≤ `limit`.
fn rel(target: String, got: Option<f64>, base: Option<f64>, limit: f64) -> TargetCheck {
    match (got, base) {
        (Some(g), Some(b)) if b > 0.0 => TargetCheck {
            target,
            measured: format!("{} vs {} ns = {:.2}×", fmt_num(g), fmt_num(b), g / b),
            met: Some(g / b <= limit),
        },
        _ => TargetCheck {
            target,
            measured: "not measured".into(),
            met: None,
        },
    }
}

impl Report {
    /// Issue 12's targets checked against this run's medians.
    pub fn targets(&self) -> Vec<TargetCheck> {
        let v = |s: Scenario, col: Option<usize>| col.and_then(|c| self.value(s, c));
        let native = self.column("aiotask native");
        let rt_ct = self.column_of(Family::RawTokio, Threading::Single);
        let ae_local = self.column_of(Family::RawAsyncExecutor, Threading::Single);
        let mut checks = Vec::new();
        for (s, limit) in [
            (Scenario::CancelOne, 0.5),
            (Scenario::CancelBatch, 0.6),
            (Scenario::SpawnOne, 0.8),
        ] {
            checks.push(rel(
                format!("native `{}` ≤ {limit}× raw tokio current-thread", s.id()),
                v(s, native),
                v(s, rt_ct),
                limit,
            ));
        }
        checks.push(rel(
            "native `spawn_batch_1k` ≤ 0.8× raw async-executor local".into(),
            v(Scenario::SpawnBatch, native),
            v(Scenario::SpawnBatch, ae_local),
            0.8,
        ));
        for (s, base, limit) in [
            (Scenario::Callbacks16, Scenario::SpawnOne, 0.12),
            (Scenario::Callbacks1, Scenario::CancelOne, 0.7),
            (Scenario::CompletionToCallback, Scenario::CancelOne, 0.25),
        ] {
            let per = if s == Scenario::Callbacks16 {
                " per callback"
            } else {
                ""
            };
            checks.push(rel(
                format!(
                    "native `{}`{per} ≤ {limit}× raw tokio current-thread `{}`",
                    s.id(),
                    base.id()
                ),
                v(s, native),
                v(base, rt_ct),
                limit,
            ));
        }
        let heap = native.and_then(|c| self.heap(c));
        checks.push(TargetCheck {
            target: "native heap per parked task ≤ 128 B warm, ≤ 144 B first burst".into(),
            measured: match heap {
                Some((fresh, Some(warm))) => format!(
                    "{} B warm, {} B first burst",
                    fmt_num(warm.bytes_per_task),
                    fmt_num(fresh.bytes_per_task)
                ),
                Some((fresh, None)) => format!("{} B first burst", fmt_num(fresh.bytes_per_task)),
                None => "not measured".into(),
            },
            met: heap.map(|(fresh, warm)| {
                fresh.bytes_per_task <= 144.0 && warm.is_some_and(|w| w.bytes_per_task <= 128.0)
            }),
        });
        // Each tokio and smol flavour against its own raw runtime.
        let hosted: Vec<(usize, Option<usize>)> = (0..self.columns.len())
            .filter(|&c| {
                let n = &self.columns[c].name;
                n.starts_with("aiotask-tokio") || n.starts_with("aiotask-smol")
            })
            .map(|c| (c, self.own_raw(c)))
            .collect();
        let raw_name = |raw: Option<usize>| {
            raw.map_or("its raw runtime".to_owned(), |r| {
                self.columns[r].name.clone()
            })
        };
        for &(col, raw) in &hosted {
            for s in [
                Scenario::SpawnOne,
                Scenario::SpawnBatch,
                Scenario::CancelOne,
                Scenario::CancelBatch,
            ] {
                checks.push(rel(
                    format!(
                        "{} `{}` ≤ 1.3× {}",
                        self.columns[col].name,
                        s.id(),
                        raw_name(raw)
                    ),
                    v(s, Some(col)),
                    v(s, raw),
                    1.3,
                ));
            }
        }
        for &(col, raw) in &hosted {
            let target = format!(
                "{} heap per parked task ≤ {} + 64 B (warm)",
                self.columns[col].name,
                raw_name(raw)
            );
            // Warm against warm (the marginal cost), first burst when a
            // side has no warm figure.
            let pick = |c: Option<usize>| {
                let (fresh, warm) = self.heap(c?)?;
                Some(warm.map_or((fresh.bytes_per_task, "first burst"), |w| {
                    (w.bytes_per_task, "warm")
                }))
            };
            checks.push(match (pick(Some(col)), pick(raw)) {
                (Some((a, how)), Some((b, _))) => TargetCheck {
                    target,
                    measured: format!(
                        "{} vs {} B {how} (+{})",
                        fmt_num(a),
                        fmt_num(b),
                        fmt_num(a - b)
                    ),
                    met: Some(a <= b + 64.0),
                },
                _ => TargetCheck {
                    target,
                    measured: "not measured".into(),
                    met: None,
                },
            });
        }
        for (col, c) in self.columns.iter().enumerate() {
            if c.family != Family::Aiotask {
                continue;
            }
            checks.push(rel(
                format!("{} `scaling_1m` ≤ 1.5× `scaling_1k` per task", c.name),
                v(Scenario::Scaling1m, Some(col)),
                v(Scenario::Scaling1k, Some(col)),
                1.5,
            ));
        }
        checks
    }

    /// The targets section (`compare --targets`): a table of target,
    /// measured figures, verdict.
    pub fn targets_markdown(&self) -> String {
        let mut out = String::from(
            "## Targets (issue 12)\n\nMedians of this run, as ratios between subjects of the \
             same run. The list is also in `benches/RESULTS.md`.\n\n\
             | target | measured | verdict |\n|---|---|---|\n",
        );
        for t in self.targets() {
            let verdict = match t.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "not measured",
            };
            let _ = writeln!(out, "| {} | {} | {} |", t.target, t.measured, verdict);
        }
        out
    }
}
