//! `oa geo`: area codes across vintages. The logic lives in `oa_geo`; this file parses
//! arguments and reports.

use crate::exit::user;
use anyhow::Context;
use oa_geo::{Method, Registry, convert, read_table, read_weights, write_table};
use std::path::PathBuf;

/// Subcommands of `oa geo`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Convert a table of area values from one vintage to another (mergers, splits).
    Convert(ConvertArgs),
    /// Show the years an area code is valid and the codes it becomes.
    History(HistoryArgs),
}

/// Where the registry comes from.
#[derive(clap::Args)]
pub struct RegistryArgs {
    /// Directory the registry paths are relative to.
    #[arg(long, default_value = ".")]
    pub data_dir: PathBuf,
    /// TopoJSON with the areas' `start`/`end` years.
    #[arg(long, default_value = "geo/onsvisual-uk-topojson/topo.json")]
    pub topojson: PathBuf,
    /// Layer of the TopoJSON holding the areas (`oa geo convert`: default `ltla`; `oa geo
    /// history`: comma-separated layers, default `ltla,utla,cty` so upper-tier and county
    /// codes are known too).
    #[arg(long)]
    pub layer: Option<String>,
    /// The change list (`oldcd, oldnm, newcd, newnm, type, start`).
    #[arg(long, default_value = "lookups/onsvisual-uk-topojson/changes.csv")]
    pub changes: PathBuf,
}

impl RegistryArgs {
    /// One layer (default `ltla`), for converting between vintages.
    fn load(&self) -> anyhow::Result<Registry> {
        self.check_files()?;
        Registry::load(
            &self.data_dir.join(&self.topojson),
            self.layer.as_deref().unwrap_or("ltla"),
            &self.data_dir.join(&self.changes),
        )
        .map_err(user)
    }

    /// Several layers (default districts, upper-tier authorities and counties) and the
    /// code changes before the change list, for looking codes up.
    fn load_tiers(&self) -> anyhow::Result<Registry> {
        self.check_files()?;
        let layers: Vec<&str> = self
            .layer
            .as_deref()
            .unwrap_or("ltla,utla,cty")
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Registry::load_tiers(
            &self.data_dir.join(&self.topojson),
            &layers,
            &self.data_dir.join(&self.changes),
        )
        .map_err(user)
    }

    fn check_files(&self) -> anyhow::Result<()> {
        for (path, flag) in [(&self.topojson, "--topojson"), (&self.changes, "--changes")] {
            let full = self.data_dir.join(path);
            if !full.is_file() {
                return Err(user(format!(
                    "{}: file not found; give --data-dir (the folder holding geo/ and lookups/, e.g. ../shared/data) or {flag} FILE",
                    full.display()
                )));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Counts: merged areas add up; splits share by the weights.
    Sum,
    /// Rates: population-weighted mean over mergers (needs --weights).
    Mean,
}

/// Arguments of `oa geo convert`.
#[derive(clap::Args)]
pub struct ConvertArgs {
    /// Vintage (year) of the input's codes.
    #[arg(long)]
    pub from: u16,
    /// Vintage to convert to.
    #[arg(long)]
    pub to: u16,
    /// CSV file to convert.
    #[arg(long)]
    pub input: PathBuf,
    /// Column of the input holding the area codes.
    #[arg(long)]
    pub code_column: String,
    /// Columns to convert (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub columns: Vec<String>,
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// CSV of weights (populations) by code: needed for means over mergers and for splits.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Code column of the weights file (default: --code-column).
    #[arg(long)]
    pub weights_code_column: Option<String>,
    /// Weight column of the weights file.
    #[arg(long, default_value = "population")]
    pub weights_column: String,
    /// Output CSV.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Arguments of `oa geo history`.
#[derive(clap::Args)]
pub struct HistoryArgs {
    /// Area code, e.g. E07000191.
    pub code: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Convert(a) => run_convert(a),
        Command::History(a) => run_history(a),
    }
}

fn run_convert(a: ConvertArgs) -> anyhow::Result<()> {
    if let Some(dir) = a.out.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        return Err(user(format!(
            "{}: the folder {} does not exist; create it or choose another --out",
            a.out.display(),
            dir.display()
        )));
    }
    let registry = a.registry.load()?;
    let table = read_table(&a.input, &a.code_column, &a.columns).map_err(user)?;
    let weights = match &a.weights {
        Some(path) => {
            let code = a.weights_code_column.as_deref().unwrap_or(&a.code_column);
            Some(read_weights(path, code, &a.weights_column).map_err(user)?)
        }
        None => None,
    };
    let map = registry.map_vintage(a.from, a.to).map_err(user)?;
    let method = match a.method {
        MethodArg::Sum => Method::Sum,
        MethodArg::Mean => Method::Mean,
    };
    let file = a.input.display().to_string();
    let converted =
        convert(&registry, &map, &table, &file, method, weights.as_ref()).map_err(user)?;
    write_table(&a.out, &converted).with_context(|| format!("writing {}", a.out.display()))?;
    let changed: Vec<String> = converted
        .sources
        .iter()
        .filter(|(t, s)| s.len() > 1 || s[0] != **t)
        .map(|(t, s)| format!("{t} <- {}", s.join("+")))
        .collect();
    eprintln!(
        "converted {} areas of {} into {} areas of {}; {} changed{}{}",
        table.rows.len(),
        a.from,
        converted.table.rows.len(),
        a.to,
        changed.len(),
        if changed.is_empty() { "" } else { ": " },
        changed.join(", ")
    );
    Ok(())
}

fn run_history(a: HistoryArgs) -> anyhow::Result<()> {
    let registry = a.registry.load_tiers()?;
    // GSS codes are upper case; `e07000191` typed by hand means the same area.
    let code = a.code.trim().to_ascii_uppercase();
    let Some(line) = registry.describe(&code) else {
        return Err(user(format!(
            "{}: not an area code of {} (layers {}){}",
            a.code,
            a.registry.topojson.display(),
            a.registry.layer.as_deref().unwrap_or("ltla,utla,cty"),
            oa_model::gss::entity_of(&code)
                .map(|kind| format!("; it is shaped like {kind} code"))
                .unwrap_or_default()
        )));
    };
    println!("{line}");
    for (year, next) in registry.successor_chain(&code) {
        let name = registry.area(&next).map(|s| s.name.as_str()).unwrap_or("");
        println!("  {year}: {next} {name}");
    }
    if let Some((year, same)) = registry.ended(&code) {
        match same {
            Some(s) => println!("  {year}: ended; {} {} begins that year", s.code, s.name),
            None => println!("  {year}: ended"),
        }
    }
    Ok(())
}
