//! Everything a Monte Carlo run needs, computed once from the study and its data.
//!
//! The engine's own pipeline ([`oa_engine::compute_index`]) gives the nominal ranking and
//! the normalised indicators: once for the study as written, and once per (imputation,
//! normalisation) choice. A run is then only weights + aggregation + ranking. With data
//! noise the indicators are re-prepared per run (the noise goes in before imputation and
//! normalisation), which is slower but the same pipeline.

use crate::UncertaintyError;
use crate::space::{Config, Input};
use crate::tree::Layout;
use oa_engine::{Child, IndexResult, IndexTree, IndicatorMatrix, NoProgress, compute_index};
use oa_model::Study;
use oa_model::study::uncertainty::Uncertainty;
use oa_model::study::{Aggregation, End, Imputation, NamedBand, Normalisation};

/// Normalised indicators of one (imputation, normalisation) choice, with their logs when a
/// geometric aggregation may use them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Columns {
    /// Indicator-major over the kept areas.
    pub values: Vec<Vec<f64>>,
    /// `ln` of `values` (empty when no geometric aggregation is possible).
    pub ln: Vec<Vec<f64>>,
}

/// Data for runs with data noise.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyData {
    /// The raw data over the kept areas.
    pub raw: IndicatorMatrix,
    /// Standard errors per indicator over the kept areas (`None`: no noise).
    pub se: Vec<Option<Vec<f64>>>,
    pub scale: f64,
}

/// The prepared analysis.
#[derive(Debug, Clone)]
pub struct Problem {
    /// One tree per aggregation choice (groups with their own aggregation keep it).
    pub trees: Vec<IndexTree>,
    pub layout: Layout,
    /// Kept areas (positions in the input matrix), as the engine keeps them.
    pub kept: Vec<usize>,
    pub normalisations: Vec<Normalisation>,
    pub aggregations: Vec<Aggregation>,
    pub imputations: Vec<Imputation>,
    /// `columns[imputation * normalisations.len() + normalisation]`.
    pub columns: Vec<Columns>,
    pub inputs: Vec<Input>,
    pub nominal: Config,
    /// The engine's ranks of the study as written (0 = not ranked).
    pub nominal_ranks: Vec<u32>,
    pub highest_first: bool,
    pub bands: Vec<NamedBand>,
    pub rank_1: End,
    pub noisy: Option<NoisyData>,
    /// A study copy used to re-prepare noisy data (arithmetic aggregation, no bands).
    prep_study: Study,
}

/// Position of `x` in `list`, appending it when absent.
fn position_or_push<T: PartialEq + Copy>(list: &mut Vec<T>, x: T) -> usize {
    match list.iter().position(|y| *y == x) {
        Some(p) => p,
        None => {
            list.push(x);
            list.len() - 1
        }
    }
}

impl Problem {
    /// Prepares `study` on `data` (one column per indicator, study order). `se` holds
    /// the standard errors per indicator over the same areas (needed for data noise).
    pub fn prepare(
        study: &Study,
        data: &IndicatorMatrix,
        se: &[Option<Vec<f64>>],
    ) -> Result<Problem, UncertaintyError> {
        let empty = Uncertainty {
            samples: 1,
            seed: 1,
            weights: None,
            normalisations: Vec::new(),
            aggregations: Vec::new(),
            imputations: Vec::new(),
            leave_one_out: false,
            data_noise: None,
            sobol: None,
        };
        let u = study.uncertainty.as_ref().unwrap_or(&empty);
        let nominal: IndexResult = compute_index(study, data, &NoProgress)
            .map_err(|e| UncertaintyError::engine("the study as written", e))?;
        let base_tree = IndexTree::from_study(study);
        let layout = Layout::new(&base_tree);

        // Choice lists: the sampled options first, then the study's own (if not among
        // them) so the nominal run can be expressed.
        let mut normalisations = if u.normalisations.is_empty() {
            vec![study.method.normalisation]
        } else {
            u.normalisations.clone()
        };
        let n_norm = normalisations.len();
        let nominal_norm = position_or_push(&mut normalisations, study.method.normalisation);
        let mut aggregations = if u.aggregations.is_empty() {
            vec![study.method.aggregation]
        } else {
            u.aggregations.clone()
        };
        let n_agg = aggregations.len();
        let nominal_agg = position_or_push(&mut aggregations, study.method.aggregation);
        let mut imputations = if u.imputations.is_empty() {
            vec![study.method.missing.impute]
        } else {
            u.imputations.clone()
        };
        let n_imp = imputations.len();
        let nominal_imp = position_or_push(&mut imputations, study.method.missing.impute);

        let mut inputs = Vec::new();
        if let Some(w) = u.weights {
            inputs.push(Input::Weights(w));
        }
        if n_norm > 1 {
            inputs.push(Input::Normalisation(n_norm));
        }
        if n_agg > 1 {
            inputs.push(Input::Aggregation(n_agg));
        }
        if n_imp > 1 {
            inputs.push(Input::Imputation(n_imp));
        }
        if u.leave_one_out {
            inputs.push(Input::LeaveOneOut);
        }

        // One tree per aggregation choice.
        let trees = aggregations
            .iter()
            .map(|&a| {
                let mut t = base_tree.clone();
                for (j, node) in t.nodes.iter_mut().enumerate() {
                    let own = study.groups.get(j).and_then(|g| g.aggregation);
                    node.aggregation = own.unwrap_or(a);
                }
                t
            })
            .collect::<Vec<_>>();
        let needs_ln = trees.iter().any(|t| {
            t.nodes
                .iter()
                .any(|n| n.aggregation == Aggregation::Geometric)
        });

        // The study used to prepare indicators: no aggregation constraints, no bands.
        let mut prep_study = study.clone();
        prep_study.method.aggregation = Aggregation::Arithmetic;
        for g in prep_study.groups.iter_mut() {
            g.aggregation = None;
        }
        prep_study.bands = Default::default();
        prep_study.uncertainty = None;
        prep_study.selection = None;
        prep_study.funds = Vec::new();

        let mut columns = Vec::with_capacity(imputations.len() * normalisations.len());
        for &imp in &imputations {
            for &norm in &normalisations {
                let mut s = prep_study.clone();
                s.method.missing.impute = imp;
                s.method.normalisation = norm;
                let what = format!(
                    "imputation `{}` with normalisation `{}`",
                    imputation_name(imp),
                    norm.name()
                );
                let r = compute_index(&s, data, &NoProgress)
                    .map_err(|e| UncertaintyError::engine(&what, e))?;
                let cols = Columns::new(r.normalised, needs_ln);
                check_positive(&cols, &trees, &nominal.indicator_ids, data, &r.kept, &what)?;
                columns.push(cols);
            }
        }

        // Nominal weights: the engine's effective weights (this covers `equal` and `pca`).
        let mut weights = vec![0.0; layout.n_weights];
        let nodes: Vec<&oa_engine::NodeResult> =
            nominal.groups.iter().chain([&nominal.index]).collect();
        for (j, node) in nodes.iter().enumerate() {
            weights[layout.range(j)].copy_from_slice(&node.weights);
        }

        let noisy = match u.data_noise {
            None => None,
            Some(dn) => {
                inputs.push(Input::DataNoise);
                let pick =
                    |col: &[f64]| -> Vec<f64> { nominal.kept.iter().map(|&a| col[a]).collect() };
                let raw = IndicatorMatrix::new(
                    data.ids.clone(),
                    data.columns.iter().map(|c| pick(c)).collect(),
                )
                .with_area_codes(if data.area_codes.is_empty() {
                    Vec::new()
                } else {
                    nominal
                        .kept
                        .iter()
                        .map(|&a| data.area_codes[a].clone())
                        .collect()
                });
                let se: Vec<Option<Vec<f64>>> = (0..data.columns.len())
                    .map(|i| se.get(i).and_then(|s| s.as_ref()).map(|s| pick(s)))
                    .collect();
                if se.iter().all(Option::is_none) {
                    return Err(UncertaintyError::Input {
                        key: "uncertainty.data_noise".into(),
                        message: "no standard errors were read: give `se_column` on the indicators that have them".into(),
                    });
                }
                Some(NoisyData {
                    raw,
                    se,
                    scale: dn.scale,
                })
            }
        };

        let rank_1 = study.scoring.rank_1;
        Ok(Problem {
            trees,
            layout,
            kept: nominal.kept.clone(),
            normalisations,
            aggregations,
            imputations,
            columns,
            inputs,
            nominal: Config {
                weights,
                normalisation: nominal_norm,
                aggregation: nominal_agg,
                imputation: nominal_imp,
                left_out: None,
                noise_seed: None,
            },
            nominal_ranks: nominal.index.rank.clone(),
            highest_first: oa_engine::highest_ranks_first(study.scoring.score, rank_1),
            bands: study.bands.named.clone(),
            rank_1,
            noisy,
            prep_study,
        })
    }

    /// Number of kept areas.
    pub fn n_areas(&self) -> usize {
        self.kept.len()
    }

    /// The columns of a run's (imputation, normalisation).
    pub fn columns_of(&self, c: &Config) -> &Columns {
        &self.columns[c.imputation * self.normalisations.len() + c.normalisation]
    }

    /// Re-prepares the indicators with data noise drawn from `seed` into `out`.
    pub fn noisy_columns(
        &self,
        c: &Config,
        seed: u64,
        out: &mut Columns,
    ) -> Result<(), UncertaintyError> {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let nd = self.noisy.as_ref().expect("noisy_columns needs data noise");
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut data = nd.raw.clone();
        for (col, se) in data.columns.iter_mut().zip(&nd.se) {
            if let Some(se) = se {
                for (x, &s) in col.iter_mut().zip(se) {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    if !x.is_nan() && s.is_finite() {
                        *x += nd.scale * s * z;
                    }
                }
            }
        }
        let mut s = self.prep_study.clone();
        s.method.missing.impute = self.imputations[c.imputation];
        s.method.normalisation = self.normalisations[c.normalisation];
        s.method.missing.min_coverage = 0.0;
        let r = compute_index(&s, &data, &NoProgress)
            .map_err(|e| UncertaintyError::engine("a run with data noise", e))?;
        let needs_ln = !self.columns[0].ln.is_empty();
        *out = Columns::new(r.normalised, needs_ln);
        Ok(())
    }
}

impl Columns {
    fn new(values: Vec<Vec<f64>>, with_ln: bool) -> Columns {
        let ln = if with_ln {
            values
                .iter()
                .map(|c| {
                    c.iter()
                        .map(|&x| if x > 0.0 { x.ln() } else { f64::NAN })
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        Columns { values, ln }
    }
}

/// Errors early when a geometric or harmonic aggregation choice meets values <= 0.
fn check_positive(
    cols: &Columns,
    trees: &[IndexTree],
    ids: &[String],
    data: &IndicatorMatrix,
    kept: &[usize],
    what: &str,
) -> Result<(), UncertaintyError> {
    for t in trees {
        for node in &t.nodes {
            let needs = match node.aggregation {
                Aggregation::Geometric | Aggregation::Harmonic => true,
                Aggregation::GeneralisedMean { p } => !(p > 0.0 && p.fract() == 0.0),
                _ => false,
            };
            if !needs {
                continue;
            }
            for c in &node.children {
                if let Child::Indicator(i) = *c
                    && let Some(a) = cols.values[i].iter().position(|&x| x <= 0.0)
                {
                    return Err(UncertaintyError::Input {
                        key: "uncertainty.aggregations".into(),
                        message: format!(
                            "{} aggregation needs values > 0 but {what} gives {} for indicator `{}` in area {}; choose normalisations onto a positive range (e.g. min_max with low = 1, or imd_exponential) or drop that aggregation",
                            node.aggregation.name(),
                            cols.values[i][a],
                            ids[i],
                            data.area_label(kept[a])
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

fn imputation_name(i: Imputation) -> &'static str {
    match i {
        Imputation::None => "none",
        Imputation::Mean => "mean",
        Imputation::Median => "median",
        Imputation::GroupMean => "group_mean",
        Imputation::GroupMedian => "group_median",
    }
}
