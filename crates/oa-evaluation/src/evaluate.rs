//! One call for a whole evaluation of one outcome: every requested method against every
//! comparison set, as typed rows, weights, paths, placebo gaps, pre-trend checks and
//! notes ([`Evaluation`]). The regression discontinuity, which needs a running variable
//! rather than a panel, is [`rd_rows`]'s business.

use crate::comparison::{ComparisonSet, ComparisonSpec, resolve};
use crate::cs::{self, ControlGroup, CsOptions, CsResult};
use crate::error::EvalError;
use crate::panel::Panel;
use crate::rd::RdResult;
use crate::result::*;
use crate::ri::{self, Assignments, DidStatistic, RiResult};
use crate::sc::{ScOptions, ScResult, synthetic_control};
use crate::sdid::{SdidKind, SdidOptions, SdidResult, Variance, synthdid};
use crate::treatment::Treatment;

/// Below this many treated units, standard errors that rely on many treated units are
/// flagged and randomisation inference is preferred (METHODS.md section 7).
pub const FEW_TREATED: usize = 20;

/// Randomisation inference over a long list.
#[derive(Debug, Clone, PartialEq)]
pub struct Randomisation {
    /// The units treatment is permuted over (codes); empty = the treated units and the
    /// comparison set.
    pub universe: Vec<String>,
    /// A stratum label per universe unit (e.g. its region, for quotas); empty = one
    /// stratum.
    pub strata: Vec<String>,
    pub draws: usize,
    /// Enumerate every assignment when there are at most this many.
    pub max_exact: usize,
}

impl Default for Randomisation {
    fn default() -> Self {
        Randomisation {
            universe: Vec::new(),
            strata: Vec::new(),
            draws: 10_000,
            max_exact: 100_000,
        }
    }
}

/// What to estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSpec {
    pub methods: Vec<Method>,
    /// (id, how it is chosen), in report order.
    pub comparisons: Vec<(String, ComparisonSpec)>,
    /// Callaway-Sant'Anna options (the control group follows a `not_yet_treated`
    /// comparison; otherwise never treated).
    pub cs: CsOptions,
    /// Variance of did and sdid (synthdid's placebo by default) and its replications.
    pub sdid_variance: Variance,
    pub replications: usize,
    pub sc: ScOptions,
    pub randomisation: Randomisation,
    /// Per-unit SDID estimates (weights fitted for each treated unit alone).
    pub sdid_units: bool,
    pub seed: u64,
    pub level: f64,
}

impl Default for EvaluationSpec {
    fn default() -> Self {
        EvaluationSpec {
            methods: vec![
                Method::Did,
                Method::Cs,
                Method::Sc,
                Method::Sdid,
                Method::Ri,
            ],
            comparisons: vec![("never_treated".into(), ComparisonSpec::NeverTreated)],
            cs: CsOptions::default(),
            sdid_variance: Variance::Placebo,
            replications: 200,
            sc: ScOptions::default(),
            randomisation: Randomisation::default(),
            sdid_units: true,
            seed: 1,
            level: 0.95,
        }
    }
}

/// Runs every method of `spec` on the panel.
pub fn evaluate(
    panel: &Panel,
    treatment: &Treatment,
    spec: &EvaluationSpec,
) -> Result<Evaluation, EvalError> {
    if spec.comparisons.is_empty() {
        return Err(EvalError::invalid(
            "evaluation",
            "name at least one comparison set (e.g. never treated)",
        ));
    }
    let treated = treatment.treated_units();
    let outcome = panel.outcome().to_string();
    let mut ev = Evaluation {
        outcome: outcome.clone(),
        treated_units: treated.iter().map(|&u| panel.units()[u].clone()).collect(),
        period_labels: panel.period_labels().to_vec(),
        period_names: panel.periods().iter().map(|p| p.to_string()).collect(),
        rows: Vec::new(),
        weights: Vec::new(),
        paths: Vec::new(),
        placebos: Vec::new(),
        pretrends: Vec::new(),
        comparisons: Vec::new(),
        notes: Vec::new(),
        few_treated: treated.len() < FEW_TREATED,
    };
    if ev.few_treated {
        ev.notes.push(format!(
            "Only {} area{} treated: standard errors and intervals that assume many treated areas may be too narrow, so the randomisation p-value (which holds for any number of areas) is the one to rely on.",
            treated.len(),
            if treated.len() == 1 { " is" } else { "s are" }
        ));
    }
    for (unit, gaps) in panel.dropped_units() {
        ev.notes.push(format!(
            "Area {unit} was left out: it has {gaps} missing period{}.",
            if *gaps == 1 { "" } else { "s" }
        ));
    }
    for (period, gaps) in panel.dropped_periods() {
        ev.notes.push(format!(
            "{period} was left out: {gaps} area{} no value for it.",
            if *gaps == 1 { " has" } else { "s have" }
        ));
    }
    for u in (0..panel.n_units()).filter(|&u| treatment.is_excluded(u)) {
        ev.notes.push(format!(
            "Area {} ({}) was left out: a treated district is only a part of it on these boundaries.",
            panel.units()[u],
            panel.members(u).join(" + ")
        ));
    }
    for (unit, p) in treatment.after_window() {
        ev.notes.push(format!(
            "Area {unit} is first treated in {p}, after the last period, so it counts as untreated here."
        ));
    }
    for (id, cspec) in &spec.comparisons {
        let set = resolve(id, cspec, panel, treatment)?;
        ev.comparisons.push(ComparisonSummary {
            id: id.clone(),
            description: set.describe(),
            units: set
                .units
                .iter()
                .map(|&u| panel.units()[u].clone())
                .collect(),
        });
        for &method in &spec.methods {
            match method {
                Method::Did | Method::Sdid => {
                    let kind = if method == Method::Did {
                        SdidKind::Did
                    } else {
                        SdidKind::Sdid
                    };
                    let options = SdidOptions {
                        kind,
                        variance: spec.sdid_variance,
                        replications: spec.replications,
                        seed: spec.seed,
                        level: spec.level,
                    };
                    let r = synthdid(panel, treatment, &set.units, id, &options)?;
                    push_sdid(&mut ev, panel, &set, method, &r, spec);
                    if method == Method::Sdid && spec.sdid_units && treated.len() > 1 {
                        sdid_units(&mut ev, panel, treatment, &set, spec)?;
                    }
                }
                Method::Sc => {
                    let mut options = spec.sc.clone();
                    options.seed = spec.seed;
                    let r = synthetic_control(panel, treatment, &set.units, id, &options)?;
                    push_sc(&mut ev, panel, &set, &r, &options);
                }
                Method::Cs => {
                    let mut options = spec.cs;
                    options.seed = spec.seed;
                    options.level = spec.level;
                    if set.not_yet {
                        options.control = ControlGroup::NotYetTreated;
                    }
                    let r = cs::callaway_santanna(panel, treatment, &set.units, id, &options)?;
                    push_cs(&mut ev, panel, &set, &r);
                }
                Method::Ri => {
                    let (r, universe) =
                        randomisation(panel, treatment, &set, &spec.randomisation, spec.seed)?;
                    push_ri(&mut ev, &set, &r, (treated.len(), universe - treated.len()));
                }
                Method::Rd => {
                    return Err(EvalError::invalid(
                        "evaluation",
                        "the regression discontinuity needs a running variable: call `rd::regression_discontinuity` and `rd_rows`",
                    ));
                }
            }
        }
    }
    Ok(ev)
}

fn label(panel: &Panel, t: usize) -> String {
    panel.period_labels()[t].clone()
}

fn names(panel: &Panel) -> Vec<String> {
    panel.periods().iter().map(|p| p.to_string()).collect()
}

#[allow(clippy::too_many_arguments)]
fn row(
    method: Method,
    estimand: Estimand,
    group: String,
    period: String,
    (estimate, se, ci_low, ci_high, p_value): (f64, f64, f64, f64, f64),
    outcome: &str,
    unit: String,
    comparison: &str,
    (n_treated, n_control): (usize, usize),
    inference: String,
    pre_treatment: bool,
) -> EstimateRow {
    EstimateRow {
        method,
        estimand,
        group,
        period,
        estimate,
        se,
        ci_low,
        ci_high,
        p_value,
        outcome: outcome.to_string(),
        unit,
        comparison: comparison.to_string(),
        n_treated,
        n_control,
        inference,
        pre_treatment,
    }
}

fn variance_words(r: &SdidResult, replications: usize) -> String {
    match r.variance {
        Variance::Placebo => format!("placebo, {replications} replications"),
        Variance::Bootstrap => format!("bootstrap, {replications} replications"),
        Variance::Jackknife => "jackknife".into(),
        Variance::None => "none".into(),
    }
}

fn push_sdid(
    ev: &mut Evaluation,
    panel: &Panel,
    set: &ComparisonSet,
    method: Method,
    r: &SdidResult,
    spec: &EvaluationSpec,
) {
    let inference = variance_words(r, spec.replications);
    ev.rows.push(row(
        method,
        Estimand::Att,
        ALL.into(),
        ALL.into(),
        (r.estimate, r.se, r.ci_low, r.ci_high, r.p_value),
        &ev.outcome,
        String::new(),
        &set.id,
        (r.n_treated, r.n_control),
        inference.clone(),
        false,
    ));
    if r.cohorts.len() > 1 {
        for c in &r.cohorts {
            ev.rows.push(row(
                method,
                Estimand::Att,
                label(panel, c.group),
                ALL.into(),
                (c.estimate, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
                &ev.outcome,
                String::new(),
                &set.id,
                (c.treated.len(), c.controls.len()),
                format!(
                    "one group of the staggered estimate (weight {:.3})",
                    c.weight
                ),
                false,
            ));
        }
    }
    if method == Method::Did {
        return;
    }
    for c in &r.cohorts {
        let group = label(panel, c.group);
        for (&u, &w) in c.controls.iter().zip(&c.omega) {
            if w > 0.0 {
                ev.weights.push(WeightRow {
                    method,
                    outcome: ev.outcome.clone(),
                    comparison: set.id.clone(),
                    treated: ALL.into(),
                    group: group.clone(),
                    kind: WeightKind::Unit,
                    unit: panel.units()[u].clone(),
                    weight: w,
                });
            }
        }
        for (&t, &w) in c.pre.iter().zip(&c.lambda) {
            ev.weights.push(WeightRow {
                method,
                outcome: ev.outcome.clone(),
                comparison: set.id.clone(),
                treated: ALL.into(),
                group: group.clone(),
                kind: WeightKind::Time,
                unit: label(panel, t),
                weight: w,
            });
        }
        let all = names(panel);
        let periods: Vec<String> = c
            .pre
            .iter()
            .chain(&c.post)
            .map(|&t| all[t].clone())
            .collect();
        ev.paths.push(SyntheticPath {
            method,
            outcome: ev.outcome.clone(),
            comparison: set.id.clone(),
            unit: ALL.into(),
            first_treated: c.pre.len(),
            periods,
            actual: c.treated_path.clone(),
            synthetic: c.synthetic_path.clone(),
        });
    }
}

/// SDID for each treated unit alone (estimates and weights; no variance: one unit's
/// placebo distribution is what synthetic control's placebos give).
fn sdid_units(
    ev: &mut Evaluation,
    panel: &Panel,
    treatment: &Treatment,
    set: &ComparisonSet,
    spec: &EvaluationSpec,
) -> Result<(), EvalError> {
    use rayon::prelude::*;
    let treated = treatment.treated_units();
    let options = SdidOptions {
        kind: SdidKind::Sdid,
        variance: Variance::None,
        replications: spec.replications,
        seed: spec.seed,
        level: spec.level,
    };
    let results: Vec<Result<SdidResult, EvalError>> = treated
        .par_iter()
        .map(|&u| {
            let first: Vec<Option<usize>> = (0..panel.n_units())
                .map(|x| {
                    if x == u {
                        treatment.first_treated(x)
                    } else {
                        None
                    }
                })
                .collect();
            // Other treated units are neither treated nor comparisons here.
            let keep: Vec<usize> = (0..panel.n_units())
                .filter(|&x| x == u || treatment.first_treated(x).is_none())
                .collect();
            let sub_panel = panel.with_units(&keep);
            let sub = treatment.with_first(first).with_units(&keep);
            let controls: Vec<usize> = set
                .units
                .iter()
                .filter_map(|c| keep.iter().position(|k| k == c))
                .collect();
            synthdid(&sub_panel, &sub, &controls, &set.id, &options)
        })
        .collect();
    for (&u, r) in treated.iter().zip(results) {
        let r = r?;
        let c = &r.cohorts[0];
        ev.rows.push(row(
            Method::Sdid,
            Estimand::Unit,
            label(panel, c.group),
            ALL.into(),
            (r.estimate, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            &ev.outcome,
            panel.units()[u].clone(),
            &set.id,
            (1, r.n_control),
            "none (one unit; see the synthetic control placebos)".into(),
            false,
        ));
        let all = names(panel);
        ev.paths.push(SyntheticPath {
            method: Method::Sdid,
            outcome: ev.outcome.clone(),
            comparison: set.id.clone(),
            unit: panel.units()[u].clone(),
            first_treated: c.pre.len(),
            periods: c
                .pre
                .iter()
                .chain(&c.post)
                .map(|&t| all[t].clone())
                .collect(),
            actual: c.treated_path.clone(),
            synthetic: c.synthetic_path.clone(),
        });
    }
    Ok(())
}

fn push_sc(
    ev: &mut Evaluation,
    panel: &Panel,
    set: &ComparisonSet,
    r: &ScResult,
    options: &ScOptions,
) {
    let n_placebos = r.placebos.len();
    ev.rows.push(row(
        Method::Sc,
        Estimand::Att,
        ALL.into(),
        ALL.into(),
        (r.att, f64::NAN, f64::NAN, f64::NAN, r.att_p_value),
        &ev.outcome,
        String::new(),
        &set.id,
        (r.treated.len(), r.n_control),
        if options.placebos {
            format!(
                "mean rank of RMSPE ratios against placebo sets, {} draws over {n_placebos} placebos",
                options.average_draws
            )
        } else {
            "none".into()
        },
        false,
    ));
    let all = names(panel);
    for f in &r.treated {
        let unit = panel.units()[f.unit].clone();
        ev.rows.push(row(
            Method::Sc,
            Estimand::Unit,
            label(panel, f.group),
            ALL.into(),
            (f.effect, f64::NAN, f64::NAN, f64::NAN, f.p_value),
            &ev.outcome,
            unit.clone(),
            &set.id,
            (1, f.donors.len()),
            if options.placebos {
                format!("placebo in space, rank of the RMSPE ratio among {n_placebos}")
            } else {
                "none".into()
            },
            false,
        ));
        for (&d, &w) in f.donors.iter().zip(&f.weights) {
            if w > 0.0 {
                ev.weights.push(WeightRow {
                    method: Method::Sc,
                    outcome: ev.outcome.clone(),
                    comparison: set.id.clone(),
                    treated: unit.clone(),
                    group: label(panel, f.group),
                    kind: WeightKind::Unit,
                    unit: panel.units()[d].clone(),
                    weight: w,
                });
            }
        }
        ev.paths.push(SyntheticPath {
            method: Method::Sc,
            outcome: ev.outcome.clone(),
            comparison: set.id.clone(),
            unit,
            periods: all.clone(),
            first_treated: f.group,
            actual: f.actual.clone(),
            synthetic: f.synthetic.clone(),
        });
    }
    if !r.placebos.is_empty() {
        let first = r.treated.iter().map(|f| f.group).min().unwrap_or(0);
        ev.placebos.push(PlaceboGaps {
            outcome: ev.outcome.clone(),
            comparison: set.id.clone(),
            periods: all,
            first_treated: first,
            treated: r
                .treated
                .iter()
                .map(|f| (panel.units()[f.unit].clone(), f.gaps(), f.ratio()))
                .collect(),
            placebos: r
                .placebos
                .iter()
                .filter(|p| p.group == first)
                .map(|p| (panel.units()[p.unit].clone(), p.gaps(), p.ratio()))
                .collect(),
        });
    }
}

fn push_cs(ev: &mut Evaluation, panel: &Panel, set: &ComparisonSet, r: &CsResult) {
    let inference = match r.options.bootstrap {
        Some(b) => format!(
            "influence function, clustered by area; multiplier bootstrap ({b} draws), uniform band for the table"
        ),
        None => "influence function, clustered by area".into(),
    };
    // Tables of several estimates show the uniform band when there is one.
    let banded = r.options.bootstrap.is_some();
    let out = ev.outcome.clone();
    let mut push =
        |estimand, group: String, period: String, x: &cs::Estimate, band: bool, counts, pre| {
            let (lo, hi) = if band && banded {
                (x.band_low, x.band_high)
            } else {
                (x.ci_low, x.ci_high)
            };
            ev.rows.push(row(
                Method::Cs,
                estimand,
                group,
                period,
                (x.estimate, x.se, lo, hi, x.p_value),
                &out,
                String::new(),
                &set.id,
                counts,
                inference.clone(),
                pre,
            ));
            (lo, hi)
        };
    let counts = (r.n_treated, r.n_control);
    push(
        Estimand::Att,
        ALL.into(),
        ALL.into(),
        &r.simple,
        false,
        counts,
        false,
    );
    for c in &r.cells {
        let (g, t) = (label(panel, c.group), label(panel, c.period));
        push(
            Estimand::AttGt,
            g,
            t,
            &c.value,
            true,
            (c.n_treated, c.n_control),
            !c.post,
        );
    }
    push(
        Estimand::Event,
        ALL.into(),
        ALL.into(),
        &r.event.overall,
        false,
        counts,
        false,
    );
    let mut checks = Vec::new();
    for (k, x) in &r.event.parts {
        let (lo, hi) = push(
            Estimand::Event,
            ALL.into(),
            k.to_string(),
            x,
            true,
            counts,
            *k < 0,
        );
        if *k < 0 && x.se.is_finite() {
            checks.push(PretrendCheck {
                method: Method::Cs,
                outcome: out.clone(),
                comparison: set.id.clone(),
                event_time: *k,
                estimate: x.estimate,
                ci_low: lo,
                ci_high: hi,
                flagged: lo > 0.0 || hi < 0.0,
            });
        }
    }
    for (k, x) in &r.group.parts {
        push(
            Estimand::Group,
            label(panel, *k as usize),
            ALL.into(),
            x,
            true,
            counts,
            false,
        );
    }
    for (k, x) in &r.calendar.parts {
        push(
            Estimand::Calendar,
            ALL.into(),
            label(panel, *k as usize),
            x,
            true,
            counts,
            false,
        );
    }
    ev.pretrends.extend(checks);
}

/// Permutes treatment over the universe (the spec's, or the treated units and the
/// comparison set) keeping per-stratum counts; the statistic is the block DiD.
fn randomisation(
    panel: &Panel,
    treatment: &Treatment,
    set: &ComparisonSet,
    spec: &Randomisation,
    seed: u64,
) -> Result<(RiResult, usize), EvalError> {
    let groups = treatment.groups();
    if groups.len() != 1 {
        return Err(EvalError::invalid(
            "ri",
            "randomisation inference over a list needs one first treated period; evaluate each wave separately",
        ));
    }
    let g = groups[0];
    let treated = treatment.treated_units();
    let universe: Vec<usize> = if spec.universe.is_empty() {
        let mut u: Vec<usize> = treated.iter().chain(&set.units).copied().collect();
        u.sort_unstable();
        u.dedup();
        u
    } else {
        let mut out = Vec::new();
        for code in &spec.universe {
            let u = panel
                .unit_index(code)
                .ok_or_else(|| EvalError::UnknownUnit {
                    unit: code.clone(),
                    context: "randomisation universe".into(),
                    hint: crate::treatment::nearest_hint(panel, code),
                })?;
            out.push(u);
        }
        out
    };
    let strata: Vec<usize> = if spec.strata.is_empty() {
        vec![0; universe.len()]
    } else if spec.strata.len() != universe.len() {
        return Err(EvalError::invalid(
            "ri",
            format!(
                "{} strata for {} units of the universe",
                spec.strata.len(),
                universe.len()
            ),
        ));
    } else {
        let mut labels: Vec<&String> = spec.strata.iter().collect();
        labels.sort();
        labels.dedup();
        spec.strata
            .iter()
            .map(|s| labels.binary_search(&s).expect("a label"))
            .collect()
    };
    let pre: Vec<usize> = (0..g - treatment.anticipation()).collect();
    let post: Vec<usize> = (g..panel.n_periods()).collect();
    panel.check_no_break("ri", &set.id, 0, panel.n_periods() - 1)?;
    let values = |u: usize, t: usize| panel.value(u, t);
    let stat = DidStatistic::new(&values, panel.n_units(), &universe, &pre, &post);
    let assignments: Assignments<'_> = ri::stratified(
        &universe,
        &strata,
        &treated,
        spec.max_exact,
        spec.draws,
        seed,
    )?;
    let r = ri::permutation_test(&treated, |s| stat.value(s), assignments)?;
    Ok((r, universe.len()))
}

fn push_ri(ev: &mut Evaluation, set: &ComparisonSet, r: &RiResult, counts: (usize, usize)) {
    let out = ev.outcome.clone();
    ev.rows.push(row(
        Method::Ri,
        Estimand::Att,
        ALL.into(),
        ALL.into(),
        (r.observed, f64::NAN, f64::NAN, f64::NAN, r.p_value),
        &out,
        String::new(),
        &set.id,
        counts,
        if r.exact {
            format!("exact, all {} assignments", r.evaluated)
        } else {
            format!("{} random assignments", r.evaluated)
        },
        false,
    ));
}

/// The comparison id of the regression discontinuity's rows: the areas just outside the
/// selection's cut.
pub const SELECTION_CUT: &str = "selection_cut";

/// Rows of a regression discontinuity: the main estimate (`att`) and the bandwidth table
/// (`att` rows whose `period` is `h=<bandwidth>`); `n_treated`/`n_control` count the
/// observations within the bandwidth on the selected and the other side.
pub fn rd_rows(r: &RdResult, outcome: &str, comparison: &str) -> Vec<EstimateRow> {
    let mut rows = vec![row(
        Method::Rd,
        Estimand::Att,
        ALL.into(),
        ALL.into(),
        (
            r.main.estimate,
            r.main.se,
            r.main.ci_low,
            r.main.ci_high,
            r.main.p_value,
        ),
        outcome,
        String::new(),
        comparison,
        r.main.counts(r.selected),
        format!(
            "local linear, triangular kernel, bandwidth {:.4} (Imbens-Kalyanaraman {:.4}), robust standard error",
            r.main.bandwidth, r.ik_bandwidth
        ),
        false,
    )];
    for t in &r.table {
        rows.push(row(
            Method::Rd,
            Estimand::Att,
            ALL.into(),
            format!("h={:.4}", t.bandwidth),
            (t.estimate, t.se, t.ci_low, t.ci_high, t.p_value),
            outcome,
            String::new(),
            comparison,
            t.counts(r.selected),
            "bandwidth sensitivity".into(),
            false,
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rd::{RdOptions, SelectedSide, regression_discontinuity};

    #[test]
    fn discontinuity_rows_count_the_selected_side_first() {
        // 30 ranks selected (1..=30), 70 not: more data on the unselected side.
        let x: Vec<f64> = (1..=100).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&r| if r <= 30.0 { 5.0 + 0.01 * r } else { 0.01 * r })
            .collect();
        let mut o = RdOptions::new(30.5, SelectedSide::Below);
        o.bandwidth = Some(40.0);
        let r = regression_discontinuity(&x, &y, &o).unwrap();
        let rows = rd_rows(&r, "gld", "cut");
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0].method, Method::Rd);
        assert!((rows[0].estimate - 5.0).abs() < 1e-9);
        assert_eq!((rows[0].n_treated, rows[0].n_control), (30, 40));
        assert_eq!(
            rows[0].counts_in_words(),
            "30 just inside and 40 just outside the cut, within its bandwidth"
        );
        let mut did = rows[0].clone();
        did.method = Method::Did;
        assert_eq!(did.counts_in_words(), "30 treated, 40 compared");
        assert_eq!(rows[1].period, "h=20.0000");
        o.selected = SelectedSide::Above;
        let r = regression_discontinuity(&x, &y, &o).unwrap();
        let rows = rd_rows(&r, "gld", "cut");
        assert!((rows[0].estimate + 5.0).abs() < 1e-9);
        assert_eq!((rows[0].n_treated, rows[0].n_control), (40, 30));
    }
}
