//! The evaluation section: `evaluation.csv` with its fixed leading columns, `weights.csv`,
//! the paths, the words and the charts written, read back exactly (missing numbers
//! included) and refused when changed by hand.

use crate::support::{entries, results, written};
use oa_bundle::{BundleError, Evaluation, EvaluationChart, PathPoint, Results, Section};
use oa_evaluation::{Estimand, EstimateRow, Method, WeightKind, WeightRow};

fn row(method: Method, estimand: Estimand, period: &str, se: f64) -> EstimateRow {
    EstimateRow {
        method,
        estimand,
        group: if estimand == Estimand::Att {
            "all".into()
        } else {
            "201718".into()
        },
        period: period.into(),
        estimate: -15.603_831_4,
        se,
        ci_low: -30.1,
        ci_high: 1.0 / 3.0,
        p_value: 0.045,
        outcome: "gld".into(),
        unit: if estimand == Estimand::Unit {
            "E06000009".into()
        } else {
            String::new()
        },
        comparison: "never_treated, \"all\"".into(),
        n_treated: 13,
        n_control: 313,
        inference: "placebo, 200 replications".into(),
        pre_treatment: period.starts_with('-'),
    }
}

fn weight(kind: WeightKind, unit: &str, weight: f64) -> WeightRow {
    WeightRow {
        method: Method::Sdid,
        outcome: "gld".into(),
        comparison: "never_treated".into(),
        treated: "all".into(),
        group: "201718".into(),
        kind,
        unit: unit.into(),
        weight,
    }
}

fn with_evaluation() -> Results {
    let mut r = results();
    r.evaluation = Some(Evaluation {
        estimates: vec![
            row(Method::Sdid, Estimand::Att, "all", 7.2),
            row(Method::Cs, Estimand::Event, "-2", 0.5),
            row(Method::Sc, Estimand::Unit, "all", f64::NAN),
            row(Method::Ri, Estimand::AttGt, "201718", f64::NAN),
        ],
        weights: vec![
            weight(WeightKind::Unit, "E06000001", 0.1),
            weight(WeightKind::Time, "201617", 0.9),
        ],
        paths: vec![PathPoint {
            method: Method::Sc,
            outcome: "gld".into(),
            comparison: "never_treated".into(),
            unit: "E06000009".into(),
            period: "2017/18".into(),
            treated: true,
            actual: 66.5,
            synthetic: 68.25,
        }],
        markdown: "# Did the chosen areas improve?\n".into(),
        charts: vec![
            EvaluationChart {
                name: "evaluation_event_gld_never_treated.svg".into(),
                svg: "<svg>event</svg>".into(),
            },
            EvaluationChart {
                name: "evaluation_synthetic_gld_never_treated_E06000009.svg".into(),
                svg: "<svg>synthetic</svg>".into(),
            },
        ],
    });
    r
}

#[test]
fn the_evaluation_reads_back_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut r = with_evaluation();
    oa_bundle::write(&mut r, &out).unwrap();
    assert_eq!(r.manifest.sections, [Section::Index, Section::Evaluation]);
    let files = entries(&out);
    for f in [
        "evaluation.csv",
        "weights.csv",
        "evaluation_paths.csv",
        "evaluation.md",
        "evaluation_event_gld_never_treated.svg",
        "evaluation_synthetic_gld_never_treated_E06000009.svg",
    ] {
        assert!(files.contains(&f.to_string()), "{f} not in {files:?}");
    }
    let csv = std::fs::read_to_string(out.join("evaluation.csv")).unwrap();
    assert!(
        csv.starts_with(
            "method,estimand,group,period,estimate,se,ci_low,ci_high,p_value,outcome,unit,comparison,n_treated,n_control,inference,pre_treatment\n"
        ),
        "{csv}"
    );
    // A missing standard error is an empty cell, not `NaN`.
    assert!(csv.contains("sc,unit,201718,all,-15.6038314,,"), "{csv}");
    let weights = std::fs::read_to_string(out.join("weights.csv")).unwrap();
    assert!(weights.starts_with("method,unit,weight,kind,"), "{weights}");
    assert!(weights.contains("sdid,201617,0.9,time,"), "{weights}");
    let back = oa_bundle::read(&out).unwrap();
    assert_eq!(format!("{back:?}"), format!("{r:?}"));
    oa_bundle::verify(&out).unwrap();
    // Written again, the same bytes.
    let again = tmp.path().join("again");
    oa_bundle::write(&mut back.clone(), &again).unwrap();
    for f in ["evaluation.csv", "weights.csv", "evaluation_paths.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn an_evaluation_changed_by_hand_is_refused() {
    let (_tmp, out, path, original) = written(with_evaluation(), "evaluation.csv");

    std::fs::write(&path, original.replacen("sdid,att", "sdiid,att", 1)).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(&e, BundleError::BadCell { line: 2, column, .. } if column == "method"),
        "{e}"
    );

    std::fs::write(&path, original.replace(",true\n", ",yes\n")).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(&e, BundleError::BadCell { column, .. } if column == "pre_treatment"),
        "{e}"
    );

    std::fs::write(&path, original.replacen("method,", "methods,", 1)).unwrap();
    assert!(oa_bundle::read(&out).is_err());

    std::fs::write(&path, &original).unwrap();
    std::fs::remove_file(out.join("evaluation_event_gld_never_treated.svg")).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(matches!(e, BundleError::MissingFile { .. }), "{e}");
}

#[test]
fn only_the_section_charts_are_evaluation_charts() {
    assert!(oa_bundle::is_evaluation_chart(
        "evaluation_placebos_gld_nearest.svg"
    ));
    assert!(!oa_bundle::is_evaluation_chart("evaluation.md"));
    assert!(!oa_bundle::is_evaluation_chart("uncertainty.svg"));
    assert!(!oa_bundle::is_evaluation_chart("evaluation_event_../x.svg"));
}

#[test]
fn an_uploaded_evaluation_csv_parses_to_the_same_rows() {
    let r = with_evaluation();
    let ev = r.evaluation.as_ref().unwrap();
    let text = oa_bundle::csv_text(&ev.estimates_table());
    let rows = oa_bundle::parse::evaluation("evaluation.csv", text.as_bytes()).unwrap();
    assert_eq!(format!("{rows:?}"), format!("{:?}", ev.estimates));
}

#[test]
fn a_p_value_that_is_not_a_probability_is_refused_naming_its_cell() {
    let mut r = with_evaluation();
    let ev = r.evaluation.as_mut().unwrap();
    ev.estimates[0].p_value = 3.2e307;
    let text = oa_bundle::csv_text(&ev.estimates_table());
    let e = oa_bundle::parse::evaluation("evaluation.csv", text.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, BundleError::BadCell { line: 2, column, .. } if column == "p_value"),
        "{e}"
    );
    assert!(e.to_string().contains("is not a number from 0 to 1"), "{e}");
    // Empty (not measured), 0 and 1 are probabilities.
    for p in [f64::NAN, 0.0, 1.0] {
        ev.estimates[0].p_value = p;
        let text = oa_bundle::csv_text(&ev.estimates_table());
        oa_bundle::parse::evaluation("evaluation.csv", text.as_bytes()).unwrap();
    }
}
