//! A bundle written before the manifest recorded a layout version (`tests/fixtures/v1`,
//! written by `oa` 0.1.0 at commit e5c2e11 from a six-area study) reads into the same
//! typed results, its sections found from its files and its headline from its study, and
//! is written again as the current version.

use oa_bundle::{BUNDLE_VERSION, Section};
use oa_model::Pence;
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1")
}

#[test]
fn a_version_1_bundle_reads_and_upgrades() {
    let r = oa_bundle::read(&fixture()).unwrap();
    assert_eq!(r.manifest.bundle_version, 1);
    assert_eq!(
        r.sections(),
        [
            Section::Index,
            Section::Selection,
            Section::Funding,
            Section::Uncertainty
        ]
    );
    let headline = r.manifest.headline.as_ref().unwrap();
    assert_eq!(
        (
            headline.score.as_str(),
            headline.rank.as_str(),
            headline.band.as_deref()
        ),
        ("score", "rank", Some("band"))
    );
    assert_eq!(headline.areas, 6);
    // Its numbers, as written then (coverage to four decimals, shares to six).
    let s = &r.index.scores;
    assert_eq!(s.rank, (1..=6).map(Some).collect::<Vec<_>>());
    assert_eq!(s.band.iter().filter(|b| *b == "coldspot").count(), 2);
    assert_eq!(s.quantile.as_ref().unwrap().iter().flatten().count(), 6);
    assert_eq!(s.groups[0].id, "pillar");
    assert!(r.index.coverage.coverage.iter().all(|&c| c == 1.0));
    let chosen: Vec<&str> = r
        .selection
        .as_ref()
        .unwrap()
        .selected()
        .map(|a| a.area_name.as_str())
        .collect();
    assert_eq!(chosen, ["Hartlepool", "Darlington"]);
    let f = r.funding.as_ref().unwrap();
    assert_eq!(f.funds[0].total, Pence::from_pounds(1_000_000));
    assert!(
        f.allocations
            .iter()
            .all(|a| a.amount == Pence::from_pounds(500_000) && a.share == 0.5)
    );
    let u = r.uncertainty.as_ref().unwrap();
    assert_eq!(u.areas.area_code.len(), 6);
    assert!(u.areas.band("coldspot").is_some());
    assert_eq!(u.stability.as_ref().unwrap().samples, 20);
    // Its manifest's digests still hold.
    oa_bundle::verify(&fixture()).unwrap();

    // Written again, it is a bundle of the current version that reads back the same.
    let tmp = tempfile::tempdir().unwrap();
    let mut again = r.clone();
    oa_bundle::write(&mut again, &tmp.path().join("v2")).unwrap();
    let back = oa_bundle::read(&tmp.path().join("v2")).unwrap();
    assert_eq!(back.manifest.bundle_version, BUNDLE_VERSION);
    assert_eq!(back.index, r.index);
    assert_eq!(back.selection, r.selection);
    assert_eq!(back.funding, r.funding);
}
