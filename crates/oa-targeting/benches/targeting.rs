//! Speed of selection and allocation at the sizes the programme meets: 12 of 324 districts
//! under region and type quotas (integer programme), 500 of 32,844 small areas under region
//! quotas (exact greedy), and a fund over 32,844 areas (proportional with floor and cap).
//!
//! Inputs are synthetic but shaped like England (9 regions, a fifth of districts coastal),
//! from a fixed-seed generator so every run measures the same problem.

use criterion::{Criterion, criterion_group, criterion_main};
use oa_model::Pence;
use oa_model::study::funding::{Formula, Fund, Money};
use oa_model::study::selection::{AreaNeed, Better, Objective, Quota, QuotaBy, Selection};
use oa_targeting::allocate::{FundedArea, allocate};
use oa_targeting::select::{District, MeasureData, choose, prepare};
use std::collections::BTreeMap;
use std::hint::black_box;

const REGIONS: [&str; 9] = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

/// A small deterministic generator (64-bit LCG, top bits) in [0, 1).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn universe(n: usize, seed: u64) -> (Vec<District>, MeasureData, BTreeMap<String, Vec<String>>) {
    let mut rng = Lcg(seed);
    let mut districts = Vec::with_capacity(n);
    let mut values = BTreeMap::new();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..n {
        let code = format!("E{i:08}");
        let region = REGIONS[(rng.next() * 9.0) as usize % 9];
        values.insert(code.clone(), rng.next() * 100.0);
        if rng.next() < 0.2 {
            tags.entry("coastal".into()).or_default().push(code.clone());
        }
        if rng.next() < 0.3 {
            tags.entry("rural".into()).or_default().push(code.clone());
        }
        districts.push(District {
            code,
            name: format!("Area {i}"),
            region: Some(region.to_string()),
        });
    }
    let measure = MeasureData {
        id: "index".into(),
        name: "index".into(),
        better: Better::Lower,
        values,
    };
    (districts, measure, tags)
}

fn selection(count: usize, quotas: Vec<Quota>, tags: BTreeMap<String, Vec<String>>) -> Selection {
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
        quotas,
        tags,
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

fn bench(c: &mut Criterion) {
    // 12 of 324 districts: at most 3 per region, at least 2 coastal and 1 rural.
    let (districts, measure, tags) = universe(324, 2016);
    let sel = selection(
        12,
        vec![
            quota(QuotaBy::Region, None, None, Some(3)),
            quota(QuotaBy::Tag, Some("coastal"), Some(2), None),
            quota(QuotaBy::Tag, Some("rural"), Some(1), None),
        ],
        tags,
    );
    let problem = prepare(&sel, &districts, std::slice::from_ref(&measure)).unwrap();
    assert_eq!(choose(&problem).unwrap().chosen.len(), 12);
    c.bench_function("select 12 of 324 districts, region and type quotas", |b| {
        b.iter(|| choose(black_box(&problem)).unwrap())
    });

    // 500 of 32,844 small areas: between 20 and 80 per region.
    let (areas, measure, _) = universe(32_844, 2019);
    let sel = selection(
        500,
        vec![quota(QuotaBy::Region, None, Some(20), Some(80))],
        BTreeMap::new(),
    );
    let problem = prepare(&sel, &areas, std::slice::from_ref(&measure)).unwrap();
    assert_eq!(choose(&problem).unwrap().chosen.len(), 500);
    c.bench_function("select 500 of 32,844 small areas, region quotas", |b| {
        b.iter(|| choose(black_box(&problem)).unwrap())
    });
    c.bench_function(
        "prepare and select 500 of 32,844 small areas, region quotas",
        |b| {
            b.iter(|| {
                let p = prepare(black_box(&sel), &areas, std::slice::from_ref(&measure)).unwrap();
                choose(&p).unwrap()
            })
        },
    );

    // A £72m fund over 32,844 areas in proportion to a measure, floor £500, cap £10,000.
    let funded: Vec<FundedArea> = measure
        .values
        .iter()
        .map(|(code, v)| FundedArea {
            id: code.clone(),
            name: code.clone(),
            measure: Some(v * 1000.0),
        })
        .collect();
    let fund = Fund {
        id: "core".into(),
        name: "core".into(),
        total: Money(Pence::from_pounds(72_000_000)),
        funders: vec![],
        periods: vec![],
        formula: Formula::Proportional {
            measure: "need".into(),
        },
        floor: Some(Money(Pence::from_pounds(500))),
        cap: Some(Money(Pence::from_pounds(10_000))),
        areas: vec![],
        rescaled_from: None,
        match_ratio: None,
        note: String::new(),
    };
    let out = allocate(&fund, funded.clone()).unwrap();
    assert_eq!(out.allocated, fund.total.0);
    assert!(out.areas.iter().any(|a| a.bound == "floor"));
    // The areas are handed over (moved) to the allocation, so the copy made for each
    // run is setup, not measured.
    c.bench_function("allocate a fund over 32,844 areas, floor and cap", |b| {
        b.iter_batched(
            || funded.clone(),
            |areas| allocate(black_box(&fund), areas).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
