//! Results bundles: a directory of outputs plus `manifest.json`, written so a failed run
//! leaves nothing half-written.
//!
//! [`BundleWriter`] stages everything in a hidden temporary directory beside OUT and
//! renames it into place only in [`BundleWriter::finish`]; dropping the writer (an error
//! anywhere) removes the staging directory. [`BundleUpdate`] replaces or adds files in an
//! existing bundle (`oa select OUT`, `oa allocate OUT`) the same way, file by file.
//! [`read_scores`] and [`read_manifest`] read a bundle back.

use crate::digest::FileDigest;
use crate::error::{ReadError, WriteError};
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::source::read_table;
use crate::table::{OutputFormat, Table};
use oa_model::study::{Layout, Source, SourceFormat};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// File name of the scores table inside a bundle.
pub const SCORES_FILE: &str = "scores.csv";

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so readers see the old file or the new one, never a partial one.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".oa-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| WriteError::io(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| WriteError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| WriteError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| WriteError::io(path, e.error))?;
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A path inside a bundle: relative, no `..`.
fn check_relative(dir: &Path, relative: &str) -> Result<PathBuf, WriteError> {
    let p = Path::new(relative);
    let ok = !relative.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(dir.join(p))
    } else {
        Err(WriteError::BadRelativePath {
            path: dir.display().to_string(),
            name: relative.to_string(),
        })
    }
}

/// True when `dir` is absent, an empty directory, or a bundle (has `manifest.json`).
fn check_replaceable(out: &Path) -> Result<(), WriteError> {
    match std::fs::metadata(out) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(WriteError::NotADirectory {
            path: out.display().to_string(),
        }),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out).map_err(|e| WriteError::io(out, e))?;
            if entries.next().is_none() || out.join(MANIFEST_FILE).is_file() {
                Ok(())
            } else {
                Err(WriteError::NotABundle {
                    path: out.display().to_string(),
                })
            }
        }
    }
}

/// Every file under `dir` (relative, `/`-separated, sorted), skipping the manifest and
/// hidden temporary files.
fn list_files(dir: &Path) -> Result<Vec<String>, WriteError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), WriteError> {
        for entry in std::fs::read_dir(dir).map_err(|e| WriteError::io(dir, e))? {
            let entry = entry.map_err(|e| WriteError::io(dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with(".oa-") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect();
                let rel = rel.join("/");
                if rel != MANIFEST_FILE {
                    out.push(rel);
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Writes a new results bundle at OUT, all or nothing.
///
/// ```no_run
/// # use oa_io::{BundleWriter, Manifest, Table, OutputFormat};
/// # fn demo(manifest: &mut Manifest, scores: &Table) -> Result<(), oa_io::WriteError> {
/// let bundle = BundleWriter::create(std::path::Path::new("out"))?;
/// scores.write_formats(bundle.dir(), "scores", &[OutputFormat::Csv])?;
/// bundle.finish(manifest)?; // hashes every file, writes manifest.json, renames into place
/// # Ok(()) }
/// ```
pub struct BundleWriter {
    out: PathBuf,
    staging: tempfile::TempDir,
    /// Digests of tables hashed as they were written, so `finish` need not read them
    /// back; cleared by [`BundleWriter::forget_digests`] once others may rewrite files.
    digests: std::sync::Mutex<Vec<FileDigest>>,
}

impl BundleWriter {
    /// Prepares to write OUT. Refuses when OUT is a file or a non-empty directory that is
    /// not a bundle; a previous bundle is replaced only in [`BundleWriter::finish`].
    pub fn create(out: &Path) -> Result<BundleWriter, WriteError> {
        check_replaceable(out)?;
        let parent = parent_dir(out);
        std::fs::create_dir_all(&parent).map_err(|e| WriteError::io(&parent, e))?;
        let staging = tempfile::Builder::new()
            .prefix(".oa-bundle-")
            .tempdir_in(&parent)
            .map_err(|e| WriteError::io(&parent, e))?;
        Ok(BundleWriter {
            out: out.to_path_buf(),
            staging,
            digests: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The staging directory: write the bundle's files here (stages get it as `ctx.out`).
    pub fn dir(&self) -> &Path {
        self.staging.path()
    }

    /// Where the bundle will be once finished.
    pub fn target(&self) -> &Path {
        &self.out
    }

    /// Writes a file into the bundle (creating subdirectories) and returns its relative
    /// path.
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<String, WriteError> {
        let path = check_relative(self.dir(), relative)?;
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| WriteError::io(p, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| WriteError::io(&path, e))?;
        Ok(relative.to_string())
    }

    /// Writes `stem.<ext>` for each format into the bundle.
    pub fn write_table(
        &self,
        stem: &str,
        table: &Table,
        formats: &[OutputFormat],
    ) -> Result<Vec<String>, WriteError> {
        check_relative(self.dir(), stem)?;
        let others: Vec<OutputFormat> = formats
            .iter()
            .copied()
            .filter(|f| *f != OutputFormat::Csv)
            .collect();
        let mut written = table.write_formats(self.dir(), stem, &others)?;
        if others.len() < formats.len() {
            let name = format!("{stem}.csv");
            let digest = table.write_csv_digest(&self.dir().join(&name), &name)?;
            let mut digests = self.digests.lock().unwrap_or_else(|e| e.into_inner());
            digests.retain(|d| d.path != name);
            digests.push(digest);
            written.insert(0, name);
        }
        Ok(written)
    }

    /// Drops the digests kept from [`BundleWriter::write_table`], so `finish` hashes every
    /// file afresh: call it before code that may rewrite the bundle's files directly (the
    /// stages write into [`BundleWriter::dir`]).
    pub fn forget_digests(&self) {
        self.digests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Hashes every file written into the manifest's outputs, writes `manifest.json`, and
    /// moves the bundle to OUT (replacing a previous bundle there). Returns OUT.
    pub fn finish(self, manifest: &mut Manifest) -> Result<PathBuf, WriteError> {
        let dir = self.staging.path().to_path_buf();
        let files = list_files(&dir)?;
        manifest.outputs.retain(|o| files.contains(&o.path));
        let known = self.digests.into_inner().unwrap_or_else(|e| e.into_inner());
        for f in &files {
            match known.iter().find(|d| &d.path == f) {
                Some(d) => manifest.record_output(d.clone()),
                None => manifest.add_output(&dir, f)?,
            }
        }
        manifest.outputs.sort_by(|a, b| a.path.cmp(&b.path));
        manifest.write(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| WriteError::io(&dir, e))?;
        }
        check_replaceable(&self.out)?;
        let parent = parent_dir(&self.out);
        let staged = self.staging.keep();
        let result = swap_into_place(&staged, &self.out, &parent);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staged);
        }
        result?;
        Ok(self.out)
    }
}

/// Renames `staged` to `out`; an existing `out` is first moved aside (onto an empty
/// placeholder directory, which rename may replace) and removed after.
fn swap_into_place(staged: &Path, out: &Path, parent: &Path) -> Result<(), WriteError> {
    if !out.exists() {
        return std::fs::rename(staged, out).map_err(|e| WriteError::io(out, e));
    }
    let old = tempfile::Builder::new()
        .prefix(".oa-old-")
        .tempdir_in(parent)
        .map_err(|e| WriteError::io(parent, e))?
        .keep();
    std::fs::rename(out, &old).map_err(|e| {
        let _ = std::fs::remove_dir(&old);
        WriteError::io(out, e)
    })?;
    if let Err(e) = std::fs::rename(staged, out) {
        let _ = std::fs::rename(&old, out);
        return Err(WriteError::io(out, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Adds or replaces files in an existing bundle: files are staged inside the bundle, then
/// each is renamed over its target in [`BundleUpdate::commit`], and the manifest is
/// rewritten atomically with their digests. Dropping without commit changes nothing.
pub struct BundleUpdate {
    dir: PathBuf,
    staging: tempfile::TempDir,
    manifest: Manifest,
    staged: Vec<String>,
}

impl BundleUpdate {
    /// Opens the bundle at `dir` (it must have `manifest.json`).
    pub fn open(dir: &Path) -> Result<BundleUpdate, ReadError> {
        let manifest = Manifest::read(dir)?;
        let staging = tempfile::Builder::new()
            .prefix(".oa-update-")
            .tempdir_in(dir)
            .map_err(|e| ReadError::io(dir, &e))?;
        Ok(BundleUpdate {
            dir: dir.to_path_buf(),
            staging,
            manifest,
            staged: Vec::new(),
        })
    }

    /// The bundle's manifest, to add timings (outputs are refreshed on commit).
    pub fn manifest_mut(&mut self) -> &mut Manifest {
        &mut self.manifest
    }

    /// The bundle being updated.
    pub fn bundle_dir(&self) -> &Path {
        &self.dir
    }

    /// A staging path for `relative`; write there, the file is moved on commit.
    pub fn path(&mut self, relative: &str) -> Result<PathBuf, WriteError> {
        let path = check_relative(self.staging.path(), relative)?;
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| WriteError::io(p, e))?;
        }
        if !self.staged.iter().any(|s| s == relative) {
            self.staged.push(relative.to_string());
        }
        Ok(path)
    }

    /// Stages a file with these bytes.
    pub fn write_file(&mut self, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.path(relative)?;
        std::fs::write(&path, bytes).map_err(|e| WriteError::io(&path, e))
    }

    /// Stages `stem.<ext>` for each format.
    pub fn write_table(
        &mut self,
        stem: &str,
        table: &Table,
        formats: &[OutputFormat],
    ) -> Result<Vec<String>, WriteError> {
        for f in formats {
            self.path(&format!("{stem}.{}", f.extension()))?;
        }
        table.write_formats(self.staging.path(), stem, formats)
    }

    /// Moves the staged files into the bundle and rewrites its manifest; returns the
    /// relative paths replaced or added.
    pub fn commit(mut self) -> Result<Vec<String>, WriteError> {
        for rel in &self.staged {
            let from = self.staging.path().join(rel);
            let to = check_relative(&self.dir, rel)?;
            if let Some(p) = to.parent() {
                std::fs::create_dir_all(p).map_err(|e| WriteError::io(p, e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| WriteError::io(&to, e))?;
            self.manifest.add_output(&self.dir, rel)?;
        }
        self.manifest.outputs.sort_by(|a, b| a.path.cmp(&b.path));
        self.manifest.write(&self.dir)?;
        Ok(std::mem::take(&mut self.staged))
    }
}

/// Reads `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ReadError> {
    Manifest::read(dir)
}

/// Scores of one group, as written in `score_<group>` and `rank_<group>`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScores {
    pub id: String,
    pub score: Vec<f64>,
    pub rank: Vec<Option<u32>>,
}

/// A bundle's `scores.csv` read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub area_codes: Vec<String>,
    pub area_names: Vec<String>,
    /// The index score (`NaN` when empty).
    pub score: Vec<f64>,
    /// Rank (`None` when empty).
    pub rank: Vec<Option<u32>>,
    /// Named band (empty string when none).
    pub band: Vec<String>,
    /// Quantile, when the study declares `bands.quantiles`.
    pub quantile: Option<Vec<Option<u32>>>,
    /// Groups in column order.
    pub groups: Vec<GroupScores>,
}

impl Scores {
    /// Number of areas.
    pub fn len(&self) -> usize {
        self.area_codes.len()
    }

    /// True when there are no areas.
    pub fn is_empty(&self) -> bool {
        self.area_codes.is_empty()
    }
}

/// Reads `dir/scores.csv` (columns `area_code, area_name, score, rank, band`, optional
/// `quantile`, then `score_<group>, rank_<group>` pairs).
pub fn read_scores(dir: &Path) -> Result<Scores, ReadError> {
    let path = dir.join(SCORES_FILE);
    let source = Source {
        id: "scores".into(),
        path: SCORES_FILE.into(),
        format: Some(SourceFormat::Csv),
        sheet: None,
        header_row: Some(1),
        code_column: "area_code".into(),
        name_column: Some("area_name".into()),
        layout: Layout::default(),
        missing_markers: Vec::new(),
        ..Source::default()
    };
    let t = read_table(&path, &source)?;
    let ranks = |name: &str| -> Result<Vec<Option<u32>>, ReadError> {
        let values = t.numbers(name)?;
        let col = t.headers.iter().position(|h| h == name).unwrap_or(0);
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if v.is_nan() {
                    Ok(None)
                } else if v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX) {
                    Ok(Some(*v as u32))
                } else {
                    Err(ReadError::NonNumeric {
                        path: t.path.clone(),
                        cell: t.location(i).cell(col, name),
                        text: format!("{v} (a rank must be a whole number)"),
                    })
                }
            })
            .collect()
    };
    let quantile = if t.headers.iter().any(|h| h == "quantile") {
        Some(ranks("quantile")?)
    } else {
        None
    };
    let mut groups = Vec::new();
    for h in &t.headers {
        if let Some(id) = h.strip_prefix("score_") {
            let rank_name = format!("rank_{id}");
            if t.headers.contains(&rank_name) {
                groups.push(GroupScores {
                    id: id.to_string(),
                    score: t.numbers(h)?,
                    rank: ranks(&rank_name)?,
                });
            }
        }
    }
    Ok(Scores {
        area_codes: t.text("area_code")?.to_vec(),
        area_names: t.text("area_name")?.to_vec(),
        score: t.numbers("score")?,
        rank: ranks("rank")?,
        band: t.text("band")?.to_vec(),
        quantile,
        groups,
    })
}
