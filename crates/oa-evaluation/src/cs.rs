//! Callaway and Sant'Anna (2021) group-time average treatment effects, without covariates.
//!
//! For group `g` (first treated period) and period `t`,
//! `ATT(g,t) = mean(Y_t - Y_b | G = g) - mean(Y_t - Y_b | C)` where `C` is the never
//! treated (or, with [`ControlGroup::NotYetTreated`], the units not yet treated by
//! `max(t, b) + anticipation`, other than `g`), and the base `b` is `g - 1 - anticipation`
//! after treatment; before treatment it is `t - 1` ("varying") or `g - 1 - anticipation`
//! ("universal", which also reports `ATT(g, b) = 0`). Without covariates R `did`'s doubly
//! robust estimator is exactly this difference of mean changes, and its influence
//! function is `D (dY - m_G) / p - (1 - D)(dY - m_C) / (1 - p)` on the units of `G` and
//! `C` (`p` their treated share), scaled by `n / n_gt` and zero elsewhere, so standard
//! errors are `sqrt(sum IF^2) / n`: clustered by unit, as `did` does for panels.
//!
//! Aggregations follow `did::aggte` (simple, event time, group, calendar), including the
//! influence function of the estimated group shares. The multiplier bootstrap draws
//! Rademacher weights per unit (R `did`, Python `csdid`): `sqrt(n) mean(IF v)` per draw;
//! the bootstrap standard error is the interquartile range over `1.349`, and the uniform
//! band's critical value the `1 - alpha` quantile (type 1) of the largest `|t|` over the
//! estimates. Draws have their own seeded generators, so results do not depend on threads.
//!
//! Event time and calendar time count panel periods (`e = 1` is the period after the
//! first treated one), which equals R's year arithmetic on consecutive years.

use crate::error::EvalError;
use crate::panel::Panel;
use crate::stats::{
    self, normal_interval, normal_p_value, normal_quantile, quantile_type1, quantile_type1_sorted,
};
use crate::treatment::Treatment;
use rayon::prelude::*;

/// Which units are the comparison for `ATT(g,t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlGroup {
    /// Units never treated within the panel (R `did`'s default).
    #[default]
    NeverTreated,
    /// Never treated, plus units first treated after `max(t, b) + anticipation`.
    NotYetTreated,
}

/// The base period of pre-treatment cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasePeriod {
    /// `b = t - 1` before treatment (R `did`'s default).
    #[default]
    Varying,
    /// `b = g - 1 - anticipation` throughout.
    Universal,
}

/// Options of the estimator (defaults: R `did` / Python `csdid`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsOptions {
    pub control: ControlGroup,
    pub base: BasePeriod,
    /// Multiplier bootstrap draws; `None` gives analytic standard errors and pointwise
    /// intervals only. R's default is 1000.
    pub bootstrap: Option<usize>,
    pub seed: u64,
    /// Interval coverage (R's `1 - alp`).
    pub level: f64,
}

impl Default for CsOptions {
    fn default() -> Self {
        CsOptions {
            control: ControlGroup::NeverTreated,
            base: BasePeriod::Varying,
            bootstrap: Some(1000),
            seed: 1,
            level: 0.95,
        }
    }
}

/// An estimate with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    /// Bootstrap standard error when bootstrapping, else the analytic one.
    pub se: f64,
    /// The influence-function standard error.
    pub se_analytic: f64,
    /// Pointwise interval (normal, with `se`).
    pub ci_low: f64,
    pub ci_high: f64,
    /// Simultaneous band over the estimates of the same table (bootstrap critical value);
    /// equal to the pointwise interval without bootstrap.
    pub band_low: f64,
    pub band_high: f64,
    /// Two-sided normal p-value of `estimate / se`.
    pub p_value: f64,
}

/// One `ATT(g,t)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// First treated period index of the group.
    pub group: usize,
    /// Period index.
    pub period: usize,
    /// Base period index.
    pub base: usize,
    pub post: bool,
    pub n_treated: usize,
    pub n_control: usize,
    pub value: Estimate,
}

/// An aggregation: the overall number and its parts (keys: event time, group index or
/// period index).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub overall: Estimate,
    pub parts: Vec<(i64, Estimate)>,
}

/// Everything the estimator returns.
#[derive(Debug, Clone, PartialEq)]
pub struct CsResult {
    pub cells: Vec<Cell>,
    /// Post-treatment cells weighted by group size (`aggte(type = "simple")`).
    pub simple: Estimate,
    /// By event time; overall = mean of event times >= 0.
    pub event: Aggregate,
    /// By group; overall = group averages weighted by group size.
    pub group: Aggregate,
    /// By calendar period; overall = mean over periods.
    pub calendar: Aggregate,
    /// Units in the estimation (treated and comparison).
    pub n_units: usize,
    pub n_treated: usize,
    pub n_control: usize,
    pub options: CsOptions,
    /// Bootstrap critical value of the cells' uniform band (`NaN` without bootstrap).
    pub critical_value: f64,
}

/// One column of the influence-function matrix with its estimate.
///
/// Every column's influence function is also kept in a compact form: `coef` over the
/// cells' influence functions plus `by_label`, a term that depends only on the unit's
/// group (the influence of estimated group shares does). The bootstrap then needs per
/// draw only the cells' statistics and the multiplier sums of each group.
struct Column {
    estimate: f64,
    influence: Vec<f64>,
    coef: Vec<f64>,
    by_label: Vec<f64>,
}

impl Column {
    fn zero(estimate: f64, n: usize, cells: usize, labels: usize) -> Column {
        Column {
            estimate,
            influence: vec![0.0; n],
            coef: vec![0.0; cells],
            by_label: vec![0.0; labels],
        }
    }

    /// `self += w * other` (estimates apart).
    fn add_scaled(&mut self, w: f64, other: &Column) {
        for (a, b) in self.influence.iter_mut().zip(&other.influence) {
            *a += w * b;
        }
        for (a, b) in self.coef.iter_mut().zip(&other.coef) {
            *a += w * b;
        }
        for (a, b) in self.by_label.iter_mut().zip(&other.by_label) {
            *a += w * b;
        }
    }
}

/// Estimates every `ATT(g,t)` and the four aggregations. `pool` lists the units allowed
/// as comparisons (normally every never-treated unit); treated units are always in.
pub fn callaway_santanna(
    panel: &Panel,
    treatment: &Treatment,
    pool: &[usize],
    comparison: &str,
    options: &CsOptions,
) -> Result<CsResult, EvalError> {
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(EvalError::invalid(
            "cs",
            format!("level {} must be in (0, 1), e.g. 0.95", options.level),
        ));
    }
    if options.bootstrap == Some(0) {
        return Err(EvalError::invalid(
            "cs",
            "bootstrap needs at least 1 draw (R's default is 1000)",
        ));
    }
    // The sample: treated units and the comparison pool.
    let mut sample: Vec<usize> = treatment.treated_units();
    let n_treated = sample.len();
    sample.extend(
        pool.iter()
            .copied()
            .filter(|&u| treatment.first_treated(u).is_none() && !treatment.is_excluded(u)),
    );
    sample.sort_unstable();
    sample.dedup();
    let n = sample.len();
    let n_control = n - n_treated;
    let nt = panel.n_periods();
    let a = treatment.anticipation();
    let group_of: Vec<Option<usize>> = sample.iter().map(|&u| treatment.first_treated(u)).collect();
    let groups = treatment.groups();
    let mut cells = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let tfac = usize::from(options.base == BasePeriod::Varying);
    for &g in &groups {
        // g - 1 - a: the last period before treatment (anticipation aside); g > a by
        // construction of the treatment.
        let universal_base = g - 1 - a;
        for t in tfac..nt {
            let post = g <= t;
            let base = if post || options.base == BasePeriod::Universal {
                universal_base
            } else {
                t - 1
            };
            if options.base == BasePeriod::Universal && base == t {
                cells.push(Cell {
                    group: g,
                    period: t,
                    base,
                    post: false,
                    n_treated: 0,
                    n_control: 0,
                    value: Estimate::reference(),
                });
                columns.push(Column::zero(0.0, n, 0, 0));
                continue;
            }
            let control_at = |gi: Option<usize>| match (options.control, gi) {
                (_, None) => true,
                (ControlGroup::NotYetTreated, Some(h)) => h > t.max(base) + a && h != g,
                (ControlGroup::NeverTreated, Some(_)) => false,
            };
            let mut sum_g = 0.0;
            let mut sum_c = 0.0;
            let (mut n_g, mut n_c) = (0usize, 0usize);
            let mut dy = vec![0.0; n];
            let mut role = vec![0u8; n];
            for (i, &u) in sample.iter().enumerate() {
                let d = panel.value(u, t) - panel.value(u, base);
                dy[i] = d;
                if group_of[i] == Some(g) {
                    role[i] = 1;
                    sum_g += d;
                    n_g += 1;
                } else if control_at(group_of[i]) {
                    role[i] = 2;
                    sum_c += d;
                    n_c += 1;
                }
            }
            if n_c == 0 {
                return Err(EvalError::NoControls {
                    method: "cs",
                    comparison: comparison.to_string(),
                    why: format!(
                        " for group {} in {}",
                        panel.periods()[g],
                        panel.periods()[t]
                    ),
                });
            }
            panel.check_no_break(
                "cs",
                &format!("ATT({}, {})", panel.periods()[g], panel.periods()[t]),
                base,
                t,
            )?;
            let (m_g, m_c) = (sum_g / n_g as f64, sum_c / n_c as f64);
            let n1 = (n_g + n_c) as f64;
            let p = n_g as f64 / n1;
            let scale = n as f64 / n1;
            let influence: Vec<f64> = (0..n)
                .map(|i| match role[i] {
                    1 => scale * (dy[i] - m_g) / p,
                    2 => -scale * (dy[i] - m_c) / (1.0 - p),
                    _ => 0.0,
                })
                .collect();
            let att = m_g - m_c;
            cells.push(Cell {
                group: g,
                period: t,
                base,
                post,
                n_treated: n_g,
                n_control: n_c,
                value: Estimate::reference(),
            });
            columns.push(Column {
                estimate: att,
                influence,
                coef: Vec::new(),
                by_label: Vec::new(),
            });
        }
    }
    // Compact form of the cells: unit vectors over cells, no group term. A unit's label
    // is the index of its group, or `groups.len()` when untreated.
    let labels = groups.len() + 1;
    let label_of: Vec<usize> = group_of
        .iter()
        .map(|g| {
            g.and_then(|g| groups.iter().position(|&x| x == g))
                .unwrap_or(groups.len())
        })
        .collect();
    let n_cells = columns.len();
    for (k, c) in columns.iter_mut().enumerate() {
        c.coef = vec![0.0; n_cells];
        c.coef[k] = 1.0;
        c.by_label = vec![0.0; labels];
    }
    // Group shares pg = n_g / n, per group and per cell.
    let share = |g: usize| group_of.iter().filter(|x| **x == Some(g)).count() as f64 / n as f64;
    let pg_cell: Vec<f64> = cells.iter().map(|c| share(c.group)).collect();
    let cell_group: Vec<usize> = cells.iter().map(|c| c.group).collect();
    let att: Vec<f64> = columns.iter().map(|c| c.estimate).collect();
    let combine = |which: &[usize], weighted: bool| -> Column {
        weighted_combination(
            &columns,
            &att,
            which,
            &pg_cell,
            &cell_group,
            &groups,
            &label_of,
            weighted,
        )
    };
    // Simple: post cells weighted by group size.
    let keepers: Vec<usize> = (0..cells.len()).filter(|&k| cells[k].post).collect();
    let simple = combine(&keepers, true);
    // Event time.
    let mut event_times: Vec<i64> = cells
        .iter()
        .map(|c| c.period as i64 - c.group as i64)
        .collect();
    event_times.sort_unstable();
    event_times.dedup();
    let event_parts: Vec<(i64, Column)> = event_times
        .iter()
        .map(|&e| {
            let which: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].period as i64 - cells[k].group as i64 == e)
                .collect();
            (e, combine(&which, true))
        })
        .collect();
    let event_overall = equal_average(
        &event_parts
            .iter()
            .filter(|(e, _)| *e >= 0)
            .map(|(_, c)| c)
            .collect::<Vec<_>>(),
        n,
        n_cells,
        labels,
    );
    // Groups: equal weights over each group's post cells; overall weighted by size.
    let group_parts: Vec<(i64, Column)> = groups
        .iter()
        .map(|&g| {
            let which: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].group == g && cells[k].post)
                .collect();
            let cols: Vec<&Column> = which.iter().map(|&k| &columns[k]).collect();
            (g as i64, equal_average(&cols, n, n_cells, labels))
        })
        .collect();
    let group_overall = {
        let parts: Vec<&Column> = group_parts.iter().map(|(_, c)| c).collect();
        let pgg: Vec<f64> = groups.iter().map(|&g| share(g)).collect();
        let estimates: Vec<f64> = parts.iter().map(|c| c.estimate).collect();
        let pseudo: Vec<Column> = parts
            .iter()
            .map(|c| Column {
                estimate: c.estimate,
                influence: c.influence.clone(),
                coef: c.coef.clone(),
                by_label: c.by_label.clone(),
            })
            .collect();
        let which: Vec<usize> = (0..groups.len()).collect();
        weighted_combination(
            &pseudo, &estimates, &which, &pgg, &groups, &groups, &label_of, true,
        )
    };
    // Calendar: periods from the first group on, cells already treated.
    let first_group = groups.first().copied().unwrap_or(0);
    let calendar_parts: Vec<(i64, Column)> = (first_group..nt)
        .filter_map(|t| {
            let which: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].period == t && cells[k].group <= t)
                .collect();
            (!which.is_empty()).then(|| (t as i64, combine(&which, true)))
        })
        .collect();
    let calendar_overall = equal_average(
        &calendar_parts.iter().map(|(_, c)| c).collect::<Vec<_>>(),
        n,
        n_cells,
        labels,
    );
    // Standard errors and bands: one bootstrap pass over every influence function (the
    // cells, then each aggregation's parts and overall numbers), tables summarised apart.
    let mut groups_of_columns: Vec<Vec<&Column>> = vec![columns.iter().collect(), vec![&simple]];
    for (parts, overall) in [
        (&event_parts, &event_overall),
        (&group_parts, &group_overall),
        (&calendar_parts, &calendar_overall),
    ] {
        groups_of_columns.push(vec![overall]);
        groups_of_columns.push(parts.iter().map(|(_, c)| c).collect());
    }
    let mut all: Vec<&Column> = Vec::new();
    let mut tables: Vec<std::ops::Range<usize>> = Vec::new();
    for g in groups_of_columns {
        let start = all.len();
        all.extend(g);
        tables.push(start..all.len());
    }
    let stats = options
        .bootstrap
        .map(|draws| bootstrap_statistics(&all, &label_of, n_cells, labels, draws, options.seed));
    let mut summaries = tables
        .iter()
        .map(|range| summarise_table(&all, range.clone(), n, stats.as_ref(), options.level));
    let mut next = || summaries.next().expect("one summary per table");
    let (cell_estimates, critical_value) = next();
    for (c, e) in cells.iter_mut().zip(cell_estimates) {
        c.value = e;
    }
    let simple = next().0[0];
    let mut table = |parts: &[(i64, Column)]| {
        let overall = next().0[0];
        Aggregate {
            overall,
            parts: parts.iter().map(|(k, _)| *k).zip(next().0).collect(),
        }
    };
    let event = table(&event_parts);
    let group = table(&group_parts);
    let calendar = table(&calendar_parts);
    Ok(CsResult {
        simple,
        event,
        group,
        calendar,
        cells,
        n_units: n,
        n_treated,
        n_control,
        options: *options,
        critical_value,
    })
}

impl Estimate {
    /// The reference cell of a universal base (`ATT(g, g - 1) = 0`, no uncertainty).
    fn reference() -> Estimate {
        Estimate {
            estimate: 0.0,
            se: f64::NAN,
            se_analytic: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            band_low: f64::NAN,
            band_high: f64::NAN,
            p_value: f64::NAN,
        }
    }
}

/// `did::aggte`'s weighted aggregation over columns `which` with weights proportional to
/// `pg` (or equal), adding the influence of the estimated weights when `weighted`
/// (`wif`, which depends only on the unit's group: it goes into `by_label`).
#[allow(clippy::too_many_arguments)]
fn weighted_combination(
    columns: &[Column],
    att: &[f64],
    which: &[usize],
    pg: &[f64],
    group_of_column: &[usize],
    groups: &[usize],
    label_of: &[usize],
    weighted: bool,
) -> Column {
    let n = label_of.len();
    let (cells, labels) = (columns[0].coef.len(), groups.len() + 1);
    if which.is_empty() {
        return Column::zero(f64::NAN, n, cells, labels);
    }
    let total: f64 = which.iter().map(|&k| pg[k]).sum();
    let w: Vec<f64> = which
        .iter()
        .map(|&k| {
            if weighted {
                pg[k] / total
            } else {
                1.0 / which.len() as f64
            }
        })
        .collect();
    let mut out = Column::zero(
        which.iter().zip(&w).map(|(&k, wk)| wk * att[k]).sum(),
        n,
        cells,
        labels,
    );
    for (&k, wk) in which.iter().zip(&w) {
        out.add_scaled(*wk, &columns[k]);
    }
    if weighted {
        // wif: (1{G = g_k} - pg_k) / total - sum_k'(1{G = g_k'} - pg_k') pg_k / total^2,
        // times ATT_k, for a unit of each label.
        let wif: Vec<f64> = (0..labels)
            .map(|l| {
                let g = groups.get(l).copied();
                let own = |k: usize| f64::from(u8::from(g == Some(group_of_column[k]))) - pg[k];
                let common: f64 = which.iter().map(|&k| own(k)).sum();
                which
                    .iter()
                    .map(|&k| (own(k) / total - common * pg[k] / (total * total)) * att[k])
                    .sum()
            })
            .collect();
        for (f, &l) in out.influence.iter_mut().zip(label_of) {
            *f += wif[l];
        }
        for (b, x) in out.by_label.iter_mut().zip(&wif) {
            *b += x;
        }
    }
    out
}

/// Equal-weight average of columns (no weight estimation): a group's cells, and the
/// overall event-time and calendar effects.
fn equal_average(cols: &[&Column], n: usize, cells: usize, labels: usize) -> Column {
    if cols.is_empty() {
        return Column::zero(f64::NAN, n, cells, labels);
    }
    let w = 1.0 / cols.len() as f64;
    let mut out = Column::zero(
        cols.iter().map(|c| c.estimate).sum::<f64>() * w,
        n,
        cells,
        labels,
    );
    for c in cols {
        out.add_scaled(w, c);
    }
    out
}

/// `sqrt(n) mean(IF_k v)` for every column `k` and draw, with Rademacher multipliers `v`
/// (the bits of one seeded generator per draw); draw-major. Per draw only the cells'
/// statistics and each group's multiplier sum are accumulated; every column is then its
/// compact form (`coef`, `by_label`) applied to them.
fn bootstrap_statistics(
    cols: &[&Column],
    label_of: &[usize],
    cells: usize,
    labels: usize,
    draws: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let n = label_of.len();
    // Unit-major rows: the cells' influence functions.
    let mut rows = vec![0.0; n * cells];
    for (k, col) in cols[..cells].iter().enumerate() {
        for (i, v) in col.influence.iter().enumerate() {
            rows[i * cells + k] = *v;
        }
    }
    // The compact form is exact (checked in debug builds, so by every test).
    if cfg!(debug_assertions) {
        for c in cols {
            for (i, row) in rows.chunks_exact(cells).enumerate() {
                let compact: f64 = c.coef.iter().zip(row).map(|(w, x)| w * x).sum::<f64>()
                    + c.by_label[label_of[i]];
                let scale = 1.0 + c.influence[i].abs();
                debug_assert!((compact - c.influence[i]).abs() < 1e-9 * scale, "unit {i}");
            }
        }
    }
    let scale = (n as f64).sqrt() / n as f64;
    (0..draws)
        .into_par_iter()
        .map(|b| {
            let mut rng = stats::generator(seed, stats::stream::CS_BOOTSTRAP, b as u64);
            let mut cell = vec![0.0; cells];
            let mut group = vec![0.0; labels];
            let mut bits = 0u64;
            for (i, row) in rows.chunks_exact(cells).enumerate() {
                if i % 64 == 0 {
                    bits = stats::bits(&mut rng);
                }
                // +1 or -1 without a branch (the bits are random: a branch would miss half
                // the time).
                let sign = 1.0 - 2.0 * ((bits >> (i % 64)) & 1) as f64;
                for (a, v) in cell.iter_mut().zip(row) {
                    *a += sign * v;
                }
                group[label_of[i]] += sign;
            }
            cols.iter()
                .map(|c| {
                    let s: f64 = c.coef.iter().zip(&cell).map(|(w, x)| w * x).sum::<f64>()
                        + c.by_label
                            .iter()
                            .zip(&group)
                            .map(|(w, x)| w * x)
                            .sum::<f64>();
                    s * scale
                })
                .collect()
        })
        .collect()
}

/// Standard errors, intervals and the uniform band of the table `range` of `all`.
fn summarise_table(
    all: &[&Column],
    range: std::ops::Range<usize>,
    n: usize,
    stats: Option<&Vec<Vec<f64>>>,
    level: f64,
) -> (Vec<Estimate>, f64) {
    let cols = &all[range.clone()];
    let nf = n as f64;
    let analytic: Vec<f64> = cols
        .iter()
        .map(|c| {
            let ss: f64 = c.influence.iter().map(|v| v * v).sum();
            if ss > 0.0 { ss.sqrt() / nf } else { f64::NAN }
        })
        .collect();
    let z = normal_quantile(0.5 + level / 2.0);
    let (se, crit) = match stats {
        None => (analytic.clone(), z),
        Some(stats) => {
            let q = normal_quantile(0.75) - normal_quantile(0.25);
            let sigma: Vec<f64> = range
                .clone()
                .map(|k| {
                    let mut column: Vec<f64> = stats.iter().map(|s| s[k]).collect();
                    let degenerate = column.iter().all(|v| *v == 0.0 || !v.is_finite());
                    if degenerate {
                        return f64::NAN;
                    }
                    column.sort_by(f64::total_cmp);
                    let s = (quantile_type1_sorted(&column, 0.75)
                        - quantile_type1_sorted(&column, 0.25))
                        / q;
                    if s > 0.0 && s.is_finite() {
                        s
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let max_t: Vec<f64> = stats
                .iter()
                .map(|s| {
                    s[range.clone()]
                        .iter()
                        .zip(&sigma)
                        .filter(|(_, sg)| sg.is_finite())
                        .map(|(v, sg)| (v / sg).abs())
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .filter(|v| v.is_finite())
                .collect();
            let crit = quantile_type1(&max_t, level);
            (sigma.iter().map(|s| s / nf.sqrt()).collect(), crit)
        }
    };
    let estimates = cols
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let (lo, hi) = normal_interval(c.estimate, se[k], level);
            Estimate {
                estimate: c.estimate,
                se: se[k],
                se_analytic: analytic[k],
                ci_low: lo,
                ci_high: hi,
                band_low: c.estimate - crit * se[k],
                band_high: c.estimate + crit * se[k],
                p_value: normal_p_value(c.estimate, se[k]),
            }
        })
        .collect();
    (estimates, if stats.is_some() { crit } else { f64::NAN })
}
