//! Randomisation inference: how unusual is the observed effect among the effects the same
//! statistic gives under other assignments the selection could have made?
//!
//! [`permutation_test`] is generic: it takes the statistic (a closure of the treated
//! units) and the alternative assignments, either listed ([`Assignments::Exact`]: every
//! assignment, the observed one among them) or drawn ([`Assignments::Sampled`]: a closure
//! of the draw index and its own seeded generator, returning `None` when the draw is
//! infeasible, e.g. a re-run of the study's selection rule with quotas on perturbed
//! inputs). p-values are two-sided (`|T| >= |T_obs|`): exact, the share of all
//! assignments; sampled, `(1 + extreme) / (1 + feasible draws)`. Draws are evaluated in
//! parallel and collected by index, so the result does not depend on the thread count.
//!
//! [`stratified`] builds the simple design: permutations of treatment over a long list
//! that keep the number treated in each stratum (region quotas); exact when the number of
//! assignments is at most `max_exact`, else sampled. [`DidStatistic`] is a fast default
//! statistic: the treated units' mean change (after minus before) less the rest's.

use crate::error::EvalError;
use crate::stats;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// A closure drawing one alternative assignment (treated unit indices, sorted or not).
pub type Sampler<'a> = dyn Fn(u64, &mut Xoshiro256PlusPlus) -> Option<Vec<usize>> + Sync + 'a;

/// The alternative assignments.
pub enum Assignments<'a> {
    /// Every possible assignment (including the observed one).
    Exact(Vec<Vec<usize>>),
    /// `draws` random assignments.
    Sampled {
        draws: usize,
        seed: u64,
        sampler: Box<Sampler<'a>>,
    },
}

/// The result of a permutation test.
#[derive(Debug, Clone, PartialEq)]
pub struct RiResult {
    pub observed: f64,
    pub p_value: f64,
    pub exact: bool,
    /// Assignments evaluated (feasible ones).
    pub evaluated: usize,
    /// Sampled draws that were infeasible (skipped).
    pub infeasible: usize,
    /// The statistic under every evaluated assignment, in order.
    pub distribution: Vec<f64>,
}

/// Tests the statistic of `observed` against the alternative assignments.
pub fn permutation_test<S>(
    observed: &[usize],
    statistic: S,
    assignments: Assignments<'_>,
) -> Result<RiResult, EvalError>
where
    S: Fn(&[usize]) -> f64 + Sync,
{
    if observed.is_empty() {
        return Err(EvalError::NoTreated {
            context: " in the observed assignment".into(),
        });
    }
    let t_obs = statistic(observed);
    if !t_obs.is_finite() {
        return Err(EvalError::invalid(
            "randomisation inference",
            "the statistic of the observed assignment is not a finite number",
        ));
    }
    let tol = 1e-12 * t_obs.abs().max(1e-300);
    let (exact, values, infeasible): (bool, Vec<f64>, usize) = match assignments {
        Assignments::Exact(list) => {
            if list.is_empty() {
                return Err(EvalError::invalid(
                    "randomisation inference",
                    "no assignments to compare with",
                ));
            }
            let v: Vec<f64> = list.par_iter().map(|a| statistic(a)).collect();
            (true, v, 0)
        }
        Assignments::Sampled {
            draws,
            seed,
            sampler,
        } => {
            if draws == 0 {
                return Err(EvalError::invalid(
                    "randomisation inference",
                    "at least 1 draw is needed (e.g. 10000)",
                ));
            }
            let v: Vec<Option<f64>> = (0..draws as u64)
                .into_par_iter()
                .map(|b| {
                    let mut rng = stats::generator(seed, stats::stream::RANDOMISATION, b);
                    sampler(b, &mut rng).map(|a| statistic(&a))
                })
                .collect();
            let infeasible = v.iter().filter(|x| x.is_none()).count();
            (false, v.into_iter().flatten().collect(), infeasible)
        }
    };
    if values.is_empty() {
        return Err(EvalError::invalid(
            "randomisation inference",
            format!("all {infeasible} draws were infeasible; relax the rule or the quotas"),
        ));
    }
    let extreme = values
        .iter()
        .filter(|v| v.abs() >= t_obs.abs() - tol)
        .count();
    let p_value = if exact {
        extreme as f64 / values.len() as f64
    } else {
        (1 + extreme) as f64 / (1 + values.len()) as f64
    };
    Ok(RiResult {
        observed: t_obs,
        p_value,
        exact,
        evaluated: values.len(),
        infeasible,
        distribution: values,
    })
}

/// `n choose k` as f64 (large values stay finite enough to compare with a limit).
pub fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Permutations of treatment over `long_list` keeping the number treated in each stratum
/// (`stratum[i]` labels `long_list[i]`). `treated` must lie in the long list.
pub fn stratified<'a>(
    long_list: &'a [usize],
    stratum: &'a [usize],
    treated: &[usize],
    max_exact: usize,
    draws: usize,
    seed: u64,
) -> Result<Assignments<'a>, EvalError> {
    if long_list.len() != stratum.len() {
        return Err(EvalError::invalid(
            "randomisation inference",
            "every long-list unit needs a stratum",
        ));
    }
    if let Some(t) = treated.iter().find(|t| !long_list.contains(t)) {
        return Err(EvalError::invalid(
            "randomisation inference",
            format!(
                "treated unit {t} is not on the long list; permutations must include every treated unit"
            ),
        ));
    }
    let mut labels: Vec<usize> = stratum.to_vec();
    labels.sort_unstable();
    labels.dedup();
    // Members and treated count of each stratum.
    let groups: Vec<(Vec<usize>, usize)> = labels
        .iter()
        .map(|&s| {
            let members: Vec<usize> = long_list
                .iter()
                .zip(stratum)
                .filter(|(_, x)| **x == s)
                .map(|(u, _)| *u)
                .collect();
            let k = members.iter().filter(|u| treated.contains(u)).count();
            (members, k)
        })
        .collect();
    let total: f64 = groups.iter().map(|(m, k)| choose(m.len(), *k)).product();
    if total <= max_exact as f64 {
        let mut all: Vec<Vec<usize>> = vec![Vec::new()];
        for (members, k) in &groups {
            let combos = combinations(members, *k);
            let mut next = Vec::with_capacity(all.len() * combos.len());
            for a in &all {
                for c in &combos {
                    let mut x = a.clone();
                    x.extend_from_slice(c);
                    next.push(x);
                }
            }
            all = next;
        }
        return Ok(Assignments::Exact(all));
    }
    Ok(Assignments::Sampled {
        draws,
        seed,
        sampler: Box::new(move |_, rng| {
            let mut out = Vec::new();
            for (members, k) in &groups {
                let mut idx: Vec<usize> = (0..members.len()).collect();
                for i in 0..*k {
                    let j = i + stats::index_below(members.len() - i, rng);
                    idx.swap(i, j);
                    out.push(members[idx[i]]);
                }
            }
            Some(out)
        }),
    })
}

/// Every `k`-subset of `items`, in lexicographic order of positions.
fn combinations(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let n = items.len();
    if k > n {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        let mut i = k;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            if idx[i] != i + n - k {
                break;
            }
            if i == 0 && idx[0] == n - k {
                return out;
            }
        }
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// The difference in mean change between the assigned units and the rest of `universe`:
/// `mean_S(after - before) - mean_rest(after - before)`, with each unit's change
/// precomputed once.
#[derive(Debug, Clone)]
pub struct DidStatistic {
    change: Vec<f64>,
    universe: Vec<usize>,
    in_universe: Vec<bool>,
}

impl DidStatistic {
    /// `rows[u]` is unit `u`'s outcome per period; `pre`/`post` are period indices.
    pub fn new(
        values: &dyn Fn(usize, usize) -> f64,
        n_units: usize,
        universe: &[usize],
        pre: &[usize],
        post: &[usize],
    ) -> DidStatistic {
        let change: Vec<f64> = (0..n_units)
            .map(|u| {
                let after = post.iter().map(|&t| values(u, t)).sum::<f64>() / post.len() as f64;
                let before = pre.iter().map(|&t| values(u, t)).sum::<f64>() / pre.len() as f64;
                after - before
            })
            .collect();
        let mut in_universe = vec![false; n_units];
        for &u in universe {
            in_universe[u] = true;
        }
        DidStatistic {
            change,
            universe: universe.to_vec(),
            in_universe,
        }
    }

    pub fn value(&self, treated: &[usize]) -> f64 {
        let mut is_treated = vec![false; self.change.len()];
        let (mut st, mut nt) = (0.0, 0usize);
        for &u in treated {
            if self.in_universe[u] && !is_treated[u] {
                is_treated[u] = true;
                st += self.change[u];
                nt += 1;
            }
        }
        let (mut sc, mut nc) = (0.0, 0usize);
        for &u in &self.universe {
            if !is_treated[u] {
                sc += self.change[u];
                nc += 1;
            }
        }
        st / nt as f64 - sc / nc as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_all_k_subsets() {
        let c = combinations(&[10, 11, 12, 13], 2);
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], vec![10, 11]);
        assert_eq!(c[5], vec![12, 13]);
        assert_eq!(combinations(&[1, 2], 0), vec![Vec::<usize>::new()]);
        assert_eq!(choose(32, 12), 225_792_840.0);
    }

    #[test]
    fn the_exact_p_value_of_the_most_extreme_assignment_is_one_over_the_count() {
        // Units 0..6, change = unit index; the treated pair {4, 5} is the most extreme.
        let values = |u: usize, t: usize| if t == 1 { u as f64 } else { 0.0 };
        let universe: Vec<usize> = (0..6).collect();
        let stat = DidStatistic::new(&values, 6, &universe, &[0], &[1]);
        let strata = vec![0; 6];
        let a = stratified(&universe, &strata, &[4, 5], 1000, 0, 1).unwrap();
        let r = permutation_test(&[4, 5], |s| stat.value(s), a).unwrap();
        assert!(r.exact);
        assert_eq!(r.evaluated, 15);
        // {4,5} and {0,1} are equally extreme in absolute value.
        assert!((r.p_value - 2.0 / 15.0).abs() < 1e-12, "{}", r.p_value);
    }

    #[test]
    fn strata_keep_their_counts() {
        let units: Vec<usize> = (0..8).collect();
        let strata = vec![0, 0, 0, 0, 1, 1, 1, 1];
        let a = stratified(&units, &strata, &[0, 4, 5], 1, 50, 3).unwrap();
        let Assignments::Sampled { sampler, .. } = a else {
            panic!("expected sampling")
        };
        for b in 0..50 {
            let mut rng = stats::generator(3, 9, b);
            let s = sampler(b, &mut rng).unwrap();
            assert_eq!(s.iter().filter(|&&u| u < 4).count(), 1);
            assert_eq!(s.iter().filter(|&&u| u >= 4).count(), 2);
        }
    }
}
