//! One module per subcommand; each has `Args` (clap) and `run(Args)`.

pub mod allocate;
pub mod demo;
pub mod geo;
pub mod init;
pub mod map;
pub mod run;
pub mod select;
pub mod serve;
pub mod uncertainty;
pub mod user;
pub mod validate;
