//! A study resolved for running: the parsed study and its bytes, the data directory and
//! the settings a caller may override (table formats, Monte Carlo samples and seed).
//! Resolved once, before any work; the command line, the web service and Python all
//! build one.

use crate::error::{Code, Error};
use oa_io::OutputFormat;
use oa_model::Study;
use std::path::{Path, PathBuf};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub study: Study,
    /// The study file's bytes (copied into the bundle and hashed in the manifest).
    pub study_toml: Vec<u8>,
    /// The study file as the user named it (messages, manifest).
    pub study_path: String,
    /// Where the study's relative paths are resolved.
    pub data_dir: PathBuf,
    /// Table formats besides CSV.
    pub formats: Vec<OutputFormat>,
    /// Monte Carlo samples instead of `uncertainty.samples`.
    pub samples: Option<i64>,
    /// Random seed instead of `uncertainty.seed`.
    pub seed: Option<u64>,
    /// How long reading and checking the study took (for the manifest's timings).
    pub parsed_in: std::time::Duration,
    /// The indicator data, when held in memory rather than in the study's source file.
    pub frame: Option<std::sync::Arc<crate::frames::Frame>>,
}

impl Plan {
    /// Reads and validates the study file at `path`; the data directory is `data_dir`, or
    /// else the study file's folder.
    pub fn from_file(path: &Path, data_dir: Option<&Path>) -> Result<Plan, Error> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::new(
                Code::StudyInvalid,
                format!(
                    "{}: study file not found; check the path (`oa init` writes one to start from)",
                    path.display()
                ),
            ),
            _ => Error::new(
                Code::StudyInvalid,
                format!("{}: cannot read: {e}", path.display()),
            ),
        })?;
        let data_dir = match data_dir {
            Some(d) => d.to_path_buf(),
            None => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
        };
        Plan::from_toml(bytes, &path.display().to_string(), data_dir)
    }

    /// Parses and validates study TOML held in memory; `label` names it in messages.
    pub fn from_toml(bytes: Vec<u8>, label: &str, data_dir: PathBuf) -> Result<Plan, Error> {
        let started = std::time::Instant::now();
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Error::new(
                Code::StudyInvalid,
                format!(
                    "{label}: not UTF-8 text (byte {}); save the study as UTF-8",
                    e.valid_up_to()
                ),
            )
        })?;
        let study = Study::from_toml_str(text, label)
            .map_err(|e| Error::new(Code::StudyInvalid, e.to_string()))?;
        Ok(Plan {
            study,
            study_toml: bytes,
            study_path: label.to_string(),
            data_dir,
            formats: Vec::new(),
            samples: None,
            seed: None,
            parsed_in: started.elapsed(),
            frame: None,
        })
    }

    /// A path of the study (relative to the data directory) on disk.
    pub fn data_path(&self, relative: &str) -> PathBuf {
        self.data_dir.join(relative)
    }
}
