//! Integration tests of the `oa` binary: one test binary that runs the built executable
//! (`CARGO_BIN_EXE_oa`) on shipped studies, real published data (`../shared/data`, via
//! oa-testkit, which fails loudly when it is missing) and generated data.

mod bad_input;
mod commands;
mod evaluate;
mod imd2019;
mod nothing_silent;
mod smi2016;
mod support;
