//! `oa init --preset NAME [--out FILE]`: writes a commented study to start from.
//!
//! Every preset parses and validates with this build's schema (a test checks it), so a
//! user only has to point it at their data.

use crate::exit;
use anyhow::Context;
use std::path::PathBuf;

/// Arguments of `oa init`.
#[derive(clap::Args)]
pub struct Args {
    /// Which study to start from: minimal, tidy, smi, imd or demo.
    #[arg(long, default_value = "minimal")]
    pub preset: String,
    /// File to write (default: `<preset>.toml` in the current folder). Never overwritten.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A preset: its name, a one-line description and the study text.
pub struct Preset {
    pub name: &'static str,
    pub about: &'static str,
    pub text: &'static str,
}

/// All presets, in the order `oa init --help` lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "minimal",
        about: "one wide CSV, three indicators, z-scores, quintiles",
        text: MINIMAL,
    },
    Preset {
        name: "tidy",
        about: "the long 'tidy' layout of the DfE statistics service",
        text: TIDY,
    },
    Preset {
        name: "smi",
        about: "the Social Mobility Index 2016 method (life stages, hotspots, coldspots)",
        text: include_str!("../../../../studies/smi2016.toml"),
    },
    Preset {
        name: "imd",
        about: "the Index of Multiple Deprivation 2019 (exponential transformation, deciles)",
        text: include_str!("../../../../studies/imd2019.toml"),
    },
    Preset {
        name: "demo",
        about: "the study `oa demo` runs on its synthetic country",
        text: include_str!("../../../../studies/demo.toml"),
    },
];

pub fn run(args: Args) -> anyhow::Result<()> {
    let Some(preset) = PRESETS.iter().find(|p| p.name == args.preset) else {
        let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        return Err(exit::user(format!(
            "--preset: unknown preset `{}`; choose one of {}",
            args.preset,
            names.join(", ")
        )));
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.toml", preset.name)));
    if out.exists() {
        return Err(exit::user(format!(
            "{}: already exists; choose another --out or remove it",
            out.display()
        )));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(exit::user(format!(
            "{}: folder does not exist; create it first",
            parent.display()
        )));
    }
    std::fs::write(&out, preset.text).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} ({}): edit its sources and indicators, then `oa validate {}`",
        out.display(),
        preset.about,
        out.display()
    );
    Ok(())
}

const MINIMAL: &str = r#"# A minimal study: one wide CSV with one row per area and one column per indicator.
# Paths are relative to the data directory (`--data-dir`, default: this file's folder).
#
#   oa validate my-study.toml     # checks the study and its data
#   oa run my-study.toml --out results
schema = 1

[study]
id = "my_index"                     # used in file names and the manifest
title = "My composite index"
description = ""

[geography]
area_type = "lad"                   # lad, lsoa, msoa, utla, ... or your own name
vintage = 2023                      # year of the boundaries and codes
# code_prefixes = ["E06", "E07", "E08", "E09"]   # keep only these codes
# exclude = ["E09000001"]                        # drop these codes
# include = []                                   # keep only these codes

[[sources]]
id = "data"
path = "indicators.csv"             # CSV, XLSX, XLS, ODS or Parquet
code_column = "area_code"
name_column = "area_name"           # optional
# sheet = "Table 1"                 # spreadsheets: the sheet (default: the first)
# header_row = 3                    # spreadsheets: 1-based header row (default: detected)
# missing_markers = ["n/a"]         # on top of c, x, z, .., :, NA, -, empty

[[indicators]]
id = "attainment"                   # the column, unless `column` says otherwise
name = "Pupils reaching the expected standard"
direction = "higher_is_better"      # or higher_is_worse
unit = "%"
weight = 1.0

[[indicators]]
id = "neet"
name = "Young people not in education, employment or training"
direction = "higher_is_worse"
unit = "%"
weight = 1.0

[[indicators]]
id = "pay"
name = "Median weekly pay"
column = "median_weekly_pay"
direction = "higher_is_better"
unit = "GBP"
weight = 1.0

[method]
outliers = "none"                   # or "jrc" (winsorise, then log if still skewed)
normalisation = { method = "zscore" }   # min_max, rank, percentile_rank, borda, goalposts, ...
weights = "given"                   # given (as written), equal or pca
aggregation = { method = "arithmetic" } # the weighted mean Σwx/Σw; or weighted_sum (Σwx, weights as written),
                                        # geometric, harmonic, generalised_mean, median, copeland

[method.missing]
min_coverage = 0.0                  # drop areas with a smaller share of indicators present
impute = "none"                     # none, mean, median, group_mean, group_median

[scoring]
score = "higher_is_better"          # which way the score runs
rank_1 = "best"                     # which end gets rank 1

[bands]
quantiles = 5                       # quintiles (1 = the rank-1 end)

[[bands.named]]
name = "coldspot"
end = "worst"
share = 0.2                         # or count = 30
"#;

const TIDY: &str = r#"# A study on the long "tidy" layout of the DfE's explore-education-statistics service:
# one row per area, time period and measure, e.g.
#
#   time_period,geographic_level,new_la_code,la_name,measure,value
#   202223,Local authority,E09000002,Barking and Dagenham,fsm_ks2_rwm,52
#
# `filters` keep the rows you want (one per area and measure); `measure_column` names the
# column whose values are the indicator ids (or `column`s).
schema = 1

[study]
id = "tidy_example"
title = "An index from a DfE tidy file"

[geography]
area_type = "utla"
vintage = 2023
code_prefixes = ["E06", "E08", "E09", "E10"]

[[sources]]
id = "ees"
path = "ees_download.csv"
code_column = "new_la_code"
name_column = "la_name"
layout = { kind = "tidy", measure_column = "measure", value_column = "value", filters = { geographic_level = "Local authority", time_period = "202223" } }

[[indicators]]
id = "ks2"
name = "FSM pupils reaching the expected standard at KS2"
column = "fsm_ks2_rwm"              # the measure's name in `measure_column`
direction = "higher_is_better"
unit = "%"

[[indicators]]
id = "persistent_absence"
name = "FSM pupils persistently absent"
column = "fsm_persistent_absence"
direction = "higher_is_worse"
unit = "%"

[method]
normalisation = { method = "min_max", low = 0.0, high = 100.0 }
weights = "equal"
aggregation = { method = "arithmetic" }

[method.missing]
min_coverage = 1.0
impute = "none"

[scoring]
score = "higher_is_better"
rank_1 = "worst"                    # rank 1 = the area most in need

[bands]
quantiles = 10
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates() {
        for p in PRESETS {
            let study = oa_model::Study::from_toml_str(p.text, p.name)
                .unwrap_or_else(|e| panic!("preset {}: {e}", p.name));
            assert!(!study.indicators.is_empty(), "{}", p.name);
        }
    }

    /// Issue 15, bug 8: arithmetic aggregation is the weighted mean Σwx/Σw (METHODS.md
    /// 1.6); the preset called it the sum of w x.
    #[test]
    fn presets_describe_arithmetic_aggregation_as_the_weighted_mean() {
        for p in PRESETS {
            assert!(!p.text.contains("sum of w x"), "preset {}", p.name);
            if let Some(line) = p.text.lines().find(|l| l.contains("\"arithmetic\" } #")) {
                assert!(line.contains("Σwx/Σw"), "preset {}: {line}", p.name);
            }
        }
        let minimal = PRESETS
            .iter()
            .find(|p| p.name == "minimal")
            .expect("minimal preset");
        assert!(minimal.text.contains("the weighted mean Σwx/Σw"));
    }

    #[test]
    fn presets_explain_themselves_with_comments() {
        for p in PRESETS {
            assert!(
                p.text.starts_with('#'),
                "preset {} has no opening comment",
                p.name
            );
        }
    }
}
