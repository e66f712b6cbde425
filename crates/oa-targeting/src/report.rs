//! `allocations.md`: each fund's figures in words, differences shown, not hidden.

use crate::allocate::FundOutcome;
use oa_model::Pence;
use std::fmt::Write as _;

/// The funds report: per fund, the total, who pays, the formula, what was allocated and
/// what was not, and the amount per area.
pub fn allocations_markdown(funds: &[FundOutcome]) -> String {
    let mut s = String::from(
        "# Funds and allocations\n\nAmounts are exact to the penny; shares are rounded by largest remainder (ties to the smaller area id), so each fund's lines add up to what it allocates.\n",
    );
    for f in funds {
        writeln!(s, "\n## {} (`{}`)\n", f.name, f.id).ok();
        writeln!(s, "- Total: {}", f.total).ok();
        if !f.funders.is_empty() {
            let parts: Vec<String> = f.funders.iter().map(|(n, a)| format!("{n} {a}")).collect();
            writeln!(
                s,
                "- Funders: {} (they add up to the total)",
                parts.join(" + ")
            )
            .ok();
        }
        writeln!(s, "- Formula: {}", f.formula).ok();
        writeln!(s, "- Periods: {}", f.periods.join(", ")).ok();
        writeln!(s, "- Allocated to areas: {}", f.allocated).ok();
        let un = f.unallocated();
        if un != Pence::ZERO {
            writeln!(
                s,
                "- **Not allocated: {un}** (total {} less allocated {})",
                f.total, f.allocated
            )
            .ok();
        } else {
            writeln!(s, "- Not allocated: nothing").ok();
        }
        for n in &f.notes {
            writeln!(s, "- Note: {n}").ok();
        }
        if f.lines.is_empty() {
            continue;
        }
        writeln!(s, "\n| area | amount | share | basis |").ok();
        writeln!(s, "|---|---:|---:|---|").ok();
        for a in &f.areas {
            let bound = if a.bound.is_empty() {
                String::new()
            } else {
                format!(" (at the {})", a.bound)
            };
            writeln!(
                s,
                "| {} ({}) | {} | {:.2}% | {}{bound} |",
                a.name,
                a.id,
                a.amount,
                a.share * 100.0,
                f.basis_of(a)
            )
            .ok();
        }
        writeln!(s, "| **total** | **{}** | | |", f.allocated).ok();
    }
    s
}
