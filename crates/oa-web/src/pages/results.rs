//! An optional results bundle (`OA_RESULTS_DIR`, written by `oa run`): each district's
//! score, rank and band from `scores.csv`, its probability of falling in the worst-end
//! band from `uncertainty.csv` (`p_<band>`), and the selection's reason from
//! `selection.csv`. Read once at first use; a bundle that cannot be read is reported on
//! the pages (and on stderr) instead of failing them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// One district of `scores.csv`.
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
}

impl Results {
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

fn table(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{} line {}: {e}", path.display(), i + 2))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok((headers, rows))
}

fn col(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name)
}

/// Reads a bundle directory.
pub fn read(dir: &Path) -> Result<Results, String> {
    let scores = dir.join("scores.csv");
    let (h, rows) = table(&scores)?;
    let need = |name: &str| {
        col(&h, name).ok_or_else(|| format!("{}: no column `{name}`", scores.display()))
    };
    let (code, name, score, rank) = (
        need("area_code")?,
        need("area_name")?,
        need("score")?,
        need("rank")?,
    );
    let band = col(&h, "band");
    let groups: Vec<(String, usize)> = h
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.strip_prefix("rank_").map(|g| (g.to_string(), i)))
        .collect();
    let mut out = Results {
        dir: dir.display().to_string(),
        ..Results::default()
    };
    for r in rows {
        out.by_code.insert(r[code].clone(), out.rows.len());
        out.rows.push(ScoreRow {
            code: r[code].clone(),
            name: r[name].clone(),
            score: r[score].parse().ok(),
            rank: r[rank].parse().ok(),
            band: band.map(|b| r[b].clone()).unwrap_or_default(),
            p_band: None,
            group_ranks: groups
                .iter()
                .map(|(g, i)| (g.clone(), r[*i].parse().ok()))
                .collect(),
        });
    }
    out.by_rank = (0..out.rows.len()).collect();
    out.by_rank
        .sort_by_key(|&i| out.rows[i].rank.unwrap_or(u32::MAX));
    let unc = dir.join("uncertainty.csv");
    if unc.is_file() {
        let (h, rows) = table(&unc)?;
        let p = h
            .iter()
            .position(|c| c.starts_with("p_") && c != "p_selected");
        if let (Some(c), Some(p)) = (col(&h, "area_code"), p) {
            out.p_band_name = Some(h[p][2..].to_string());
            for r in rows {
                if let Some(&i) = out.by_code.get(&r[c]) {
                    out.rows[i].p_band = r[p].parse().ok();
                }
            }
        }
    }
    let ind = dir.join("indicators.csv");
    if ind.is_file() {
        let (h, rows) = table(&ind)?;
        if let Some(c) = col(&h, "area_code") {
            let skip = |name: &str| name == "area_code" || name == "area_name";
            let cols: Vec<usize> = (0..h.len()).filter(|&i| !skip(&h[i])).collect();
            out.indicator_names = cols.iter().map(|&i| h[i].clone()).collect();
            out.indicator_sorted = vec![Vec::with_capacity(rows.len()); cols.len()];
            for r in rows {
                let vals: Vec<f64> = cols
                    .iter()
                    .map(|&i| r[i].parse().unwrap_or(f64::NAN))
                    .collect();
                for (k, v) in vals.iter().enumerate() {
                    if v.is_finite() {
                        out.indicator_sorted[k].push(*v);
                    }
                }
                out.indicator_rows.insert(r[c].clone(), vals);
            }
            for s in &mut out.indicator_sorted {
                s.sort_by(f64::total_cmp);
            }
        }
    }
    let sel = dir.join("selection.csv");
    if sel.is_file() {
        let (h, rows) = table(&sel)?;
        if let (Some(d), Some(s), Some(why)) =
            (col(&h, "districts"), col(&h, "selected"), col(&h, "reason"))
        {
            let an = col(&h, "area_name");
            let rk = col(&h, "rank");
            for r in rows {
                let outcome = Outcome {
                    area_name: an.map(|i| r[i].clone()).unwrap_or_default(),
                    selected: r[s] == "true",
                    rank: rk.map(|i| r[i].clone()).unwrap_or_default(),
                    reason: r[why].clone(),
                };
                for district in r[d].split([';', ' ', '|']).filter(|x| !x.is_empty()) {
                    out.outcomes.insert(district.to_string(), outcome.clone());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scores_uncertainty_and_selection() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("scores.csv"),
            "area_code,area_name,score,rank,band,score_young,rank_young\nE1,A,2.5,1,coldspot,1,2\nE2,B,1.0,2,,2,1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("uncertainty.csv"),
            "area_code,nominal_rank,median_rank,p05_rank,p95_rank,p_coldspot\nE1,1,1,1,2,0.9\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("selection.csv"),
            "area_id,area_name,districts,selected,wave,announced,on_long_list,rank,need,reason\nX,A,E1,true,1,,true,1,2.5,worst need\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("indicators.csv"),
            "area_code,area_name,x\nE1,A,3\nE2,B,1\n",
        )
        .unwrap();
        let r = read(dir.path()).unwrap();
        let st = r.standing("E1");
        assert_eq!(st.len(), 1);
        assert_eq!((st[0].value, st[0].percentile), (3.0, 50.0));
        assert_eq!(r.standing("E2")[0].percentile, 0.0);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.row("E1").unwrap().p_band, Some(0.9));
        assert_eq!(r.row("E2").unwrap().p_band, None);
        assert_eq!(
            r.row("E1").unwrap().group_ranks,
            vec![("young".to_string(), Some(2))]
        );
        assert_eq!(r.p_band_name.as_deref(), Some("coldspot"));
        assert_eq!(r.outcomes["E1"].reason, "worst need");
        assert!(read(&dir.path().join("nope")).is_err());
    }
}
