//! `manifest.json`: what a results bundle was made from and how, so a run can be checked
//! and repeated: the `oa` version, the study and its SHA-256, the data directory, every
//! input with its SHA-256, the study's parameters, every output with its SHA-256, and
//! timings.

use crate::digest::{FileDigest, digest_file, sha256_hex};
use crate::error::{ReadError, WriteError};
use oa_model::Study;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// File name of the manifest inside a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The study a bundle was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyRecord {
    pub id: String,
    /// The study file as given on the command line.
    pub path: String,
    /// SHA-256 of the study file's bytes.
    pub sha256: String,
}

/// How long one stage took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub stage: String,
    pub ms: f64,
}

/// The manifest of a results bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of `oa` that wrote the bundle.
    pub oa_version: String,
    pub study: StudyRecord,
    /// The data directory the study's source paths were resolved against (absolute when
    /// it exists), so `oa select OUT` can find the data again.
    pub data_dir: String,
    /// Files read, with paths as the study names them (relative to `data_dir`).
    pub inputs: Vec<FileDigest>,
    /// The study as JSON: every parameter of the run.
    pub parameters: serde_json::Value,
    /// Files in the bundle (paths relative to it, `/`-separated), except the manifest.
    pub outputs: Vec<FileDigest>,
    /// Timings of the stages, in the order they ran.
    pub timings: Vec<Timing>,
    /// When the bundle was written (RFC 3339, UTC).
    pub created_at: String,
}

impl Manifest {
    /// A manifest for a run of `study` (read from `study_path`, whose bytes are hashed)
    /// on `data_dir`, stamped now.
    pub fn new(
        oa_version: &str,
        study: &Study,
        study_path: &Path,
        data_dir: &Path,
    ) -> Result<Manifest, ReadError> {
        let bytes = std::fs::read(study_path).map_err(|e| ReadError::io(study_path, &e))?;
        Ok(Manifest::from_study_bytes(
            oa_version,
            study,
            &study_path.display().to_string(),
            &bytes,
            data_dir,
        ))
    }

    /// As [`Manifest::new`], with the study file's bytes already in hand.
    pub fn from_study_bytes(
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
            oa_version: oa_version.to_string(),
            study: StudyRecord {
                id: study.study.id.clone(),
                path: study_path.to_string(),
                sha256: sha256_hex(study_bytes),
            },
            data_dir,
            inputs: Vec::new(),
            parameters: serde_json::to_value(study).unwrap_or(serde_json::Value::Null),
            outputs: Vec::new(),
            timings: Vec::new(),
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

    /// Records (or refreshes) the output `relative` of the bundle at `dir`, hashing it.
    pub fn add_output(&mut self, dir: &Path, relative: &str) -> Result<(), WriteError> {
        let path = dir.join(relative);
        let digest = digest_file(&path, relative).map_err(|e| WriteError::io(&path, e))?;
        self.record_output(digest);
        Ok(())
    }

    /// Records (or refreshes) an output whose digest is already known.
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

    /// Writes `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        crate::bundle::write_file_atomic(&dir.join(MANIFEST_FILE), self.to_json().as_bytes())
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, ReadError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::MissingFile {
                path: format!(
                    "{} (is {} a results bundle?)",
                    path.display(),
                    dir.display()
                ),
            },
            _ => ReadError::io(&path, &e),
        })?;
        serde_json::from_str(&text).map_err(|e| ReadError::Malformed {
            path: path.display().to_string(),
            format: "manifest JSON",
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
        })
    }
}

/// Now as RFC 3339 UTC with whole seconds, e.g. `2026-11-27T04:05:06Z`.
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
