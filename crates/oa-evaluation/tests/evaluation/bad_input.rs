//! Every kind of bad input is one line saying what is wrong, where, and what to do.

use oa_evaluation::cs::{CsOptions, callaway_santanna};
use oa_evaluation::sdid::{SdidKind, SdidOptions, synthdid};
use oa_evaluation::{
    Balance, EvalError, Observation, Panel, PanelBuilder, PartlyTreated, Period, Treatment, Value,
};
use oa_io::{PanelSource, PanelValue, read_panel};

fn obs(code: &str, year: i32, v: f64, line: usize) -> Observation {
    Observation {
        code: code.into(),
        period: Period::year(year),
        period_text: year.to_string(),
        value: Value::Number(v),
        origin: format!("panel.csv line {line}"),
    }
}

/// Units A..F over 2014-2018 with a few values.
fn grid(units: &[&str], years: std::ops::Range<i32>) -> Vec<Observation> {
    let mut out = Vec::new();
    for (u, name) in units.iter().enumerate() {
        for y in years.clone() {
            out.push(obs(
                name,
                y,
                (u * 3) as f64 + (y - 2014) as f64 * 0.5,
                out.len() + 2,
            ));
        }
    }
    out
}

fn one_line(e: &EvalError) -> String {
    let s = e.to_string();
    assert!(!s.contains('\n'), "{s}");
    s
}

fn panel(rows: Vec<Observation>) -> Result<Panel, EvalError> {
    let mut b = PanelBuilder::new("y");
    b.extend(rows);
    b.build(Balance::Strict)
}

#[test]
fn an_unbalanced_panel_names_the_gaps_and_can_be_balanced() {
    let mut rows = grid(&["A", "B", "C"], 2014..2019);
    rows.retain(|o| !(o.code == "B" && o.period == Period::year(2016)));
    let e = one_line(&panel(rows.clone()).unwrap_err());
    assert!(e.contains("1 unit-periods are missing (B in 2016)"), "{e}");
    assert!(e.contains("balance = \"drop_units\""), "{e}");
    let mut b = PanelBuilder::new("y");
    b.extend(rows.clone());
    let p = b.build(Balance::DropUnits).unwrap();
    assert_eq!(p.units(), ["A", "C"]);
    assert_eq!(p.dropped_units(), [("B".to_string(), 1)]);
    let mut b = PanelBuilder::new("y");
    b.extend(rows);
    let p = b.build(Balance::DropPeriods).unwrap();
    assert_eq!(p.n_periods(), 4);
}

#[test]
fn duplicate_unit_periods_name_both_rows() {
    let mut rows = grid(&["A", "B"], 2014..2017);
    rows.push(obs("B", 2015, 9.0, 99));
    let e = one_line(&panel(rows).unwrap_err());
    assert!(
        e.contains("unit `B` has two values for 2015, at panel.csv line 6 and panel.csv line 99"),
        "{e}"
    );
}

#[test]
fn periods_that_do_not_parse_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.csv");
    std::fs::write(&path, "code,year,v\nA,2015,1\nA,2016/18,2\n").unwrap();
    let s = PanelSource::long("p.csv", "code", "year", PanelValue::Column("v".into()));
    let e = read_panel(&path, &s).unwrap_err().to_string();
    assert!(
        e.contains("p.csv: line 3, column `year`: `2016/18` is not a period"),
        "{e}"
    );
    assert!(!e.contains('\n'));
    let mut rows = grid(&["A"], 2014..2016);
    rows[1].period = Period::span_year(2015);
    rows[1].period_text = "2015/16".into();
    let e = one_line(&panel(rows).unwrap_err());
    assert!(e.contains("mixes calendar years"), "{e}");
}

#[test]
fn a_treated_unit_absent_from_the_panel_gets_a_hint() {
    let p = panel(grid(&["E06000009", "E06000010"], 2014..2018)).unwrap();
    let e = Treatment::from_first_treated(
        &p,
        &[("E06000019".into(), Period::year(2016))],
        0,
        PartlyTreated::Error,
    )
    .unwrap_err();
    let e = one_line(&e);
    assert!(
        e.contains("`E06000019` is not a unit of the panel; did you mean `E06000009`?"),
        "{e}"
    );
}

#[test]
fn a_treated_unit_needs_a_period_before_treatment() {
    let p = panel(grid(&["A", "B"], 2014..2018)).unwrap();
    let e = Treatment::from_first_treated(
        &p,
        &[("A".into(), Period::year(2014))],
        0,
        PartlyTreated::Error,
    )
    .unwrap_err();
    assert!(
        one_line(&e).contains("there is no period before treatment"),
        "{e}"
    );
    let e = Treatment::from_first_treated(
        &p,
        &[("A".into(), Period::year(2015))],
        1,
        PartlyTreated::Error,
    )
    .unwrap_err();
    assert!(one_line(&e).contains("(anticipation)"), "{e}");
}

#[test]
fn treatment_that_switches_off_is_refused() {
    let p = panel(grid(&["A", "B"], 2014..2018)).unwrap();
    let mut on = vec![false; 8];
    on[1] = true;
    on[2] = true; // A treated 2015-16, then off in 2017
    let e = Treatment::from_indicator(&p, &on, 0).unwrap_err();
    assert!(
        one_line(&e).contains("unit `A` is treated in 2015 but not in 2017"),
        "{e}"
    );
}

#[test]
fn too_few_donors_for_placebos() {
    let p = panel(grid(&["A", "B", "C"], 2014..2019)).unwrap();
    let t = Treatment::from_first_treated(
        &p,
        &[
            ("A".into(), Period::year(2017)),
            ("B".into(), Period::year(2017)),
        ],
        0,
        PartlyTreated::Error,
    )
    .unwrap();
    let e = synthdid(
        &p,
        &t,
        &t.never_treated(),
        "near_misses",
        &SdidOptions::new(SdidKind::Sdid),
    )
    .unwrap_err();
    let e = one_line(&e);
    assert!(e.contains("the placebo variance with 2 treated units needs at least 3 comparison units but `near_misses` has 1"), "{e}");
    assert!(e.contains("bootstrap or jackknife"), "{e}");
}

#[test]
fn a_comparison_across_a_declared_break_is_refused() {
    let mut p = panel(grid(&["A", "B", "C", "D"], 2014..2020)).unwrap();
    p.add_break(Period::year(2019), "a reformed test");
    let t = Treatment::from_first_treated(
        &p,
        &[("A".into(), Period::year(2017))],
        0,
        PartlyTreated::Error,
    )
    .unwrap();
    let e = synthdid(
        &p,
        &t,
        &t.never_treated(),
        "never treated",
        &SdidOptions::new(SdidKind::Did),
    )
    .unwrap_err();
    let e = one_line(&e);
    assert!(
        e.contains("compares 2014 with 2019 across the series break before 2019 (a reformed test)"),
        "{e}"
    );
    let o = CsOptions {
        bootstrap: None,
        ..CsOptions::default()
    };
    let e = callaway_santanna(&p, &t, &t.never_treated(), "never treated", &o).unwrap_err();
    assert!(
        one_line(&e).contains("ATT(2017, 2019) compares 2016 with 2019"),
        "{e}"
    );
    // On one side of the break, the same evaluation runs.
    let before = p.window(None, Some(Period::year(2018))).unwrap();
    assert!(callaway_santanna(&before, &t, &t.never_treated(), "never treated", &o).is_ok());
}

#[test]
fn merged_areas_need_counts_and_all_their_parts() {
    let map = [("W", "S"), ("T", "S")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut b = PanelBuilder::new("y").map_codes(map);
    b.extend(grid(&["W", "T"], 2014..2016));
    let e = one_line(&b.build(Balance::Strict).unwrap_err());
    assert!(e.contains("give numerator and denominator columns"), "{e}");
}
