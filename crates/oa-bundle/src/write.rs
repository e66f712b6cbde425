//! Writing a bundle, all or nothing. [`write`] stages every file in a hidden directory
//! beside OUT, hashes each while writing it, writes the manifest last and renames the
//! directory into place (an older bundle there is moved aside, then removed); any error
//! removes the staging directory. [`update`] replaces the files of some sections inside
//! an existing bundle (`oa select OUT`) the same way, file by file.

use crate::error::BundleError;
use crate::manifest::{BUNDLE_VERSION, MANIFEST_FILE, Manifest, Section};
use crate::results::{File, Results};
use oa_io::atomic::parent_dir;
use oa_io::digest::sha256_hex;
use oa_io::{FileDigest, OutputFormat, write_file_atomic};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Writes `results` as a bundle at `out` and returns `out`. `out` must be absent, an
/// empty folder, or an earlier bundle (it has `manifest.json`), which is replaced only
/// once everything is written. `results.manifest` receives the sections, the headline and
/// the digest of every file written.
pub fn write(results: &mut Results, out: &Path) -> Result<PathBuf, BundleError> {
    check_replaceable(out)?;
    let parent = parent_dir(out);
    std::fs::create_dir_all(&parent).map_err(|e| BundleError::io(&parent, &e))?;
    let staging = tempfile::Builder::new()
        .prefix(".oa-bundle-")
        .tempdir_in(&parent)
        .map_err(|e| BundleError::io(&parent, &e))?;
    let formats = formats_of(&results.manifest)?;
    let sections = results.sections();
    let started = std::time::Instant::now();
    let digests = write_sections(results, &sections, staging.path(), &formats)?;
    // Writing again (the same results to another folder) replaces the figure.
    results
        .manifest
        .timings
        .retain(|t| t.stage != "write tables");
    results
        .manifest
        .add_timing("write tables", started.elapsed());
    let headline = results.headline();
    let m = &mut results.manifest;
    m.bundle_version = BUNDLE_VERSION;
    m.sections = sections;
    m.outputs = digests;
    m.outputs.sort_by(|a, b| a.path.cmp(&b.path));
    m.headline = Some(headline);
    write_file_atomic(
        &staging.path().join(MANIFEST_FILE),
        results.manifest.to_json().as_bytes(),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| BundleError::io(staging.path(), &e))?;
    }
    check_replaceable(out)?;
    let staged = staging.keep();
    let swapped = swap_into_place(&staged, out, &parent);
    if swapped.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    swapped?;
    Ok(out.to_path_buf())
}

/// Rewrites the files of `sections` in the bundle at `dir` from `results` (read from that
/// bundle, then changed) and refreshes its manifest. Files are staged inside the bundle
/// and renamed over their targets; the manifest is rewritten last, atomically.
pub fn update(
    dir: &Path,
    results: &mut Results,
    sections: &[Section],
) -> Result<Vec<String>, BundleError> {
    if !dir.join(MANIFEST_FILE).is_file() {
        return Err(BundleError::NotABundle {
            path: dir.display().to_string(),
        });
    }
    let staging = tempfile::Builder::new()
        .prefix(".oa-update-")
        .tempdir_in(dir)
        .map_err(|e| BundleError::io(dir, &e))?;
    let formats = formats_of(&results.manifest)?;
    let digests = write_sections(results, sections, staging.path(), &formats)?;
    let mut written = Vec::with_capacity(digests.len());
    for d in digests {
        let from = staging.path().join(&d.path);
        let to = dir.join(&d.path);
        std::fs::rename(&from, &to).map_err(|e| BundleError::io(&to, &e))?;
        written.push(d.path.clone());
        results.manifest.record_output(d);
    }
    let (headline, sections) = (results.headline(), results.sections());
    let m = &mut results.manifest;
    // The files not rewritten keep the layout of the version that wrote them, and so
    // does the manifest (a version 1 bundle stays version 1).
    m.sections = sections;
    m.outputs.sort_by(|a, b| a.path.cmp(&b.path));
    m.headline = Some(headline);
    write_file_atomic(
        &dir.join(MANIFEST_FILE),
        results.manifest.to_json().as_bytes(),
    )?;
    Ok(written)
}

/// The table formats a bundle is written in: CSV and the manifest's others.
fn formats_of(m: &Manifest) -> Result<Vec<OutputFormat>, BundleError> {
    let mut formats = vec![OutputFormat::Csv];
    for f in &m.formats {
        let f = OutputFormat::from_str(f).map_err(|e| BundleError::Manifest {
            path: MANIFEST_FILE.into(),
            message: format!("`formats`: {e}"),
        })?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    Ok(formats)
}

/// Writes every file of `sections` into `dir` (in parallel) and returns their digests.
fn write_sections(
    results: &Results,
    sections: &[Section],
    dir: &Path,
    formats: &[OutputFormat],
) -> Result<Vec<FileDigest>, BundleError> {
    let files: Vec<File<'_>> = sections.iter().flat_map(|&s| results.files(s)).collect();
    write_files(&files, dir, formats)
}

/// Writes `files` into the folder `dir` (created when absent), outside any bundle: `oa
/// uncertainty --out DIR` on a folder that is not a bundle. Returns the names written.
pub fn write_loose(files: &[File<'_>], dir: &Path) -> Result<Vec<String>, BundleError> {
    std::fs::create_dir_all(dir).map_err(|e| BundleError::io(dir, &e))?;
    let staging = tempfile::Builder::new()
        .prefix(".oa-files-")
        .tempdir_in(dir)
        .map_err(|e| BundleError::io(dir, &e))?;
    let digests = write_files(files, staging.path(), &[OutputFormat::Csv])?;
    let mut names = Vec::with_capacity(digests.len());
    for d in digests {
        let to = dir.join(&d.path);
        std::fs::rename(staging.path().join(&d.path), &to).map_err(|e| BundleError::io(&to, &e))?;
        names.push(d.path);
    }
    Ok(names)
}

fn write_files(
    files: &[File<'_>],
    dir: &Path,
    formats: &[OutputFormat],
) -> Result<Vec<FileDigest>, BundleError> {
    let written: Vec<Vec<FileDigest>> = files
        .par_iter()
        .map(|f| write_one(f, dir, formats))
        .collect::<Result<_, _>>()?;
    Ok(written.into_iter().flatten().collect())
}

fn write_one(
    file: &File<'_>,
    dir: &Path,
    formats: &[OutputFormat],
) -> Result<Vec<FileDigest>, BundleError> {
    match file {
        File::Bytes { name, bytes } => {
            let path = dir.join(name.as_ref());
            std::fs::write(&path, bytes).map_err(|e| BundleError::io(&path, &e))?;
            Ok(vec![FileDigest {
                path: name.to_string(),
                bytes: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            }])
        }
        File::Table { stem, table } => {
            let mut digests = Vec::with_capacity(formats.len());
            for f in formats {
                let name = format!("{stem}.{}", f.extension());
                let path = dir.join(&name);
                let digest = match f {
                    OutputFormat::Csv => table.write_csv_digest(&path, &name)?,
                    OutputFormat::Parquet | OutputFormat::Xlsx => {
                        table.write_formats(dir, stem, &[*f])?;
                        oa_io::digest::digest_file(&path, &name)
                            .map_err(|e| BundleError::io(&path, &e))?
                    }
                };
                digests.push(digest);
            }
            Ok(digests)
        }
    }
}

/// `out` may be replaced: absent, an empty directory, or a bundle (has `manifest.json`).
fn check_replaceable(out: &Path) -> Result<(), BundleError> {
    match std::fs::metadata(out) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(BundleError::OutputRefused {
            path: out.display().to_string(),
            message: "exists and is not a directory; choose another --out".into(),
        }),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out).map_err(|e| BundleError::io(out, &e))?;
            if entries.next().is_none() || out.join(MANIFEST_FILE).is_file() {
                Ok(())
            } else {
                Err(BundleError::OutputRefused {
                    path: out.display().to_string(),
                    message: "refusing to overwrite a non-empty directory that is not an `oa` results bundle (no manifest.json); choose another --out or empty it".into(),
                })
            }
        }
    }
}

/// Refuses an unusable OUT before any work is done (writing checks again at the end).
pub fn check_out(out: &Path) -> Result<(), BundleError> {
    check_replaceable(out)
}

/// Renames `staged` to `out`; an existing `out` is first moved aside (onto an empty
/// placeholder directory, which rename may replace) and removed after.
fn swap_into_place(staged: &Path, out: &Path, parent: &Path) -> Result<(), BundleError> {
    if !out.exists() {
        return std::fs::rename(staged, out).map_err(|e| BundleError::io(out, &e));
    }
    let old = tempfile::Builder::new()
        .prefix(".oa-old-")
        .tempdir_in(parent)
        .map_err(|e| BundleError::io(parent, &e))?
        .keep();
    std::fs::rename(out, &old).map_err(|e| {
        let _ = std::fs::remove_dir(&old);
        BundleError::io(out, &e)
    })?;
    if let Err(e) = std::fs::rename(staged, out) {
        let _ = std::fs::rename(&old, out);
        return Err(BundleError::io(out, &e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
