//! `oa allocate OUT [--study FILE]`: allocate the study's funds over a results bundle's
//! selected areas, writing `funds.csv`, `allocations.csv` and `allocations.md` into it.

use crate::commands::select::open_bundle;
use oa_bundle::Section;
use std::path::PathBuf;

/// Arguments of `oa allocate`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The results bundle (with `selection.csv` when a fund pays the selected areas).
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
    if plan.study.funds.is_empty() {
        return Err(crate::exit::user(format!(
            "{}: the study declares no [[funds]]; add one to allocate money, or give another study with --study FILE",
            plan.study_path
        )));
    }
    results.funding = Some(oa_pipeline::allocate(&plan, &results)?);
    let written = oa_bundle::update(&args.out, &mut results, &[Section::Funding])
        .map_err(oa_pipeline::Error::from)?;
    println!("wrote {} into {}", written.join(", "), args.out.display());
    Ok(())
}
