//! `oa demo [--out DIR] [--seed N]`: the main job on a fresh machine, with no download.
//!
//! Generates Synthland, an invented country (crate `oa-synth`, fixed seed), writes its
//! data and the demonstration study (`studies/demo.toml`, built into the binary) into
//! `DIR/input`, then runs the study end to end into `DIR/results`. Nothing in it is real
//! data, and every file says so.

use crate::exit;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The demonstration study, as shipped in `studies/demo.toml`.
pub const DEMO_STUDY: &str = include_str!("../../../../studies/demo.toml");

/// Arguments of `oa demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder for the generated data (`input/`) and the results bundle (`results/`).
    /// A previous demo folder is replaced; any other non-empty folder is refused.
    #[arg(long, default_value = "demo-results")]
    pub out: PathBuf,
    /// Seed of the synthetic country (the default always gives the same country).
    #[arg(long, default_value_t = oa_synth::DEFAULT_SEED)]
    pub seed: u64,
    /// Table formats of the results, comma-separated: csv (always), parquet, xlsx.
    #[arg(long, value_delimiter = ',', default_value = "csv")]
    pub format: Vec<oa_io::OutputFormat>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let input = write_input(&args.out, args.seed)?;
    let outcome = super::run::execute(&super::run::Args {
        study: input.join("demo.toml"),
        data_dir: None,
        out: Some(args.out.join("results")),
        format: args.format.clone(),
        quiet: args.quiet,
    })?;
    if !args.quiet {
        println!("Synthland (synthetic data, seed {}):", args.seed);
        print!("{}", outcome.summary);
        println!("  data and study: {} (synthetic)", input.display());
        println!(
            "  run it again: {} run {} --out {}",
            super::invoked_as(),
            input.join("demo.toml").display(),
            outcome.out.display()
        );
    }
    Ok(())
}

/// Writes the synthetic country and the study into `out/input` and returns that folder.
/// `out` must be absent, empty, or an earlier demo folder (it has `input/demo.toml`).
pub fn write_input(out: &Path, seed: u64) -> anyhow::Result<PathBuf> {
    if out.exists() {
        let is_dir = out.is_dir();
        let empty = is_dir
            && std::fs::read_dir(out)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        let earlier_demo = out.join("input").join("demo.toml").is_file();
        if !is_dir || !(empty || earlier_demo) {
            return Err(exit::user(format!(
                "{}: exists and is not an earlier `oa demo` folder; choose another --out",
                out.display()
            )));
        }
    }
    let country = oa_synth::generate(seed);
    let input = out.join("input");
    std::fs::create_dir_all(&input).with_context(|| format!("creating {}", input.display()))?;
    let files = [
        ("README.md", country.readme()),
        ("areas.csv", country.areas_csv()),
        ("indicators.csv", country.indicators_csv()),
        ("boundaries.geojson", country.boundaries_geojson()),
        ("demo.toml", DEMO_STUDY.to_string()),
    ];
    for (name, text) in files {
        let path = input.join(name);
        oa_io::write_file_atomic(&path, text.as_bytes()).map_err(exit::user)?;
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped demo study reads exactly the indicators the generator makes, in the
    /// same groups and directions.
    #[test]
    fn demo_study_matches_the_generator() {
        let study = oa_model::Study::from_toml_str(DEMO_STUDY, "demo.toml").unwrap();
        let country = oa_synth::generate(oa_synth::DEFAULT_SEED);
        assert_eq!(study.indicators.len(), country.indicators.len());
        for (s, g) in study.indicators.iter().zip(&country.indicators) {
            assert_eq!(s.id, g.id);
            assert_eq!(s.group.as_deref(), Some(g.group));
            let better = s.direction == oa_model::study::Direction::HigherIsBetter;
            assert_eq!(better, g.higher_is_better, "{}", s.id);
        }
    }
}
