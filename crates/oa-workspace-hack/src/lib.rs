//! No code of its own: its manifest lists the features the whole workspace's build
//! resolves, so that `oa-python` built alone (the wheel) reuses that build's compiled
//! crates instead of compiling them again with fewer features (see `Cargo.toml`).
