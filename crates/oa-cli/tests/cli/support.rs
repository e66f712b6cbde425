//! Helpers shared by the CLI tests: running `oa`, reading CSV outputs.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of `oa` printed and returned.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built `oa` with `args` (no terminal, so no progress bar).
pub fn oa<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .current_dir(oa_testkit::repo_root())
        .output()
        .expect("the oa binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `oa` and panics with its output unless it exits 0.
pub fn oa_ok<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = oa(args);
    assert_eq!(out.code, 0, "oa failed:\n{}\n{}", out.stdout, out.stderr);
    out
}

/// A CSV file as a header and rows of strings (a UTF-8 BOM is dropped).
pub struct Csv {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &Path) -> Csv {
        let mut reader = csv::ReaderBuilder::new()
            .from_path(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let headers = reader
            .headers()
            .expect("header")
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("row").iter().map(str::to_string).collect())
            .collect();
        Csv { headers, rows }
    }

    /// Position of a column, by exact name or name prefix.
    pub fn col(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .or_else(|| self.headers.iter().position(|h| h.starts_with(name)))
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.headers))
    }

    /// Column `name` keyed by the first column.
    pub fn by_code(&self, name: &str) -> HashMap<String, String> {
        let c = self.col(name);
        self.rows
            .iter()
            .map(|r| (r[0].clone(), r[c].clone()))
            .collect()
    }
}

/// A published number: quotes and thousands separators removed.
pub fn num(s: &str) -> f64 {
    s.replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// A fresh temporary directory.
pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// True when `dir` holds nothing whose name starts with `prefix` (e.g. a bundle or its
/// staging directory left behind by a failed run).
pub fn nothing_named(dir: &Path, prefix: &str) -> bool {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .all(|e| !e.file_name().to_string_lossy().starts_with(prefix))
        })
        .unwrap_or(true)
}

/// Path of a shipped study.
pub fn study(name: &str) -> PathBuf {
    oa_testkit::repo_path(&format!("studies/{name}"))
}
