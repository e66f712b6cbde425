//! The statistical audit of a composite index, as the JRC/OECD Handbook (2008) and the
//! JRC's audits ask for, computed from a study, its raw data and its [`IndexResult`]:
//!
//! - indicator statistics on the raw values of the areas kept (missing share, quartiles,
//!   skew, kurtosis, Tukey outliers, the JRC flag, what the outlier rule did);
//! - correlations of the normalised indicators, within each group (pairs flagged above
//!   `high_correlation`, double counting, or below `low_correlation`, trade-offs) and
//!   across levels (each child with its parent and the index; flagged when weaker than
//!   `weak_with_parent` or when another group at its parent's depth fits it better);
//! - per group Cronbach's alpha and principal components of its children;
//! - effective weights (the product of the shares down the tree: what each indicator
//!   carries of the index) beside each indicator's correlation-based importance;
//! - the rank of every area with each indicator removed;
//! - each area's strengths and weaknesses (its best and worst indicators by rank);
//! - optionally, weights optimised as COINr's `get_opt_weights` ([`optimise`]).
//!
//! Pure and deterministic: [`audit_index`] returns an [`AuditReport`]; [`tables`] and
//! [`charts`] turn it into rows and SVG text for the caller to write.

pub mod charts;
pub mod optimise;
pub mod stats;
pub mod tables;

use crate::error::EngineError;
use crate::matrix::IndicatorMatrix;
use crate::pipeline::{IndexResult, score_tree};
use crate::rank::{RankScratch, rank_min, rank_min_into};
use crate::tree::{Child, IndexTree};
use crate::weights::{Pca, principal_components};
use oa_model::Study;
use oa_model::study::Direction;
use oa_model::study::audit::{Audit, CorrelationKind, OptimiseWeights};
use rayon::prelude::*;
use stats::{Correlation, Describe, average_ranks, correlation, cronbach_alpha, describe};

/// What the audit found.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditReport {
    /// The settings used (the study's `[audit]`, or the defaults).
    pub settings: Audit,
    /// Input positions of the areas audited (the index's kept areas); per-area vectors
    /// below follow this order.
    pub kept: Vec<usize>,
    pub indicators: Vec<IndicatorAudit>,
    pub correlations: CorrelationAudit,
    /// One per group, then the index.
    pub groups: Vec<GroupAudit>,
    /// Every indicator, then every group, with its weight and what it carries.
    pub weights: Vec<EffectiveWeight>,
    /// The index's ranks as computed (0 = not ranked).
    pub nominal_rank: Vec<u32>,
    /// One per indicator, in study order.
    pub removal: Vec<RemovalEffect>,
    /// One per kept area.
    pub profiles: Vec<AreaProfile>,
    pub optimised: Option<OptimisedWeights>,
}

/// Statistics of one indicator's raw values over the areas kept.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorAudit {
    pub id: String,
    /// Parent group id (`index` for an indicator directly under it).
    pub parent: String,
    pub stats: Describe,
    /// What the outlier rule did: `none`, `winsorised`, `log`, or `off` without it.
    pub treatment: &'static str,
    /// Points winsorised by the rule.
    pub winsorised: usize,
}

/// Why a pair of siblings is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairFlag {
    /// Above `high_correlation`: the two may measure the same thing twice.
    High,
    /// Below `low_correlation`: a trade-off the average hides.
    Low,
}

impl PairFlag {
    pub fn label(self) -> &'static str {
        match self {
            PairFlag::High => "high: may count the same thing twice",
            PairFlag::Low => "low: a trade-off the average hides",
        }
    }
}

/// The correlation of two children of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct PairCorrelation {
    pub group: String,
    pub a: String,
    pub b: String,
    pub correlation: Correlation,
    pub flag: Option<PairFlag>,
}

/// How one child (indicator or group) relates to the levels above it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentCorrelation {
    pub child: String,
    pub parent: String,
    /// Depth of the child (1 = a child of the index).
    pub depth: usize,
    pub with_parent: Correlation,
    pub with_index: Correlation,
    /// `with_parent` below `weak_with_parent`.
    pub weak: bool,
    /// The group at the parent's depth (other than the parent) it correlates with most.
    pub best_other: Option<(String, f64)>,
    /// `best_other` correlates more than the parent does.
    pub fits_other_better: bool,
}

/// Correlations within and across groups.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationAudit {
    pub kind: CorrelationKind,
    /// Indicator ids, in study order.
    pub ids: Vec<String>,
    /// Indicator-by-indicator correlations (`matrix[a][b]`), `NaN` when undefined.
    pub matrix: Vec<Vec<f64>>,
    /// Every pair of children of every group (and of the index).
    pub pairs: Vec<PairCorrelation>,
    /// Every child of every group (and of the index).
    pub parents: Vec<ParentCorrelation>,
}

/// One group (or the index): internal consistency and principal components.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupAudit {
    pub id: String,
    pub children: Vec<String>,
    /// Cronbach's alpha of the children (normalised), `None` with fewer than two.
    pub cronbach_alpha: Option<f64>,
    /// Principal components of the children, or why there are none.
    pub pca: Result<Pca, String>,
}

/// Indicator or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementKind {
    Indicator,
    Group,
}

/// A weight and what it amounts to in the index.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveWeight {
    pub id: String,
    pub kind: ElementKind,
    pub parent: String,
    /// 1 = a child of the index.
    pub depth: usize,
    /// The weight as used (given, equal or PCA).
    pub weight: f64,
    /// Its share among its siblings' weights.
    pub share: f64,
    /// The product of the shares from here to the index: the share of the index it
    /// carries by its weights.
    pub effective: f64,
    /// Its correlation with the index.
    pub with_index: f64,
    /// Its squared correlation with the index as a share of the sum over elements of the
    /// same kind: what it carries by the data.
    pub importance: f64,
}

/// What removing one indicator does to the ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovalEffect {
    pub indicator: String,
    /// Each area's rank without the indicator (0 = not ranked).
    pub rank_without: Vec<u32>,
    /// Over the areas ranked both ways: mean, median and largest |rank change|.
    pub mean_abs_shift: f64,
    pub median_abs_shift: f64,
    pub max_abs_shift: u32,
    /// Areas whose rank changes.
    pub areas_moved: usize,
}

/// One area's best and worst indicators: (indicator position, its rank among the areas,
/// 1 = best), best first and worst first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaProfile {
    pub strengths: Vec<(usize, u32)>,
    pub weaknesses: Vec<(usize, u32)>,
}

/// Weights optimised so the elements of one level matter to the index as targeted.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimisedWeights {
    /// `indicators` or `groups at depth d`.
    pub level: String,
    pub elements: Vec<String>,
    /// Target shares (sum 1).
    pub targets: Vec<f64>,
    /// The elements' weights as used, and optimised (sum 1 over the level).
    pub nominal: Vec<f64>,
    pub optimised: Vec<f64>,
    /// Correlations with the index before and after.
    pub nominal_correlations: Vec<f64>,
    pub correlations: Vec<f64>,
    /// COINr's balance objective before and after.
    pub nominal_objective: f64,
    pub objective: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Effective weights of every indicator (study order) with the optimised weights.
    pub effective: Vec<f64>,
    /// Every node's weights with the optimisation applied (as [`IndexTree::nodes`]), to
    /// rescore the index with them.
    pub node_weights: Vec<Vec<f64>>,
}

/// Per node (as [`IndexTree::nodes`]): the weights as used.
fn node_weights(r: &IndexResult) -> Vec<Vec<f64>> {
    let mut w: Vec<Vec<f64>> = r.groups.iter().map(|g| g.weights.clone()).collect();
    w.push(r.index.weights.clone());
    w
}

/// Score columns per node (as [`IndexTree::nodes`]).
fn node_scores(r: &IndexResult) -> Vec<&[f64]> {
    let mut s: Vec<&[f64]> = r.groups.iter().map(|g| g.score.as_slice()).collect();
    s.push(&r.index.score);
    s
}

/// Effective weight of every indicator (study order) and node (tree order) for
/// `weights`: the product of the shares from the element up to the index.
fn effective_weights(tree: &IndexTree, weights: &[Vec<f64>], k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut node_eff = vec![0.0; tree.nodes.len()];
    let mut ind_eff = vec![0.0; k];
    node_eff[tree.root()] = 1.0;
    // Parents before children: the reverse of the evaluation order.
    for &j in tree.order.iter().rev() {
        let total: f64 = weights[j].iter().sum();
        for (c, &child) in tree.nodes[j].children.iter().enumerate() {
            let share = if total > 0.0 {
                weights[j][c] / total
            } else {
                0.0
            };
            match child {
                Child::Indicator(i) => ind_eff[i] = node_eff[j] * share,
                Child::Group(g) => node_eff[g] = node_eff[j] * share,
            }
        }
    }
    (ind_eff, node_eff)
}

/// Runs the audit of `result` (computed by [`crate::compute_index`] from `data` for
/// `study`) with the study's `[audit]` settings (the defaults when it has none).
pub fn audit_index(
    study: &Study,
    data: &IndicatorMatrix,
    result: &IndexResult,
) -> Result<AuditReport, EngineError> {
    let settings = study.audit.clone().unwrap_or_default();
    let tree = IndexTree::from_study(study);
    let k = study.indicators.len();
    let kind = settings.correlation;
    let columns: Vec<&[f64]> = result.normalised.iter().map(Vec::as_slice).collect();
    let scores = node_scores(result);
    let child_column = |c: Child| -> &[f64] {
        match c {
            Child::Indicator(i) => columns[i],
            Child::Group(g) => scores[g],
        }
    };
    // Ranks of complete columns, reused by every Spearman correlation that involves them.
    let ranks_of = |col: &[f64]| -> Option<Vec<f64>> {
        (kind == CorrelationKind::Spearman && col.iter().all(|v| !v.is_nan()))
            .then(|| average_ranks(col))
    };
    let indicator_ranks: Vec<Option<Vec<f64>>> = columns.par_iter().map(|c| ranks_of(c)).collect();
    let node_ranks: Vec<Option<Vec<f64>>> = scores.par_iter().map(|c| ranks_of(c)).collect();
    let ranks_for = |c: Child| -> Option<&[f64]> {
        match c {
            Child::Indicator(i) => indicator_ranks[i].as_deref(),
            Child::Group(g) => node_ranks[g].as_deref(),
        }
    };
    let corr = |a: Child, b: Child| -> Correlation {
        let ranks = ranks_for(a).zip(ranks_for(b));
        correlation(kind, child_column(a), child_column(b), ranks)
    };
    let root = Child::Group(tree.root());
    let parent_of_indicator: Vec<usize> = {
        let mut p = vec![tree.root(); k];
        for (j, node) in tree.nodes.iter().enumerate() {
            for &c in &node.children {
                if let Child::Indicator(i) = c {
                    p[i] = j;
                }
            }
        }
        p
    };

    // Indicator statistics on the raw values of the kept areas.
    let indicators: Vec<IndicatorAudit> = (0..k)
        .into_par_iter()
        .map(|i| {
            let raw: Vec<f64> = result.kept.iter().map(|&a| data.columns[i][a]).collect();
            let report = result
                .outliers
                .iter()
                .find(|o| o.indicator == tree.indicator_ids[i]);
            IndicatorAudit {
                id: tree.indicator_ids[i].clone(),
                parent: tree.nodes[parent_of_indicator[i]].id.clone(),
                stats: describe(&raw),
                treatment: report.map_or("off", |r| r.treatment()),
                winsorised: report.map_or(0, |r| r.winsorised),
            }
        })
        .collect();

    // The indicator correlation matrix.
    let pairs_ij: Vec<(usize, usize)> = (0..k)
        .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
        .collect();
    let upper: Vec<f64> = pairs_ij
        .par_iter()
        .map(|&(a, b)| corr(Child::Indicator(a), Child::Indicator(b)).r)
        .collect();
    let mut matrix = vec![vec![f64::NAN; k]; k];
    for (i, row) in matrix.iter_mut().enumerate() {
        row[i] = if columns[i].iter().filter(|v| !v.is_nan()).count() >= 3 {
            1.0
        } else {
            f64::NAN
        };
    }
    for (&(a, b), &r) in pairs_ij.iter().zip(&upper) {
        matrix[a][b] = r;
        matrix[b][a] = r;
    }

    // Pairs of siblings and each child against the levels above.
    let mut pairs = Vec::new();
    let mut parents = Vec::new();
    for (j, node) in tree.nodes.iter().enumerate() {
        for (x, &a) in node.children.iter().enumerate() {
            for &b in &node.children[x + 1..] {
                let c = corr(a, b);
                let flag = if c.r > settings.high_correlation {
                    Some(PairFlag::High)
                } else if c.r < settings.low_correlation {
                    Some(PairFlag::Low)
                } else {
                    None
                };
                pairs.push(PairCorrelation {
                    group: node.id.clone(),
                    a: tree.child_id(a).to_string(),
                    b: tree.child_id(b).to_string(),
                    correlation: c,
                    flag,
                });
            }
            let with_parent = corr(a, Child::Group(j));
            let with_index = corr(a, root);
            let best_other = tree
                .nodes
                .iter()
                .enumerate()
                .filter(|&(g, n)| {
                    g != j && g != tree.root() && n.depth == node.depth && j != tree.root()
                })
                .map(|(g, n)| (n.id.clone(), corr(a, Child::Group(g)).r))
                .filter(|(_, r)| !r.is_nan())
                .max_by(|x, y| x.1.total_cmp(&y.1));
            let fits_other_better = best_other.as_ref().is_some_and(|(_, r)| *r > with_parent.r);
            parents.push(ParentCorrelation {
                child: tree.child_id(a).to_string(),
                parent: node.id.clone(),
                depth: node.depth + 1,
                weak: with_parent.r < settings.weak_with_parent,
                with_parent,
                with_index,
                best_other,
                fits_other_better,
            });
        }
    }

    // Groups: Cronbach's alpha and principal components.
    let groups: Vec<GroupAudit> = tree
        .nodes
        .par_iter()
        .map(|node| {
            let cols: Vec<&[f64]> = node.children.iter().map(|&c| child_column(c)).collect();
            let ids: Vec<&str> = node.children.iter().map(|&c| tree.child_id(c)).collect();
            GroupAudit {
                id: node.id.clone(),
                children: ids.iter().map(|s| s.to_string()).collect(),
                cronbach_alpha: cronbach_alpha(&cols),
                pca: principal_components(&cols, &ids).map_err(|e| match e {
                    EngineError::Pca { message, .. } => message,
                    other => other.to_string(),
                }),
            }
        })
        .collect();

    // Effective weights and importance.
    let weights_used = node_weights(result);
    let (ind_eff, node_eff) = effective_weights(&tree, &weights_used, k);
    let mut weights = Vec::with_capacity(k + tree.nodes.len());
    let ind_with_index: Vec<f64> = (0..k).map(|i| corr(Child::Indicator(i), root).r).collect();
    let r2_sum: f64 = ind_with_index
        .iter()
        .filter(|r| !r.is_nan())
        .map(|r| r * r)
        .sum();
    for (j, node) in tree.nodes.iter().enumerate() {
        let total: f64 = weights_used[j].iter().sum();
        for (c, &child) in node.children.iter().enumerate() {
            let (kind, effective, with_index, importance, depth) = match child {
                Child::Indicator(i) => (
                    ElementKind::Indicator,
                    ind_eff[i],
                    ind_with_index[i],
                    ind_with_index[i].powi(2) / r2_sum,
                    node.depth + 1,
                ),
                Child::Group(g) => (
                    ElementKind::Group,
                    node_eff[g],
                    corr(child, root).r,
                    f64::NAN,
                    tree.nodes[g].depth,
                ),
            };
            weights.push(EffectiveWeight {
                id: tree.child_id(child).to_string(),
                kind,
                parent: node.id.clone(),
                depth,
                weight: weights_used[j][c],
                share: if total > 0.0 {
                    weights_used[j][c] / total
                } else {
                    0.0
                },
                effective,
                with_index,
                importance,
            });
        }
    }
    // Importance of groups: squared correlations as shares among groups of one depth.
    let depths: Vec<usize> = weights
        .iter()
        .filter(|w| w.kind == ElementKind::Group)
        .map(|w| w.depth)
        .collect();
    for d in depths {
        let sum: f64 = weights
            .iter()
            .filter(|w| w.kind == ElementKind::Group && w.depth == d && !w.with_index.is_nan())
            .map(|w| w.with_index.powi(2))
            .sum();
        for w in weights
            .iter_mut()
            .filter(|w| w.kind == ElementKind::Group && w.depth == d)
        {
            w.importance = w.with_index.powi(2) / sum;
        }
    }
    weights.sort_by_key(|w| w.kind == ElementKind::Group);

    // Ranks with each indicator removed.
    let highest_first = crate::rank::highest_ranks_first(study.scoring.score, study.scoring.rank_1);
    let nominal_rank = result.index.rank.clone();
    let removal: Vec<Result<RemovalEffect, EngineError>> = (0..k)
        .into_par_iter()
        .map(|i| {
            let empty = vec![f64::NAN; result.kept.len()];
            let mut cols = columns.clone();
            cols[i] = &empty;
            let mut s = Vec::new();
            score_tree(&tree, &cols, &weights_used, &mut s)?;
            let mut rank_without = vec![0u32; result.kept.len()];
            rank_min_into(
                &s[tree.root()],
                highest_first,
                &mut RankScratch::new(),
                &mut rank_without,
            );
            let mut shifts: Vec<u32> = nominal_rank
                .iter()
                .zip(&rank_without)
                .filter(|(a, b)| **a > 0 && **b > 0)
                .map(|(a, b)| a.abs_diff(*b))
                .collect();
            let areas_moved = shifts.iter().filter(|&&d| d > 0).count();
            let mean_abs_shift = if shifts.is_empty() {
                f64::NAN
            } else {
                shifts.iter().map(|&d| f64::from(d)).sum::<f64>() / shifts.len() as f64
            };
            shifts.sort_unstable();
            let median_abs_shift = match shifts.len() {
                0 => f64::NAN,
                n if n % 2 == 1 => f64::from(shifts[n / 2]),
                n => (f64::from(shifts[n / 2 - 1]) + f64::from(shifts[n / 2])) / 2.0,
            };
            Ok(RemovalEffect {
                indicator: tree.indicator_ids[i].clone(),
                rank_without,
                mean_abs_shift,
                median_abs_shift,
                max_abs_shift: shifts.last().copied().unwrap_or(0),
                areas_moved,
            })
        })
        .collect();
    let removal = removal.into_iter().collect::<Result<Vec<_>, _>>()?;

    // Strengths and weaknesses: ranks per indicator, 1 = best for the area.
    let best_high = study.scoring.score == Direction::HigherIsBetter;
    let indicator_rank: Vec<Vec<u32>> =
        columns.par_iter().map(|c| rank_min(c, best_high)).collect();
    let n_listed = settings.strengths;
    let profiles: Vec<AreaProfile> = (0..result.kept.len())
        .into_par_iter()
        .map(|a| {
            let mut present: Vec<(u32, usize)> = (0..k)
                .filter(|&i| indicator_rank[i][a] > 0)
                .map(|i| (indicator_rank[i][a], i))
                .collect();
            present.sort_unstable();
            let strengths: Vec<(usize, u32)> = present
                .iter()
                .take(n_listed)
                .map(|&(r, i)| (i, r))
                .collect();
            let weaknesses: Vec<(usize, u32)> = present
                .iter()
                .rev()
                .filter(|(_, i)| !strengths.iter().any(|(s, _)| s == i))
                .take(n_listed)
                .map(|&(r, i)| (i, r))
                .collect();
            AreaProfile {
                strengths,
                weaknesses,
            }
        })
        .collect();

    let optimised = match &settings.optimise {
        Some(opt) => Some(optimise_weights(study, &tree, result, opt, kind)?),
        None => None,
    };

    Ok(AuditReport {
        settings,
        kept: result.kept.clone(),
        indicators,
        correlations: CorrelationAudit {
            kind,
            ids: tree.indicator_ids.clone(),
            matrix,
            pairs,
            parents,
        },
        groups,
        weights,
        nominal_rank,
        removal,
        profiles,
        optimised,
    })
}

/// COINr's `get_opt_weights` (balance): see [`optimise`].
pub fn optimise_weights(
    study: &Study,
    tree: &IndexTree,
    result: &IndexResult,
    opt: &OptimiseWeights,
    kind: CorrelationKind,
) -> Result<OptimisedWeights, EngineError> {
    let k = study.indicators.len();
    // (node, child position) of every element of the level, in study order.
    let (level, slots): (String, Vec<(usize, usize)>) = match opt.level.depth() {
        None => {
            let mut s = vec![(0, 0); k];
            for (j, node) in tree.nodes.iter().enumerate() {
                for (c, &child) in node.children.iter().enumerate() {
                    if let Child::Indicator(i) = child {
                        s[i] = (j, c);
                    }
                }
            }
            ("indicators".to_string(), s)
        }
        Some(d) => {
            let mut s = Vec::new();
            for (g, node) in tree.nodes.iter().enumerate() {
                if g == tree.root() || node.depth != d {
                    continue;
                }
                let parent = node.parent.unwrap_or(tree.root());
                let c = tree.nodes[parent]
                    .children
                    .iter()
                    .position(|&x| x == Child::Group(g))
                    .unwrap_or(0);
                s.push((parent, c));
            }
            (format!("groups at depth {d}"), s)
        }
    };
    let element = |(j, c): (usize, usize)| tree.nodes[j].children[c];
    let elements: Vec<String> = slots
        .iter()
        .map(|&s| tree.child_id(element(s)).to_string())
        .collect();
    let m = slots.len();
    if m < 2 {
        return Err(EngineError::Shape {
            message: format!("audit.optimise: {level} has {m} element(s); at least 2 are needed"),
        });
    }
    let targets = opt.targets.shares(m);
    let base = node_weights(result);
    let nominal: Vec<f64> = {
        let w: Vec<f64> = slots.iter().map(|&(j, c)| base[j][c]).collect();
        let s: f64 = w.iter().sum();
        w.iter().map(|x| x / s).collect()
    };
    let columns: Vec<&[f64]> = result.normalised.iter().map(Vec::as_slice).collect();
    let mut scores: Vec<Vec<f64>> = Vec::new();
    let mut weights = base.clone();
    // Correlations of the elements with the index for level weights `w`.
    let mut correlations_for =
        |w: &[f64], weights: &mut Vec<Vec<f64>>| -> Result<Vec<f64>, EngineError> {
            for (&(j, c), &x) in slots.iter().zip(w) {
                weights[j][c] = x;
            }
            score_tree(tree, &columns, weights, &mut scores)?;
            let index = &scores[tree.root()];
            Ok(slots
                .iter()
                .map(|&s| {
                    let col: &[f64] = match element(s) {
                        Child::Indicator(i) => columns[i],
                        Child::Group(g) => &scores[g],
                    };
                    correlation(kind, col, index, None).r
                })
                .collect())
        };
    let nominal_correlations = correlations_for(&nominal, &mut weights)?;
    let nominal_objective = optimise::balance_objective(&targets, &nominal_correlations);
    let mut failure = None;
    let start: Vec<f64> = targets.iter().map(|t| t.ln()).collect();
    let minimum = {
        let mut f = |theta: &[f64]| -> f64 {
            let w = optimise::softmax(theta);
            match correlations_for(&w, &mut weights) {
                Ok(r) => optimise::balance_objective(&targets, &r),
                Err(e) => {
                    failure.get_or_insert(e);
                    f64::INFINITY
                }
            }
        };
        optimise::nelder_mead(&mut f, &start, 0.25, 1e-12, opt.max_iterations)
    };
    if let Some(e) = failure
        && !minimum.value.is_finite()
    {
        return Err(e);
    }
    let optimised = optimise::softmax(&minimum.x);
    let correlations = correlations_for(&optimised, &mut weights)?;
    let (effective, _) = effective_weights(tree, &weights, k);
    let objective = optimise::balance_objective(&targets, &correlations);
    Ok(OptimisedWeights {
        level,
        elements,
        targets,
        nominal,
        objective,
        optimised,
        nominal_correlations,
        correlations,
        nominal_objective,
        iterations: minimum.iterations,
        converged: minimum.converged,
        effective,
        node_weights: weights,
    })
}
