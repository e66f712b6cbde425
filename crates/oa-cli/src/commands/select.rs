//! `oa select`.

/// Arguments of `oa select`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa select` is not built yet")
}
