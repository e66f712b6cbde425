//! One module per subcommand; each has `Args` (clap) and `run(Args)`.

pub mod allocate;
pub mod audit;
pub mod demo;
pub mod evaluate;
pub mod geo;
pub mod init;
pub mod map;
pub mod report;
pub mod run;
pub mod select;
pub mod serve;
pub mod uncertainty;
pub mod user;
pub mod validate;

/// How to call this binary again in a printed command: `oa` when it was found on the
/// PATH, else the path it was started by (`target/release/oa` under `cargo run`), so the
/// command runs as printed.
pub fn invoked_as() -> String {
    match std::env::args().next() {
        Some(a) if a.contains(std::path::MAIN_SEPARATOR) => a,
        _ => "oa".to_string(),
    }
}
