//! SVG charts written as text: rank intervals by nominal rank, and Sobol indices.
//!
//! Compact on purpose: at most [`MAX_INTERVALS`] areas are drawn (every k-th by nominal
//! rank), so the IMD's 32,844 areas give a file of a few hundred kilobytes.

use std::fmt::Write;

/// Most areas drawn in the interval chart.
pub const MAX_INTERVALS: usize = 1500;

/// One area's interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub nominal: u32,
    pub median: u32,
    pub low: u32,
    pub high: u32,
    /// Probability of the marked band (colours the interval), if any.
    pub p_band: Option<f64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Rank intervals (5th-95th percentile, median dot) against nominal rank, with the band
/// threshold (`threshold` = the band's last nominal rank, and its name) marked.
pub fn interval_chart(
    title: &str,
    areas: usize,
    intervals: &[Interval],
    threshold: Option<(u32, &str)>,
) -> String {
    let (w, h, left, right, top, bottom) = (900.0, 560.0, 70.0, 20.0, 40.0, 50.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let n = areas.max(1) as f64;
    let x = |r: f64| left + (r - 1.0) / (n - 1.0).max(1.0) * pw;
    let y = |r: f64| top + (r - 1.0) / (n - 1.0).max(1.0) * ph;
    let mut sorted: Vec<&Interval> = intervals.iter().filter(|i| i.nominal > 0).collect();
    sorted.sort_by_key(|i| i.nominal);
    let step = sorted.len().div_ceil(MAX_INTERVALS).max(1);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="{w}" height="{h}" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##,
        w / 2.0,
        escape(title)
    );
    if let Some((t, name)) = threshold {
        let tx = x(t as f64 + 0.5);
        let ty = y(t as f64 + 0.5);
        let _ = writeln!(
            s,
            r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{:.1}" stroke="#c00" stroke-dasharray="4 3"/>
<line x1="{left}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#c00" stroke-dasharray="4 3"/>
<text x="{:.1}" y="{:.1}" fill="#c00">{} threshold (rank {t})</text>"##,
            top + ph,
            left + pw,
            tx + 4.0,
            top + 14.0,
            escape(name)
        );
    }
    s.push_str(r##"<g stroke-width="1">"##);
    for i in sorted.iter().step_by(step) {
        let colour = match i.p_band {
            Some(p) if p >= 0.95 => "#b2182b",
            Some(p) if p > 0.05 => "#ef8a62",
            _ => "#4d7ea8",
        };
        let xi = x(i.nominal as f64);
        let _ = writeln!(
            s,
            r#"<line x1="{xi:.1}" y1="{:.1}" x2="{xi:.1}" y2="{:.1}" stroke="{colour}"/>"#,
            y(i.low as f64),
            y(i.high as f64)
        );
    }
    s.push_str("</g>\n<g fill=\"black\">");
    for i in sorted.iter().step_by(step) {
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="1.5" height="1.5"/>"#,
            x(i.nominal as f64) - 0.75,
            y(i.median as f64) - 0.75
        );
    }
    s.push_str("</g>\n");
    for k in 0..=4 {
        let r = 1.0 + (n - 1.0) * k as f64 / 4.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{:.0}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{:.0}</text>"#,
            x(r),
            top + ph + 16.0,
            r,
            left - 6.0,
            y(r) + 4.0,
            r
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">nominal rank (every {step} area{} shown)</text>
<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">sampled rank: 5th-95th percentile, median dot</text>
<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11"><tspan fill="#b2182b">P(band) &#8805; 0.95</tspan>  <tspan fill="#ef8a62">0.05-0.95</tspan>  <tspan fill="#4d7ea8">&#8804; 0.05</tspan></text>
</svg>"##,
        left + pw / 2.0,
        h - 12.0,
        if step == 1 { "" } else { "s" },
        top + ph / 2.0,
        left + pw,
        h - 12.0
    );
    s
}

/// One bar pair of the sensitivity chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub input: String,
    pub first: (f64, f64, f64),
    pub total: (f64, f64, f64),
}

/// First-order and total Sobol indices per input, with bootstrap intervals.
pub fn sensitivity_chart(title: &str, bars: &[Bar]) -> String {
    let row = 44.0;
    let (left, right, top) = (130.0, 30.0, 50.0);
    let w = 760.0;
    let h = top + row * bars.len() as f64 + 50.0;
    let pw = w - left - right;
    let x = |v: f64| left + v.clamp(0.0, 1.0) * pw;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="{w}" height="{h}" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
<text x="{left}" y="40"><tspan fill="#4d7ea8">&#9632; first order</tspan>  <tspan fill="#b2182b">&#9632; total</tspan>  (lines: bootstrap interval)</text>"##,
        w / 2.0,
        escape(title)
    );
    for (k, b) in bars.iter().enumerate() {
        let y0 = top + row * k as f64 + 6.0;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y0 + 18.0,
            escape(&b.input)
        );
        for (off, (v, lo, hi), colour) in [(0.0, b.first, "#4d7ea8"), (16.0, b.total, "#b2182b")] {
            let yb = y0 + off;
            let _ = writeln!(
                s,
                r#"<rect x="{left}" y="{yb:.1}" width="{:.1}" height="12" fill="{colour}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="black"/>"#,
                x(v) - left,
                x(lo),
                yb + 6.0,
                x(hi),
                yb + 6.0
            );
        }
    }
    let yb = top + row * bars.len() as f64 + 4.0;
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{:.1}" y1="{top}" x2="{:.1}" y2="{yb:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{v:.2}</text>"##,
            x(v),
            x(v),
            x(v),
            yb + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Sobol index on the mean absolute rank shift</text>
</svg>"#,
        left + pw / 2.0,
        yb + 36.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_chart_thins_large_inputs_and_marks_the_threshold() {
        let iv: Vec<Interval> = (1..=30_000)
            .map(|r| Interval {
                nominal: r,
                median: r,
                low: r.saturating_sub(5).max(1),
                high: r + 5,
                p_band: Some(if r < 6000 { 1.0 } else { 0.0 }),
            })
            .collect();
        let svg = interval_chart("t <&>", 30_000, &iv, Some((6000, "coldspot")));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("coldspot threshold (rank 6000)"));
        assert!(svg.contains("t &lt;&amp;&gt;"));
        let lines = svg.matches("<line").count();
        assert!(lines <= MAX_INTERVALS + 10, "{lines} lines");
        assert!(svg.len() < 400_000, "{} bytes", svg.len());
    }

    #[test]
    fn sensitivity_chart_has_a_bar_pair_per_input() {
        let bars = vec![
            Bar {
                input: "weights".into(),
                first: (0.2, 0.1, 0.3),
                total: (0.4, 0.3, 0.5),
            },
            Bar {
                input: "aggregation".into(),
                first: (0.5, 0.4, 0.6),
                total: (0.6, 0.5, 0.7),
            },
        ];
        let svg = sensitivity_chart("s", &bars);
        assert_eq!(svg.matches("<rect x=\"130\"").count(), 4);
        assert!(svg.contains(">aggregation<"));
    }
}
