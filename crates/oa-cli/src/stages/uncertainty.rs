//! The uncertainty stage of `oa run`: the Monte Carlo analysis of the study's
//! `[uncertainty]` section, written into the bundle.

use super::RunContext;
use crate::commands::uncertainty::analyse;

/// Runs the uncertainty stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let files = analyse(ctx.study, ctx.data_dir, None, None, ctx.progress)?;
    let mut written = Vec::new();
    for (name, text) in files.files {
        oa_io::bundle::write_file_atomic(&ctx.out.join(&name), text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: {e}", ctx.out.join(&name).display()))?;
        written.push(name);
    }
    Ok(written)
}
