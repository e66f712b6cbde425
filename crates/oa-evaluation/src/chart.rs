//! SVG charts written as text: the event study, each treated area against its synthetic
//! comparison, and the placebo distribution. Okabe-Ito colours; every value is rounded to
//! a tenth of a pixel so files are small and stable.

use crate::result::{PlaceboGaps, SyntheticPath};
use std::fmt::Write;

const TREATED: &str = "#D55E00";
const COMPARISON: &str = "#0072B2";
const PRE: &str = "#555555";
const FLAGGED: &str = "#CC79A7";
const PLACEBO: &str = "#BBBBBB";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Round tick values covering `[lo, hi]` (about five).
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-12);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Formats a tick with the decimals its step needs.
fn tick_label(v: f64, step: f64) -> String {
    let exponent = step.log10().floor();
    let mantissa = step / 10f64.powf(exponent);
    let decimals = (-exponent).max(0.0) as usize + usize::from((mantissa - 2.5).abs() < 1e-9);
    format!("{v:.decimals$}")
}

/// A plotting frame: categorical x positions, linear y.
struct Frame {
    w: f64,
    h: f64,
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
    n: usize,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Frame {
    fn new(n: usize, values: impl Iterator<Item = f64>, include_zero: bool) -> Frame {
        let (w, h, left, right, top, bottom) = (760.0, 420.0, 70.0, 20.0, 46.0, 56.0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi - lo < 1e-12 {
            (lo, hi) = (lo - 1.0, hi + 1.0);
        }
        let t = ticks(lo, hi);
        let (lo, hi) = (t[0].min(lo), t[t.len() - 1].max(hi));
        Frame {
            w,
            h,
            left,
            top,
            pw: w - left - right,
            ph: h - top - bottom,
            n,
            lo,
            hi,
            ticks: t,
        }
    }

    fn x(&self, i: f64) -> f64 {
        if self.n <= 1 {
            self.left + self.pw / 2.0
        } else {
            self.left + 20.0 + i / (self.n - 1) as f64 * (self.pw - 40.0)
        }
    }

    fn y(&self, v: f64) -> f64 {
        self.top + (self.hi - v) / (self.hi - self.lo) * self.ph
    }

    /// Header, axes, gridlines and x labels.
    fn open(&self, title: &str, y_label: &str, x_labels: &[String], x_title: &str) -> String {
        let mut s = String::new();
        let (w, h) = (self.w, self.h);
        let _ = writeln!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12" role="img" aria-label="{}">
<rect width="{w}" height="{h}" fill="white"/>
<text x="{:.1}" y="24" text-anchor="middle" font-size="15">{}</text>"##,
            escape(title),
            w / 2.0,
            escape(title)
        );
        let step = if self.ticks.len() > 1 {
            self.ticks[1] - self.ticks[0]
        } else {
            1.0
        };
        for &t in &self.ticks {
            let y = self.y(t);
            let _ = writeln!(
                s,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                self.left,
                self.left + self.pw,
                self.left - 6.0,
                y + 4.0,
                tick_label(t, step)
            );
        }
        let every = x_labels.len().div_ceil(12).max(1);
        for (i, l) in x_labels.iter().enumerate().step_by(every) {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                self.x(i as f64),
                self.top + self.ph + 18.0,
                escape(l)
            );
        }
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#999"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>
<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
            self.left,
            self.top,
            self.pw,
            self.ph,
            self.left + self.pw / 2.0,
            h - 14.0,
            escape(x_title),
            self.top + self.ph / 2.0,
            escape(y_label)
        );
        s
    }

    /// A dashed vertical line between positions `i - 1` and `i`, labelled.
    fn marker(&self, s: &mut String, i: usize, text: &str) {
        let x = self.x(i as f64 - 0.5);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333" stroke-dasharray="5 4"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            self.top,
            self.top + self.ph,
            x + 4.0,
            self.top + 14.0,
            escape(text)
        );
    }

    fn zero(&self, s: &mut String) {
        if self.lo < 0.0 && self.hi > 0.0 {
            let y = self.y(0.0);
            let _ = writeln!(
                s,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#333"/>"##,
                self.left,
                self.left + self.pw
            );
        }
    }

    fn polyline(&self, s: &mut String, values: &[f64], colour: &str, width: f64, extra: &str) {
        let mut points = String::new();
        for (i, v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let _ = write!(points, "{:.1},{:.1} ", self.x(i as f64), self.y(*v));
        }
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{width}"{extra}/>"#,
            points.trim_end()
        );
    }
}

/// One event-time estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventPoint {
    pub event_time: i64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// A pre-treatment estimate whose interval excludes 0.
    pub flagged: bool,
}

/// Event study: estimates with intervals by periods since first treatment; estimates
/// before treatment (placebo checks) in grey, flagged ones in pink, never hidden.
pub fn event_study_chart(title: &str, y_label: &str, points: &[EventPoint]) -> String {
    let mut pts: Vec<EventPoint> = points.to_vec();
    pts.sort_by_key(|p| p.event_time);
    let frame = Frame::new(
        pts.len(),
        pts.iter().flat_map(|p| [p.estimate, p.low, p.high]),
        true,
    );
    let labels: Vec<String> = pts.iter().map(|p| p.event_time.to_string()).collect();
    let mut s = frame.open(title, y_label, &labels, "periods since first treatment");
    frame.zero(&mut s);
    if let Some(first_post) = pts.iter().position(|p| p.event_time >= 0)
        && first_post > 0
    {
        frame.marker(&mut s, first_post, "treatment starts");
    }
    for (i, p) in pts.iter().enumerate() {
        let colour = if p.event_time >= 0 {
            TREATED
        } else if p.flagged {
            FLAGGED
        } else {
            PRE
        };
        let x = frame.x(i as f64);
        if p.low.is_finite() && p.high.is_finite() {
            let _ = writeln!(
                s,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"/>"#,
                frame.y(p.low),
                frame.y(p.high)
            );
        }
        let _ = writeln!(
            s,
            r#"<circle cx="{x:.1}" cy="{:.1}" r="4.5" fill="{colour}"><title>{}: {:.4} ({:.4} to {:.4})</title></circle>"#,
            frame.y(p.estimate),
            p.event_time,
            p.estimate,
            p.low,
            p.high
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="40" text-anchor="end" font-size="11"><tspan fill="{PRE}">&#9679; before (check)</tspan>  <tspan fill="{FLAGGED}">&#9679; before, interval excludes 0</tspan>  <tspan fill="{TREATED}">&#9679; after</tspan></text>
</svg>"#,
        frame.left + frame.pw
    );
    s
}

/// A treated area (or the treated mean) against its synthetic comparison.
pub fn synthetic_chart(title: &str, y_label: &str, path: &SyntheticPath) -> String {
    let frame = Frame::new(
        path.periods.len(),
        path.actual.iter().chain(&path.synthetic).copied(),
        false,
    );
    let mut s = frame.open(title, y_label, &path.periods, "period");
    if path.first_treated > 0 && path.first_treated < path.periods.len() {
        frame.marker(&mut s, path.first_treated, "treatment starts");
    }
    frame.polyline(
        &mut s,
        &path.synthetic,
        COMPARISON,
        2.5,
        r#" stroke-dasharray="7 4""#,
    );
    frame.polyline(&mut s, &path.actual, TREATED, 2.5, "");
    let who = if path.unit == crate::result::ALL {
        "treated areas (mean)".to_string()
    } else {
        path.unit.clone()
    };
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="40" text-anchor="end" font-size="11"><tspan fill="{TREATED}">&#9473; {}</tspan>  <tspan fill="{COMPARISON}">&#9476; synthetic comparison</tspan></text>
</svg>"#,
        frame.left + frame.pw,
        escape(&who)
    );
    s
}

/// Gaps (area minus its synthetic comparison) of every placebo in grey and of the
/// treated areas in colour.
pub fn placebo_chart(title: &str, y_label: &str, gaps: &PlaceboGaps) -> String {
    let frame = Frame::new(
        gaps.periods.len(),
        gaps.treated
            .iter()
            .chain(&gaps.placebos)
            .flat_map(|(_, g, _)| g.iter().copied()),
        true,
    );
    let mut s = frame.open(title, y_label, &gaps.periods, "period");
    frame.zero(&mut s);
    if gaps.first_treated > 0 {
        frame.marker(&mut s, gaps.first_treated, "treatment starts");
    }
    s.push_str("<g opacity=\"0.7\">\n");
    for (_, g, _) in &gaps.placebos {
        frame.polyline(&mut s, g, PLACEBO, 1.0, "");
    }
    s.push_str("</g>\n");
    for (unit, g, _) in &gaps.treated {
        let mut t = String::new();
        frame.polyline(&mut t, g, TREATED, 2.0, "");
        let _ = write!(
            s,
            "{}",
            t.replacen(
                "/>",
                &format!("><title>{}</title></polyline>", escape(unit)),
                1
            )
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="40" text-anchor="end" font-size="11"><tspan fill="{TREATED}">&#9473; treated areas ({})</tspan>  <tspan fill="#999">&#9473; placebos ({})</tspan></text>
</svg>"##,
        frame.left + frame.pw,
        gaps.treated.len(),
        gaps.placebos.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let t = ticks(-0.137, 0.031);
        assert!(
            t[0] <= -0.137 && *t.last().unwrap() >= 0.031 - 1e-12,
            "{t:?}"
        );
        assert!(t.contains(&0.0));
        assert_eq!(tick_label(0.05, 0.05), "0.05");
        assert_eq!(tick_label(20.0, 5.0), "20");
        assert_eq!(tick_label(2.5, 2.5), "2.5");
        assert_eq!(tick_label(0.025, 0.025), "0.025");
    }

    #[test]
    fn charts_are_well_formed_svg() {
        let points = [
            EventPoint {
                event_time: -2,
                estimate: 0.01,
                low: -0.02,
                high: 0.04,
                flagged: false,
            },
            EventPoint {
                event_time: -1,
                estimate: 0.05,
                low: 0.01,
                high: 0.09,
                flagged: true,
            },
            EventPoint {
                event_time: 0,
                estimate: -0.1,
                low: -0.2,
                high: 0.0,
                flagged: false,
            },
        ];
        let s = event_study_chart("Effect on <gld>", "percentage points", &points);
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert!(s.contains("Effect on &lt;gld&gt;"));
        assert_eq!(s.matches("<circle").count(), 3);
        assert!(s.contains(FLAGGED));
        let path = SyntheticPath {
            method: crate::result::Method::Sc,
            outcome: "gld".into(),
            comparison: "never".into(),
            unit: "E06000009".into(),
            periods: vec!["2013/14".into(), "2014/15".into(), "2015/16".into()],
            first_treated: 2,
            actual: vec![50.0, 55.0, 61.0],
            synthetic: vec![50.5, 54.5, 58.0],
        };
        let s = synthetic_chart("Blackpool", "%", &path);
        assert_eq!(s.matches("<polyline").count(), 2);
        assert!(s.contains("treatment starts"));
        let gaps = PlaceboGaps {
            outcome: "gld".into(),
            comparison: "never".into(),
            periods: path.periods.clone(),
            first_treated: 2,
            treated: vec![("A".into(), vec![0.0, 0.5, 3.0], 6.0)],
            placebos: vec![("B".into(), vec![0.1, -0.1, 0.2], 2.0); 4],
        };
        let s = placebo_chart("Placebos", "gap", &gaps);
        assert_eq!(s.matches("<polyline").count(), 5);
        assert!(s.contains("<title>A</title>"));
    }
}
