//! `compute_index` on small studies whose answers are worked out by hand.

use oa_engine::{EngineError, IndicatorMatrix, NoProgress, compute_index};
use oa_model::Study;

const NAN: f64 = f64::NAN;

fn study(extra: &str, indicators: &str) -> Study {
    let text = format!(
        r#"
schema = 1
[study]
id = "t"
title = "Test"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "s"
path = "s.csv"
code_column = "code"
{indicators}
{extra}
"#
    );
    Study::from_toml_str(&text, "test").unwrap_or_else(|e| panic!("{e}"))
}

fn matrix(study: &Study, columns: Vec<Vec<f64>>) -> IndicatorMatrix {
    let n = columns[0].len();
    IndicatorMatrix::new(
        study.indicators.iter().map(|i| i.id.clone()).collect(),
        columns,
    )
    .with_area_codes((0..n).map(|a| format!("E0700000{a}")).collect())
}

/// `[[indicators]]` blocks for `ids`, each higher-is-better with `weight`, under the index.
fn plain_indicators(ids: &[&str], weight: f64) -> String {
    ids.iter()
        .map(|id| {
            format!("[[indicators]]\nid = \"{id}\"\ndirection = \"higher_is_better\"\nweight = {weight:e}\n")
        })
        .collect()
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9,
            "{a:?} != {b:?}"
        );
    }
}

const TREE: &str = r#"
[[indicators]]
id = "x1"
direction = "higher_is_better"
group = "g1"
[[indicators]]
id = "x2"
direction = "higher_is_worse"
group = "g1"
[[indicators]]
id = "x3"
direction = "higher_is_better"
group = "g2"
[[groups]]
id = "top"
[[groups]]
id = "g1"
parent = "top"
[[groups]]
id = "g2"
"#;

const MINMAX_EQUAL: &str = r#"
[method]
normalisation = { method = "min_max", low = 0, high = 100 }
weights = "equal"
[scoring]
score = "higher_is_better"
rank_1 = "best"
[bands]
quantiles = 2
[[bands.named]]
name = "hotspot"
end = "best"
count = 1
[[bands.named]]
name = "coldspot"
end = "worst"
share = 0.25
"#;

fn tree_columns() -> Vec<Vec<f64>> {
    vec![
        vec![1.0, 2.0, 3.0, 4.0],
        vec![40.0, 30.0, 20.0, 10.0],
        vec![10.0, 0.0, 5.0, 5.0],
    ]
}

#[test]
fn nested_groups_are_scored_and_ranked_at_every_depth() {
    let s = study(MINMAX_EQUAL, TREE);
    let r = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap();
    let third = 100.0 / 3.0;
    // x2 runs against the score, so its lowest raw value normalises to 100.
    close(&r.normalised[1], &[0.0, third, 2.0 * third, 100.0]);
    let g1 = r.node("g1").unwrap();
    close(&g1.score, &[0.0, third, 2.0 * third, 100.0]);
    assert_eq!((g1.depth, g1.parent.as_deref()), (2, Some("top")));
    assert_eq!(g1.weights, vec![0.5, 0.5]);
    let top = r.node("top").unwrap();
    assert_eq!(top.depth, 1);
    close(&top.score, &g1.score);
    let g2 = r.node("g2").unwrap();
    close(&g2.score, &[100.0, 0.0, 50.0, 50.0]);
    assert_eq!(g2.rank, vec![1, 4, 2, 2]);
    close(&r.index.score, &[50.0, 50.0 / 3.0, 175.0 / 3.0, 75.0]);
    assert_eq!(r.index.rank, vec![3, 4, 2, 1]);
    assert_eq!(r.index.children, vec!["top", "g2"]);
    assert_eq!(r.quantile.as_deref(), Some(&[2, 2, 1, 1][..]));
    let bands: Vec<Option<&str>> = (0..4).map(|i| r.band_of(i)).collect();
    assert_eq!(bands, vec![None, Some("coldspot"), None, Some("hotspot")]);
}

#[test]
fn rank_one_at_the_worst_end_reverses_ranks_and_quantiles_only() {
    let extra = MINMAX_EQUAL.replace("rank_1 = \"best\"", "rank_1 = \"worst\"");
    let s = study(&extra, TREE);
    let r = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap();
    close(&r.index.score, &[50.0, 50.0 / 3.0, 175.0 / 3.0, 75.0]);
    assert_eq!(r.index.rank, vec![2, 1, 3, 4]);
    assert_eq!(r.quantile.as_deref(), Some(&[1, 1, 2, 2][..]));
    // Bands still sit at their named ends.
    assert_eq!(r.band_of(3), Some("hotspot"));
    assert_eq!(r.band_of(1), Some("coldspot"));
}

#[test]
fn screening_drops_areas_and_mean_imputation_is_reported() {
    let extra = r#"
[method]
normalisation = { method = "none" }
weights = "equal"
[method.missing]
min_coverage = 0.6
impute = "mean"
"#;
    let inds = r#"
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_better"
[[indicators]]
id = "c"
direction = "higher_is_better"
"#;
    let s = study(extra, inds);
    let cols = vec![
        vec![1.0, 2.0, NAN, 4.0],
        vec![2.0, NAN, NAN, 6.0],
        vec![3.0, 3.0, 9.0, 3.0],
    ];
    let r = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap();
    assert_eq!(r.kept, vec![0, 1, 3]);
    assert_eq!(r.dropped, vec![2]);
    close(&r.coverage, &[1.0, 2.0 / 3.0, 1.0 / 3.0, 1.0]);
    assert_eq!(r.imputed.len(), 1);
    assert_eq!((r.imputed[0].area, r.imputed[0].indicator), (1, 1));
    assert_eq!(r.imputed[0].value, 4.0);
    close(&r.index.score, &[2.0, 3.0, 13.0 / 3.0]);
}

#[test]
fn group_mean_imputation_fills_from_siblings_in_raw_units() {
    let extra = r#"
[method]
normalisation = { method = "min_max", low = 0, high = 1 }
weights = "equal"
[method.missing]
impute = "group_mean"
"#;
    let s = study(extra, TREE);
    let cols = vec![
        vec![1.0, 2.0, 3.0, 4.0],
        vec![40.0, NAN, 20.0, 10.0],
        vec![10.0, 0.0, NAN, 5.0],
    ];
    let r = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap();
    // Area 1 (B) misses x2: its x1 sits at 1/3 of x1's range, so x2 is filled at 1/3 of
    // its range from the score's low end; x2 runs against the score, so that is
    // 40 - 30/3 = 30 in its own units, and 1/3 once normalised.
    assert_eq!(r.imputed.len(), 1, "{:?}", r.imputed);
    assert_eq!((r.imputed[0].area, r.imputed[0].indicator), (1, 1));
    assert!((r.imputed[0].value - 30.0).abs() < 1e-12, "{:?}", r.imputed);
    assert!((r.normalised[1][1] - 1.0 / 3.0).abs() < 1e-12);
    // Area 2 (C) misses x3, alone in g2: not filled; g2 is missing, so the index uses
    // `top` alone for C.
    assert!(r.normalised[2][2].is_nan());
    assert!(r.node("g2").unwrap().score[2].is_nan());
    assert_eq!(r.node("g2").unwrap().rank[2], 0);
    let top = r.node("top").unwrap().score[2];
    assert!((r.index.score[2] - top).abs() < 1e-12);
}

#[test]
fn pca_weights_are_reported_with_explained_variance() {
    let extra = r#"
[method]
normalisation = { method = "zscore" }
weights = "pca"
"#;
    let inds = r#"
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_better"
[[indicators]]
id = "c"
direction = "higher_is_better"
"#;
    let s = study(extra, inds);
    let cols = vec![
        vec![1.0, 2.0, 3.0, 4.0],
        vec![3.0, 6.0, 9.0, 12.0],
        vec![1.0, -1.0, -1.0, 1.0],
    ];
    let r = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap();
    close(&r.index.weights, &[0.5, 0.5, 0.0]);
    assert!((r.index.explained_variance.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let pca = r.index.pca.as_ref().expect("loadings are kept");
    let h = std::f64::consts::FRAC_1_SQRT_2;
    close(&pca.loadings, &[h, h, 0.0]);
    close(&pca.eigenvalues, &[2.0, 1.0, 0.0]);
    assert_eq!(pca.areas_used, 4);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.index.rank, vec![4, 3, 2, 1]);
}

/// Issue 15, bug 2: two negatively correlated groups under the index. Their weights
/// must not depend on which `[[groups]]` block comes first, and the contrast is reported.
#[test]
fn pca_weights_do_not_depend_on_the_order_groups_are_written() {
    let extra = r#"
[method]
normalisation = { method = "min_max", low = 0, high = 100 }
weights = "pca"
"#;
    let inds = |first: &str, second: &str| {
        format!(
            r#"
[[indicators]]
id = "a"
direction = "higher_is_better"
group = "conn"
[[indicators]]
id = "b"
direction = "higher_is_better"
group = "conn"
[[indicators]]
id = "c"
direction = "higher_is_better"
group = "sust"
[[indicators]]
id = "d"
direction = "higher_is_better"
group = "sust"
[[groups]]
id = "{first}"
[[groups]]
id = "{second}"
"#
        )
    };
    let cols = vec![
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        vec![2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 8.0],
        vec![7.0, 5.0, 6.0, 3.0, 4.0, 1.0, 2.0],
        vec![6.0, 7.0, 4.0, 5.0, 2.0, 3.0, 0.0],
    ];
    let s1 = study(extra, &inds("conn", "sust"));
    let s2 = study(extra, &inds("sust", "conn"));
    let r1 = compute_index(&s1, &matrix(&s1, cols.clone()), &NoProgress).unwrap();
    let r2 = compute_index(&s2, &matrix(&s2, cols), &NoProgress).unwrap();
    // The index's children follow the group order; the weights follow their children.
    assert_eq!(r1.index.children, vec!["conn", "sust"]);
    assert_eq!(r2.index.children, vec!["sust", "conn"]);
    assert_eq!(r1.index.weights, vec![0.5, 0.5]);
    assert_eq!(r2.index.weights, vec![0.5, 0.5]);
    close(&r1.index.score, &r2.index.score);
    assert_eq!(r1.index.rank, r2.index.rank);
    let text: Vec<String> = r1.warnings.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|w| w.starts_with("group `index`") && w.contains("against")),
        "{text:?}"
    );
}

/// Issue 15, bug 3: the bundle must say which points the JRC rule moved, as positions
/// in the input (here after a dropped area), or that the indicator was log-transformed.
#[test]
fn outlier_treatment_is_recorded_per_indicator_and_point() {
    let extra = r#"
[method]
outliers = "jrc"
normalisation = { method = "none" }
"#;
    let s = study(extra, &plain_indicators(&["a", "b"], 1.0));
    // Area 0 has no data and is dropped; `a` has one outlier (input row 100), `b` ten
    // (too many to winsorise).
    let mut a = vec![NAN];
    a.extend((1..=99).map(f64::from));
    a.push(1000.0);
    let mut b = vec![NAN];
    b.extend((1..=90).chain(1000..=1009).map(f64::from));
    let r = compute_index(&s, &matrix(&s, vec![a, b]), &NoProgress).unwrap();
    assert_eq!(r.dropped, vec![0]);
    assert_eq!(r.dropped_reasons, vec![oa_engine::DropReason::NoData]);
    let ra = &r.outliers[0];
    assert_eq!(ra.treatment(), "winsorised");
    assert_eq!(ra.points.len(), 1);
    assert_eq!(
        (
            ra.points[0].area,
            ra.points[0].original,
            ra.points[0].treated
        ),
        (100, 1000.0, 99.0)
    );
    let rb = &r.outliers[1];
    assert_eq!(rb.treatment(), "log");
    assert!(rb.points.is_empty() && rb.log_shift.is_some());
}

/// Issue 15, bug 4: every imputation comes before outlier treatment (METHODS.md 1.2, 1.3),
/// so the JRC statistics are those of the imputed column; the steps say so.
#[test]
fn imputation_comes_before_outlier_treatment_and_the_steps_say_so() {
    let extra = r#"
[method]
outliers = "jrc"
normalisation = { method = "none" }
[method.missing]
impute = "median"
"#;
    let s = study(extra, &plain_indicators(&["a", "b"], 1.0));
    let mut a: Vec<f64> = (1..=19).map(f64::from).collect();
    a.push(NAN);
    a.push(1000.0);
    let b: Vec<f64> = (0..21).map(f64::from).collect();
    let r = compute_index(&s, &matrix(&s, vec![a.clone(), b]), &NoProgress).unwrap();
    let mut imputed = a;
    imputed[19] = 10.5; // the median of 1..=19 and 1000
    let (skew, kurt) = oa_engine::skew_kurtosis(&imputed);
    assert_eq!(r.outliers[0].skew_before, skew);
    assert_eq!(r.outliers[0].kurtosis_before, kurt);
    let steps: Vec<&str> = r.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [
            "screen",
            "impute",
            "outliers",
            "orient",
            "normalise",
            "weights",
            "aggregate",
            "rank",
            "bands"
        ]
    );
    assert!(r.steps[1].detail.contains("median"), "{:?}", r.steps[1]);
}

/// Issue 15, bug 7: weights whose sum overflows, and values that overflow a weighted
/// sum, are errors naming the cause, not blank scores.
#[test]
fn non_finite_scores_are_errors_naming_the_cause() {
    let inds = &plain_indicators(&["a", "b"], 1e308);
    let extra = r#"
[method]
normalisation = { method = "min_max", low = 0, high = 100 }
aggregation = { method = "weighted_sum" }
"#;
    let s = study(extra, inds);
    let cols = vec![vec![1.0, 2.0, 3.0], vec![3.0, 1.0, 2.0]];
    let e = compute_index(&s, &matrix(&s, cols.clone()), &NoProgress).unwrap_err();
    assert!(matches!(e, EngineError::WeightsOverflow { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("group `index`") && msg.contains("scale them down"),
        "{msg}"
    );
    // Arithmetic means with the same weights: only their ratio matters, and it is 1
    // (before, w/Σw was 1e308/inf = 0 and every score 0).
    let mean = extra.replace("weighted_sum", "arithmetic");
    let s = study(&mean, inds);
    let r = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap();
    close(&r.index.score, &[50.0, 25.0, 75.0]);
    // Finite weights, but values whose weighted sum overflows.
    let big = &plain_indicators(&["a", "b"], 4.0);
    let none = extra.replace(
        "{ method = \"min_max\", low = 0, high = 100 }",
        "{ method = \"none\" }",
    );
    let s = study(&none, big);
    let cols = vec![vec![1e308, 2.0, 3.0], vec![1e308, 1.0, 2.0]];
    let e = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap_err();
    assert!(matches!(e, EngineError::NonFiniteResult { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("E07000000") && msg.contains("overflows"),
        "{msg}"
    );
}

#[test]
fn copeland_and_jrc_run_through_the_pipeline() {
    let extra = r#"
[method]
outliers = "jrc"
normalisation = { method = "rank" }
aggregation = { method = "copeland" }
"#;
    let inds = r#"
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_better"
[[indicators]]
id = "c"
direction = "higher_is_worse"
"#;
    let s = study(extra, inds);
    // Twenty areas; `a` has one huge outlier that the JRC rule winsorises.
    let mut a: Vec<f64> = (1..=19).map(f64::from).collect();
    a.push(1000.0);
    let b: Vec<f64> = (0..20).map(|i| f64::from((i * 7) % 20)).collect();
    let c: Vec<f64> = (0..20).map(|i| f64::from(20 - i)).collect();
    let r = compute_index(&s, &matrix(&s, vec![a, b, c]), &NoProgress).unwrap();
    assert_eq!(r.outliers.len(), 3);
    assert_eq!(r.outliers[0].indicator, "a");
    assert_eq!(r.outliers[0].winsorised, 1);
    // The last area is best on a (tied after winsorising) and c: it wins every duel
    // that b does not reverse; Copeland scores are wins minus losses in [-19, 19].
    assert!(r.index.score.iter().all(|s| s.abs() <= 19.0));
    let sum: f64 = r.index.score.iter().sum();
    assert_eq!(sum, 0.0, "every win is someone's loss");
    assert_eq!(r.index.rank[19], 1);
}

#[test]
fn errors_name_what_is_wrong() {
    let zs = "[method]\nnormalisation = { method = \"zscore\" }\n";
    let s = study(zs, TREE);
    let e = compute_index(
        &s,
        &matrix(&s, vec![vec![1.0, 2.0], vec![5.0, 5.0], vec![1.0, 3.0]]),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(e, EngineError::ZeroVariance { .. }), "{e}");
    assert!(e.to_string().contains("`x2`"), "{e}");

    let geo = "[method]\nnormalisation = { method = \"zscore\" }\naggregation = { method = \"geometric\" }\n";
    let s = study(geo, TREE);
    let e = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("group `g1`") && msg.contains("E07000000"),
        "{msg}"
    );

    let s = study(MINMAX_EQUAL, TREE);
    let mut cols = tree_columns();
    cols[2][3] = f64::INFINITY;
    let e = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap_err();
    assert!(e.to_string().contains("`x3`, area E07000003"), "{e}");

    let mut m = matrix(&s, tree_columns());
    m.ids.swap(0, 1);
    let e = compute_index(&s, &m, &NoProgress).unwrap_err();
    assert!(matches!(e, EngineError::Shape { .. }), "{e}");

    let m = matrix(&s, vec![vec![], vec![], vec![]]);
    assert!(matches!(
        compute_index(&s, &m, &NoProgress),
        Err(EngineError::EmptyData { .. })
    ));

    let big = MINMAX_EQUAL.replace("count = 1", "count = 5");
    let s = study(&big, TREE);
    let e = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap_err();
    assert!(
        e.to_string().contains("band `hotspot` needs 5 areas"),
        "{e}"
    );

    let q = MINMAX_EQUAL.replace("quantiles = 2", "quantiles = 5");
    let s = study(&q, TREE);
    let e = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap_err();
    assert!(matches!(e, EngineError::TooManyQuantiles { .. }), "{e}");

    let s = study(MINMAX_EQUAL, TREE);
    let cols = vec![
        vec![NAN; 4],
        vec![1.0, 2.0, 3.0, 4.0],
        vec![1.0, 2.0, 3.0, 4.0],
    ];
    let e = compute_index(&s, &matrix(&s, cols), &NoProgress).unwrap_err();
    assert!(
        e.to_string().contains("indicator `x1` has no values"),
        "{e}"
    );
}

#[test]
fn score_tree_reproduces_the_pipeline_scores_with_fixed_weights() {
    let extra = MINMAX_EQUAL.replace("weights = \"equal\"", "weights = \"given\"");
    let inds = TREE.replace(
        "id = \"x2\"\ndirection = \"higher_is_worse\"",
        "id = \"x2\"\ndirection = \"higher_is_worse\"\nweight = 3",
    );
    let s = study(&extra, &inds);
    let r = compute_index(&s, &matrix(&s, tree_columns()), &NoProgress).unwrap();
    // g1 = (1 * x1 + 3 * x2) / 4 (the weighted mean of the given weights).
    let g1 = r.node("g1").unwrap();
    assert_eq!(g1.weights, vec![1.0, 3.0]);
    close(&g1.score, &[0.0, 100.0 / 3.0, 200.0 / 3.0, 100.0]);

    let tree = oa_engine::IndexTree::from_study(&s);
    let mut weights: Vec<Vec<f64>> = r.groups.iter().map(|g| g.weights.clone()).collect();
    weights.push(r.index.weights.clone());
    let cols: Vec<&[f64]> = r.normalised.iter().map(Vec::as_slice).collect();
    let mut scores = Vec::new();
    oa_engine::score_tree(&tree, &cols, &weights, &mut scores).unwrap();
    close(&scores[tree.root()], &r.index.score);
    for (j, g) in r.groups.iter().enumerate() {
        close(&scores[j], &g.score);
    }
}
