//! `oa geo convert`, `oa geo history`, `oa map` and the maps stage of `oa run` (owned by
//! the geography work), on the real ONS boundaries and change list.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn oa(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .output()
        .expect("oa runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn data() -> String {
    oa_testkit::shared_data_dir().display().to_string()
}

/// A CSV with one row per English district of 2016 (from the LAD16 lookup): count = 1 and
/// rate = the row number modulo 7.
fn lad16_input(dir: &Path) -> PathBuf {
    let lookup =
        std::fs::read_to_string(oa_testkit::shared_data("lookups/lad16_england_lookup.csv"))
            .unwrap();
    let mut text = String::from("lad,count,rate\n");
    for (i, line) in lookup.lines().skip(1).enumerate() {
        let code = line
            .split(',')
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}');
        text += &format!("{code},1,{}\n", i % 7);
    }
    let path = dir.join("lad16.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn convert_2016_to_2019_sums_mergers() {
    let tmp = tempfile::tempdir().unwrap();
    let input = lad16_input(tmp.path());
    let out = tmp.path().join("lad19.csv");
    let (i, o, d) = (input.to_str().unwrap(), out.to_str().unwrap(), data());
    let r = oa(&[
        "geo",
        "convert",
        "--from",
        "2016",
        "--to",
        "2019",
        "--input",
        i,
        "--code-column",
        "lad",
        "--columns",
        "count",
        "--method",
        "sum",
        "--out",
        o,
        "--data-dir",
        &d,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("326 areas of 2016 into 317 areas of 2019"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 318);
    assert!(
        text.contains("E07000246,2,E07000190;E07000191"),
        "Somerset West and Taunton"
    );
    assert!(text.contains("E06000059,5,"), "Dorset");

    // An output folder that does not exist: exit 2 with the fix, not an internal error.
    let missing = tmp.path().join("no-such-folder/lad19.csv");
    let r = oa(&[
        "geo",
        "convert",
        "--from",
        "2016",
        "--to",
        "2019",
        "--input",
        i,
        "--code-column",
        "lad",
        "--columns",
        "count",
        "--method",
        "sum",
        "--out",
        missing.to_str().unwrap(),
        "--data-dir",
        &d,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no-such-folder does not exist; create it"),
        "{}",
        r.stderr
    );

    // A mean over mergers needs population weights: exit 2, nothing written.
    let out2 = tmp.path().join("mean.csv");
    let r = oa(&[
        "geo",
        "convert",
        "--from",
        "2016",
        "--to",
        "2019",
        "--input",
        i,
        "--code-column",
        "lad",
        "--columns",
        "rate",
        "--method",
        "mean",
        "--out",
        out2.to_str().unwrap(),
        "--data-dir",
        &d,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--weights"), "{}", r.stderr);
    assert!(!out2.exists());

    // With population weights the mean is weighted: Somerset West and Taunton from Taunton
    // Deane (population 3) and West Somerset (population 1).
    let lookup = std::fs::read_to_string(&input).unwrap();
    let mut pop = String::from("code,population\n");
    for line in lookup.lines().skip(1) {
        let code = line.split(',').next().unwrap();
        pop += &format!("{code},{}\n", if code == "E07000190" { 3 } else { 1 });
    }
    let pop_path = tmp.path().join("pop.csv");
    std::fs::write(&pop_path, pop).unwrap();
    let rate_of = |code: &str| -> f64 {
        lookup
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .parse()
            .unwrap()
    };
    let r = oa(&[
        "geo",
        "convert",
        "--from",
        "2016",
        "--to",
        "2019",
        "--input",
        i,
        "--code-column",
        "lad",
        "--columns",
        "rate",
        "--method",
        "mean",
        "--weights",
        pop_path.to_str().unwrap(),
        "--weights-code-column",
        "code",
        "--out",
        out2.to_str().unwrap(),
        "--data-dir",
        &d,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = (3.0 * rate_of("E07000190") + rate_of("E07000191")) / 4.0;
    let text = std::fs::read_to_string(&out2).unwrap();
    let got: f64 = text
        .lines()
        .find(|l| l.starts_with("E07000246"))
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    std::fs::remove_file(&out2).unwrap();

    // 2019 data declared as 2016: the codes are listed with their years.
    let r = oa(&[
        "geo",
        "convert",
        "--from",
        "2016",
        "--to",
        "2023",
        "--input",
        o,
        "--code-column",
        "lad",
        "--columns",
        "count",
        "--method",
        "sum",
        "--out",
        out2.to_str().unwrap(),
        "--data-dir",
        &d,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not valid in 2016") && r.stderr.contains("E06000058 (2019 onwards)"),
        "{}",
        r.stderr
    );
}

#[test]
fn history_follows_west_somerset_to_somerset() {
    let r = oa(&["geo", "history", "E07000191", "--data-dir", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("2019: E07000246 Somerset West and Taunton"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("2023: E06000066 Somerset"),
        "{}",
        r.stdout
    );
    let r = oa(&["geo", "history", "X1", "--data-dir", &data()]);
    assert_eq!(r.code, 2);
    // Lower case typed by hand is the same code.
    let r = oa(&["geo", "history", "e07000191", "--data-dir", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("E07000191 West Somerset"),
        "{}",
        r.stdout
    );
    // Without --data-dir (run from elsewhere) the error says which flag to give.
    let empty = tempfile::tempdir().unwrap();
    let r = oa(&[
        "geo",
        "history",
        "E07000191",
        "--data-dir",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("topo.json: file not found; give --data-dir"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// Issue 15, item 13: `oa geo history` knows upper-tier and county codes, and codes from
/// before the change list that published files still use.
#[test]
fn history_knows_upper_tier_county_and_older_codes() {
    let r = oa(&["geo", "history", "E10000002", "--data-dir", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "E10000002 Buckinghamshire (upper-tier local authority and county, until 2019"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2020: ended; E06000060 Buckinghamshire begins that year"),
        "{}",
        r.stdout
    );
    let r = oa(&["geo", "history", "E08000020", "--data-dir", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("2013: E08000037 Gateshead"),
        "{}",
        r.stdout
    );
}

/// `oa run` with `[maps]` writes the score and cluster maps; `oa map` draws any column.
#[test]
fn run_writes_maps_and_oa_map_draws_any_column() {
    let tmp = tempfile::tempdir().unwrap();
    // The shipped study's own [maps] replaced by this test's.
    let study_text = std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml"))
        .unwrap()
        .replace("\n[maps]\nclasses = \"quantiles:5\"\n", "\n")
        + "\n[maps]\nclasses = \"jenks:5\"\n";
    let study = tmp.path().join("study.toml");
    std::fs::write(&study, study_text).unwrap();
    let bundle = tmp.path().join("out");
    let (s, b, d) = (study.to_str().unwrap(), bundle.to_str().unwrap(), data());
    let r = oa(&["run", s, "--data-dir", &d, "--out", b, "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let svg = std::fs::read_to_string(bundle.join("map_score.svg")).unwrap();
    assert_eq!(
        svg.matches("<path ").count(),
        317 + 33,
        "317 districts and the London inset"
    );
    assert!(svg.contains("Office for National Statistics"));
    assert!(bundle.join("map_clusters.svg").is_file());
    let manifest = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("map_score.svg"),
        "maps are in the manifest"
    );

    let png = tmp.path().join("rank.png");
    let r = oa(&[
        "map",
        b,
        "--column",
        "rank_extent",
        "--out",
        png.to_str().unwrap(),
        "--classes",
        "quantiles:4",
        "--highlight",
        "rank_average_score=1",
        "--title",
        "Extent",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");

    // Bad input: a table not in the bundle, a folder that does not exist.
    let r = oa(&[
        "map",
        b,
        "--column",
        "score",
        "--table",
        "nope.csv",
        "--out",
        tmp.path().join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nope.csv: no such table in the bundle; give one of"),
        "{}",
        r.stderr
    );
    let r = oa(&[
        "map",
        b,
        "--column",
        "rank_extent",
        "--out",
        tmp.path().join("no-such-folder/x.svg").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no-such-folder does not exist; create it"),
        "{}",
        r.stderr
    );
    assert!(!tmp.path().join("no-such-folder").exists());

    let r = oa(&[
        "map",
        b,
        "--column",
        "rank_extent",
        "--boundaries",
        tmp.path().join("nope.json").to_str().unwrap(),
        "--out",
        tmp.path().join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nope.json: file not found; check --boundaries"),
        "{}",
        r.stderr
    );

    // Bad input: an unknown column, boundaries without the code property.
    let r = oa(&[
        "map",
        b,
        "--column",
        "nope",
        "--out",
        tmp.path().join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no column `nope`") && r.stderr.contains("average_score"),
        "{}",
        r.stderr
    );
    let regions = oa_testkit::shared_data("geo/smc-son/2025-UK205regions.json");
    let r = oa(&[
        "map",
        b,
        "--column",
        "average_score",
        "--out",
        tmp.path().join("x.svg").to_str().unwrap(),
        "--boundaries",
        regions.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("properties present: Newname"),
        "{}",
        r.stderr
    );
    assert!(!tmp.path().join("x.svg").exists());
}

/// A `[maps]` section with unknown classes or a malformed highlight is refused by name.
#[test]
fn bad_maps_section_names_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml"))
        .unwrap()
        .replace("\n[maps]\nclasses = \"quantiles:5\"\n", "\n");
    for (section, key) in [
        ("[maps]\nclasses = \"natural:5\"\n", "maps.classes"),
        ("[maps]\nhighlight = \"coldspot\"\n", "maps.highlight"),
        ("[maps]\ncolours = \"red\"\n", "colours"),
    ] {
        let study = tmp.path().join("study.toml");
        std::fs::write(&study, format!("{base}\n{section}")).unwrap();
        let r = oa(&["validate", study.to_str().unwrap(), "--data-dir", &data()]);
        assert_eq!(r.code, 2, "{section}: {}", r.stderr);
        assert!(r.stderr.contains(key), "{section}: {}", r.stderr);
    }
}

/// `studies/smi2016.toml` with `[maps]` on generated data: the band map shows the 65
/// hotspots and 65 coldspots of the 324 ranked districts; City of London and the Isles of
/// Scilly are on the map without data, and the run says so.
#[cfg(unix)]
#[test]
fn smi2016_band_map() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    std::fs::create_dir_all(data_dir.join("smi2016")).unwrap();
    for shared in ["lookups", "geo"] {
        std::os::unix::fs::symlink(oa_testkit::shared_data(shared), data_dir.join(shared)).unwrap();
    }
    let ids = [
        "EY1", "EY2", "S1", "S2", "S3", "S4", "Y1", "Y2", "Y3", "Y4", "Y5", "A1", "A2", "A3", "A4",
        "A5",
    ];
    let lookup =
        std::fs::read_to_string(oa_testkit::shared_data("lookups/lad16_england_lookup.csv"))
            .unwrap();
    let mut text = format!("lad_code,{}\n", ids.join(","));
    for (i, line) in lookup.lines().skip(1).enumerate() {
        let code = line.split(',').next().unwrap();
        let values: Vec<String> = (0..ids.len())
            .map(|k| format!("{}", (i * 7 + k * 13) % 101))
            .collect();
        text += &format!("{code},{}\n", values.join(","));
    }
    std::fs::write(data_dir.join("smi2016/indicators.csv"), text).unwrap();
    let study = tmp.path().join("smi.toml");
    let base = std::fs::read_to_string(oa_testkit::repo_path("studies/smi2016.toml")).unwrap();
    std::fs::write(&study, format!("{base}\n[maps]\nclasses = \"equal:4\"\n")).unwrap();
    let bundle = tmp.path().join("out");
    let r = oa(&[
        "run",
        study.to_str().unwrap(),
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 areas on the map have no data"),
        "{}",
        r.stderr
    );
    let band = std::fs::read_to_string(bundle.join("map_band.svg")).unwrap();
    for entry in [
        "coldspot (65)",
        "hotspot (65)",
        "(none) (194)",
        "band = coldspot (65)",
    ] {
        assert!(band.contains(entry), "{entry}");
    }
    let score = std::fs::read_to_string(bundle.join("map_score.svg")).unwrap();
    assert_eq!(score.matches("<path ").count(), 326 + 33);
    assert!(score.contains("no data (2)"));
}

/// The IMD is a neighbourhood index: `oa map` draws its 32,844 LSOAs from the folder of
/// one boundary file per district (by default, for an LSOA study), one district alone,
/// and PNG.
#[test]
fn neighbourhood_maps_of_the_imd() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("imd2019");
    let study = oa_testkit::repo_path("studies/imd2019.toml");
    let (s, b, d) = (study.to_str().unwrap(), bundle.to_str().unwrap(), data());
    let r = oa(&["run", s, "--data-dir", &d, "--out", b, "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // As the issue writes it: --boundaries relative to the data directory (the bundle's).
    let svg = tmp.path().join("map.svg");
    let r = oa(&[
        "map",
        b,
        "--column",
        "score",
        "--boundaries",
        "geo/martinjc-uk-geojson/lsoa_by_lad",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("32844 areas of"), "{}", r.stderr);
    assert!(!r.stderr.contains("note:"), "no area missing: {}", r.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    // Quintiles of every LSOA (the legend's counts), in a few grouped paths and a few
    // megabytes.
    let counts: usize = text
        .split("font-size=\"12\">")
        .skip(1)
        .filter_map(|t| {
            let label = t.split("</text>").next()?;
            label
                .rsplit_once(" (")?
                .1
                .strip_suffix(')')?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(counts, 32_844);
    assert!(text.matches("<path ").count() <= 10);
    assert!(text.len() < 9_000_000, "{} bytes", text.len());
    // The default boundaries of an LSOA study are the same folder.
    let again = tmp.path().join("again.svg");
    let r = oa(&[
        "map",
        b,
        "--column",
        "score",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());

    // Blackpool alone, as PNG, with the national classes.
    let png = tmp.path().join("blackpool.png");
    let r = oa(&[
        "map",
        b,
        "--column",
        "score",
        "--within",
        "E06000009",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("94 areas of"), "{}", r.stderr);
    assert!(!r.stderr.contains("not on the map"), "{}", r.stderr);
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    let r = oa(&[
        "map",
        b,
        "--column",
        "score",
        "--within",
        "E06000058",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("oa geo history E06000058"),
        "{}",
        r.stderr
    );
}
