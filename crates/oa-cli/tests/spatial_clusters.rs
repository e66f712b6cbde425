//! The spatial stage of `oa run`: cold-spot clusters of the IoD2019 districts
//! (`studies/imd2019-lad.toml`, `[spatial]`), over ONS 2019 district boundaries.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn run(study: &Path, out: &Path, threads: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oa"));
    cmd.arg("run")
        .arg(study)
        .arg("--data-dir")
        .arg(oa_testkit::shared_data_dir())
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("oa runs")
}

fn study_with(replace: &str, by: &str, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml"))
        .unwrap()
        .replace(replace, by);
    let path = dir.join("study.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn district_clusters_are_labelled_and_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let study = oa_testkit::repo_path("studies/imd2019-lad.toml");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let ra = run(&study, &a, None);
    assert!(
        ra.status.success(),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    let rb = run(&study, &b, Some("1"));
    assert!(
        rb.status.success(),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    let text = std::fs::read_to_string(a.join("clusters.csv")).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(b.join("clusters.csv")).unwrap(),
        "same seed, one thread or many: the same p-values"
    );
    assert!(text.starts_with(
        "area_code,area_name,score,neighbours,local_moran_i,moran_p,quadrant,gi_star_z,gi_p,cluster\n"
    ));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 317);
    let by_name: HashMap<&str, &csv::StringRecord> = rows.iter().map(|r| (&r[1], r)).collect();
    // Merseyside's deprived core: high scores among high-scoring neighbours.
    for name in ["Knowsley", "Liverpool"] {
        let r = by_name[name];
        assert_eq!(&r[6], "HH", "{name}");
        assert_eq!(&r[9], "cold spot cluster", "{name}");
        assert!(
            r[7].parse::<f64>().unwrap() > 1.96,
            "{name}: Gi* z {}",
            &r[7]
        );
    }
    // Hart, the least deprived district, among affluent neighbours.
    let hart = by_name["Hart"];
    assert_eq!(&hart[6], "LL");
    assert_eq!(&hart[9], "hot spot cluster");
    assert!(hart[7].parse::<f64>().unwrap() < -1.96);
    // The Isles of Scilly touch no other district.
    let scilly = by_name["Isles of Scilly"];
    assert_eq!(&scilly[3], "0");
    assert_eq!(&scilly[9], "no neighbours");
    // Pseudo p-values are (m + 1)/1000 with m <= 499.
    for r in &rows {
        if let Ok(p) = r[5].parse::<f64>() {
            let m = p * 1000.0 - 1.0;
            assert!(
                (m - m.round()).abs() < 1e-6 && m.round() <= 499.0,
                "{}",
                &r[5]
            );
        }
    }
    assert!(rows.iter().filter(|r| &r[9] == "cold spot cluster").count() >= 10);
}

#[test]
fn another_seed_changes_p_values_only() {
    let tmp = tempfile::tempdir().unwrap();
    let study = study_with("seed = 20190926", "seed = 7", tmp.path());
    let out = tmp.path().join("out");
    let r = run(&study, &out, None);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let base_dir = tmp.path().join("base");
    let r = run(
        &oa_testkit::repo_path("studies/imd2019-lad.toml"),
        &base_dir,
        None,
    );
    assert!(r.status.success());
    let read = |d: &Path| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(d.join("clusters.csv"))
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let (x, y) = (read(&out), read(&base_dir));
    assert!(x.iter().zip(&y).all(|(a, b)| a[4] == b[4] && a[7] == b[7]));
    assert!(x.iter().zip(&y).any(|(a, b)| a[5] != b[5]));
}

#[test]
fn boundaries_of_another_vintage_are_a_user_error() {
    let tmp = tempfile::tempdir().unwrap();
    let study = study_with(
        "boundaries = \"geo/onsvisual-uk-topojson/topo.json\"\nlayer = \"ltla\"",
        "boundaries = \"geo/onsvisual-uk-topojson/ltla16-bsc.json\"",
        tmp.path(),
    );
    let out = tmp.path().join("out");
    let r = run(&study, &out, None);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("ltla16-bsc.json") && err.contains("E06000058"),
        "{err}"
    );
    assert!(!out.exists());
}
