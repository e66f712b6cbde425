//! The real outcome panels: DfE early years by district, mapped across the 2019 boundary
//! changes with the ONS change list, and the opportunity areas evaluated on them.

use crate::common::{OPPORTUNITY_AREA_DISTRICTS, eyfsp_2016_boundaries, eyfsp_source};
use oa_evaluation::chart::{EventPoint, event_study_chart, placebo_chart, synthetic_chart};
use oa_evaluation::comparison::ComparisonSpec;
use oa_evaluation::narrative::{Wording, evaluation_markdown};
use oa_evaluation::sdid::Variance;
use oa_evaluation::{
    Balance, Estimand, EvaluationSpec, Method, Panel, PanelBuilder, PartlyTreated, Period,
    Treatment, evaluate,
};
use oa_geo::Registry;
use oa_io::{PanelSource, PanelValue, read_panel};
use oa_testkit::shared_data;
use std::collections::BTreeMap;

/// Early years good level of development (%), from counts, with codes mapped by `map`.
pub fn eyfsp(map: BTreeMap<String, String>) -> Panel {
    let path = shared_data("outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx");
    let rows = read_panel(&path, &eyfsp_source()).expect("the EYFSP file reads");
    assert_eq!(rows.rows_read, 1947);
    let mut b = PanelBuilder::new("gld").scale(100.0).map_codes(map);
    b.extend(rows.observations);
    b.build(Balance::Strict).expect("a balanced panel")
}

fn registry() -> Registry {
    Registry::load(
        &shared_data("geo/onsvisual-uk-topojson/topo.json"),
        "ltla",
        &shared_data("lookups/onsvisual-uk-topojson/changes.csv"),
    )
    .expect("registry loads")
}

fn treated(first: Period) -> Vec<(String, Period)> {
    OPPORTUNITY_AREA_DISTRICTS
        .iter()
        .map(|c| (c.to_string(), first))
        .collect()
}

#[test]
fn the_early_years_panel_without_mapping_is_unbalanced_at_the_2019_change() {
    let path = shared_data("outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx");
    let rows = read_panel(&path, &eyfsp_source()).unwrap();
    let mut b = PanelBuilder::new("gld").scale(100.0);
    b.extend(rows.observations);
    let e = b.build(Balance::Strict).unwrap_err().to_string();
    // 14 codes ended in 2019 (no 2018/19 row) and 5 began (no row before): 14 + 5 x 5.
    assert!(
        e.contains("the panel is unbalanced: 39 unit-periods are missing (E06000028 in 2018/19"),
        "{e}"
    );
    assert!(e.contains("drop the 19 units with gaps"), "{e}");
}

#[test]
fn mapped_to_2019_boundaries_merged_districts_sum_their_counts() {
    let map = registry()
        .map_vintage(2016, 2019)
        .unwrap()
        .mergers()
        .unwrap();
    let panel = eyfsp(map);
    assert_eq!((panel.n_units(), panel.n_periods()), (317, 6));
    assert_eq!(panel.period_labels()[0], "201314");
    assert_eq!(panel.periods()[5].to_string(), "2018/19");
    let s = panel.unit_index("E07000246").unwrap();
    assert_eq!(panel.members(s), ["E07000190", "E07000191"]);
    // 2013/14: (728 + 126) of (1227 + 323) children, from the file's counts.
    let want = 100.0 * (728.0 + 126.0) / (1227.0 + 323.0);
    assert!(
        (panel.value(s, 0) - want).abs() < 1e-12,
        "{}",
        panel.value(s, 0)
    );
    // 2018/19 is the merged district's own row: 1171 of 1646.
    assert!((panel.value(s, 5) - 100.0 * 1171.0 / 1646.0).abs() < 1e-12);
    // West Somerset is now only a part of a unit: treating it is a choice, not a default.
    let e = Treatment::from_first_treated(
        &panel,
        &treated(Period::span_year(2017)),
        0,
        PartlyTreated::Error,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("it is one part of unit `E07000246` (E07000190 + E07000191)"),
        "{e}"
    );
    let t = Treatment::from_first_treated(
        &panel,
        &treated(Period::span_year(2017)),
        0,
        PartlyTreated::Exclude,
    )
    .unwrap();
    assert_eq!(t.treated_units().len(), 12);
    assert!(t.is_excluded(s));
}

#[test]
fn fenland_and_east_cambridgeshire_as_one_area() {
    let map: BTreeMap<String, String> = [("E07000010", "OA09"), ("E07000009", "OA09")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let path = shared_data("outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx");
    let rows = read_panel(&path, &eyfsp_source()).unwrap();
    let fenland: Vec<_> = rows
        .observations
        .iter()
        .filter(|o| o.code == "E07000010")
        .cloned()
        .collect();
    let east: Vec<_> = rows
        .observations
        .iter()
        .filter(|o| o.code == "E07000009")
        .cloned()
        .collect();
    let mut b = PanelBuilder::new("gld").scale(100.0).map_codes(map);
    b.extend(
        rows.observations
            .into_iter()
            .filter(|o| o.period < Period::span_year(2018)),
    );
    let panel = b.build(Balance::Strict).unwrap();
    assert_eq!(panel.n_units(), 325);
    let u = panel.unit_index("OA09").unwrap();
    let count = |v: &oa_evaluation::Value| match v {
        oa_evaluation::Value::Counts {
            numerator,
            denominator,
        } => (*numerator, *denominator),
        _ => panic!("counts"),
    };
    let year = Period::span_year(2015);
    let (n1, d1) = count(&fenland.iter().find(|o| o.period == year).unwrap().value);
    let (n2, d2) = count(&east.iter().find(|o| o.period == year).unwrap().value);
    let t = panel.period_index(year).unwrap();
    assert!((panel.value(u, t) - 100.0 * (n1 + n2) / (d1 + d2)).abs() < 1e-12);
}

/// The opportunity areas on early years, 2013/14-2017/18: every method runs, the
/// results are internally consistent, and the report and charts say what they show.
#[test]
fn opportunity_areas_on_early_years() {
    let panel = eyfsp_2016_boundaries();
    assert_eq!((panel.n_units(), panel.n_periods()), (326, 5));
    let t = Treatment::from_first_treated(
        &panel,
        &treated(Period::span_year(2017)),
        0,
        PartlyTreated::Error,
    )
    .unwrap();
    assert_eq!(t.treated_units().len(), 13);
    let spec = EvaluationSpec {
        comparisons: vec![
            ("never_treated".into(), ComparisonSpec::NeverTreated),
            (
                "nearest".into(),
                ComparisonSpec::NearestNeighbours {
                    k: 3,
                    covariates: Vec::new(),
                },
            ),
        ],
        replications: 30,
        sdid_variance: Variance::Placebo,
        ..EvaluationSpec::default()
    };
    let ev = evaluate(&panel, &t, &spec).unwrap();
    assert!(ev.few_treated);
    assert_eq!(ev.treated_units.len(), 13);
    for method in [
        Method::Did,
        Method::Cs,
        Method::Sc,
        Method::Sdid,
        Method::Ri,
    ] {
        let r = ev.att(method, "never_treated").unwrap();
        assert!(r.estimate.is_finite(), "{method}");
        assert_eq!(r.n_treated, 13, "{method}");
        assert_eq!(r.n_control, 313, "{method}");
        assert!(
            r.p_value > 0.0 && r.p_value <= 1.0,
            "{method}: {}",
            r.p_value
        );
    }
    // Block DiD and Callaway-Sant'Anna's simple ATT agree here: one group, one post period,
    // and CS's base is the last pre period while DiD averages the four.
    let nearest = ev.comparisons.iter().find(|c| c.id == "nearest").unwrap();
    assert!(
        nearest.units.len() >= 3 && nearest.units.len() <= 39,
        "{}",
        nearest.units.len()
    );
    assert_eq!(
        ev.att(Method::Sc, "nearest").unwrap().n_control,
        nearest.units.len()
    );
    // One SC and one SDID row per district.
    assert_eq!(
        ev.rows
            .iter()
            .filter(|r| r.method == Method::Sc
                && r.estimand == Estimand::Unit
                && r.comparison == "never_treated")
            .count(),
        13
    );
    // Weights of each SC unit sum to one.
    let blackpool: f64 = ev
        .weights
        .iter()
        .filter(|w| {
            w.method == Method::Sc && w.treated == "E06000009" && w.comparison == "never_treated"
        })
        .map(|w| w.weight)
        .sum();
    assert!((blackpool - 1.0).abs() < 1e-9);
    // Pre-trend checks: CS event times -3..-1.
    let checks: Vec<i64> = ev
        .pretrends
        .iter()
        .filter(|p| p.comparison == "never_treated")
        .map(|p| p.event_time)
        .collect();
    assert_eq!(checks, vec![-3, -2, -1]);
    // The report.
    let md = evaluation_markdown(
        &ev,
        &Wording {
            outcome: "the share of children with a good level of development".into(),
            units: "percentage points".into(),
            higher_is_better: Some(true),
            decimals: 2,
        },
    );
    assert!(md.contains("13 treated areas"), "{md}");
    assert!(md.contains("treatment counts from 2017/18"), "{md}");
    assert!(md.contains("Only 13 areas are treated"), "{md}");
    assert!(md.contains("## Before treatment (parallel trends)"));
    // Randomisation inference speaks of its p-value as a probability, in words.
    let ri = ev.att(Method::Ri, "never_treated").unwrap();
    let chance = match ri.measured_p_value() {
        Some(p) if p < 0.001 => "came up with probability below 0.001".to_string(),
        Some(p) => format!("came up with probability {p:.3}."),
        None => "was not measured.".to_string(),
    };
    assert!(md.contains(&chance), "{chance}: {md}");
    let sdid = ev.att(Method::Sdid, "never_treated").unwrap();
    assert!(
        md.contains(&format!("{:.2} percentage points", sdid.estimate.abs())),
        "{md}"
    );
    // Charts.
    let points: Vec<EventPoint> = ev
        .rows
        .iter()
        .filter(|r| {
            r.method == Method::Cs
                && r.estimand == Estimand::Event
                && r.comparison == "never_treated"
                && r.period != "all"
        })
        .map(|r| EventPoint {
            event_time: r.period.parse().unwrap(),
            estimate: r.estimate,
            low: r.ci_low,
            high: r.ci_high,
            flagged: ev.pretrends.iter().any(|p| {
                p.flagged && p.comparison == r.comparison && p.event_time.to_string() == r.period
            }),
        })
        .collect();
    assert_eq!(points.len(), 4);
    let svg = event_study_chart("Early years", "percentage points", &points);
    assert!(svg.contains("treatment starts"));
    let path = ev
        .paths
        .iter()
        .find(|p| p.method == Method::Sc && p.unit == "E06000009")
        .unwrap();
    assert_eq!(path.periods[path.first_treated], "2017/18");
    assert!(synthetic_chart("Blackpool", "%", path).contains("<polyline"));
    let gaps = ev
        .placebos
        .iter()
        .find(|g| g.comparison == "never_treated")
        .unwrap();
    assert_eq!(gaps.placebos.len(), 313);
    assert_eq!(
        placebo_chart("Placebos", "gap", gaps)
            .matches("<polyline")
            .count(),
        326
    );
}

/// Key stage 4 destinations, 2015/16-2022/23, over three boundary vintages: the
/// sustained destination rate `(education + appren + all_work) / cohort` from counts,
/// every code mapped onto 2021 boundaries (mergers summed), balanced.
#[test]
fn key_stage_4_destinations_across_three_vintages() {
    let path = shared_data("outcomes/data-key-stage-4-destination-measures.csv");
    let mut source = PanelSource::long(
        "outcomes/data-key-stage-4-destination-measures.csv",
        "lad_code",
        "time_period",
        PanelValue::Counts {
            numerator: vec!["education".into(), "appren".into(), "all_work".into()],
            denominator: "cohort".into(),
        },
    );
    source
        .filters
        .insert("geographic_level".into(), "Local authority district".into());
    let rows = read_panel(&path, &source).unwrap();
    assert_eq!(rows.rows_read, 2548);
    let map = registry().mergers_onto(2016, 2021).unwrap();
    let mut b = PanelBuilder::new("sustained").scale(100.0).map_codes(map);
    b.extend(rows.observations.clone());
    let panel = b.build(Balance::Strict).unwrap();
    assert_eq!(panel.n_periods(), 8);
    assert_eq!(panel.period_labels()[0], "201516");
    // Somerset West and Taunton (2019) is one unit throughout.
    let s = panel.unit_index("E07000246").unwrap();
    assert_eq!(panel.members(s), ["E07000190", "E07000191"]);
    let first = |code: &str, period: Period| match rows
        .observations
        .iter()
        .find(|o| o.code == code && o.period == period)
        .map(|o| o.value)
    {
        Some(oa_evaluation::Value::Counts {
            numerator,
            denominator,
        }) => (numerator, denominator),
        other => panic!("{code} {period}: {other:?}"),
    };
    let y = Period::span_year(2015);
    let (n1, d1) = first("E07000190", y);
    let (n2, d2) = first("E07000191", y);
    let t = panel.period_index(y).unwrap();
    assert!((panel.value(s, t) - 100.0 * (n1 + n2) / (d1 + d2)).abs() < 1e-12);
    // Every rate is a share.
    assert!(panel.values().iter().all(|v| (0.0..=100.0).contains(v)));
    assert_eq!(panel.n_units(), 308);
}
