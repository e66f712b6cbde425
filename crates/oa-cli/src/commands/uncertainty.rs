//! `oa uncertainty STUDY [--data-dir DIR] [--samples N] [--seed S] --out OUT`: Monte Carlo
//! uncertainty of the ranking (per-area rank intervals and band probabilities) and, when
//! the study asks, Sobol sensitivity indices: `uncertainty.csv`, `uncertainty.svg` and
//! (with `[uncertainty.sobol]`) `sensitivity.csv`, `sensitivity.svg`; with a `[selection]`
//! also `p_selected` and `selection_stability.csv`. OUT may be a results bundle (the
//! files join it and its manifest) or any folder.

use crate::progress::Bar;
use oa_bundle::{MANIFEST_FILE, Section};
use oa_pipeline::Plan;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `oa uncertainty`.
#[derive(clap::Args)]
pub struct Args {
    /// The study file (TOML) with an `[uncertainty]` section.
    pub study: PathBuf,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Monte Carlo samples (default: the study's `uncertainty.samples`).
    #[arg(long, allow_negative_numbers = true)]
    pub samples: Option<i64>,
    /// Random seed (default: the study's `uncertainty.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (created; a results bundle gets the files added to it).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut plan = Plan::from_file(&args.study, args.data_dir.as_deref())?;
    plan.samples = args.samples;
    plan.seed = args.seed;
    let started = Instant::now();
    let bar = Bar::with_template(
        !args.quiet,
        "{msg:<12} [{bar:30}] {pos}/{len} runs, {per_sec}, ETA {eta}",
    );
    let analysis = oa_pipeline::uncertainty(&plan, &bar)?;
    drop(bar);
    let written = if args.out.join(MANIFEST_FILE).is_file() {
        let mut results = oa_bundle::read(&args.out).map_err(oa_pipeline::Error::from)?;
        results.uncertainty = Some(analysis.clone());
        oa_bundle::update(&args.out, &mut results, &[Section::Uncertainty])
    } else {
        oa_bundle::write_loose(&analysis.files(), &args.out)
    }
    .map_err(oa_pipeline::Error::from)?;
    if !args.quiet {
        println!(
            "{} samples on {} areas in {:.2} s; wrote {} to {}",
            plan.samples.unwrap_or_else(|| plan
                .study
                .uncertainty
                .as_ref()
                .map_or(0, |u| u.samples)),
            analysis.areas.area_code.len(),
            started.elapsed().as_secs_f64(),
            written.join(", "),
            args.out.display()
        );
        if let Some(st) = &analysis.stability {
            println!(
                "selection: same set as nominal in {} of samples, mean Jaccard {}; {} infeasible",
                st.share_equal_nominal, st.mean_jaccard, st.infeasible
            );
        }
    }
    Ok(())
}
