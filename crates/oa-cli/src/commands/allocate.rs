//! `oa allocate`.

/// Arguments of `oa allocate`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa allocate` is not built yet")
}
