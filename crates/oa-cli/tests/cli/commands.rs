//! `oa init`, `oa validate`, `oa demo`, output formats and bundle replacement.

use crate::support::{Csv, num, oa, oa_ok, temp};

const PRESETS: [&str; 5] = ["minimal", "tidy", "smi", "imd", "demo"];

#[test]
fn init_writes_presets_that_validate_as_studies() {
    let tmp = temp();
    for preset in PRESETS {
        let file = tmp.path().join(format!("{preset}.toml"));
        let r = oa_ok([
            "init".as_ref(),
            "--preset".as_ref(),
            preset.as_ref(),
            "--out".as_ref(),
            file.as_os_str(),
        ]);
        assert!(r.stdout.contains("wrote"), "{}", r.stdout);
        let text = std::fs::read_to_string(&file).unwrap();
        oa_model::Study::from_toml_str(&text, preset).unwrap();
        // Never overwrites.
        let again = oa([
            "init".as_ref(),
            "--preset".as_ref(),
            preset.as_ref(),
            "--out".as_ref(),
            file.as_os_str(),
        ]);
        assert_eq!(again.code, 2, "{}", again.stderr);
        assert!(again.stderr.contains("already exists"));
    }
    let unknown = oa(["init", "--preset", "nope"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("minimal"), "{}", unknown.stderr);
}

#[test]
fn demo_runs_end_to_end_on_the_synthetic_country() {
    let tmp = temp();
    let dir = tmp.path().join("demo");
    let r = oa_ok(["demo".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    assert!(r.stdout.contains("Synthland"), "{}", r.stdout);
    assert!(r.stdout.contains("synthetic"), "{}", r.stdout);
    for f in [
        "README.md",
        "areas.csv",
        "indicators.csv",
        "boundaries.geojson",
        "demo.toml",
    ] {
        assert!(dir.join("input").join(f).is_file(), "input/{f}");
    }
    let readme = std::fs::read_to_string(dir.join("input/README.md")).unwrap();
    assert!(readme.contains("None of it is real data"));
    let scores = Csv::read(&dir.join("results/scores.csv"));
    let areas = Csv::read(&dir.join("input/areas.csv"));
    let coverage = Csv::read(&dir.join("results/coverage.csv"));
    assert_eq!(coverage.rows.len(), areas.rows.len());
    let kept = coverage
        .rows
        .iter()
        .filter(|r| r[coverage.col("status")] == "kept")
        .count();
    assert_eq!(scores.rows.len(), kept);
    assert!(kept > 150, "{kept} areas ranked");
    // Quintiles and both named bands, group scores for the four life stages.
    let q = scores.col("quantile");
    for quintile in 1..=5 {
        assert!(
            scores
                .rows
                .iter()
                .any(|r| num(&r[q]) == f64::from(quintile))
        );
    }
    let band = scores.col("band");
    let cold = scores.rows.iter().filter(|r| r[band] == "coldspot").count();
    let hot = scores.rows.iter().filter(|r| r[band] == "hotspot").count();
    assert_eq!(cold, (kept as f64 * 0.2).ceil() as usize);
    assert_eq!(hot, cold);
    for g in ["early_years", "school", "youth", "adulthood"] {
        scores.col(&format!("rank_{g}"));
    }
    // Scores are sorted by rank, rank 1 = best = highest score.
    let s = scores.col("score");
    assert!(
        scores
            .rows
            .windows(2)
            .all(|w| num(&w[0][s]) >= num(&w[1][s]))
    );

    // The demo study's other sections ran: clusters, a selection of 8 areas (at most 2 per
    // region, all from the worst fifth), a fund shared to the penny, rank intervals, maps.
    let results = dir.join("results");
    let selection = Csv::read(&results.join("selection.csv"));
    let chosen: Vec<&Vec<String>> = selection
        .rows
        .iter()
        .filter(|r| r[selection.col("selected")] == "true")
        .collect();
    assert_eq!(chosen.len(), 8);
    let rank_col = selection.col("rank");
    assert!(
        chosen
            .iter()
            .all(|r| num(&r[rank_col]) <= (kept as f64 * 0.2).ceil())
    );
    let region_col = selection.col("region");
    for r in &chosen {
        let same = chosen
            .iter()
            .filter(|x| x[region_col] == r[region_col])
            .count();
        assert!(same <= 2, "region {} has {same}", r[region_col]);
    }
    let allocations = Csv::read(&results.join("allocations.csv"));
    let pence: i64 = allocations
        .rows
        .iter()
        .map(|r| r[allocations.col("amount_pence")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(pence, 24_000_000 * 100);
    let uncertainty = Csv::read(&results.join("uncertainty.csv"));
    assert_eq!(uncertainty.rows.len(), kept);
    let clusters = Csv::read(&results.join("clusters.csv"));
    assert_eq!(clusters.rows.len(), kept);
    for map in ["map_score.svg", "map_band.svg"] {
        let svg = std::fs::read_to_string(results.join(map)).unwrap();
        assert!(
            svg.contains("<svg") && svg.matches("<path").count() >= kept,
            "{map}"
        );
    }

    // Every file the run read is in the manifest with its SHA-256.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("manifest.json")).unwrap())
            .unwrap();
    let inputs: Vec<&str> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    for f in ["indicators.csv", "areas.csv", "boundaries.geojson"] {
        assert!(inputs.contains(&f), "{f} not in manifest inputs {inputs:?}");
    }

    // The same seed gives the same country and the same results; a second run replaces
    // the earlier demo folder.
    let first = std::fs::read_to_string(dir.join("results/scores.csv")).unwrap();
    oa_ok([
        "demo".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
        "--quiet".as_ref(),
    ]);
    let second = std::fs::read_to_string(dir.join("results/scores.csv")).unwrap();
    assert_eq!(first, second);

    // The study it wrote validates on its own.
    let v = oa_ok(["validate".as_ref(), dir.join("input/demo.toml").as_os_str()]);
    assert!(v.stdout.contains("ok: the study and its data are valid"));
}

#[test]
fn validate_reports_what_it_checked() {
    let tmp = temp();
    let dir = tmp.path();
    std::fs::write(
        dir.join("study.toml"),
        "schema = 1\n[study]\nid = \"v\"\ntitle = \"Validate\"\n[geography]\narea_type = \"lad\"\nvintage = 2016\n\
         [[sources]]\nid = \"d\"\npath = \"data.csv\"\ncode_column = \"code\"\n\
         [[indicators]]\nid = \"a\"\ndirection = \"higher_is_better\"\n\
         [[indicators]]\nid = \"b\"\ndirection = \"higher_is_worse\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("data.csv"),
        "\u{feff}code,a,b\nE06000001,\"1,200\",c\nE06000002,3,4\nE06000003,..,5\n",
    )
    .unwrap();
    let r = oa_ok(["validate".as_ref(), dir.join("study.toml").as_os_str()]);
    let text = r.stdout.replace(&dir.display().to_string(), "[TMP]");
    insta::assert_snapshot!(text, @r"
    study [TMP]/study.toml: `v` (schema 1), 2 indicators in 0 groups, 1 sources
    read data.csv (61 bytes)
    areas: 3 kept of 3 read (lad 2016)
      a 2 of 3 values (missing: 1 `..`)
      b 2 of 3 values (missing: 1 `c`)
    index: computed, 3 areas ranked (0 dropped for coverage)
    ok: the study and its data are valid
    ");
    // Nothing was written.
    let entries = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(entries, 2);
}

#[test]
fn formats_add_parquet_and_xlsx_and_reruns_replace_the_bundle() {
    let tmp = temp();
    let dir = tmp.path().join("demo");
    oa_ok([
        "demo".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
        "--quiet".as_ref(),
    ]);
    let study = dir.join("input/demo.toml");
    let out = tmp.path().join("bundle");
    oa_ok([
        "run".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--format".as_ref(),
        "parquet,xlsx".as_ref(),
        "--quiet".as_ref(),
    ]);
    for stem in ["scores", "indicators", "coverage"] {
        for ext in ["csv", "parquet", "xlsx"] {
            let f = out.join(format!("{stem}.{ext}"));
            assert!(
                f.metadata().map(|m| m.len() > 0).unwrap_or(false),
                "{}",
                f.display()
            );
        }
    }
    let parquet = std::fs::read(out.join("scores.parquet")).unwrap();
    assert_eq!(&parquet[..4], b"PAR1");
    let xlsx = std::fs::read(out.join("scores.xlsx")).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    // A second run (CSV only) replaces the previous bundle whole.
    oa_ok([
        "run".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(!out.join("scores.parquet").exists());
    assert!(out.join("scores.csv").is_file());
    let copy = std::fs::read_to_string(out.join("study.toml")).unwrap();
    assert_eq!(copy, std::fs::read_to_string(&study).unwrap());
}
