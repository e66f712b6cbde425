//! The audit as SVG charts, written as text for the caller to save: the indicator
//! correlation matrix (grouped as the index is, flagged pairs outlined), effective
//! weights beside correlation-based importance, and the rank changes when each indicator
//! is removed. Colours: a blue-white-orange diverging scale for correlations, Okabe-Ito
//! blue and orange for bars.

use super::{AuditReport, ElementKind, PairFlag};
use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(s: &mut String, w: f64, h: f64, title: &str) {
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<rect width="{w}" height="{h}" fill="white"/>
<text x="{:.1}" y="20" text-anchor="middle" font-size="14">{}</text>"##,
        w / 2.0,
        escape(title)
    );
}

/// Diverging colour for a correlation in [-1, 1]: orange (-1), white (0), blue (+1);
/// light grey when undefined.
pub fn correlation_colour(r: f64) -> String {
    if r.is_nan() {
        return "#dddddd".to_string();
    }
    let r = r.clamp(-1.0, 1.0);
    let (end, t) = if r >= 0.0 {
        ((0x00, 0x72, 0xb2), r)
    } else {
        ((0xe6, 0x9f, 0x00), -r)
    };
    let mix = |c: u8| (255.0 + (f64::from(c) - 255.0) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(end.0), mix(end.1), mix(end.2))
}

/// The indicator correlation matrix as a heat map, indicators in study order with a line
/// between groups; pairs flagged within a group are outlined in black.
pub fn correlation_chart(report: &AuditReport) -> String {
    let c = &report.correlations;
    let k = c.ids.len();
    let cell = (560.0 / k.max(1) as f64).clamp(8.0, 28.0);
    let label = 12.0 + 6.5 * c.ids.iter().map(|s| s.chars().count()).max().unwrap_or(1) as f64;
    let (left, top) = (label + 10.0, label + 40.0);
    let w = left + cell * k as f64 + 150.0;
    let h = top + cell * k as f64 + 30.0;
    let mut s = String::new();
    let kind = match c.kind {
        oa_model::study::audit::CorrelationKind::Pearson => "Pearson",
        oa_model::study::audit::CorrelationKind::Spearman => "Spearman",
    };
    header(
        &mut s,
        w,
        h,
        &format!("Correlations of the normalised indicators ({kind})"),
    );
    for (i, id) in c.ids.iter().enumerate() {
        let y = top + cell * (i as f64 + 0.5);
        let x = left + cell * (i as f64 + 0.5);
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{y:.1}" text-anchor="end" dominant-baseline="middle">{}</text>
<text transform="translate({x:.1},{:.1}) rotate(-60)">{}</text>"##,
            left - 4.0,
            escape(id),
            top - 4.0,
            escape(id)
        );
    }
    for (a, row) in c.matrix.iter().enumerate() {
        for (b, &r) in row.iter().enumerate() {
            let _ = writeln!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{cell:.1}" height="{cell:.1}" fill="{}"><title>{} / {}: {}</title></rect>"##,
                left + cell * b as f64,
                top + cell * a as f64,
                correlation_colour(r),
                escape(&c.ids[a]),
                escape(&c.ids[b]),
                if r.is_nan() {
                    "undefined".to_string()
                } else {
                    format!("{r:.3}")
                }
            );
        }
    }
    for p in c.pairs.iter().filter(|p| p.flag.is_some()) {
        let (Some(a), Some(b)) = (
            c.ids.iter().position(|x| *x == p.a),
            c.ids.iter().position(|x| *x == p.b),
        ) else {
            continue;
        };
        for (x, y) in [(a, b), (b, a)] {
            let dash = if p.flag == Some(PairFlag::Low) {
                r#" stroke-dasharray="3 2""#
            } else {
                ""
            };
            let _ = writeln!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{cell:.1}" height="{cell:.1}" fill="none" stroke="black" stroke-width="2"{dash}/>"##,
                left + cell * x as f64,
                top + cell * y as f64
            );
        }
    }
    // Group boundaries: where the parent changes along the study order.
    let parents: Vec<&str> = report
        .indicators
        .iter()
        .map(|x| x.parent.as_str())
        .collect();
    for i in 1..k {
        if parents[i] != parents[i - 1] {
            let p = cell * i as f64;
            let end = cell * k as f64;
            let _ = writeln!(
                s,
                r##"<line x1="{left:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>
<line x1="{:.1}" y1="{top:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
                top + p,
                left + end,
                top + p,
                left + p,
                left + p,
                top + end
            );
        }
    }
    // Legend.
    let lx = left + cell * k as f64 + 30.0;
    for (j, r) in [1.0, 0.5, 0.0, -0.5, -1.0].iter().enumerate() {
        let y = top + 20.0 * j as f64;
        let _ = writeln!(
            s,
            r##"<rect x="{lx:.1}" y="{y:.1}" width="16" height="16" fill="{}" stroke="#999"/><text x="{:.1}" y="{:.1}">{r:+.1}</text>"##,
            correlation_colour(*r),
            lx + 22.0,
            y + 12.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}">outlined: flagged pair</text>
<text x="{lx:.1}" y="{:.1}">(dashed: trade-off)</text>
</svg>"##,
        top + 120.0,
        top + 135.0
    );
    s
}

/// Horizontal bars per indicator: effective weight (what the weights give it) and
/// importance (its squared correlation with the index as a share), and the optimised
/// effective weight when weights were optimised.
pub fn weights_chart(report: &AuditReport) -> String {
    let rows: Vec<&super::EffectiveWeight> = report
        .weights
        .iter()
        .filter(|w| w.kind == ElementKind::Indicator)
        .collect();
    let ids = &report.correlations.ids;
    let optimised: Option<Vec<f64>> = report.optimised.as_ref().map(|o| {
        rows.iter()
            .map(|w| {
                ids.iter()
                    .position(|i| *i == w.id)
                    .map_or(f64::NAN, |i| o.effective[i])
            })
            .collect()
    });
    let series = if optimised.is_some() { 3.0 } else { 2.0 };
    let bar = 7.0;
    let row_h = bar * series + 6.0;
    let label = 12.0 + 6.5 * rows.iter().map(|w| w.id.chars().count()).max().unwrap_or(1) as f64;
    let (left, top, plot) = (label + 10.0, 60.0, 480.0);
    let w = left + plot + 60.0;
    let h = top + row_h * rows.len() as f64 + 40.0;
    let max = rows
        .iter()
        .flat_map(|w| [w.effective, w.importance])
        .chain(optimised.iter().flatten().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let mut s = String::new();
    header(
        &mut s,
        w,
        h,
        "Effective weights and importance of the indicators",
    );
    let legend = [
        ("#0072b2", "effective weight"),
        ("#e69f00", "importance (r² share)"),
        ("#009e73", "optimised effective weight"),
    ];
    for (j, (colour, text)) in legend.iter().take(series as usize).enumerate() {
        let x = left + 170.0 * j as f64;
        let _ = writeln!(
            s,
            r##"<rect x="{x:.1}" y="32" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="42">{text}</text>"##,
            x + 16.0
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let y0 = top + row_h * r as f64;
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"##,
            left - 4.0,
            y0 + row_h / 2.0 - 3.0,
            escape(&row.id)
        );
        let mut values = vec![(row.effective, "#0072b2"), (row.importance, "#e69f00")];
        if let Some(o) = &optimised {
            values.push((o[r], "#009e73"));
        }
        for (j, (v, colour)) in values.iter().enumerate() {
            let v = if v.is_finite() { *v } else { 0.0 };
            let _ = writeln!(
                s,
                r##"<rect x="{left:.1}" y="{:.1}" width="{:.1}" height="{bar}" fill="{colour}"><title>{}: {v:.4}</title></rect>"##,
                y0 + bar * j as f64,
                plot * v / max,
                escape(&row.id)
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<line x1="{left:.1}" y1="{top:.1}" x2="{left:.1}" y2="{:.1}" stroke="#333"/>
<text x="{:.1}" y="{:.1}" text-anchor="end">{max:.3}</text>
</svg>"##,
        h - 40.0,
        left + plot,
        h - 20.0
    );
    s
}

/// Mean (bar) and largest (tick) absolute rank change per indicator removed.
pub fn removal_chart(report: &AuditReport) -> String {
    let rows = &report.removal;
    let label = 12.0
        + 6.5
            * rows
                .iter()
                .map(|x| x.indicator.chars().count())
                .max()
                .unwrap_or(1) as f64;
    let (left, top, plot, row_h) = (label + 10.0, 50.0, 480.0, 18.0);
    let w = left + plot + 80.0;
    let h = top + row_h * rows.len() as f64 + 40.0;
    let max = rows
        .iter()
        .map(|x| f64::from(x.max_abs_shift))
        .fold(1.0f64, f64::max);
    let mut s = String::new();
    header(
        &mut s,
        w,
        h,
        "Rank change when each indicator is removed (bar: mean, tick: largest)",
    );
    for (r, x) in rows.iter().enumerate() {
        let y = top + row_h * r as f64;
        let mean = if x.mean_abs_shift.is_finite() {
            x.mean_abs_shift
        } else {
            0.0
        };
        let tick = left + plot * f64::from(x.max_abs_shift) / max;
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>
<rect x="{left:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#0072b2"><title>{}: mean {mean:.2}, largest {}, {} areas move</title></rect>
<line x1="{tick:.1}" y1="{:.1}" x2="{tick:.1}" y2="{:.1}" stroke="#d55e00" stroke-width="2"/>"##,
            left - 4.0,
            y + row_h / 2.0,
            escape(&x.indicator),
            y + 3.0,
            plot * mean / max,
            row_h - 6.0,
            escape(&x.indicator),
            x.max_abs_shift,
            x.areas_moved,
            y + 1.0,
            y + row_h - 1.0
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{left:.1}" y1="{top:.1}" x2="{left:.1}" y2="{:.1}" stroke="#333"/>
<text x="{:.1}" y="{:.1}" text-anchor="end">{max} ranks</text>
</svg>"##,
        h - 40.0,
        left + plot,
        h - 20.0
    );
    s
}

/// Every audit chart with the file name it is meant for.
pub fn audit_charts(report: &AuditReport) -> Vec<(&'static str, String)> {
    vec![
        ("audit_correlations.svg", correlation_chart(report)),
        ("audit_weights.svg", weights_chart(report)),
        ("audit_removal.svg", removal_chart(report)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_orange_through_white_to_blue() {
        assert_eq!(correlation_colour(1.0), "#0072b2");
        assert_eq!(correlation_colour(-1.0), "#e69f00");
        assert_eq!(correlation_colour(0.0), "#ffffff");
        assert_eq!(correlation_colour(f64::NAN), "#dddddd");
        assert_eq!(correlation_colour(7.0), "#0072b2");
    }
}
