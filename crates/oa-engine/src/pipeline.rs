//! The whole pipeline of METHODS.md section 1, from raw indicator columns to scores,
//! ranks and bands for the index and every group.
//!
//! Order (METHODS.md 1, and [`IndexResult::steps`] says it in every result): coverage
//! and screening (areas with no value at all are dropped first), imputation (mean,
//! median, or the group imputations, all in the indicators' own units), JRC outlier
//! treatment (in the indicator's own units), orientation to the study's score direction,
//! normalisation, weights and aggregation bottom-up, ranks, bands. Every score `oa`
//! reports runs in the `[scoring] score` direction, and a score that is not a finite
//! number is an error naming its cause, never a blank.

use crate::aggregate::aggregate;
use crate::bands::{named_bands, quantile_bands};
use crate::error::EngineError;
use crate::matrix::IndicatorMatrix;
use crate::missing::{coverage, impute, impute_within_groups, screen};
use crate::normalise::{normalisation_of, normalise_into, orient, orient_parameters};
use crate::outliers::{OutlierReport, treat_outliers_jrc};
use crate::progress::Progress;
use crate::rank::{RankScratch, highest_ranks_first, rank_min_into};
use crate::tree::{Child, IndexTree};
use crate::weights::{Pca, PcaWarning, pca_weights};
use oa_model::Study;
use oa_model::study::{
    Aggregation, Direction, End, Imputation, Normalisation, OutlierTreatment, Weighting,
};
use rayon::prelude::*;

/// A missing value the engine filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImputedCell {
    /// Area position in the input matrix.
    pub area: usize,
    /// Indicator position in study order.
    pub indicator: usize,
    /// The value filled in, in the indicator's own units (every imputation happens
    /// before outlier treatment and normalisation).
    pub value: f64,
}

/// Why screening dropped an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// No value in any indicator: dropped before imputation whatever `min_coverage` is.
    NoData,
    /// Some values, but a share under `method.missing.min_coverage`.
    BelowCoverage,
}

impl DropReason {
    /// `no data` or `below min_coverage`, for tables.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::NoData => "no data",
            DropReason::BelowCoverage => "below min_coverage",
        }
    }
}

/// Something the index should be read with that did not stop it being computed.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineWarning {
    /// A group's principal-component weights (`weights = "pca"`).
    Pca { group: String, warning: PcaWarning },
}

impl std::fmt::Display for EngineWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineWarning::Pca { group, warning } => write!(f, "group `{group}`: {warning}"),
        }
    }
}

/// One step of the pipeline as it ran, in order: what was done and with which setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineStep {
    /// `screen`, `impute`, `outliers`, `orient`, `normalise`, `weights`, `aggregate`,
    /// `rank`, `bands`.
    pub step: &'static str,
    /// The setting in words, e.g. `group_mean of siblings, in the indicators' own units`.
    pub detail: String,
}

/// Scores and ranks of one inner node (a group, or the index).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeResult {
    pub id: String,
    pub name: String,
    /// 0 for the index, 1 for its groups, ...
    pub depth: usize,
    /// Parent id (`None` for the index).
    pub parent: Option<String>,
    /// Child ids (indicators, then groups, in study order).
    pub children: Vec<String>,
    /// Weights of the children as used: given (as written), equal (`1/k`) or PCA
    /// (summing to 1). The weighted sum uses them as written; the means use only their
    /// ratios.
    pub weights: Vec<f64>,
    /// Explained variance of the first principal component when weights are `pca`.
    pub explained_variance: Option<f64>,
    /// The principal components the weights came from (loadings per child, eigenvalues),
    /// when weights are `pca`.
    pub pca: Option<Pca>,
    pub aggregation: Aggregation,
    /// One score per kept area (in the study's score direction; `NaN` if no child had a
    /// value).
    pub score: Vec<f64>,
    /// Ranks (ties 'min', 1 = the `[scoring] rank_1` end; 0 = not ranked).
    pub rank: Vec<u32>,
}

/// Everything [`compute_index`] computed.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexResult {
    /// Which way every score runs.
    pub score_direction: Direction,
    /// Which end rank 1 is.
    pub rank_1: End,
    /// Input positions of the areas kept, in input order; every per-area vector below
    /// (except `coverage`) follows this order.
    pub kept: Vec<usize>,
    /// Input positions of the areas dropped by screening.
    pub dropped: Vec<usize>,
    /// Why each area in `dropped` was dropped (same order).
    pub dropped_reasons: Vec<DropReason>,
    /// Share of indicators present, per input area.
    pub coverage: Vec<f64>,
    pub imputed: Vec<ImputedCell>,
    /// One report per indicator when the JRC rule is on (empty otherwise).
    pub outliers: Vec<OutlierReport>,
    pub indicator_ids: Vec<String>,
    /// Normalised values, indicator-major over the kept areas (oriented to the score).
    pub normalised: Vec<Vec<f64>>,
    /// Groups in study order.
    pub groups: Vec<NodeResult>,
    /// The index (root).
    pub index: NodeResult,
    /// Named band names, in study order.
    pub band_names: Vec<String>,
    /// Band of each kept area, as a position in `band_names`.
    pub band: Vec<Option<u16>>,
    /// Quantile of each kept area (1 = the rank-1 end; 0 = not ranked) when declared.
    pub quantile: Option<Vec<u32>>,
    /// What the result should be read with (e.g. PCA weights of a group that explain
    /// little); empty when nothing is remarkable.
    pub warnings: Vec<EngineWarning>,
    /// The steps in the order they ran, with their settings.
    pub steps: Vec<PipelineStep>,
}

impl IndexResult {
    /// Number of kept areas.
    pub fn n_areas(&self) -> usize {
        self.kept.len()
    }

    /// Name of the band of kept area `i`.
    pub fn band_of(&self, i: usize) -> Option<&str> {
        self.band[i].map(|b| self.band_names[b as usize].as_str())
    }

    /// A group (or the index, by [`crate::tree::INDEX_ID`]) by id.
    pub fn node(&self, id: &str) -> Option<&NodeResult> {
        if self.index.id == id {
            return Some(&self.index);
        }
        self.groups.iter().find(|g| g.id == id)
    }
}

/// One indicator after imputation: outliers, orientation, normalisation.
struct Prepared {
    column: Vec<f64>,
    outliers: Option<OutlierReport>,
}

fn prepare_indicator(
    study: &Study,
    i: usize,
    mut values: Vec<f64>,
    kept: &[usize],
    scratch: &mut RankScratch,
) -> Result<Prepared, EngineError> {
    let ind = &study.indicators[i];
    let method = &study.method;
    let outliers = match method.outliers {
        OutlierTreatment::None => None,
        OutlierTreatment::Jrc => {
            let mut r = treat_outliers_jrc(&mut values);
            r.indicator = ind.id.clone();
            for p in &mut r.points {
                p.area = kept[p.area];
            }
            Some(r)
        }
    };
    let flipped = orient(&mut values, ind.direction, study.scoring.score);
    let (norm, target) = orient_parameters(normalisation_of(ind, method), ind.target, flipped);
    let mut column = vec![f64::NAN; values.len()];
    normalise_into(&values, &norm, target, scratch, &mut column).map_err(|e| e.about(&ind.id))?;
    if let Some(a) = (0..column.len()).find(|&a| !values[a].is_nan() && !column[a].is_finite()) {
        return Err(EngineError::NonFiniteResult {
            subject: ind.id.clone(),
            area: a,
            area_code: String::new(),
            value: column[a],
            cause: format!(
                "its `{}` normalisation of {} gives {}; the values are too large or too spread for floating-point arithmetic: rescale the indicator (e.g. thousands instead of units)",
                norm.name(),
                values[a],
                column[a]
            ),
        });
    }
    Ok(Prepared { column, outliers })
}

/// Mean/median per column and the group imputations, all in the indicators' own units
/// (kept areas only). Returns the cells filled, in (area, indicator) order.
fn impute_all(
    study: &Study,
    tree: &IndexTree,
    values: &mut [Vec<f64>],
    kept: &[usize],
) -> Vec<ImputedCell> {
    let mut imputed = Vec::new();
    match study.method.missing.impute {
        Imputation::None => {}
        how @ (Imputation::Mean | Imputation::Median) => {
            for (i, column) in values.iter_mut().enumerate() {
                let (filled, fill) = impute(column, how);
                imputed.extend(filled.into_iter().map(|p| ImputedCell {
                    area: kept[p],
                    indicator: i,
                    value: fill,
                }));
            }
        }
        how @ (Imputation::GroupMean | Imputation::GroupMedian) => {
            let reversed: Vec<bool> = study
                .indicators
                .iter()
                .map(|ind| ind.direction != study.scoring.score)
                .collect();
            for node in &tree.nodes {
                let members: Vec<usize> = node
                    .children
                    .iter()
                    .filter_map(|c| match c {
                        Child::Indicator(i) => Some(*i),
                        Child::Group(_) => None,
                    })
                    .collect();
                let use_median = how == Imputation::GroupMedian;
                for (a, i, v) in impute_within_groups(values, &members, &reversed, use_median) {
                    imputed.push(ImputedCell {
                        area: kept[a],
                        indicator: i,
                        value: v,
                    });
                }
            }
        }
    }
    imputed.sort_by_key(|c| (c.area, c.indicator));
    imputed
}

/// The steps [`compute_index`] runs for `study`, in order, with their settings.
pub fn pipeline_steps(study: &Study) -> Vec<PipelineStep> {
    let m = &study.method;
    let step = |step: &'static str, detail: String| PipelineStep { step, detail };
    let impute = match m.missing.impute {
        Imputation::None => "none: aggregation uses the children present".to_string(),
        Imputation::Mean => "mean of the indicator, in its own units".to_string(),
        Imputation::Median => "median of the indicator, in its own units".to_string(),
        Imputation::GroupMean | Imputation::GroupMedian => format!(
            "{} of the area's sibling indicators on a min-max scale, mapped back to the indicator's own units",
            if m.missing.impute == Imputation::GroupMean {
                "mean"
            } else {
                "median"
            }
        ),
    };
    let normalisations: Vec<&'static str> = {
        let mut v: Vec<&'static str> = study
            .indicators
            .iter()
            .map(|ind| normalisation_of(ind, m).name())
            .collect();
        v.dedup();
        v
    };
    vec![
        step(
            "screen",
            format!(
                "areas with no value are dropped, then areas with coverage under {}",
                m.missing.min_coverage
            ),
        ),
        step("impute", impute),
        step(
            "outliers",
            match m.outliers {
                OutlierTreatment::None => "none".to_string(),
                OutlierTreatment::Jrc => "jrc: winsorise up to 5 distinct points, else log, in the indicator's own units, after imputation".to_string(),
            },
        ),
        step(
            "orient",
            "indicators running against the score are negated".to_string(),
        ),
        step("normalise", normalisations.join(", ")),
        step(
            "weights",
            match m.weights {
                Weighting::Given => "given".to_string(),
                Weighting::Equal => "equal".to_string(),
                Weighting::Pca => "pca: squared loadings of each group's first principal component".to_string(),
            },
        ),
        step("aggregate", m.aggregation.name().to_string()),
        step(
            "rank",
            "ties 'min'; rank 1 = the `[scoring] rank_1` end".to_string(),
        ),
        step("bands", {
            let mut b: Vec<String> = study.bands.named.iter().map(|b| b.name.clone()).collect();
            if let Some(q) = study.bands.quantiles {
                b.push(format!("{q} quantiles"));
            }
            if b.is_empty() { "none".to_string() } else { b.join(", ") }
        }),
    ]
}

/// Computes the index, every group, ranks and bands of `study` on `data` (one column
/// per study indicator, in study order). Pure and deterministic.
pub fn compute_index(
    study: &Study,
    data: &IndicatorMatrix,
    progress: &dyn Progress,
) -> Result<IndexResult, EngineError> {
    data.check_against(study)?;
    let tree = IndexTree::from_study(study);
    let k = study.indicators.len();
    progress.start("Index", (k + tree.nodes.len()) as u64);

    let coverage = coverage(&data.columns);
    let (kept, dropped) = screen(&coverage, study.method.missing.min_coverage);
    if kept.is_empty() {
        return Err(EngineError::NoAreaKept {
            min_coverage: study.method.missing.min_coverage,
        });
    }
    let dropped_reasons = dropped
        .iter()
        .map(|&a| {
            if coverage[a] > 0.0 {
                DropReason::BelowCoverage
            } else {
                DropReason::NoData
            }
        })
        .collect();

    let mut values: Vec<Vec<f64>> = Vec::with_capacity(k);
    for (i, raw) in data.columns.iter().enumerate() {
        let column: Vec<f64> = if kept.len() == raw.len() {
            raw.clone()
        } else {
            kept.iter().map(|&a| raw[a]).collect()
        };
        if column.iter().all(|v| v.is_nan()) {
            return Err(EngineError::AllMissing {
                subject: study.indicators[i].id.clone(),
            });
        }
        values.push(column);
    }
    let imputed = impute_all(study, &tree, &mut values, &kept);

    let uses_exponential = study.indicators.iter().any(|ind| {
        matches!(
            normalisation_of(ind, &study.method),
            Normalisation::ImdExponential
        )
    });
    let template = if uses_exponential {
        RankScratch::with_imd_table(kept.len())
    } else {
        RankScratch::new()
    };
    let prepared: Vec<Result<Prepared, EngineError>> = values
        .into_par_iter()
        .enumerate()
        .map_init(
            || template.clone(),
            |scratch, (i, column)| {
                let r = prepare_indicator(study, i, column, &kept, scratch)
                    .map_err(|e| e.with_area_codes(&data.area_codes, &kept));
                progress.advance(1);
                r
            },
        )
        .collect();
    let mut normalised = Vec::with_capacity(k);
    let mut outliers = Vec::new();
    for p in prepared {
        let p = p?;
        normalised.push(p.column);
        outliers.extend(p.outliers);
    }

    let NodeScores {
        scores,
        weights,
        pca,
        warnings,
    } = score_nodes(study, &tree, &normalised, &kept, data)?;
    progress.advance(tree.nodes.len() as u64);

    let highest_first = highest_ranks_first(study.scoring.score, study.scoring.rank_1);
    let ranks: Vec<Vec<u32>> = scores
        .par_iter()
        .map_init(RankScratch::new, |scratch, s| {
            let mut r = vec![0u32; s.len()];
            rank_min_into(s, highest_first, scratch, &mut r);
            r
        })
        .collect();

    let root = tree.root();
    let band = named_bands(&ranks[root], &study.bands.named, study.scoring.rank_1)?;
    let quantile = study
        .bands
        .quantiles
        .map(|q| quantile_bands(&ranks[root], q))
        .transpose()?;

    let mut results: Vec<NodeResult> = tree
        .nodes
        .iter()
        .zip(scores)
        .zip(ranks)
        .zip(weights)
        .zip(pca)
        .map(|((((node, score), rank), weights), pca)| NodeResult {
            id: node.id.clone(),
            name: node.name.clone(),
            depth: node.depth,
            parent: node.parent.map(|p| tree.nodes[p].id.clone()),
            children: node
                .children
                .iter()
                .map(|&c| tree.child_id(c).to_string())
                .collect(),
            weights,
            explained_variance: pca.as_ref().map(|p| p.explained_variance),
            pca,
            aggregation: node.aggregation,
            score,
            rank,
        })
        .collect();
    let index = results.pop().expect("the tree always has a root");
    progress.finish();
    Ok(IndexResult {
        score_direction: study.scoring.score,
        rank_1: study.scoring.rank_1,
        kept,
        dropped,
        dropped_reasons,
        coverage,
        imputed,
        outliers,
        indicator_ids: tree.indicator_ids,
        normalised,
        groups: results,
        index,
        band_names: study.bands.named.iter().map(|b| b.name.clone()).collect(),
        band,
        quantile,
        warnings,
        steps: pipeline_steps(study),
    })
}

/// Per node (in `tree.nodes` order): scores, weights as used, the principal components
/// behind PCA weights; and the warnings about them.
struct NodeScores {
    scores: Vec<Vec<f64>>,
    weights: Vec<Vec<f64>>,
    pca: Vec<Option<Pca>>,
    warnings: Vec<EngineWarning>,
}

/// Scores every node bottom-up.
fn score_nodes(
    study: &Study,
    tree: &IndexTree,
    normalised: &[Vec<f64>],
    kept: &[usize],
    data: &IndicatorMatrix,
) -> Result<NodeScores, EngineError> {
    let n = kept.len();
    let mut weights = tree.static_weights(study.method.weights);
    let mut pca = vec![None; tree.nodes.len()];
    let mut warnings = Vec::new();
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); tree.nodes.len()];
    for &j in &tree.order {
        let node = &tree.nodes[j];
        let children: Vec<&[f64]> = node
            .children
            .iter()
            .map(|&c| match c {
                Child::Indicator(i) => normalised[i].as_slice(),
                Child::Group(g) => scores[g].as_slice(),
            })
            .collect();
        let locate = |e: EngineError| e.about(&node.id).with_area_codes(&data.area_codes, kept);
        if let Some(w) = weights[j]
            .iter()
            .position(|w| !(w.is_finite() && *w >= 0.0))
        {
            return Err(EngineError::NegativeWeight {
                subject: node.id.clone(),
                child: tree.child_id(node.children[w]).to_string(),
                weight: weights[j][w],
            });
        }
        if study.method.weights == Weighting::Pca {
            let ids: Vec<&str> = node.children.iter().map(|&c| tree.child_id(c)).collect();
            let p = pca_weights(&children, &ids).map_err(locate)?;
            weights[j] = p.weights;
            warnings.extend(p.warnings.into_iter().map(|warning| EngineWarning::Pca {
                group: node.id.clone(),
                warning,
            }));
            pca[j] = Some(p.pca);
        }
        let mut out = vec![f64::NAN; n];
        aggregate(&children, &weights[j], &node.aggregation, &mut out).map_err(locate)?;
        check_finite_scores(&children, &weights[j], &node.aggregation, &out).map_err(locate)?;
        scores[j] = out;
    }
    Ok(NodeScores {
        scores,
        weights,
        pca,
        warnings,
    })
}

/// A score that is not a finite number where some child has a value is an error that
/// says why (overflowing weights or values), never a blank score.
pub(crate) fn check_finite_scores(
    children: &[&[f64]],
    weights: &[f64],
    method: &Aggregation,
    scores: &[f64],
) -> Result<(), EngineError> {
    let Some(a) = (0..scores.len())
        .find(|&a| !scores[a].is_finite() && children.iter().any(|c| !c[a].is_nan()))
    else {
        return Ok(());
    };
    let weight_sum: f64 = weights.iter().sum();
    let largest_value = children
        .iter()
        .map(|c| c[a])
        .filter(|x| !x.is_nan())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let cause = format!(
        "{} aggregation of values up to {largest_value} with weights summing to {weight_sum} overflows; scale the weights or the normalised values down",
        method.name()
    );
    Err(EngineError::NonFiniteResult {
        subject: String::new(),
        area: a,
        area_code: crate::error::position_label(a),
        value: scores[a],
        cause,
    })
}

/// Scores the tree with fixed `weights` (one `Vec` per node, as [`IndexTree::nodes`])
/// from `normalised` columns (indicator-major), writing one score vector per node into
/// `scores` (resized as needed). For repeated runs (uncertainty analysis): no PCA, no
/// ranking, and it reuses the caller's buffers.
pub fn score_tree(
    tree: &IndexTree,
    normalised: &[&[f64]],
    weights: &[Vec<f64>],
    scores: &mut Vec<Vec<f64>>,
) -> Result<(), EngineError> {
    let n = normalised.first().map_or(0, |c| c.len());
    scores.resize_with(tree.nodes.len(), Vec::new);
    for &j in &tree.order {
        let node = &tree.nodes[j];
        let mut out = std::mem::take(&mut scores[j]);
        out.resize(n, f64::NAN);
        let children: Vec<&[f64]> = node
            .children
            .iter()
            .map(|&c| match c {
                Child::Indicator(i) => normalised[i],
                Child::Group(g) => scores[g].as_slice(),
            })
            .collect();
        let r = aggregate(&children, &weights[j], &node.aggregation, &mut out)
            .and_then(|()| check_finite_scores(&children, &weights[j], &node.aggregation, &out));
        drop(children);
        scores[j] = out;
        r.map_err(|e| e.about(&node.id))?;
    }
    Ok(())
}
