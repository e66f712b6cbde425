//! The audit stage: the JRC/OECD statistical audit of the index just computed
//! (`oa_engine::audit`), as the bundle's audit section: typed tables whose columns the
//! bundle's schema knows, and the charts.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{Audit, AuditChart, AuditColumn, AuditTable, AuditValues};
use oa_engine::IndexResult;
use oa_engine::audit::tables::{AuditValues as EngineValues, audit_tables};
use oa_io::StudyData;

/// Audits `result`, computed from `data` for the plan's study (its `[audit]` settings, or
/// the defaults when it has none).
pub fn run(plan: &Plan, data: &mut StudyData, result: &IndexResult) -> Result<Audit, Error> {
    let study = &plan.study;
    let report = crate::index::with_matrix(data, |m| oa_engine::audit_index(study, m, result))
        .map_err(|e| Error::new(Code::StageFailed, format!("audit: {e}")))?;
    let tables = audit_tables(&report, &data.area_codes, &data.area_names)
        .into_iter()
        .map(|t| {
            let stem = oa_bundle::AUDIT_TABLES
                .into_iter()
                .find(|s| t.file.strip_suffix(".csv") == Some(*s))
                .ok_or_else(|| internal(format!("the audit made an unknown table {}", t.file)))?;
            Ok(AuditTable {
                stem,
                columns: t
                    .columns
                    .into_iter()
                    .map(|c| AuditColumn {
                        name: c.name,
                        values: match c.values {
                            EngineValues::Text(v) => AuditValues::Text(v),
                            EngineValues::Float(v) => AuditValues::Float(v),
                            EngineValues::Int(v) => AuditValues::Int(v),
                        },
                    })
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let charts = oa_engine::audit::charts::audit_charts(&report)
        .into_iter()
        .map(|(name, svg)| {
            let name = oa_bundle::AUDIT_CHARTS
                .into_iter()
                .find(|n| *n == name)
                .ok_or_else(|| internal(format!("the audit made an unknown chart {name}")))?;
            Ok(AuditChart { name, svg })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let audit = Audit { tables, charts };
    // What is written must read back: the tables are checked against the bundle's schema.
    audit.check(study).map_err(internal)?;
    Ok(audit)
}

fn internal(message: impl Into<String>) -> Error {
    Error::new(Code::Internal, message.into())
}
