//! Funds and allocation in exact pence.
//!
//! Every amount is an integer number of pence. Shares are rounded by largest remainder
//! (ties go to the smaller area id) so that a fund's lines add up to exactly what it
//! allocates; floors and caps are met by fixing areas at a bound one side at a time until
//! nothing moves (the fixed point of `clamp(λ·w, floor, cap)` summing to the fund).

use crate::TargetingError;
use oa_model::Pence;
use oa_model::study::funding::{Formula, Fund};

/// An area a fund may pay, with the value of the formula's measure when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct FundedArea {
    pub id: String,
    pub name: String,
    pub measure: Option<f64>,
}

/// What one area receives from a fund over all periods.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaAllocation {
    pub id: String,
    pub name: String,
    pub amount: Pence,
    /// The area's share of the fund's total.
    pub share: f64,
    /// The formula's measure for the area, when it has one.
    pub measure: Option<f64>,
    /// `floor`, `cap` or empty.
    pub bound: &'static str,
}

/// One line of `allocations.csv`: an area's amount in one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllocationLine {
    /// Index into [`FundOutcome::areas`].
    pub area: usize,
    /// Index into [`FundOutcome::periods`].
    pub period: usize,
    pub amount: Pence,
    /// Money the area must find under match funding.
    pub match_amount: Option<Pence>,
}

/// A fund after allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct FundOutcome {
    pub id: String,
    pub name: String,
    pub total: Pence,
    pub allocated: Pence,
    pub formula: &'static str,
    /// What each amount rests on: `equal share`, `published amount`, `£200,000.00 per
    /// area`, or the measure's id (followed by the area's value).
    pub basis: String,
    pub funders: Vec<(String, Pence)>,
    pub periods: Vec<String>,
    /// Funded areas in id order.
    pub areas: Vec<AreaAllocation>,
    /// Area by period, area-major.
    pub lines: Vec<AllocationLine>,
    /// Sentences for `allocations.md` (re-scaling, differences, formula notes).
    pub notes: Vec<String>,
}

impl FundOutcome {
    pub fn unallocated(&self) -> Pence {
        self.total - self.allocated
    }

    /// The basis of one area's amount in words, e.g. `population 147,000`.
    pub fn basis_of(&self, area: &AreaAllocation) -> String {
        match area.measure {
            Some(v) => format!("{} {}", self.basis, group_thousands(v)),
            None => self.basis.clone(),
        }
    }
}

/// Allocates one fund over `areas` (put in id order for deterministic rounding).
pub fn allocate(fund: &Fund, mut areas: Vec<FundedArea>) -> Result<FundOutcome, TargetingError> {
    let fail = |message: String| TargetingError::Fund {
        fund: fund.id.clone(),
        message,
    };
    let total = fund.total.0;
    if total <= Pence::ZERO {
        return Err(fail(format!("the total must be above zero (got {total})")));
    }
    if !fund.funders.is_empty() {
        let parts: Pence = fund.funders.iter().map(|f| f.amount.0).sum();
        if parts != total {
            return Err(fail(format!(
                "the funders' parts add up to {parts}, not the total {total}"
            )));
        }
    }
    if !areas.is_sorted_by(|a, b| a.id < b.id) {
        areas.sort_by(|a, b| a.id.cmp(&b.id));
        areas.dedup_by(|a, b| a.id == b.id);
    }
    if areas.is_empty() && !matches!(fund.formula, Formula::None) {
        return Err(fail("there are no areas to fund".into()));
    }
    if (fund.floor.is_some() || fund.cap.is_some())
        && !matches!(fund.formula, Formula::Equal | Formula::Proportional { .. })
    {
        return Err(fail(
            "floor and cap apply only to the equal and proportional formulas".into(),
        ));
    }
    let mut notes = Vec::new();
    let mut bounds: Vec<&'static str> = vec![""; areas.len()];
    let mut keep_measure = false;
    let basis: String;
    let amounts: Vec<i64> = match &fund.formula {
        Formula::None => {
            if fund.note.is_empty() {
                notes.push("not allocated by formula".to_string());
            }
            basis = "not allocated by formula".into();
            Vec::new()
        }
        Formula::Equal | Formula::Proportional { .. } => {
            let weights: Vec<f64> = match &fund.formula {
                Formula::Proportional { measure } => {
                    let mut w = Vec::with_capacity(areas.len());
                    for a in &areas {
                        let v = a.measure.ok_or_else(|| {
                            fail(format!(
                                "the measure `{measure}` has no value for area {} ({}); the formula needs one for every funded area",
                                a.id, a.name
                            ))
                        })?;
                        if !v.is_finite() || v < 0.0 {
                            return Err(fail(format!(
                                "the measure `{measure}` is {v} for area {}; shares need values >= 0",
                                a.id
                            )));
                        }
                        w.push(v);
                    }
                    if w.iter().all(|&v| v == 0.0) {
                        return Err(fail(format!(
                            "the measure `{measure}` is zero for every area"
                        )));
                    }
                    keep_measure = true;
                    basis = measure.clone();
                    w
                }
                _ => {
                    basis = "equal share".into();
                    vec![1.0; areas.len()]
                }
            };
            let floor = fund.floor.map(|m| m.0.pence());
            let cap = fund.cap.map(|m| m.0.pence());
            let (amounts, which) =
                bounded_shares(total.pence(), &weights, floor, cap).map_err(fail)?;
            bounds = which;
            amounts
        }
        Formula::PerArea { amount } => {
            basis = format!("{} per area", amount.0);
            let sum = amount.0.pence().checked_mul(areas.len() as i64);
            match sum {
                Some(s) if s <= total.pence() => vec![amount.0.pence(); areas.len()],
                _ => {
                    return Err(fail(format!(
                        "{} for each of {} areas is more than the total {total}",
                        amount.0,
                        areas.len()
                    )));
                }
            }
        }
        Formula::Fixed { amounts } => {
            for id in amounts.keys() {
                if areas.binary_search_by(|a| a.id.as_str().cmp(id)).is_err() {
                    return Err(fail(format!(
                        "formula.amounts names `{id}`, which is not a funded area"
                    )));
                }
            }
            let mut out = Vec::with_capacity(areas.len());
            for a in &areas {
                let m = amounts.get(&a.id).ok_or_else(|| {
                    fail(format!(
                        "no published amount for area {} ({}); add it to formula.amounts",
                        a.id, a.name
                    ))
                })?;
                out.push(m.0.pence());
            }
            basis = "published amount".into();
            let sum: i64 = out.iter().sum();
            if sum > total.pence() {
                return Err(fail(format!(
                    "the published amounts add up to {}, more than the total {total}",
                    Pence(sum)
                )));
            }
            out
        }
    };
    let allocated = Pence(amounts.iter().sum());
    if allocated != total {
        notes.push(format!(
            "allocated {allocated} of {total}: {} not allocated to areas",
            total - allocated
        ));
    }
    if let Some(r) = &fund.rescaled_from {
        let n = areas.len() as i128;
        let numer = r.total.0.pence() as i128 * n;
        let implied = Pence(((numer * 2 + r.areas as i128) / (2 * r.areas as i128)) as i64);
        let per_area_before = Pence(r.total.0.pence() / r.areas as i64);
        if implied == total {
            notes.push(format!(
                "first announced as {} for {} areas ({} each); re-scaled proportionately to {} areas gives {implied}, the total declared",
                r.total.0, r.areas, per_area_before, n
            ));
        } else {
            notes.push(format!(
                "first announced as {} for {} areas; re-scaled proportionately to {} areas that would be {implied}, but the total declared is {total} (difference {})",
                r.total.0,
                r.areas,
                n,
                total - implied
            ));
        }
    }
    let periods: Vec<String> = if fund.periods.is_empty() {
        vec!["all".to_string()]
    } else {
        fund.periods.iter().map(|p| p.id.clone()).collect()
    };
    let period_weights: Vec<f64> = if fund.periods.is_empty() {
        vec![1.0]
    } else {
        fund.periods.iter().map(|p| p.weight).collect()
    };
    let mut lines = Vec::with_capacity(amounts.len() * periods.len());
    for (i, &amount) in amounts.iter().enumerate() {
        let split = if period_weights.len() == 1 {
            vec![amount]
        } else {
            largest_remainder(amount, &period_weights)
        };
        for (p, part) in split.into_iter().enumerate() {
            lines.push(AllocationLine {
                area: i,
                period: p,
                amount: Pence(part),
                match_amount: fund
                    .match_ratio
                    .map(|r| Pence((part as f64 * r).round() as i64)),
            });
        }
    }
    if !fund.note.is_empty() {
        notes.push(fund.note.clone());
    }
    let total_f = total.pence() as f64;
    let out_areas: Vec<AreaAllocation> = if amounts.is_empty() {
        Vec::new()
    } else {
        areas
            .into_iter()
            .zip(amounts.iter().zip(bounds))
            .map(|(a, (&amount, bound))| AreaAllocation {
                id: a.id,
                name: a.name,
                amount: Pence(amount),
                share: amount as f64 / total_f,
                measure: if keep_measure { a.measure } else { None },
                bound,
            })
            .collect()
    };
    Ok(FundOutcome {
        id: fund.id.clone(),
        name: if fund.name.is_empty() {
            fund.id.clone()
        } else {
            fund.name.clone()
        },
        total,
        allocated,
        formula: fund.formula.name(),
        basis,
        funders: fund
            .funders
            .iter()
            .map(|f| (f.name.clone(), f.amount.0))
            .collect(),
        periods,
        areas: out_areas,
        lines,
        notes,
    })
}

/// Splits `total` pence in proportion to `weights` (>= 0, not all 0), each part the floor
/// of its exact quota plus one penny for the largest remainders (ties: smaller index).
/// The parts always add up to `total`. Integral weights are handled in exact integer
/// arithmetic; others in floating point with the same guarantee on the sum.
pub fn largest_remainder(total: i64, weights: &[f64]) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let wsum: f64 = weights.iter().sum();
    if wsum <= 0.0 {
        // Nothing to weigh by: equal shares.
        return largest_remainder(total, &vec![1.0; n]);
    }
    let integral = weights
        .iter()
        .all(|w| w.fract() == 0.0 && *w >= 0.0 && *w < 9.0e15)
        && wsum < 9.0e15;
    let mut parts: Vec<i64>;
    // Remainders as comparable keys: exact numerators when integral.
    let mut order: Vec<usize> = (0..n).collect();
    if integral {
        let w: Vec<i128> = weights.iter().map(|&x| x as i128).collect();
        let ws: i128 = w.iter().sum();
        let t = total as i128;
        parts = w.iter().map(|&x| (t * x).div_euclid(ws) as i64).collect();
        let rem: Vec<i128> = w.iter().map(|&x| (t * x).rem_euclid(ws)).collect();
        let left = (total - parts.iter().sum::<i64>()) as usize;
        top_first(&mut order, left, |a, b| rem[b].cmp(&rem[a]).then(a.cmp(&b)));
    } else {
        let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / wsum).collect();
        parts = quotas.iter().map(|q| q.floor() as i64).collect();
        let rem: Vec<f64> = quotas
            .iter()
            .zip(&parts)
            .map(|(q, p)| q - *p as f64)
            .collect();
        let left = (total - parts.iter().sum::<i64>()).clamp(0, n as i64) as usize;
        top_first(&mut order, left, |a, b| {
            rem[b].total_cmp(&rem[a]).then(a.cmp(&b))
        });
    }
    let mut left = total - parts.iter().sum::<i64>();
    // Float drift can leave more (or less) than n pennies; go round again until exact.
    while left != 0 {
        for &i in &order {
            if left == 0 {
                break;
            }
            if left > 0 {
                parts[i] += 1;
                left -= 1;
            } else if weights[i] > 0.0 {
                parts[i] -= 1;
                left += 1;
            }
        }
    }
    parts
}

/// Puts the `k` first elements (by `cmp`) at the front, in order, in O(n + k log k):
/// only the pennies handed out need ordering.
fn top_first(order: &mut [usize], k: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) {
    if k == 0 || order.is_empty() {
        return;
    }
    if k < order.len() {
        order.select_nth_unstable_by(k, |&a, &b| cmp(a, b));
    }
    let end = k.min(order.len());
    order[..end].sort_by(|&a, &b| cmp(a, b));
}

/// Proportional shares bounded by a floor and a cap (in pence): `clamp(λ·w, floor, cap)`
/// with λ such that they add up to `total`, rounded by largest remainder. Returns the
/// amounts and, for each area, `floor`, `cap` or "".
pub fn bounded_shares(
    total: i64,
    weights: &[f64],
    floor: Option<i64>,
    cap: Option<i64>,
) -> Result<(Vec<i64>, Vec<&'static str>), String> {
    let n = weights.len();
    let lo = floor.unwrap_or(0);
    let hi = cap.unwrap_or(i64::MAX);
    if (lo as i128) * n as i128 > total as i128 {
        return Err(format!(
            "a floor of {} for each of {n} areas needs {}, more than the total {}",
            Pence(lo),
            Pence((lo as i128 * n as i128) as i64),
            Pence(total)
        ));
    }
    if cap.is_some() && (hi as i128) * (n as i128) < total as i128 {
        return Err(format!(
            "a cap of {} for each of {n} areas allows only {}, less than the total {}; raise the cap or lower the total",
            Pence(hi),
            Pence((hi as i128 * n as i128) as i64),
            Pence(total)
        ));
    }
    let mut fixed: Vec<Option<(i64, &'static str)>> = vec![None; n];
    loop {
        let free: Vec<usize> = (0..n).filter(|&i| fixed[i].is_none()).collect();
        if free.is_empty() {
            break;
        }
        let rest = total - fixed.iter().flatten().map(|f| f.0).sum::<i64>();
        let wf: f64 = free.iter().map(|&i| weights[i]).sum();
        let quota: Vec<f64> = free
            .iter()
            .map(|&i| {
                if wf > 0.0 {
                    rest as f64 * weights[i] / wf
                } else {
                    rest as f64 / free.len() as f64
                }
            })
            .collect();
        let mut low = Vec::new();
        let mut high = Vec::new();
        let (mut deficit, mut excess) = (0.0, 0.0);
        for (&i, &q) in free.iter().zip(&quota) {
            if q < lo as f64 {
                low.push(i);
                deficit += lo as f64 - q;
            } else if q > hi as f64 {
                high.push(i);
                excess += q - hi as f64;
            }
        }
        if low.is_empty() && high.is_empty() {
            break;
        }
        // Fix only the side that must move: with more deficit than excess the common
        // factor falls, so areas below the floor stay below it (and vice versa).
        if deficit >= excess && !low.is_empty() {
            low.iter().for_each(|&i| fixed[i] = Some((lo, "floor")));
        }
        if excess >= deficit && !high.is_empty() {
            high.iter().for_each(|&i| fixed[i] = Some((hi, "cap")));
        }
    }
    let free: Vec<usize> = (0..n).filter(|&i| fixed[i].is_none()).collect();
    let rest = total - fixed.iter().flatten().map(|f| f.0).sum::<i64>();
    let free_weights: Vec<f64> = free.iter().map(|&i| weights[i]).collect();
    let parts = largest_remainder(rest, &free_weights);
    let mut out = vec![0; n];
    let mut which = vec![""; n];
    for (i, f) in fixed.iter().enumerate() {
        if let Some((v, w)) = f {
            out[i] = *v;
            which[i] = w;
        }
    }
    for (&i, p) in free.iter().zip(parts) {
        out[i] = p;
    }
    Ok((out, which))
}

fn group_thousands(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let s = format!("{}", v.abs() as i64);
        let mut g = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                g.push(',');
            }
            g.push(ch);
        }
        if v < 0.0 { format!("-{g}") } else { g }
    } else {
        format!("{v:.3}")
    }
}
