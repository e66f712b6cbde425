//! `oa validate`.

/// Arguments of `oa validate`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa validate` is not built yet")
}
