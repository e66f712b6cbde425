//! The sections issue 15 added: coverage with reasons and skipped rows, what the method did
//! (outliers, PCA), global Moran's I, the audit; each written, read back exactly and
//! refused when changed by hand; version 1 bundles still read.

use crate::support::{STUDY, entries, results, written};
use oa_bundle::{
    Audit, AuditChart, AuditColumn, AuditTable, AuditValues, BundleError, Clusters, GlobalMoran,
    IndicatorTreatment, OutlierPoint, Outliers, PcaLoading, PointEnd, Results, Section, Treatment,
    audit_schema, audit_tables_of,
};
use oa_model::Study;

/// The small results with the JRC rule, PCA weights, clusters and an audit.
fn full() -> Results {
    let text = STUDY.replace(
        "[[bands.named]]",
        "[method]\noutliers = \"jrc\"\nweights = \"pca\"\n[audit]\nstrengths = 1\n[[bands.named]]",
    );
    let mut r = results();
    r.study = Study::from_toml_str(&text, "small.toml").unwrap();
    r.study_toml = text.into_bytes();
    r.index.outliers = Some(Outliers {
        indicators: vec![IndicatorTreatment {
            indicator: "a".into(),
            treatment: Treatment::Winsorised,
            skew_before: 3.25,
            kurtosis_before: 11.0,
            skew_after: f64::NAN,
            kurtosis_after: 1.0 / 3.0,
            passes: true,
            winsorised: 1,
            log_shift: f64::NAN,
        }],
        points: vec![OutlierPoint {
            indicator: "a".into(),
            area_code: "E1".into(),
            area_name: "One".into(),
            end: PointEnd::High,
            original: 1600.0,
            treated: 800.0,
        }],
    });
    r.index.pca = Some(vec![PcaLoading {
        group: "pillar".into(),
        child: "a".into(),
        loading: -1.0,
        weight: 1.0,
        component: 1,
        eigenvalue: 1.0,
        explained_variance: 1.0,
        areas_used: 2,
    }]);
    r.clusters = Some(Clusters {
        area_code: vec!["E1".into(), "E2".into()],
        area_name: vec!["One".into(), "Two".into()],
        score: vec![2.5, -0.5],
        neighbours: vec![1, 1],
        local_moran_i: vec![0.1, 0.2],
        moran_p: vec![1.0 / 19_999.0, f64::NAN],
        quadrant: vec!["high-high".into(), "low-low".into()],
        gi_star_z: vec![0.461, -1.0],
        gi_p: vec![0.0483, 0.0513],
        cluster: vec!["hot spot cluster".into(), "not significant".into()],
        global: Some(GlobalMoran {
            column: "score".into(),
            areas: 2,
            islands: 0,
            moran_i: -1.0,
            expected: -1.0,
            variance_normal: 0.0,
            z_normal: f64::NAN,
            p_normal: f64::NAN,
            p_permutation: 1.0 / 1000.0,
            permutations: 999,
        }),
    });
    r.audit = Some(audit_for(&r.study));
    r
}

/// An audit whose tables follow the schema, with one row each (none for the PCA), a
/// missing float and a missing integer.
fn audit_for(study: &Study) -> Audit {
    let tables = audit_tables_of(study)
        .into_iter()
        .map(|stem| {
            let rows = usize::from(stem != "audit_pca");
            AuditTable {
                stem,
                columns: audit_schema(stem, study)
                    .unwrap()
                    .into_iter()
                    .enumerate()
                    .map(|(j, (name, kind))| AuditColumn {
                        values: match kind {
                            oa_bundle::ColumnKind::Text => {
                                AuditValues::Text(vec![format!("{name}, \"{j}\""); rows])
                            }
                            oa_bundle::ColumnKind::Float => AuditValues::Float(vec![
                                if j % 2 == 0 {
                                    f64::NAN
                                } else {
                                    0.1 + j as f64
                                };
                                rows
                            ]),
                            oa_bundle::ColumnKind::Int => {
                                AuditValues::Int(vec![(j % 2 == 0).then_some(-(j as i64)); rows])
                            }
                        },
                        name,
                    })
                    .collect(),
            }
        })
        .collect();
    let charts = oa_bundle::AUDIT_CHARTS
        .into_iter()
        .map(|name| AuditChart {
            name,
            svg: format!("<svg>{name}</svg>"),
        })
        .collect();
    Audit { tables, charts }
}

#[test]
fn every_new_table_reads_back_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut r = full();
    r.audit.as_ref().unwrap().check(&r.study).unwrap();
    oa_bundle::write(&mut r, &out).unwrap();
    let files = entries(&out);
    for f in [
        "outliers.csv",
        "outlier_points.csv",
        "pca.csv",
        "clusters.csv",
        "spatial_global.csv",
        "audit_indicators.csv",
        "audit_rank_without.csv",
        "audit_strengths.csv",
        "audit_weights.svg",
    ] {
        assert!(files.contains(&f.to_string()), "{f} not in {files:?}");
    }
    // Without [audit.optimise] there is no optimised-weights table.
    assert!(!files.contains(&"audit_optimised_weights.csv".to_string()));
    assert_eq!(
        r.manifest.sections,
        [Section::Index, Section::Audit, Section::Clusters]
    );
    let back = oa_bundle::read(&out).unwrap();
    assert_eq!(format!("{back:?}"), format!("{r:?}"));
    // The kinds come from the schema: an empty integer cell stays an integer column.
    let strengths = back
        .audit
        .as_ref()
        .unwrap()
        .table("audit_strengths")
        .unwrap();
    assert!(matches!(
        strengths.column("strength_1_rank"),
        Some(AuditValues::Int(_))
    ));
    let coverage = std::fs::read_to_string(out.join("coverage.csv")).unwrap();
    assert!(
        coverage.starts_with(
            "area_code,area_name,indicators,present,coverage,imputed,status,reason,source,location\n"
        ),
        "{coverage}"
    );
    assert!(coverage.contains(",dropped,no data,,\n"), "{coverage}");
    assert!(
        coverage.contains(
            "\"Source: a note, with \"\"quotes\"\"\",,,,,,skipped,note (skip_notes),d,line 5\n"
        ),
        "{coverage}"
    );
}

#[test]
fn audit_tables_changed_by_hand_are_refused() {
    let (_tmp, out, path, original) = written(full(), "audit_removal.csv");
    let edit = |text: String| std::fs::write(&path, text).unwrap();

    // The data row with one cell replaced.
    let with_cell = |column: &str, text: &str| -> String {
        let mut reader = csv::Reader::from_reader(original.as_bytes());
        let header = reader.headers().unwrap().clone();
        let at = header.iter().position(|h| h == column).unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for row in reader.records() {
            let row: Vec<String> = row
                .unwrap()
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    if j == at {
                        text.to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            w.write_record(&row).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    };
    // Text in an integer column; a float where an integer belongs is not rounded.
    for text in ["many", "2.5"] {
        edit(with_cell("max_abs_rank_change", text));
        let e = oa_bundle::read(&out).unwrap_err();
        assert!(
            matches!(&e, BundleError::BadCell { line: 2, column, .. } if column == "max_abs_rank_change"),
            "{e}"
        );
    }
    // An integer where a float belongs is a float.
    edit(with_cell("median_abs_rank_change", "7"));
    let back = oa_bundle::read(&out).unwrap();
    let removal = back.audit.as_ref().unwrap().table("audit_removal").unwrap();
    assert_eq!(
        removal.column("median_abs_rank_change"),
        Some(&AuditValues::Float(vec![7.0]))
    );
    // A column added, and two columns swapped.
    edit(
        original
            .lines()
            .map(|l| format!("{l},1\n"))
            .collect::<String>()
            .replacen(",1\n", ",extra\n", 1),
    );
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(&e, BundleError::UnknownColumn { column, .. } if column == "extra"),
        "{e}"
    );
    let swapped = original.replacen(
        "mean_abs_rank_change,median_abs_rank_change",
        "median_abs_rank_change,mean_abs_rank_change",
        1,
    );
    assert_ne!(swapped, original);
    edit(swapped);
    let e = oa_bundle::read(&out).unwrap_err().to_string();
    assert!(
        e.contains("audit_removal.csv") && e.contains("order"),
        "{e}"
    );
    edit(original);
    oa_bundle::read(&out).unwrap();
    // A chart removed.
    std::fs::remove_file(out.join("audit_removal.svg")).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(matches!(&e, BundleError::MissingFile { .. }), "{e}");
    assert!(e.to_string().contains("audit_removal.svg"), "{e}");
}

#[test]
fn an_audit_of_another_study_fails_the_check() {
    let r = full();
    let mut other = r.study.clone();
    other.indicators[0].id = "b".into();
    let e = r.audit.as_ref().unwrap().check(&other).unwrap_err();
    assert!(e.contains("audit_correlation_matrix"), "{e}");
    let mut fewer = r.audit.clone().unwrap();
    fewer.charts.pop();
    assert!(fewer.check(&r.study).is_err());
}

#[test]
fn cells_that_mean_nothing_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    oa_bundle::write(&mut full(), &out).unwrap();
    let cases = [
        (
            "coverage.csv",
            ",dropped,no data,",
            ",dropped,bored,",
            "reason",
        ),
        ("coverage.csv", ",kept,,", ",kept,no data,", "reason"),
        (
            "coverage.csv",
            ",skipped,note (skip_notes),",
            ",skipped,,",
            "reason",
        ),
        ("outliers.csv", ",winsorised,", ",trimmed,", "treatment"),
        ("outlier_points.csv", ",high,", ",top,", "end"),
        // A p-value is a number from 0 to 1.
        ("clusters.csv", ",0.0483,", ",1.0483,", "gi_p"),
        (
            "spatial_global.csv",
            ",0.001,999",
            ",-0.001,999",
            "p_permutation",
        ),
    ];
    for (file, from, to, column) in cases {
        let path = out.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        let (header, rows) = original.split_once('\n').unwrap();
        assert!(rows.contains(from), "{file}: {original}");
        std::fs::write(&path, format!("{header}\n{}", rows.replacen(from, to, 1))).unwrap();
        let e = oa_bundle::read(&out).unwrap_err();
        assert!(
            matches!(&e, BundleError::BadCell { column: c, .. } if c == column),
            "{file} {to}: {e}"
        );
        std::fs::write(&path, original).unwrap();
    }
    // Removing what the study's method says is there.
    std::fs::remove_file(out.join("pca.csv")).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(e.to_string().contains("pca.csv"), "{e}");
}

#[test]
fn version_1_bundles_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut r = results();
    r.index.coverage.skipped.clear();
    r.clusters = full().clusters;
    oa_bundle::write(&mut r, &out).unwrap();
    // As version 1 wrote them: no version, sections or headline in the manifest; no
    // reasons in coverage.csv; no global Moran's I.
    let manifest = out.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    for key in ["bundle_version", "sections", "headline", "formats"] {
        m.as_object_mut().unwrap().remove(key);
    }
    std::fs::write(&manifest, m.to_string()).unwrap();
    let path = out.join("coverage.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let mut v1 = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    v1.write_record(&header[..7]).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        v1.write_record(row.iter().take(7)).unwrap();
    }
    std::fs::write(&path, v1.into_inner().unwrap()).unwrap();
    std::fs::remove_file(out.join("spatial_global.csv")).unwrap();
    let back = oa_bundle::read(&out).unwrap();
    assert_eq!(back.manifest.bundle_version, 1);
    assert!(back.index.coverage.reason.iter().all(Option::is_none));
    let clusters = back.clusters.unwrap();
    assert_eq!(clusters.global, None);
    assert_eq!(clusters.area_code, ["E1", "E2"]);
}
