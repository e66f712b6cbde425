//! The rollup stage of `oa run`.

use super::RunContext;

/// Runs the rollup stage; returns the files written, relative to `ctx.out`.
pub fn run(_ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
