//! `oa`: find the places where children's chances are worst, choose where to intervene,
//! fund it, run the programme and find out whether it worked.
//!
//! The binary is thin: clap parses arguments into each command's `Args`, the command
//! calls the library crates, and [`exit`] maps errors to exit codes (2 for bad input,
//! 1 for bugs).

mod commands;
mod exit;
mod progress;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc reuses freed memory per thread instead of returning it to the system: the
/// bundle writers allocate and free many row buffers and strings in parallel.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "oa",
    version,
    about = "Opportunity areas: composite indices, targeting, funding and programme tracking"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a study: index, bands, and whatever else it declares, into a results bundle.
    Run(commands::run::Args),
    /// Check a study and its data without computing.
    Validate(commands::validate::Args),
    /// Write a commented study to start from.
    Init(commands::init::Args),
    /// Run the built-in demonstration (a synthetic country) end to end.
    Demo(commands::demo::Args),
    /// Draw a choropleth map of a results column.
    Map(commands::map::Args),
    /// Area codes and their changes between vintages.
    #[command(subcommand)]
    Geo(commands::geo::Command),
    /// Choose areas from an existing results bundle by the study's selection rules.
    Select(commands::select::Args),
    /// Allocate the study's funds over a results bundle's selected areas.
    Allocate(commands::allocate::Args),
    /// Write the report (HTML, PDF) of a results bundle.
    Report(commands::report::Args),
    /// Monte Carlo uncertainty and sensitivity of a study's ranking.
    Uncertainty(commands::uncertainty::Args),
    /// Did the chosen areas improve? A study's evaluation, or a panel's (--panel).
    Evaluate(commands::evaluate::Args),
    /// The statistical audit of a study's index (JRC/OECD handbook), as tables and charts.
    Audit(commands::audit::Args),
    /// Serve the programme API and dashboard.
    Serve(commands::serve::Args),
    /// Manage users of the programme service.
    #[command(subcommand)]
    User(commands::user::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => commands::run::run(a),
        Command::Validate(a) => commands::validate::run(a),
        Command::Init(a) => commands::init::run(a),
        Command::Demo(a) => commands::demo::run(a),
        Command::Map(a) => commands::map::run(a),
        Command::Geo(c) => commands::geo::run(c),
        Command::Select(a) => commands::select::run(a),
        Command::Allocate(a) => commands::allocate::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Uncertainty(a) => commands::uncertainty::run(a),
        Command::Evaluate(a) => commands::evaluate::run(a),
        Command::Audit(a) => commands::audit::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::User(c) => commands::user::run(c),
    };
    exit::report(result)
}
