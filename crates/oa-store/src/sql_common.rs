// Shared by the SQLite and PostgreSQL stores: included into each backend module, which
// defines `Db`, `This` (the store type with `write` and `read` pools), `FOR_UPDATE` and
// `BACKEND`. Every table and column name in the SQL below comes from `schema`, never from
// input, so building the statements with `format!` is safe.

use crate::schema::{ColType, Kind, Table};
use crate::{
    Actor, AuditEntry, AuditFilter, Backend, Filter, Guard, NewToken, NewUser, Op, Page,
    PageRequest, Publication, Record, Store, StoreError, TokenInfo, User, normalise_email,
    now_rfc3339,
};
use oa_model::Pence;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Database, Row};

type DbRow = <Db as Database>::Row;
type DbConn = <Db as Database>::Connection;
type DbQuery<'q> = sqlx::query::Query<'q, Db, <Db as Database>::Arguments>;

fn select_columns(t: &Table) -> String {
    let mut s = String::from("id");
    for c in t.columns {
        s.push_str(", ");
        s.push_str(c.name);
    }
    s
}

fn row_to_record(t: &Table, row: &DbRow) -> Result<Record, StoreError> {
    let mut rec = Record::new();
    rec.insert("id".into(), Value::from(row.try_get::<i64, _>(0)?));
    for (i, c) in t.columns.iter().enumerate() {
        let idx = i + 1;
        let v = match c.ty {
            ColType::Int => row.try_get::<Option<i64>, _>(idx)?.map(Value::from),
            ColType::Real => row
                .try_get::<Option<f64>, _>(idx)?
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            ColType::Text => row.try_get::<Option<String>, _>(idx)?.map(Value::String),
            ColType::Bool => row.try_get::<Option<bool>, _>(idx)?.map(Value::Bool),
            ColType::Json => row
                .try_get::<Option<String>, _>(idx)?
                .map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))),
        };
        rec.insert(c.name.to_string(), v.unwrap_or(Value::Null));
    }
    Ok(rec)
}

fn bad_value(t: &Table, column: &str, v: &Value) -> StoreError {
    StoreError::Invalid(format!(
        "{}.{column}: value {v} does not fit the column's type",
        t.singular
    ))
}

/// Binds `v` as column `c`'s type (null for a missing value).
fn bind_column<'q>(
    q: DbQuery<'q>,
    t: &Table,
    c: &crate::schema::Column,
    v: Option<&Value>,
) -> Result<DbQuery<'q>, StoreError> {
    let v = v.unwrap_or(&Value::Null);
    Ok(match (c.ty, v) {
        (ColType::Int, Value::Null) => q.bind(None::<i64>),
        (ColType::Int, Value::Number(n)) => {
            q.bind(Some(n.as_i64().ok_or_else(|| bad_value(t, c.name, v))?))
        }
        (ColType::Real, Value::Null) => q.bind(None::<f64>),
        (ColType::Real, Value::Number(n)) => {
            q.bind(Some(n.as_f64().ok_or_else(|| bad_value(t, c.name, v))?))
        }
        (ColType::Text, Value::Null) => q.bind(None::<String>),
        (ColType::Text, Value::String(s)) => q.bind(Some(s.clone())),
        (ColType::Bool, Value::Null) => q.bind(None::<bool>),
        (ColType::Bool, Value::Bool(b)) => q.bind(Some(*b)),
        (ColType::Json, Value::Null) => q.bind(None::<String>),
        (ColType::Json, v) => q.bind(Some(v.to_string())),
        _ => return Err(bad_value(t, c.name, v)),
    })
}

fn map_write_error(t: &Table, e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error() {
        let msg = db.message().to_string();
        if db.is_unique_violation() {
            return StoreError::Conflict(format!(
                "this {} duplicates an existing one ({msg}): change the values or update the existing record",
                t.singular
            ));
        }
        if db.is_foreign_key_violation() {
            return StoreError::Conflict(format!(
                "this {} refers to a record that does not exist, or other records still refer to it ({msg}): create or delete those first",
                t.singular
            ));
        }
        if db.is_check_violation() {
            return StoreError::Invalid(format!("{}: {msg}", t.singular));
        }
    }
    StoreError::from(e)
}

async fn fetch_in(conn: &mut DbConn, t: &Table, id: i64) -> Result<Option<Record>, StoreError> {
    let sql = format!("SELECT {} FROM {} WHERE id = $1", select_columns(t), t.name);
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| row_to_record(t, &r)).transpose()
}

/// The row with this id, which a write is about to change or has just changed.
async fn fetch_existing(conn: &mut DbConn, t: &Table, id: i64) -> Result<Record, StoreError> {
    fetch_in(conn, t, id).await?.ok_or(StoreError::NotFound {
        what: t.singular,
        id,
    })
}

fn area_of(t: &Table, rec: &Record) -> Option<i64> {
    t.area_column()
        .and_then(|c| rec.get(c))
        .and_then(Value::as_i64)
}

#[allow(clippy::too_many_arguments)]
async fn write_audit(
    conn: &mut DbConn,
    at: &str,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: i64,
    area_id: Option<i64>,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), StoreError> {
    let json = |r: Option<&Record>| r.map(|r| Value::Object(r.clone()).to_string());
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, area_id, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at.to_string())
    .bind(actor.user_id)
    .bind(actor.label.clone())
    .bind(action.to_string())
    .bind(entity.to_string())
    .bind(entity_id)
    .bind(area_id)
    .bind(json(before))
    .bind(json(after))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Fails with [`StoreError::Stale`] unless the row read inside the transaction is still
/// the one the caller's change was computed from.
fn check_expected(
    t: &Table,
    id: i64,
    before: &Record,
    expect: Option<&Record>,
) -> Result<(), StoreError> {
    match expect {
        Some(e) if e != before => Err(StoreError::Stale {
            what: t.singular,
            id,
        }),
        _ => Ok(()),
    }
}

async fn insert(
    conn: &mut DbConn,
    t: &Table,
    record: &Record,
    at: &str,
    actor: &Actor,
) -> Result<Record, StoreError> {
    let names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
        t.name,
        names.join(", "),
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for c in t.columns {
        q = bind_column(q, t, c, record.get(c.name))?;
    }
    let row = q
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| map_write_error(t, e))?;
    let id: i64 = row.try_get(0)?;
    let after = fetch_existing(conn, t, id).await?;
    write_audit(
        conn,
        at,
        actor,
        "create",
        t.name,
        id,
        area_of(t, &after),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

async fn apply_op(
    conn: &mut DbConn,
    op: Op,
    done: &[Record],
    at: &str,
    actor: &Actor,
) -> Result<Record, StoreError> {
    match op {
        Op::Create { kind, record } => insert(conn, kind.table(), &record, at, actor).await,
        Op::CreateLinked {
            kind,
            mut record,
            links,
        } => {
            let t = kind.table();
            for (column, index) in links {
                let id = done
                    .get(index)
                    .and_then(|r| r.get("id"))
                    .cloned()
                    .ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "{}.{column} links to write {index} of the batch, which is not an earlier create",
                            t.singular
                        ))
                    })?;
                record.insert(column.to_string(), id);
            }
            insert(conn, t, &record, at, actor).await
        }
        Op::Update {
            kind,
            id,
            record,
            expect,
        } => {
            let t = kind.table();
            let before = fetch_existing(conn, t, id).await?;
            check_expected(t, id, &before, expect.as_ref())?;
            // Only the columns given: two updates of different fields both stand.
            let columns: Vec<&crate::schema::Column> = t
                .columns
                .iter()
                .filter(|c| record.contains_key(c.name))
                .collect();
            if !columns.is_empty() {
                let sets: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = ${}", c.name, i + 2))
                    .collect();
                let sql = format!("UPDATE {} SET {} WHERE id = $1", t.name, sets.join(", "));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
                for c in &columns {
                    q = bind_column(q, t, c, record.get(c.name))?;
                }
                q.execute(&mut *conn)
                    .await
                    .map_err(|e| map_write_error(t, e))?;
            }
            let after = fetch_existing(conn, t, id).await?;
            write_audit(
                conn,
                at,
                actor,
                "update",
                t.name,
                id,
                area_of(t, &after),
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        }
        Op::Delete { kind, id, expect } => {
            let t = kind.table();
            let before = fetch_existing(conn, t, id).await?;
            check_expected(t, id, &before, expect.as_ref())?;
            let sql = format!("DELETE FROM {} WHERE id = $1", t.name);
            sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(|e| map_write_error(t, e))?;
            write_audit(
                conn,
                at,
                actor,
                "delete",
                t.name,
                id,
                area_of(t, &before),
                Some(&before),
                None,
            )
            .await?;
            Ok(before)
        }
    }
}

/// One write request (its ops, then its guards) on an open transaction.
async fn run_request(
    conn: &mut DbConn,
    ops: Vec<Op>,
    guards: &[Guard],
    actor: &Actor,
) -> Result<Vec<Record>, StoreError> {
    let at = now_rfc3339();
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let record = apply_op(conn, op, &out, &at, actor).await?;
        out.push(record);
    }
    for g in guards {
        check_guard(conn, g).await?;
    }
    Ok(out)
}

async fn check_guard(conn: &mut DbConn, g: &Guard) -> Result<(), StoreError> {
    let parent = g.parent.table();
    let child = g.child.table();
    let (fk, _) = child.parent.ok_or_else(|| {
        StoreError::Invalid(format!("{} has no parent to guard against", child.name))
    })?;
    // Lock the parent row first (PostgreSQL) so concurrent writers are checked in turn.
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1{FOR_UPDATE}",
        g.cap_column, parent.name
    );
    let cap: Option<i64> = sqlx::query(AssertSqlSafe(sql))
        .bind(g.parent_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?;
    let cap = cap.ok_or(StoreError::NotFound {
        what: parent.singular,
        id: g.parent_id,
    })?;
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) FROM {} WHERE {fk} = $1",
        child.name
    );
    let used: i64 = sqlx::query(AssertSqlSafe(sql))
        .bind(g.parent_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if used > cap {
        return Err(StoreError::Rule {
            field: g.field,
            message: format!(
                "{}: the total would be {} against {} ({} over)",
                g.message,
                Pence(used),
                Pence(cap),
                Pence(used - cap)
            ),
        });
    }
    Ok(())
}

/// The WHERE clause and its bind values for a list filter.
fn where_clause(t: &Table, filter: &Filter) -> (String, Vec<(ColType, Value)>) {
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    for (name, v) in &filter.equals {
        let ty = if *name == "id" {
            ColType::Int
        } else {
            t.column(name).map(|c| c.ty).unwrap_or(ColType::Text)
        };
        binds.push((ty, v.clone()));
        parts.push(format!("{name} = ${}", binds.len()));
    }
    if let Some(areas) = &filter.area_in
        && let Some(col) = t.area_column()
    {
        let list: Vec<String> = areas.iter().map(|a| a.to_string()).collect();
        let nullable = t.column(col).is_some_and(|c| c.nullable);
        let inlist = if list.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("{col} IN ({})", list.join(", "))
        };
        if nullable {
            parts.push(format!("({inlist} OR {col} IS NULL)"));
        } else {
            parts.push(inlist);
        }
    }
    let programme_column = if t.kind == Kind::Programme {
        Some("id")
    } else {
        t.column("programme_id").map(|c| c.name)
    };
    if let (Some(list), Some(col)) = (&filter.programme_in, programme_column) {
        let list: Vec<String> = list.iter().map(|p| p.to_string()).collect();
        parts.push(if list.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("{col} IN ({})", list.join(", "))
        });
    }
    let clause = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    (clause, binds)
}

fn bind_filter<'q>(mut q: DbQuery<'q>, binds: &[(ColType, Value)]) -> DbQuery<'q> {
    for (ty, v) in binds {
        q = match (ty, v) {
            (ColType::Int, Value::Number(n)) => q.bind(n.as_i64()),
            (ColType::Real, Value::Number(n)) => q.bind(n.as_f64()),
            (ColType::Bool, Value::Bool(b)) => q.bind(*b),
            (_, Value::String(s)) => q.bind(s.clone()),
            (_, other) => q.bind(other.to_string()),
        };
    }
    q
}

fn limit_clause(page: PageRequest) -> String {
    if page.per_page == 0 {
        String::new()
    } else {
        let offset = u64::from(page.page.max(1) - 1) * u64::from(page.per_page);
        format!(" LIMIT {} OFFSET {offset}", page.per_page)
    }
}

fn user_from_row(row: &DbRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        name: row.try_get(2)?,
        role: row.try_get(3)?,
        area_id: row.try_get(4)?,
        password_hash: row.try_get(5)?,
        created_at: row.try_get(6)?,
        disabled: row.try_get::<Option<String>, _>(7)?.is_some(),
    })
}


/// The audit log described as a table, so list filters can be reused for it.
static AUDIT_TABLE: Table = Table {
    kind: Kind::Comment,
    name: "audit_log",
    collection: "audit",
    singular: "audit entry",
    columns: &[
        crate::schema::Column {
            name: "entity",
            ty: ColType::Text,
            nullable: false,
        },
        crate::schema::Column {
            name: "area_id",
            ty: ColType::Int,
            nullable: false,
        },
    ],
    parent: None,
};

const USER_COLUMNS: &str =
    "id, email, name, role, area_id, password_hash, created_at, disabled_at";

/// The public id of a token: the first 16 hex digits of its hash.
const TOKEN_ID: &str = "substr(token_hash, 1, 16)";

async fn fetch_user(conn: &mut DbConn, id: i64) -> Result<User, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "user", id })?;
    user_from_row(&row)
}

async fn delete_all_tokens(conn: &mut DbConn, user_id: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

async fn insert_token(conn: &mut DbConn, token: NewToken) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, kind, label, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.token_hash)
    .bind(token.user_id)
    .bind(token.kind.to_string())
    .bind(token.label)
    .bind(now_rfc3339())
    .bind(token.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store for This {
    async fn apply(
        &self,
        ops: Vec<Op>,
        guards: Vec<Guard>,
        actor: &Actor,
    ) -> Result<Vec<Record>, StoreError> {
        let actor = actor.clone();
        self.write(move |conn| Box::pin(async move { run_request(conn, ops, &guards, &actor).await }))
            .await
    }

    async fn get(&self, kind: Kind, id: i64) -> Result<Option<Record>, StoreError> {
        let t = kind.table();
        let sql = format!("SELECT {} FROM {} WHERE id = $1", select_columns(t), t.name);
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| row_to_record(t, &r)).transpose()
    }

    async fn list(
        &self,
        kind: Kind,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Record>, StoreError> {
        let t = kind.table();
        let (clause, binds) = where_clause(t, filter);
        let sql = format!(
            "SELECT {} FROM {}{clause} ORDER BY id{}",
            select_columns(t),
            t.name,
            limit_clause(page)
        );
        let rows = bind_filter(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.read)
            .await?;
        let items = rows
            .iter()
            .map(|r| row_to_record(t, r))
            .collect::<Result<Vec<_>, _>>()?;
        let total =
            if page.per_page == 0 || (page.page <= 1 && items.len() < page.per_page as usize) {
                items.len() as i64
            } else {
                let sql = format!("SELECT COUNT(*) FROM {}{clause}", t.name);
                bind_filter(sqlx::query(AssertSqlSafe(sql)), &binds)
                    .fetch_one(&self.read)
                    .await?
                    .try_get::<i64, _>(0)?
            };
        Ok(Page { items, total })
    }

    async fn audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut f = Filter {
            equals: Vec::new(),
            area_in: filter.area_in.clone(),
            programme_in: None,
        };
        if let Some(e) = &filter.entity {
            f.equals.push(("entity", Value::from(e.clone())));
        }
        if let Some(id) = filter.entity_id {
            f.equals.push(("id", Value::from(id)));
        }
        let (clause, binds) = where_clause(&AUDIT_TABLE, &f);
        let clause = clause.replace("id = $", "entity_id = $");
        let sql = format!(
            "SELECT id, at, user_id, actor, action, entity, entity_id, area_id, before, after \
             FROM audit_log{clause} ORDER BY id DESC{}",
            limit_clause(page)
        );
        let rows = bind_filter(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.read)
            .await?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            items.push(AuditEntry {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                user_id: r.try_get(2)?,
                actor: r.try_get(3)?,
                action: r.try_get(4)?,
                entity: r.try_get(5)?,
                entity_id: r.try_get(6)?,
                area_id: r.try_get(7)?,
                before: parse(r.try_get(8)?),
                after: parse(r.try_get(9)?),
            });
        }
        let sql = format!("SELECT COUNT(*) FROM audit_log{clause}");
        let total: i64 = bind_filter(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_one(&self.read)
            .await?
            .try_get(0)?;
        Ok(Page { items, total })
    }

    async fn publication(&self) -> Result<Vec<Publication>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.published, a.id, a.published FROM programmes p \
             LEFT JOIN areas a ON a.programme_id = p.id ORDER BY p.id, a.id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let area: Option<i64> = r.try_get(2)?;
                let area_published: Option<bool> = r.try_get(3)?;
                Ok(Publication {
                    programme_id: r.try_get(0)?,
                    programme_published: r.try_get(1)?,
                    area: area.map(|a| (a, area_published.unwrap_or(false))),
                })
            })
            .collect()
    }

    async fn create_user(&self, user: NewUser, actor: &Actor) -> Result<User, StoreError> {
        let actor = actor.clone();
        self.write(move |conn| {
            Box::pin(async move {
                let at = now_rfc3339();
                let email = normalise_email(&user.email);
                let sql = format!(
                    "INSERT INTO users (email, name, role, area_id, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
                );
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(email.clone())
                    .bind(user.name)
                    .bind(user.role)
                    .bind(user.area_id)
                    .bind(user.password_hash)
                    .bind(at.clone())
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| match e.as_database_error() {
                        Some(db) if db.is_unique_violation() => StoreError::Conflict(format!(
                            "a user with email {email} already exists (emails are compared without regard to case): choose another email"
                        )),
                        Some(db) if db.is_foreign_key_violation() => StoreError::Conflict(
                            "the user's area does not exist: give the id of an existing area".into(),
                        ),
                        _ => StoreError::from(e),
                    })?;
                let created = user_from_row(&row)?;
                let mut after = Record::new();
                after.insert("email".into(), Value::from(created.email.clone()));
                after.insert("role".into(), Value::from(created.role.clone()));
                after.insert(
                    "area_id".into(),
                    created.area_id.map(Value::from).unwrap_or(Value::Null),
                );
                write_audit(
                    conn,
                    &at,
                    &actor,
                    "create",
                    "users",
                    created.id,
                    created.area_id,
                    None,
                    Some(&after),
                )
                .await?;
                Ok(created)
            })
        })
        .await
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(normalise_email(email))
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let actor = actor.clone();
        let password_hash = password_hash.to_string();
        self.write(move |conn| {
            Box::pin(async move {
                let at = now_rfc3339();
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "user",
                        id: user_id,
                    });
                }
                let ended = delete_all_tokens(conn, user_id).await?;
                let mut after = Record::new();
                after.insert("password".into(), Value::from("changed"));
                after.insert("sessions_and_tokens_ended".into(), Value::from(ended));
                write_audit(
                    conn, &at, &actor, "update", "users", user_id, None, None, Some(&after),
                )
                .await
            })
        })
        .await
    }

    async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let actor = actor.clone();
        self.write(move |conn| {
            Box::pin(async move {
                let at = now_rfc3339();
                let before = fetch_user(conn, user_id).await?;
                if disabled {
                    sqlx::query(
                        "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2",
                    )
                    .bind(at.clone())
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                } else {
                    sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await?;
                }
                let ended = if disabled {
                    delete_all_tokens(conn, user_id).await?
                } else {
                    0
                };
                let mut b = Record::new();
                b.insert("disabled".into(), Value::from(before.disabled));
                let mut after = Record::new();
                after.insert("disabled".into(), Value::from(disabled));
                after.insert("sessions_and_tokens_ended".into(), Value::from(ended));
                write_audit(
                    conn,
                    &at,
                    &actor,
                    "update",
                    "users",
                    user_id,
                    before.area_id,
                    Some(&b),
                    Some(&after),
                )
                .await?;
                fetch_user(conn, user_id).await
            })
        })
        .await
    }

    async fn set_role(
        &self,
        user_id: i64,
        role: &str,
        area_id: Option<i64>,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let (actor, role) = (actor.clone(), role.to_string());
        self.write(move |conn| {
            Box::pin(async move {
                let at = now_rfc3339();
                let before = fetch_user(conn, user_id).await?;
                sqlx::query("UPDATE users SET role = $1, area_id = $2 WHERE id = $3")
                    .bind(role.clone())
                    .bind(area_id)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                let record = |role: &str, area: Option<i64>| {
                    let mut r = Record::new();
                    r.insert("role".into(), Value::from(role));
                    r.insert("area_id".into(), Value::from(area));
                    r
                };
                write_audit(
                    conn,
                    &at,
                    &actor,
                    "update",
                    "users",
                    user_id,
                    area_id.or(before.area_id),
                    Some(&record(&before.role, before.area_id)),
                    Some(&record(&role, area_id)),
                )
                .await?;
                fetch_user(conn, user_id).await
            })
        })
        .await
    }

    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        self.write(move |conn| Box::pin(async move { insert_token(conn, token).await }))
            .await
    }

    async fn start_session(&self, token: NewToken, now: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "DELETE FROM sessions WHERE user_id = $1 \
                     AND (kind = 'session' OR (expires_at IS NOT NULL AND expires_at <= $2))",
                )
                .bind(token.user_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
                insert_token(conn, token).await
            })
        })
        .await
    }

    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>, StoreError> {
        let sql = "SELECT u.id, u.email, u.name, u.role, u.area_id, u.password_hash, u.created_at, u.disabled_at \
                   FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.token_hash = $1 AND (s.expires_at IS NULL OR s.expires_at > $2) \
                   AND u.disabled_at IS NULL";
        let row = sqlx::query(sql)
            .bind(token_hash.to_string())
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_string();
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn tokens(&self, user_id: Option<i64>, now: i64) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_ID}, user_id, kind, label, created_at, expires_at FROM sessions \
             WHERE (expires_at IS NULL OR expires_at > $1) AND ($2 = 0 OR user_id = $3) \
             ORDER BY created_at, token_hash"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(now)
            .bind(i64::from(user_id.is_some()))
            .bind(user_id.unwrap_or(0))
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    label: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                    expires_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    async fn revoke_token(&self, id: &str, user_id: Option<i64>) -> Result<bool, StoreError> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        let id = id.to_ascii_lowercase();
        self.write(move |conn| {
            Box::pin(async move {
                let sql = format!(
                    "DELETE FROM sessions WHERE {TOKEN_ID} = $1 AND ($2 = 0 OR user_id = $3)"
                );
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(i64::from(user_id.is_some()))
                    .bind(user_id.unwrap_or(0))
                    .execute(&mut *conn)
                    .await?;
                Ok(done.rows_affected() > 0)
            })
        })
        .await
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                Ok(sqlx::query(
                    "DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at <= $1",
                )
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected())
            })
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.integrity().await
    }

    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn close(&self) {
        self.close_pools().await;
    }
}
