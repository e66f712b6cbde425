//! `oa uncertainty`.

/// Arguments of `oa uncertainty`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa uncertainty` is not built yet")
}
