//! The shipped studies, in process.

use crate::support::{round_trip, run, run_shipped, run_shipped_with};
use oa_bundle::{AreaStatus, Section};
use oa_model::Pence;
use oa_model::study::{Direction, End};
use oa_pipeline::{Code, Plan, Progress};
use std::collections::BTreeMap;

/// Synthland (synthetic) written into `dir` as `oa demo` writes it, with the shipped
/// demonstration study.
pub fn synthland(dir: &std::path::Path) -> Plan {
    let country = oa_synth::generate(oa_synth::DEFAULT_SEED);
    for (name, text) in [
        ("areas.csv", country.areas_csv()),
        ("indicators.csv", country.indicators_csv()),
        ("boundaries.geojson", country.boundaries_geojson()),
        (
            "demo.toml",
            std::fs::read_to_string(oa_testkit::repo_path("studies/demo.toml")).unwrap(),
        ),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    Plan::from_file(&dir.join("demo.toml"), None).unwrap()
}

#[test]
fn demo_runs_every_section() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(&synthland(tmp.path()));
    assert_eq!(
        r.sections(),
        vec![
            Section::Index,
            Section::Audit,
            Section::Clusters,
            Section::Selection,
            Section::Funding,
            Section::Uncertainty,
            Section::Maps
        ]
    );
    let scores = &r.index.scores;
    let kept = r
        .index
        .coverage
        .status
        .iter()
        .filter(|s| **s == AreaStatus::Kept)
        .count();
    assert_eq!(scores.len(), kept);
    // Rank order, rank 1 = best = highest score; 20% bands at each end.
    assert!(scores.score.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(scores.rank[0], Some(1));
    let band = |name: &str| scores.band.iter().filter(|b| *b == name).count();
    assert_eq!(band("coldspot"), kept.div_ceil(5));
    assert_eq!(band("hotspot"), kept.div_ceil(5));
    assert_eq!(scores.groups.len(), 4);

    let selection = r.selection.as_ref().unwrap();
    let chosen: Vec<_> = selection.selected().collect();
    assert_eq!(chosen.len(), 8);
    let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &chosen {
        *per_region.entry(&a.region).or_default() += 1;
        assert!(
            a.on_long_list && a.rank as usize <= kept.div_ceil(5),
            "{a:?}"
        );
    }
    assert!(per_region.values().all(|&n| n <= 2), "{per_region:?}");

    let funding = r.funding.as_ref().unwrap();
    let fund = &funding.funds[0];
    assert_eq!(fund.total, Pence::from_pounds(24_000_000));
    let paid: Pence = funding.allocations.iter().map(|a| a.amount).sum();
    assert_eq!(paid, fund.allocated);
    assert!(paid <= fund.total);

    let u = r.uncertainty.as_ref().unwrap();
    assert_eq!(u.areas.area_code.len(), kept);
    let p = u.areas.band("coldspot").unwrap();
    assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
    // Areas in the nominal cold-spot band are on average more likely to be cold spots.
    let nominal: Vec<bool> = u
        .areas
        .area_code
        .iter()
        .map(|c| scores.band[scores.position(c).unwrap()] == "coldspot")
        .collect();
    let mean = |want: bool| {
        let v: Vec<f64> = p
            .iter()
            .zip(&nominal)
            .filter(|(_, n)| **n == want)
            .map(|(x, _)| *x)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(true) > 0.5 && mean(false) < 0.2,
        "{} {}",
        mean(true),
        mean(false)
    );

    let clusters = r.clusters.as_ref().unwrap();
    assert_eq!(clusters.len(), kept);
    let maps = r.maps.as_ref().unwrap();
    let stems: Vec<&str> = maps.maps.iter().map(|m| m.stem.as_str()).collect();
    assert_eq!(stems, ["map_score", "map_band", "map_clusters"]);
    assert!(maps.maps.iter().all(|m| m.svg.starts_with("<svg")));

    let headline = r.headline();
    assert_eq!(
        (
            headline.score.as_str(),
            headline.rank.as_str(),
            headline.band.as_deref()
        ),
        ("score", "rank", Some("band"))
    );
    assert_eq!(headline.rank_1, End::Best);
    round_trip(r);
}

#[test]
fn imd2019_ranks_every_lsoa_in_deciles() {
    let r = run_shipped("imd2019");
    let scores = &r.index.scores;
    assert_eq!(scores.len(), 32_844);
    assert!(scores.rank.iter().all(Option::is_some));
    let q = scores.quantile.as_ref().unwrap();
    for decile in 1..=10 {
        let n = q.iter().filter(|x| **x == Some(decile)).count();
        assert!((3284..=3285).contains(&n), "decile {decile}: {n}");
    }
    // The published most deprived LSOA (File 1): Tendring 018A, Jaywick.
    let top = scores.position("E01021988").unwrap();
    assert_eq!(scores.rank[top], Some(1));
    let headline = r.headline();
    assert_eq!(headline.areas, 32_844);
    assert_eq!(headline.score_direction, Direction::HigherIsWorse);
    round_trip(r);
}

#[test]
fn imd2019_lad_rolls_up_to_317_districts() {
    // Fewer Monte Carlo samples than shipped, to keep the test quick.
    let r = run_shipped_with("imd2019-lad", &[("samples = 1000", "samples = 30")]);
    assert_eq!(r.index.scores.len(), 32_844);
    let districts = r.rollup.as_ref().unwrap();
    assert_eq!(districts.len(), 317);
    // File 10: Blackpool has the highest average score and average rank.
    assert_eq!(districts.area_code[0], "E06000009");
    let avg = districts.measure("average_score").unwrap();
    assert_eq!(avg.rank[0], 1);
    assert!((avg.value[0] - 45.039).abs() < 0.001, "{}", avg.value[0]);
    // Ordered by the headline's rank.
    assert!(avg.rank.windows(2).all(|w| w[0] <= w[1]));
    let headline = r.headline();
    assert_eq!(headline.table, "scores.csv");
    assert_eq!(headline.rank, "rank_average_score");
    assert_eq!(headline.area_type, "lad");
    assert_eq!(headline.areas, 317);
    // The clusters are of the districts.
    let clusters = r.clusters.as_ref().unwrap();
    assert_eq!(clusters.len(), 317);
    assert_eq!(
        clusters.score,
        districts.measure("average_score").unwrap().value
    );
    let read = round_trip(r);
    assert_eq!(read.rollup.unwrap().len(), 317);
}

#[test]
fn imd2019_uncertainty_gives_every_lsoa_a_cold_spot_probability() {
    // Fewer samples than shipped, to keep the test quick; the method is the same.
    let r = run_shipped_with(
        "imd2019-uncertainty",
        &[
            ("samples = 10000", "samples = 40"),
            ("samples = 2000", "samples = 20"),
            ("bootstrap = 500", "bootstrap = 100"),
        ],
    );
    let u = r.uncertainty.as_ref().unwrap();
    assert_eq!(u.areas.area_code.len(), 32_844);
    let p = u.areas.band("coldspot").unwrap();
    assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
    // The most deprived LSOA is a cold spot in every sample, the least deprived in none.
    let at = |code: &str| p[u.areas.area_code.iter().position(|c| c == code).unwrap()];
    assert_eq!(at("E01021988"), 1.0);
    let last = r.index.scores.area_code.last().unwrap();
    assert_eq!(at(last), 0.0);
    let sens = u.sensitivity.as_ref().unwrap();
    assert!(!sens.is_empty());
    assert!(u.sensitivity_chart.is_some());
    round_trip(r);
}

#[test]
fn opportunity_areas_2016_selects_the_twelve_and_funds_them() {
    let r = run_shipped("opportunity-areas-2016");
    let selection = r.selection.as_ref().unwrap();
    let chosen: Vec<&str> = selection.selected().map(|a| a.area_id.as_str()).collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("OA{i:02}")).collect();
    assert_eq!(chosen, expected);
    let fenland = selection
        .areas
        .iter()
        .find(|a| a.area_id == "OA09")
        .unwrap();
    assert_eq!(fenland.districts, ["E07000010", "E07000009"]);
    let funding = r.funding.as_ref().unwrap();
    let core = funding
        .funds
        .iter()
        .find(|f| f.total == Pence::from_pounds(72_000_000))
        .expect("the £72m core fund");
    let lines: Pence = funding
        .allocations
        .iter()
        .filter(|a| a.fund == core.fund)
        .map(|a| a.amount)
        .sum();
    assert_eq!(lines, core.allocated);
    // Every fund's lines add up to what it allocated, to the penny.
    for f in &funding.funds {
        let sum: Pence = funding
            .allocations
            .iter()
            .filter(|a| a.fund == f.fund)
            .map(|a| a.amount)
            .sum();
        assert_eq!(sum, f.allocated, "{}", f.fund);
    }
    round_trip(r);
}

/// A progress that has been asked to stop.
struct Stopped;

impl Progress for Stopped {
    fn stopped(&self) -> bool {
        true
    }
}

#[test]
fn a_stopped_run_returns_no_results() {
    let tmp = tempfile::tempdir().unwrap();
    let e = oa_pipeline::run(&synthland(tmp.path()), &Stopped).unwrap_err();
    assert_eq!(e.code, Code::Stopped);
    assert_eq!(e.code.info().exit, 130);
}

/// The opportunity areas evaluated on early years and key stage 4 destinations: treatment
/// from the study's own selection, codes mapped across the 2019 (and 2021) boundary
/// changes, near-misses from the selection's long list, every method against every
/// comparison, inputs hashed into the manifest, and an exact round trip. Fewer placebo and
/// randomisation draws than shipped, to keep the test quick; the method is the same.
#[test]
fn opportunity_areas_evaluation_runs_every_method_against_every_comparison() {
    let r = run_shipped_with(
        "opportunity-areas-evaluation",
        &[
            ("placebos = 200", "placebos = 20"),
            ("draws = 10000", "draws = 500"),
        ],
    );
    let selection = r.selection.as_ref().unwrap();
    let ev = r.evaluation.as_ref().expect("the evaluation section");
    assert!(r.sections().contains(&oa_bundle::Section::Evaluation));
    // The 13 districts of the 12 areas, less West Somerset (a part of Somerset West and
    // Taunton on 2019 and 2021 boundaries, left out as the study chooses).
    let mut treated: Vec<String> = selection
        .selected()
        .flat_map(|a| a.districts.clone())
        .filter(|d| d != "E07000191")
        .collect();
    treated.sort();
    // Near-misses: long-listed districts the selection did not choose.
    let near: usize = selection
        .areas
        .iter()
        .filter(|a| a.on_long_list && !a.selected)
        .map(|a| a.districts.len())
        .sum();
    for outcome in ["gld", "ks4_sustained"] {
        for comparison in ["never_treated", "near_misses", "nearest"] {
            for method in ["did", "cs", "sc", "sdid", "ri"] {
                let row = ev
                    .estimates
                    .iter()
                    .find(|e| {
                        e.method.code() == method
                            && e.estimand == oa_evaluation::Estimand::Att
                            && e.group == "all"
                            && e.outcome == outcome
                            && e.comparison == comparison
                    })
                    .unwrap_or_else(|| panic!("{outcome} {comparison} {method}"));
                assert!(row.estimate.is_finite(), "{row:?}");
                assert!(row.p_value > 0.0 && row.p_value <= 1.0, "{row:?}");
                assert_eq!(row.n_treated, treated.len(), "{row:?}");
                if comparison == "near_misses" {
                    assert_eq!(row.n_control, near, "{row:?}");
                }
                if method != "sc" && method != "ri" {
                    assert!(
                        row.ci_low < row.estimate && row.estimate < row.ci_high,
                        "{row:?}"
                    );
                }
            }
        }
        // One synthetic-control chart per treated district and comparison.
        let charts = ev
            .charts
            .iter()
            .filter(|c| {
                c.name
                    .starts_with(&format!("evaluation_synthetic_{outcome}_never_treated_"))
            })
            .count();
        assert_eq!(charts, treated.len(), "{outcome}");
        // Every SC weight vector sums to one.
        for d in &treated {
            let total: f64 = ev
                .weights
                .iter()
                .filter(|w| {
                    w.method == oa_evaluation::Method::Sc
                        && w.outcome == outcome
                        && w.comparison == "never_treated"
                        && &w.treated == d
                })
                .map(|w| w.weight)
                .sum();
            assert!((total - 1.0).abs() < 1e-9, "{outcome} {d}: {total}");
        }
    }
    // The discontinuity at the long list's cut on children's deprivation (rank 54 of 324):
    // one estimate per outcome and its bandwidth table; the districts within the bandwidth
    // are counted on each side, ranks 1..=54 first.
    let districts: usize = selection.areas.iter().map(|a| a.districts.len()).sum();
    let children = selection
        .measures
        .iter()
        .position(|m| m == "children")
        .unwrap();
    // Fenland and East Cambridgeshire share their area's rank.
    let inside: usize = selection
        .areas
        .iter()
        .filter(|a| a.measure_ranks[children] <= 54)
        .map(|a| a.districts.len())
        .sum();
    assert_eq!(inside, 55);
    for outcome in ["gld", "ks4_sustained"] {
        let rd: Vec<_> = ev
            .estimates
            .iter()
            .filter(|e| e.method.code() == "rd" && e.outcome == outcome)
            .collect();
        assert_eq!(rd.len(), 6, "{outcome}: {rd:?}");
        let main = rd[0];
        assert_eq!((main.group.as_str(), main.period.as_str()), ("all", "all"));
        assert_eq!(main.comparison, "selection_cut");
        assert!(
            main.ci_low < main.estimate && main.estimate < main.ci_high,
            "{main:?}"
        );
        assert!(main.p_value > 0.0 && main.p_value <= 1.0, "{main:?}");
        assert!(main.n_treated >= 3 && main.n_control >= 3, "{main:?}");
        assert!(
            main.n_treated <= inside && main.n_treated + main.n_control <= districts,
            "{main:?} {districts}"
        );
        // The table re-estimates at 0.5-2 times the bandwidth; at 1 time it is the estimate.
        let h: Vec<f64> = rd[1..]
            .iter()
            .map(|e| e.period.strip_prefix("h=").unwrap().parse().unwrap())
            .collect();
        assert!(h.windows(2).all(|w| w[0] < w[1]), "{h:?}");
        let at_one = rd[1..].iter().find(|e| e.estimate == main.estimate);
        assert!(at_one.is_some(), "{rd:?}");
        // A wider bandwidth never counts fewer districts.
        assert!(
            rd[1..]
                .windows(2)
                .all(|w| w[0].n_treated + w[0].n_control <= w[1].n_treated + w[1].n_control)
        );
    }
    assert!(
        ev.markdown
            .contains("children's income deprivation, cut after rank 54"),
        "{}",
        ev.markdown
    );
    // Somerset West and Taunton (2019) is one unit and left out, and the bundle says so.
    assert!(
        ev.markdown
            .contains("Area E07000246 (E07000190 + E07000191) was left out"),
        "{}",
        ev.markdown
    );
    assert!(ev.markdown.contains("Only 12 areas are treated"));
    // The outcome files and the ONS change list are inputs with their digests.
    for input in [
        "outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx",
        "outcomes/data-key-stage-4-destination-measures.csv",
        oa_pipeline::evaluation::CHANGES,
    ] {
        let i = r.manifest.inputs.iter().find(|i| i.path == input);
        assert!(i.is_some_and(|i| i.sha256.len() == 64), "{input}");
    }
    let back = round_trip(r);
    assert!(back.evaluation.is_some());
}

#[test]
fn an_evaluation_that_cannot_run_names_the_study_key() {
    let path = oa_testkit::repo_path("studies/opportunity-areas-evaluation.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let plan = |text: String| {
        oa_pipeline::Plan::from_toml(
            text.into_bytes(),
            "oa-eval.toml",
            oa_testkit::shared_data_dir(),
        )
        .unwrap()
    };
    // West Somerset is a part of a unit on 2019 boundaries: treating it is a choice.
    let e = oa_pipeline::run(
        &plan(text.replace("partly_treated = \"exclude\"", "partly_treated = \"error\"")),
        &oa_pipeline::NoProgress,
    )
    .unwrap_err();
    assert_eq!(e.code, oa_pipeline::Code::StageFailed, "{e}");
    assert!(e.message.contains("evaluation.outcomes[0]"), "{e}");
    assert!(e.message.contains("one part of unit `E07000246`"), "{e}");
    // Without the boundary mapping the early years panel has gaps at the 2019 change.
    let e = oa_pipeline::run(
        &plan(text.replacen("boundaries = { from = 2016, to = 2019 }\n", "", 1)),
        &oa_pipeline::NoProgress,
    )
    .unwrap_err();
    assert!(e.message.contains("the panel is unbalanced"), "{e}");
    assert!(
        e.message
            .contains("EYFSP_LAD_pr_additional_tables_2014_2019.xlsx"),
        "{e}"
    );
    // A column the file does not have.
    let e = oa_pipeline::run(
        &plan(text.replace("denominator = \"cohort\"", "denominator = \"pupils\"")),
        &oa_pipeline::NoProgress,
    )
    .unwrap_err();
    assert_eq!(e.code, oa_pipeline::Code::DataMalformed, "{e}");
    assert!(e.message.contains("pupils"), "{e}");
}
