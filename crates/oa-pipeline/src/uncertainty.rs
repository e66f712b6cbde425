//! The uncertainty stage (and `oa uncertainty`): the Monte Carlo analysis of the study's
//! `[uncertainty]` section on the data already read: per-area rank intervals and band
//! probabilities, Sobol indices when asked, and, with a `[selection]`, the selection re-made
//! on every sample with the sample's ranks in place of the study's index (other measures
//! as read from the data): `p_selected` per area and the stability of the selected set
//! (samples whose constraints cannot all hold are counted, not fatal).

use crate::error::{Code, Error};
use crate::plan::Plan;
use crate::rollup::DistrictRanking;
use crate::selection::{IndexScores, read_inputs};
use oa_bundle::{RankIntervals, Sensitivity, Stability, Uncertainty};
use oa_engine::{IndicatorMatrix, Progress};
use oa_io::StudyData;
use oa_model::study::selection::{Better, INDEX_MEASURE};
use oa_model::study::uncertainty::{check_samples, check_sobol};
use oa_targeting::reselect::Reselector;
use oa_targeting::select;
use oa_uncertainty::{Outcome, Problem, Regroup, Reselect, Settings, SobolSettings, summary};
use std::collections::BTreeMap;
use std::sync::Mutex;

fn input(message: impl Into<String>) -> Error {
    Error::new(Code::StudyInvalid, message)
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::new(Code::StageFailed, e.to_string())
}

/// A probability or index rounded to six decimals, as the bundle keeps them.
fn six(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}

/// Everything the Monte Carlo needs, checked and prepared: the settings (samples, seed,
/// Sobol), the problem (nominal index, choices), the larger areas after a roll-up and the
/// selection to re-make on every sample.
pub struct Prepared {
    problem: Problem,
    settings: Settings,
    samples: i64,
    districts: Option<DistrictRanking>,
    units: Units,
    reselection: Option<Reselection>,
}

impl Prepared {
    /// The units the analysis is about (areas, or larger areas after a roll-up).
    pub fn units(&self) -> usize {
        self.units.codes.len()
    }
}

/// Checks the study's `[uncertainty]` settings on `data` and prepares the analysis
/// (everything [`run`] does but the samples): `oa validate` stops here.
pub fn prepare(plan: &Plan, data: &StudyData) -> Result<Prepared, Error> {
    let study = &plan.study;
    let Some(u) = &study.uncertainty else {
        return Err(input(
            "the study has no [uncertainty] section: add one (see studies/imd2019-uncertainty.toml)",
        ));
    };
    let samples = plan.samples.unwrap_or(u.samples);
    check_samples(samples).map_err(|m| input(format!("--samples: {m}")))?;
    let seed = plan.seed.unwrap_or(u.seed);
    let sobol = match u.sobol {
        Some(so) => {
            let base = so.samples.unwrap_or(samples);
            check_sobol(&so, base).map_err(|(k, m)| input(format!("`uncertainty.{k}`: {m}")))?;
            Some(SobolSettings {
                samples: base as usize,
                bootstrap: so.bootstrap as usize,
                confidence: so.confidence,
            })
        }
        None => None,
    };
    let se = if u.data_noise.is_some() {
        load_standard_errors(plan, &data.area_codes)?
    } else {
        Vec::new()
    };
    let codes = &data.area_codes;
    let matrix = IndicatorMatrix::new(data.indicator_ids.clone(), data.columns.clone())
        .with_area_codes(codes.clone());
    let problem = Problem::prepare(study, &matrix, &se).map_err(failed)?;
    let settings = Settings {
        samples: samples as usize,
        seed,
        bins: summary::DEFAULT_BINS,
        sobol,
    };
    let kept_codes: Vec<String> = problem.kept.iter().map(|&a| codes[a].clone()).collect();
    // After a roll-up the analysis is about the larger areas' headline ranking.
    let districts = match &study.rollup {
        Some(r) => Some(DistrictRanking::prepare(plan, r, &kept_codes)?),
        None => None,
    };
    let regroup = districts.as_ref().map(|d| d as &dyn Regroup);
    let units = match &districts {
        Some(d) => Units {
            codes: d.codes.clone(),
            names: d.names.clone(),
            nominal: oa_uncertainty::nominal_ranks(&problem, regroup).map_err(failed)?,
        },
        None => Units {
            names: problem
                .kept
                .iter()
                .map(|&a| data.area_names.get(a).cloned().unwrap_or_default())
                .collect(),
            codes: kept_codes,
            nominal: problem.nominal_ranks.clone(),
        },
    };
    let reselection = match study.selection {
        Some(_) => Some(Reselection::prepare(plan, &units)?),
        None => None,
    };
    Ok(Prepared {
        problem,
        settings,
        samples,
        districts,
        units,
        reselection,
    })
}

/// Runs the analysis of the study's `[uncertainty]` section on `data` (the study's data,
/// as read for the index). Samples and seed come from the plan when it overrides them.
pub fn run(plan: &Plan, data: &StudyData, progress: &dyn Progress) -> Result<Uncertainty, Error> {
    let study = &plan.study;
    let Prepared {
        problem,
        settings,
        samples,
        districts,
        units,
        reselection,
    } = prepare(plan, data)?;
    let regroup = districts.as_ref().map(|d| d as &dyn Regroup);
    let select = |ranks: &[u32]| reselection.as_ref().and_then(|r| r.select(ranks));
    let outcome = oa_uncertainty::run_grouped(
        &problem,
        &settings,
        progress,
        reselection
            .as_ref()
            .map(|r| (&select as Reselect<'_>, &r.nominal[..])),
        regroup,
    )
    .map_err(|e| match e {
        oa_uncertainty::UncertaintyError::Stopped => Error::stopped(),
        e => failed(e),
    })?;
    let title = &study.study.title;
    let areas = intervals(&outcome, &units.codes);
    let chart = interval_chart(
        &outcome,
        &areas,
        &format!("{title}: rank uncertainty ({samples} samples)"),
    );
    Ok(Uncertainty {
        areas,
        stability: match (&reselection, &outcome.selection) {
            (Some(r), Some(st)) => Some(Stability {
                samples: samples as u32,
                feasible: st.feasible as u32,
                infeasible: st.infeasible as u32,
                share_equal_nominal: six(st.share_equal),
                mean_jaccard: six(st.mean_jaccard),
                nominal_selected: r.nominal_codes(),
            }),
            _ => None,
        },
        sensitivity: outcome.sobol.as_ref().map(|rows| {
            rows.iter()
                .map(|(name, ix)| Sensitivity {
                    input: name.clone(),
                    first_order: six(ix.first_order),
                    first_order_low: six(ix.first_order_low),
                    first_order_high: six(ix.first_order_high),
                    total: six(ix.total),
                    total_low: six(ix.total_low),
                    total_high: six(ix.total_high),
                })
                .collect()
        }),
        chart,
        sensitivity_chart: oa_uncertainty::report::sensitivity_svg(
            &outcome,
            &format!("{title}: sensitivity"),
        ),
    })
}

/// Rank intervals against nominal rank, coloured by the probability of the band at the
/// worst end (the cold spots) and with that band's threshold marked; without a band at
/// the worst end, the first band.
fn interval_chart(o: &Outcome, areas: &RankIntervals, title: &str) -> String {
    use oa_model::study::End;
    let n = o.nominal_ranks.iter().filter(|&&r| r > 0).count();
    let marked = o
        .bands
        .iter()
        .position(|b| b.end == End::Worst)
        .or((!o.bands.is_empty()).then_some(0));
    let intervals: Vec<oa_uncertainty::chart::Interval> = (0..o.units)
        .map(|i| oa_uncertainty::chart::Interval {
            nominal: o.nominal_ranks[i],
            median: areas.median_rank[i],
            low: areas.p05_rank[i],
            high: areas.p95_rank[i],
            p_band: marked.map(|b| o.summary.band_probability(i, b)),
        })
        .collect();
    // The chart draws the line after rank `t`: the band's last rank at the rank-1 end,
    // or the rank before its first at the other end.
    let threshold = marked.map(|b| {
        let band = &o.bands[b];
        let size = band.size(n) as u32;
        let t = if band.end == o.rank_1 {
            size
        } else {
            (n as u32).saturating_sub(size)
        };
        (t, band.name.as_str())
    });
    let svg = oa_uncertainty::chart::interval_chart(title, o.units, &intervals, threshold);
    keep_label_inside(svg)
}

/// The chart writes the threshold's label to the right of its line; a cold-spot band at
/// the far end puts the line near the right edge, so the label is moved to its left
/// there (text-anchor `end`) instead of running off the chart.
fn keep_label_inside(svg: String) -> String {
    const CHART_WIDTH: f64 = 900.0;
    let Some(at) = svg.find(r##"fill="#c00">"##) else {
        return svg;
    };
    let Some(start) = svg[..at].rfind("<text x=\"") else {
        return svg;
    };
    let x_from = start + "<text x=\"".len();
    let Some(x_len) = svg[x_from..].find('"') else {
        return svg;
    };
    let Ok(x) = svg[x_from..x_from + x_len].parse::<f64>() else {
        return svg;
    };
    let label_end = svg[at..].find("</text>").map_or(0, |e| e);
    let chars = svg[at..at + label_end].chars().count().saturating_sub(12);
    // 12 px font: about 7 px a character.
    if x + 7.0 * chars as f64 <= CHART_WIDTH - 10.0 {
        return svg;
    }
    format!(
        "{}{:.1}\" text-anchor=\"end{}",
        &svg[..x_from],
        x - 8.0,
        &svg[x_from + x_len..]
    )
}

/// The units an analysis is about: the kept areas (the engine's order), or the larger
/// areas of a roll-up (by code).
struct Units {
    codes: Vec<String>,
    names: Vec<String>,
    nominal: Vec<u32>,
}

/// Per unit: nominal, median, 5th and 95th percentile ranks, band probabilities and
/// `p_selected`.
fn intervals(o: &Outcome, codes: &[String]) -> RankIntervals {
    let s = &o.summary;
    let units = 0..o.units;
    let q: Vec<[u32; 3]> = units
        .clone()
        .map(|i| s.quantiles(i, [0.05, 0.5, 0.95]))
        .collect();
    RankIntervals {
        area_code: codes.to_vec(),
        nominal_rank: o.nominal_ranks.clone(),
        median_rank: q.iter().map(|x| x[1]).collect(),
        p05_rank: q.iter().map(|x| x[0]).collect(),
        p95_rank: q.iter().map(|x| x[2]).collect(),
        bands: o
            .bands
            .iter()
            .enumerate()
            .map(|(b, band)| {
                (
                    band.name.clone(),
                    units
                        .clone()
                        .map(|i| six(s.band_probability(i, b)))
                        .collect(),
                )
            })
            .collect(),
        p_selected: o
            .selection
            .as_ref()
            .map(|st| st.p_selected.iter().map(|&x| six(x)).collect()),
    }
}

/// The study's selection prepared once for re-running on each sample: its districts
/// and measures read once, with the study's index replaced per sample by the sample's
/// ranks (ranks order areas as scores do, so the choice by need is the same).
struct Reselection {
    /// One prepared selection per worker in use (they hold scratch state); which one a
    /// sample gets does not change its result.
    pool: Mutex<Vec<Reselector>>,
    template: Option<Reselector>,
    /// Kept area of each district (None: not among the study's ranked areas).
    kept_of_district: Vec<Option<usize>>,
    /// Districts of each candidate area, as kept areas.
    candidate_kept: Vec<Vec<usize>>,
    /// Input area code per kept area.
    kept_codes: Vec<String>,
    /// The selection on the nominal ranks (kept areas, sorted).
    nominal: Vec<usize>,
}

impl Reselection {
    fn prepare(plan: &Plan, units: &Units) -> Result<Reselection, Error> {
        let study = &plan.study;
        let kept_codes = units.codes.clone();
        let kept_of: BTreeMap<&str, usize> = kept_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let scores = IndexScores {
            codes: units.codes.clone(),
            names: units.names.clone(),
            score: units
                .nominal
                .iter()
                .map(|&r| if r > 0 { f64::from(r) } else { f64::NAN })
                .collect(),
            direction: study.scoring.score,
        };
        let mut inputs = read_inputs(plan, Some(&scores))?;
        if let Some(i) = inputs.index {
            // The index measure now holds ranks: rank 1 is the best or the worst end (the
            // worst for a roll-up's larger areas).
            let rank_1 = match study.rollup {
                Some(_) => oa_model::study::End::Worst,
                None => study.scoring.rank_1,
            };
            inputs.measures[i].better = match rank_1 {
                oa_model::study::End::Best => Better::Lower,
                oa_model::study::End::Worst => Better::Higher,
            };
        }
        let selection = crate::selection::section(plan)?;
        let on_nominal = |e: &dyn std::fmt::Display| {
            Error::new(
                Code::SelectionFailed,
                format!("the selection on the nominal ranking: {e}"),
            )
        };
        let nominal_problem = select::prepare(selection, &inputs.districts, &inputs.measures)
            .map_err(|e| on_nominal(&e))?;
        let choice = select::choose(&nominal_problem).map_err(|e| on_nominal(&e))?;
        let kept_of_district: Vec<Option<usize>> = inputs
            .districts
            .iter()
            .map(|d| kept_of.get(d.code.as_str()).copied())
            .collect();
        let candidate_kept: Vec<Vec<usize>> = nominal_problem
            .candidates
            .iter()
            .map(|c| {
                c.districts
                    .iter()
                    .filter_map(|d| kept_of.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let template = match inputs.index {
            Some(_) => Some(
                Reselector::new(
                    selection,
                    &inputs.districts,
                    &inputs.measures,
                    INDEX_MEASURE,
                )
                .map_err(|e| {
                    Error::new(
                        Code::SelectionFailed,
                        format!("re-running the selection per sample: {e}"),
                    )
                })?,
            ),
            None => None,
        };
        let mut r = Reselection {
            pool: Mutex::new(Vec::new()),
            template,
            kept_of_district,
            candidate_kept,
            kept_codes,
            nominal: Vec::new(),
        };
        r.nominal = r.kept_areas(&choice.chosen);
        Ok(r)
    }

    /// The kept areas of the chosen candidates (sorted).
    fn kept_areas(&self, chosen: &[usize]) -> Vec<usize> {
        let mut out: Vec<usize> = chosen
            .iter()
            .flat_map(|&c| self.candidate_kept[c].iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The selection on one sample's ranks; `None` when infeasible (or when a district
    /// is not ranked in the sample).
    fn select(&self, ranks: &[u32]) -> Option<Vec<usize>> {
        let Some(template) = &self.template else {
            return Some(self.nominal.clone());
        };
        let values: Vec<f64> = self
            .kept_of_district
            .iter()
            .map(|k| match k.map(|i| ranks[i]) {
                Some(r) if r > 0 => f64::from(r),
                _ => f64::NAN,
            })
            .collect();
        let mut re = self
            .pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| template.clone());
        let chosen = match re.update(&values) {
            Ok(_) => re.select().map(|c| self.kept_areas(&c.chosen)),
            Err(_) => None,
        };
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).push(re);
        chosen
    }

    fn nominal_codes(&self) -> Vec<String> {
        self.nominal
            .iter()
            .map(|&i| self.kept_codes[i].clone())
            .collect()
    }
}

/// Standard errors per indicator (study order), read like the indicators themselves but
/// from each indicator's `se_column`; `None` for indicators without one.
fn load_standard_errors(plan: &Plan, codes: &[String]) -> Result<Vec<Option<Vec<f64>>>, Error> {
    let study = &plan.study;
    let mut se_study = study.clone();
    for ind in se_study.indicators.iter_mut() {
        if let Some(c) = &ind.se_column {
            ind.column = Some(c.clone());
        }
    }
    let se = oa_io::load_study_data(&se_study, &plan.data_dir).map_err(|e| {
        Error::new(
            Code::DataMalformed,
            format!("reading standard errors (`se_column`): {e}"),
        )
    })?;
    if se.area_codes != codes {
        return Err(Error::new(
            Code::DataMalformed,
            "standard errors: the areas read differ from the indicators' (check `se_column`)",
        ));
    }
    Ok(study
        .indicators
        .iter()
        .zip(se.columns)
        .map(|(ind, col)| ind.se_column.as_ref().map(|_| col))
        .collect())
}
