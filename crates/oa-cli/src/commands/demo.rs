//! `oa demo`.

/// Arguments of `oa demo`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`oa demo` is not built yet")
}
