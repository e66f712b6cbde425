//! Weight optimisation as COINr's `get_opt_weights` (`optype = "balance"`): the weights
//! of one level's elements are chosen so that the elements' correlations with the index,
//! as shares of their sum, come as close as possible to target shares (equal by default).
//!
//! The objective is COINr's: the mean squared difference between the target shares and
//! the correlation shares (COINr minimises its logarithm, which has the same minimum).
//! The search is the Nelder-Mead simplex, as R's `optim` runs it for COINr, started
//! from the targets as COINr does; unlike COINr, the weights are searched as
//! `exp(θ)` so they stay positive (COINr's unconstrained search can return negative
//! weights), and the search stops when the simplex's objective values agree to 1e-12 or
//! after the iteration budget (COINr's relative tolerance 0.1 often stops after a few
//! steps).

/// The outcome of a Nelder-Mead minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    /// The simplex's values agreed to the tolerance before the budget ran out.
    pub converged: bool,
}

/// Minimises `f` from `start` with the Nelder-Mead simplex (reflection 1, expansion 2,
/// contraction 1/2, shrink 1/2), initial steps `step` along each axis. Stops when the
/// best and worst values of the simplex differ by at most `tolerance` or after
/// `max_iterations`. A non-finite value counts as worse than any finite one.
pub fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Minimum {
    let k = start.len();
    let eval = |f: &mut dyn FnMut(&[f64]) -> f64, x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut simplex: Vec<Vec<f64>> = vec![start.to_vec()];
    for j in 0..k {
        let mut x = start.to_vec();
        x[j] += step;
        simplex.push(x);
    }
    let mut values: Vec<f64> = simplex.iter().map(|x| eval(f, x)).collect();
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        let mut order: Vec<usize> = (0..=k).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        values = order.iter().map(|&i| values[i]).collect();
        if (values[k] - values[0]).abs() <= tolerance {
            converged = true;
            break;
        }
        iterations += 1;
        let centroid: Vec<f64> = (0..k)
            .map(|j| simplex[..k].iter().map(|x| x[j]).sum::<f64>() / k as f64)
            .collect();
        let towards = |t: f64| -> Vec<f64> {
            (0..k)
                .map(|j| centroid[j] + t * (simplex[k][j] - centroid[j]))
                .collect()
        };
        let reflected = towards(-1.0);
        let fr = eval(f, &reflected);
        if fr < values[0] {
            let expanded = towards(-2.0);
            let fe = eval(f, &expanded);
            if fe < fr {
                simplex[k] = expanded;
                values[k] = fe;
            } else {
                simplex[k] = reflected;
                values[k] = fr;
            }
        } else if fr < values[k - 1] {
            simplex[k] = reflected;
            values[k] = fr;
        } else {
            let (contracted, fc) = if fr < values[k] {
                let c = towards(-0.5);
                let v = eval(f, &c);
                (c, v)
            } else {
                let c = towards(0.5);
                let v = eval(f, &c);
                (c, v)
            };
            if fc < values[k].min(fr) {
                simplex[k] = contracted;
                values[k] = fc;
            } else {
                for i in 1..=k {
                    let moved: Vec<f64> = (0..k)
                        .map(|j| simplex[0][j] + 0.5 * (simplex[i][j] - simplex[0][j]))
                        .collect();
                    values[i] = eval(f, &moved);
                    simplex[i] = moved;
                }
            }
        }
    }
    let best = (0..=k)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    Minimum {
        x: simplex[best].clone(),
        value: values[best],
        iterations,
        converged,
    }
}

/// COINr's balance objective: the mean of `(target_j - r_j/Σr)²`.
pub fn balance_objective(targets: &[f64], correlations: &[f64]) -> f64 {
    let sum: f64 = correlations.iter().sum();
    targets
        .iter()
        .zip(correlations)
        .map(|(t, r)| (t - r / sum).powi(2))
        .sum::<f64>()
        / targets.len() as f64
}

/// Weights `exp(θ)` scaled to sum to 1.
pub fn softmax(theta: &[f64]) -> Vec<f64> {
    let max = theta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = theta.iter().map(|t| (t - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = nelder_mead(&mut f, &[-1.2, 1.0], 0.5, 1e-14, 5000);
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{m:?}"
        );
    }

    #[test]
    fn a_budget_of_zero_returns_the_best_start_point() {
        let mut f = |x: &[f64]| x[0] * x[0];
        let m = nelder_mead(&mut f, &[3.0], 1.0, 0.0, 0);
        assert_eq!(
            (m.x.clone(), m.iterations, m.converged),
            (vec![3.0], 0, false)
        );
        assert_eq!(m.value, 9.0);
    }

    #[test]
    fn balance_is_zero_when_correlation_shares_meet_the_targets() {
        assert_eq!(balance_objective(&[0.5, 0.5], &[0.8, 0.8]), 0.0);
        assert!((balance_objective(&[0.5, 0.5], &[0.6, 0.2]) - 0.0625).abs() < 1e-15);
        let w = softmax(&[0.0, 2.0f64.ln()]);
        assert!((w[0] - 1.0 / 3.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
    }
}
