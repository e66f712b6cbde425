//! The maps stage of `oa run`.

use super::RunContext;

/// Runs the maps stage; returns the files written, relative to `ctx.out`.
pub fn run(_ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
