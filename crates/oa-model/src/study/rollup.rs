//! The `[rollup]` and `[maps]` sections (owned by the geography work): rolling a small-area
//! index up to a larger geography, and the maps a run writes.

use serde::{Deserialize, Serialize};

/// Roll a small-area index up to a larger geography, as the English Indices of Deprivation
/// summarise LSOAs over districts: population-weighted average score, average rank (ranks
/// reversed), share of small areas in the most deprived 10% nationally, extent and local
/// concentration, each ranked (1 = most deprived). The `rollup` stage rewrites `scores.csv`
/// with one row per larger area and keeps the small-area scores as `small_area_scores.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollup {
    /// Area type of the larger geography, e.g. `lad`.
    pub to: String,
    /// Vintage of the larger geography's codes, e.g. 2019 for LAD 2019 (for the record and
    /// for maps; the codes are taken as the lookup gives them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vintage: Option<u16>,
    /// Which larger area each small area lies in.
    pub parent: RollupParent,
    /// The population of each small area (the weights).
    pub population: RollupPopulation,
    /// The summary that ranks the larger areas (the headline of the bundle, and the
    /// order of `scores.csv`): `average_score` (default), `average_rank`,
    /// `proportion_most_deprived_10pc`, `extent` or `local_concentration`.
    #[serde(default)]
    pub headline: RollupMeasure,
    /// Named bands of the larger areas on the headline rank, e.g. `coldspot` = the 20%
    /// most deprived districts (same keys as `[[bands.named]]`); written as `band`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<super::NamedBand>,
}

/// One of the IoD's summaries of small areas over a larger area (METHODS.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollupMeasure {
    /// Population-weighted mean of the small areas' scores.
    #[default]
    AverageScore,
    /// Population-weighted mean of the small areas' ranks (most deprived = highest).
    AverageRank,
    /// Share of small areas in the most deprived 10% nationally.
    ProportionMostDeprived10pc,
    /// Population share in the most deprived 30%, weighted from 1 down to 0.
    Extent,
    /// Population-weighted mean rank of the most deprived small areas holding 10% of the
    /// population.
    LocalConcentration,
}

impl RollupMeasure {
    /// The column name in `scores.csv` (its rank is `rank_<name>`).
    pub fn column(self) -> &'static str {
        match self {
            RollupMeasure::AverageScore => "average_score",
            RollupMeasure::AverageRank => "average_rank",
            RollupMeasure::ProportionMostDeprived10pc => "proportion_most_deprived_10pc",
            RollupMeasure::Extent => "extent",
            RollupMeasure::LocalConcentration => "local_concentration",
        }
    }
}

/// A table giving each small area's larger area: a study source (`source = "domains"`) or a
/// file (`path`, relative to the data directory, with `area_column`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupParent {
    /// A `[[sources]]` id; its file and code column are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A CSV file relative to the data directory (instead of `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Column holding the small-area code (default: the source's `code_column`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_column: Option<String>,
    /// Column holding the larger area's code, e.g. `Local Authority District code (2019)`.
    pub code_column: String,
    /// Column holding the larger area's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_column: Option<String>,
}

/// A table of small-area populations: a study source or a CSV file. Thousands separators
/// (`"1,296"`) are accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupPopulation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Column holding the small-area code (default: the source's `code_column`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_column: Option<String>,
    /// Column holding the population, e.g. `Total population: mid 2015 (excluding prisoners)`.
    pub column: String,
}

/// Checks that a roll-up table names exactly one of `source` and `path`, and that a `path`
/// comes with its `area_column`.
fn check_table(
    key: &str,
    source: &Option<String>,
    path: &Option<String>,
    area_column: &Option<String>,
) -> Result<(), (String, String)> {
    match (source, path) {
        (Some(_), Some(_)) | (None, None) => Err((
            key.to_string(),
            "give exactly one of `source` (a [[sources]] id) or `path` (a CSV file)".into(),
        )),
        (None, Some(_)) if area_column.is_none() => Err((
            format!("{key}.area_column"),
            "a `path` table needs `area_column`, the column holding the small-area code".into(),
        )),
        (_, Some(p)) if p.trim().is_empty() => {
            Err((format!("{key}.path"), "the path is empty".into()))
        }
        _ => Ok(()),
    }
}

impl Rollup {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !crate::study::is_identifier(&self.to) {
            return Err((
                "to".into(),
                format!(
                    "`{}`: name the larger area type with letters, digits or `_`, e.g. `lad`",
                    self.to
                ),
            ));
        }
        check_table(
            "parent",
            &self.parent.source,
            &self.parent.path,
            &self.parent.area_column,
        )?;
        if self.parent.code_column.trim().is_empty() {
            return Err((
                "parent.code_column".into(),
                "name the column holding the larger area's code".into(),
            ));
        }
        check_table(
            "population",
            &self.population.source,
            &self.population.path,
            &self.population.area_column,
        )?;
        if self.population.column.trim().is_empty() {
            return Err((
                "population.column".into(),
                "name the column holding the population".into(),
            ));
        }
        super::validate_named_bands("bands", &self.bands)?;
        Ok(())
    }
}

/// Maps written into the results bundle by `oa run` (`map_score.svg`, `map_band.svg`) and
/// the defaults of `oa map`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maps {
    /// Boundary file relative to the data directory (GeoJSON, TopoJSON or HexJSON). Default:
    /// the ONS `geo/onsvisual-uk-topojson/topo.json`, layer `ltla`, filtered to the study's
    /// vintage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<String>,
    /// TopoJSON object to read (default `ltla` for the default boundaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Property of the boundaries holding the area code (default: `areacd`, or an ONS
    /// column such as `LAD21CD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_property: Option<String>,
    /// Classes of the score map: `quantiles:5`, `jenks:5`, `equal:5`, `headtail` or
    /// `breaks:10,20,30`.
    #[serde(default = "default_classes")]
    pub classes: String,
    /// Areas outlined and labelled, e.g. `band=coldspot` or `selected` (default: the first
    /// named band, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
    /// Also write PNG copies of the maps.
    #[serde(default)]
    pub png: bool,
}

fn default_classes() -> String {
    "quantiles:5".into()
}

impl Maps {
    pub fn validate(&self) -> Result<(), (String, String)> {
        let (kind, arg) = self.classes.split_once(':').unwrap_or((&self.classes, ""));
        let ok = match kind {
            "quantiles" | "jenks" | "equal" => {
                arg.is_empty() || arg.parse::<usize>().is_ok_and(|k| (2..=9).contains(&k))
            }
            "headtail" | "bands" => arg.is_empty(),
            "breaks" => !arg.is_empty() && arg.split(',').all(|b| b.trim().parse::<f64>().is_ok()),
            _ => false,
        };
        if !ok {
            return Err((
                "classes".into(),
                format!(
                    "`{}` is not a map classification: use quantiles:K, jenks:K, equal:K (K from 2 to 9), headtail or breaks:A,B,C",
                    self.classes
                ),
            ));
        }
        if let Some(h) = &self.highlight
            && h != "selected"
            && !h
                .split_once('=')
                .is_some_and(|(c, v)| !c.trim().is_empty() && !v.trim().is_empty())
        {
            return Err((
                "highlight".into(),
                format!("`{h}`: use COLUMN=VALUE (e.g. `band=coldspot`) or `selected`"),
            ));
        }
        Ok(())
    }
}

/// Spatial statistics written into the results bundle: local Moran's I and Getis-Ord Gi*
/// of the index score over contiguity neighbours, with conditional-permutation p-values,
/// as `clusters.csv` (so a study reports cold-spot clusters as well as cold-spot areas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spatial {
    /// Boundary file relative to the data directory (default: `[maps] boundaries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<String>,
    /// Property holding the area code (default: detected, e.g. `areacd`, `LAD21CD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_property: Option<String>,
    /// TopoJSON object to read when the file has several (ONS `topo.json`: `ltla`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Keep only boundaries valid in this year (default: the study's geography vintage, when
    /// the file marks years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// `queen` (a shared point makes neighbours; default) or `rook` (a shared edge).
    #[serde(default)]
    pub contiguity: ContiguityKind,
    /// Column of `scores.csv` to analyse (default: `score`, or `average_score` after a
    /// roll-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Conditional permutations per area for the pseudo p-values.
    #[serde(default = "default_permutations")]
    pub permutations: usize,
    /// Seed of the permutations: the same seed gives the same p-values on any machine.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Significance level for the cluster labels.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
}

/// Which contact makes two areas neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContiguityKind {
    #[default]
    Queen,
    Rook,
}

fn default_permutations() -> usize {
    999
}

fn default_seed() -> u64 {
    20190926
}

fn default_alpha() -> f64 {
    0.05
}

impl Spatial {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(99..=99_999).contains(&self.permutations) {
            return Err((
                "permutations".into(),
                format!(
                    "{} permutations: use 99 to 99,999 (999 is usual)",
                    self.permutations
                ),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err((
                "alpha".into(),
                format!("{} is not a significance level: use e.g. 0.05", self.alpha),
            ));
        }
        let smallest_p = 1.0 / (self.permutations as f64 + 1.0);
        if self.alpha < smallest_p {
            return Err((
                "alpha".into(),
                format!(
                    "with {} permutations no p-value is below {smallest_p}; raise `permutations` or `alpha`",
                    self.permutations
                ),
            ));
        }
        if let Some(b) = &self.boundaries
            && b.trim().is_empty()
        {
            return Err(("boundaries".into(), "the path is empty".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod spatial_rollup_tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn spatial_defaults_and_checks() {
        let s: Spatial = parse("").unwrap();
        assert_eq!(s.permutations, 999);
        assert_eq!(s.contiguity, ContiguityKind::Queen);
        assert_eq!(s.alpha, 0.05);
        assert!(s.validate().is_ok());
        let s: Spatial = parse("permutations = 9").unwrap();
        assert_eq!(s.validate().unwrap_err().0, "permutations");
        let s: Spatial = parse("alpha = 1.5").unwrap();
        assert_eq!(s.validate().unwrap_err().0, "alpha");
        let s: Spatial = parse("permutations = 99\nalpha = 0.001").unwrap();
        assert_eq!(s.validate().unwrap_err().0, "alpha");
        assert!(parse::<Spatial>("contiguity = \"bishop\"").is_err());
        assert!(parse::<Spatial>("permutation = 99").is_err());
    }

    #[test]
    fn rollup_tables_need_one_origin() {
        let base = |parent: &str| {
            format!(
                "to = \"lad\"\n[parent]\n{parent}\ncode_column = \"LAD\"\n\
                 [population]\npath = \"pop.csv\"\narea_column = \"LSOA\"\ncolumn = \"pop\"\n"
            )
        };
        let r: Rollup = parse(&base("source = \"domains\"")).unwrap();
        assert!(r.validate().is_ok());
        let r: Rollup = parse(&base("")).unwrap();
        assert_eq!(r.validate().unwrap_err().0, "parent");
        let r: Rollup = parse(&base("path = \"x.csv\"")).unwrap();
        assert_eq!(r.validate().unwrap_err().0, "parent.area_column");
        let r: Rollup = parse(&base("source = \"a\"\npath = \"x.csv\"")).unwrap();
        assert_eq!(r.validate().unwrap_err().0, "parent");
        assert!(parse::<Rollup>(&format!("{}extra = 1", base("source = \"a\""))).is_err());
    }
}
