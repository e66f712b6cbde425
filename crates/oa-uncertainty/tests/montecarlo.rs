//! Monte Carlo on a small synthetic study: determinism, exactness of the summaries,
//! agreement with the engine, bad inputs.

use oa_engine::{IndicatorMatrix, NoProgress};
use oa_model::Study;
use oa_uncertainty::kernel::{Workspace, evaluate};
use oa_uncertainty::montecarlo::jaccard;
use oa_uncertainty::space::{Matrix, draw_run};
use oa_uncertainty::{Problem, Settings, SobolSettings, run, run_with_selection};

const AREAS: usize = 60;

fn study(uncertainty: &str) -> Study {
    let text = format!(
        r#"
schema = 1
[study]
id = "toy"
title = "toy"
[geography]
area_type = "lad"
vintage = 2019
[[sources]]
id = "s"
path = "x.csv"
code_column = "code"
[[groups]]
id = "g1"
[[groups]]
id = "g2"
weight = 2
[[indicators]]
id = "a"
direction = "higher_is_better"
group = "g1"
[[indicators]]
id = "b"
direction = "higher_is_worse"
group = "g1"
weight = 2
[[indicators]]
id = "c"
direction = "higher_is_better"
group = "g2"
[[indicators]]
id = "d"
direction = "higher_is_better"
group = "g2"
[method]
normalisation = {{ method = "min_max", low = 1, high = 100 }}
[scoring]
score = "higher_is_better"
rank_1 = "worst"
[[bands.named]]
name = "coldspot"
end = "worst"
share = 0.2
[[bands.named]]
name = "hotspot"
end = "best"
count = 5
[uncertainty]
{uncertainty}
"#
    );
    Study::from_toml_str(&text, "toy.toml").unwrap()
}

/// Deterministic pseudo-random data with some structure.
fn data() -> IndicatorMatrix {
    let col = |k: u64| -> Vec<f64> {
        (0..AREAS as u64)
            .map(|a| {
                let h = (a * 2654435761 + k * 40503) % 1000;
                (a as f64) * 0.5 + h as f64 / 40.0
            })
            .collect()
    };
    IndicatorMatrix::new(
        vec!["a".into(), "b".into(), "c".into(), "d".into()],
        (0..4).map(col).collect(),
    )
}

const NOISY: &str = r#"
weights = { noise = "uniform", spread = 0.4 }
normalisations = [{ method = "min_max", low = 1, high = 100 }, { method = "rank" }]
aggregations = [{ method = "arithmetic" }, { method = "geometric" }]
imputations = ["mean", "median"]
leave_one_out = true
"#;

fn settings(samples: usize, sobol: bool) -> Settings {
    Settings {
        samples,
        seed: 42,
        bins: 1000,
        sobol: sobol.then_some(SobolSettings {
            samples: 200,
            bootstrap: 100,
            confidence: 0.9,
        }),
    }
}

#[test]
fn the_nominal_run_reproduces_the_engine() {
    let s = study(NOISY);
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let mut ws = Workspace::default();
    evaluate(&p, &p.nominal, &mut ws).unwrap();
    assert_eq!(ws.ranks, p.nominal_ranks);
    let engine = oa_engine::compute_index(&s, &data(), &NoProgress).unwrap();
    assert_eq!(p.nominal_ranks, engine.index.rank);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let s = study(NOISY);
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&p, &settings(300, true), &NoProgress).unwrap())
    };
    let one = with(1);
    let two = with(2);
    assert_eq!(one.summary, two.summary);
    assert_eq!(one.rank_shift, two.rank_shift);
    assert_eq!(one.sobol, two.sobol);
    assert!(
        one.rank_shift.iter().any(|&y| y > 0.0),
        "the inputs should move ranks"
    );
}

#[test]
fn summaries_match_an_exact_computation() {
    let s = study(NOISY);
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let samples = 250;
    let o = run(&p, &settings(samples, false), &NoProgress).unwrap();
    // Recompute every sample's ranks and band members directly.
    let mut ws = Workspace::default();
    let mut config = p.nominal.clone();
    let mut ranks_by_area = vec![Vec::new(); AREAS];
    let mut cold = vec![0usize; AREAS];
    for j in 0..samples {
        draw_run(
            &p.inputs,
            &p.layout,
            &p.nominal,
            42,
            j as u64,
            |_| Matrix::A,
            &mut config,
        );
        evaluate(&p, &config, &mut ws).unwrap();
        let bands = oa_engine::named_bands(&ws.ranks, &p.bands, p.rank_1).unwrap();
        for a in 0..AREAS {
            ranks_by_area[a].push(ws.ranks[a]);
            cold[a] += usize::from(bands[a] == Some(0));
        }
    }
    for a in 0..AREAS {
        let mut r = ranks_by_area[a].clone();
        r.sort_unstable();
        let q = |p: f64| r[((p * samples as f64).ceil() as usize).max(1) - 1];
        assert_eq!(o.summary.quantile(a, 0.5), q(0.5), "area {a}");
        assert_eq!(o.summary.quantile(a, 0.05), q(0.05));
        assert_eq!(o.summary.quantile(a, 0.95), q(0.95));
        assert_eq!(
            o.summary.band_probability(a, 0),
            cold[a] as f64 / samples as f64
        );
    }
    let mean_shift: f64 = o.rank_shift.iter().sum::<f64>() / samples as f64;
    assert!(mean_shift > 0.5, "{mean_shift}");
}

#[test]
fn without_uncertainty_band_probabilities_are_zero_or_one() {
    let s = study("samples = 20");
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    assert!(p.inputs.is_empty());
    let o = run(&p, &settings(20, false), &NoProgress).unwrap();
    let engine = oa_engine::compute_index(&s, &data(), &NoProgress).unwrap();
    for a in 0..AREAS {
        assert_eq!(o.summary.quantile(a, 0.5), p.nominal_ranks[a]);
        assert_eq!(o.summary.quantile(a, 0.05), p.nominal_ranks[a]);
        for b in 0..2 {
            let want = if engine.band[a] == Some(b as u16) {
                1.0
            } else {
                0.0
            };
            assert_eq!(o.summary.band_probability(a, b), want, "area {a} band {b}");
        }
    }
    assert!(o.rank_shift.iter().all(|&y| y == 0.0));
}

#[test]
fn an_input_that_changes_nothing_has_zero_sobol_indices() {
    // No missing data: the two imputations give identical columns.
    let s = study(
        r#"
weights = { noise = "dirichlet", concentration = 20 }
imputations = ["mean", "median"]
aggregations = [{ method = "arithmetic" }, { method = "geometric" }]
"#,
    );
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let o = run(&p, &settings(200, true), &NoProgress).unwrap();
    let sobol = o.sobol.unwrap();
    let names: Vec<&str> = sobol.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["weights", "aggregation", "imputation"]);
    let imp = sobol[2].1;
    assert_eq!((imp.first_order, imp.total), (0.0, 0.0));
    let w = sobol[0].1;
    assert!(w.total > 0.05 && w.total_low <= w.total_high, "{w:?}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let s = study(
        r#"aggregations = [{ method = "geometric" }]
normalisations = [{ method = "zscore" }]"#,
    );
    let e = Problem::prepare(&s, &data(), &[]).unwrap_err().to_string();
    assert!(
        e.contains("uncertainty.aggregations") && e.contains("zscore"),
        "{e}"
    );
    let s = study("samples = 10");
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let e = run(&p, &settings(10, true), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("uncertainty.sobol"), "{e}");
    let e = run(&p, &settings(0, false), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("samples"), "{e}");
}

/// A stand-in selection: the 5 areas ranked 1-5, infeasible when area 0's rank is odd.
fn top_five(ranks: &[u32]) -> Option<Vec<usize>> {
    if ranks[0] % 2 == 1 {
        return None;
    }
    Some(
        (0..ranks.len())
            .filter(|&a| (1..=5).contains(&ranks[a]))
            .collect(),
    )
}

#[test]
fn selection_stability_matches_an_exact_computation_on_any_thread_count() {
    let s = study(NOISY);
    let p = Problem::prepare(&s, &data(), &[]).unwrap();
    let samples = 200;
    let nominal = top_five(&p.nominal_ranks).unwrap_or_default();
    let with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                run_with_selection(
                    &p,
                    &settings(samples, false),
                    &NoProgress,
                    Some((&top_five, &nominal[..])),
                )
                .unwrap()
            })
    };
    let one = with(1).selection.unwrap();
    assert_eq!(Some(&one), with(2).selection.as_ref());
    // Recompute every sample's selection directly.
    let mut ws = Workspace::default();
    let mut config = p.nominal.clone();
    let (mut counts, mut infeasible, mut equal, mut sum) = (vec![0usize; AREAS], 0, 0, 0.0);
    for j in 0..samples {
        draw_run(
            &p.inputs,
            &p.layout,
            &p.nominal,
            42,
            j as u64,
            |_| Matrix::A,
            &mut config,
        );
        evaluate(&p, &config, &mut ws).unwrap();
        match top_five(&ws.ranks) {
            Some(set) => {
                set.iter().for_each(|&a| counts[a] += 1);
                equal += usize::from(set == nominal);
                sum += jaccard(&set, &nominal);
            }
            None => infeasible += 1,
        }
    }
    let feasible = samples - infeasible;
    assert!(infeasible > 0 && feasible > 0, "{infeasible}");
    assert_eq!((one.feasible, one.infeasible), (feasible, infeasible));
    for (p_a, &c) in one.p_selected.iter().zip(&counts) {
        assert_eq!(*p_a, c as f64 / feasible as f64);
    }
    assert_eq!(one.share_equal, equal as f64 / feasible as f64);
    assert!((one.mean_jaccard - sum / feasible as f64).abs() < 1e-12);
}
