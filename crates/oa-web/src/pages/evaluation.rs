//! The evaluation on the dashboard (issue 10): did the chosen areas improve, compared with
//! areas like them? Pure functions from a bundle's evaluation section
//! (`evaluation.csv`, `weights.csv`, `evaluation_paths.csv`, `evaluation.md`) and its
//! study to what the pages say in plain words:
//!
//! - [`programme`]: for each outcome and comparison, the overall estimate of every method
//!   ("Estimated effect: +0.1 percentage points (95% interval −1.2 to +1.4); this is not
//!   clearly different from no effect."), what the districts are compared with, the
//!   warning when the years before the programme already diverged, and the caveats
//!   (few treated districts, districts left out);
//! - [`area`]: each of an area's districts against its synthetic comparison (the data of
//!   its chart), the districts that make up that comparison ("areas like this one") with
//!   their weights, and the district's own estimates.
//!
//! Numbers are rounded for reading only: the tests check the words against
//! `evaluation.csv` itself.

use super::charts::{self, SyntheticSeries};
use oa_bundle::Evaluation;
use oa_evaluation::{ALL, Estimand, EstimateRow, FEW_TREATED, Method, Period, WeightKind};
use oa_model::study::evaluation::{ComparisonKind, EvaluationSection, Outcome, UnitChoice};
use serde::Serialize;

/// The methods in the order the pages give them: the ones that build a comparison for
/// these areas first, then the classic and the chance-based ones.
const ORDER: [Method; 6] = [
    Method::Sdid,
    Method::Sc,
    Method::Did,
    Method::Cs,
    Method::Ri,
    Method::Rd,
];

/// How many comparison districts the area page names (the rest are counted).
pub const DONORS_NAMED: usize = 5;

/// The method as people say it.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Did => "Difference in differences",
        Method::Cs => "Callaway and Sant'Anna's difference in differences",
        Method::Sc => "Synthetic control",
        Method::Sdid => "Synthetic difference in differences",
        Method::Ri => "Randomisation inference",
        Method::Rd => "Regression discontinuity",
    }
}

/// What the method does, in a sentence.
pub fn method_explained(m: Method) -> &'static str {
    match m {
        Method::Did => {
            "Compares how much the outcome changed in the programme's districts with how much it changed in the comparison districts over the same years."
        }
        Method::Cs => {
            "Difference in differences worked out year by year for the districts that started together, then averaged, so that districts starting at different times are compared fairly."
        }
        Method::Sc => {
            "Builds, for each district in the programme, a weighted blend of comparison districts that followed the same path before the programme; the effect is the gap after it started."
        }
        Method::Sdid => {
            "Weights the comparison districts and the earlier years so that they follow the programme's districts before it started, then compares the changes."
        }
        Method::Ri => {
            "Gives the programme at random to other districts that could have been chosen, many times over, to see how often chance alone gives a difference this large."
        }
        Method::Rd => "Compares the districts just either side of the selection's cut.",
    }
}

/// A figure with its sign for people: `+0.1`, `−1.2` (a true minus sign, which screen
/// readers say as "minus"), `0.0` when it rounds to zero.
pub fn signed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "not estimated".into();
    }
    let s = format!("{:.decimals$}", v.abs());
    if s.bytes().all(|b| b == b'0' || b == b'.') {
        s
    } else if v < 0.0 {
        format!("\u{2212}{s}")
    } else {
        format!("+{s}")
    }
}

/// Decimals that show a row's estimate and interval without false precision: one when
/// the interval (or the estimate, without one) spans 2 or more, else two.
pub fn decimals(r: &EstimateRow) -> usize {
    let span = r
        .interval()
        .map_or(r.estimate.abs(), |(low, high)| high - low);
    if span.is_finite() && span >= 2.0 {
        1
    } else {
        2
    }
}

/// "34 times in 100", from a p-value.
fn chance_words(p: f64) -> String {
    let pct = (p * 100.0).round();
    if pct < 1.0 {
        "fewer than 1 time in 100".into()
    } else if pct == 1.0 {
        "1 time in 100".into()
    } else {
        format!("{pct} times in 100")
    }
}

/// How to speak about one outcome.
#[derive(Debug, Clone)]
pub struct Words {
    /// `the share of children with a good level of development`
    pub outcome: String,
    /// `percentage points`, or empty.
    pub units: String,
    pub higher_is_better: bool,
    /// Interval coverage in percent (95).
    pub level: f64,
}

impl Words {
    pub fn for_outcome(section: Option<&EvaluationSection>, id: &str) -> Words {
        let o: Option<&Outcome> = section.and_then(|s| s.outcomes.iter().find(|o| o.id == id));
        Words {
            outcome: o
                .map(|o| o.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.replace('_', " ")),
            units: o.map(|o| o.units.clone()).unwrap_or_default(),
            higher_is_better: o.is_none_or(|o| o.higher_is_better),
            level: section.map_or(95.0, |s| (s.level * 1000.0).round() / 10.0),
        }
    }

    /// A figure with its sign and units.
    pub fn amount(&self, v: f64, decimals: usize) -> String {
        if self.units.is_empty() {
            signed(v, decimals)
        } else {
            format!("{} {}", signed(v, decimals), self.units)
        }
    }

    /// The unit of the outcome's level on a chart: `%` when effects are in percentage
    /// points.
    pub fn level_unit(&self) -> &str {
        if self.units == "percentage points" {
            "%"
        } else {
            &self.units
        }
    }

    /// "Estimated effect: +0.1 percentage points (95% interval −1.2 to +1.4); this is
    /// not clearly different from no effect."
    pub fn effect(&self, r: &EstimateRow) -> String {
        let dp = decimals(r);
        let mut s = format!("Estimated effect: {}", self.amount(r.estimate, dp));
        let interval = r.interval();
        if let Some((low, high)) = interval {
            s.push_str(&format!(
                " ({}% interval {} to {})",
                crate::domain::figure(self.level),
                signed(low, dp),
                signed(high, dp)
            ));
        } else if let Some(p) = r.measured_p_value() {
            let how = match r.method {
                Method::Ri => format!(
                    "giving the programme at random to other districts ({}), a difference at least this large came up {}",
                    r.inference,
                    chance_words(p)
                ),
                Method::Sc if r.estimand == Estimand::Unit => format!(
                    "among comparison districts each treated as if it had been chosen, a gap this large for how closely it was matched before came up {}",
                    chance_words(p)
                ),
                _ => format!(
                    "in placebo checks ({}), a difference at least this large came up {}",
                    r.inference,
                    chance_words(p)
                ),
            };
            s.push_str(&format!(
                "; {how} ({})",
                r.p_value_text().unwrap_or_default()
            ));
        }
        s.push_str("; ");
        if interval.is_none() && r.measured_p_value().is_none() {
            s.push_str("its uncertainty was not measured.");
        } else if r.rules_out_no_effect() {
            let better = (r.estimate > 0.0) == self.higher_is_better;
            s.push_str(&format!(
                "this is clearly different from no effect: the programme's districts did {} than the comparison.",
                if better { "better" } else { "worse" }
            ));
        } else {
            s.push_str("this is not clearly different from no effect.");
        }
        s
    }
}

/// The comparison set `id` in words, with the number of comparison districts.
pub fn comparison_words(section: Option<&EvaluationSection>, id: &str, n: usize) -> String {
    let areas = section.is_some_and(|s| s.units == UnitChoice::Areas);
    let (one, many) = if areas {
        ("area", "areas")
    } else {
        ("district", "districts")
    };
    if id == oa_evaluation::SELECTION_CUT {
        return format!("the {n} {many} ranked just outside the selection's cut");
    }
    let c = section.and_then(|s| s.comparisons.iter().find(|c| c.id == id));
    match c.map(|c| (c.kind, c.k, c.units.is_empty())) {
        Some((ComparisonKind::NeverTreated, ..)) => {
            format!("every {one} not in the programme ({n} {many})")
        }
        Some((ComparisonKind::NotYetTreated, ..)) => {
            format!("{many} not yet in the programme at the time ({n} {many})")
        }
        Some((ComparisonKind::NearMisses, _, true)) => format!(
            "the {n} near-misses: {many} the selection's rule long-listed but did not choose"
        ),
        Some((ComparisonKind::NearMisses, _, false)) => {
            format!("the {n} near-misses named by the study")
        }
        Some((ComparisonKind::NearestNeighbours, k, _)) => format!(
            "the {} {many} most like each {one} in the programme before it started ({n} {many} in all)",
            k.unwrap_or(1)
        ),
        Some((ComparisonKind::Listed, ..)) => format!("{n} {many} named by the study"),
        None => format!("{n} comparison {many}"),
    }
}

/// A period as written in the panel (`201718`) as people read it (`2017/18`).
pub fn period_words(label: &str) -> String {
    Period::parse(label).map_or_else(|_| label.to_string(), |p| p.to_string())
}

/// One method's overall estimate.
#[derive(Debug, Clone, Serialize)]
pub struct MethodEstimate {
    pub method: &'static str,
    pub explained: &'static str,
    pub sentence: String,
    pub clear: bool,
}

/// The estimates against one comparison set.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonEstimates {
    pub id: String,
    /// "every district not in the programme (300 districts)"
    pub words: String,
    pub estimates: Vec<MethodEstimate>,
}

/// Everything about one outcome on the programme page.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeEvaluation {
    pub id: String,
    /// "The share of children with a good level of development"
    pub heading: String,
    /// "Measured from 2013/14 to 2018/19; the programme counts from 2017/18."
    pub periods: String,
    pub n_treated: usize,
    pub comparisons: Vec<ComparisonEstimates>,
    /// Warnings that the years before the programme already diverged.
    pub pretrend_warnings: Vec<String>,
    /// How many checks of the years before were made (none flagged when no warnings).
    pub pretrend_checks: usize,
    /// The bundle's caveats for this outcome, districts named.
    pub caveats: Vec<String>,
}

/// The programme page's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ProgrammeEvaluation {
    pub outcomes: Vec<OutcomeEvaluation>,
    /// Set when fewer than [`FEW_TREATED`] districts were treated: says so and which
    /// method to rely on.
    pub few_treated: Option<String>,
}

/// Outcome ids in the study's order, then any others in the order of the rows.
fn outcome_ids(ev: &Evaluation, section: Option<&EvaluationSection>) -> Vec<String> {
    let mut ids: Vec<String> = section
        .map(|s| s.outcomes.iter().map(|o| o.id.clone()).collect())
        .unwrap_or_default();
    for r in &ev.estimates {
        if !ids.contains(&r.outcome) {
            ids.push(r.outcome.clone());
        }
    }
    ids.retain(|id| ev.estimates.iter().any(|r| &r.outcome == id));
    ids
}

/// Comparison set ids in the study's order, then any others of `found` as they come.
fn comparison_order<'a>(
    section: Option<&EvaluationSection>,
    found: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut ids: Vec<String> = section
        .map(|s| s.comparisons.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    for id in found {
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// The caveats of each outcome's part of `evaluation.md` (its `## Caveats` list), in the
/// order the parts were written (the study's order of outcomes).
pub fn caveats_by_part(markdown: &str) -> Vec<Vec<String>> {
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut in_caveats = false;
    for line in markdown.lines() {
        if line.starts_with("# ") {
            parts.push(Vec::new());
            in_caveats = false;
        } else if let Some(h) = line.strip_prefix("## ") {
            in_caveats = h.trim() == "Caveats";
        } else if in_caveats
            && let Some(item) = line.strip_prefix("- ")
            && let Some(part) = parts.last_mut()
        {
            part.push(item.replace('`', ""));
        }
    }
    parts
}

/// Whether `token` is a GSS code (a country letter and eight digits, `E07000191`).
fn is_code(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 9 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

/// `text` with every area code replaced by its name (codes without a name stay).
pub fn name_codes(text: &str, name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let w: &str = word.as_str();
        match is_code(w).then(|| name(w)).flatten() {
            Some(n) => out.push_str(&n),
            None => out.push_str(w),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Pre-treatment event-time estimates whose interval excludes zero, by comparison.
fn pretrends<'a>(
    ev: &'a Evaluation,
    outcome: &str,
) -> (usize, Vec<(String, Vec<&'a EstimateRow>)>) {
    let checks: Vec<&EstimateRow> = ev
        .estimates
        .iter()
        .filter(|r| {
            r.outcome == outcome
                && r.method == Method::Cs
                && r.estimand == Estimand::Event
                && r.pre_treatment
                && r.se.is_finite()
        })
        .collect();
    let mut flagged: Vec<(String, Vec<&EstimateRow>)> = Vec::new();
    for &r in checks.iter().filter(|r| r.ci_low > 0.0 || r.ci_high < 0.0) {
        match flagged.iter_mut().find(|(c, _)| *c == r.comparison) {
            Some((_, rows)) => rows.push(r),
            None => flagged.push((r.comparison.clone(), vec![r])),
        }
    }
    (checks.len(), flagged)
}

/// The programme page's evaluation, or `None` when the bundle has none (or no overall
/// estimate): the page then shows nothing of it.
pub fn programme(
    ev: &Evaluation,
    section: Option<&EvaluationSection>,
    name: &dyn Fn(&str) -> Option<String>,
) -> Option<ProgrammeEvaluation> {
    let caveats = caveats_by_part(&ev.markdown);
    let study_order: Vec<&str> = section
        .map(|s| s.outcomes.iter().map(|o| o.id.as_str()).collect())
        .unwrap_or_default();
    let mut outcomes = Vec::new();
    let mut most_treated = 0;
    for id in outcome_ids(ev, section) {
        let w = Words::for_outcome(section, &id);
        let overall: Vec<&EstimateRow> = ev
            .estimates
            .iter()
            .filter(|r| r.outcome == id && r.is_overall())
            .collect();
        if overall.is_empty() {
            continue;
        }
        let comparison_ids =
            comparison_order(section, overall.iter().map(|r| r.comparison.as_str()));
        let mut comparisons = Vec::new();
        for c in comparison_ids {
            let rows: Vec<&&EstimateRow> = overall.iter().filter(|r| r.comparison == c).collect();
            if rows.is_empty() {
                continue;
            }
            // Randomisation counts its whole universe as controls: another method's count
            // says how many districts the comparison holds.
            let n = rows
                .iter()
                .find(|r| r.method != Method::Ri)
                .unwrap_or(&rows[0])
                .n_control;
            let estimates = ORDER
                .iter()
                .filter_map(|m| rows.iter().find(|r| r.method == *m))
                .map(|r| MethodEstimate {
                    method: method_name(r.method),
                    explained: method_explained(r.method),
                    sentence: w.effect(r),
                    clear: r.rules_out_no_effect(),
                })
                .collect();
            comparisons.push(ComparisonEstimates {
                words: comparison_words(section, &c, n),
                id: c,
                estimates,
            });
        }
        // The discontinuity counts districts near the cut, not districts treated.
        let n_treated = overall
            .iter()
            .filter(|r| r.method != Method::Rd)
            .map(|r| r.n_treated)
            .max()
            .unwrap_or(0);
        most_treated = most_treated.max(n_treated);
        let (checks, flagged) = pretrends(ev, &id);
        let pretrend_warnings = flagged
            .iter()
            .map(|(c, rows)| {
                let n = overall
                    .iter()
                    .find(|r| r.comparison == *c && r.method != Method::Ri)
                    .map_or(0, |r| r.n_control);
                let when: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let k: i64 = r.period.parse().unwrap_or(0);
                        let years = -k;
                        let dp = decimals(r);
                        format!(
                            "{years} year{} before, {} (interval {} to {})",
                            if years == 1 { "" } else { "s" },
                            w.amount(r.estimate, dp),
                            signed(r.ci_low, dp),
                            signed(r.ci_high, dp)
                        )
                    })
                    .collect();
                format!(
                    "Before the programme started, its districts were already moving apart from {}: {}. The estimates against this comparison may not show what would have happened without the programme.",
                    comparison_words(section, c, n),
                    when.join("; ")
                )
            })
            .collect();
        let (first, last, start) = outcome_periods(ev, &id);
        let periods = match (first, last, start) {
            (Some(a), Some(b), Some(s)) => {
                format!("Measured from {a} to {b}; the programme counts from {s}.")
            }
            (Some(a), Some(b), None) => format!("Measured from {a} to {b}."),
            _ => String::new(),
        };
        let part = study_order.iter().position(|o| *o == id);
        let caveats = part
            .and_then(|i| caveats.get(i))
            .into_iter()
            .flatten()
            // The few-treated caveat is said once for the whole evaluation.
            .filter(|c| !c.starts_with("Only "))
            .map(|c| name_codes(c, name))
            .collect();
        outcomes.push(OutcomeEvaluation {
            heading: super::input::sentence(&w.outcome),
            id,
            periods,
            n_treated,
            comparisons,
            pretrend_warnings,
            pretrend_checks: checks,
            caveats,
        });
    }
    if outcomes.is_empty() {
        return None;
    }
    let few_treated = (most_treated > 0 && most_treated < FEW_TREATED).then(|| {
        format!(
            "Only {most_treated} districts are in this evaluation. With so few, the intervals of methods that assume many treated districts may be too narrow: randomisation inference, which does not assume that, is the one to rely on."
        )
    });
    Some(ProgrammeEvaluation {
        outcomes,
        few_treated,
    })
}

/// The first and last period of an outcome's paths, and its first treated period, as
/// people read them.
fn outcome_periods(
    ev: &Evaluation,
    outcome: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let points: Vec<&oa_bundle::PathPoint> = match ev.paths.iter().find(|p| p.outcome == outcome) {
        Some(p0) => ev
            .paths
            .iter()
            .filter(|p| {
                p.outcome == outcome
                    && p.unit == p0.unit
                    && p.comparison == p0.comparison
                    && p.method == p0.method
            })
            .collect(),
        None => Vec::new(),
    };
    if !points.is_empty() {
        return (
            points.first().map(|p| p.period.clone()),
            points.last().map(|p| p.period.clone()),
            points.iter().find(|p| p.treated).map(|p| p.period.clone()),
        );
    }
    // Without paths: the first treated group of the rows.
    let start = ev
        .estimates
        .iter()
        .find(|r| r.outcome == outcome && r.group != ALL)
        .map(|r| period_words(&r.group));
    (None, None, start)
}

/// One period of a district against its synthetic comparison, for the table under the
/// chart.
#[derive(Debug, Clone, Serialize)]
pub struct PathRow {
    pub period: String,
    pub actual: String,
    pub synthetic: String,
    pub gap: String,
    pub treated: bool,
}

/// A comparison district and its share of the synthetic comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Donor {
    pub code: String,
    pub name: String,
    /// Percent, rounded.
    pub percent: String,
}

/// One of the district's own estimates.
#[derive(Debug, Clone, Serialize)]
pub struct UnitEstimate {
    pub method: &'static str,
    pub comparison: String,
    pub sentence: String,
}

/// One district of an area on one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct DistrictEvaluation {
    pub code: String,
    pub district: String,
    pub outcome: String,
    /// "Blackpool: the share of children with a good level of development"
    pub heading: String,
    /// What the synthetic comparison is built from, in words.
    pub comparison: String,
    pub chart: String,
    pub rows: Vec<PathRow>,
    /// The district's synthetic-control estimate against the chart's comparison.
    pub estimate: Option<String>,
    /// The districts with the largest weights ("areas like this one").
    pub donors: Vec<Donor>,
    /// How many more districts have a weight, and their share together.
    pub other_donors: usize,
    pub other_share: String,
    /// Every other estimate of this district (other methods and comparisons).
    pub others: Vec<UnitEstimate>,
}

/// An area page's evaluation: for each of `codes` (the area's districts) and each outcome,
/// the district against its synthetic comparison. `left_out` lists the bundle's caveats
/// that name one of the districts (e.g. a district left out at a boundary change).
#[derive(Debug, Clone, Serialize)]
pub struct AreaEvaluation {
    pub districts: Vec<DistrictEvaluation>,
    pub left_out: Vec<String>,
    pub not_evaluated: Vec<String>,
}

/// The area page's evaluation for the districts `codes` (with their names), or `None`
/// when the bundle has no evaluation.
pub fn area(
    ev: &Evaluation,
    section: Option<&EvaluationSection>,
    codes: &[(String, String)],
    name: &dyn Fn(&str) -> Option<String>,
) -> Option<AreaEvaluation> {
    if ev.estimates.is_empty() {
        return None;
    }
    let mut districts = Vec::new();
    let mut not_evaluated = Vec::new();
    for (code, district) in codes {
        let mut any = false;
        for outcome in outcome_ids(ev, section) {
            let w = Words::for_outcome(section, &outcome);
            // The first comparison (in the study's order) with a synthetic path of this
            // district.
            let comparison_ids =
                comparison_order(section, ev.paths.iter().map(|p| p.comparison.as_str()));
            let path_of = |c: &str| -> Vec<&oa_bundle::PathPoint> {
                ev.paths
                    .iter()
                    .filter(|p| {
                        p.method == Method::Sc
                            && p.outcome == outcome
                            && p.comparison == c
                            && p.unit == *code
                    })
                    .collect()
            };
            let Some((comparison, points)) = comparison_ids
                .iter()
                .map(|c| (c.clone(), path_of(c)))
                .find(|(_, p)| !p.is_empty())
            else {
                continue;
            };
            any = true;
            let unit_rows: Vec<&EstimateRow> = ev
                .estimates
                .iter()
                .filter(|r| r.outcome == outcome && r.estimand == Estimand::Unit && r.unit == *code)
                .collect();
            let own = unit_rows
                .iter()
                .find(|r| r.method == Method::Sc && r.comparison == comparison);
            let mut weights: Vec<(&str, f64)> = ev
                .weights
                .iter()
                .filter(|x| {
                    x.method == Method::Sc
                        && x.kind == WeightKind::Unit
                        && x.outcome == outcome
                        && x.comparison == comparison
                        && x.treated == *code
                        && x.weight > 0.0
                })
                .map(|x| (x.unit.as_str(), x.weight))
                .collect();
            weights.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            let n_donors = own.map_or(weights.len(), |r| r.n_control);
            let donors: Vec<Donor> = weights
                .iter()
                .take(DONORS_NAMED)
                .map(|&(c, wt)| Donor {
                    code: c.to_string(),
                    name: name(c).unwrap_or_else(|| c.to_string()),
                    percent: format!("{}%", (wt * 100.0).round()),
                })
                .collect();
            let rest: f64 = weights.iter().skip(DONORS_NAMED).map(|x| x.1).sum();
            let rows: Vec<PathRow> = points
                .iter()
                .map(|p| PathRow {
                    period: p.period.clone(),
                    actual: format!("{:.1}", p.actual),
                    synthetic: format!("{:.1}", p.synthetic),
                    gap: signed(p.actual - p.synthetic, 1),
                    treated: p.treated,
                })
                .collect();
            let label = format!("Synthetic comparison: districts like {district}");
            let chart = charts::synthetic_chart(&SyntheticSeries {
                id: format!("ev-{code}-{outcome}"),
                title: format!("{district}: {} against a synthetic comparison", w.outcome),
                actual_label: district.clone(),
                synthetic_label: label,
                unit: w.level_unit().to_string(),
                periods: points.iter().map(|p| p.period.clone()).collect(),
                actual: points.iter().map(|p| p.actual).collect(),
                synthetic: points.iter().map(|p| p.synthetic).collect(),
                first_treated: points.iter().position(|p| p.treated),
            });
            let others = unit_rows
                .iter()
                .filter(|r| !(r.method == Method::Sc && r.comparison == comparison))
                .map(|r| UnitEstimate {
                    method: method_name(r.method),
                    comparison: comparison_words(section, &r.comparison, r.n_control),
                    sentence: w.effect(r),
                })
                .collect();
            districts.push(DistrictEvaluation {
                code: code.clone(),
                district: district.clone(),
                heading: format!("{district}: {}", w.outcome),
                outcome: outcome.clone(),
                comparison: comparison_words(section, &comparison, n_donors),
                chart,
                rows,
                estimate: own.map(|r| w.effect(r)),
                donors,
                other_donors: weights.len().saturating_sub(DONORS_NAMED),
                other_share: format!("{}%", (rest * 100.0).round()),
                others,
            });
        }
        if !any {
            not_evaluated.push(district.clone());
        }
    }
    let left_out = caveats_by_part(&ev.markdown)
        .into_iter()
        .flatten()
        .filter(|c| codes.iter().any(|(code, _)| c.contains(code.as_str())))
        .map(|c| name_codes(&c, name))
        .fold(Vec::new(), |mut acc: Vec<String>, c| {
            if !acc.contains(&c) {
                acc.push(c);
            }
            acc
        });
    Some(AreaEvaluation {
        districts,
        left_out,
        not_evaluated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(method: Method, estimate: f64, lo: f64, hi: f64, p: f64) -> EstimateRow {
        EstimateRow {
            method,
            estimand: Estimand::Att,
            group: ALL.into(),
            period: ALL.into(),
            estimate,
            se: f64::NAN,
            ci_low: lo,
            ci_high: hi,
            p_value: p,
            outcome: "gld".into(),
            unit: String::new(),
            comparison: "never_treated".into(),
            n_treated: 12,
            n_control: 300,
            inference: "10000 random assignments".into(),
            pre_treatment: false,
        }
    }

    fn words() -> Words {
        Words {
            outcome: "the share of children with a good level of development".into(),
            units: "percentage points".into(),
            higher_is_better: true,
            level: 95.0,
        }
    }

    #[test]
    fn an_interval_across_zero_is_not_clearly_an_effect() {
        let s = words().effect(&row(Method::Sdid, 0.1, -1.2, 1.4, 0.8));
        assert_eq!(
            s,
            "Estimated effect: +0.1 percentage points (95% interval \u{2212}1.2 to +1.4); this is not clearly different from no effect."
        );
    }

    #[test]
    fn an_interval_above_zero_says_better_or_worse_by_direction() {
        let r = row(Method::Did, 2.345, 0.52, 4.17, 0.01);
        assert!(
            words()
                .effect(&r)
                .ends_with("did better than the comparison.")
        );
        let lower_is_better = Words {
            higher_is_better: false,
            ..words()
        };
        assert!(
            lower_is_better
                .effect(&r)
                .ends_with("did worse than the comparison.")
        );
        assert!(
            words().effect(&r).starts_with(
                "Estimated effect: +2.3 percentage points (95% interval +0.5 to +4.2)"
            )
        );
    }

    #[test]
    fn randomisation_speaks_of_chance() {
        let s = words().effect(&row(Method::Ri, -0.31, f64::NAN, f64::NAN, 0.3412));
        assert!(s.contains("\u{2212}0.31 percentage points"), "{s}");
        assert!(s.contains("came up 34 times in 100 (p = 0.341)"), "{s}");
        assert!(s.ends_with("not clearly different from no effect."), "{s}");
        let once = words().effect(&row(Method::Ri, 1.0, f64::NAN, f64::NAN, 0.007));
        assert!(once.contains("came up 1 time in 100 (p = 0.007)"), "{once}");
        let none = words().effect(&row(Method::Sc, 1.0, f64::NAN, f64::NAN, f64::NAN));
        assert!(
            none.ends_with("its uncertainty was not measured."),
            "{none}"
        );
        // A p-value that is not a probability is not quoted, and rules out nothing.
        for p in [3.2e307, -0.01, 1.5] {
            let bad = words().effect(&row(Method::Ri, 1.0, f64::NAN, f64::NAN, p));
            assert!(bad.ends_with("its uncertainty was not measured."), "{bad}");
            assert!(!bad.contains("came up") && !bad.contains("p <"), "{bad}");
        }
    }

    #[test]
    fn codes_become_names() {
        let name = |c: &str| (c == "E07000246").then(|| "Somerset West and Taunton".to_string());
        assert_eq!(
            name_codes(
                "Area E07000246 (E07000190 + E07000191) was left out.",
                &name
            ),
            "Area Somerset West and Taunton (E07000190 + E07000191) was left out."
        );
    }

    #[test]
    fn caveats_are_read_per_outcome() {
        let md = "# Did a improve?\n\ntext\n\n## Caveats\n\n- Only 12 areas\n- Area `X` left out\n\nIn short\n# Did b improve?\n\n## The effect\n\n- not a caveat\n";
        let parts = caveats_by_part(md);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], vec!["Only 12 areas", "Area X left out"]);
        assert!(parts[1].is_empty());
    }

    proptest! {
        /// A signed figure reads back as the number rounded, with one sign at most.
        #[test]
        fn signed_figures_read_back(v in -1e6f64..1e6, dp in 0usize..4) {
            let s = signed(v, dp);
            let back: f64 = s.replace('\u{2212}', "-").replace('+', "").parse().unwrap();
            let scale = 10f64.powi(dp as i32);
            prop_assert!((back - v).abs() <= 0.5 / scale + 1e-9, "{v} -> {s}");
            let signs = s.matches(['+', '\u{2212}']).count();
            prop_assert!(signs <= 1, "{}", s);
        }

        /// Whatever the row, the sentence is one sentence with no NaN or infinity in it.
        #[test]
        fn sentences_never_show_nan(est in proptest::num::f64::ANY, lo in proptest::num::f64::ANY, hi in proptest::num::f64::ANY, p in prop_oneof![proptest::num::f64::ANY, 0.0f64..=1.0]) {
            let s = words().effect(&row(Method::Cs, est, lo, hi, p));
            prop_assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
            prop_assert!(s.starts_with("Estimated effect: ") && s.ends_with('.'));
            // A chance is at most 100 times in 100.
            if let Some((before, _)) = s.split_once(" times in 100") {
                let times: f64 = before.rsplit(' ').next().unwrap().parse().unwrap();
                prop_assert!((0.0..=100.0).contains(&times), "{s}");
            }
        }
    }
}
