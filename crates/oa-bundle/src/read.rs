//! Reading a bundle back into [`Results`]: the manifest first (its version decides how
//! the rest is read), then the study copied into the bundle, then each section's files.
//! Version 1 bundles (no `bundle_version` in the manifest) have the same files; their
//! sections are found from the files present and their headline from the study.

use crate::audit::Audit;
use crate::clusters::Clusters;
use crate::coverage::Coverage;
use crate::csv_table::CsvTable;
use crate::error::BundleError;
use crate::evaluation::Evaluation;
use crate::funding::Funding;
use crate::index::{Index, Indicators, Scores};
use crate::manifest::{Manifest, Section};
use crate::maps::{MAP_STEMS, Map, Maps};
use crate::method::{Outliers, PcaLoading};
use crate::report::Report;
use crate::results::{Results, SCORES, SMALL_AREA_SCORES, headline, map_names};
use crate::rollup::Rollup;
use crate::selection::Selection;
use crate::spatial_global::GlobalMoran;
use crate::uncertainty::{RankIntervals, Sensitivity, Stability, Uncertainty};
use oa_model::Study;
use oa_model::study::{OutlierTreatment, Weighting};
use std::path::Path;

/// Reads the bundle at `dir`.
pub fn read(dir: &Path) -> Result<Results, BundleError> {
    if !dir.is_dir() {
        return Err(BundleError::NotABundle {
            path: dir.display().to_string(),
        });
    }
    let mut manifest = Manifest::read(dir)?;
    let study_path = dir.join("study.toml");
    let study_toml = std::fs::read(&study_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BundleError::MissingFile {
            path: study_path.display().to_string(),
            why: "the copy of the study".into(),
        },
        _ => BundleError::io(&study_path, &e),
    })?;
    let study_error = |message: String| BundleError::Study {
        path: study_path.display().to_string(),
        message,
    };
    let text = std::str::from_utf8(&study_toml).map_err(|e| study_error(e.to_string()))?;
    let study = Study::from_toml_str(text, &study_path.display().to_string())
        .map_err(|e| study_error(e.to_string()))?;
    let sections = if manifest.sections.is_empty() {
        sections_from_files(dir, &study)
    } else {
        manifest.sections.clone()
    };
    let has = |s: Section| sections.contains(&s);

    let rolled_up = has(Section::Rollup);
    let scores_csv = format!("{}.csv", if rolled_up { SMALL_AREA_SCORES } else { SCORES });
    let groups: Vec<String> = study.groups.iter().map(|g| g.id.clone()).collect();
    let indicator_ids: Vec<String> = study.indicators.iter().map(|i| i.id.clone()).collect();
    let scores = Scores::from_csv(&CsvTable::read(dir, &scores_csv, Scores::TABLE)?, &groups)?;
    let indicators = Indicators::from_csv(
        &CsvTable::read(dir, "indicators.csv", Indicators::TABLE)?,
        &indicator_ids,
        &scores,
        &scores_csv,
    )?;
    // Version 1 bundles did not say why areas were dropped, what the method did, or
    // global Moran's I; version 2 bundles always do when the study asks for it.
    let v2 = manifest.bundle_version >= 2;
    let coverage = Coverage::from_csv(&CsvTable::read(dir, "coverage.csv", Coverage::TABLE)?, !v2)?;
    let outliers = if v2 && study.method.outliers == OutlierTreatment::Jrc {
        Some(Outliers::from_csv(
            &CsvTable::read(dir, "outliers.csv", Outliers::TABLE)?,
            &CsvTable::read(dir, "outlier_points.csv", Outliers::POINTS)?,
        )?)
    } else {
        None
    };
    let pca = if v2 && study.method.weights == Weighting::Pca {
        Some(PcaLoading::from_csv(&CsvTable::read(
            dir,
            "pca.csv",
            PcaLoading::TABLE,
        )?)?)
    } else {
        None
    };
    let index = Index {
        scores,
        indicators,
        coverage,
        outliers,
        pca,
    };

    let rollup = if rolled_up {
        Some(Rollup::from_csv(&CsvTable::read(
            dir,
            &format!("{SCORES}.csv"),
            Rollup::TABLE,
        )?)?)
    } else {
        None
    };
    let clusters = if has(Section::Clusters) {
        Some(Clusters::from_csv(
            &CsvTable::read(dir, "clusters.csv", Clusters::TABLE)?,
            if v2 {
                Some(CsvTable::read(
                    dir,
                    "spatial_global.csv",
                    GlobalMoran::TABLE,
                )?)
            } else {
                None
            }
            .as_ref(),
        )?)
    } else {
        None
    };
    let selection = if has(Section::Selection) {
        Some(Selection::from_csv(
            &CsvTable::read(dir, "selection.csv", Selection::TABLE)?,
            read_text(dir, "selection.md", "the selection in words")?,
        )?)
    } else {
        None
    };
    let funding = if has(Section::Funding) {
        Some(Funding::from_csv(
            &CsvTable::read(dir, "funds.csv", "funds")?,
            &CsvTable::read(dir, "allocations.csv", "allocations")?,
            read_text(dir, "allocations.md", "the allocations in words")?,
        )?)
    } else {
        None
    };
    let uncertainty = if has(Section::Uncertainty) {
        let bands: Vec<String> = study
            .bands
            .named
            .iter()
            .chain(study.rollup.iter().flat_map(|r| r.bands.iter()))
            .map(|b| b.name.clone())
            .collect();
        let optional = |file: &str, table| -> Result<Option<CsvTable>, BundleError> {
            if dir.join(file).is_file() {
                CsvTable::read(dir, file, table).map(Some)
            } else {
                Ok(None)
            }
        };
        Some(Uncertainty {
            areas: RankIntervals::from_csv(
                &CsvTable::read(dir, "uncertainty.csv", RankIntervals::TABLE)?,
                &bands,
            )?,
            stability: optional("selection_stability.csv", Stability::TABLE)?
                .map(|t| Stability::from_csv(&t))
                .transpose()?,
            sensitivity: optional("sensitivity.csv", Sensitivity::TABLE)?
                .map(|t| Sensitivity::from_csv(&t))
                .transpose()?,
            chart: read_text(dir, "uncertainty.svg", "the rank-interval chart")?,
            sensitivity_chart: if dir.join("sensitivity.svg").is_file() {
                Some(read_text(dir, "sensitivity.svg", "the sensitivity chart")?)
            } else {
                None
            },
        })
    } else {
        None
    };
    let maps = if has(Section::Maps) {
        let mut maps = Vec::new();
        for stem in MAP_STEMS {
            let (svg, png) = map_names(stem);
            if !dir.join(svg).is_file() {
                continue;
            }
            maps.push(Map {
                stem: stem.to_string(),
                svg: read_text(dir, svg, "a map")?,
                png: if dir.join(png).is_file() {
                    Some(
                        std::fs::read(dir.join(png))
                            .map_err(|e| BundleError::io(&dir.join(png), &e))?,
                    )
                } else {
                    None
                },
            });
        }
        Some(Maps { maps })
    } else {
        None
    };
    let audit = if has(Section::Audit) {
        Some(Audit::read(dir, &study)?)
    } else {
        None
    };
    let evaluation = has(Section::Evaluation)
        .then(|| Evaluation::read(dir, manifest.outputs.iter().map(|o| o.path.as_str())))
        .transpose()?;
    let report = has(Section::Report)
        .then(|| Report::read(dir))
        .transpose()?;
    if manifest.headline.is_none() {
        manifest.headline = Some(headline(&study, rollup.as_ref(), &index));
    }
    manifest.sections = sections;
    Ok(Results {
        manifest,
        study,
        study_toml,
        index,
        rollup,
        clusters,
        selection,
        funding,
        uncertainty,
        maps,
        audit,
        evaluation,
        report,
    })
}

/// A version 1 bundle's sections, from the files present.
fn sections_from_files(dir: &Path, study: &Study) -> Vec<Section> {
    let file = |name: &str| dir.join(name).is_file();
    Section::ALL
        .into_iter()
        .filter(|s| match s {
            Section::Index => true,
            Section::Rollup => study.rollup.is_some() && file("small_area_scores.csv"),
            Section::Clusters => file("clusters.csv"),
            Section::Selection => file("selection.csv"),
            Section::Funding => file("funds.csv"),
            Section::Uncertainty => file("uncertainty.csv"),
            Section::Maps => MAP_STEMS.iter().any(|m| file(&format!("{m}.svg"))),
            // Version 1 bundles had no audit.
            Section::Audit => false,
            Section::Evaluation => false,
            Section::Report => Report::present(dir),
        })
        .collect()
}

pub(crate) fn read_text(dir: &Path, name: &str, what: &str) -> Result<String, BundleError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BundleError::MissingFile {
            path: path.display().to_string(),
            why: what.to_string(),
        },
        _ => BundleError::io(&path, &e),
    })
}

/// Checks every output the manifest records against the file in the bundle (size and
/// SHA-256): a file changed, removed or added by hand after `oa` wrote the bundle is
/// named. Use before trusting a bundle from elsewhere (an import).
pub fn verify(dir: &Path) -> Result<Manifest, BundleError> {
    let manifest = Manifest::read(dir)?;
    for out in &manifest.outputs {
        let path = dir.join(&out.path);
        let found = oa_io::digest::digest_file(&path, &out.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BundleError::MissingFile {
                path: path.display().to_string(),
                why: "the manifest records it".into(),
            },
            _ => BundleError::io(&path, &e),
        })?;
        if found.sha256 != out.sha256 || found.bytes != out.bytes {
            return Err(BundleError::Tampered {
                path: path.display().to_string(),
                expected: out.sha256.clone(),
                found: found.sha256,
            });
        }
    }
    Ok(manifest)
}

/// Checks files held in memory (an upload) against a bundle's manifest: each file given
/// must be listed in its `outputs` with the same size and SHA-256, and each file listed
/// but not given (`None`) is reported missing. Only the manifest's version and `outputs`
/// are read. Returns the manifest's outputs.
pub fn verify_files(
    manifest_json: &str,
    files: &[(&str, Option<&[u8]>)],
) -> Result<Vec<oa_io::FileDigest>, BundleError> {
    #[derive(serde::Deserialize)]
    struct Outputs {
        #[serde(default)]
        bundle_version: Option<u32>,
        outputs: Vec<oa_io::FileDigest>,
    }
    let malformed = |e: serde_json::Error| BundleError::Manifest {
        path: crate::MANIFEST_FILE.into(),
        message: format!(
            "not a valid manifest (line {}, column {}: {e}); write the bundle again with `oa run`",
            e.line(),
            e.column()
        ),
    };
    let m: Outputs = serde_json::from_str(manifest_json).map_err(malformed)?;
    if let Some(found) = m.bundle_version.filter(|v| *v > crate::BUNDLE_VERSION) {
        return Err(BundleError::NewerVersion {
            path: crate::MANIFEST_FILE.into(),
            found,
            supported: crate::BUNDLE_VERSION,
        });
    }
    for (name, bytes) in files {
        let listed = m.outputs.iter().find(|o| o.path == *name);
        match (bytes, listed) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(BundleError::MissingFile {
                    path: name.to_string(),
                    why: "the manifest lists it".into(),
                });
            }
            (Some(_), None) => {
                return Err(BundleError::Unlisted {
                    path: name.to_string(),
                });
            }
            (Some(bytes), Some(entry)) => {
                let found = oa_io::digest::sha256_hex(bytes);
                if !found.eq_ignore_ascii_case(&entry.sha256) || entry.bytes != bytes.len() as u64 {
                    return Err(BundleError::Tampered {
                        path: name.to_string(),
                        expected: entry.sha256.clone(),
                        found,
                    });
                }
            }
        }
    }
    Ok(m.outputs)
}
