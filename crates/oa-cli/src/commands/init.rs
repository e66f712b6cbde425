//! `oa init`.

/// Arguments of `oa init`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa init` is not built yet")
}
