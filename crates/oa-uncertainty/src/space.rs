//! The uncertain inputs and how one sample of them is drawn.
//!
//! Every input of every run has its own generator, seeded from (seed, matrix, sample,
//! input): a run is the same whichever thread computes it and whichever runs come before
//! it, and the AB_i runs of the Sobol design can take input i from B and the rest from A
//! without storing either matrix.

use crate::tree::Layout;
use oa_model::study::uncertainty::WeightNoise;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

/// One uncertain input (a Sobol factor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// Noise on every weight: one input for the whole weight vector.
    Weights(WeightNoise),
    /// A choice among this many normalisations.
    Normalisation(usize),
    /// A choice among this many aggregations.
    Aggregation(usize),
    /// A choice among this many imputation methods.
    Imputation(usize),
    /// Keep every indicator or leave one of them out (1 + leaves cases).
    LeaveOneOut,
    /// Gaussian noise on the raw values with standard errors.
    DataNoise,
}

impl Input {
    /// The name written in `sensitivity.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Input::Weights(_) => "weights",
            Input::Normalisation(_) => "normalisation",
            Input::Aggregation(_) => "aggregation",
            Input::Imputation(_) => "imputation",
            Input::LeaveOneOut => "leave_one_out",
            Input::DataNoise => "data_noise",
        }
    }
}

/// One realisation of the inputs: everything a run needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Flat weights (see [`Tree::nominal_weights`]).
    pub weights: Vec<f64>,
    /// Positions in the problem's lists of normalisations, aggregations, imputations.
    pub normalisation: usize,
    pub aggregation: usize,
    pub imputation: usize,
    /// The indicator left out, if any.
    pub left_out: Option<usize>,
    /// Seed of the data noise of this run (None = the data as given).
    pub noise_seed: Option<u64>,
}

/// Which design matrix a run's input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    A = 0,
    B = 1,
}

/// SplitMix64 finaliser: a well-mixed 64-bit hash of `x`.
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The generator of `input` in row `sample` of `matrix` for `seed`.
pub fn generator(seed: u64, matrix: Matrix, sample: u64, input: usize) -> Xoshiro256PlusPlus {
    let s = mix(mix(mix(seed) ^ matrix as u64) ^ sample)
        ^ (input as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
    Xoshiro256PlusPlus::seed_from_u64(mix(s))
}

/// Draws input `input` into `config` (other fields untouched).
pub fn draw_input(
    input: &Input,
    tree: &Layout,
    nominal: &Config,
    rng: &mut Xoshiro256PlusPlus,
    config: &mut Config,
) {
    match *input {
        Input::Weights(WeightNoise::Uniform { spread }) => {
            for (w, &w0) in config.weights.iter_mut().zip(&nominal.weights) {
                *w = w0 * (1.0 + spread * rng.random_range(-1.0..=1.0));
            }
        }
        Input::Weights(WeightNoise::Dirichlet { concentration }) => {
            for j in 0..tree.sizes.len() {
                let range = tree.range(j);
                let w0 = &nominal.weights[range.clone()];
                let total: f64 = w0.iter().sum();
                let w = &mut config.weights[range];
                if total <= 0.0 {
                    w.copy_from_slice(w0);
                    continue;
                }
                // Shares ~ Dirichlet(concentration x nominal shares), via Gamma draws;
                // children with weight 0 stay at 0.
                let mut sum = 0.0;
                for (x, &x0) in w.iter_mut().zip(w0) {
                    *x = if x0 > 0.0 {
                        let shape = concentration * x0 / total;
                        Gamma::new(shape, 1.0)
                            .expect("shape > 0 and scale 1 are valid")
                            .sample(rng)
                    } else {
                        0.0
                    };
                    sum += *x;
                }
                if sum > 0.0 {
                    for x in w.iter_mut() {
                        *x *= total / sum;
                    }
                } else {
                    w.copy_from_slice(w0);
                }
            }
        }
        Input::Normalisation(k) => config.normalisation = rng.random_range(0..k),
        Input::Aggregation(k) => config.aggregation = rng.random_range(0..k),
        Input::Imputation(k) => config.imputation = rng.random_range(0..k),
        Input::LeaveOneOut => {
            let case = rng.random_range(0..=tree.leaves());
            config.left_out = (case < tree.leaves()).then_some(case);
        }
        Input::DataNoise => config.noise_seed = Some(rng.random()),
    }
}

/// Draws a whole run: input `i` from row `sample` of `matrix_of(i)`.
pub fn draw_run(
    inputs: &[Input],
    tree: &Layout,
    nominal: &Config,
    seed: u64,
    sample: u64,
    matrix_of: impl Fn(usize) -> Matrix,
    config: &mut Config,
) {
    config.clone_from(nominal);
    for (i, input) in inputs.iter().enumerate() {
        let mut rng = generator(seed, matrix_of(i), sample, i);
        draw_input(input, tree, nominal, &mut rng, config);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nominal(w: Vec<f64>) -> Config {
        Config {
            weights: w,
            normalisation: 0,
            aggregation: 0,
            imputation: 0,
            left_out: None,
            noise_seed: None,
        }
    }

    #[test]
    fn uniform_noise_stays_within_the_spread() {
        let w = vec![0.5, 0.3, 0.2];
        let tree = Layout::flat(w.len());
        let nom = nominal(w);
        let inputs = [Input::Weights(WeightNoise::Uniform { spread: 0.25 })];
        let mut c = nom.clone();
        for s in 0..200 {
            draw_run(&inputs, &tree, &nom, 9, s, |_| Matrix::A, &mut c);
            for (w, w0) in c.weights.iter().zip(&nom.weights) {
                assert!(*w >= w0 * 0.75 - 1e-12 && *w <= w0 * 1.25 + 1e-12);
            }
        }
    }

    #[test]
    fn dirichlet_keeps_totals_and_centres_on_the_nominal_shares() {
        let w = vec![0.6, 0.3, 0.1, 0.0];
        let tree = Layout::flat(w.len());
        let nom = nominal(w);
        let inputs = [Input::Weights(WeightNoise::Dirichlet {
            concentration: 50.0,
        })];
        let mut c = nom.clone();
        let mut mean = [0.0; 4];
        let n = 2000;
        for s in 0..n {
            draw_run(&inputs, &tree, &nom, 3, s, |_| Matrix::B, &mut c);
            assert!((c.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert_eq!(c.weights[3], 0.0);
            for (m, w) in mean.iter_mut().zip(&c.weights) {
                *m += w / n as f64;
            }
        }
        for (m, w0) in mean.iter().zip(&nom.weights) {
            assert!((m - w0).abs() < 0.01, "{mean:?}");
        }
    }

    #[test]
    fn runs_are_reproducible_and_inputs_independent() {
        let w = vec![1.0; 5];
        let tree = Layout::flat(w.len());
        let nom = nominal(w);
        let inputs = [
            Input::Weights(WeightNoise::Uniform { spread: 0.5 }),
            Input::Normalisation(3),
            Input::LeaveOneOut,
        ];
        let mut a = nom.clone();
        let mut a2 = nom.clone();
        let mut ab = nom.clone();
        let mut b = nom.clone();
        draw_run(&inputs, &tree, &nom, 1, 17, |_| Matrix::A, &mut a);
        draw_run(&inputs, &tree, &nom, 1, 17, |_| Matrix::A, &mut a2);
        draw_run(&inputs, &tree, &nom, 1, 17, |_| Matrix::B, &mut b);
        draw_run(
            &inputs,
            &tree,
            &nom,
            1,
            17,
            |i| if i == 1 { Matrix::B } else { Matrix::A },
            &mut ab,
        );
        assert_eq!(a, a2);
        assert_ne!(a.weights, b.weights);
        // AB_1: the normalisation of B, the rest of A.
        assert_eq!(ab.weights, a.weights);
        assert_eq!(ab.left_out, a.left_out);
        assert_eq!(ab.normalisation, b.normalisation);
    }
}
