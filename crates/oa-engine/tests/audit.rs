//! The audit on small studies worked out by hand, and on COINr's ASEM example.

use oa_engine::audit::tables::{AuditValues, audit_tables};
use oa_engine::audit::{ElementKind, PairFlag, audit_index, charts::audit_charts};
use oa_engine::{IndicatorMatrix, NoProgress, compute_index};
use oa_model::Study;

fn study(extra: &str) -> Study {
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
[[indicators]]
id = "a"
direction = "higher_is_better"
group = "g"
[[indicators]]
id = "b"
direction = "higher_is_better"
group = "g"
[[indicators]]
id = "c"
direction = "higher_is_worse"
group = "h"
[[indicators]]
id = "d"
direction = "higher_is_better"
group = "h"
weight = 3
[[groups]]
id = "g"
[[groups]]
id = "h"
[method]
normalisation = {{ method = "none" }}
{extra}
"#
    );
    Study::from_toml_str(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn data(study: &Study) -> IndicatorMatrix {
    // b duplicates a; c (higher is worse) runs with a once oriented; d is a trade-off.
    let a = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let b = vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.5];
    let c = vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
    let d = vec![6.0, 4.0, 5.0, 2.0, 3.0, 1.0];
    IndicatorMatrix::new(
        study
            .indicator_ids()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        vec![a, b, c, d],
    )
    .with_area_codes((1..=6).map(|i| format!("E0700000{i}")).collect())
}

#[test]
fn flags_alpha_effective_weights_removal_and_profiles() {
    let s = study("[audit]\nstrengths = 1\n");
    let m = data(&s);
    let r = compute_index(&s, &m, &NoProgress).unwrap();
    let audit = audit_index(&s, &m, &r).unwrap();

    // a and b almost coincide: flagged high within g. c and d (oriented) disagree.
    let ab = audit
        .correlations
        .pairs
        .iter()
        .find(|p| p.a == "a" && p.b == "b")
        .unwrap();
    assert_eq!(ab.flag, Some(PairFlag::High), "{ab:?}");
    assert_eq!(ab.group, "g");
    let cd = audit
        .correlations
        .pairs
        .iter()
        .find(|p| p.a == "c" && p.b == "d")
        .unwrap();
    assert!(
        cd.correlation.r < -0.4 && cd.flag == Some(PairFlag::Low),
        "{cd:?}"
    );
    // The matrix is symmetric with ones on the diagonal.
    let mx = &audit.correlations.matrix;
    assert_eq!(mx[0][1], mx[1][0]);
    assert_eq!(mx[2][2], 1.0);
    // Oriented c is a itself: correlation 1.
    assert!((mx[0][2] - 1.0).abs() < 1e-12);

    // Effective weights: g and h share the index equally; within h, d carries 3/4.
    let eff = |id: &str| audit.weights.iter().find(|w| w.id == id).unwrap();
    assert!((eff("a").effective - 0.25).abs() < 1e-15);
    assert!((eff("c").effective - 0.125).abs() < 1e-15);
    assert!((eff("d").effective - 0.375).abs() < 1e-15);
    assert_eq!(eff("g").kind, ElementKind::Group);
    assert!((eff("g").effective - 0.5).abs() < 1e-15);
    let importance: f64 = audit
        .weights
        .iter()
        .filter(|w| w.kind == ElementKind::Indicator)
        .map(|w| w.importance)
        .sum();
    assert!((importance - 1.0).abs() < 1e-12);

    // Cronbach's alpha of g by hand: var(a) = 3.5, var(b) = 90.25/6, var(a + b) =
    // 198.25/6, so alpha = 2 (1 - (3.5 + 90.25/6) / (198.25/6)) = 0.8777; of h negative.
    let g = audit.groups.iter().find(|x| x.id == "g").unwrap();
    let expected = 2.0 * (1.0 - (3.5 + 90.25 / 6.0) / (198.25 / 6.0));
    assert!(
        (g.cronbach_alpha.unwrap() - expected).abs() < 1e-12,
        "{g:?}"
    );
    let h = audit.groups.iter().find(|x| x.id == "h").unwrap();
    assert!(h.cronbach_alpha.unwrap() < 0.0, "{h:?}");
    assert!(g.pca.as_ref().unwrap().explained_variance > 0.99);

    // Removing an indicator rescores the index from the others: check one by hand.
    // Without d, h is c alone (oriented: -c), and the index is (mean(a, b) + -c) / 2.
    let without_d = audit.removal.iter().find(|x| x.indicator == "d").unwrap();
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let b = [2.0, 4.0, 6.0, 8.0, 10.0, 12.5];
    let c = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
    let score: Vec<f64> = (0..6).map(|i| ((a[i] + b[i]) / 2.0 - c[i]) / 2.0).collect();
    assert_eq!(without_d.rank_without, oa_engine::rank_min(&score, true));
    assert_eq!(audit.nominal_rank, r.index.rank);
    let moved = (0..6)
        .filter(|&i| without_d.rank_without[i] != r.index.rank[i])
        .count();
    assert_eq!(without_d.areas_moved, moved);

    // Strengths and weaknesses: area 6 is best on a, b and (oriented) c, worst on d.
    let p = &audit.profiles[5];
    assert_eq!(p.strengths, vec![(0, 1)]);
    assert_eq!(p.weaknesses, vec![(3, 6)]);

    // Tables: one row per indicator, per area, per pair; names as the lead writes them.
    let tables = audit_tables(&audit, &m.area_codes, &[]);
    let t = |f: &str| {
        tables
            .iter()
            .find(|t| t.file == f)
            .unwrap_or_else(|| panic!("{f}"))
    };
    assert_eq!(t("audit_indicators.csv").rows(), 4);
    assert_eq!(t("audit_rank_without.csv").rows(), 6);
    assert_eq!(t("audit_strengths.csv").rows(), 6);
    assert_eq!(t("audit_correlation_matrix.csv").columns.len(), 5);
    let codes = &t("audit_rank_without.csv").columns[0];
    assert_eq!(codes.values, AuditValues::Text(m.area_codes.clone()));
    assert!(tables.iter().all(|t| t.columns.iter().all(|c| {
        let n = match &c.values {
            AuditValues::Text(v) => v.len(),
            AuditValues::Float(v) => v.len(),
            AuditValues::Int(v) => v.len(),
        };
        n == t.rows()
    })));
    let charts = audit_charts(&audit);
    assert_eq!(charts.len(), 3);
    for (name, svg) in &charts {
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
    }
    assert!(
        charts[0].1.contains("stroke-width=\"2\""),
        "flagged pairs are outlined"
    );
}

/// Two uncorrelated indicators with standard deviations 1 and 2 under an arithmetic
/// mean: each one's correlation with the index is proportional to its weight times its
/// standard deviation, so equal importance needs weights 2/3 and 1/3.
#[test]
fn optimised_weights_balance_correlations_with_the_index() {
    let text = r#"
schema = 1
[study]
id = "t"
title = "T"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "s"
path = "s.csv"
code_column = "code"
[[indicators]]
id = "x"
direction = "higher_is_better"
[[indicators]]
id = "y"
direction = "higher_is_better"
[method]
normalisation = { method = "none" }
[audit.optimise]
level = "indicators"
"#;
    let s = Study::from_toml_str(text, "t.toml").unwrap();
    let x = vec![1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
    let y = vec![2.0, -2.0, 2.0, -2.0, 2.0, -2.0, 2.0, -2.0];
    let m = IndicatorMatrix::new(vec!["x".into(), "y".into()], vec![x, y]);
    let r = compute_index(&s, &m, &NoProgress).unwrap();
    let audit = audit_index(&s, &m, &r).unwrap();
    let o = audit.optimised.expect("optimised");
    assert!(o.converged, "{o:?}");
    assert!((o.optimised[0] - 2.0 / 3.0).abs() < 1e-5, "{o:?}");
    assert!((o.optimised[1] - 1.0 / 3.0).abs() < 1e-5, "{o:?}");
    assert!((o.correlations[0] - o.correlations[1]).abs() < 1e-5);
    assert!(o.objective < o.nominal_objective);
    assert_eq!(o.nominal, vec![0.5, 0.5]);
    assert!((o.effective[0] - o.optimised[0]).abs() < 1e-12);
}

/// On COINr's ASEM example with its equal weights, the effective weight of an indicator
/// is 1/2 (sub-index) x 1/pillars x 1/indicators of its pillar, as COINr's `get_eff_wts`
/// computes; optimising the pillars' weights brings their correlation shares to equal.
#[test]
fn asem_effective_weights_and_optimised_pillars() {
    let path = oa_testkit::shared_data("peers/coinr-asem/imeta.csv");
    let mut rows = csv::Reader::from_path(&path).unwrap();
    let meta: Vec<Vec<String>> = rows
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let level = |l: &'static str| meta.iter().filter(move |r| r[0] == l);
    let mut t = String::from(
        "schema = 1\n[study]\nid = \"asem\"\ntitle = \"ASEM\"\n[geography]\narea_type = \"country\"\nvintage = 2018\n[[sources]]\nid = \"d\"\npath = \"d.csv\"\ncode_column = \"uCode\"\n",
    );
    for r in level("1") {
        let dir = if r[3] == "1" {
            "higher_is_better"
        } else {
            "higher_is_worse"
        };
        t += &format!(
            "[[indicators]]\nid = \"{}\"\ndirection = \"{dir}\"\ngroup = \"{}\"\n",
            r[1], r[8]
        );
    }
    for r in level("2") {
        t += &format!("[[groups]]\nid = \"{}\"\nparent = \"{}\"\n", r[1], r[8]);
    }
    for r in level("3") {
        t += &format!("[[groups]]\nid = \"{}\"\n", r[1]);
    }
    t += "[method]\nnormalisation = { method = \"min_max\", low = 0, high = 100 }\n[audit.optimise]\nlevel = 2\n";
    let s = Study::from_toml_str(&t, "asem.toml").unwrap();
    let data_path = oa_testkit::shared_data("peers/coinr-asem/denominated.csv");
    let mut reader = csv::Reader::from_path(&data_path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let ids = s.indicator_ids();
    let columns = ids
        .iter()
        .map(|id| {
            let c = header.iter().position(|h| h == id).unwrap();
            records
                .iter()
                .map(|r| r[c].parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let m = IndicatorMatrix::new(ids.iter().map(|s| s.to_string()).collect(), columns);
    let r = compute_index(&s, &m, &NoProgress).unwrap();
    let audit = audit_index(&s, &m, &r).unwrap();
    let count = |parent: &str| level("1").filter(|r| r[8] == parent).count() as f64;
    let pillars = |sub: &str| level("2").filter(|r| r[8] == sub).count() as f64;
    for row in level("1") {
        let pillar = &row[8];
        let sub = &level("2").find(|r| &r[1] == pillar).unwrap()[8];
        let expected = 0.5 / pillars(sub) / count(pillar);
        let w = audit.weights.iter().find(|w| w.id == row[1]).unwrap();
        assert!(
            (w.effective - expected).abs() < 1e-15,
            "{}: {} vs {expected}",
            row[1],
            w.effective
        );
    }
    let o = audit.optimised.as_ref().unwrap();
    assert_eq!(o.elements.len(), 8);
    assert!(o.objective < o.nominal_objective / 10.0, "{o:?}");
    let sum: f64 = o.correlations.iter().sum();
    for c in &o.correlations {
        assert!((c / sum - 0.125).abs() < 0.01, "{:?}", o.correlations);
    }
    assert!(o.optimised.iter().all(|w| *w > 0.0));
}
