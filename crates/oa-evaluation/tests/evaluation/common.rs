//! Reading the published example panels through `oa_io::read_panel`.

use oa_evaluation::{Balance, Panel, PanelBuilder, PartlyTreated, Period, Treatment, Value};
use oa_io::{PanelSource, PanelValue, read_panel};
use oa_testkit::shared_data;
use std::collections::BTreeMap;

/// California's Proposition 99: cigarette packs per capita in 39 states, 1970-2000,
/// treatment from the file's 0/1 `treated` column (semicolon-delimited: read through the
/// panel reader's declared `delimiter`).
pub fn prop99() -> (Panel, Treatment) {
    let path = shared_data("evaluation-examples/california_prop99.csv");
    let source = |value: &str| {
        let mut s = PanelSource::long(
            "evaluation-examples/california_prop99.csv",
            "State",
            "Year",
            PanelValue::Column(value.into()),
        );
        s.delimiter = Some(';');
        s
    };
    let rows = read_panel(&path, &source("PacksPerCapita")).expect("prop99 reads");
    assert_eq!(rows.rows_read, 1209);
    let mut b = PanelBuilder::new("packs per capita");
    b.extend(rows.observations);
    let panel = b.build(Balance::Strict).expect("a balanced panel");
    let flags = read_panel(&path, &source("treated")).expect("treated column reads");
    let mut treated = vec![false; panel.n_units() * panel.n_periods()];
    for o in flags.observations {
        let u = panel.unit_index(&o.code).unwrap();
        let t = panel.period_index(o.period).unwrap();
        treated[u * panel.n_periods() + t] = o.value == Value::Number(1.0);
    }
    let treatment = Treatment::from_indicator(&panel, &treated, 0).expect("absorbing");
    (panel, treatment)
}

/// `mpdta`: log teen employment in 500 counties, 2003-2007, `first.treat` (0 = never).
pub fn mpdta() -> (Panel, Treatment) {
    let path = shared_data("evaluation-examples/mpdta.csv");
    let source = |value: &str| {
        PanelSource::long(
            "evaluation-examples/mpdta.csv",
            "countyreal",
            "year",
            PanelValue::Column(value.into()),
        )
    };
    let rows = read_panel(&path, &source("lemp")).expect("mpdta reads");
    let mut b = PanelBuilder::new("lemp");
    b.extend(rows.observations);
    let panel = b.build(Balance::Strict).expect("a balanced panel");
    let groups = read_panel(&path, &source("first.treat")).expect("first.treat reads");
    let mut first: BTreeMap<String, Period> = BTreeMap::new();
    for o in groups.observations {
        if let Value::Number(g) = o.value
            && g > 0.0
        {
            first.insert(o.code, Period::year(g as i32));
        }
    }
    let treated: Vec<(String, Period)> = first.into_iter().collect();
    let treatment = Treatment::from_first_treated(&panel, &treated, 0, PartlyTreated::Error)
        .expect("treatment");
    (panel, treatment)
}

/// The 13 opportunity-area districts (DfE's list in outcomes/SOURCES.md).
pub const OPPORTUNITY_AREA_DISTRICTS: [&str; 13] = [
    "E06000009",
    "E08000004",
    "E07000168",
    "E06000015",
    "E07000148",
    "E07000191",
    "E08000032",
    "E08000017",
    "E06000021",
    "E07000009",
    "E07000010",
    "E07000202",
    "E07000062",
];

pub fn eyfsp_source() -> PanelSource {
    let mut s = PanelSource::long(
        "outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx",
        "lad_code_pupil",
        "time_period",
        PanelValue::Counts {
            numerator: vec!["gld_number".into()],
            denominator: "all_pupils".into(),
        },
    );
    s.filters
        .insert("geographic_level".into(), "Local Authority District".into());
    s
}

/// The 2013/14-2017/18 panel on 2016 boundaries: 326 districts x 5 school years.
pub fn eyfsp_2016_boundaries() -> Panel {
    let path = shared_data("outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx");
    let rows = read_panel(&path, &eyfsp_source()).expect("the EYFSP file reads");
    let mut b = PanelBuilder::new("gld").scale(100.0);
    b.extend(
        rows.observations
            .into_iter()
            .filter(|o| o.period < Period::span_year(2018)),
    );
    b.build(Balance::Strict).expect("a balanced panel")
}
