//! The Monte Carlo driver: draws runs, evaluates them in parallel, streams ranks into
//! per-area summaries and keeps one number per run (the mean absolute rank shift) for the
//! Sobol indices.
//!
//! **Determinism.** Run r's inputs come from generators seeded by (seed, matrix, sample,
//! input) only, so its ranks do not depend on the thread that computes it. Summaries are
//! integer counts (absorbing buffers is exact in any order) and the per-run outputs are
//! stored by run index, so the Sobol estimates sum in a fixed order: one seed, one result,
//! whatever the number of threads.
//!
//! **Memory.** One [`RankSummary`] shared by the workers (areas x bins x 2 bytes,
//! whatever the number of threads), up to 128 buffered samples of areas x 2 bytes per
//! worker, one f64 per run; never areas x samples.

use crate::UncertaintyError;
use crate::kernel::{Workspace, evaluate};
use crate::problem::Problem;
use crate::sobol::{Design, SobolIndex, sobol_indices};
use crate::space::{Config, Matrix, draw_run, mix};
use crate::summary::RankSummary;
use oa_engine::Progress;
use oa_model::study::{End, NamedBand};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Monte Carlo samples (rows of A summarised).
    pub samples: usize,
    pub seed: u64,
    /// Most rank bins per area (see [`crate::summary`] for the accuracy).
    pub bins: usize,
    pub sobol: Option<SobolSettings>,
}

/// The Sobol design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolSettings {
    /// Base sample N: the design has N (d + 2) runs.
    pub samples: usize,
    pub bootstrap: usize,
    pub confidence: f64,
}

/// Everything a Monte Carlo analysis produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What the summary is about: the kept areas, or the units of a [`Regroup`].
    pub units: usize,
    /// Their nominal ranks (0 = not ranked), named bands and the end rank 1 is at.
    pub nominal_ranks: Vec<u32>,
    pub bands: Vec<NamedBand>,
    pub rank_1: End,
    pub summary: RankSummary,
    /// Mean absolute rank shift of each summarised sample, in sample order.
    pub rank_shift: Vec<f64>,
    /// One entry per uncertain input, in [`Problem::inputs`] order.
    pub sobol: Option<Vec<(String, SobolIndex)>>,
    /// Runs evaluated in all (samples + Sobol design).
    pub runs: usize,
    /// The selection re-run on each sample, when a [`Reselect`] was given.
    pub selection: Option<SelectionStability>,
}

/// A ranking of larger units (districts) made from each run's area scores and ranks,
/// when the analysis is about a roll-up's headline rather than the areas themselves: the
/// summaries, Sobol output and any re-selection are then about the units.
pub trait Regroup: Sync {
    /// Number of units.
    fn units(&self) -> usize;
    /// Named bands of the units' ranking.
    fn bands(&self) -> &[NamedBand];
    /// The end of the units' ranking that rank 1 is at.
    fn rank_1(&self) -> End;
    /// The units' ranks (1-based, ties 'min', 0 = not ranked) from one run's index
    /// scores and ranks over the kept areas, into `out` (resized to [`Regroup::units`]).
    fn rank(&self, scores: &[f64], ranks: &[u32], out: &mut Vec<u32>);
}

/// Re-runs a study's selection on one sample's ranks (one per kept area, 0 = unranked):
/// the kept areas selected, sorted, or `None` when the constraints cannot all hold.
/// Called from several threads; it must depend on the ranks alone.
pub type Reselect<'a> = &'a (dyn Fn(&[u32]) -> Option<Vec<usize>> + Sync);

/// How stable the selected set is across the Monte Carlo samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionStability {
    /// Per kept area, the share of feasible samples in which it is selected.
    pub p_selected: Vec<f64>,
    /// Samples whose selection could be made.
    pub feasible: usize,
    /// Samples whose constraints could not all hold (left out of the shares).
    pub infeasible: usize,
    /// Share of feasible samples selecting exactly the nominal set.
    pub share_equal: f64,
    /// Mean Jaccard similarity |S ∩ S0| / |S ∪ S0| of a sample's set to the nominal one.
    pub mean_jaccard: f64,
}

/// Jaccard similarity of two sorted index sets (1 when both are empty).
pub fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

/// The nominal ranks an analysis compares its runs with: the engine's ranks of the kept
/// areas, or those of `regroup`'s units on the nominal run.
pub fn nominal_ranks(
    p: &Problem,
    regroup: Option<&dyn Regroup>,
) -> Result<Vec<u32>, UncertaintyError> {
    match regroup {
        Some(g) => {
            let mut ws = Workspace::default();
            evaluate(p, &p.nominal, &mut ws)?;
            let mut ranks = Vec::new();
            g.rank(ws.index_scores(), &ws.ranks, &mut ranks);
            Ok(ranks)
        }
        None => Ok(p.nominal_ranks.clone()),
    }
}

/// Which run is run number `r`: (matrix source per input, sample row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    A(usize),
    B(usize),
    /// AB_i row j: input i from B, the rest from A.
    Ab(usize, usize),
}

struct Plan {
    a_rows: usize,
    base: usize,
    inputs: usize,
}

impl Plan {
    fn total(&self) -> usize {
        self.a_rows + self.base * (1 + self.inputs)
    }
    fn run(&self, r: usize) -> Run {
        if r < self.a_rows {
            return Run::A(r);
        }
        let r = r - self.a_rows;
        if r < self.base {
            return Run::B(r);
        }
        let r = r - self.base;
        Run::Ab(r / self.base, r % self.base)
    }
}

/// Runs per work item handed to a worker.
const BATCH: usize = 16;

/// Runs the analysis on `threads` workers of the current rayon pool (at most the pool
/// size). `progress` sees one step per run.
pub fn run(
    p: &Problem,
    s: &Settings,
    progress: &dyn Progress,
) -> Result<Outcome, UncertaintyError> {
    run_with_selection(p, s, progress, None)
}

/// [`run`], also re-running a selection on each summarised sample: `reselect` with the
/// nominal selected set (kept-area indices, sorted). Per-area counts are integers and the
/// per-sample similarities are kept by sample index and summed in sample order, so the
/// figures do not depend on the number of threads.
pub fn run_with_selection(
    p: &Problem,
    s: &Settings,
    progress: &dyn Progress,
    reselect: Option<(Reselect<'_>, &[usize])>,
) -> Result<Outcome, UncertaintyError> {
    run_grouped(p, s, progress, reselect, None)
}

/// [`run_with_selection`] about the units of `regroup` when given (the ranks handed to
/// `reselect` are then the units' ranks, and the nominal set is of units).
pub fn run_grouped(
    p: &Problem,
    s: &Settings,
    progress: &dyn Progress,
    reselect: Option<(Reselect<'_>, &[usize])>,
    regroup: Option<&dyn Regroup>,
) -> Result<Outcome, UncertaintyError> {
    if s.samples == 0 {
        return Err(UncertaintyError::Input {
            key: "samples".into(),
            message: "0 samples: use at least 1".into(),
        });
    }
    let d = p.inputs.len();
    let base = match s.sobol {
        Some(so) if d == 0 => {
            let _ = so;
            return Err(UncertaintyError::Input {
                key: "uncertainty.sobol".into(),
                message:
                    "Sobol indices need at least one uncertain input (weights, normalisations, ...)"
                        .into(),
            });
        }
        Some(so) => so.samples,
        None => 0,
    };
    let plan = Plan {
        a_rows: s.samples.max(base),
        base,
        inputs: if base > 0 { d } else { 0 },
    };
    let total = plan.total();
    let nominal = nominal_ranks(p, regroup)?;
    let (n, bands, rank_1) = match regroup {
        Some(g) => (g.units(), g.bands().to_vec(), g.rank_1()),
        None => (p.n_areas(), p.bands.clone(), p.rank_1),
    };
    let nominal = &nominal;
    // One summary for all workers: each fills its own buffer and holds the lock only to
    // move a full buffer in. On the IMD that is about a twentieth of a worker's time, so
    // two workers rarely wait; many would start to queue, and locks per stripe of areas
    // would then be the next step.
    let summary = Mutex::new(RankSummary::new(n, s.bins, bands.clone(), rank_1));
    let workers = rayon::current_num_threads().max(1);
    let batches = total.div_ceil(BATCH);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, UncertaintyError)>> = Mutex::new(None);
    let outputs: Mutex<Vec<(usize, Vec<f64>)>> = Mutex::new(Vec::new());
    // Per sample: Jaccard to the nominal set, NaN when infeasible.
    let similarities: Mutex<Vec<(usize, Vec<f64>)>> = Mutex::new(Vec::new());
    let selected_counts: Mutex<Vec<u64>> = Mutex::new(vec![0; n]);
    progress.start("Monte Carlo", total as u64);
    rayon::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| {
                let mut buffer = summary.lock().expect("no panics hold this lock").buffer();
                let mut ws = Workspace::default();
                let mut unit_ranks: Vec<u32> = Vec::new();
                let mut unit_order: Vec<u32> = Vec::new();
                let mut config: Config = p.nominal.clone();
                let mut local_outputs = Vec::new();
                let mut local_similarities = Vec::new();
                let mut local_counts: Vec<u64> = if reselect.is_some() {
                    vec![0; n]
                } else {
                    Vec::new()
                };
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= batches || failed.load(Ordering::Relaxed) || progress.stopped() {
                        break;
                    }
                    let start = b * BATCH;
                    let end = (start + BATCH).min(total);
                    let mut ys = Vec::with_capacity(end - start);
                    let mut sims = Vec::new();
                    for r in start..end {
                        let (row, source): (usize, Box<dyn Fn(usize) -> Matrix>) = match plan.run(r)
                        {
                            Run::A(j) => (j, Box::new(|_| Matrix::A)),
                            Run::B(j) => (j, Box::new(|_| Matrix::B)),
                            Run::Ab(i, j) => (
                                j,
                                Box::new(move |k| if k == i { Matrix::B } else { Matrix::A }),
                            ),
                        };
                        draw_run(
                            &p.inputs,
                            &p.layout,
                            &p.nominal,
                            s.seed,
                            row as u64,
                            source,
                            &mut config,
                        );
                        if let Err(e) = evaluate(p, &config, &mut ws) {
                            let mut fe = first_error.lock().expect("no panics hold this lock");
                            if fe.as_ref().is_none_or(|(at, _)| r < *at) {
                                *fe = Some((r, e));
                            }
                            failed.store(true, Ordering::Relaxed);
                            break;
                        }
                        let (ranks, order): (&[u32], &[u32]) = match regroup {
                            Some(g) => {
                                g.rank(ws.index_scores(), &ws.ranks, &mut unit_ranks);
                                unit_order.clear();
                                unit_order.extend(
                                    oa_engine::rank_order(&unit_ranks)
                                        .into_iter()
                                        .map(|u| u as u32),
                                );
                                (&unit_ranks, &unit_order)
                            }
                            None => (&ws.ranks, ws.order()),
                        };
                        ys.push(mean_abs_shift(ranks, nominal));
                        if matches!(plan.run(r), Run::A(j) if j < s.samples) {
                            if buffer.add(ranks, order) {
                                summary
                                    .lock()
                                    .expect("no panics hold this lock")
                                    .absorb(&mut buffer);
                            }
                            if let Some((select, nominal_set)) = reselect {
                                sims.push(match select(ranks) {
                                    Some(chosen) => {
                                        for &a in &chosen {
                                            local_counts[a] += 1;
                                        }
                                        jaccard(&chosen, nominal_set)
                                    }
                                    None => f64::NAN,
                                });
                            }
                        }
                    }
                    progress.advance((end - start) as u64);
                    local_outputs.push((start, ys));
                    if !sims.is_empty() {
                        local_similarities.push((start, sims));
                    }
                }
                if reselect.is_some() {
                    let mut all = selected_counts.lock().expect("no panics hold this lock");
                    for (t, c) in all.iter_mut().zip(&local_counts) {
                        *t += c;
                    }
                }
                similarities
                    .lock()
                    .expect("no panics hold this lock")
                    .extend(local_similarities);
                summary
                    .lock()
                    .expect("no panics hold this lock")
                    .absorb(&mut buffer);
                outputs
                    .lock()
                    .expect("no panics hold this lock")
                    .extend(local_outputs);
            });
        }
    });
    progress.finish();
    if let Some((_, e)) = first_error.into_inner().expect("no panics hold this lock") {
        return Err(e);
    }
    if progress.stopped() {
        return Err(UncertaintyError::Stopped);
    }
    let summary = summary.into_inner().expect("no panics hold this lock");
    let mut outputs = outputs.into_inner().expect("no panics hold this lock");
    outputs.sort_unstable_by_key(|(start, _)| *start);
    let y: Vec<f64> = outputs.into_iter().flat_map(|(_, ys)| ys).collect();
    debug_assert_eq!(y.len(), total);

    let sobol = s.sobol.filter(|_| base > 0).map(|so| {
        let design = Design {
            y_a: y[..base].to_vec(),
            y_b: y[plan.a_rows..plan.a_rows + base].to_vec(),
            y_ab: (0..d)
                .map(|i| {
                    let from = plan.a_rows + base * (1 + i);
                    y[from..from + base].to_vec()
                })
                .collect(),
        };
        let idx = sobol_indices(&design, so.bootstrap, so.confidence, mix(s.seed ^ 0x50b01));
        p.inputs
            .iter()
            .zip(idx)
            .map(|(inp, ix)| (inp.name().to_string(), ix))
            .collect()
    });
    let selection = reselect.map(|_| {
        let mut sims = similarities.into_inner().expect("no panics hold this lock");
        sims.sort_unstable_by_key(|(start, _)| *start);
        let counts = selected_counts
            .into_inner()
            .expect("no panics hold this lock");
        stability(sims.into_iter().flat_map(|(_, v)| v), &counts)
    });
    Ok(Outcome {
        units: n,
        nominal_ranks: nominal.clone(),
        bands,
        rank_1,
        summary,
        rank_shift: y[..s.samples].to_vec(),
        sobol,
        runs: total,
        selection,
    })
}

/// The set-level figures from the per-sample similarities (in sample order; NaN =
/// infeasible) and the per-area selection counts.
fn stability(similarities: impl Iterator<Item = f64>, counts: &[u64]) -> SelectionStability {
    let (mut feasible, mut infeasible, mut equal, mut sum) = (0usize, 0usize, 0usize, 0.0);
    for j in similarities {
        if j.is_nan() {
            infeasible += 1;
        } else {
            feasible += 1;
            sum += j;
            if j == 1.0 {
                equal += 1;
            }
        }
    }
    let share = |x: f64| {
        if feasible == 0 {
            f64::NAN
        } else {
            x / feasible as f64
        }
    };
    SelectionStability {
        p_selected: counts.iter().map(|&c| share(c as f64)).collect(),
        feasible,
        infeasible,
        share_equal: share(equal as f64),
        mean_jaccard: share(sum),
    }
}

/// Mean over areas of |rank - nominal rank| (areas not ranked in either are skipped).
fn mean_abs_shift(ranks: &[u32], nominal: &[u32]) -> f64 {
    let mut sum = 0u64;
    let mut count = 0u64;
    for (&r, &r0) in ranks.iter().zip(nominal) {
        if r > 0 && r0 > 0 {
            sum += u64::from(r.abs_diff(r0));
            count += 1;
        }
    }
    if count == 0 {
        0.0
    } else {
        sum as f64 / count as f64
    }
}

#[cfg(test)]
mod selection_tests {
    use super::*;

    #[test]
    fn jaccard_of_sorted_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[1, 2, 3]), 1.0);
        assert_eq!(jaccard(&[1, 2], &[2, 3]), 1.0 / 3.0);
        assert_eq!(jaccard(&[], &[4]), 0.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
    }

    #[test]
    fn stability_leaves_infeasible_samples_out_of_the_shares() {
        let s = stability([1.0, 0.5, f64::NAN, 1.0].into_iter(), &[3, 0, 1]);
        assert_eq!((s.feasible, s.infeasible), (3, 1));
        assert_eq!(s.p_selected, vec![1.0, 0.0, 1.0 / 3.0]);
        assert_eq!(s.share_equal, 2.0 / 3.0);
        assert!((s.mean_jaccard - 2.5 / 3.0).abs() < 1e-12);
    }
}
