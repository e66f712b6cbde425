//! The index stage: the engine's result as the bundle's index section (scores in rank
//! order, normalised indicators, coverage per area read with why areas were dropped and
//! which rows were skipped, what the outlier rule did, the PCA behind PCA weights).

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{
    AreaStatus, Coverage, DropReason, GroupScores, Index, IndicatorTreatment, Indicators,
    OutlierPoint, Outliers, PcaLoading, PointEnd, Scores, Treatment,
};
use oa_engine::{IndexResult, IndicatorMatrix, Progress};
use oa_io::StudyData;
use oa_model::Study;

/// Computes the index of `data` as the study declares.
pub fn compute(
    plan: &Plan,
    data: &mut StudyData,
    progress: &dyn Progress,
) -> Result<IndexResult, Error> {
    let result = with_matrix(data, |m| oa_engine::compute_index(&plan.study, m, progress))
        .map_err(|e| Error::new(Code::IndexFailed, format!("{}: {e}", plan.study_path)))?;
    progress.finish();
    Ok(result)
}

/// Runs `f` on the engine's input, the data's indicator columns with the area codes for
/// messages. They are moved into the matrix and back, not copied: for the IMD that is
/// 32,844 codes and seven columns of 32,844 values.
pub fn with_matrix<T>(data: &mut StudyData, f: impl FnOnce(&IndicatorMatrix) -> T) -> T {
    let matrix = IndicatorMatrix::new(
        std::mem::take(&mut data.indicator_ids),
        std::mem::take(&mut data.columns),
    )
    .with_area_codes(std::mem::take(&mut data.area_codes));
    let out = f(&matrix);
    let IndicatorMatrix {
        ids,
        columns,
        area_codes,
    } = matrix;
    data.indicator_ids = ids;
    data.columns = columns;
    data.area_codes = area_codes;
    out
}

/// The index section of the bundle.
pub fn tables(study: &Study, data: &StudyData, r: &IndexResult) -> Index {
    let order = rank_order(r);
    let (scores, (indicators, coverage)) = rayon::join(
        || scores(study, data, r, &order),
        || rayon::join(|| indicators(r, &order), || coverage(study, data, r)),
    );
    Index {
        scores,
        indicators,
        coverage,
        outliers: (study.method.outliers == oa_model::study::OutlierTreatment::Jrc)
            .then(|| outliers(data, r)),
        pca: (study.method.weights == oa_model::study::Weighting::Pca).then(|| pca(r)),
    }
}

/// What the JRC rule did to each indicator, and every point it moved.
fn outliers(data: &StudyData, r: &IndexResult) -> Outliers {
    let name = |a: usize| data.area_names.get(a).cloned().unwrap_or_default();
    Outliers {
        indicators: r
            .outliers
            .iter()
            .map(|o| IndicatorTreatment {
                indicator: o.indicator.clone(),
                treatment: match o.treatment() {
                    "log" => Treatment::Log,
                    "winsorised" => Treatment::Winsorised,
                    _ => Treatment::None,
                },
                skew_before: o.skew_before,
                kurtosis_before: o.kurtosis_before,
                skew_after: o.skew_after,
                kurtosis_after: o.kurtosis_after,
                passes: o.passes,
                winsorised: o.winsorised as u32,
                log_shift: o.log_shift.unwrap_or(f64::NAN),
            })
            .collect(),
        points: r
            .outliers
            .iter()
            .flat_map(|o| {
                o.points.iter().map(|p| OutlierPoint {
                    indicator: o.indicator.clone(),
                    area_code: data.area_codes[p.area].clone(),
                    area_name: name(p.area),
                    end: if p.high {
                        PointEnd::High
                    } else {
                        PointEnd::Low
                    },
                    original: p.original,
                    treated: p.treated,
                })
            })
            .collect(),
    }
}

/// One row per child of each node whose weights came from principal components (groups
/// in study order, then the index).
fn pca(r: &IndexResult) -> Vec<PcaLoading> {
    let mut rows = Vec::new();
    for node in r.groups.iter().chain(std::iter::once(&r.index)) {
        let Some(p) = &node.pca else { continue };
        for (j, child) in node.children.iter().enumerate() {
            rows.push(PcaLoading {
                group: node.id.clone(),
                child: child.clone(),
                loading: p.loadings[j],
                weight: node.weights[j],
                component: j as u32 + 1,
                eigenvalue: p.eigenvalues.get(j).copied().unwrap_or(f64::NAN),
                explained_variance: p.explained_variance,
                areas_used: p.areas_used as u32,
            });
        }
    }
    rows
}

/// Kept areas (positions into the result's per-area vectors) by rank, ties and unranked
/// areas by input order.
fn rank_order(result: &IndexResult) -> Vec<usize> {
    let mut order: Vec<usize> = (0..result.n_areas()).collect();
    let rank = &result.index.rank;
    order.sort_by_key(|&i| (if rank[i] == 0 { u32::MAX } else { rank[i] }, i));
    order
}

fn rank_column(ranks: &[u32], order: &[usize]) -> Vec<Option<u32>> {
    order
        .iter()
        .map(|&i| (ranks[i] > 0).then_some(ranks[i]))
        .collect()
}

fn scores(study: &Study, data: &StudyData, r: &IndexResult, order: &[usize]) -> Scores {
    Scores {
        area_code: order
            .iter()
            .map(|&i| data.area_codes[r.kept[i]].clone())
            .collect(),
        area_name: order
            .iter()
            .map(|&i| data.area_names.get(r.kept[i]).cloned().unwrap_or_default())
            .collect(),
        score: order.iter().map(|&i| r.index.score[i]).collect(),
        rank: rank_column(&r.index.rank, order),
        band: order
            .iter()
            .map(|&i| r.band_of(i).unwrap_or_default().to_string())
            .collect(),
        quantile: r
            .quantile
            .as_ref()
            .map(|q| order.iter().map(|&i| (q[i] > 0).then_some(q[i])).collect()),
        groups: study
            .groups
            .iter()
            .filter_map(|g| r.node(&g.id))
            .map(|node| GroupScores {
                id: node.id.clone(),
                score: order.iter().map(|&i| node.score[i]).collect(),
                rank: rank_column(&node.rank, order),
            })
            .collect(),
    }
}

fn indicators(r: &IndexResult, order: &[usize]) -> Indicators {
    Indicators {
        columns: r
            .indicator_ids
            .iter()
            .zip(&r.normalised)
            .map(|(id, col)| (id.clone(), order.iter().map(|&i| col[i]).collect()))
            .collect(),
    }
}

fn coverage(study: &Study, data: &StudyData, r: &IndexResult) -> Coverage {
    let n = data.area_codes.len();
    let k = study.indicators.len() as u32;
    let mut imputed = vec![0u32; n];
    for c in &r.imputed {
        if let Some(x) = imputed.get_mut(c.area) {
            *x += 1;
        }
    }
    let mut kept = vec![false; n];
    for &a in &r.kept {
        kept[a] = true;
    }
    let mut reason = vec![None; n];
    for (&a, why) in r.dropped.iter().zip(&r.dropped_reasons) {
        reason[a] = Some(match why {
            oa_engine::DropReason::NoData => DropReason::NoData,
            oa_engine::DropReason::BelowCoverage => DropReason::BelowCoverage,
        });
    }
    Coverage {
        area_code: data.area_codes.clone(),
        area_name: (0..n)
            .map(|a| data.area_names.get(a).cloned().unwrap_or_default())
            .collect(),
        indicators: vec![k; n],
        present: (0..n)
            .map(|a| data.columns.iter().filter(|col| !col[a].is_nan()).count() as u32)
            .collect(),
        coverage: r.coverage.clone(),
        imputed,
        status: kept
            .iter()
            .map(|&x| {
                if x {
                    AreaStatus::Kept
                } else {
                    AreaStatus::Dropped
                }
            })
            .collect(),
        reason,
        skipped: data.skipped.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_borrows_the_data_and_gives_it_back_unchanged() {
        let mut data = StudyData {
            area_codes: vec!["E01".into(), "E02".into()],
            area_names: vec!["One".into(), "Two".into()],
            indicator_ids: vec!["income".into()],
            columns: vec![vec![0.5, f64::NAN]],
            missing: Vec::new(),
            joins: Vec::new(),
            inputs: Vec::new(),
            areas_read: 2,
            skipped: Vec::new(),
            recased: Vec::new(),
            reads: Vec::new(),
        };
        let before = format!("{data:?}");
        let seen = with_matrix(&mut data, |m| {
            (
                m.ids.clone(),
                m.columns[0][0],
                m.area_codes.clone(),
                m.n_areas(),
            )
        });
        assert_eq!(
            seen,
            (
                vec!["income".to_string()],
                0.5,
                vec!["E01".to_string(), "E02".to_string()],
                2
            )
        );
        assert_eq!(format!("{data:?}"), before);
    }
}
