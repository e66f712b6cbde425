//! `oa serve`.

/// Arguments of `oa serve`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa serve` is not built yet")
}
