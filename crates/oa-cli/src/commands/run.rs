//! `oa run STUDY [--data-dir DIR] [--out OUT] [--format csv,parquet,xlsx] [--quiet]`.
//!
//! Parse and validate the study, read its data (oa-io), compute the index (oa-engine),
//! write the core tables, then call each stage the study declares (see [`crate::stages`]),
//! all into a staging directory that is renamed into place only when everything worked:
//! an error leaves no partial output.

use crate::exit;
use crate::stages::{self, Bar, RunContext};
use anyhow::Context;
use oa_engine::{IndexResult, IndicatorMatrix};
use oa_io::{BundleWriter, Manifest, OutputFormat, StudyData, Table};
use oa_model::Study;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `oa run`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The study file (TOML).
    pub study: PathBuf,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The results bundle to write (default: `out/<study id>`). A previous bundle there is
    /// replaced; any other non-empty folder is refused.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Table formats, comma-separated: csv (always written), parquet, xlsx.
    #[arg(long, value_delimiter = ',', default_value = "csv")]
    pub format: Vec<OutputFormat>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quiet = args.quiet;
    let outcome = execute(&args)?;
    if !quiet {
        print!("{}", outcome.summary);
    }
    Ok(())
}

/// What a run produced.
pub struct Outcome {
    /// The bundle directory.
    pub out: PathBuf,
    /// A short human summary (areas, bands, top and bottom areas, output path).
    pub summary: String,
}

/// Reads and validates a study file; every problem is a user error naming the file and
/// key.
pub fn load_study(path: &Path) -> anyhow::Result<(Study, Vec<u8>)> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => exit::user(format!(
            "{}: study file not found; check the path (`oa init` writes one to start from)",
            path.display()
        )),
        _ => exit::user(format!("{}: cannot read: {e}", path.display())),
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        exit::user(format!(
            "{}: not UTF-8 text (byte {}); save the study as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let study = Study::from_toml_str(&text, &path.display().to_string()).map_err(exit::user)?;
    Ok((study, bytes))
}

/// `--data-dir`, else the study file's folder.
pub fn data_dir_for(study_path: &Path, data_dir: Option<&Path>) -> PathBuf {
    match data_dir {
        Some(d) => d.to_path_buf(),
        None => match study_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    }
}

/// Reads the study's data and checks it against the geography's reference list of codes
/// (when the study gives one). Fills in area names from that list when the data has none.
pub fn load_data(study: &Study, data_dir: &Path) -> anyhow::Result<StudyData> {
    if !data_dir.is_dir() {
        return Err(exit::user(format!(
            "{}: data directory not found; give --data-dir (default: the study file's folder)",
            data_dir.display()
        )));
    }
    check_referenced_files(study, data_dir)?;
    let mut data = oa_io::load_study_data(study, data_dir).map_err(exit::user)?;
    check_code_types(study, &data)?;
    if let Some(reference) = &study.geography.areas {
        check_geography(study, reference, data_dir, &mut data)?;
    }
    Ok(data)
}

/// ONS GSS entity codes (the first three characters) each well-known area type allows.
const GSS_TYPES: &[(&str, &[&str])] = &[
    ("lsoa", &["E01", "W01"]),
    ("msoa", &["E02", "W02"]),
    ("lad", &["E06", "E07", "E08", "E09", "W06", "S12", "N09"]),
    ("ltla", &["E06", "E07", "E08", "E09", "W06", "S12", "N09"]),
    ("utla", &["E06", "E08", "E09", "E10", "W06", "S12", "N09"]),
    ("region", &["E12"]),
];

/// What a GSS entity code is, for messages.
fn gss_entity(prefix: &str) -> &'static str {
    match prefix {
        "E01" | "W01" => "an LSOA",
        "E02" | "W02" => "an MSOA",
        "E06" | "W06" => "a unitary authority",
        "E07" => "a shire district",
        "E08" => "a metropolitan district",
        "E09" => "a London borough",
        "E10" => "a county",
        "E12" => "a region",
        "E92" | "W92" | "S92" | "N92" => "a country",
        _ => "another kind of",
    }
}

/// For the well-known area types, a code shaped like a GSS code (`E01000001`) must be of
/// an entity the type allows: an LSOA code in a district study is an error naming both.
fn check_code_types(study: &Study, data: &StudyData) -> anyhow::Result<()> {
    let geo = &study.geography;
    let Some((_, allowed)) = GSS_TYPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(&geo.area_type))
    else {
        return Ok(());
    };
    let is_gss = |c: &str| {
        c.len() == 9
            && matches!(c.as_bytes()[0], b'E' | b'W' | b'S' | b'N')
            && c.as_bytes()[1..].iter().all(u8::is_ascii_digit)
    };
    if let Some(code) = data
        .area_codes
        .iter()
        .find(|c| is_gss(c) && !allowed.contains(&&c[..3]))
    {
        let source = study
            .indicators
            .first()
            .and_then(|i| study.source_of(i))
            .map(|s| format!("{}, column `{}`", s.path, s.code_column))
            .unwrap_or_default();
        return Err(exit::user(format!(
            "{source}: area code `{code}` is {} code ({}), not a {} {} code ({}); fix the data, or set `geography.area_type` or `geography.code_prefixes`",
            gss_entity(&code[..3]),
            &code[..3],
            geo.area_type,
            geo.vintage,
            allowed.join(", ")
        )));
    }
    Ok(())
}

/// Files the optional sections name (roll-up tables, boundaries, selection tables) must
/// exist before anything is computed; the error names the study key.
pub fn referenced_files(study: &Study) -> Vec<(String, String)> {
    let mut files = Vec::new();
    if let Some(r) = &study.rollup {
        if let Some(p) = &r.parent.path {
            files.push(("rollup.parent.path".to_string(), p.clone()));
        }
        if let Some(p) = &r.population.path {
            files.push(("rollup.population.path".to_string(), p.clone()));
        }
    }
    if let Some(b) = study.spatial.as_ref().and_then(|s| s.boundaries.as_ref()) {
        files.push(("spatial.boundaries".to_string(), b.clone()));
    }
    if let Some(s) = &study.selection {
        if let Some(u) = &s.universe {
            files.push(("selection.universe.path".to_string(), u.path.clone()));
        }
        for (i, m) in s.measures.iter().enumerate() {
            files.push((format!("selection.measures[{i}].path"), m.path.clone()));
        }
    }
    if let Some(b) = study.maps.as_ref().and_then(|m| m.boundaries.as_ref()) {
        files.push(("maps.boundaries".to_string(), b.clone()));
    }
    files
}

fn check_referenced_files(study: &Study, data_dir: &Path) -> anyhow::Result<()> {
    for (key, path) in referenced_files(study) {
        if !data_dir.join(&path).is_file() {
            return Err(exit::user(format!(
                "{}: file not found (study key `{key}`); check the path and --data-dir",
                data_dir.join(&path).display()
            )));
        }
    }
    Ok(())
}

/// Every area code must be in the geography's reference list; a code that the list
/// mentions elsewhere (e.g. as a later successor) is reported with that cell, which says
/// which vintage it belongs to.
fn check_geography(
    study: &Study,
    reference: &oa_model::study::Source,
    data_dir: &Path,
    data: &mut StudyData,
) -> anyhow::Result<()> {
    let table = oa_io::read_table(&data_dir.join(&reference.path), reference)
        .map_err(|e| exit::user(format!("geography.areas: {e}")))?;
    let column = |name: &str| -> anyhow::Result<&Vec<String>> {
        table
            .headers
            .iter()
            .position(|h| h == name)
            .map(|i| &table.columns[i])
            .ok_or_else(|| {
                exit::user(format!(
                    "{}: no column `{name}`; fix `geography.areas` in the study",
                    reference.path
                ))
            })
    };
    let codes = column(&reference.code_column)?;
    let names: HashMap<&str, &str> = match &reference.name_column {
        Some(n) => codes
            .iter()
            .map(String::as_str)
            .zip(column(n)?.iter().map(String::as_str))
            .collect(),
        None => HashMap::new(),
    };
    let known: std::collections::HashSet<&str> = codes.iter().map(String::as_str).collect();
    let geo = &study.geography;
    for code in &data.area_codes {
        if known.contains(code.as_str()) {
            continue;
        }
        let source = study
            .indicators
            .first()
            .and_then(|i| study.source_of(i))
            .map(|s| format!("{}, column `{}`", s.path, s.code_column))
            .unwrap_or_default();
        // The most telling mention: the longest cell holding the code (e.g.
        // `2019:E06000058 Bournemouth, Christchurch and Poole` over a bare `E06000058`).
        let elsewhere = table
            .headers
            .iter()
            .zip(&table.columns)
            .filter(|(h, _)| **h != reference.code_column)
            .flat_map(|(h, col)| {
                col.iter()
                    .enumerate()
                    .filter(|(_, cell)| cell.contains(code.as_str()))
                    .map(move |(row, cell)| (h, row, cell))
            })
            .max_by_key(|(_, _, cell)| cell.len())
            .map(|(h, row, cell)| {
                format!(
                    "; it appears as `{cell}` in column `{h}` for {}",
                    codes.get(row).map(String::as_str).unwrap_or("?"),
                )
            })
            .unwrap_or_default();
        return Err(exit::user(format!(
            "{source}: area code `{code}` is not a {} {} area (not in {}){elsewhere}; map the data to {} codes or exclude it under [geography]",
            geo.area_type, geo.vintage, reference.path, geo.vintage
        )));
    }
    if data.area_names.iter().all(String::is_empty) && !names.is_empty() {
        data.area_names = data
            .area_codes
            .iter()
            .map(|c| {
                names
                    .get(c.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
    }
    Ok(())
}

/// Runs the study into its bundle. Used by `oa run` and `oa demo`.
pub fn execute(args: &Args) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut timings: Vec<(String, std::time::Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut mark = |name: &str, timings: &mut Vec<(String, std::time::Duration)>| {
        timings.push((name.to_string(), lap.elapsed()));
        lap = Instant::now();
    };

    let (study, study_bytes) = load_study(&args.study)?;
    let data_dir = data_dir_for(&args.study, args.data_dir.as_deref());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&study.study.id));
    check_out(&out)?;
    mark("parse study", &mut timings);

    let bar = Bar::new(!args.quiet);
    bar.spin("Reading data");
    let data = load_data(&study, &data_dir)?;
    mark("read data", &mut timings);

    let matrix = IndicatorMatrix::new(data.indicator_ids.clone(), data.columns.clone())
        .with_area_codes(data.area_codes.clone());
    let result = oa_engine::compute_index(&study, &matrix, &bar)
        .map_err(|e| exit::user(format!("{}: {e}", args.study.display())))?;
    oa_engine::Progress::finish(&bar);
    mark("compute index", &mut timings);

    let bundle = BundleWriter::create(&out).map_err(exit::user)?;
    let mut formats = args.format.clone();
    formats.push(OutputFormat::Csv);
    let order = rank_order(&result);
    // The three tables are independent: build and write them side by side.
    let write = |stem: &str, table: Table| bundle.write_table(stem, &table, &formats);
    let ((scores, indicators), coverage) = rayon::join(
        || {
            rayon::join(
                || write("scores", scores_table(&study, &data, &result, &order)),
                || write("indicators", indicators_table(&data, &result, &order)),
            )
        },
        || write("coverage", coverage_table(&study, &data, &result)),
    );
    for written in [scores, indicators, coverage] {
        written.map_err(exit::user)?;
    }
    bundle
        .write_file("study.toml", &study_bytes)
        .map_err(exit::user)?;
    mark("write tables", &mut timings);

    let ctx = RunContext {
        study: &study,
        study_path: &args.study,
        data_dir: &data_dir,
        out: bundle.dir(),
        progress: !args.quiet,
    };
    let stage_timings = stages::run_declared(&ctx)?;
    if !stage_timings.is_empty() {
        // Stages may rewrite the tables (rollup rewrites scores): hash what they left.
        bundle.forget_digests();
    }
    drop(bar);

    let mut manifest = Manifest::from_study_bytes(
        env!("CARGO_PKG_VERSION"),
        &study,
        &args.study.display().to_string(),
        &study_bytes,
        &data_dir,
    );
    manifest.add_inputs(&data.inputs);
    // Files the geography check and the stages read are inputs too.
    let mut others: Vec<String> = referenced_files(&study).into_iter().map(|f| f.1).collect();
    others.extend(study.geography.areas.iter().map(|a| a.path.clone()));
    for path in others {
        let digest = oa_io::digest::digest_file(&data_dir.join(&path), &path)
            .with_context(|| format!("hashing {path}"))?;
        manifest.add_inputs(&[digest]);
    }
    for (name, d) in &timings {
        manifest.add_timing(name, *d);
    }
    for (name, secs, _files) in &stage_timings {
        manifest.add_timing(name, std::time::Duration::from_secs_f64(*secs));
    }
    manifest.add_timing("total", started.elapsed());
    let out = bundle
        .finish(&mut manifest)
        .with_context(|| format!("finishing the bundle {}", out.display()))?;
    let stage_files: Vec<String> = stage_timings
        .iter()
        .map(|(name, _, files)| {
            if files.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({})", files.join(", "))
            }
        })
        .collect();
    let summary = summary(&study, &data, &result, &order, &out, &stage_files);
    Ok(Outcome { out, summary })
}

/// Refuses an unusable --out before any work (the bundle writer checks again when it
/// starts): a file, or a non-empty folder that is not an earlier bundle.
fn check_out(out: &Path) -> anyhow::Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(exit::user(format!(
            "{}: exists and is not a directory; choose another --out",
            out.display()
        )));
    }
    let non_empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !out.join(oa_io::MANIFEST_FILE).is_file() {
        return Err(exit::user(format!(
            "{}: refusing to overwrite a non-empty directory that is not an `oa` results bundle (no manifest.json); choose another --out or empty it",
            out.display()
        )));
    }
    Ok(())
}

/// Kept areas (positions into the result's per-area vectors) by rank, ties and unranked
/// areas by code.
fn rank_order(result: &IndexResult) -> Vec<usize> {
    let mut order: Vec<usize> = (0..result.n_areas()).collect();
    let rank = &result.index.rank;
    order.sort_by_key(|&i| (if rank[i] == 0 { u32::MAX } else { rank[i] }, i));
    order
}

fn rank_column(ranks: &[u32], order: &[usize]) -> Vec<Option<i64>> {
    order
        .iter()
        .map(|&i| (ranks[i] > 0).then_some(i64::from(ranks[i])))
        .collect()
}

/// `area_code, area_name, score, rank, band`, then `quantile` when declared, then
/// `score_<group>, rank_<group>` per group.
fn scores_table(study: &Study, data: &StudyData, r: &IndexResult, order: &[usize]) -> Table {
    let code = |i: usize| data.area_codes[r.kept[i]].clone();
    let name = |i: usize| data.area_names.get(r.kept[i]).cloned().unwrap_or_default();
    let mut t = Table::new();
    t.push_text("area_code", order.iter().map(|&i| code(i)).collect())
        .push_text("area_name", order.iter().map(|&i| name(i)).collect())
        .push_float("score", order.iter().map(|&i| r.index.score[i]).collect())
        .push_opt_int("rank", rank_column(&r.index.rank, order))
        .push_text(
            "band",
            order
                .iter()
                .map(|&i| r.band_of(i).unwrap_or_default().to_string())
                .collect(),
        );
    if let Some(q) = &r.quantile {
        t.push_opt_int(
            "quantile",
            order
                .iter()
                .map(|&i| (q[i] > 0).then_some(i64::from(q[i])))
                .collect(),
        );
    }
    for g in &study.groups {
        if let Some(node) = r.node(&g.id) {
            t.push_float(
                format!("score_{}", g.id),
                order.iter().map(|&i| node.score[i]).collect(),
            );
            t.push_opt_int(format!("rank_{}", g.id), rank_column(&node.rank, order));
        }
    }
    t
}

/// The normalised values (oriented to the score), one column per indicator.
fn indicators_table(data: &StudyData, r: &IndexResult, order: &[usize]) -> Table {
    let mut t = Table::new();
    t.push_text(
        "area_code",
        order
            .iter()
            .map(|&i| data.area_codes[r.kept[i]].clone())
            .collect(),
    )
    .push_text(
        "area_name",
        order
            .iter()
            .map(|&i| data.area_names.get(r.kept[i]).cloned().unwrap_or_default())
            .collect(),
    );
    for (id, col) in r.indicator_ids.iter().zip(&r.normalised) {
        t.push_float(id.clone(), order.iter().map(|&i| col[i]).collect());
    }
    t
}

/// Per area read: indicators present, coverage share, values imputed, kept or dropped.
fn coverage_table(study: &Study, data: &StudyData, r: &IndexResult) -> Table {
    let n = data.area_codes.len();
    let k = study.indicators.len();
    let mut imputed = vec![0i64; n];
    for c in &r.imputed {
        if let Some(x) = imputed.get_mut(c.area) {
            *x += 1;
        }
    }
    let present: Vec<i64> = (0..n)
        .map(|a| data.columns.iter().filter(|col| !col[a].is_nan()).count() as i64)
        .collect();
    let mut kept = vec![false; n];
    for &a in &r.kept {
        kept[a] = true;
    }
    let mut t = Table::new();
    t.push_text("area_code", data.area_codes.clone())
        .push_text(
            "area_name",
            (0..n)
                .map(|a| data.area_names.get(a).cloned().unwrap_or_default())
                .collect(),
        )
        .push_int("indicators", vec![k as i64; n])
        .push_int("present", present)
        .push_float_fixed("coverage", r.coverage.clone(), 4)
        .push_int("imputed", imputed)
        .push_text(
            "status",
            kept.iter()
                .map(|&x| if x { "kept" } else { "dropped" }.to_string())
                .collect(),
        );
    t
}

fn summary(
    study: &Study,
    data: &StudyData,
    r: &IndexResult,
    order: &[usize],
    out: &Path,
    stages: &[String],
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", study.study.title, study.study.id);
    let _ = writeln!(
        s,
        "  areas: {} ranked of {} read ({} dropped for coverage), {} indicators, {} values imputed",
        r.n_areas(),
        data.area_codes.len(),
        r.dropped.len(),
        study.indicators.len(),
        r.imputed.len()
    );
    if !r.band_names.is_empty() {
        let counts: Vec<String> = r
            .band_names
            .iter()
            .enumerate()
            .map(|(b, name)| {
                let c = r.band.iter().filter(|x| **x == Some(b as u16)).count();
                format!("{name} {c}")
            })
            .collect();
        let _ = writeln!(s, "  bands: {}", counts.join(", "));
    }
    if let Some(q) = study.bands.quantiles {
        let _ = writeln!(s, "  quantiles: {q} (1 = rank-1 end)");
    }
    let label = |i: usize| {
        let a = r.kept[i];
        let name = data.area_names.get(a).map(String::as_str).unwrap_or("");
        format!(
            "#{} {} {} ({:.3})",
            r.index.rank[i], data.area_codes[a], name, r.index.score[i]
        )
    };
    let ranked: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| r.index.rank[i] > 0)
        .collect();
    // Up to three at each end, without showing an area twice.
    let show = (ranked.len() / 2).clamp(1, 3).min(ranked.len());
    let first = match study.scoring.rank_1 {
        oa_model::study::End::Best => "best",
        oa_model::study::End::Worst => "worst",
    };
    let last = if first == "best" { "worst" } else { "best" };
    let _ = writeln!(s, "  rank 1 = {first}:");
    for &i in &ranked[..show] {
        let _ = writeln!(s, "    {}", label(i));
    }
    let _ = writeln!(s, "  {last}:");
    for &i in &ranked[ranked.len() - show..] {
        let _ = writeln!(s, "    {}", label(i));
    }
    if !stages.is_empty() {
        for stage in stages {
            let _ = writeln!(s, "  {stage}");
        }
    }
    let _ = writeln!(s, "  results: {}", out.display());
    s
}
