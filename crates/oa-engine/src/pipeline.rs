//! The whole pipeline of METHODS.md section 1, from raw indicator columns to scores,
//! ranks and bands for the index and every group.
//!
//! Order: coverage and screening, mean/median imputation, JRC outlier treatment (in the
//! indicator's own units), orientation to the study's score direction, normalisation,
//! group imputation (in normalised units), weights and aggregation bottom-up, ranks,
//! bands. Every score `oa` reports runs in the `[scoring] score` direction.

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
use crate::weights::pca_weights;
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
    /// The value filled in: raw units for mean/median, normalised units for the group
    /// imputations.
    pub value: f64,
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

/// One indicator through screening, imputation, outliers, orientation, normalisation.
struct Prepared {
    column: Vec<f64>,
    imputed: Vec<ImputedCell>,
    outliers: Option<OutlierReport>,
}

fn prepare_indicator(
    study: &Study,
    i: usize,
    raw: &[f64],
    kept: &[usize],
    scratch: &mut RankScratch,
) -> Result<Prepared, EngineError> {
    let ind = &study.indicators[i];
    let method = &study.method;
    let mut values: Vec<f64> = if kept.len() == raw.len() {
        raw.to_vec()
    } else {
        kept.iter().map(|&a| raw[a]).collect()
    };
    if values.iter().all(|v| v.is_nan()) {
        return Err(EngineError::AllMissing {
            subject: ind.id.clone(),
        });
    }
    let (filled, fill) = impute(&mut values, method.missing.impute);
    let imputed = filled
        .into_iter()
        .map(|p| ImputedCell {
            area: kept[p],
            indicator: i,
            value: fill,
        })
        .collect();
    let outliers = match method.outliers {
        OutlierTreatment::None => None,
        OutlierTreatment::Jrc => {
            let mut r = treat_outliers_jrc(&mut values);
            r.indicator = ind.id.clone();
            Some(r)
        }
    };
    let flipped = orient(&mut values, ind.direction, study.scoring.score);
    let (norm, target) = orient_parameters(normalisation_of(ind, method), ind.target, flipped);
    let mut column = vec![f64::NAN; values.len()];
    normalise_into(&values, &norm, target, scratch, &mut column).map_err(|e| e.about(&ind.id))?;
    Ok(Prepared {
        column,
        imputed,
        outliers,
    })
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
    let prepared: Vec<Result<Prepared, EngineError>> = (0..k)
        .into_par_iter()
        .map_init(
            || template.clone(),
            |scratch, i| {
                let r = prepare_indicator(study, i, &data.columns[i], &kept, scratch);
                progress.advance(1);
                r
            },
        )
        .collect();
    let mut normalised = Vec::with_capacity(k);
    let mut imputed = Vec::new();
    let mut outliers = Vec::new();
    for p in prepared {
        let p = p?;
        normalised.push(p.column);
        imputed.extend(p.imputed);
        outliers.extend(p.outliers);
    }

    let group_imputation = match study.method.missing.impute {
        Imputation::GroupMean => Some(false),
        Imputation::GroupMedian => Some(true),
        _ => None,
    };
    if let Some(use_median) = group_imputation {
        for node in &tree.nodes {
            let members: Vec<usize> = node
                .children
                .iter()
                .filter_map(|c| match c {
                    Child::Indicator(i) => Some(*i),
                    Child::Group(_) => None,
                })
                .collect();
            for (a, i, v) in impute_within_groups(&mut normalised, &members, use_median) {
                imputed.push(ImputedCell {
                    area: kept[a],
                    indicator: i,
                    value: v,
                });
            }
        }
        imputed.sort_by_key(|c| (c.area, c.indicator));
    }

    let (scores, weights, explained) = score_nodes(study, &tree, &normalised, &kept, data)?;
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
        .zip(explained)
        .map(|((((node, score), rank), weights), ev)| NodeResult {
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
            explained_variance: ev,
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
    })
}

type NodeScores = (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Option<f64>>);

/// Scores every node bottom-up; returns scores, effective weights and PCA explained
/// variance per node (in `tree.nodes` order).
fn score_nodes(
    study: &Study,
    tree: &IndexTree,
    normalised: &[Vec<f64>],
    kept: &[usize],
    data: &IndicatorMatrix,
) -> Result<NodeScores, EngineError> {
    let n = kept.len();
    let mut weights = tree.static_weights(study.method.weights);
    let mut explained = vec![None; tree.nodes.len()];
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
            explained[j] = Some(p.explained_variance);
        }
        let mut out = vec![f64::NAN; n];
        aggregate(&children, &weights[j], &node.aggregation, &mut out).map_err(locate)?;
        scores[j] = out;
    }
    Ok((scores, weights, explained))
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
        let r = aggregate(&children, &weights[j], &node.aggregation, &mut out);
        drop(children);
        scores[j] = out;
        r.map_err(|e| e.about(&node.id))?;
    }
    Ok(())
}
