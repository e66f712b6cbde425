//! No code: the manifest asks for the test build's features (see `Cargo.toml`).
