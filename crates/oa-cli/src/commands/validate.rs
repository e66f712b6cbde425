//! `oa validate STUDY [--data-dir DIR]`: checks the study and its data as `oa run` would
//! (files, sources, the index, boundaries, selection, funds, uncertainty settings, maps)
//! without writing anything; prints what it checked, and every problem at once.

use oa_pipeline::Plan;
use oa_pipeline::record::listed;
use std::path::PathBuf;

/// Arguments of `oa validate`.
#[derive(clap::Args)]
pub struct Args {
    /// The study file (TOML).
    pub study: PathBuf,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (report, problems) = check(&args)?;
    print!("{report}");
    // Every problem on its own line; the last one decides the exit code.
    let mut problems = problems;
    let Some(last) = problems.pop() else {
        return Ok(());
    };
    for p in &problems {
        eprintln!("error: {p}");
    }
    Err(last.into())
}

/// Runs every check; returns the report (what was checked, and `ok` when nothing is
/// wrong) and the problems found, in study order. A study file that cannot be read or
/// parsed is an error at once (nothing else can be checked).
pub fn check(args: &Args) -> anyhow::Result<(String, Vec<oa_pipeline::Error>)> {
    use std::fmt::Write as _;
    let plan = Plan::from_file(&args.study, args.data_dir.as_deref())?;
    let study = &plan.study;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "study {}: `{}` (schema {}), {} indicators in {} groups, {} sources",
        args.study.display(),
        study.study.id,
        study.schema,
        study.indicators.len(),
        study.groups.len(),
        study.sources.len()
    );
    let v = oa_pipeline::validate(&plan);
    if let Some(data) = &v.data {
        for input in &data.inputs {
            let _ = writeln!(s, "read {} ({} bytes)", input.path, input.bytes);
        }
        let _ = writeln!(
            s,
            "areas: {} kept of {} read ({} {}{})",
            data.len(),
            data.areas_read,
            study.geography.area_type,
            study.geography.vintage,
            match &study.geography.areas {
                Some(r) => format!(", every code found in {}", r.path),
                None => String::new(),
            }
        );
        let id_width = study
            .indicators
            .iter()
            .map(|i| i.id.len())
            .max()
            .unwrap_or(0);
        for (i, ind) in study.indicators.iter().enumerate() {
            let present = data.columns[i].iter().filter(|v| !v.is_nan()).count();
            let missing: Vec<String> = data.missing[i]
                .iter()
                .map(|(marker, n)| format!("{n} `{marker}`"))
                .collect();
            let _ = writeln!(
                s,
                "  {:<id_width$} {} of {} values{}",
                ind.id,
                present,
                data.len(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" (missing: {})", missing.join(", "))
                }
            );
        }
        for r in &data.reads {
            if r.period.is_some() || data.reads.len() > 1 {
                let _ = writeln!(
                    s,
                    "source {}: {} rows read, {} areas{}",
                    r.source,
                    r.rows_read,
                    r.areas,
                    r.period
                        .as_deref()
                        .map(|p| format!(", period {p}"))
                        .unwrap_or_default()
                );
            }
        }
        for j in &data.joins {
            if !j.missing_codes.is_empty() {
                let _ = writeln!(
                    s,
                    "join {}: no row for {} areas: {}",
                    j.source,
                    j.missing_codes.len(),
                    listed(&j.missing_codes)
                );
            }
            if !j.unmatched_codes.is_empty() {
                let _ = writeln!(
                    s,
                    "join {}: {} codes not used (not areas of the study): {}",
                    j.source,
                    j.unmatched_codes.len(),
                    listed(&j.unmatched_described())
                );
            }
        }
    }
    let missing_files: Vec<&str> = v
        .problems
        .iter()
        .filter(|p| p.code == oa_pipeline::Code::DataMissing)
        .map(|p| p.message.as_str())
        .collect();
    for (key, path) in oa_pipeline::referenced_files(study) {
        if !missing_files
            .iter()
            .any(|m| m.contains(&format!("`{key}`")))
        {
            let _ = writeln!(s, "found {path} ({key})");
        }
    }
    for line in &v.checked {
        let _ = writeln!(s, "{line}");
    }
    for note in &v.notes {
        let _ = writeln!(s, "note: {note}");
    }
    if v.problems.is_empty() {
        let _ = writeln!(s, "ok: the study and its data are valid");
    } else {
        let _ = writeln!(
            s,
            "{} problem{} found (below)",
            v.problems.len(),
            if v.problems.len() == 1 { "" } else { "s" }
        );
    }
    Ok((s, v.problems))
}
