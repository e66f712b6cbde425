//! Inline SVG charts: a KPI's baseline, target path, actuals and national comparator
//! with its series breaks; grouped bars for money. Plain SVG with a `<title>` and
//! `<desc>` (the pages also show the numbers as a table), colours from the Okabe-Ito
//! set, so they read without colour vision and print.

use crate::domain::rules::{PeriodKind, parse_period};
use serde_json::Value;
use std::fmt::Write as _;

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const ACTUAL: &str = "#0072B2";
const NATIONAL: &str = "#505a5f";
const TARGET: &str = "#D55E00";
/// Other areas' lines: grey at 3.4:1 against white (a graphic's minimum is 3:1).
const OTHER: &str = "#8c8c8c";

fn num(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn txt<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn year_of(s: Option<&str>) -> Option<i32> {
    s.and_then(parse_period).map(|p| p.start_year)
}

fn period_label(year: i32, kind: PeriodKind) -> String {
    let sep = if kind == PeriodKind::Academic {
        '/'
    } else {
        '-'
    };
    format!("{year}{sep}{:02}", (year + 1) % 100)
}

/// A value axis: from `lo` to `hi` in `ticks` steps of `step`, a round number (1, 2 or 5
/// times a power of ten).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: u32,
}

/// The most gridlines an axis draws.
pub const MAX_TICKS: u32 = 12;

/// Values are drawn within ± this; a stored value beyond it is drawn at the edge (the
/// domain keeps KPI figures within ±1e12, but a chart must not depend on that).
pub const AXIS_LIMIT: f64 = 1e15;

impl Axis {
    const FALLBACK: Axis = Axis {
        lo: 0.0,
        hi: 1.0,
        step: 0.25,
        ticks: 4,
    };

    /// The axis for `values` (non-finite ones are left out, huge ones clamped to
    /// ±[`AXIS_LIMIT`]); a percentage axis stops at 100 when the values do. Always finite,
    /// `lo < hi`, at most [`MAX_TICKS`] steps, whatever the input.
    pub fn for_values(values: impl IntoIterator<Item = f64>, percent: bool) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            let v = v.clamp(-AXIS_LIMIT, AXIS_LIMIT);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return Axis::FALLBACK;
        }
        let top = hi;
        // A flat series gets room around it (relative to its size: 1e15 ± 1 is no room).
        let scale = lo.abs().max(hi.abs()).max(1.0);
        if hi - lo <= scale * 1e-9 {
            lo -= scale * 0.1;
            hi += scale * 0.1;
        }
        let raw = (hi - lo) / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let mut lo = ((lo - step * 0.5) / step).floor() * step;
        if lo < 0.0 && (lo + step * 0.5) >= 0.0 {
            lo = 0.0;
        }
        let mut hi = ((hi + step * 0.5) / step).ceil() * step;
        if percent && top <= 100.0 {
            hi = hi.min(100.0);
        }
        let ticks = ((hi - lo) / step).round();
        let ok = lo.is_finite()
            && hi.is_finite()
            && step.is_finite()
            && step > 0.0
            && hi > lo
            && (1.0..=f64::from(MAX_TICKS)).contains(&ticks);
        if ok {
            Axis {
                lo,
                hi,
                step,
                ticks: ticks as u32,
            }
        } else {
            Axis::FALLBACK
        }
    }

    /// Where `v` sits between the axis's ends, 0 to 1 (outside values at the ends).
    pub fn fraction(&self, v: f64) -> f64 {
        if v.is_nan() {
            return 0.0;
        }
        ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

/// The value axis of a chart whose plot starts at `ml` (left), `mt` (top) and is `pw`
/// wide: a gridline and its value at each step, and the unit above them.
fn value_axis(
    s: &mut String,
    axis: &Axis,
    (ml, pw, mt): (f64, f64, f64),
    y: impl Fn(f64) -> f64,
    unit: &str,
) {
    for i in 0..=axis.ticks {
        let v = axis.lo + axis.step * f64::from(i);
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{ml}" x2="{}" y1="{}" y2="{}" stroke="#e5e5e5"/><text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            ml + pw,
            r2(yy),
            r2(yy),
            ml - 6.0,
            r2(yy + 4.0),
            r2(v)
        );
    }
    let _ = write!(
        s,
        r##"<text x="4" y="{}" text-anchor="start" fill="#0b0c0c">{}</text>"##,
        r2(mt - 8.0),
        esc(unit)
    );
}

/// Labels of the period axis: every year up to 20 years, else evenly spaced ones (a
/// series whose periods run across centuries still gets a handful of labels).
fn label_years(y0: i32, y1: i32) -> impl Iterator<Item = i32> {
    let every = ((y1 - y0) / 20 + 1).max(1);
    (y0..=y1).step_by(every as usize)
}

/// Rounds to two decimals for compact output.
fn r2(x: f64) -> String {
    let v = (x * 100.0).round() / 100.0;
    if v == v.trunc() {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A KPI chart from a KPI of the area summary (`values` and `series_breaks` nested).
/// The charts' fonts: the page's Arial in browsers, and the DejaVu Sans the maps use
/// when the server draws a PNG (its renderer has no Arial, and without a font it found
/// it drew no text at all).
pub const CHART_FONTS: &str = "Arial, Helvetica, DejaVu Sans, sans-serif";

/// Other areas' figures of a KPI of the same name, drawn as thin grey lines for
/// comparison: `kpi["others"]` is a list of `{"area", "values": [{"period", "actual"}]}`.
fn others(kpi: &Value) -> Vec<(String, Vec<(i32, f64)>)> {
    kpi.get("others")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|o| {
                    let pts = o
                        .get("values")
                        .and_then(Value::as_array)
                        .map(|vs| {
                            vs.iter()
                                .filter_map(|v| year_of(txt(v, "period")).zip(num(v, "actual")))
                                .collect()
                        })
                        .unwrap_or_default();
                    (txt(o, "area").unwrap_or("").to_string(), pts)
                })
                .filter(|(_, pts): &(String, Vec<(i32, f64)>)| !pts.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub fn kpi_chart(kpi: &Value) -> String {
    let (w, h) = (640.0, 300.0);
    let (ml, mr, mt, mb) = (56.0, 44.0, 24.0, 70.0);
    let name = txt(kpi, "name").unwrap_or("KPI");
    // Several charts share a page: their ids must differ.
    let uid = format!("kpi{}", kpi.get("id").and_then(Value::as_i64).unwrap_or(0));
    let unit = txt(kpi, "unit").unwrap_or("");
    let kind = txt(kpi, "period_kind")
        .and_then(PeriodKind::parse)
        .unwrap_or(PeriodKind::Academic);
    let empty = Vec::new();
    let values = kpi
        .get("values")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let breaks = kpi
        .get("series_breaks")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let baseline = year_of(txt(kpi, "baseline_period")).zip(num(kpi, "baseline_value"));
    let target = year_of(txt(kpi, "target_period")).zip(num(kpi, "target_value"));
    let actuals: Vec<(i32, f64)> = values
        .iter()
        .filter_map(|v| year_of(txt(v, "period")).zip(num(v, "actual")))
        .collect();
    let national: Vec<(i32, f64)> = values
        .iter()
        .filter_map(|v| year_of(txt(v, "period")).zip(num(v, "national")))
        .collect();
    let others = others(kpi);
    let break_years: Vec<(i32, &str)> = breaks
        .iter()
        .filter_map(|b| year_of(txt(b, "period")).map(|y| (y, txt(b, "reason").unwrap_or(""))))
        .collect();

    let years = baseline
        .iter()
        .chain(target.iter())
        .chain(actuals.iter())
        .chain(national.iter())
        .chain(others.iter().flat_map(|o| o.1.iter()))
        .map(|p| p.0)
        .chain(break_years.iter().map(|b| b.0));
    let (mut y0, mut y1) = (i32::MAX, i32::MIN);
    for y in years {
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if y0 > y1 {
        y0 = 2016;
        y1 = 2020;
    }
    if y0 == y1 {
        y1 = y0 + 1;
    }
    let nums = baseline
        .iter()
        .chain(target.iter())
        .chain(actuals.iter())
        .chain(national.iter())
        .chain(others.iter().flat_map(|o| o.1.iter()))
        .map(|p| p.1);
    let axis = Axis::for_values(nums, crate::domain::rules::is_percentage(unit));
    let pw = w - ml - mr;
    let ph = h - mt - mb;
    let x = |y: i32| ml + pw * f64::from(y - y0) / f64::from(y1 - y0);
    let yv = |v: f64| mt + ph * (1.0 - axis.fraction(v));

    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{uid}t {uid}d" font-family="{CHART_FONTS}" font-size="14"><title id="{uid}t">{}</title><desc id="{uid}d">Baseline, target and actuals{} by {} year{}</desc><rect width="{w}" height="{h}" fill="#fff"/>"##,
        esc(name),
        if national.is_empty() {
            ""
        } else {
            " against the national comparator"
        },
        if kind == PeriodKind::Academic {
            "academic"
        } else {
            "financial"
        },
        if break_years.is_empty() {
            String::new()
        } else {
            format!(
                "; series breaks in {}",
                break_years
                    .iter()
                    .map(|b| period_label(b.0, kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    value_axis(&mut s, &axis, (ml, pw, mt), yv, unit);
    for y in label_years(y0, y1) {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#0b0c0c">{}</text>"##,
            r2(x(y)),
            r2(mt + ph + 18.0),
            period_label(y, kind)
        );
    }
    // Series breaks: a dashed line just before the period where the series restarts.
    for (by, reason) in &break_years {
        let bx = x(*by) - pw / f64::from(y1 - y0) / 2.0;
        let bx = bx.max(ml);
        let _ = write!(
            s,
            r##"<g class="series-break"><title>Series break {}: {}</title><line x1="{}" x2="{}" y1="{mt}" y2="{}" stroke="#0b0c0c" stroke-dasharray="2 3"/><text x="{}" y="{}" text-anchor="middle" fill="#0b0c0c">break</text></g>"##,
            period_label(*by, kind),
            esc(reason),
            r2(bx),
            r2(bx),
            r2(mt + ph),
            r2(bx),
            r2(mt - 6.0)
        );
    }
    // Target path.
    if let (Some(b), Some(t)) = (baseline, target) {
        let _ = write!(
            s,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>"#,
            r2(x(b.0)),
            r2(yv(b.1)),
            r2(x(t.0)),
            r2(yv(t.1))
        );
    }
    if let Some(t) = target {
        let (tx, ty) = (x(t.0), yv(t.1));
        let _ = write!(
            s,
            r#"<path d="M{} {}l7 7-7 7-7-7z" fill="{TARGET}"><title>Target {}: {} {}</title></path>"#,
            r2(tx),
            r2(ty - 7.0),
            period_label(t.0, kind),
            r2(t.1),
            esc(unit)
        );
    }
    // Lines broken at series breaks.
    let series = |s: &mut String, pts: &[(i32, f64)], colour: &str, dash: &str, label: &str| {
        let mut pts = pts.to_vec();
        pts.sort_by_key(|p| p.0);
        let mut d = String::new();
        for (i, p) in pts.iter().enumerate() {
            let broken = i > 0
                && break_years
                    .iter()
                    .any(|(by, _)| *by > pts[i - 1].0 && *by <= p.0);
            let cmd = if i == 0 || broken { 'M' } else { 'L' };
            let _ = write!(d, "{cmd}{} {}", r2(x(p.0)), r2(yv(p.1)));
        }
        if pts.len() > 1 {
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#
            );
        }
        for p in &pts {
            let _ = write!(
                s,
                r#"<circle class="point-{}" cx="{}" cy="{}" r="4.5" fill="{colour}"><title>{} {}: {} {}</title></circle>"#,
                label.to_ascii_lowercase(),
                r2(x(p.0)),
                r2(yv(p.1)),
                label,
                period_label(p.0, kind),
                r2(p.1),
                esc(unit)
            );
        }
    };
    // Other areas first, thin and grey, so this area's line stays on top.
    for (area, pts) in &others {
        let mut pts = pts.clone();
        pts.sort_by_key(|p| p.0);
        let d: String = pts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}{} {}",
                    if i == 0 { 'M' } else { 'L' },
                    r2(x(p.0)),
                    r2(yv(p.1))
                )
            })
            .collect();
        let _ = write!(
            s,
            r##"<path class="other-area" d="{d}" fill="none" stroke="{OTHER}" stroke-width="1.5"><title>{}</title></path>"##,
            esc(area)
        );
    }
    series(
        &mut s,
        &national,
        NATIONAL,
        r#" stroke-dasharray="3 3""#,
        "National",
    );
    series(&mut s, &actuals, ACTUAL, "", "Actual");
    if let Some(b) = baseline {
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="9" height="9" fill="#0b0c0c"><title>Baseline {}: {} {}</title></rect>"##,
            r2(x(b.0) - 4.5),
            r2(yv(b.1) - 4.5),
            period_label(b.0, kind),
            r2(b.1),
            esc(unit)
        );
    }
    // Legend.
    let ly = h - 22.0;
    let mut items = vec![
        ("#0b0c0c", "Baseline", ""),
        (TARGET, "Target path", " stroke-dasharray=\"6 4\""),
        (ACTUAL, "Actual", ""),
        (NATIONAL, "National", " stroke-dasharray=\"3 3\""),
    ];
    if !others.is_empty() {
        items.push((OTHER, "Other areas", ""));
    }
    let step_x = (w - ml) / items.len() as f64;
    for (i, (c, label, dash)) in items.iter().enumerate() {
        let lx = ml + step_x * i as f64;
        let _ = write!(
            s,
            r##"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="3"{dash}/><text x="{}" y="{}" fill="#0b0c0c">{label}</text>"##,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>");
    s
}

/// A treated district's outcome against its synthetic comparison (the weighted blend of
/// comparison districts that followed it before the programme), period by period.
#[derive(Debug, Clone)]
pub struct SyntheticSeries {
    /// Unique on the page (ids of the title and description).
    pub id: String,
    pub title: String,
    /// The district (`Blackpool`).
    pub actual_label: String,
    /// The comparison in words (`Synthetic comparison: districts like Blackpool`).
    pub synthetic_label: String,
    /// The outcome's unit (`%`).
    pub unit: String,
    /// Periods as people read them (`2015/16`), in time order.
    pub periods: Vec<String>,
    pub actual: Vec<f64>,
    pub synthetic: Vec<f64>,
    /// Index of the first period of the programme.
    pub first_treated: Option<usize>,
}

/// Colour of a synthetic comparison: Okabe-Ito vermillion, dashed, so it differs from the
/// district's blue line by shape as well as colour.
const SYNTHETIC: &str = TARGET;

/// The chart of [`SyntheticSeries`]: the same frame, scales and fonts as the KPI charts
/// (bounded, clamped value axis; 14 px text), a dashed line where the programme starts,
/// and a `<title>` and `<desc>` that say what it shows (the pages also give the numbers
/// as a table).
pub fn synthetic_chart(c: &SyntheticSeries) -> String {
    let (w, h) = (640.0, 300.0);
    let (ml, mr, mt, mb) = (56.0, 44.0, 24.0, 80.0);
    let uid: String =
        c.id.chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
            .collect();
    let n = c.periods.len().min(c.actual.len()).min(c.synthetic.len());
    let axis = Axis::for_values(
        c.actual[..n].iter().chain(&c.synthetic[..n]).copied(),
        crate::domain::rules::is_percentage(&c.unit),
    );
    let pw = w - ml - mr;
    let ph = h - mt - mb;
    let x = |i: usize| {
        ml + if n > 1 {
            pw * i as f64 / (n - 1) as f64
        } else {
            pw / 2.0
        }
    };
    let yv = |v: f64| mt + ph * (1.0 - axis.fraction(v));
    let mut s = String::with_capacity(4096);
    let start = c.first_treated.filter(|&i| i < n);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{uid}t {uid}d" font-family="{CHART_FONTS}" font-size="14"><title id="{uid}t">{}</title><desc id="{uid}d">{} and {} from {} to {}{}</desc><rect width="{w}" height="{h}" fill="#fff"/>"##,
        esc(&c.title),
        esc(&c.actual_label),
        esc(&c.synthetic_label),
        esc(c.periods.first().map_or("", String::as_str)),
        esc(c
            .periods
            .get(n.saturating_sub(1))
            .map_or("", String::as_str)),
        match start {
            Some(i) => format!("; the programme starts in {}", esc(&c.periods[i])),
            None => String::new(),
        }
    );
    value_axis(&mut s, &axis, (ml, pw, mt), yv, &c.unit);
    // Every period labelled up to 10, else every other (labels are 7 characters).
    let every = if n > 10 { 2 } else { 1 };
    for i in (0..n).step_by(every) {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#0b0c0c">{}</text>"##,
            r2(x(i)),
            r2(mt + ph + 18.0),
            esc(&c.periods[i])
        );
    }
    if let Some(i) = start {
        let bx = if i == 0 { ml } else { (x(i - 1) + x(i)) / 2.0 };
        let _ = write!(
            s,
            r##"<g class="programme-start"><line x1="{}" x2="{}" y1="{mt}" y2="{}" stroke="#0b0c0c" stroke-dasharray="2 3"/><text x="{}" y="{}" text-anchor="middle" fill="#0b0c0c">Programme starts</text></g>"##,
            r2(bx),
            r2(bx),
            r2(mt + ph),
            r2(bx.clamp(ml + 60.0, ml + pw - 60.0)),
            r2(mt - 8.0)
        );
    }
    let line = |s: &mut String,
                values: &[f64],
                colour: &str,
                dash: &str,
                label: &str,
                class: &str| {
        let d: String = values[..n]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{}{} {}",
                    if i == 0 { 'M' } else { 'L' },
                    r2(x(i)),
                    r2(yv(*v))
                )
            })
            .collect();
        if n > 1 {
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#
            );
        }
        for (i, v) in values[..n].iter().enumerate() {
            let _ = write!(
                s,
                r#"<circle class="{class}" cx="{}" cy="{}" r="4.5" fill="{colour}"><title>{} {}: {} {}</title></circle>"#,
                r2(x(i)),
                r2(yv(*v)),
                esc(label),
                esc(&c.periods[i]),
                if v.is_finite() {
                    r2(*v)
                } else {
                    "no figure".into()
                },
                esc(&c.unit)
            );
        }
    };
    line(
        &mut s,
        &c.synthetic,
        SYNTHETIC,
        r#" stroke-dasharray="6 4""#,
        &c.synthetic_label,
        "point-synthetic",
    );
    line(
        &mut s,
        &c.actual,
        ACTUAL,
        "",
        &c.actual_label,
        "point-actual",
    );
    // The key, one line each (the comparison's label is long).
    let items = [
        (ACTUAL, c.actual_label.as_str(), ""),
        (
            SYNTHETIC,
            c.synthetic_label.as_str(),
            " stroke-dasharray=\"6 4\"",
        ),
    ];
    for (i, (colour, label, dash)) in items.iter().enumerate() {
        let (lx, ly) = (ml, h - 40.0 + 20.0 * i as f64);
        let _ = write!(
            s,
            r##"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"{dash}/><text x="{}" y="{}" fill="#0b0c0c">{}</text>"##,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// One group of bars (e.g. a year or an area) with one value per series.
pub struct BarGroup {
    pub label: String,
    pub values: Vec<i64>,
}

/// Horizontal grouped bars of money (pence), one colour per series. Text is 15 px; on a
/// phone the chart keeps its drawn width (`oa-bars`) and scrolls in its own box.
pub fn money_bars(title: &str, series: &[&str], groups: &[BarGroup]) -> String {
    const COLOURS: [&str; 4] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];
    let bar = 16.0;
    let gap = 10.0;
    let (ml, mr, mt) = (270.0, 120.0, 40.0);
    let w = 740.0;
    let per_group = bar * series.len() as f64 + gap;
    let h = mt + per_group * groups.len() as f64 + 20.0;
    // Negative amounts (never stored: money is >= 0) are drawn as empty bars.
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let pw = w - ml - mr;
    let mut s = String::with_capacity(2048);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {}" width="100%" class="oa-bars" role="img" aria-labelledby="mt md" font-family="{CHART_FONTS}" font-size="15"><title id="mt">{}</title><desc id="md">{} by group</desc><rect width="{w}" height="{}" fill="#fff"/>"##,
        r2(h),
        esc(title),
        esc(&series.join(", ")),
        r2(h)
    );
    for (i, name) in series.iter().enumerate() {
        let lx = ml + 130.0 * i as f64;
        let _ = write!(
            s,
            r##"<rect x="{lx}" y="8" width="14" height="14" fill="{}"/><text x="{}" y="20" fill="#0b0c0c">{}</text>"##,
            COLOURS[i % 4],
            lx + 16.0,
            esc(name)
        );
    }
    for (gi, g) in groups.iter().enumerate() {
        let gy = mt + per_group * gi as f64;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            ml - 6.0,
            r2(gy + bar * series.len() as f64 / 2.0 + 4.0),
            esc(&g.label)
        );
        for (si, v) in g.values.iter().enumerate() {
            let bw = (pw * (*v as f64) / max).clamp(0.0, pw);
            let by = gy + bar * si as f64;
            let _ = write!(
                s,
                r##"<rect x="{ml}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect><text x="{}" y="{}" fill="#0b0c0c">{}</text>"##,
                r2(by),
                r2(bw.max(0.0)),
                bar - 1.0,
                COLOURS[si % 4],
                esc(&g.label),
                esc(series.get(si).copied().unwrap_or("")),
                super::pounds(*v),
                r2(ml + bw.max(0.0) + 3.0),
                r2(by + bar - 2.0),
                super::pounds(*v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {

    /// The server's PNG of a chart has its text: the chart names a font the renderer finds
    /// (it once named only Arial, which the server lacks, and the PNG had no words).
    #[test]
    fn chart_pngs_have_their_text() {
        let k = serde_json::json!({
            "id": 1, "name": "KS2", "unit": "%", "baseline_period": "2015/16", "baseline_value": 48.0,
            "target_period": "2020/21", "target_value": 65.0,
            "values": [{"period": "2016/17", "actual": 62.0, "national": 61.0}],
        });
        let svg = kpi_chart(&k);
        let mut bare = String::new();
        let mut rest = svg.as_str();
        while let Some(at) = rest.find("<text") {
            bare.push_str(&rest[..at]);
            rest = &rest[at..];
            let end = rest.find("</text>").map_or(rest.len(), |e| e + 7);
            rest = &rest[end..];
        }
        bare.push_str(rest);
        let with_text = oa_geo::svg_to_png(&svg).unwrap();
        let without = oa_geo::svg_to_png(&bare).unwrap();
        assert_ne!(with_text, without, "the PNG shows no text");
    }

    #[test]
    fn other_areas_are_grey_lines_with_a_legend() {
        let k = serde_json::json!({
            "id": 1, "name": "Encounters", "unit": "per pupil",
            "values": [{"period": "2016/17", "actual": 1.0}, {"period": "2017/18", "actual": 2.0}],
            "others": [{"area": "Derby", "values": [{"period": "2016/17", "actual": 1.5}, {"period": "2017/18", "actual": 9.0}]},
                       {"area": "Empty", "values": []}],
        });
        let svg = kpi_chart(&k);
        assert_eq!(svg.matches("class=\"other-area\"").count(), 1);
        assert!(svg.contains("<title>Derby</title>") && svg.contains(">Other areas<"));
        // The other area's figures count for the axis (9 is inside it).
        assert!(svg.contains(">10<") || svg.contains(">9<"), "{svg}");
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn kpi_chart_marks_points_breaks_and_escapes() {
        let kpi = json!({
            "name": "KS2 <reading> & maths", "unit": "%", "period_kind": "academic",
            "baseline_period": "2015/16", "baseline_value": 48.0,
            "target_period": "2020/21", "target_value": 65.0,
            "values": [
                {"period": "2016/17", "actual": 62.0, "national": 62.0},
                {"period": "2018/19", "actual": 64.0},
                {"period": "2021/22", "actual": 60.0}
            ],
            "series_breaks": [{"period": "2019/20", "reason": "no tests"}]
        });
        let svg = kpi_chart(&kpi);
        assert!(svg.contains("KS2 &lt;reading&gt; &amp; maths"));
        assert!(!svg.contains("<reading>"));
        assert_eq!(svg.matches("class=\"point-actual\"").count(), 3);
        assert_eq!(svg.matches("class=\"point-national\"").count(), 1);
        assert!(svg.contains("Series break 2019/20: no tests"));
        // The actuals' line restarts after the break: two M commands in its path.
        let line = svg
            .split("<path d=\"")
            .find(|p| p.contains(ACTUAL))
            .unwrap();
        assert_eq!(line.split('"').next().unwrap().matches('M').count(), 2);
        assert!(svg.contains("Target 2020/21: 65 %"));
    }

    #[test]
    fn kpi_chart_without_values_still_draws() {
        let svg = kpi_chart(&json!({"name": "x", "unit": "", "period_kind": "financial"}));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("2016-17"));
    }

    use proptest::prelude::*;

    /// Any float: ordinary, huge, tiny, signed zero, infinite and NaN.
    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            -1e6f64..1e6,
            proptest::num::f64::ANY,
            Just(f64::MAX),
            Just(f64::MIN),
            Just(-1e308),
            Just(1e308),
            Just(f64::MIN_POSITIVE),
            Just(5e-324),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
        ]
    }

    proptest! {
        /// Whatever is stored, the axis is finite and has at most a dozen gridlines (one
        /// value of -1e308 once made the gridline count overflow and the server grow
        /// until it was killed).
        #[test]
        fn axes_are_bounded_for_any_values(values in proptest::collection::vec(any_value(), 0..8), percent: bool) {
            let a = Axis::for_values(values.iter().copied(), percent);
            prop_assert!(a.lo.is_finite() && a.hi.is_finite() && a.step.is_finite());
            prop_assert!(a.lo < a.hi && a.step > 0.0);
            prop_assert!((1..=MAX_TICKS).contains(&a.ticks), "{a:?}");
            for v in &values {
                let f = a.fraction(*v);
                prop_assert!((0.0..=1.0).contains(&f));
            }
        }

        /// A KPI chart of extreme figures and periods is drawn, small, with numbers only.
        #[test]
        fn kpi_charts_are_bounded_for_extreme_figures(
            points in proptest::collection::vec((0i32..9999, any_value(), any_value()), 0..10),
            baseline in any_value(),
            target in any_value(),
            unit in prop_oneof![Just("%"), Just(""), Just("pupils")],
        ) {
            let period = |y: i32| format!("{y:04}/{:02}", (y + 1) % 100);
            let num = |v: f64| serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null);
            let values: Vec<Value> = points
                .iter()
                .map(|(y, a, n)| json!({"period": period(*y), "actual": num(*a), "national": num(*n)}))
                .collect();
            let kpi = json!({
                "id": 1, "name": "K", "unit": unit, "period_kind": "academic",
                "baseline_period": period(points.first().map_or(2016, |p| p.0)),
                "baseline_value": num(baseline),
                "target_period": period(points.last().map_or(2020, |p| p.0)),
                "target_value": num(target),
                "values": values,
                "series_breaks": [{"period": period(5000), "reason": "r"}],
            });
            let svg = kpi_chart(&kpi);
            prop_assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            prop_assert!(svg.len() < 64 * 1024, "{} bytes", svg.len());
            prop_assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            prop_assert!(svg.matches("stroke=\"#e5e5e5\"").count() <= MAX_TICKS as usize + 1);
        }

        /// Money bars of any amounts stay inside the chart.
        #[test]
        fn money_bars_are_bounded_for_any_amounts(values in proptest::collection::vec(any::<i64>(), 1..6)) {
            let svg = money_bars("M", &["A", "B"], &[BarGroup { label: "g".into(), values }]);
            prop_assert!(svg.ends_with("</svg>") && !svg.contains("NaN") && !svg.contains("inf"));
        }
    }

    #[test]
    fn one_huge_negative_actual_draws_a_bounded_chart() {
        let kpi = json!({
            "id": 9, "name": "KS2", "unit": "%", "period_kind": "academic",
            "baseline_period": "2015/16", "baseline_value": 48.0,
            "values": [{"period": "2016/17", "actual": -1e308}, {"period": "2017/18", "actual": 1.7976931348623157e308}],
        });
        let svg = kpi_chart(&kpi);
        assert!(svg.len() < 16 * 1024, "{} bytes", svg.len());
        assert!(svg.matches("stroke=\"#e5e5e5\"").count() <= MAX_TICKS as usize + 1);
    }

    fn series(actual: Vec<f64>, synthetic: Vec<f64>) -> SyntheticSeries {
        SyntheticSeries {
            id: "ev-E06000009-gld".into(),
            title: "Blackpool & co: good level of development".into(),
            actual_label: "Blackpool".into(),
            synthetic_label: "Synthetic comparison: districts like Blackpool".into(),
            unit: "%".into(),
            periods: (2013..2013 + actual.len() as i32)
                .map(|y| format!("{y}/{:02}", (y + 1) % 100))
                .collect(),
            actual,
            synthetic,
            first_treated: Some(4),
        }
    }

    #[test]
    fn a_synthetic_comparison_chart_has_both_lines_the_start_and_its_words() {
        let svg = synthetic_chart(&series(
            vec![55.0, 57.5, 60.1, 62.0, 63.2, 64.0],
            vec![56.0, 57.0, 60.0, 62.2, 64.9, 66.1],
        ));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"point-actual\"").count(), 6);
        assert_eq!(svg.matches("class=\"point-synthetic\"").count(), 6);
        assert!(svg.contains("<title id=\"ev-E06000009-gldt\">Blackpool &amp; co"));
        assert!(svg.contains("the programme starts in 2017/18"));
        assert!(svg.contains(">Programme starts<"));
        assert!(svg.contains("<title>Blackpool 2018/19: 64 %</title>"));
        assert!(svg.contains(">Synthetic comparison: districts like Blackpool<"));
        // Percentages: the axis stops at 100.
        assert!(!svg.contains(">110<"));
        // Every text at the chart's 14 px: no text sets a size of its own.
        assert_eq!(svg.matches("font-size=").count(), 1);
        assert!(svg.contains("font-size=\"14\""));
    }

    proptest! {
        /// Whatever the figures, the chart is bounded and has no NaN or infinity in it.
        #[test]
        fn synthetic_charts_are_bounded(
            values in proptest::collection::vec((any_value(), any_value()), 0..12),
            start in proptest::option::of(0usize..14),
        ) {
            let mut s = series(values.iter().map(|v| v.0).collect(), values.iter().map(|v| v.1).collect());
            s.first_treated = start;
            let svg = synthetic_chart(&s);
            prop_assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            prop_assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            prop_assert!(svg.len() < 32 * 1024);
        }
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = money_bars(
            "Money",
            &["Allocated", "Spent"],
            &[BarGroup {
                label: "A & B".into(),
                values: vec![200, 100],
            }],
        );
        assert!(svg.contains("A &amp; B"));
        assert!(svg.contains("width=\"350\""));
        assert!(svg.contains("width=\"175\""));
        // Text at 15 px, none smaller (on a phone the chart keeps its drawn width).
        assert_eq!(svg.matches("font-size=").count(), 1);
        assert!(svg.contains("font-size=\"15\""));
    }
}
