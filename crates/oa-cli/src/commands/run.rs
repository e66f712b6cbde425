//! `oa run`.

/// Arguments of `oa run`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa run` is not built yet")
}
