//! An optional results bundle (`OA_RESULTS_DIR`, written by `oa run`), read with
//! `oa_bundle::read`: each area of the headline table (the districts after a roll-up)
//! with its score, rank and band, its probability of falling in the first named band
//! from the uncertainty section, its indicators, and the selection's reason. Read once at
//! first use; a bundle that cannot be read is reported on the pages (and on stderr)
//! instead of failing them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// One area of the headline table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoreRow {
    pub code: String,
    pub name: String,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub band: String,
    /// P(band = the first `p_` column of uncertainty.csv), when uncertainty was run.
    pub p_band: Option<f64>,
    /// Rank within each group (`rank_<group>` columns of scores.csv), in column order.
    pub group_ranks: Vec<(String, Option<u32>)>,
}

/// Where one indicator of an area stands in the national distribution.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndicatorStanding {
    pub indicator: String,
    pub value: f64,
    /// Share of areas with a lower normalised value, in percent (100 = the highest).
    pub percentile: f64,
}

/// One row of `selection.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub area_name: String,
    pub selected: bool,
    pub rank: String,
    pub reason: String,
}

/// A bundle's tables, by district code.
#[derive(Debug, Default)]
pub struct Results {
    pub dir: String,
    pub rows: Vec<ScoreRow>,
    /// Row indices by rank (rank 1 first; rows without a rank last).
    pub by_rank: Vec<usize>,
    pub by_code: HashMap<String, usize>,
    /// The band the `p_band` column is about (e.g. `coldspot`).
    pub p_band_name: Option<String>,
    pub outcomes: HashMap<String, Outcome>,
    /// Indicator names of `indicators.csv` and each indicator's values sorted (for
    /// percentiles), and each area's row of values.
    pub indicator_names: Vec<String>,
    pub indicator_sorted: Vec<Vec<f64>>,
    pub indicator_rows: HashMap<String, Vec<f64>>,
    /// The study the bundle was run from (for names, the methodology page and vintages).
    pub study: Option<oa_model::Study>,
    /// When the bundle was written (RFC 3339).
    pub created_at: String,
    /// Plain names of indicators, groups and roll-up measures, by id.
    pub labels: HashMap<String, String>,
    /// Each named band in words (`coldspot` -> `the worst 20% of districts`).
    pub band_words: HashMap<String, String>,
    /// The evaluation section (did the chosen areas improve?), when the study had one.
    pub evaluation: Option<oa_bundle::Evaluation>,
    /// District names by code from the selection (areas of one district), for naming
    /// the districts an evaluation compares with.
    pub district_names: HashMap<String, String>,
}

impl Results {
    /// A plain name for an indicator, group or summary measure id (`average_score` ->
    /// `Average score` when the study gives no name).
    pub fn label(&self, id: &str) -> String {
        self.labels.get(id).cloned().unwrap_or_else(|| {
            let words = id.replace('_', " ");
            crate::pages::input::sentence(words.trim())
        })
    }

    /// The kind of area ranked, in the plural (`districts`).
    pub fn areas_word(&self) -> String {
        let t = self
            .study
            .as_ref()
            .map_or("area", |s| s.geography.area_type.as_str());
        match t {
            "lad" | "district" | "ltla" => "districts".into(),
            "lsoa" => "small areas (LSOAs)".into(),
            "msoa" => "neighbourhoods (MSOAs)".into(),
            "utla" => "upper-tier local authorities".into(),
            other => format!("{other} areas"),
        }
    }

    /// The boundaries' year.
    pub fn vintage(&self) -> Option<u16> {
        self.study.as_ref().map(|s| s.geography.vintage)
    }

    /// The name of a district (or any area of the bundle) by code: the headline table's,
    /// else the boundaries', else the selection's (an area of one district may carry the
    /// area's name rather than the district's).
    pub fn district_name(&self, code: &str) -> Option<String> {
        self.row(code)
            .map(|r| r.name.clone())
            .or_else(|| crate::pages::map::district_name(code))
            .or_else(|| self.district_names.get(code).cloned())
    }

    pub fn row(&self, code: &str) -> Option<&ScoreRow> {
        self.by_code.get(code).map(|&i| &self.rows[i])
    }

    /// Each indicator of `code` against every area's value.
    pub fn standing(&self, code: &str) -> Vec<IndicatorStanding> {
        let Some(values) = self.indicator_rows.get(code) else {
            return Vec::new();
        };
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                let sorted = &self.indicator_sorted[i];
                let below = sorted.partition_point(|x| *x < v);
                IndicatorStanding {
                    indicator: self.indicator_names[i].clone(),
                    value: (v * 1000.0).round() / 1000.0,
                    percentile: (below as f64 * 1000.0 / sorted.len().max(1) as f64).round() / 10.0,
                }
            })
            .collect()
    }
}

/// The bundle named by `OA_RESULTS_DIR`: Ok(None) when unset.
pub static RESULTS: LazyLock<Result<Option<Results>, String>> =
    LazyLock::new(|| match std::env::var_os("OA_RESULTS_DIR") {
        None => Ok(None),
        Some(dir) => read(Path::new(&dir)).map(Some).inspect_err(|e| {
            crate::log::error(&format!("OA_RESULTS_DIR: {e}"));
        }),
    });

/// Reads a bundle directory (through `oa_bundle::read`, which names the file, line and
/// column of any problem) into the pages' rows: the headline table's areas (districts
/// after a roll-up), their probability of the first band from the uncertainty section,
/// the normalised indicators and the selection's reasons.
pub fn read(dir: &Path) -> Result<Results, String> {
    let bundle = oa_bundle::read(dir).map_err(|e| e.to_string())?;
    Ok(from_bundle(&bundle, dir))
}

/// The pages' view of results in memory.
pub fn from_bundle(bundle: &oa_bundle::Results, dir: &Path) -> Results {
    let mut out = Results {
        dir: dir.display().to_string(),
        created_at: bundle.manifest.created_at.clone(),
        study: Some(bundle.study.clone()),
        ..Results::default()
    };
    let study = &bundle.study;
    for (id, name) in [
        ("average_score", "Average score"),
        ("average_rank", "Average rank"),
        (
            "proportion_most_deprived_10pc",
            "Share of small areas in the most deprived 10%",
        ),
        (
            "extent",
            "Extent (share of people in the most deprived areas)",
        ),
        ("local_concentration", "Local concentration"),
        ("score", "Score"),
    ] {
        out.labels.insert(id.into(), name.into());
    }
    for i in &study.indicators {
        if !i.name.is_empty() {
            out.labels.insert(i.id.clone(), i.name.clone());
        }
    }
    for g in &study.groups {
        if !g.name.is_empty() {
            out.labels.insert(g.id.clone(), g.name.clone());
        }
    }
    let areas = out.areas_word();
    let bands = study
        .bands
        .named
        .iter()
        .chain(study.rollup.iter().flat_map(|r| r.bands.iter()));
    for b in bands {
        let end = match b.end {
            oa_model::study::End::Worst => "worst",
            oa_model::study::End::Best => "best",
        };
        let words = match (b.share, b.count) {
            (Some(share), _) => format!(
                "the {end} {}% of {areas}",
                crate::domain::figure((share * 1000.0).round() / 10.0)
            ),
            (None, Some(n)) => format!("the {end} {n} {areas}"),
            (None, None) => format!("the {end} {areas}"),
        };
        out.band_words.insert(b.name.clone(), words);
    }
    match &bundle.rollup {
        Some(r) => {
            let headline = bundle.headline();
            let score = r
                .measures
                .iter()
                .find(|m| m.id == headline.score)
                .or(r.measures.first());
            for i in 0..r.len() {
                out.rows.push(ScoreRow {
                    code: r.area_code[i].clone(),
                    name: r.area_name[i].clone(),
                    score: score.map(|m| m.value[i]).filter(|v| v.is_finite()),
                    rank: score.map(|m| m.rank[i]),
                    band: r.band.as_ref().map(|b| b[i].clone()).unwrap_or_default(),
                    p_band: None,
                    group_ranks: r
                        .measures
                        .iter()
                        .filter(|m| Some(m.id.as_str()) != score.map(|s| s.id.as_str()))
                        .map(|m| (m.id.clone(), Some(m.rank[i])))
                        .collect(),
                });
            }
        }
        None => {
            let s = &bundle.index.scores;
            for i in 0..s.len() {
                out.rows.push(ScoreRow {
                    code: s.area_code[i].clone(),
                    name: s.area_name[i].clone(),
                    score: Some(s.score[i]).filter(|v| v.is_finite()),
                    rank: s.rank[i],
                    band: s.band[i].clone(),
                    p_band: None,
                    group_ranks: s.groups.iter().map(|g| (g.id.clone(), g.rank[i])).collect(),
                });
            }
        }
    }
    for (i, row) in out.rows.iter().enumerate() {
        out.by_code.insert(row.code.clone(), i);
    }
    out.by_rank = (0..out.rows.len()).collect();
    out.by_rank
        .sort_by_key(|&i| out.rows[i].rank.unwrap_or(u32::MAX));
    if let Some(u) = &bundle.uncertainty
        && let Some((band, p)) = u.areas.bands.first()
    {
        out.p_band_name = Some(band.clone());
        for (code, p) in u.areas.area_code.iter().zip(p) {
            if let Some(&i) = out.by_code.get(code) {
                out.rows[i].p_band = Some(*p).filter(|p| p.is_finite());
            }
        }
    }
    let ind = &bundle.index.indicators;
    out.indicator_names = ind.columns.iter().map(|(id, _)| id.clone()).collect();
    out.indicator_sorted = ind
        .columns
        .iter()
        .map(|(_, v)| {
            let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            s.sort_by(f64::total_cmp);
            s
        })
        .collect();
    for (a, code) in bundle.index.scores.area_code.iter().enumerate() {
        out.indicator_rows.insert(
            code.clone(),
            ind.columns.iter().map(|(_, v)| v[a]).collect(),
        );
    }
    if let Some(sel) = &bundle.selection {
        for a in &sel.areas {
            let outcome = Outcome {
                area_name: a.area_name.clone(),
                selected: a.selected,
                rank: a.rank.to_string(),
                reason: a.reason.clone(),
            };
            for district in &a.districts {
                out.outcomes.insert(district.clone(), outcome.clone());
            }
            if let [only] = a.districts.as_slice() {
                out.district_names.insert(only.clone(), a.area_name.clone());
            }
        }
    }
    out.evaluation = bundle.evaluation.clone();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The version 1 bundle kept by oa-bundle's tests.
    pub fn fixture() -> Results {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../oa-bundle/tests/fixtures/v1");
        read(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_study_gives_names_bands_in_words_and_the_vintage() {
        let r = fixture();
        assert_eq!(r.vintage(), Some(2016));
        assert_eq!(r.areas_word(), "districts");
        assert_eq!(r.band_words["coldspot"], "the worst 2 districts");
        // An indicator without a name in the study still reads as words, never an id.
        assert_eq!(r.label("a"), "A");
        assert_eq!(r.label("average_score"), "Average score");
        assert_eq!(
            r.label("proportion_most_deprived_10pc"),
            "Share of small areas in the most deprived 10%"
        );
        assert!(!r.created_at.is_empty());
        assert_eq!(r.p_band_name.as_deref(), Some("coldspot"));
    }

    #[test]
    fn a_missing_bundle_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(&dir.path().join("nope")).unwrap_err();
        assert!(
            e.contains("nope") && e.contains("not a results bundle"),
            "{e}"
        );
    }
}
