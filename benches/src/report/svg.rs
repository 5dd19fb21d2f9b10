//! The report's charts. One renderer for both kinds: horizontal bars on a
//! logarithmic value axis ([`SCALE_RULE`]), min–max whiskers, a legend
//! above the plot, and for ratios a reference line at 1×. A per-scenario
//! chart has one bar per subject; the cost of the contract one group of
//! bars (one per aiotask subject) per scenario.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fmt_num;
use crate::subject::Family;

/// The scale rule of every chart, stated once in the report.
pub const SCALE_RULE: &str = "every value axis is logarithmic, so equal distances are equal \
     ratios wherever they are on the axis (gridlines at 1, 2 and 5 × 10ⁿ for times and bytes, at \
     every doubling for ratios). Bars of times and bytes start at the left end of the axis: \
     compare where they end, not their lengths. Bars of ratios start at 1× (the raw runtime): \
     to the right is slower, to the left faster. Whiskers span the smallest to the largest \
     repetition; heap figures are one measurement and have none. Each legend names the colours.";

/// What a chart's value axis shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Absolute figures (ns, bytes): bars from the axis's left end,
    /// gridlines at 1, 2 and 5 × 10ⁿ.
    Absolute,
    /// Ratios: bars from 1× (a reference line), gridlines at every doubling.
    Ratio,
}

/// One bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    /// The figure (a median).
    pub value: f64,
    /// The whisker: smallest and largest repetition.
    pub spread: Option<(f64, f64)>,
    /// Its legend entry, an index into [`Chart::series`].
    pub series: usize,
}

/// A labelled group of rows: one bar, or one slot per series (`None`: no
/// figure, shown as `n/a`).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The label on the axis.
    pub label: String,
    /// The bars, top to bottom.
    pub bars: Vec<Option<Bar>>,
}

/// A legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// What the colour stands for.
    pub name: String,
    /// The colour.
    pub color: RGBColor,
}

/// A chart, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The caption.
    pub title: String,
    /// The unit of the value axis, e.g. `ns/op`.
    pub unit: String,
    /// Absolute figures or ratios.
    pub axis: Axis,
    /// The legend, one entry per colour.
    pub series: Vec<Series>,
    /// The rows, top to bottom.
    pub groups: Vec<Group>,
}

/// The colour of a family in the per-scenario charts.
pub(super) fn family_color(family: Family) -> RGBColor {
    match family {
        Family::Aiotask => RGBColor(31, 119, 180),
        Family::RawTokio => RGBColor(255, 127, 14),
        Family::RawAsyncExecutor => RGBColor(44, 160, 44),
        Family::CPython => RGBColor(127, 127, 127),
    }
}

/// The legend text of a family in the per-scenario charts.
pub(super) fn family_name(family: Family) -> &'static str {
    match family {
        Family::Aiotask => "aiotask (the asyncio.Task contract)",
        Family::RawTokio => "raw tokio",
        Family::RawAsyncExecutor => "raw async-executor",
        Family::CPython => "CPython asyncio",
    }
}

/// The `i`-th colour of the cost chart (tab10).
pub(super) fn palette(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
    ];
    P[i % P.len()]
}

const WIDTH: u32 = 960;
const FONT: &str = "sans-serif";
/// The font size of labels and legend (plotters units: `/ 1.24` px).
const LABEL: f64 = 15.0;

/// A tick label: `20`, `1,000`, `0.5`.
fn tick_label(t: f64) -> String {
    if t >= 100.0 {
        fmt_num(t)
    } else {
        let s = format!("{t:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The value axis: its range and gridlines.
fn value_range(chart: &Chart) -> (f64, f64, Vec<f64>) {
    let mut vals: Vec<f64> = Vec::new();
    for b in chart.groups.iter().flat_map(|g| g.bars.iter().flatten()) {
        vals.push(b.value);
        if let Some((lo, hi)) = b.spread {
            vals.extend([lo, hi]);
        }
    }
    if chart.axis == Axis::Ratio {
        vals.push(1.0);
    }
    vals.retain(|v| v.is_finite() && *v > 0.0);
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > 0.0 {
        (lo, hi)
    } else {
        (1.0, 10.0)
    };
    // Room for the value labels: a share of the axis on each side (on the
    // left, for absolute figures, so that the shortest bar shows).
    let (l, h) = (lo.ln(), hi.ln().max(lo.ln() + 2f64.ln()));
    let (fl, fr) = (0.10, 0.11);
    let total = (h - l) / (1.0 - fl - fr);
    let (lo, hi) = ((l - fl * total).exp(), (h + fr * total).exp());
    let mut ticks = Vec::new();
    match chart.axis {
        Axis::Absolute => {
            for k in lo.log10().floor() as i32..=hi.log10().ceil() as i32 {
                for m in [1.0, 2.0, 5.0] {
                    let t = m * 10f64.powi(k);
                    if t >= lo && t <= hi {
                        ticks.push(t);
                    }
                }
            }
        }
        Axis::Ratio => {
            for k in lo.log2().floor() as i32..=hi.log2().ceil() as i32 {
                let t = 2f64.powi(k);
                if t >= lo && t <= hi {
                    ticks.push(t);
                }
            }
        }
    }
    (lo, hi, ticks)
}

/// An estimate of a text's width in pixels for a plotters font size (the
/// SVG's reader picks the font; plotters writes `size / 1.24` px).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size / 1.24 * 0.56
}

/// The legend: (glyph, text) items laid out left to right, wrapping.
enum Glyph {
    Swatch(RGBColor),
    Whisker,
    Reference,
}

impl Chart {
    fn legend_items(&self) -> Vec<(Glyph, String)> {
        let mut items: Vec<(Glyph, String)> = self
            .series
            .iter()
            .map(|s| (Glyph::Swatch(s.color), s.name.clone()))
            .collect();
        let whiskers = self
            .groups
            .iter()
            .flat_map(|g| g.bars.iter().flatten())
            .any(|b| b.spread.is_some());
        if whiskers {
            items.push((Glyph::Whisker, "min–max over the repetitions".into()));
        }
        if self.axis == Axis::Ratio {
            items.push((Glyph::Reference, "1× = the raw runtime".into()));
        }
        items
    }

    /// The legend's rows: for each item, its x offset and row.
    fn legend_layout(items: &[(Glyph, String)]) -> (Vec<(f64, usize)>, usize) {
        let (mut x, mut row) = (12.0, 0);
        let mut at = Vec::new();
        for (_, text) in items {
            let w = 22.0 + text_width(text, LABEL) + 18.0;
            if x + w > f64::from(WIDTH) - 12.0 && x > 12.0 {
                x = 12.0;
                row += 1;
            }
            at.push((x, row));
            x += w;
        }
        (at, row + 1)
    }

    /// The chart as an SVG document.
    ///
    /// # Errors
    ///
    /// When plotters cannot draw it.
    ///
    /// ```
    /// use aiotask_benches::report::{Axis, Bar, Chart, Group, Series};
    /// use plotters::style::RGBColor;
    /// let chart = Chart {
    ///     title: "t".into(),
    ///     unit: "ns/op".into(),
    ///     axis: Axis::Absolute,
    ///     series: vec![Series { name: "raw tokio".into(), color: RGBColor(0, 0, 0) }],
    ///     groups: vec![Group {
    ///         label: "a".into(),
    ///         bars: vec![Some(Bar { value: 5.0, spread: Some((4.0, 25.0)), series: 0 })],
    ///     }],
    /// };
    /// let svg = chart.svg().unwrap();
    /// assert!(svg.contains("raw tokio") && svg.contains("min–max"));
    /// ```
    pub fn svg(&self) -> Result<String, String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let per_group = self.groups.iter().map(|g| g.bars.len()).max().unwrap_or(1);
        // Rows in plot units: one per bar, plus a gap between groups of several.
        let gap = if per_group > 1 { 0.7 } else { 0.0 };
        let slot_px = if per_group > 1 { 15.0 } else { 30.0 };
        let rows: f64 = self
            .groups
            .iter()
            .map(|g| g.bars.len().max(1) as f64)
            .sum::<f64>()
            + gap * self.groups.len().saturating_sub(1) as f64;
        let rows = rows.max(1.0);
        let items = self.legend_items();
        let (at, legend_rows) = Self::legend_layout(&items);
        let head = 36 + 20 * legend_rows as u32;
        let height = head + (rows * slot_px) as u32 + 24 + 56;
        let label_px = self
            .groups
            .iter()
            .map(|g| text_width(&g.label, LABEL))
            .fold(60.0, f64::max) as u32
            + 16;

        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (top, body) = root.split_vertically(head);
            top.draw(&Text::new(
                self.title.clone(),
                (12, 10),
                (FONT, 19).into_font(),
            ))
            .map_err(|e| err(&e))?;
            let label_style =
                TextStyle::from((FONT, LABEL).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
            for ((glyph, name), (x, row)) in items.iter().zip(&at) {
                let (x, y) = (*x as i32, 42 + 20 * *row as i32);
                match glyph {
                    Glyph::Swatch(c) => {
                        top.draw(&Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()))
                    }
                    Glyph::Whisker => top.draw(&PathElement::new(
                        vec![
                            (x, y - 5),
                            (x, y + 5),
                            (x, y),
                            (x + 16, y),
                            (x + 16, y - 5),
                            (x + 16, y + 5),
                        ],
                        BLACK.stroke_width(1),
                    )),
                    Glyph::Reference => top.draw(&PathElement::new(
                        vec![(x + 7, y - 8), (x + 7, y + 8)],
                        BLACK.stroke_width(2),
                    )),
                }
                .map_err(|e| err(&e))?;
                top.draw(&Text::new(name.clone(), (x + 22, y), label_style.clone()))
                    .map_err(|e| err(&e))?;
            }

            let (lo, hi, ticks) = value_range(self);
            // Row centres (plot units, top row highest) and group labels.
            let mut bars = Vec::new(); // (y centre, bar slot) top to bottom
            let mut labels = Vec::new(); // (y centre of the group, label)
            let mut y = rows;
            for g in &self.groups {
                let n = g.bars.len().max(1) as f64;
                labels.push((y - n / 2.0, g.label.clone()));
                for (i, b) in g.bars.iter().enumerate() {
                    bars.push((y - i as f64 - 0.5, *b));
                }
                y -= n + gap;
            }
            let y_keys: Vec<f64> = labels.iter().map(|l| l.0).collect();
            let y_label = |v: &f64| {
                labels
                    .iter()
                    .find(|l| (l.0 - v).abs() < 1e-6)
                    .map_or(String::new(), |l| l.1.clone())
            };
            let x_label = |v: &f64| match self.axis {
                Axis::Absolute => tick_label(*v),
                Axis::Ratio => format!("{}×", tick_label(*v)),
            };
            let mut chart = ChartBuilder::on(&body)
                .margin(12)
                .margin_top(4)
                .x_label_area_size(44)
                .y_label_area_size(label_px)
                .build_cartesian_2d(
                    (lo..hi).log_scale().with_key_points(ticks),
                    (0.0..rows).partial_axis(0.0..rows).with_key_points(y_keys),
                )
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .bold_line_style(RGBColor(220, 220, 220))
                .y_label_formatter(&y_label)
                .x_label_formatter(&x_label)
                .x_desc(format!("{} (logarithmic)", self.unit))
                .label_style((FONT, LABEL))
                .axis_desc_style((FONT, LABEL))
                .draw()
                .map_err(|e| err(&e))?;
            let origin = match self.axis {
                Axis::Absolute => lo,
                Axis::Ratio => 1.0,
            };
            let half = if per_group > 1 { 0.42 } else { 0.34 };
            let value_text = |v: f64| match self.axis {
                Axis::Absolute => fmt_num(v),
                Axis::Ratio => format!("{v:.2}×"),
            };
            let small = (FONT, if per_group > 1 { 13.0 } else { LABEL });
            for &(yc, bar) in &bars {
                let Some(b) = bar.filter(|b| b.value > 0.0 && b.value.is_finite()) else {
                    if bar.is_none() && per_group > 1 {
                        chart
                            .draw_series(std::iter::once(Text::new(
                                "n/a".to_owned(),
                                (origin * 1.03, yc),
                                TextStyle::from(small.into_font())
                                    .pos(Pos::new(HPos::Left, VPos::Center)),
                            )))
                            .map_err(|e| err(&e))?;
                    }
                    continue;
                };
                let color = self
                    .series
                    .get(b.series)
                    .map_or(RGBColor(90, 90, 90), |s| s.color);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(origin, yc - half), (b.value, yc + half)],
                        color.filled(),
                    )))
                    .map_err(|e| err(&e))?;
                let (lo_end, hi_end) = b.spread.map_or((b.value, b.value), |(l, h)| {
                    (l.min(b.value), h.max(b.value))
                });
                if let Some((l, h)) = b.spread {
                    let cap = half * 0.7;
                    let style = BLACK.stroke_width(1);
                    chart
                        .draw_series([
                            PathElement::new(vec![(l, yc), (h, yc)], style),
                            PathElement::new(vec![(l, yc - cap), (l, yc + cap)], style),
                            PathElement::new(vec![(h, yc - cap), (h, yc + cap)], style),
                        ])
                        .map_err(|e| err(&e))?;
                }
                // The value beside the bar's far end (past its whisker).
                let (x, hpos) = if self.axis == Axis::Ratio && b.value < 1.0 {
                    (lo_end / 1.02, HPos::Right)
                } else {
                    (hi_end * 1.02, HPos::Left)
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        value_text(b.value),
                        (x, yc),
                        TextStyle::from(small.into_font()).pos(Pos::new(hpos, VPos::Center)),
                    )))
                    .map_err(|e| err(&e))?;
            }
            if self.axis == Axis::Ratio {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(1.0, 0.0), (1.0, rows)],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(|e| err(&e))?;
            }
            root.present().map_err(|e| err(&e))?;
        }
        Ok(text)
    }
}
