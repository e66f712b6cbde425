//! `oa report BUNDLE [--format html,pdf] [--out FILE]`: the document of a results bundle,
//! written from the bundle alone (`oa-report`): into the bundle as `report.html` and
//! `report.pdf` (the manifest records them), or to `--out`.

use oa_model::study::report::ReportFormat;
use std::path::{Path, PathBuf};

/// Arguments of `oa report`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The results bundle (written by `oa run`).
    pub bundle: PathBuf,
    /// Formats, comma-separated: html, pdf (default: the study's `[report] formats`, else
    /// both).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<ReportFormat>,
    /// Write the report here instead of into the bundle: FILE for one format; for both,
    /// FILE with the extensions `.html` and `.pdf`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut results = oa_bundle::read(&args.bundle).map_err(oa_pipeline::Error::from)?;
    let mut formats = Vec::new();
    for f in if args.format.is_empty() {
        oa_report::formats(results.study.report.as_ref())
    } else {
        args.format.clone()
    } {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let origin = args.bundle.join("study.toml").display().to_string();
    let report = oa_pipeline::report::render(&results, &formats, &origin)?;
    let Some(out) = &args.out else {
        results.report = Some(report);
        let written = oa_bundle::update(&args.bundle, &mut results, &[oa_bundle::Section::Report])
            .map_err(oa_pipeline::Error::from)?;
        println!(
            "wrote {} into {}",
            written.join(", "),
            args.bundle.display()
        );
        return Ok(());
    };
    let files: Vec<(ReportFormat, &[u8])> = formats
        .iter()
        .filter_map(|f| match f {
            ReportFormat::Html => report.html.as_deref().map(|h| (*f, h.as_bytes())),
            ReportFormat::Pdf => report.pdf.as_deref().map(|p| (*f, p)),
        })
        .collect();
    for (format, bytes) in &files {
        let path = target(out, *format, files.len());
        oa_io::write_file_atomic(&path, bytes)
            .map_err(|e| crate::exit::user(format!("{}: cannot write: {e}", path.display())))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Where a format goes: `out` itself for one format, else `out` with its extension.
fn target(out: &Path, format: ReportFormat, formats: usize) -> PathBuf {
    if formats == 1 {
        return out.to_path_buf();
    }
    out.with_extension(match format {
        ReportFormat::Html => "html",
        ReportFormat::Pdf => "pdf",
    })
}
