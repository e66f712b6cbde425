//! `oa audit STUDY [--data-dir DIR] --out OUT`: the JRC/OECD statistical audit of a
//! study's index (indicator statistics, correlations with flags, Cronbach's alpha, PCA per
//! group, effective weights, ranks without each indicator, strengths and weaknesses, and
//! optimised weights with `[audit.optimise]`): `audit_*.csv` and `audit_*.svg`. OUT may
//! be a results bundle of the same study (the files join it and its manifest) or any
//! folder. The study's `[audit]` settings are used, or the defaults when it has none.

use crate::exit::user;
use crate::progress::Bar;
use oa_bundle::{MANIFEST_FILE, Section};
use oa_pipeline::Plan;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `oa audit`.
#[derive(clap::Args)]
pub struct Args {
    /// The study file (TOML); its `[audit]` section, if any, sets thresholds and options.
    pub study: PathBuf,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Output folder (created; a results bundle of the same study gets the files added to
    /// it).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = Plan::from_file(&args.study, args.data_dir.as_deref())?;
    let started = Instant::now();
    let bar = Bar::new(!args.quiet);
    let (audit, notes) = oa_pipeline::audit(&plan, &bar)?;
    drop(bar);
    let written = if args.out.join(MANIFEST_FILE).is_file() {
        let mut results = oa_bundle::read(&args.out).map_err(oa_pipeline::Error::from)?;
        // The bundle's tables are read with the bundle's study: the audit must be of it.
        audit.check(&results.study).map_err(|_| {
            user(format!(
                "{}: this bundle was made from another study (its indicators or [audit] settings differ from {}); write the audit to another folder, or run the study again",
                args.out.display(),
                args.study.display()
            ))
        })?;
        results.audit = Some(audit.clone());
        oa_bundle::update(&args.out, &mut results, &[Section::Audit])
    } else {
        oa_bundle::write_loose(&audit.files(), &args.out)
    }
    .map_err(oa_pipeline::Error::from)?;
    for note in &notes {
        eprintln!("note: {note}");
    }
    if !args.quiet {
        println!(
            "audited {} indicators in {:.2} s; wrote {} to {}",
            plan.study.indicators.len(),
            started.elapsed().as_secs_f64(),
            written.join(", "),
            args.out.display()
        );
        for line in flags(&audit) {
            println!("  {line}");
        }
    }
    Ok(())
}

/// The flags worth reading first: correlations flagged within groups and weakly with
/// their parents, and groups whose Cronbach's alpha is under 0.7.
fn flags(audit: &oa_bundle::Audit) -> Vec<String> {
    use oa_bundle::AuditValues;
    let text = |t: &oa_bundle::AuditTable, c: &str| match t.column(c) {
        Some(AuditValues::Text(v)) => v.clone(),
        _ => Vec::new(),
    };
    let mut lines = Vec::new();
    if let Some(t) = audit.table("audit_correlations") {
        let (a, b, flag) = (text(t, "a"), text(t, "b"), text(t, "flag"));
        for i in (0..flag.len()).filter(|&i| !flag[i].is_empty()) {
            lines.push(format!("{} and {}: {}", a[i], b[i], flag[i]));
        }
    }
    if let Some(t) = audit.table("audit_groups")
        && let Some(AuditValues::Float(alpha)) = t.column("cronbach_alpha")
    {
        let groups = text(t, "group");
        for (g, &x) in groups.iter().zip(alpha) {
            if x < 0.7 {
                lines.push(format!(
                    "{g}: Cronbach's alpha {x:.2} (under 0.7: its children do not measure one thing)"
                ));
            }
        }
    }
    lines
}
