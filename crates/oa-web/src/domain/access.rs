//! Who may read and write what.
//!
//! - national admin: everything;
//! - area lead: reads their area and what is published; writes their own area's boards,
//!   plans, KPIs, research schools, grants and spend (programmes, areas, partners, funds
//!   and allocations are managed nationally);
//! - board member: reads their area and what is published; comments on their area;
//! - viewer, and anyone not signed in: reads what is published (records of published
//!   areas of published programmes, and programme-level records such as funds and
//!   national partners of published programmes).
//!
//! Comments are the partnership's working notes, not publications: only the area's own
//! lead and board members, and national admins, read them; only their author or a
//! national admin may change or delete one. No page or download shows an email address
//! except to its owner and to admins ([`public_name`]).

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use oa_store::{Kind, User};

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

/// May `p` read the comments of `area`?
pub fn check_comment_read(p: &Principal, area: i64) -> Result<(), ApiError> {
    match p.role {
        Role::Admin => Ok(()),
        Role::AreaLead | Role::BoardMember if p.area_id() == Some(area) => Ok(()),
        Role::Anonymous => Err(ApiError::Unauthorized(format!(
            "comments are read by the area's lead and board members: sign in with an account for area {area}"
        ))),
        _ => Err(ApiError::Forbidden(format!(
            "comments on area {area} are read by that area's lead and board members and by national admins"
        ))),
    }
}

/// May `p` change or delete a comment written by `author_id`?
pub fn check_comment_author(p: &Principal, author_id: Option<i64>) -> Result<(), ApiError> {
    let me = p.user.as_ref().map(|u| u.id);
    if p.role == Role::Admin || (me.is_some() && me == author_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the comment's author or a national admin may change or delete it: add a comment of your own instead".into(),
        ))
    }
}

/// How a user is named to others: their display name, never their email. A user without
/// one (or whose name is an email) is named by role.
pub fn public_name(user: &User) -> String {
    let name = user.name.trim();
    if !name.is_empty() && !name.contains('@') && !name.eq_ignore_ascii_case(&user.email) {
        return name.to_string();
    }
    match Role::parse(&user.role) {
        Some(Role::Admin) => "A national admin",
        Some(Role::AreaLead) => "The area lead",
        Some(Role::BoardMember) => "A board member",
        _ => "A viewer",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str, role: &str, area: Option<i64>) -> Principal {
        Principal::of(User {
            id,
            email: "someone@example.org".into(),
            name: name.into(),
            role: role.into(),
            area_id: area,
            created_at: String::new(),
            disabled: false,
            password_hash: String::new(),
        })
    }

    #[test]
    fn emails_are_never_public_names() {
        let p = user(1, "someone@example.org", "board_member", Some(3));
        assert_eq!(public_name(p.user.as_ref().unwrap()), "A board member");
        let p = user(1, "", "area_lead", Some(3));
        assert_eq!(public_name(p.user.as_ref().unwrap()), "The area lead");
        let p = user(1, "Ada Lovelace", "admin", None);
        assert_eq!(public_name(p.user.as_ref().unwrap()), "Ada Lovelace");
    }

    #[test]
    fn only_the_author_or_an_admin_changes_a_comment() {
        assert!(check_comment_author(&user(7, "x", "board_member", Some(3)), Some(7)).is_ok());
        assert!(check_comment_author(&user(8, "x", "board_member", Some(3)), Some(7)).is_err());
        assert!(check_comment_author(&user(8, "x", "area_lead", Some(3)), Some(7)).is_err());
        assert!(check_comment_author(&user(8, "x", "admin", None), Some(7)).is_ok());
        assert!(check_comment_author(&Principal::anonymous(), Some(7)).is_err());
    }

    #[test]
    fn comments_are_read_within_the_area() {
        assert!(check_comment_read(&user(1, "x", "board_member", Some(3)), 3).is_ok());
        assert!(check_comment_read(&user(1, "x", "area_lead", Some(3)), 4).is_err());
        assert!(check_comment_read(&user(1, "x", "viewer", None), 3).is_err());
        assert_eq!(
            check_comment_read(&Principal::anonymous(), 3)
                .unwrap_err()
                .status(),
            axum::http::StatusCode::UNAUTHORIZED
        );
    }
}
