//! `oa evaluate STUDY [--data-dir DIR] --out OUT`: run a study with an `[evaluation]`
//! section through its evaluation into a results bundle (as `oa run` does), and print the
//! overall estimates.
//!
//! The quick form, for a panel without a study: `oa evaluate --panel FILE --unit COL
//! --period COL --outcome COL (--treated COL | --first-treated COL) --method
//! did,cs,sc,sdid [--control never|not_yet] [--placebos N] [--seed S] --out DIR` writes
//! `evaluation.csv`, `weights.csv`, `evaluation_paths.csv`, `evaluation.md` and the
//! charts into DIR.

use crate::exit::user;
use oa_bundle::Evaluation;
use oa_evaluation::Method;
use oa_evaluation::cs::ControlGroup;
use oa_pipeline::{QuickPanel, QuickTreatment};
use std::path::PathBuf;

/// Callaway-Sant'Anna's control group in the quick form.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Units never treated within the panel.
    Never,
    /// Units not yet treated in each period, as well.
    NotYet,
}

/// Arguments of `oa evaluate`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The study file (TOML) with an `[evaluation]` section.
    #[arg(required_unless_present = "panel", conflicts_with = "panel")]
    pub study: Option<PathBuf>,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long, requires = "study")]
    pub data_dir: Option<PathBuf>,
    /// Quick form: a panel file (CSV with any delimiter, XLSX, ODS or Parquet), one row per
    /// unit and period.
    #[arg(long, requires_all = ["unit", "period", "outcome", "method"])]
    pub panel: Option<PathBuf>,
    /// Quick form: the unit column.
    #[arg(long, requires = "panel")]
    pub unit: Option<String>,
    /// Quick form: the period column.
    #[arg(long, requires = "panel")]
    pub period: Option<String>,
    /// Quick form: the outcome column.
    #[arg(long, requires = "panel")]
    pub outcome: Option<String>,
    /// Quick form: a 0/1 column, 1 where the unit is treated in that period.
    #[arg(long, requires = "panel", conflicts_with = "first_treated")]
    pub treated: Option<String>,
    /// Quick form: the first treated period of the row's unit (0 or empty = never).
    #[arg(long, requires = "panel")]
    pub first_treated: Option<String>,
    /// Quick form: methods, comma-separated: did, cs, sc, sdid, ri.
    #[arg(long, value_delimiter = ',', requires = "panel")]
    pub method: Vec<String>,
    /// Quick form: Callaway-Sant'Anna's control group.
    #[arg(long, value_enum, default_value = "never", requires = "panel")]
    pub control: Control,
    /// Quick form: placebo replications of did and sdid.
    #[arg(long, default_value_t = 200, requires = "panel")]
    pub placebos: usize,
    /// Quick form: the random seed.
    #[arg(long, default_value_t = 1, requires = "panel")]
    pub seed: u64,
    /// The results bundle (study form) or folder (quick form) to write.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match &args.panel {
        Some(panel) => quick(&args, panel),
        None => study(&args),
    }
}

fn study(args: &Args) -> anyhow::Result<()> {
    let Some(path) = &args.study else {
        return Err(user("name a study file, or a panel with --panel"));
    };
    let plan = oa_pipeline::Plan::from_file(path, args.data_dir.as_deref())?;
    if plan.study.evaluation.is_none() {
        return Err(user(format!(
            "{}: the study has no [evaluation] section; add one (see README, `oa evaluate`) or use `oa run`",
            path.display()
        )));
    }
    let outcome = super::run::execute(&super::run::Args {
        study: path.clone(),
        data_dir: args.data_dir.clone(),
        out: Some(args.out.clone()),
        format: vec![oa_io::OutputFormat::Csv],
        quiet: args.quiet,
    })?;
    if !args.quiet {
        if let Some(ev) = &outcome.results.evaluation {
            print!("{}", headline(ev));
        }
        println!("  results: {}", outcome.out.display());
    }
    for note in &outcome.results.manifest.notes {
        eprintln!("note: {note}");
    }
    Ok(())
}

fn quick(args: &Args, panel: &std::path::Path) -> anyhow::Result<()> {
    let treatment = match (&args.treated, &args.first_treated) {
        (Some(c), None) => QuickTreatment::Indicator(c.clone()),
        (None, Some(c)) => QuickTreatment::FirstTreated(c.clone()),
        _ => {
            return Err(user(
                "say who is treated: --treated COL (0/1 per row) or --first-treated COL (first treated period per unit)",
            ));
        }
    };
    let mut methods = Vec::new();
    for m in &args.method {
        match Method::from_code(m.trim()) {
            Some(Method::Rd) | None => {
                return Err(user(format!(
                    "--method: `{m}` is not one of did, cs, sc, sdid, ri"
                )));
            }
            Some(method) if !methods.contains(&method) => methods.push(method),
            Some(_) => {}
        }
    }
    let q = QuickPanel {
        label: panel.display().to_string(),
        unit: args.unit.clone().unwrap_or_default(),
        period: args.period.clone().unwrap_or_default(),
        outcome: args.outcome.clone().unwrap_or_default(),
        treatment,
        methods,
        control: match args.control {
            Control::Never => ControlGroup::NeverTreated,
            Control::NotYet => ControlGroup::NotYetTreated,
        },
        placebos: args.placebos,
        seed: args.seed,
    };
    let ev = oa_pipeline::evaluate_panel(panel, &q)?;
    let written =
        oa_bundle::write_loose(&ev.files(), &args.out).map_err(oa_pipeline::Error::from)?;
    if !args.quiet {
        print!("{}", headline(&ev));
        println!("  wrote {} files to {}", written.len(), args.out.display());
    }
    Ok(())
}

/// One line per overall estimate: method, outcome, comparison, estimate, interval, p.
fn headline(ev: &Evaluation) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in ev.estimates.iter().filter(|r| r.is_overall()) {
        // What the method measured of its uncertainty: an interval, a p-value, or neither.
        let mut uncertainty = Vec::new();
        if let Some((low, high)) = r.interval() {
            uncertainty.push(format!("interval {low:.4} to {high:.4}"));
        }
        uncertainty.extend(r.p_value_text());
        if uncertainty.is_empty() {
            uncertainty.push("uncertainty not measured".into());
        }
        let _ = writeln!(
            s,
            "  {} {} vs {}: {:.4} ({}; {})",
            r.method.code(),
            r.outcome,
            r.comparison,
            r.estimate,
            uncertainty.join(", "),
            r.counts_in_words()
        );
    }
    s
}
