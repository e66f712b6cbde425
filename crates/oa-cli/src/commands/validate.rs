//! `oa validate STUDY [--data-dir DIR]`: checks the study and that every file, column and
//! area code it needs is readable, without computing anything; prints what it checked.

use oa_pipeline::Plan;
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
    print!("{}", check(&args)?);
    Ok(())
}

/// Runs every check and returns the report printed on success.
pub fn check(args: &Args) -> anyhow::Result<String> {
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
    let data = oa_pipeline::load_data(&plan)?;
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
    for (key, path) in oa_pipeline::referenced_files(study) {
        let _ = writeln!(s, "found {path} ({key})");
    }
    for j in &data.joins {
        if !j.missing_codes.is_empty() || !j.unmatched_codes.is_empty() {
            let _ = writeln!(
                s,
                "join {}: {} areas without a row, {} codes not used",
                j.source,
                j.missing_codes.len(),
                j.unmatched_codes.len()
            );
        }
    }
    let _ = writeln!(s, "ok: the study and its data are valid");
    Ok(s)
}
