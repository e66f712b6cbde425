//! `manifest.json`: what a results bundle was made from and how, so a run can be checked
//! and repeated: the bundle layout's version, the `oa` version, the study and its
//! SHA-256, the data directory, every input with its SHA-256, the study's parameters, the
//! headline measure, the sections present, every output with its SHA-256, and timings.

use crate::error::BundleError;
use oa_io::FileDigest;
use oa_io::digest::sha256_hex;
use oa_model::Study;
use oa_model::study::{Direction, End};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// File name of the manifest inside a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The layout this build writes. Version 1: bundles written before the manifest recorded
/// a version (same files; no `headline`, `sections` or `formats`). Version 2 adds them.
pub const BUNDLE_VERSION: u32 = 2;

/// The study a bundle was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyRecord {
    pub id: String,
    /// The study file as given on the command line.
    pub path: String,
    /// SHA-256 of the study file's bytes.
    pub sha256: String,
}

/// One step of the index's method as it ran, with its setting in words (`impute`:
/// `group_mean of siblings, in the indicators' own units`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodStep {
    pub step: String,
    pub detail: String,
}

/// How one source was read: what a reader of the bundle needs to know to read the file
/// the same way again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The source's id.
    pub source: String,
    /// Its path, relative to the data directory.
    pub path: String,
    /// Data rows in the file (before filters).
    pub rows_read: usize,
    /// Areas read from it (after filters and rows skipped).
    pub areas: usize,
    /// The period kept, when the layout selects one (`period = { select = "latest" }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The field separator of a CSV file, declared or detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Rows skipped on purpose (listed in `coverage.csv`).
    #[serde(default)]
    pub skipped: usize,
    /// Area codes written in lower case and read upper case.
    #[serde(default)]
    pub recased: usize,
}

/// Which build of `oa` wrote the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// The version (`0.1.0`).
    pub version: String,
    /// The git commit checked out when it was built, when built in a git checkout
    /// (changes not committed are not detected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// A build id given at build time (`OA_BUILD_ID`), for builds outside git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `release` or `debug`.
    pub profile: String,
}

/// How long one stage took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub stage: String,
    pub ms: f64,
}

/// The parts of a bundle; each is present when the study declared it (`index` always).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Index,
    Rollup,
    Clusters,
    Selection,
    Funding,
    Uncertainty,
    Maps,
    Audit,
    Evaluation,
    Report,
}

impl Section {
    pub const ALL: [Section; 10] = [
        Section::Index,
        Section::Audit,
        Section::Rollup,
        Section::Clusters,
        Section::Selection,
        Section::Funding,
        Section::Uncertainty,
        Section::Maps,
        Section::Evaluation,
        Section::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Index => "index",
            Section::Rollup => "rollup",
            Section::Clusters => "clusters",
            Section::Selection => "selection",
            Section::Funding => "funding",
            Section::Uncertainty => "uncertainty",
            Section::Maps => "maps",
            Section::Audit => "audit",
            Section::Evaluation => "evaluation",
            Section::Report => "report",
        }
    }
}

/// Which table and columns hold a bundle's main result, so that a reader (the dashboard,
/// a report) need not guess: `scores.csv` with `score`, `rank`, `band` for an index, or
/// `average_score` and `rank_average_score` for district summaries rolled up from small
/// areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// The table, e.g. `scores.csv`.
    pub table: String,
    /// The area type of its rows, e.g. `lad` or `lsoa`.
    pub area_type: String,
    /// The vintage of its area codes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vintage: Option<u16>,
    /// Number of areas ranked.
    pub areas: usize,
    /// The score column and which way it runs.
    pub score: String,
    pub score_direction: Direction,
    /// The rank column and which end rank 1 is.
    pub rank: String,
    pub rank_1: End,
    /// The named-band column, when areas are banded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
    /// The band names, in study order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<String>,
}

fn version_one() -> u32 {
    1
}

fn csv_only() -> Vec<String> {
    vec!["csv".to_string()]
}

/// The manifest of a results bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The bundle layout's version ([`BUNDLE_VERSION`]; absent = 1).
    #[serde(default = "version_one")]
    pub bundle_version: u32,
    /// Version of `oa` that wrote the bundle.
    pub oa_version: String,
    /// The build that wrote it (git commit or build id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    pub study: StudyRecord,
    /// The data directory the study's source paths were resolved against (absolute when
    /// it exists), so `oa select OUT` can find the data again.
    pub data_dir: String,
    /// The bundle's main result (version 2; derived from the files for version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<Headline>,
    /// The sections present (version 2; derived from the files for version 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// Table formats written besides CSV (`parquet`, `xlsx`); CSV is always written.
    #[serde(default = "csv_only")]
    pub formats: Vec<String>,
    /// Files read, with paths as the study names them (relative to `data_dir`).
    pub inputs: Vec<FileDigest>,
    /// The study as JSON: every parameter of the run.
    pub parameters: serde_json::Value,
    /// Settings the caller gave in place of the study's (`uncertainty.samples` from
    /// `--samples`, ...), by study key.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub overrides: std::collections::BTreeMap<String, serde_json::Value>,
    /// How each indicator source was read, in read order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRecord>,
    /// The index's method as it ran: each step in order with its setting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method: Vec<MethodStep>,
    /// Files in the bundle (paths relative to it, `/`-separated), except the manifest.
    pub outputs: Vec<FileDigest>,
    /// Timings of the stages, in the order they ran.
    pub timings: Vec<Timing>,
    /// Things a reader should know that did not stop the run: the engine's warnings
    /// (PCA weights that summarise their children poorly), codes that did not join,
    /// codes read upper case, areas in the data but not on the map, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When the bundle was written (RFC 3339, UTC).
    pub created_at: String,
}

impl Manifest {
    /// A manifest for a run of `study` (its file's bytes hashed) on `data_dir`, stamped
    /// now.
    pub fn new(
        oa_version: &str,
        study: &Study,
        study_path: &str,
        study_bytes: &[u8],
        data_dir: &Path,
    ) -> Manifest {
        let data_dir = std::fs::canonicalize(data_dir)
            .unwrap_or_else(|_| data_dir.to_path_buf())
            .display()
            .to_string();
        Manifest {
            bundle_version: BUNDLE_VERSION,
            oa_version: oa_version.to_string(),
            build: None,
            study: StudyRecord {
                id: study.study.id.clone(),
                path: study_path.to_string(),
                sha256: sha256_hex(study_bytes),
            },
            data_dir,
            headline: None,
            sections: Vec::new(),
            formats: csv_only(),
            inputs: Vec::new(),
            parameters: serde_json::to_value(study).unwrap_or(serde_json::Value::Null),
            overrides: Default::default(),
            sources: Vec::new(),
            method: Vec::new(),
            outputs: Vec::new(),
            timings: Vec::new(),
            notes: Vec::new(),
            created_at: now_rfc3339(),
        }
    }

    /// Records inputs (skipping paths already recorded).
    pub fn add_inputs(&mut self, inputs: &[FileDigest]) {
        for i in inputs {
            if !self.inputs.iter().any(|x| x.path == i.path) {
                self.inputs.push(i.clone());
            }
        }
    }

    /// Records (or refreshes) an output whose digest is known.
    pub fn record_output(&mut self, digest: FileDigest) {
        match self.outputs.iter_mut().find(|o| o.path == digest.path) {
            Some(o) => *o = digest,
            None => self.outputs.push(digest),
        }
    }

    /// Records how long a stage took (a stage timed twice keeps both entries).
    pub fn add_timing(&mut self, stage: &str, elapsed: Duration) {
        self.timings.push(Timing {
            stage: stage.to_string(),
            ms: (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        });
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads `dir/manifest.json` of any version this build reads (older versions are
    /// returned as they are; [`crate::read`] upgrades them).
    pub fn read(dir: &Path) -> Result<Manifest, BundleError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BundleError::NotABundle {
                path: dir.display().to_string(),
            },
            _ => BundleError::io(&path, &e),
        })?;
        Manifest::parse(&path.display().to_string(), &text)
    }

    /// Parses manifest JSON; the version is checked first, so a newer bundle gets a clear
    /// message whatever else changed.
    pub fn parse(path: &str, text: &str) -> Result<Manifest, BundleError> {
        let malformed = |e: serde_json::Error| BundleError::Manifest {
            path: path.to_string(),
            message: format!(
                "not a valid manifest (line {}, column {}: {e}); run the study again to rebuild the bundle",
                e.line(),
                e.column()
            ),
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
        let version = match value.get("bundle_version") {
            None => 1,
            Some(v) => v
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| BundleError::Manifest {
                    path: path.to_string(),
                    message: format!("`bundle_version` is {v}, not a whole number"),
                })?,
        };
        if version > BUNDLE_VERSION {
            return Err(BundleError::NewerVersion {
                path: path.to_string(),
                found: version,
                supported: BUNDLE_VERSION,
            });
        }
        serde_json::from_value(value).map_err(malformed)
    }
}

/// Now as RFC 3339 UTC with whole seconds, e.g. `2026-11-27T04:05:06Z`.
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
