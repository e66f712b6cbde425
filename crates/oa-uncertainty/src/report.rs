//! The Sobol indices as a chart (the rank-interval chart is drawn by the pipeline from
//! the intervals it writes, so both show the same ranks).

use crate::chart::{Bar, sensitivity_chart};
use crate::montecarlo::Outcome;

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
