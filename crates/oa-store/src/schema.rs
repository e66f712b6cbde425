//! The programme's tables, described once so that the SQL, the JSON records, the CSV
//! exports and the OpenAPI schemas are all generated from the same list.
//!
//! Every table has an integer primary key `id` (not listed in `columns`). Identifiers
//! here are static strings, never user input, which is what makes the generated SQL safe.

/// How a column is stored and how it appears in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// 64-bit integer (ids, counts, money in pence).
    Int,
    /// Double-precision number (KPI values).
    Real,
    /// Text (names, ISO dates, periods).
    Text,
    /// Boolean.
    Bool,
    /// JSON stored as text (area districts, plan snapshots).
    Json,
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    /// Whether the column may be null (omitted in a create).
    pub nullable: bool,
}

const fn col(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

const fn opt(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}

use ColType::{Bool, Int, Json, Real, Text};

/// Every kind of record the programme service keeps (users, sessions and the audit log
/// have their own typed methods on the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Programme,
    Area,
    Board,
    Member,
    Partner,
    Commitment,
    Plan,
    PlanVersion,
    Priority,
    Intervention,
    Kpi,
    KpiValue,
    SeriesBreak,
    ResearchSchool,
    ResearchActivity,
    Fund,
    Allocation,
    Grant,
    SpendReturn,
    Comment,
}

/// A table: its name, its URL collection, its columns and how it hangs off its parent.
#[derive(Debug)]
pub struct Table {
    pub kind: Kind,
    /// SQL table name.
    pub name: &'static str,
    /// The collection name in URLs (`/api/{collection}`).
    pub collection: &'static str,
    /// Singular, for messages ("grant 7").
    pub singular: &'static str,
    pub columns: &'static [Column],
    /// The column holding the parent's id and the parent's kind, when the record belongs
    /// to another (a member to a board). Inherited `area_id`/`programme_id` come from it.
    pub parent: Option<(&'static str, Kind)>,
}

impl Table {
    /// The column, if the table has it.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether records of this table belong to one area (`area_id`, or `id` for areas).
    pub fn area_column(&self) -> Option<&'static str> {
        if self.kind == Kind::Area {
            Some("id")
        } else {
            self.column("area_id").map(|c| c.name)
        }
    }
}

impl Kind {
    pub const ALL: [Kind; 20] = [
        Kind::Programme,
        Kind::Area,
        Kind::Board,
        Kind::Member,
        Kind::Partner,
        Kind::Commitment,
        Kind::Plan,
        Kind::PlanVersion,
        Kind::Priority,
        Kind::Intervention,
        Kind::Kpi,
        Kind::KpiValue,
        Kind::SeriesBreak,
        Kind::ResearchSchool,
        Kind::ResearchActivity,
        Kind::Fund,
        Kind::Allocation,
        Kind::Grant,
        Kind::SpendReturn,
        Kind::Comment,
    ];

    /// The table describing this kind.
    pub fn table(self) -> &'static Table {
        &TABLES[self as usize]
    }

    /// The kind whose URL collection is `name` (`grants` -> Grant).
    pub fn from_collection(name: &str) -> Option<Kind> {
        TABLES.iter().find(|t| t.collection == name).map(|t| t.kind)
    }
}

macro_rules! table {
    ($kind:ident, $name:literal, $coll:literal, $singular:literal, parent: $parent:expr, [$($c:expr),* $(,)?]) => {
        Table {
            kind: Kind::$kind,
            name: $name,
            collection: $coll,
            singular: $singular,
            columns: &[$($c),*],
            parent: $parent,
        }
    };
}

/// In the order of [`Kind`]'s variants.
static TABLES: [Table; 20] = [
    table!(Programme, "programmes", "programmes", "programme", parent: None, [
        col("name", Text), opt("description", Text), col("starts_on", Text), col("ends_on", Text),
        col("published", Bool),
    ]),
    table!(Area, "areas", "areas", "area", parent: Some(("programme_id", Kind::Programme)), [
        col("programme_id", Int), col("code", Text), col("name", Text), col("districts", Json),
        col("wave", Int), opt("announced_on", Text), opt("plan_due_on", Text),
        opt("starts_on", Text), opt("ends_on", Text), col("published", Bool),
    ]),
    table!(Board, "boards", "boards", "board", parent: Some(("area_id", Kind::Area)), [
        col("programme_id", Int), col("area_id", Int), col("name", Text), opt("established_on", Text),
    ]),
    table!(Member, "members", "members", "member", parent: Some(("board_id", Kind::Board)), [
        col("programme_id", Int), col("area_id", Int), col("board_id", Int), col("name", Text),
        col("role", Text), opt("organisation", Text), opt("partner_id", Int),
        col("term_start", Text), opt("term_end", Text),
    ]),
    table!(Partner, "partners", "partners", "partner", parent: Some(("programme_id", Kind::Programme)), [
        col("programme_id", Int), col("name", Text), col("scope", Text), opt("area_id", Int),
        opt("sector", Text),
    ]),
    table!(Commitment, "commitments", "commitments", "commitment", parent: Some(("partner_id", Kind::Partner)), [
        col("programme_id", Int), col("partner_id", Int), opt("area_id", Int),
        col("description", Text), opt("measure", Text), opt("target", Real), opt("unit", Text),
        opt("due_on", Text),
    ]),
    table!(Plan, "plans", "plans", "plan", parent: Some(("area_id", Kind::Area)), [
        col("programme_id", Int), col("area_id", Int), col("title", Text),
        col("first_period", Text), col("last_period", Text), opt("published_on", Text),
        col("version", Int),
    ]),
    table!(PlanVersion, "plan_versions", "plan-versions", "plan version", parent: Some(("plan_id", Kind::Plan)), [
        col("area_id", Int), col("plan_id", Int), col("version", Int), opt("note", Text),
        col("snapshot", Json), col("created_at", Text),
    ]),
    table!(Priority, "priorities", "priorities", "priority", parent: Some(("plan_id", Kind::Plan)), [
        col("area_id", Int), col("plan_id", Int), col("theme", Text), col("title", Text),
        opt("description", Text),
    ]),
    table!(Intervention, "interventions", "interventions", "intervention", parent: Some(("priority_id", Kind::Priority)), [
        col("area_id", Int), col("priority_id", Int), col("name", Text), col("provider", Text),
        col("starts_on", Text), opt("ends_on", Text), col("beneficiaries", Int),
        opt("beneficiary_group", Text),
    ]),
    table!(Kpi, "kpis", "kpis", "KPI", parent: Some(("plan_id", Kind::Plan)), [
        col("area_id", Int), col("plan_id", Int), opt("priority_id", Int), col("name", Text),
        col("unit", Text), col("period_kind", Text), col("direction", Text),
        opt("baseline_period", Text), opt("baseline_value", Real), opt("target_period", Text),
        opt("target_value", Real), opt("source", Text), col("demo_values", Bool),
        opt("min_value", Real), opt("max_value", Real),
    ]),
    table!(KpiValue, "kpi_values", "kpi-values", "KPI value", parent: Some(("kpi_id", Kind::Kpi)), [
        col("area_id", Int), col("kpi_id", Int), col("period", Text), opt("actual", Real),
        opt("national", Real), opt("note", Text), opt("reason", Text), opt("draft", Json),
    ]),
    table!(SeriesBreak, "series_breaks", "series-breaks", "series break", parent: Some(("kpi_id", Kind::Kpi)), [
        col("area_id", Int), col("kpi_id", Int), col("period", Text), col("reason", Text),
    ]),
    table!(ResearchSchool, "research_schools", "research-schools", "research school", parent: Some(("area_id", Kind::Area)), [
        col("area_id", Int), col("name", Text), opt("lead_school", Text), opt("designated_on", Text),
    ]),
    table!(ResearchActivity, "research_activities", "research-activities", "research activity", parent: Some(("research_school_id", Kind::ResearchSchool)), [
        col("area_id", Int), col("research_school_id", Int), col("kind", Text), col("title", Text),
        col("held_on", Text), col("schools_reached", Int), col("participants", Int),
    ]),
    table!(Fund, "funds", "funds", "fund", parent: Some(("programme_id", Kind::Programme)), [
        col("programme_id", Int), col("name", Text), col("total_pence", Int),
        opt("first_period", Text), opt("last_period", Text), opt("source", Text),
    ]),
    table!(Allocation, "allocations", "allocations", "allocation", parent: Some(("fund_id", Kind::Fund)), [
        col("programme_id", Int), col("fund_id", Int), col("area_id", Int), col("period", Text),
        col("amount_pence", Int),
    ]),
    table!(Grant, "grants", "grants", "grant", parent: Some(("allocation_id", Kind::Allocation)), [
        col("programme_id", Int), col("area_id", Int), col("allocation_id", Int),
        col("recipient", Text), col("purpose", Text), col("amount_pence", Int),
        col("awarded_on", Text),
    ]),
    table!(SpendReturn, "spend_returns", "spend-returns", "spend return", parent: Some(("grant_id", Kind::Grant)), [
        col("area_id", Int), col("grant_id", Int), col("month", Text), col("amount_pence", Int),
        opt("note", Text),
    ]),
    table!(Comment, "comments", "comments", "comment", parent: Some(("area_id", Kind::Area)), [
        col("area_id", Int), col("author_id", Int), opt("subject", Text), col("body", Text),
        col("created_at", Text),
    ]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_in_kind_order_and_collections_are_unique() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(TABLES[i].kind, *kind);
            assert_eq!(Kind::from_collection(kind.table().collection), Some(*kind));
        }
    }

    #[test]
    fn parents_name_existing_columns() {
        for kind in Kind::ALL {
            let t = kind.table();
            if let Some((column, _)) = t.parent {
                assert!(t.column(column).is_some(), "{}.{column}", t.name);
            }
        }
    }
}
