//! The OpenAPI 3.1 document, built from the same table descriptions that drive the
//! handlers, so every collection's schema and routes stay in step with the store.

use oa_store::{ColType, Kind};
use serde_json::{Map, Value, json};

fn column_schema(ty: ColType, nullable: bool) -> Value {
    let base = match ty {
        ColType::Int => json!("integer"),
        ColType::Real => json!("number"),
        ColType::Text => json!("string"),
        ColType::Bool => json!("boolean"),
        ColType::Json => return json!({}),
    };
    if nullable {
        json!({"type": [base, "null"]})
    } else {
        json!({"type": base})
    }
}

fn record_schema(kind: Kind) -> Value {
    let t = kind.table();
    let mut props = Map::new();
    props.insert("id".into(), json!({"type": "integer", "readOnly": true}));
    let mut required = vec![json!("id")];
    for c in t.columns {
        let mut s = column_schema(c.ty, c.nullable);
        if c.name.ends_with("_pence") {
            s["minimum"] = json!(0);
            s["description"] = json!("money in pence");
        }
        if let Some(words) = crate::domain::rules::vocabulary(kind, c.name) {
            s["enum"] = json!(words);
        }
        if crate::domain::rules::server_managed(kind, c.name) {
            s["readOnly"] = json!(true);
        }
        props.insert(c.name.into(), s);
        if !c.nullable {
            required.push(json!(c.name));
        }
    }
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

fn schema_name(kind: Kind) -> String {
    kind.table()
        .singular
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn problem_responses() -> Value {
    let p =
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    json!({
        "400": {"description": "malformed request", "content": p},
        "401": {"description": "not signed in", "content": p},
        "403": {"description": "not allowed for this role or area", "content": p},
        "404": {"description": "not found", "content": p},
        "409": {"description": "conflicts with existing records", "content": p},
        "413": {"description": "body too large", "content": p},
        "412": {"description": "If-Match names a version the record no longer has", "content": p},
        "415": {"description": "body is not JSON", "content": p},
        "422": {"description": "invalid fields (see errors)", "content": p},
        "429": {"description": "too many sign-ins or writes: wait the Retry-After seconds", "content": p},
        "503": {"description": "the database cannot take the request now (nothing changed): retry after Retry-After seconds", "content": p},
    })
}

fn with_errors(mut ok: Map<String, Value>) -> Value {
    if let Value::Object(errs) = problem_responses() {
        ok.extend(errs);
    }
    Value::Object(ok)
}

fn list_params() -> Value {
    json!([
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::MAX_PER_PAGE}},
        {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}, "description": "csv (or Accept: text/csv) exports every matching row"},
    ])
}

fn ok(description: &str, schema: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "200".into(),
        json!({"description": description, "content": {"application/json": {"schema": schema}}}),
    );
    m
}

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for kind in Kind::ALL {
        let t = kind.table();
        let name = schema_name(kind);
        schemas.insert(name.clone(), record_schema(kind));
        let r = json!({"$ref": format!("#/components/schemas/{name}")});
        let page = json!({"type": "object", "properties": {
            "items": {"type": "array", "items": r}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"}}});
        let mut list_ok = ok(&format!("a page of {}", t.collection), page);
        list_ok.get_mut("200").unwrap()["content"]["text/csv"] =
            json!({"schema": {"type": "string"}});
        let mut filters = list_params();
        for c in t.columns.iter().filter(|c| c.ty != ColType::Json) {
            filters.as_array_mut().unwrap().push(json!({"name": c.name, "in": "query", "required": false, "schema": column_schema(c.ty, false)}));
        }
        let mut created = Map::new();
        created.insert(
            "201".into(),
            json!({"description": "created", "content": {"application/json": {"schema": r}}}),
        );
        paths.insert(
            format!("/api/{}", t.collection),
            json!({
                "get": {"summary": format!("List {}", t.collection), "tags": [t.collection], "parameters": filters, "responses": with_errors(list_ok)},
                "post": {"summary": format!("Create a {}", t.singular), "tags": [t.collection], "requestBody": body(r.clone()), "responses": with_errors(created)},
            }),
        );
        let id_param = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "the id (areas: the id or the code)"}]);
        let if_match = json!([{"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"}, "description": "the ETag of the version this change was made from: 412 if the record has changed since"}]);
        let mut deleted = Map::new();
        deleted.insert("204".into(), json!({"description": "deleted"}));
        paths.insert(
            format!("/api/{}/{{id}}", t.collection),
            json!({
                "parameters": id_param,
                "get": {"summary": format!("Get a {}", t.singular), "tags": [t.collection], "responses": with_errors(ok(t.singular, r.clone()))},
                "patch": {"summary": format!("Change fields of a {} (answers with its new ETag)", t.singular), "tags": [t.collection], "parameters": if_match, "requestBody": body(json!({"type": "object"})), "responses": with_errors(ok(t.singular, r.clone()))},
                "delete": {"summary": format!("Delete a {}", t.singular), "tags": [t.collection], "parameters": if_match, "responses": with_errors(deleted)},
            }),
        );
    }
    let any = json!({"type": "object"});
    let extra = [
        (
            "/api/health",
            "get",
            "Cheap public health check: the service and its database answer",
            None,
        ),
        (
            "/api/admin/integrity",
            "get",
            "The database's integrity check (admin; seconds on a large SQLite file)",
            None,
        ),
        ("/api/openapi.json", "get", "This document", None),
        (
            "/api/auth/login",
            "post",
            "Sign in with email and password: a session token and cookie",
            Some(
                json!({"type": "object", "required": ["email", "password"], "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}),
            ),
        ),
        ("/api/auth/logout", "post", "End the current session", None),
        ("/api/auth/me", "get", "The signed-in user", None),
        (
            "/api/tokens",
            "post",
            "Create an API token for the signed-in user (the password again; expires)",
            Some(
                json!({"type": "object", "required": ["label", "password"], "properties": {"label": {"type": "string", "maxLength": 200}, "password": {"type": "string"}, "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 365}}}),
            ),
        ),
        (
            "/api/tokens",
            "get",
            "The signed-in user's sessions and tokens (admins: user_id=, all=true), never their secrets",
            None,
        ),
        (
            "/api/tokens/{id}",
            "delete",
            "Revoke a session or token by its id",
            None,
        ),
        (
            "/api/users/{id}",
            "patch",
            "Disable or enable a user, or set a new password (admin; ends their sessions and tokens)",
            Some(
                json!({"type": "object", "properties": {"disabled": {"type": "boolean"}, "password": {"type": "string", "minLength": 10, "maxLength": 1024}}}),
            ),
        ),
        ("/api/users", "get", "List users (admin)", None),
        (
            "/api/audit",
            "get",
            "The audit log: who changed what, when, before and after",
            None,
        ),
        (
            "/api/money",
            "get",
            "Allocated, committed and spent by allocation (area_id filter, CSV)",
            None,
        ),
        (
            "/api/areas/{id}/summary",
            "get",
            "Everything an area page shows, in one read",
            None,
        ),
        (
            "/api/kpis/{id}/actuals",
            "put",
            "Record or correct a KPI's actual for a period (a change of a recorded figure, or a figure for a series-break period, needs a reason; with KPI drafts on, an area lead's figures answer 202 and wait for an admin)",
            Some(
                json!({"type": "object", "required": ["period"], "properties": {"period": {"type": "string"}, "actual": {"type": ["number", "null"]}, "national": {"type": ["number", "null"]}, "note": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"], "maxLength": 2000}}}),
            ),
        ),
        (
            "/api/programmes/{id}/import",
            "post",
            "Import a results bundle's selection.csv and allocations.csv, checked against its manifest.json, all or nothing",
            Some(
                json!({"type": "object", "required": ["selection_csv", "manifest_json"], "properties": {"selection_csv": {"type": "string"}, "allocations_csv": {"type": "string"}, "manifest_json": {"type": "string"}}}),
            ),
        ),
    ];
    for (path, method, summary, request) in extra {
        let mut op = json!({"summary": summary, "tags": ["service"], "responses": with_errors(ok(summary, any.clone()))});
        if let Some(r) = request {
            op["requestBody"] = body(r);
        }
        if path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
        }
        if path == "/api/kpis/{id}/actuals" {
            op["responses"]["202"] = json!({"description": "held as a draft until a national admin approves it", "content": {"application/json": {"schema": any.clone()}}});
            op["parameters"] = json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"}, "description": "the ETag of the period's value this correction was made from"},
            ]);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    if let Some(users) = paths.get_mut("/api/users") {
        users["post"] = json!({"summary": "Add a user (admin)", "tags": ["service"],
            "requestBody": body(json!({"type": "object", "required": ["email", "role", "password"], "properties": {
                "email": {"type": "string"}, "name": {"type": "string"}, "role": {"enum": crate::auth::Role::NAMES},
                "area_id": {"type": ["integer", "null"]}, "password": {"type": "string", "minLength": 10}}})),
            "responses": with_errors(ok("the user", any.clone()))});
    }
    schemas.insert(
        "Problem".into(),
        json!({"type": "object", "description": "RFC 9457 problem details", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "oa programme service", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The system of record for running opportunity areas: boards, plans, KPIs, research schools, funds, grants and spend. Money is in integer pence."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
            },
        },
        "security": [{"bearer": []}, {"session": []}, {}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_has_its_routes_and_schema() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for kind in Kind::ALL {
            let c = kind.table().collection;
            assert!(doc["paths"][format!("/api/{c}")]["get"].is_object(), "{c}");
            assert!(
                doc["paths"][format!("/api/{c}/{{id}}")]["patch"].is_object(),
                "{c}"
            );
        }
        assert_eq!(
            doc["components"]["schemas"]["SpendReturn"]["properties"]["amount_pence"]["minimum"],
            0
        );
        assert!(doc["paths"]["/api/users"]["post"].is_object());
        assert!(doc["paths"]["/api/kpis/{id}/actuals"]["put"].is_object());
        let put = &doc["paths"]["/api/kpis/{id}/actuals"]["put"];
        assert!(put["responses"]["202"].is_object(), "drafts are documented");
        let schema = &put["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema["properties"]["reason"].is_object(),
            "the reason is documented"
        );
        // The hardened routes and answers are described.
        for (path, method) in [
            ("/api/tokens", "get"),
            ("/api/tokens", "post"),
            ("/api/tokens/{id}", "delete"),
            ("/api/users/{id}", "patch"),
            ("/api/admin/integrity", "get"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        let patch = &doc["paths"]["/api/grants/{id}"]["patch"];
        assert_eq!(patch["parameters"][0]["name"], "If-Match");
        for status in ["412", "429", "503"] {
            assert!(patch["responses"][status].is_object(), "{status}");
        }
    }
}
