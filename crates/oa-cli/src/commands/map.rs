//! `oa map`.

/// Arguments of `oa map`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa map` is not built yet")
}
