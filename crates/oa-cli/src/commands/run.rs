//! `oa run STUDY [--data-dir DIR] [--out OUT] [--format csv,parquet,xlsx] [--quiet]`:
//! resolve the study, run it (`oa_pipeline::run`), write the bundle (`oa_bundle::write`,
//! all or nothing) and print a summary.

use crate::progress::Bar;
use oa_bundle::{Results, Section};
use oa_io::OutputFormat;
use oa_pipeline::Plan;
use std::path::{Path, PathBuf};

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
    let outcome = execute(&args)?;
    if !args.quiet {
        print!("{}", outcome.summary);
    }
    for note in &outcome.results.manifest.notes {
        eprintln!("note: {note}");
    }
    // The process ends here: freeing hundreds of thousands of strings and columns one by
    // one only delays the exit that returns them all at once.
    std::mem::forget(outcome);
    Ok(())
}

/// What a run produced.
pub struct Outcome {
    /// The bundle directory.
    pub out: PathBuf,
    pub results: Results,
    /// A short human summary (areas, bands, top and bottom areas, output path).
    pub summary: String,
}

/// Runs the study into its bundle. Used by `oa run` and `oa demo`.
pub fn execute(args: &Args) -> anyhow::Result<Outcome> {
    let mut plan = Plan::from_file(&args.study, args.data_dir.as_deref())?;
    plan.formats = args.format.clone();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&plan.study.study.id));
    oa_bundle::check_out(&out).map_err(oa_pipeline::Error::from)?;
    let bar = Bar::new(!args.quiet);
    let mut results = oa_pipeline::run(&plan, &bar)?;
    drop(bar);
    let out = oa_bundle::write(&mut results, &out).map_err(oa_pipeline::Error::from)?;
    let summary = summary(&results, &out);
    Ok(Outcome {
        out,
        results,
        summary,
    })
}

/// `0 dropped`, or how many were dropped for each reason.
fn dropped_reasons(coverage: &oa_bundle::Coverage, dropped: usize) -> String {
    let reasons: Vec<String> = oa_bundle::DropReason::ALL
        .into_iter()
        .map(|r| (coverage.dropped(r), r.label()))
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!("{n} {label}"))
        .collect();
    if reasons.is_empty() {
        format!("{dropped} dropped for coverage")
    } else {
        format!("{dropped} dropped: {}", reasons.join(", "))
    }
}

/// At most this many files of a section are named in the summary.
const SHOWN_FILES: usize = 16;

/// Areas, bands, the three areas at each end, the other sections and where the bundle is.
pub fn summary(r: &Results, out: &Path) -> String {
    use std::fmt::Write as _;
    let study = &r.study;
    let scores = &r.index.scores;
    let coverage = &r.index.coverage;
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", study.study.title, study.study.id);
    // Scores are in rank order, the unranked areas last.
    let ranked = scores.rank.iter().take_while(|r| r.is_some()).count();
    let dropped = coverage
        .status
        .iter()
        .filter(|s| **s == oa_bundle::AreaStatus::Dropped)
        .count();
    let _ = writeln!(
        s,
        "  areas: {} ranked of {} read ({}{}), {} indicators, {} values imputed",
        scores.len(),
        coverage.area_code.len(),
        dropped_reasons(coverage, dropped),
        match coverage.skipped.len() {
            0 => String::new(),
            n => format!("; {n} rows skipped, listed in coverage.csv"),
        },
        study.indicators.len(),
        coverage.imputed.iter().map(|&x| x as usize).sum::<usize>()
    );
    if !study.bands.named.is_empty() {
        let counts: Vec<String> = study
            .bands
            .named
            .iter()
            .map(|b| {
                let c = scores.band.iter().filter(|x| **x == b.name).count();
                format!("{} {c}", b.name)
            })
            .collect();
        let _ = writeln!(s, "  bands: {}", counts.join(", "));
    }
    if let Some(q) = study.bands.quantiles {
        let _ = writeln!(s, "  quantiles: {q} (1 = rank-1 end)");
    }
    let method = &r.manifest.method;
    if !method.is_empty() {
        let _ = writeln!(s, "  method as run:");
        let width = method.iter().map(|m| m.step.len()).max().unwrap_or(0);
        for m in method {
            let _ = writeln!(s, "    {:<width$}  {}", m.step, m.detail);
        }
    }
    let label = |i: usize| {
        format!(
            "#{} {} {} ({:.3})",
            scores.rank[i].unwrap_or(0),
            scores.area_code[i],
            scores.area_name[i],
            scores.score[i]
        )
    };
    // Up to three at each end, without showing an area twice.
    let show = (ranked / 2).clamp(1, 3).min(ranked);
    let (first, last) = match study.scoring.rank_1 {
        oa_model::study::End::Best => ("best", "worst"),
        oa_model::study::End::Worst => ("worst", "best"),
    };
    let _ = writeln!(s, "  rank 1 = {first}:");
    for i in 0..show {
        let _ = writeln!(s, "    {}", label(i));
    }
    let _ = writeln!(s, "  {last}:");
    for i in ranked - show..ranked {
        let _ = writeln!(s, "    {}", label(i));
    }
    for section in r.sections() {
        if section == Section::Index {
            continue;
        }
        let files: Vec<String> = r.files(section).iter().map(|f| f.name()).collect();
        // The evaluation draws a chart per treated area and comparison: name the first
        // files and count the rest.
        let listed = if files.len() > SHOWN_FILES {
            format!(
                "{}, and {} more",
                files[..SHOWN_FILES].join(", "),
                files.len() - SHOWN_FILES
            )
        } else {
            files.join(", ")
        };
        let _ = writeln!(s, "  {} ({listed})", section.name());
    }
    let _ = writeln!(s, "  results: {}", out.display());
    s
}
