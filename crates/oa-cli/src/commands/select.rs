//! `oa select OUT [--study FILE] [--data-dir DIR]`: choose areas on an existing results
//! bundle by its study's `[selection]`, writing `selection.csv` and `selection.md` into it.

use crate::exit;
use oa_bundle::{Results, Section};
use oa_pipeline::Plan;
use std::path::{Path, PathBuf};

/// Arguments of `oa select`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The results bundle (written by `oa run`).
    pub out: PathBuf,
    /// The study to use (default: the bundle's `study.toml`).
    #[arg(long)]
    pub study: Option<PathBuf>,
    /// The data directory (default: the one recorded in the bundle's manifest).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (plan, mut results) =
        open_bundle(&args.out, args.study.as_deref(), args.data_dir.as_deref())?;
    if plan.study.selection.is_none() {
        return Err(exit::user(format!(
            "{}: the study declares no [selection]; add one to choose areas, or give another study with --study FILE",
            plan.study_path
        )));
    }
    results.selection = Some(oa_pipeline::select(&plan, &results)?);
    let written = oa_bundle::update(&args.out, &mut results, &[Section::Selection])
        .map_err(oa_pipeline::Error::from)?;
    println!("wrote {} into {}", written.join(", "), args.out.display());
    Ok(())
}

/// A bundle read back and the plan to work on it: the study of `--study` or the bundle's
/// own copy, the data directory of `--data-dir` or the manifest's.
pub fn open_bundle(
    out: &Path,
    study: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<(Plan, Results)> {
    let results = oa_bundle::read(out).map_err(oa_pipeline::Error::from)?;
    let data_dir = match data_dir {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from(&results.manifest.data_dir),
    };
    let plan = match study {
        Some(path) => Plan::from_file(path, Some(&data_dir))?,
        None => Plan::from_toml(
            results.study_toml.clone(),
            &out.join("study.toml").display().to_string(),
            data_dir,
        )?,
    };
    Ok((plan, results))
}
