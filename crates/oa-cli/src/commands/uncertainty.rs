//! `oa uncertainty STUDY [--data-dir DIR] [--samples N] [--seed S] --out OUT`: Monte Carlo
//! uncertainty of the ranking (per-area rank intervals and band probabilities) and, when
//! the study asks, Sobol sensitivity indices; writes `uncertainty.csv`, `uncertainty.svg`
//! and (with `[uncertainty.sobol]`) `sensitivity.csv`, `sensitivity.svg` into OUT.

use super::run::{data_dir_for, load_data, load_study};
use crate::exit;
use oa_engine::IndicatorMatrix;
use oa_model::Study;
use oa_model::study::uncertainty::{check_samples, check_sobol};
use oa_uncertainty::{Problem, Settings, SobolSettings, report, summary};
use std::path::{Path, PathBuf};
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
    /// Output directory (created; an existing results bundle gets the files added).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (study, _) = load_study(&args.study)?;
    let data_dir = data_dir_for(&args.study, args.data_dir.as_deref());
    let started = Instant::now();
    let files = analyse(&study, &data_dir, args.samples, args.seed, !args.quiet)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| exit::user(format!("{}: cannot create: {e}", args.out.display())))?;
    for (name, text) in &files.files {
        oa_io::bundle::write_file_atomic(&args.out.join(name), text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.join(name).display()))?;
    }
    if !args.quiet {
        println!(
            "{} runs ({} samples) on {} areas in {:.2} s; wrote {} to {}",
            files.runs,
            files.samples,
            files.areas,
            started.elapsed().as_secs_f64(),
            files
                .files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            args.out.display()
        );
    }
    Ok(())
}

/// The files of an analysis, computed before anything is written.
pub struct Files {
    pub files: Vec<(String, String)>,
    pub runs: usize,
    pub samples: usize,
    pub areas: usize,
}

/// Reads the data and runs the analysis of `study`'s `[uncertainty]` section.
pub fn analyse(
    study: &Study,
    data_dir: &Path,
    samples: Option<i64>,
    seed: Option<u64>,
    progress: bool,
) -> anyhow::Result<Files> {
    let Some(u) = &study.uncertainty else {
        return Err(exit::user(
            "the study has no [uncertainty] section: add one (see studies/imd2019-uncertainty.toml)",
        ));
    };
    let samples = samples.unwrap_or(u.samples);
    check_samples(samples).map_err(|m| exit::user(format!("--samples: {m}")))?;
    let seed = seed.unwrap_or(u.seed);
    let sobol = match u.sobol {
        Some(so) => {
            let base = so.samples.unwrap_or(samples);
            check_sobol(&so, base)
                .map_err(|(k, m)| exit::user(format!("`uncertainty.{k}`: {m}")))?;
            Some(SobolSettings {
                samples: base as usize,
                bootstrap: so.bootstrap as usize,
                confidence: so.confidence,
            })
        }
        None => None,
    };
    let data = load_data(study, data_dir)?;
    let se = if u.data_noise.is_some() {
        load_standard_errors(study, data_dir, &data.area_codes)?
    } else {
        Vec::new()
    };
    let codes = data.area_codes.clone();
    let matrix =
        IndicatorMatrix::new(data.indicator_ids, data.columns).with_area_codes(data.area_codes);
    let problem = Problem::prepare(study, &matrix, &se).map_err(exit::user)?;
    let settings = Settings {
        samples: samples as usize,
        seed,
        bins: summary::DEFAULT_BINS,
        sobol,
    };
    let bar = EtaBar::new(progress);
    let outcome = oa_uncertainty::run(&problem, &settings, &bar).map_err(exit::user)?;
    drop(bar);
    let title = &study.study.title;
    let mut files = vec![
        (
            "uncertainty.csv".to_string(),
            report::uncertainty_csv(&problem, &outcome, &codes, None),
        ),
        (
            "uncertainty.svg".to_string(),
            report::uncertainty_svg(
                &problem,
                &outcome,
                &format!("{title}: rank uncertainty ({samples} samples)"),
            ),
        ),
    ];
    if let Some(svg) = report::sensitivity_svg(&outcome, &format!("{title}: sensitivity")) {
        files.push(("sensitivity.csv".into(), report::sensitivity_csv(&outcome)));
        files.push(("sensitivity.svg".into(), svg));
    }
    Ok(Files {
        files,
        runs: outcome.runs,
        samples: samples as usize,
        areas: problem.n_areas(),
    })
}

/// Standard errors per indicator (study order), read like the indicators themselves but
/// from each indicator's `se_column`; `None` for indicators without one.
fn load_standard_errors(
    study: &Study,
    data_dir: &Path,
    codes: &[String],
) -> anyhow::Result<Vec<Option<Vec<f64>>>> {
    let mut se_study = study.clone();
    for ind in se_study.indicators.iter_mut() {
        if let Some(c) = &ind.se_column {
            ind.column = Some(c.clone());
        }
    }
    let se = oa_io::load_study_data(&se_study, data_dir)
        .map_err(|e| exit::user(format!("reading standard errors (`se_column`): {e}")))?;
    if se.area_codes != codes {
        return Err(exit::user(
            "standard errors: the areas read differ from the indicators' (check `se_column`)",
        ));
    }
    Ok(study
        .indicators
        .iter()
        .zip(se.columns)
        .map(|(ind, col)| ind.se_column.as_ref().map(|_| col))
        .collect())
}

/// A progress bar with an ETA on stderr (hidden when disabled or not a terminal).
pub struct EtaBar {
    bar: indicatif::ProgressBar,
}

impl EtaBar {
    pub fn new(enabled: bool) -> EtaBar {
        use std::io::IsTerminal;
        let bar = if enabled && std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:<12} [{bar:30}] {pos}/{len} runs, {per_sec}, ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        EtaBar { bar }
    }
}

impl oa_engine::Progress for EtaBar {
    fn start(&self, phase: &str, total: u64) {
        self.bar.reset();
        self.bar.set_length(total);
        self.bar.set_message(phase.to_string());
    }

    fn advance(&self, steps: u64) {
        self.bar.inc(steps);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for EtaBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
