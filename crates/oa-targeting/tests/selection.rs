//! The choice is optimal (checked against brute force on small random instances), always
//! satisfies every constraint, and conflicts are reported as irreducible sets.

use oa_model::study::selection::{AreaDef, AreaNeed, Better, Objective, Quota, QuotaBy, Selection};
use oa_targeting::TargetingError;
use oa_targeting::explain::explain;
use oa_targeting::select::{District, MeasureData, Problem, choose, prepare, solve};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn selection(count: usize) -> Selection {
    Selection {
        count,
        need: "index".into(),
        objective: Objective::TotalNeed,
        area_need: AreaNeed::Worst,
        long_list: None,
        restrict_to_long_list: true,
        population: None,
        min_population: None,
        max_population: None,
        must_include: vec![],
        must_exclude: vec![],
        universe: None,
        measures: vec![],
        areas: vec![],
        quotas: vec![],
        tags: BTreeMap::new(),
        waves: vec![],
    }
}

fn quota(by: QuotaBy, value: Option<&str>, min: Option<usize>, max: Option<usize>) -> Quota {
    Quota {
        by,
        value: value.map(String::from),
        min,
        max,
    }
}

fn districts(regions: &[&str]) -> Vec<District> {
    regions
        .iter()
        .enumerate()
        .map(|(i, r)| District {
            code: format!("E{i:02}"),
            name: format!("District {i}"),
            region: Some(r.to_string()),
        })
        .collect()
}

fn measure(id: &str, better: Better, values: &[f64]) -> MeasureData {
    MeasureData {
        id: id.into(),
        name: id.into(),
        better,
        values: values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("E{i:02}"), *v))
            .collect(),
    }
}

/// Best objective over every subset, or None when no subset satisfies the constraints.
fn brute_force(problem: &Problem) -> Option<f64> {
    let n = problem.candidates.len();
    let active = vec![true; problem.constraints.len()];
    let mut best: Option<f64> = None;
    for mask in 0u32..(1 << n) {
        let set: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
        if set.len() != problem.count || !problem.violations(&set, &active).is_empty() {
            continue;
        }
        let v = objective(problem, &set);
        best = Some(best.map_or(v, |b: f64| b.max(v)));
    }
    best
}

/// Larger is better for both objectives.
fn objective(problem: &Problem, set: &[usize]) -> f64 {
    match problem.objective {
        Objective::TotalNeed => problem.objective_value(set),
        Objective::BestRank => -problem.objective_value(set),
    }
}

#[derive(Debug, Clone)]
struct Instance {
    regions: Vec<&'static str>,
    need: Vec<f64>,
    pop: Vec<f64>,
    coastal: Vec<bool>,
    k: usize,
    merge_first_two: bool,
    best_rank: bool,
    region_max: Option<usize>,
    r1_min: Option<usize>,
    coastal_min: Option<usize>,
    coastal_max: Option<usize>,
    include: Option<usize>,
    exclude: Option<usize>,
    long_list: bool,
    max_pop: Option<f64>,
}

fn instance() -> impl Strategy<Value = Instance> {
    (4usize..=9)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(prop::sample::select(vec!["R1", "R2", "R3"]), n),
                prop::collection::vec((0u8..6).prop_map(f64::from), n),
                prop::collection::vec((1u8..10).prop_map(f64::from), n),
                prop::collection::vec(any::<bool>(), n),
                1usize..=4,
                any::<bool>(),
                any::<bool>(),
                (prop::option::of(1usize..=3), prop::option::of(0usize..=2)),
                (prop::option::of(0usize..=2), prop::option::of(0usize..=3)),
                (prop::option::of(0..n), prop::option::of(0..n)),
                (
                    any::<bool>(),
                    prop::option::of((3u8..20).prop_map(f64::from)),
                ),
            )
        })
        .prop_map(
            |(
                mut regions,
                need,
                pop,
                coastal,
                k,
                merge,
                best_rank,
                (rmax, r1min),
                (cmin, cmax),
                (inc, exc),
                (ll, maxpop),
            )| {
                regions[0] = "R1"; // a quota may name R1
                Instance {
                    regions,
                    need,
                    pop,
                    coastal,
                    k,
                    merge_first_two: merge,
                    best_rank,
                    region_max: rmax,
                    r1_min: r1min,
                    coastal_min: cmin,
                    coastal_max: cmax,
                    include: inc,
                    exclude: if exc == inc { None } else { exc },
                    long_list: ll,
                    max_pop: maxpop,
                }
            },
        )
}

fn build(inst: &Instance) -> Result<Problem, TargetingError> {
    let ds = districts(&inst.regions);
    let mut sel = selection(inst.k);
    if inst.best_rank {
        sel.objective = Objective::BestRank;
    }
    if inst.merge_first_two {
        sel.areas.push(AreaDef {
            id: "A00".into(),
            name: "Two districts".into(),
            districts: vec!["E00".into(), "E01".into()],
        });
    }
    let code = |i: usize| {
        if inst.merge_first_two && i < 2 {
            "A00".to_string()
        } else {
            format!("E{i:02}")
        }
    };
    sel.tags.insert(
        "coastal".into(),
        (0..ds.len())
            .filter(|&i| inst.coastal[i])
            .map(code)
            .collect(),
    );
    if let Some(m) = inst.region_max {
        sel.quotas.push(quota(QuotaBy::Region, None, None, Some(m)));
    }
    if let Some(m) = inst.r1_min {
        sel.quotas
            .push(quota(QuotaBy::Region, Some("R1"), Some(m), None));
    }
    if inst.coastal_min.is_some() || inst.coastal_max.is_some() {
        let (lo, hi) = match (inst.coastal_min, inst.coastal_max) {
            (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
            other => other,
        };
        sel.quotas
            .push(quota(QuotaBy::Tag, Some("coastal"), lo, hi));
    }
    if let Some(i) = inst.include {
        sel.must_include.push(code(i));
    }
    if let Some(i) = inst.exclude
        && code(i) != inst.include.map(code).unwrap_or_default()
    {
        sel.must_exclude.push(code(i));
    }
    if inst.long_list {
        sel.long_list = Some("worst(index, 60%) or tag(coastal)".into());
    }
    sel.population = Some("pop".into());
    sel.max_population = inst.max_pop;
    let measures = vec![
        measure("index", Better::Lower, &inst.need),
        measure("pop", Better::Lower, &inst.pop),
    ];
    prepare(&sel, &ds, &measures)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn choice_is_optimal_and_feasible(inst in instance()) {
        let problem = build(&inst).unwrap();
        let expected = brute_force(&problem);
        match (choose(&problem), expected) {
            (Ok(choice), Some(best)) => {
                let active = vec![true; problem.constraints.len()];
                prop_assert!(problem.violations(&choice.chosen, &active).is_empty());
                prop_assert!((objective(&problem, &choice.chosen) - best).abs() < 1e-9,
                    "{} found {} but brute force {}", choice.method, objective(&problem, &choice.chosen), best);
                // Every area gets a reason; the chosen ones say so.
                let outcomes = explain(&problem, &choice);
                prop_assert_eq!(outcomes.len(), problem.candidates.len());
                for o in &outcomes {
                    prop_assert_eq!(o.selected, o.reason.starts_with("selected"));
                }
            }
            (Err(TargetingError::Infeasible { conflicts }), None) => {
                prop_assert!(!conflicts.is_empty());
            }
            (got, want) => prop_assert!(false, "solver {:?} vs brute force {:?}", got, want),
        }
    }

    #[test]
    fn conflict_sets_are_irreducible(inst in instance()) {
        let problem = build(&inst).unwrap();
        if brute_force(&problem).is_some() {
            return Ok(());
        }
        let set = oa_targeting::select::conflicting_set(&problem);
        let mut active = vec![false; problem.constraints.len()];
        for &c in &set {
            active[c] = true;
        }
        prop_assert!(solve(&problem, &active).is_none(), "the reported set must be infeasible");
        for &c in &set {
            active[c] = false;
            prop_assert!(solve(&problem, &active).is_some(), "dropping {} must make it feasible", c);
            active[c] = true;
        }
    }

    #[test]
    fn choice_is_deterministic(inst in instance()) {
        let problem = build(&inst).unwrap();
        let a = choose(&problem).ok().map(|c| c.chosen);
        let b = choose(&problem.clone()).ok().map(|c| c.chosen);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn names_the_conflict_in_words() {
    // At least 2 in London, at most 12 in total, 11 must-includes elsewhere.
    let mut regions = vec!["London"; 5];
    regions.extend(vec!["North"; 20]);
    let ds = districts(&regions);
    let mut sel = selection(12);
    sel.quotas
        .push(quota(QuotaBy::Region, Some("London"), Some(2), None));
    sel.must_include = (5..16).map(|i| format!("E{i:02}")).collect();
    let need: Vec<f64> = (0..25).map(f64::from).collect();
    let problem = prepare(&sel, &ds, &[measure("index", Better::Lower, &need)]).unwrap();
    let err = choose(&problem).unwrap_err();
    let TargetingError::Infeasible { conflicts } = &err else {
        panic!("expected a conflict, got {err}")
    };
    assert_eq!(conflicts.len(), 13, "{conflicts:?}");
    assert!(conflicts.contains(&"choose exactly 12 areas of the 25 candidates".to_string()));
    assert!(conflicts.contains(&"at least 2 areas in London".to_string()));
    assert!(
        conflicts
            .iter()
            .filter(|c| c.starts_with("must include"))
            .count()
            == 11
    );
    assert!(err.to_string().contains("at least 2 areas in London"));
}

#[test]
fn explains_a_full_region_and_ranks() {
    // Four districts in the East, two elsewhere; at most 1 per region, choose 2.
    let ds = districts(&["East", "East", "East", "North", "North", "South"]);
    let mut sel = selection(2);
    sel.quotas.push(quota(QuotaBy::Region, None, None, Some(1)));
    let need = [10.0, 9.0, 8.0, 3.0, 2.0, 1.0];
    let problem = prepare(&sel, &ds, &[measure("index", Better::Lower, &need)]).unwrap();
    let choice = choose(&problem).unwrap();
    let ids: Vec<&str> = choice
        .chosen
        .iter()
        .map(|&i| problem.candidates[i].id.as_str())
        .collect();
    assert_eq!(ids, ["E00", "E03"]);
    let out = explain(&problem, &choice);
    let e01 = out.iter().find(|o| o.area_id == "E01").unwrap();
    assert!(!e01.selected);
    assert_eq!(e01.rank, 2);
    assert!(
        e01.reason.contains("East already has 1 area (the maximum)"),
        "{}",
        e01.reason
    );
    assert!(e01.reason.contains("ranked 2 of 6"), "{}", e01.reason);
    // No waves declared: the table has no empty wave column.
    let md = oa_targeting::explain::markdown(&problem, &choice, &out);
    assert!(md.contains("| area | region | rank | why |"), "{md}");
    assert!(!md.contains("wave"), "{md}");
    assert!(
        md.contains("| North | 4 |") || md.contains("| North | 1 |"),
        "{md}"
    );
}

#[test]
fn area_of_two_districts_takes_the_worse_or_weighted_need() {
    let ds = districts(&["East", "East", "North"]);
    let need = [10.0, 2.0, 5.0];
    let pop = [1.0, 3.0, 1.0];
    let mut sel = selection(1);
    sel.areas.push(AreaDef {
        id: "FEC".into(),
        name: "Fenland and East Cambridgeshire".into(),
        districts: vec!["E00".into(), "E01".into()],
    });
    sel.population = Some("pop".into());
    let ms = [
        measure("index", Better::Lower, &need),
        measure("pop", Better::Lower, &pop),
    ];
    let worst = prepare(&sel, &ds, &ms).unwrap();
    let fec = worst.candidates.iter().find(|c| c.id == "FEC").unwrap();
    assert_eq!(fec.need, 10.0);
    assert_eq!(fec.ranks[0], 1);
    assert_eq!(fec.population, Some(4.0));
    sel.area_need = AreaNeed::PopulationWeighted;
    let weighted = prepare(&sel, &ds, &ms).unwrap();
    let fec = weighted.candidates.iter().find(|c| c.id == "FEC").unwrap();
    assert_eq!(fec.need, (10.0 + 2.0 * 3.0) / 4.0);
    // 4.0 is below the other district's 5.0: rank 2 of 3.
    assert_eq!(fec.ranks[0], 2);
    let choice = choose(&weighted).unwrap();
    assert_eq!(weighted.candidates[choice.chosen[0]].id, "E02");
}

#[test]
fn bad_references_are_named() {
    let ds = districts(&["East", "North"]);
    let ms = [measure("index", Better::Lower, &[1.0, 2.0])];
    let mut sel = selection(1);
    sel.must_include.push("E99".into());
    let e = prepare(&sel, &ds, &ms).unwrap_err().to_string();
    assert!(e.contains("must_include") && e.contains("E99"), "{e}");
    let mut sel = selection(1);
    sel.long_list = Some("worst(capacity, 1/6)".into());
    let e = prepare(&sel, &ds, &ms).unwrap_err().to_string();
    assert!(e.contains("unknown measure `capacity`"), "{e}");
    let mut missing = ms[0].clone();
    missing.values.remove("E01");
    let e = prepare(&selection(1), &ds, &[missing])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no value for district E01"), "{e}");
}

#[test]
fn ties_break_by_area_code() {
    let ds = districts(&["A", "B", "A", "B", "C"]);
    let ms = [measure("index", Better::Lower, &[1.0, 1.0, 1.0, 1.0, 1.0])];
    let mut sel = selection(2);
    let p = prepare(&sel, &ds, &ms).unwrap();
    assert_eq!(choose(&p).unwrap().chosen, vec![0, 1]);
    // Through the integer programme (a tag quota) the same rule holds.
    sel.tags
        .insert("t".into(), vec!["E03".into(), "E04".into()]);
    sel.quotas
        .push(quota(QuotaBy::Tag, Some("t"), Some(1), None));
    let p = prepare(&sel, &ds, &ms).unwrap();
    let c = choose(&p).unwrap();
    assert!(c.method.contains("integer"));
    assert_eq!(c.chosen, vec![0, 3]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Beyond brute-force sizes: whatever the solver returns satisfies every constraint,
    /// and a reported conflict really is infeasible.
    #[test]
    fn larger_choices_always_satisfy_every_constraint(
        regions in prop::collection::vec(prop::sample::select(vec!["R1", "R2", "R3", "R4"]), 30..80),
        seed in 0u64..1000,
        k in 3usize..15,
        region_max in 1usize..6,
        coastal_min in 0usize..5,
    ) {
        let n = regions.len();
        let need: Vec<f64> = (0..n).map(|i| ((i as u64 * 7919 + seed * 104_729) % 97) as f64).collect();
        let ds = districts(&regions);
        let mut sel = selection(k);
        sel.quotas.push(quota(QuotaBy::Region, None, None, Some(region_max)));
        sel.quotas.push(quota(QuotaBy::Tag, Some("coastal"), Some(coastal_min), None));
        sel.tags.insert("coastal".into(), (0..n).filter(|i| (i + seed as usize).is_multiple_of(5)).map(|i| format!("E{i:02}")).collect());
        let problem = prepare(&sel, &ds, &[measure("index", Better::Lower, &need)]).unwrap();
        let active = vec![true; problem.constraints.len()];
        match choose(&problem) {
            Ok(choice) => prop_assert!(problem.violations(&choice.chosen, &active).is_empty()),
            Err(TargetingError::Infeasible { .. }) => prop_assert!(solve(&problem, &active).is_none()),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

#[test]
fn explains_exclusions_population_and_the_long_list() {
    let ds = districts(&["A", "A", "B", "B"]);
    let mut sel = selection(1);
    sel.population = Some("pop".into());
    sel.max_population = Some(500.0);
    sel.must_exclude = vec!["E00".into()];
    sel.long_list = Some("worst(index, 3)".into());
    let ms = [
        measure("index", Better::Lower, &[9.0, 8.0, 7.0, 1.0]),
        measure("pop", Better::Lower, &[100.0, 900.0, 100.0, 100.0]),
    ];
    let p = prepare(&sel, &ds, &ms).unwrap();
    let choice = choose(&p).unwrap();
    let out = explain(&p, &choice);
    let reason = |id: &str| out.iter().find(|o| o.area_id == id).unwrap().reason.clone();
    assert!(reason("E00").starts_with("not selected because excluded by the study"));
    assert!(
        reason("E01").contains("population 900 is outside the bounds (no minimum to 500)"),
        "{}",
        reason("E01")
    );
    assert!(reason("E02").starts_with("selected"));
    assert!(
        reason("E03").starts_with("not selected because not on the long list")
            && reason("E03").contains("ranked 4 of 4 on index, outside the worst 3 (3)"),
        "{}",
        reason("E03")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// The cheap re-selection gives the problem (and so the choice) a full `prepare`
    /// gives with the new values, for each area-need rule and a long list on the measure.
    #[test]
    fn reselector_matches_a_full_prepare(
        regions in prop::collection::vec(prop::sample::select(vec!["R1", "R2", "R3"]), 6..20),
        first in prop::collection::vec(0.0f64..100.0, 20),
        second in prop::collection::vec(0.0f64..100.0, 20),
        rule in 0usize..3,
        k in 1usize..4,
    ) {
        let n = regions.len();
        let ds = districts(&regions);
        let mut sel = selection(k);
        sel.area_need = [AreaNeed::Worst, AreaNeed::Mean, AreaNeed::PopulationWeighted][rule];
        sel.long_list = Some("worst(index, 50%) or worst(other, 20%)".into());
        sel.population = Some("people".into());
        sel.quotas.push(quota(QuotaBy::Region, None, None, Some(2)));
        sel.areas.push(AreaDef {
            id: "A00".into(),
            name: "Two districts".into(),
            districts: vec!["E00".into(), "E01".into()],
        });
        let people: Vec<f64> = (0..n).map(|i| 1000.0 + 37.0 * i as f64).collect();
        let other: Vec<f64> = second[..n].iter().rev().copied().collect();
        let measures = |index: &[f64]| {
            vec![
                measure("index", Better::Higher, index),
                measure("other", Better::Lower, &other),
                measure("people", Better::Lower, &people),
            ]
        };
        let mut re = oa_targeting::reselect::Reselector::new(&sel, &ds, &measures(&first[..n]), "index").unwrap();
        prop_assert_eq!(re.problem(), &prepare(&sel, &ds, &measures(&first[..n])).unwrap());
        let full = prepare(&sel, &ds, &measures(&second[..n])).unwrap();
        prop_assert_eq!(re.update(&second[..n]).unwrap(), &full);
        prop_assert_eq!(re.select().map(|c| c.chosen), choose(&full).ok().map(|c| c.chosen));
        prop_assert!(re.update(&[1.0]).is_err());
    }
}
