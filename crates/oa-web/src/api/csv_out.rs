//! Lists as CSV (`?format=csv` or `Accept: text/csv`): one header row, one row per record,
//! nested JSON written compactly.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Whether the client asked for CSV.
pub fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> bool {
    if let Some(f) = format {
        return f.eq_ignore_ascii_case("csv");
    }
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.trim().starts_with("text/csv")))
}

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or
/// carriage return first) is written with a leading `'`, so free text such as a comment
/// cannot become a formula when the download is opened. Numbers are written as they are.
fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => text_cell(s),
        Some(other) => other.to_string(),
    }
}

/// The rows as CSV text with the given columns.
pub fn to_csv(columns: &[&str], rows: &[Value]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(columns);
    for r in rows {
        let _ = w.write_record(columns.iter().map(|c| cell(r.get(*c))));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A CSV response named `{name}.csv`.
pub fn csv_response(name: &str, body: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_nested_values() {
        let rows = [
            serde_json::json!({"id": 1, "name": "Fenland, East Cambs", "districts": [{"code": "E1"}], "x": null}),
        ];
        let out = to_csv(&["id", "name", "districts", "x"], &rows);
        assert_eq!(
            out,
            "id,name,districts,x\n1,\"Fenland, East Cambs\",\"[{\"\"code\"\":\"\"E1\"\"}]\",\n"
        );
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_defused() {
        let rows = [
            serde_json::json!({"a": "=HYPERLINK(\"http://x\")", "b": "@SUM(A1)", "c": -5, "d": "2019-20"}),
        ];
        let out = to_csv(&["a", "b", "c", "d"], &rows);
        assert_eq!(
            out,
            "a,b,c,d\n\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),-5,2019-20\n"
        );
    }
}
