//! Issue 15 in the bundle: why areas were dropped and which rows were skipped, what the
//! outlier rule did, the PCA behind PCA weights, the method as run, how each source was
//! read, the build, global Moran's I, the audit, maps whose colours follow meaning, and
//! `oa validate`'s checks reporting every problem at once.

use crate::support::{round_trip, run};
use oa_bundle::{AreaStatus, AuditValues, DropReason, PointEnd, Section, SkipReason, Treatment};
use oa_pipeline::{Code, Plan};
use std::path::Path;

/// 46 districts: x = 1..40, 50, 100, 200, 400, 800, 1600 (the JRC case of issue 15),
/// y and z rising with x, w and v falling; a totals row listed in `skip_codes`, a note
/// under `skip_notes`, one code written in lower case, one area with no value at all and
/// one with a single value of five.
fn write_fixture(dir: &Path, extra: &str) -> Plan {
    let x: Vec<f64> = (1..=40)
        .map(f64::from)
        .chain([50.0, 100.0, 200.0, 400.0, 800.0, 1600.0])
        .collect();
    let mut csv = String::from("code,name,x,y,z,w,v\n");
    for (i, xi) in x.iter().enumerate() {
        let code = format!("E06{:06}", i + 1);
        let code = if i == 4 { code.to_lowercase() } else { code };
        let k = i as f64;
        let (y, z, w, v) = (
            (k * 7.0) % 11.0 + k,
            (k * 3.0) % 5.0 + 0.5 * k,
            100.0 - (k * 5.0) % 13.0 - k,
            60.0 - (k * 2.0) % 7.0 - 0.3 * k,
        );
        csv += &format!("{code},Area {i},{xi},{y},{z},{w},{v}\n");
    }
    csv += "E06000047,Empty,,,,,\n";
    csv += "E06000048,Sparse,5,,,,\n";
    csv += "E92000001,England,1,2,3,4,5\n";
    csv += "Source: invented for a test,,,,,,\n";
    std::fs::write(dir.join("data.csv"), csv).unwrap();
    let study = format!(
        r#"schema = 1
[study]
id = "silent"
title = "Nothing silent"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "data.csv"
code_column = "code"
name_column = "name"
skip_codes = ["E92000001"]
skip_notes = true
[[groups]]
id = "up"
[[groups]]
id = "down"
[[indicators]]
id = "x"
group = "up"
direction = "higher_is_better"
[[indicators]]
id = "y"
group = "up"
direction = "higher_is_better"
[[indicators]]
id = "z"
group = "up"
direction = "higher_is_better"
[[indicators]]
id = "w"
group = "down"
direction = "higher_is_better"
[[indicators]]
id = "v"
group = "down"
direction = "higher_is_better"
[method]
outliers = "jrc"
normalisation = {{ method = "min_max" }}
weights = "pca"
[method.missing]
min_coverage = 0.5
[audit]
strengths = 2
{extra}"#
    );
    std::fs::write(dir.join("study.toml"), study).unwrap();
    Plan::from_file(&dir.join("study.toml"), None).unwrap()
}

#[test]
fn the_bundle_says_what_was_read_dropped_skipped_and_treated() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(&write_fixture(tmp.path(), ""));
    assert_eq!(r.sections(), [Section::Index, Section::Audit]);

    // Why areas were dropped, and the rows skipped on purpose with where and why.
    let c = &r.index.coverage;
    let at = |code: &str| c.area_code.iter().position(|x| x == code).unwrap();
    assert_eq!(c.len(), 48);
    assert_eq!(c.status[at("E06000047")], AreaStatus::Dropped);
    assert_eq!(c.reason[at("E06000047")], Some(DropReason::NoData));
    assert_eq!(c.reason[at("E06000048")], Some(DropReason::BelowCoverage));
    assert_eq!(c.reason[at("E06000001")], None);
    let skipped: Vec<(&str, &str, SkipReason)> = c
        .skipped
        .iter()
        .map(|s| (s.code.as_str(), s.location.as_str(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("E92000001", "line 50", SkipReason::Listed),
            ("Source: invented for a test", "line 51", SkipReason::Note)
        ]
    );
    // The lower-case code was read upper case, and the manifest says so.
    assert!(c.area_code.contains(&"E06000005".to_string()));
    let m = &r.manifest;
    assert_eq!(m.sources.len(), 1);
    let s = &m.sources[0];
    assert_eq!((s.rows_read, s.areas, s.skipped, s.recased), (50, 48, 2, 1));
    assert_eq!(s.delimiter.as_deref(), Some(","));
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("`e06000005` (line 6) as E06000005")),
        "{:?}",
        m.notes
    );
    assert!(m.notes.iter().any(|n| n.contains("2 rows were skipped")));

    // The JRC rule on x winsorised its four largest points (COINr's result) and nothing
    // else needed treatment.
    let o = r.index.outliers.as_ref().unwrap();
    assert_eq!(o.indicators.len(), 5);
    let x = &o.indicators[0];
    assert_eq!(
        (x.indicator.as_str(), x.treatment),
        ("x", Treatment::Winsorised)
    );
    assert_eq!(x.winsorised, 4);
    assert!(x.passes && x.log_shift.is_nan());
    let points: Vec<(f64, f64)> = o.points.iter().map(|p| (p.original, p.treated)).collect();
    assert_eq!(
        points,
        [
            (200.0, 100.0),
            (400.0, 100.0),
            (800.0, 100.0),
            (1600.0, 100.0)
        ]
    );
    assert!(o.points.iter().all(|p| p.end == PointEnd::High));
    assert_eq!(o.points[3].area_code, "E06000046");

    // PCA: one row per child of each group and of the index; weights are squared loadings.
    let pca = r.index.pca.as_ref().unwrap();
    assert_eq!(pca.len(), 3 + 2 + 2);
    for row in pca {
        assert!(
            (row.weight - row.loading * row.loading).abs() < 1e-12,
            "{row:?}"
        );
    }
    let up: f64 = pca
        .iter()
        .filter(|p| p.group == "up")
        .map(|p| p.weight)
        .sum();
    assert!((up - 1.0).abs() < 1e-12);

    // The method as it ran, in order; the build.
    let steps: Vec<&str> = m.method.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(steps[..3], ["screen", "impute", "outliers"]);
    assert!(
        m.method
            .iter()
            .any(|s| s.step == "weights" && s.detail.contains("pca"))
    );
    let build = m.build.as_ref().unwrap();
    assert_eq!(build.version, oa_pipeline::VERSION);

    // The audit: typed tables, the strengths as the study asks.
    let audit = r.audit.as_ref().unwrap();
    let strengths = audit.table("audit_strengths").unwrap();
    assert!(strengths.column("weakness_2_rank").is_some());
    assert!(strengths.column("weakness_3").is_none());
    let Some(AuditValues::Text(ids)) = audit.table("audit_removal").unwrap().column("indicator")
    else {
        panic!("indicator is a text column")
    };
    assert_eq!(ids, &["x", "y", "z", "w", "v"]);
    round_trip(r);
}

#[test]
fn pca_warnings_are_notes() {
    // In the fixture the two groups run against each other (w and v fall as x, y, z
    // rise): the index's first component contrasts them, and the manifest says so.
    let tmp = tempfile::tempdir().unwrap();
    let plan = write_fixture(tmp.path(), "");
    let index_notes = |r: &oa_bundle::Results| -> Vec<String> {
        r.manifest
            .notes
            .iter()
            .filter(|n| n.starts_with("index:"))
            .cloned()
            .collect()
    };
    let notes = index_notes(&run(&plan));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("group `index`") && n.contains("contrasts")),
        "{notes:?}"
    );
    // Turned the same way, the groups agree and nothing is said.
    let text = std::fs::read_to_string(tmp.path().join("study.toml"))
        .unwrap()
        .replace(
            "id = \"w\"\ngroup = \"down\"\ndirection = \"higher_is_better\"",
            "id = \"w\"\ngroup = \"down\"\ndirection = \"higher_is_worse\"",
        )
        .replace(
            "id = \"v\"\ngroup = \"down\"\ndirection = \"higher_is_better\"",
            "id = \"v\"\ngroup = \"down\"\ndirection = \"higher_is_worse\"",
        );
    let plan = Plan::from_toml(text.into_bytes(), "study.toml", plan.data_dir.clone()).unwrap();
    let notes = index_notes(&run(&plan));
    assert!(
        !notes.iter().any(|n| n.contains("group `index`")),
        "{notes:?}"
    );
}

#[test]
fn validate_reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plan = write_fixture(dir, "");
    // Constant y, and a geometric mean over `down` whose min-max values include 0; a
    // map boundary file and a selection table that do not exist.
    let data = std::fs::read_to_string(dir.join("data.csv")).unwrap();
    let constant: String = data
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<String> = l.split(',').map(String::from).collect();
            if i > 0 && cells.len() == 7 && !cells[3].is_empty() && cells[0].starts_with('E') {
                cells[3] = "7".into();
            }
            cells.join(",") + "\n"
        })
        .collect();
    std::fs::write(dir.join("data.csv"), constant).unwrap();
    let text = std::fs::read_to_string(dir.join("study.toml"))
        .unwrap()
        .replace(
            "[[groups]]\nid = \"down\"",
            "[[groups]]\nid = \"down\"\naggregation = { method = \"geometric\" }",
        )
        + "[maps]\nboundaries = \"nowhere.geojson\"\n[selection]\ncount = 2\n[selection.universe]\npath = \"districts.csv\"\ncode_column = \"code\"\nname_column = \"name\"\n";
    let plan = Plan::from_toml(text.into_bytes(), "study.toml", plan.data_dir.clone()).unwrap();
    let v = oa_pipeline::validate(&plan);
    let messages: Vec<&str> = v.problems.iter().map(|p| p.message.as_str()).collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(
        has("nowhere.geojson") && has("maps.boundaries"),
        "{messages:#?}"
    );
    assert!(
        has("districts.csv") && has("selection.universe.path"),
        "{messages:#?}"
    );
    assert!(has("indicator `y`") && has("same value"), "{messages:#?}");
    assert!(has("indicator `w`") && has("geometric"), "{messages:#?}");
    assert!(has("indicator `v`") && has("geometric"), "{messages:#?}");
    assert_eq!(messages.len(), 5, "{messages:#?}");
    assert!(v.problems.iter().all(|p| p.code.info().exit == 2));
    // What could not be checked says why.
    assert!(
        v.checked
            .iter()
            .any(|c| c.starts_with("not checked") && c.contains("need the index")),
        "{:?}",
        v.checked
    );
    // The data was read and the notes a run would make are there.
    assert!(v.data.is_some());
    assert!(v.notes.iter().any(|n| n.contains("E06000005")));
}

#[test]
fn validate_finds_a_non_finite_score_and_a_bad_code_property() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = write_fixture(dir, "");
    // Weights that overflow under weighted_sum (issue 15, bug 7), and boundaries whose
    // code property is not the one named.
    let text = std::fs::read_to_string(dir.join("study.toml"))
        .unwrap()
        .replace(
            "weights = \"pca\"",
            "weights = \"given\"\naggregation = { method = \"weighted_sum\" }",
        )
        .replace(
            "id = \"x\"\ngroup = \"up\"",
            "id = \"x\"\ngroup = \"up\"\nweight = 1e308",
        )
        .replace(
            "id = \"y\"\ngroup = \"up\"",
            "id = \"y\"\ngroup = \"up\"\nweight = 1e308",
        )
        + "[maps]\nboundaries = \"b.geojson\"\ncode_property = \"lad\"\n";
    std::fs::write(
        dir.join("b.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"E06000001"},"geometry":{"type":"Polygon","coordinates":[[[400000,300000],[401000,300000],[401000,301000],[400000,300000]]]}}]}"#,
    )
    .unwrap();
    let plan = Plan::from_toml(text.into_bytes(), "study.toml", base.data_dir.clone()).unwrap();
    let v = oa_pipeline::validate(&plan);
    let messages: Vec<&str> = v.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(v.problems[0].code, Code::IndexFailed);
    assert!(messages[0].contains("up"), "{messages:#?}");
    // With the weights fixed, the boundaries' code property is the problem.
    let fixed = std::fs::read_to_string(dir.join("study.toml")).unwrap()
        + "[maps]\nboundaries = \"b.geojson\"\ncode_property = \"lad\"\n";
    let plan = Plan::from_toml(fixed.into_bytes(), "study.toml", base.data_dir.clone()).unwrap();
    let v = oa_pipeline::validate(&plan);
    let messages: Vec<&str> = v.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0].contains("`lad`") && messages[0].contains("code"),
        "{messages:#?}"
    );
}

#[test]
fn demo_reports_global_moran_and_draws_cold_spots_as_bad() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(&crate::shipped::synthland(tmp.path()));
    let c = r.clusters.as_ref().unwrap();
    let g = c.global.as_ref().unwrap();
    assert_eq!(
        (g.column.as_str(), g.areas, g.permutations),
        ("score", 234, 199)
    );
    // Synthland's regions differ: the score is clustered.
    assert!(g.moran_i > g.expected && g.z_normal > 2.0, "{g:?}");
    assert!(g.p_permutation > 0.0 && g.p_permutation <= 0.05, "{g:?}");

    // Cold spots in red whatever their names sort as, hot spots in blue.
    let maps = r.maps.as_ref().unwrap();
    let band = &maps.get("map_band").unwrap().svg;
    let legend = |svg: &str, label: &str| -> String {
        let at = svg
            .find(&format!(">{label} ("))
            .unwrap_or_else(|| panic!("no {label}"));
        let fill = svg[..at].rfind("fill=\"").unwrap();
        svg[fill + 6..fill + 13].to_string()
    };
    assert_eq!(legend(band, "coldspot"), "#b2182b");
    assert_eq!(legend(band, "hotspot"), "#2166ac");
    let clusters = &maps.get("map_clusters").unwrap().svg;
    assert_eq!(legend(clusters, "cold spot cluster"), "#b2182b");
    assert_eq!(legend(clusters, "cold spot outlier"), "#ef8a62");
    assert_eq!(legend(clusters, "hot spot cluster"), "#2166ac");
    // The band map says what the bands are.
    assert!(
        band.contains("coldspot: the worst 20% (47 areas); hotspot: the best 20% (47 areas)"),
        "{band}"
    );
    // The long title wraps instead of running off the page.
    assert!(band.contains(">Synthland opportunity index (synthetic demonstration data):</text>"));
    // uncertainty.svg marks the cold-spot band's threshold (rank 1 is the best here).
    let chart = &r.uncertainty.as_ref().unwrap().chart;
    assert!(chart.contains("coldspot threshold (rank 187)"), "{chart}");
    assert!(!chart.contains("hotspot threshold"));
}

#[test]
fn maps_follow_the_study_area_type() {
    use oa_pipeline::maps::{
        BoundaryRequest, LSOA_BOUNDARIES, default_boundaries, study_boundaries,
    };
    let study = |area_type: &str, vintage: u16, extra: &str| {
        oa_model::Study::from_toml_str(
            &format!(
                "schema = 1\n[study]\nid = \"t\"\ntitle = \"T\"\n[geography]\narea_type = \"{area_type}\"\nvintage = {vintage}\n\
                 [[sources]]\nid = \"d\"\npath = \"d.csv\"\ncode_column = \"code\"\n\
                 [[indicators]]\nid = \"a\"\ndirection = \"higher_is_better\"\n[maps]\n{extra}"
            ),
            "t.toml",
        )
        .unwrap()
    };
    let data = oa_testkit::shared_data_dir();
    let prefixes = |layer: &oa_geo::Layer| -> std::collections::BTreeSet<String> {
        layer
            .features
            .iter()
            .map(|f| f.code[..3].to_string())
            .collect()
    };
    // A county study is drawn on upper-tier areas, not districts.
    let (utla, path) =
        study_boundaries(&study("utla", 2019, ""), &data, &BoundaryRequest::default()).unwrap();
    assert!(path.ends_with("geo/onsvisual-uk-topojson/topo.json"));
    assert_eq!(utla.name, "utla");
    let p = prefixes(&utla);
    assert!(p.contains("E10") && !p.contains("E07"), "{p:?}");
    assert!(
        utla.position("E10000002").is_some(),
        "Buckinghamshire county in 2019"
    );
    let (districts, _) =
        study_boundaries(&study("lad", 2019, ""), &data, &BoundaryRequest::default()).unwrap();
    assert_eq!(districts.name, "ltla");
    assert!(prefixes(&districts).contains("E07"));
    let (regions, _) = study_boundaries(
        &study("region", 2019, ""),
        &data,
        &BoundaryRequest::default(),
    )
    .unwrap();
    assert!(
        prefixes(&regions).contains("E12"),
        "{:?}",
        prefixes(&regions)
    );
    assert_eq!(default_boundaries("lsoa"), Some((LSOA_BOUNDARIES, None)));
    // A roll-up's maps show its larger areas.
    let lad = oa_model::Study::from_toml_str(
        &std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml")).unwrap(),
        "imd2019-lad.toml",
    )
    .unwrap();
    assert_eq!(oa_pipeline::maps::map_area_type(&lad), "lad");
    // An area type `oa` has no boundaries for says what to do.
    let e =
        study_boundaries(&study("ward", 2019, ""), &data, &BoundaryRequest::default()).unwrap_err();
    assert!(
        e.message.contains("`ward`") && e.message.contains("[maps] boundaries"),
        "{e}"
    );
    // --boundaries is resolved against the data directory, as the study's paths are.
    let request = BoundaryRequest {
        path: Some("geo/onsvisual-uk-topojson/ltla16-bsc.json".into()),
        ..BoundaryRequest::default()
    };
    let (_, path) = study_boundaries(&study("lad", 2016, ""), &data, &request).unwrap();
    assert_eq!(path, data.join("geo/onsvisual-uk-topojson/ltla16-bsc.json"));
    let request = BoundaryRequest {
        path: Some("geo/nowhere.json".into()),
        ..BoundaryRequest::default()
    };
    let e = study_boundaries(&study("lad", 2016, ""), &data, &request).unwrap_err();
    assert!(
        e.message.contains("file not found; check --boundaries"),
        "{e}"
    );
}
