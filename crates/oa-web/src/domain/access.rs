//! Who may read and write what.
//!
//! - national admin: everything;
//! - area lead: reads their area and what is published; writes their own area's boards,
//!   plans, KPIs, research schools, grants and spend (programmes, areas, partners, funds
//!   and allocations are managed nationally);
//! - board member: reads their area and what is published; comments on their area;
//! - viewer, and anyone not signed in: reads what is published (records of published
//!   areas, and programme-level records such as funds and national partners).

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use oa_store::Kind;

/// Kinds an area lead may write within their own area.
pub const AREA_LEAD_KINDS: [Kind; 14] = [
    Kind::Board,
    Kind::Member,
    Kind::Commitment,
    Kind::Plan,
    Kind::Priority,
    Kind::Intervention,
    Kind::Kpi,
    Kind::KpiValue,
    Kind::SeriesBreak,
    Kind::ResearchSchool,
    Kind::ResearchActivity,
    Kind::Grant,
    Kind::SpendReturn,
    Kind::Comment,
];

/// May `p` write a `kind` record belonging to `area` (None: programme-level)?
pub fn check_write(p: &Principal, kind: Kind, area: Option<i64>) -> Result<(), ApiError> {
    let t = kind.table();
    match p.role {
        Role::Admin => Ok(()),
        Role::Anonymous => Err(p.require_signed_in().map(|_| ()).unwrap_err()),
        Role::Viewer => Err(ApiError::Forbidden(
            "viewers may read published records but not change them: ask a national admin for another role".into(),
        )),
        Role::BoardMember => {
            if kind == Kind::Comment && area.is_some() && area == p.area_id() {
                Ok(())
            } else {
                Err(ApiError::Forbidden(format!(
                    "board members may read their area and comment on it, not change {}: ask your area lead",
                    t.collection
                )))
            }
        }
        Role::AreaLead => {
            if !AREA_LEAD_KINDS.contains(&kind) {
                return Err(ApiError::Forbidden(format!(
                    "{} are managed nationally: ask a national admin",
                    t.collection
                )));
            }
            match (area, p.area_id()) {
                (Some(a), Some(mine)) if a == mine => Ok(()),
                (Some(a), Some(mine)) => Err(ApiError::Forbidden(format!(
                    "this {} belongs to area {a}, and you lead area {mine}: area leads may change their own area's records only",
                    t.singular
                ))),
                _ => Err(ApiError::Forbidden(format!(
                    "this {} is not tied to your area: ask a national admin",
                    t.singular
                ))),
            }
        }
    }
}

/// May `p` read a record of `area` whose publication flag is `published`?
pub fn check_read(p: &Principal, area: i64, published: bool) -> Result<(), ApiError> {
    if published || p.role == Role::Admin || p.area_id() == Some(area) {
        return Ok(());
    }
    if p.role == Role::Anonymous {
        return Err(ApiError::Unauthorized(format!(
            "area {area} is not published: sign in with an account for that area"
        )));
    }
    Err(ApiError::Forbidden(format!(
        "area {area} is not published and is not your area: ask a national admin for access"
    )))
}
