//! What the manifest records about a run beside its files: the build, how each source
//! was read, the method as it ran, and notes on anything that did not stop the run but
//! changed what was read (codes re-cased, codes that did not join, rows skipped, the
//! engine's warnings). `oa run` prints the notes; `oa validate` prints the same lists.

use oa_bundle::{Build, MethodStep, SourceRecord};
use oa_engine::IndexResult;
use oa_io::StudyData;

/// Most codes a note lists; the rest are counted.
pub const LISTED: usize = 50;

/// The build of `oa` running now.
pub fn build() -> Build {
    Build {
        version: crate::VERSION.to_string(),
        commit: option_env!("OA_GIT_COMMIT").map(str::to_string),
        id: option_env!("OA_BUILD_ID").map(str::to_string),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_string(),
    }
}

/// How each source was read.
pub fn sources(data: &StudyData) -> Vec<SourceRecord> {
    data.reads
        .iter()
        .map(|r| SourceRecord {
            source: r.source.clone(),
            path: r.path.clone(),
            rows_read: r.rows_read,
            areas: r.areas,
            period: r.period.clone(),
            delimiter: r.delimiter.clone(),
            skipped: data.skipped.iter().filter(|s| s.source == r.source).count(),
            recased: data.recased.iter().filter(|c| c.source == r.source).count(),
        })
        .collect()
}

/// The index's steps as they ran.
pub fn method(result: &IndexResult) -> Vec<MethodStep> {
    result
        .steps
        .iter()
        .map(|s| MethodStep {
            step: s.step.to_string(),
            detail: s.detail.clone(),
        })
        .collect()
}

/// `a, b, c` for at most [`LISTED`] items, then `and N more`.
pub fn listed(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        s += &format!(" and {} more", items.len() - LISTED);
    }
    s
}

/// Notes on how the data was read: codes re-cased, codes that did not join (each named,
/// with the kind of area a GSS code is), areas a source has no row for, rows skipped.
pub fn data_notes(data: &StudyData) -> Vec<String> {
    let mut notes = Vec::new();
    for r in &data.reads {
        let recased: Vec<String> = data
            .recased
            .iter()
            .filter(|c| c.source == r.source)
            .map(|c| format!("`{}` ({}) as {}", c.written, c.location, c.code))
            .collect();
        if !recased.is_empty() {
            notes.push(format!(
                "source `{}` ({}): {} written in lower case and read upper case: {}",
                r.source,
                r.path,
                match recased.len() {
                    1 => "1 area code was".to_string(),
                    n => format!("{n} area codes were"),
                },
                listed(&recased)
            ));
        }
        let skipped = data.skipped.iter().filter(|s| s.source == r.source).count();
        if skipped > 0 {
            notes.push(format!(
                "source `{}` ({}): {skipped} rows were skipped on purpose (listed in coverage.csv with where and why)",
                r.source, r.path
            ));
        }
    }
    for j in &data.joins {
        if !j.unmatched_codes.is_empty() {
            notes.push(format!(
                "source `{}`: {} codes are not areas of the study and were not used: {}",
                j.source,
                j.unmatched_codes.len(),
                listed(&j.unmatched_described())
            ));
        }
        if !j.missing_codes.is_empty() {
            notes.push(format!(
                "source `{}` has no row for {} areas (their values are missing): {}",
                j.source,
                j.missing_codes.len(),
                listed(&j.missing_codes)
            ));
        }
    }
    notes
}

/// The engine's warnings, as notes.
pub fn engine_notes(result: &IndexResult) -> Vec<String> {
    result
        .warnings
        .iter()
        .map(|w| format!("index: {w}"))
        .collect()
}
