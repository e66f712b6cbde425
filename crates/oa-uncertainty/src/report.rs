//! The analysis as text: `uncertainty.csv`, `sensitivity.csv` and the two charts.

use crate::chart::{Bar, Interval, interval_chart, sensitivity_chart};
use crate::montecarlo::Outcome;
use crate::problem::Problem;

/// A probability or index with at most 6 decimals, trailing zeros trimmed.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return String::new();
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Quotes a CSV field when it needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Per-area summaries in the engine's area order. `area_codes` are the input areas
/// (the problem's `kept` index into them); `p_selected`, when given, is one probability
/// per kept area.
pub fn uncertainty_csv(
    p: &Problem,
    o: &Outcome,
    area_codes: &[String],
    p_selected: Option<&[f64]>,
) -> String {
    let mut out = String::from("area_code,nominal_rank,median_rank,p05_rank,p95_rank");
    for b in &p.bands {
        out.push_str(",p_");
        out.push_str(&b.name);
    }
    if p_selected.is_some() {
        out.push_str(",p_selected");
    }
    out.push('\n');
    let s = &o.summary;
    for (i, &a) in p.kept.iter().enumerate() {
        let code = area_codes
            .get(a)
            .map_or_else(|| format!("#{}", a + 1), |c| c.clone());
        out.push_str(&format!(
            "{},{},{},{},{}",
            field(&code),
            p.nominal_ranks[i],
            s.quantile(i, 0.5),
            s.quantile(i, 0.05),
            s.quantile(i, 0.95)
        ));
        for b in 0..p.bands.len() {
            out.push(',');
            out.push_str(&number(s.band_probability(i, b)));
        }
        if let Some(ps) = p_selected {
            out.push(',');
            out.push_str(&number(ps[i]));
        }
        out.push('\n');
    }
    out
}

/// One row per uncertain input (empty body when there is no Sobol analysis).
pub fn sensitivity_csv(o: &Outcome) -> String {
    let mut out = String::from(
        "input,first_order,first_order_low,first_order_high,total,total_low,total_high\n",
    );
    for (name, ix) in o.sobol.iter().flatten() {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            field(name),
            number(ix.first_order),
            number(ix.first_order_low),
            number(ix.first_order_high),
            number(ix.total),
            number(ix.total_low),
            number(ix.total_high)
        ));
    }
    out
}

/// The rank-interval chart; the first band at the rank-1 end is marked (its nominal
/// size as threshold) and colours the intervals by its probability.
pub fn uncertainty_svg(p: &Problem, o: &Outcome, title: &str) -> String {
    let n = p.nominal_ranks.iter().filter(|&&r| r > 0).count();
    let marked = p.bands.iter().position(|b| b.end == p.rank_1);
    let intervals: Vec<Interval> = (0..p.n_areas())
        .map(|i| Interval {
            nominal: p.nominal_ranks[i],
            median: o.summary.quantile(i, 0.5),
            low: o.summary.quantile(i, 0.05),
            high: o.summary.quantile(i, 0.95),
            p_band: marked.map(|b| o.summary.band_probability(i, b)),
        })
        .collect();
    let threshold = marked.map(|b| (p.bands[b].size(n) as u32, p.bands[b].name.as_str()));
    interval_chart(title, p.n_areas(), &intervals, threshold)
}

/// The Sobol chart (None without a Sobol analysis).
pub fn sensitivity_svg(o: &Outcome, title: &str) -> Option<String> {
    let rows = o.sobol.as_ref()?;
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(name, ix)| Bar {
            input: name.clone(),
            first: (ix.first_order, ix.first_order_low, ix.first_order_high),
            total: (ix.total, ix.total_low, ix.total_high),
        })
        .collect();
    Some(sensitivity_chart(title, &bars))
}
