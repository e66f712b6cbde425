//! One run: weights + aggregation (+ data noise) over prepared columns, then ranking.
//!
//! Scores nodes bottom-up like [`oa_engine::score_tree`], with two differences that
//! sampling needs: a node whose children all have weight 0 (an indicator left out of a
//! group of one) is missing rather than an error, and a geometric mean of indicators uses
//! their logarithms computed once ([`crate::problem::Columns::ln`]) in the engine's
//! arithmetic order, so the result is the engine's to the last bit.

use crate::UncertaintyError;
use crate::problem::{Columns, Problem};

use crate::space::Config;
use oa_engine::aggregate::area_blocks;
use oa_engine::{Child, RankScratch, aggregate, rank_min_into};
use oa_model::study::Aggregation;

/// Per-worker buffers, reused across runs.
#[derive(Debug, Default)]
pub struct Workspace {
    scores: Vec<Vec<f64>>,
    weights: Vec<f64>,
    sum_w: Vec<f64>,
    noisy: Columns,
    pub rank_scratch: RankScratch,
    pub ranks: Vec<u32>,
}

impl Workspace {
    /// Indices of the ranked areas in rank order (rank 1 first, ties in input order),
    /// after [`evaluate`].
    pub fn order(&self) -> &[u32] {
        self.rank_scratch.order()
    }

    /// The index score of every kept area, after [`evaluate`] (`NaN` = not scored).
    pub fn index_scores(&self) -> &[f64] {
        self.scores.last().map_or(&[], Vec::as_slice)
    }
}

/// Computes the ranks of run `config` into `ws.ranks` (0 = not ranked).
pub fn evaluate(p: &Problem, config: &Config, ws: &mut Workspace) -> Result<(), UncertaintyError> {
    let n = p.n_areas();
    let tree = &p.trees[config.aggregation];
    let cols: &Columns = match config.noise_seed {
        Some(seed) => {
            let mut noisy = std::mem::take(&mut ws.noisy);
            p.noisy_columns(config, seed, &mut noisy)?;
            ws.noisy = noisy;
            &ws.noisy
        }
        None => p.columns_of(config),
    };
    ws.weights.clone_from(&config.weights);
    if let Some(k) = config.left_out {
        ws.weights[p.layout.leaf_slot[k]] = 0.0;
    }
    ws.scores.resize_with(tree.nodes.len(), Vec::new);
    for &j in &tree.order {
        let node = &tree.nodes[j];
        let range = p.layout.range(j);
        // A child group that is missing everywhere carries no weight.
        for (slot, c) in range.clone().zip(&node.children) {
            if let Child::Group(g) = *c
                && ws.scores[g].first().is_some_and(|x| x.is_nan())
                && ws.scores[g].iter().all(|x| x.is_nan())
            {
                ws.weights[slot] = 0.0;
            }
        }
        let w = &ws.weights[range];
        let mut out = std::mem::take(&mut ws.scores[j]);
        out.clear();
        out.resize(n, f64::NAN);
        if w.iter().sum::<f64>() <= 0.0 {
            ws.scores[j] = out; // every child left out: the node is missing
            continue;
        }
        let leaves_only = node
            .children
            .iter()
            .all(|c| matches!(c, Child::Indicator(_)));
        if node.aggregation == Aggregation::Geometric && leaves_only && !cols.ln.is_empty() {
            geometric_from_logs(&node.children, w, &cols.ln, &mut ws.sum_w, &mut out);
        } else {
            let children: Vec<&[f64]> = node
                .children
                .iter()
                .map(|&c| match c {
                    Child::Indicator(i) => cols.values[i].as_slice(),
                    Child::Group(g) => ws.scores[g].as_slice(),
                })
                .collect();
            let r = aggregate(&children, w, &node.aggregation, &mut out);
            if let Err(e) = r {
                return Err(UncertaintyError::engine("a sampled run", e.about(&node.id)));
            }
        }
        ws.scores[j] = out;
    }
    ws.ranks.resize(n, 0);
    let root = tree.root();
    rank_min_into(
        &ws.scores[root],
        p.highest_first,
        &mut ws.rank_scratch,
        &mut ws.ranks,
    );
    Ok(())
}

/// `exp(sum(w ln x) / sum(w))` over the children present with w > 0, child by child
/// within the engine's [`area_blocks`] (vectorisable), adding per area in child order,
/// exactly as the engine does.
fn geometric_from_logs(
    children: &[Child],
    w: &[f64],
    ln: &[Vec<f64>],
    sum_w: &mut Vec<f64>,
    out: &mut [f64],
) {
    for (start, o) in area_blocks(out) {
        sum_w.clear();
        sum_w.resize(o.len(), 0.0);
        let s = &mut sum_w[..];
        o.fill(0.0);
        for (c, &wk) in children.iter().zip(w) {
            let Child::Indicator(i) = *c else {
                unreachable!()
            };
            if wk <= 0.0 {
                continue;
            }
            for ((o, s), &lx) in o.iter_mut().zip(s.iter_mut()).zip(&ln[i][start..]) {
                // A missing value (NaN log) adds nothing, as the engine skips it.
                let present = !lx.is_nan();
                *o += if present { wk * lx } else { 0.0 };
                *s += if present { wk } else { 0.0 };
            }
        }
        for (o, &s) in o.iter_mut().zip(s.iter()) {
            *o = if s > 0.0 { (*o / s).exp() } else { f64::NAN };
        }
    }
}
