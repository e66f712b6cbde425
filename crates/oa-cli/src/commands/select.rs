//! `oa select OUT [--study FILE] [--data-dir DIR]`: choose areas on an existing results
//! bundle by its study's `[selection]`, writing `selection.csv` and `selection.md` into it.

use crate::exit;
use crate::stages::selection;
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
    let (study, data_dir) =
        open_bundle(&args.out, args.study.as_deref(), args.data_dir.as_deref())?;
    if study.selection.is_none() {
        return Err(exit::user(format!(
            "{}: the study declares no [selection]; add one to choose areas, or give another study with --study FILE",
            study_file(&args.out, args.study.as_deref()).display()
        )));
    }
    let files = selection::compute_files(&study, &data_dir, &args.out)?;
    let written = commit(&args.out, files)?;
    println!("wrote {} into {}", written.join(", "), args.out.display());
    Ok(())
}

/// The study and data directory of a bundle: `--study` or `OUT/study.toml`, `--data-dir`
/// or the manifest's `data_dir`.
pub fn open_bundle(
    out: &Path,
    study: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<(oa_model::Study, PathBuf)> {
    if !out.join("manifest.json").is_file() {
        return Err(exit::user(format!(
            "{}: not a results bundle (no manifest.json); run `oa run STUDY --out {}` first",
            out.display(),
            out.display()
        )));
    }
    let study_path = study_file(out, study);
    let (study, _) = crate::commands::run::load_study(&study_path)?;
    let data_dir = match data_dir {
        Some(d) => d.to_path_buf(),
        None => {
            let manifest = oa_io::bundle::read_manifest(out).map_err(exit::user)?;
            PathBuf::from(manifest.data_dir)
        }
    };
    Ok((study, data_dir))
}

/// The study a bundle command reads: `--study` or the bundle's own copy.
pub fn study_file(out: &Path, study: Option<&Path>) -> PathBuf {
    study
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out.join("study.toml"))
}

/// Replaces or adds files in the bundle, all at once, and refreshes its manifest.
pub fn commit(out: &Path, files: Vec<(String, Vec<u8>)>) -> anyhow::Result<Vec<String>> {
    let mut update = oa_io::bundle::BundleUpdate::open(out).map_err(exit::user)?;
    for (name, bytes) in &files {
        update.write_file(name, bytes)?;
    }
    Ok(update.commit()?)
}
