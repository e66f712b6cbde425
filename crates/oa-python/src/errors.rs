//! Python exceptions generated from the pipeline's code table: `oa.OaError`, and one
//! subclass per `oa_pipeline::Code` (`study_invalid` -> `oa.StudyInvalidError`). Each
//! exception carries the code's name and whether it is the user's input, and the file,
//! line, column and study key its message names.

use oa_pipeline::{Code, Error};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use std::ffi::CString;

pyo3::create_exception!(
    oa,
    OaError,
    PyException,
    "Base class of every error oa raises; subclasses follow the code table."
);

/// The subclass of each code, in `Code::ALL` order.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// `study_invalid` -> `StudyInvalidError`.
pub fn class_name(code: Code) -> String {
    let mut name: String = code
        .info()
        .name
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    name.push_str("Error");
    name
}

fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let base = py.get_type::<OaError>();
        Code::ALL
            .iter()
            .map(|&code| {
                let info = code.info();
                let name = CString::new(format!("oa.{}", class_name(code)))?;
                let doc = CString::new(format!(
                    "oa error `{}` ({}; the command line exits {}).",
                    info.name,
                    if info.user {
                        "a problem with the input"
                    } else {
                        "a bug or the system"
                    },
                    info.exit
                ))?;
                PyErr::new_type(py, &name, Some(&doc), Some(&base), None)
            })
            .collect()
    })
}

/// Adds `OaError` and every subclass to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("OaError", py.get_type::<OaError>())?;
    for (code, class) in Code::ALL.iter().zip(classes(py)?) {
        m.add(class_name(*code), class.bind(py))?;
    }
    Ok(())
}

/// The pipeline's error as the exception of its code.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| match raise(py, &e) {
        Ok(err) | Err(err) => err,
    })
}

fn raise(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let index = Code::ALL.iter().position(|c| *c == e.code).unwrap_or(0);
    let class = classes(py)?[index].bind(py);
    let exc = class.call1((e.message.clone(),))?;
    let info = e.code.info();
    let place = Place::of(&e.message);
    exc.setattr("code", info.name)?;
    exc.setattr("user", info.user)?;
    exc.setattr("message", &e.message)?;
    exc.setattr("file", place.file)?;
    exc.setattr("line", place.line)?;
    exc.setattr("column", place.column)?;
    exc.setattr("row", place.row)?;
    exc.setattr("key", place.key)?;
    Ok(PyErr::from_value(exc))
}

/// Where a message says the problem is. Messages follow one shape (`FILE: where: what`,
/// `FILE:LINE:COLUMN: what` for TOML syntax, `FILE: `key`: what` for study keys), so the
/// parts are read back from it.
#[derive(Debug, Default, PartialEq)]
pub struct Place {
    pub file: Option<String>,
    pub line: Option<u64>,
    /// A column name (`column `X``) or, for TOML syntax errors, its number.
    pub column: Option<String>,
    /// A data frame's row position.
    pub row: Option<u64>,
    pub key: Option<String>,
}

impl Place {
    pub fn of(message: &str) -> Place {
        let mut place = Place::default();
        let (head, rest) = match message.split_once(": ") {
            Some((h, r)) if !h.contains('`') => (h, r),
            _ => ("", message),
        };
        // `FILE:LINE:COLUMN` (TOML syntax) or `FILE`.
        let mut parts = head.rsplitn(3, ':');
        let (c, l, f) = (parts.next(), parts.next(), parts.next());
        match (f, l.and_then(|l| l.parse().ok()), c) {
            (Some(f), Some(line), Some(col)) if col.parse::<u64>().is_ok() => {
                place.file = Some(f.to_string());
                place.line = Some(line);
                place.column = Some(col.to_string());
            }
            _ if !head.is_empty() => place.file = Some(head.to_string()),
            _ => {}
        }
        place.line = place.line.or_else(|| number_after(rest, "line "));
        place.row = number_after(rest, "row ");
        if place.column.is_none() {
            place.column = quoted_after(rest, "column `");
        }
        place.key = quoted_after(rest, "study key `").or_else(|| {
            rest.starts_with('`')
                .then(|| quoted_after(rest, "`"))
                .flatten()
        });
        place
    }
}

fn number_after(text: &str, word: &str) -> Option<u64> {
    let at = text.find(word)? + word.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn quoted_after(text: &str, opening: &str) -> Option<String> {
    let at = text.find(opening)? + opening.len();
    text[at..].split_once('`').map(|(q, _)| q.to_string())
}
