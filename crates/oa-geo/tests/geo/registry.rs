//! The area registry on the real ONS topojson and change list, and vintage conversion.

use oa_geo::{Method, Registry, convert, read_table, read_weights};
use oa_testkit::shared_data;
use std::collections::HashMap;
use std::io::Write;

fn registry() -> Registry {
    Registry::load(
        &shared_data("geo/onsvisual-uk-topojson/topo.json"),
        "ltla",
        &shared_data("lookups/onsvisual-uk-topojson/changes.csv"),
    )
    .expect("registry loads")
}

fn english(r: &Registry, year: u16) -> usize {
    r.codes_in(year)
        .iter()
        .filter(|c| {
            ["E06", "E07", "E08", "E09"]
                .iter()
                .any(|p| c.starts_with(p))
        })
        .count()
}

#[test]
fn english_district_counts_by_year() {
    let r = registry();
    for (year, n) in [
        (2016, 326),
        (2019, 317),
        (2021, 309),
        (2023, 296),
        (2024, 296),
    ] {
        assert_eq!(english(&r, year), n, "{year}");
    }
    assert_eq!(r.changes().len(), 79);
}

#[test]
fn west_somerset_reaches_somerset() {
    let r = registry();
    assert!(r.exists("E07000191", 2016) && !r.exists("E07000191", 2019));
    assert_eq!(
        r.successor_chain("E07000191"),
        vec![
            (2019, "E07000246".to_string()),
            (2023, "E06000066".to_string())
        ]
    );
    let m19 = r.map_vintage(2016, 2019).unwrap();
    assert_eq!(m19.targets["E07000191"], ["E07000246"]);
    let m23 = r.map_vintage(2016, 2023).unwrap();
    assert_eq!(m23.targets["E07000191"], ["E06000066"]);
    // Somerset 2023 is made of the five 2016 districts of the county.
    let mut parts = m23.sources()["E06000066"].clone();
    parts.sort();
    assert_eq!(
        parts,
        [
            "E07000187",
            "E07000188",
            "E07000189",
            "E07000190",
            "E07000191"
        ]
    );
    // Unchanged areas map to themselves; Barnsley gets its new code in 2025.
    assert_eq!(m23.targets["E08000025"], ["E08000025"]);
    assert_eq!(
        r.map_vintage(2016, 2025).unwrap().targets["E08000016"],
        ["E08000038"]
    );
    // Backwards, a merger is a split.
    let back = r.map_vintage(2019, 2016).unwrap();
    assert_eq!(back.targets["E07000246"], ["E07000190", "E07000191"]);
}

/// A panel on 2015-18 codes with a 2019 year sums West Somerset and Taunton Deane into
/// Somerset West and Taunton; backwards, the merger is a split and is refused.
#[test]
fn mergers_map_each_code_to_the_one_it_is_summed_into() {
    let r = registry();
    let forward = r.map_vintage(2016, 2019).unwrap().mergers().unwrap();
    assert_eq!(forward["E07000191"], "E07000246");
    assert_eq!(forward["E07000190"], "E07000246");
    assert_eq!(forward["E06000009"], "E06000009");
    let backward = r
        .map_vintage(2019, 2016)
        .unwrap()
        .mergers()
        .unwrap_err()
        .to_string();
    assert!(backward.contains(" (2019) is split into E0"), "{backward}");
    assert!(
        backward.contains("evaluate on the 2016 boundaries"),
        "{backward}"
    );
    // Over several vintages, a 2019 code that merged again in 2023 goes to its 2023 area.
    let onto = r.mergers_onto(2016, 2023).unwrap();
    assert_eq!(onto["E07000191"], "E06000066");
    assert_eq!(onto["E07000246"], "E06000066");
}

#[test]
fn combined_authority_membership_is_not_a_succession() {
    let r = registry();
    assert!(
        r.successor_chain("E06000057").is_empty(),
        "Northumberland keeps its code"
    );
    assert_eq!(
        r.map_vintage(2016, 2024).unwrap().targets["E06000057"],
        ["E06000057"]
    );
}

fn csv_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

/// All 326 districts of 2016 with value 1 and population = 10 x the code's last digit + 1.
fn lad16_table(r: &Registry) -> (String, String) {
    let mut data = String::from("\u{feff}code,count,rate\n");
    let mut pop = String::from("code,population\n");
    for (i, c) in r.codes_in(2016).iter().enumerate() {
        data += &format!("{c},1,{}\n", i % 7);
        pop += &format!("{c},{}\n", 10 * (i % 5) + 1);
    }
    (data, pop)
}

#[test]
fn sums_and_weighted_means_over_the_2019_mergers() {
    let r = registry();
    let (data, pop) = lad16_table(&r);
    let (data, pop) = (csv_file(&data), csv_file(&pop));
    let table = read_table(data.path(), "code", &["count".into(), "rate".into()]).unwrap();
    let weights = read_weights(pop.path(), "code", "population").unwrap();
    let map = r.map_vintage(2016, 2019).unwrap();
    let sum = convert(&r, &map, &table, "data.csv", Method::Sum, None).unwrap();
    let row = |t: &oa_geo::AreaTable, code: &str| {
        t.rows.iter().find(|(c, _)| c == code).unwrap().1.clone()
    };
    assert_eq!(sum.table.rows.len(), r.codes_in(2019).len());
    assert_eq!(
        row(&sum.table, "E06000059")[0],
        Some(5.0),
        "Dorset merges five districts"
    );
    assert_eq!(row(&sum.table, "E07000246")[0], Some(2.0));
    assert_eq!(row(&sum.table, "E08000025")[0], Some(1.0));
    // A mean over a merger without weights is refused.
    let err = convert(&r, &map, &table, "data.csv", Method::Mean, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--weights") && err.contains("merges"), "{err}");
    let mean = convert(&r, &map, &table, "data.csv", Method::Mean, Some(&weights)).unwrap();
    let parts = &mean.sources["E07000246"];
    let rate: HashMap<&str, f64> = table
        .rows
        .iter()
        .map(|(c, v)| (c.as_str(), v[1].unwrap()))
        .collect();
    let expected = parts
        .iter()
        .map(|p| weights[p] * rate[p.as_str()])
        .sum::<f64>()
        / parts.iter().map(|p| weights[p]).sum::<f64>();
    assert!((row(&mean.table, "E07000246")[1].unwrap() - expected).abs() < 1e-12);
}

#[test]
fn splits_need_weights() {
    let r = registry();
    let codes19 = r.codes_in(2019);
    let mut data = String::from("code,count\n");
    for c in &codes19 {
        data += &format!("{c},10\n");
    }
    let data = csv_file(&data);
    let table = read_table(data.path(), "code", &["count".into()]).unwrap();
    let map = r.map_vintage(2019, 2016).unwrap();
    let err = convert(&r, &map, &table, "d.csv", Method::Sum, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("splits into") && err.contains("--weights"),
        "{err}"
    );
    let mut pop = String::from("code,population\n");
    for c in r.codes_in(2016) {
        pop += &format!("{c},{}\n", if c == "E07000190" { 3 } else { 1 });
    }
    let pop = csv_file(&pop);
    let weights = read_weights(pop.path(), "code", "population").unwrap();
    let back = convert(&r, &map, &table, "d.csv", Method::Sum, Some(&weights)).unwrap();
    let get = |c: &str| back.table.rows.iter().find(|(k, _)| k == c).unwrap().1[0].unwrap();
    assert!((get("E07000190") - 7.5).abs() < 1e-12 && (get("E07000191") - 2.5).abs() < 1e-12);
}

#[test]
fn codes_of_another_vintage_are_listed_with_their_years() {
    let r = registry();
    let data = csv_file("code,count\nE07000246,1\nE08000025,2\n");
    let table = read_table(data.path(), "code", &["count".into()]).unwrap();
    let map = r.map_vintage(2016, 2019).unwrap();
    let err = convert(&r, &map, &table, "d.csv", Method::Sum, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("E07000246 (2019-2022)") && err.contains("not valid in 2016"),
        "{err}"
    );
    assert!(
        err.contains("valid 2019-2022"),
        "suggests the vintage: {err}"
    );
}

#[test]
fn mixed_vintages_are_an_error() {
    let r = registry();
    let data = csv_file("code,count\nE07000191,1\nE06000066,2\n");
    let table = read_table(data.path(), "code", &["count".into()]).unwrap();
    let map = r.map_vintage(2016, 2023).unwrap();
    let err = convert(&r, &map, &table, "d.csv", Method::Sum, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mixes two vintages")
            && err.contains("E07000191")
            && err.contains("E06000066"),
        "{err}"
    );
}

#[test]
fn a_merger_with_a_missing_part_is_an_error() {
    let r = registry();
    let data = csv_file("code,count\nE07000191,1\n");
    let table = read_table(data.path(), "code", &["count".into()]).unwrap();
    let map = r.map_vintage(2016, 2019).unwrap();
    let err = convert(&r, &map, &table, "d.csv", Method::Sum, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("E07000190 is missing"), "{err}");
}

fn tiers() -> Registry {
    Registry::load_tiers(
        &shared_data("geo/onsvisual-uk-topojson/topo.json"),
        &["ltla", "utla", "cty"],
        &shared_data("lookups/onsvisual-uk-topojson/changes.csv"),
    )
    .expect("registry loads")
}

/// Issue 15, item 13: codes of another tier or an older vintage are recognised.
#[test]
fn upper_tier_county_and_older_codes_are_recognised() {
    let r = tiers();
    // A county, ended in 2020 when its area became a unitary authority of the same name.
    assert_eq!(r.tiers("E10000002"), ["utla", "cty"]);
    assert_eq!(
        r.describe("E10000002").unwrap(),
        "E10000002 Buckinghamshire (upper-tier local authority and county, until 2019, ended 2020; E06000060 Buckinghamshire from 2020)"
    );
    // Gateshead's code before 2013, still in DfE files.
    assert_eq!(
        r.successor_chain("E08000020"),
        vec![(2013, "E08000037".to_string())]
    );
    let d = r.describe("E08000020").unwrap();
    assert!(
        d.contains("until 2012") && d.contains("now E08000037 Gateshead (since 2013)"),
        "{d}"
    );
    assert!(r.describe("E06000048").unwrap().contains("now E06000057"));
    // A district keeps its single-layer history.
    assert!(r.describe("E07000191").unwrap().contains("now E06000066"));
    assert_eq!(r.describe("E99999999"), None);
}
