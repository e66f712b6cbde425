//! The analysis as charts: rank intervals and Sobol indices (the tables are the
//! results bundle's).

use crate::chart::{Bar, Interval, interval_chart, sensitivity_chart};
use crate::montecarlo::Outcome;

/// The rank-interval chart; the first band at the rank-1 end is marked (its nominal
/// size as threshold) and colours the intervals by its probability.
pub fn uncertainty_svg(o: &Outcome, title: &str) -> String {
    let n = o.nominal_ranks.iter().filter(|&&r| r > 0).count();
    let marked = o.bands.iter().position(|b| b.end == o.rank_1);
    let intervals: Vec<Interval> = (0..o.units)
        .map(|i| {
            let [low, median, high] = o.summary.quantiles(i, [0.05, 0.5, 0.95]);
            Interval {
                nominal: o.nominal_ranks[i],
                median,
                low,
                high,
                p_band: marked.map(|b| o.summary.band_probability(i, b)),
            }
        })
        .collect();
    let threshold = marked.map(|b| (o.bands[b].size(n) as u32, o.bands[b].name.as_str()));
    interval_chart(title, o.units, &intervals, threshold)
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
