//! The evaluation engine on the published examples and the real district panel, each
//! against the target of issue 10 and a Python peer run by `benches/evaluation.sh`:
//!
//! - SDID with 1,000 placebo replications on Proposition 99 (39 states x 31 years);
//! - synthetic control with placebos over every donor on early years by district
//!   (2013/14-2017/18): Blackpool against the 313 districts outside the opportunity
//!   areas (the peer's task), and all 13 opportunity-area districts at once;
//! - Callaway and Sant'Anna with 999 multiplier-bootstrap draws on `mpdta`, every
//!   `ATT(g,t)` and the four aggregations.
//!
//!     cargo bench -p oa-evaluation --bench estimators

use criterion::{Criterion, criterion_group, criterion_main};
use oa_evaluation::cs::{CsOptions, callaway_santanna};
use oa_evaluation::sc::{ScOptions, synthetic_control};
use oa_evaluation::sdid::{SdidKind, SdidOptions, synthdid};
use oa_evaluation::{PartlyTreated, Period, Treatment};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "../tests/evaluation/common.rs"]
mod common;

fn sdid(c: &mut Criterion) {
    let (panel, treatment) = common::prop99();
    let never = treatment.never_treated();
    let options = SdidOptions {
        replications: 1000,
        ..SdidOptions::new(SdidKind::Sdid)
    };
    let mut g = c.benchmark_group("evaluation");
    g.sample_size(10);
    g.bench_function("sdid_prop99_placebo_1000", |b| {
        b.iter(|| black_box(synthdid(&panel, &treatment, &never, "never", &options).unwrap()))
    });
    g.finish();
}

fn sc(c: &mut Criterion) {
    let panel = common::eyfsp_2016_boundaries();
    let first = Period::span_year(2017);
    // Blackpool and the 313 districts outside the opportunity areas.
    let keep: Vec<usize> = (0..panel.n_units())
        .filter(|&u| {
            let code = panel.units()[u].as_str();
            code == "E06000009" || !common::OPPORTUNITY_AREA_DISTRICTS.contains(&code)
        })
        .collect();
    let one = panel.with_units(&keep);
    let blackpool = Treatment::from_first_treated(
        &one,
        &[("E06000009".into(), first)],
        0,
        PartlyTreated::Error,
    )
    .unwrap();
    let all: Vec<(String, Period)> = common::OPPORTUNITY_AREA_DISTRICTS
        .iter()
        .map(|c| (c.to_string(), first))
        .collect();
    let thirteen = Treatment::from_first_treated(&panel, &all, 0, PartlyTreated::Error).unwrap();
    let single = ScOptions {
        average_draws: 0,
        ..ScOptions::default()
    };
    let mut g = c.benchmark_group("evaluation");
    g.sample_size(20);
    g.bench_function("sc_eyfsp_blackpool_313_placebos", |b| {
        b.iter(|| {
            let r = synthetic_control(&one, &blackpool, &blackpool.never_treated(), "n", &single);
            black_box(r.unwrap())
        })
    });
    g.bench_function("sc_eyfsp_13_treated_313_placebos", |b| {
        b.iter(|| {
            let o = ScOptions::default();
            let r = synthetic_control(&panel, &thirteen, &thirteen.never_treated(), "n", &o);
            black_box(r.unwrap())
        })
    });
    g.finish();
}

fn cs(c: &mut Criterion) {
    let (panel, treatment) = common::mpdta();
    let never = treatment.never_treated();
    let options = CsOptions {
        bootstrap: Some(999),
        ..CsOptions::default()
    };
    let mut g = c.benchmark_group("evaluation");
    g.bench_function("cs_mpdta_bootstrap_999", |b| {
        b.iter(|| black_box(callaway_santanna(&panel, &treatment, &never, "n", &options).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, sdid, sc, cs);
criterion_main!(benches);
