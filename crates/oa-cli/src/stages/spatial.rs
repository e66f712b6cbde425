//! The spatial statistics stage of `oa run` (cold-spot clusters).

use super::RunContext;

/// Runs the spatial stage; returns the files written, relative to `ctx.out`.
pub fn run(_ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
