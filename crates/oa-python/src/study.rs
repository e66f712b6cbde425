//! `Study`: a resolved study (`oa_pipeline::Plan`), read from a file or TOML text, or
//! built in code over a DataFrame. A study built in code is written as study TOML here
//! and goes through `Plan::from_toml`, so it is validated exactly as a file is and its
//! bundle holds a real `study.toml`.

use crate::arrow;
use crate::errors;
use crate::results::PyResults;
use crate::work;
use oa_pipeline::Plan;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use toml::{Table, Value};

/// How messages name a study built in code.
const BUILT: &str = "study (built from a data frame)";
/// How messages and the manifest name the frame.
const FRAME: &str = "data frame";

#[pyclass(frozen, module = "oa._oa", name = "Study")]
pub struct PyStudy {
    pub plan: Plan,
}

#[pymethods]
impl PyStudy {
    /// Reads and validates a study file; overrides as `oa run` and `oa uncertainty` take
    /// them.
    #[staticmethod]
    #[pyo3(signature = (path, data_dir = None, samples = None, seed = None, formats = None))]
    fn from_file(
        path: PathBuf,
        data_dir: Option<PathBuf>,
        samples: Option<i64>,
        seed: Option<u64>,
        formats: Option<Vec<String>>,
    ) -> PyResult<PyStudy> {
        let mut plan = Plan::from_file(&path, data_dir.as_deref()).map_err(errors::to_py)?;
        overrides(&mut plan, samples, seed, formats)?;
        Ok(PyStudy { plan })
    }

    /// Parses and validates study TOML held in memory.
    #[staticmethod]
    #[pyo3(signature = (text, data_dir = None, label = "study (TOML text)", samples = None, seed = None, formats = None))]
    fn from_toml(
        text: String,
        data_dir: Option<PathBuf>,
        label: &str,
        samples: Option<i64>,
        seed: Option<u64>,
        formats: Option<Vec<String>>,
    ) -> PyResult<PyStudy> {
        let data_dir = data_dir.unwrap_or_else(|| PathBuf::from("."));
        let mut plan =
            Plan::from_toml(text.into_bytes(), label, data_dir).map_err(errors::to_py)?;
        overrides(&mut plan, samples, seed, formats)?;
        Ok(PyStudy { plan })
    }

    /// A study over a table in memory: `spec` holds the study's keys as Python values
    /// (see `build_toml`), `data` any object with `__arrow_c_stream__`.
    #[staticmethod]
    #[pyo3(signature = (data, spec, data_dir = None))]
    fn from_frame(
        data: &Bound<'_, PyAny>,
        spec: &Bound<'_, PyDict>,
        data_dir: Option<PathBuf>,
    ) -> PyResult<PyStudy> {
        let text = build_toml(spec)?;
        let data_dir = data_dir.unwrap_or_else(|| PathBuf::from("."));
        let mut plan =
            Plan::from_toml(text.into_bytes(), BUILT, data_dir).map_err(errors::to_py)?;
        let wanted = read_columns(&plan);
        plan.frame = Some(Arc::new(arrow::frame(data, FRAME, &wanted)?));
        Ok(PyStudy { plan })
    }

    /// Runs every stage the study declares.
    #[pyo3(signature = (report = None))]
    fn run(&self, py: Python<'_>, report: Option<Bound<'_, PyAny>>) -> PyResult<PyResults> {
        let plan = &self.plan;
        let results = work::run(py, report.as_ref(), |p| oa_pipeline::run(plan, p))?;
        Ok(PyResults::new(results, Some(self.plan.clone())))
    }

    /// The study as TOML (for a study built in code, the text generated for it).
    #[getter]
    fn toml(&self) -> String {
        String::from_utf8_lossy(&self.plan.study_toml).into_owned()
    }

    #[getter]
    fn id(&self) -> String {
        self.plan.study.study.id.clone()
    }

    #[getter]
    fn title(&self) -> String {
        self.plan.study.study.title.clone()
    }

    #[getter]
    fn data_dir(&self) -> PathBuf {
        self.plan.data_dir.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Study({}: {} indicators{})",
            self.plan.study.study.id,
            self.plan.study.indicators.len(),
            match &self.plan.frame {
                Some(f) => format!(", a data frame of {} rows", f.rows()),
                None => String::new(),
            }
        )
    }
}

/// Applies the caller's overrides to a plan.
pub fn overrides(
    plan: &mut Plan,
    samples: Option<i64>,
    seed: Option<u64>,
    formats: Option<Vec<String>>,
) -> PyResult<()> {
    if samples.is_some() {
        plan.samples = samples;
    }
    if seed.is_some() {
        plan.seed = seed;
    }
    if let Some(formats) = formats {
        plan.formats = output_formats(&formats)?;
    }
    Ok(())
}

/// Table formats by name (`csv`, `parquet`, `xlsx`).
pub fn output_formats(names: &[String]) -> PyResult<Vec<oa_io::OutputFormat>> {
    names
        .iter()
        .map(|f| f.parse::<oa_io::OutputFormat>())
        .collect::<Result<_, _>>()
        .map_err(pyo3::exceptions::PyValueError::new_err)
}

/// The columns a study reads from its source: code, name, indicators, standard errors.
fn read_columns(plan: &Plan) -> HashSet<String> {
    let mut wanted = HashSet::new();
    for s in &plan.study.sources {
        wanted.insert(s.code_column.clone());
        wanted.extend(s.name_column.clone());
    }
    for i in &plan.study.indicators {
        wanted.insert(i.column.clone().unwrap_or_else(|| i.id.clone()));
        wanted.extend(i.se_column.clone());
    }
    wanted
}

/// The study TOML for a study built in code. `spec` has the keyword arguments of
/// `oa.Study.from_frame`: `id`, `title`, `code`, `name`, `area_type`, `vintage`,
/// `geography`, `indicators`, `direction`, `groups`, `weights`, `method`, `scoring`,
/// `bands`, `sections`. Each maps onto the study keys of the same meaning; nothing is
/// checked here that `Plan::from_toml` checks.
fn build_toml(spec: &Bound<'_, PyDict>) -> PyResult<String> {
    let get = |key: &str| -> PyResult<Option<Value>> {
        match spec.get_item(key)? {
            Some(v) => to_toml(&v, key),
            None => Ok(None),
        }
    };
    let text = |key: &str| -> PyResult<Option<String>> {
        Ok(get(key)?.and_then(|v| v.as_str().map(str::to_string)))
    };
    let id = text("id")?.unwrap_or_else(|| "study".into());
    let mut study = Table::new();
    study.insert("schema".into(), Value::Integer(1));
    study.insert(
        "study".into(),
        Value::Table(Table::from_iter([
            (
                "title".to_string(),
                Value::String(text("title")?.unwrap_or_else(|| id.clone())),
            ),
            ("id".to_string(), Value::String(id)),
        ])),
    );

    let mut geography = match get("geography")? {
        Some(Value::Table(t)) => t,
        Some(_) => return Err(PyTypeError::new_err("`geography` must be a dict")),
        None => Table::new(),
    };
    for key in ["area_type", "vintage"] {
        if let Some(v) = get(key)? {
            geography.insert(key.into(), v);
        }
    }
    study.insert("geography".into(), Value::Table(geography));

    let mut source = Table::new();
    source.insert("id".into(), Value::String("frame".into()));
    source.insert("path".into(), Value::String(FRAME.into()));
    if let Some(code) = get("code")? {
        source.insert("code_column".into(), code);
    }
    if let Some(name) = get("name")? {
        source.insert("name_column".into(), name);
    }
    study.insert("sources".into(), Value::Array(vec![Value::Table(source)]));

    let direction = get("direction")?;
    let mut indicators: Vec<Table> = match get("indicators")? {
        Some(Value::Array(ids)) => ids
            .into_iter()
            .map(|id| Table::from_iter([("id".to_string(), id)]))
            .collect(),
        Some(Value::Table(by_id)) => by_id
            .into_iter()
            .map(|(id, v)| {
                let mut t = match v {
                    Value::Table(t) => t,
                    direction => Table::from_iter([("direction".to_string(), direction)]),
                };
                t.insert("id".into(), Value::String(id));
                t
            })
            .collect(),
        Some(_) => {
            return Err(PyTypeError::new_err(
                "`indicators` must be a list of column names or a dict of id -> direction (or of id -> dict of indicator keys)",
            ));
        }
        None => Vec::new(),
    };
    for ind in &mut indicators {
        if let Some(d) = &direction {
            ind.entry("direction").or_insert_with(|| d.clone());
        }
    }

    let mut groups: Vec<Table> = Vec::new();
    if let Some(spec) = get("groups")? {
        let Value::Table(by_id) = spec else {
            return Err(PyTypeError::new_err(
                "`groups` must be a dict of group id -> list of indicator ids (or -> dict of group keys with `indicators`)",
            ));
        };
        for (id, v) in by_id {
            let (members, mut group) = match v {
                Value::Array(m) => (m, Table::new()),
                Value::Table(mut t) => match t.remove("indicators") {
                    Some(Value::Array(m)) => (m, t),
                    _ => (Vec::new(), t),
                },
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "`groups[\"{id}\"]` must be a list of indicator ids or a dict"
                    )));
                }
            };
            for member in members {
                let member = member.as_str().unwrap_or_default().to_string();
                let Some(ind) = indicators
                    .iter_mut()
                    .find(|i| i.get("id").and_then(Value::as_str) == Some(member.as_str()))
                else {
                    return Err(errors::to_py(oa_pipeline::Error::new(
                        oa_pipeline::Code::StudyInvalid,
                        format!("{BUILT}: `groups.{id}`: `{member}` is not one of the indicators"),
                    )));
                };
                ind.insert("group".into(), Value::String(id.clone()));
            }
            group.insert("id".into(), Value::String(id));
            groups.push(group);
        }
    }
    if let Some(spec) = get("weights")? {
        let Value::Table(weights) = spec else {
            return Err(PyTypeError::new_err(
                "`weights` must be a dict of indicator or group id -> weight",
            ));
        };
        for (id, w) in weights {
            let Some(node) = indicators
                .iter_mut()
                .chain(groups.iter_mut())
                .find(|t| t.get("id").and_then(Value::as_str) == Some(id.as_str()))
            else {
                return Err(errors::to_py(oa_pipeline::Error::new(
                    oa_pipeline::Code::StudyInvalid,
                    format!("{BUILT}: `weights.{id}`: `{id}` is neither an indicator nor a group"),
                )));
            };
            node.insert("weight".into(), w);
        }
    }
    let tables = |v: Vec<Table>| Value::Array(v.into_iter().map(Value::Table).collect());
    study.insert("indicators".into(), tables(indicators));
    if !groups.is_empty() {
        study.insert("groups".into(), tables(groups));
    }

    if let Some(method) = get("method")? {
        let Value::Table(mut method) = method else {
            return Err(PyTypeError::new_err("`method` must be a dict"));
        };
        // `normalisation = "zscore"` is short for `normalisation = { method = "zscore" }`.
        for key in ["normalisation", "aggregation"] {
            if let Some(Value::String(m)) = method.get(key) {
                let full = Table::from_iter([("method".to_string(), Value::String(m.clone()))]);
                method.insert(key.into(), Value::Table(full));
            }
        }
        study.insert("method".into(), Value::Table(method));
    }
    for key in ["scoring", "bands"] {
        if let Some(v) = get(key)? {
            study.insert(key.into(), v);
        }
    }
    if let Some(sections) = get("sections")? {
        let Value::Table(sections) = sections else {
            return Err(PyTypeError::new_err(
                "`sections` must be a dict of study section -> its keys",
            ));
        };
        for (key, v) in sections {
            if study.contains_key(&key) {
                return Err(PyTypeError::new_err(format!(
                    "`sections` repeats `{key}`, which the other arguments set"
                )));
            }
            study.insert(key, v);
        }
    }
    toml::to_string(&study).map_err(|e| PyTypeError::new_err(e.to_string()))
}

/// A Python value as a TOML value (`None` leaves the key out).
fn to_toml(v: &Bound<'_, PyAny>, key: &str) -> PyResult<Option<Value>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Some(Value::Boolean(v.extract()?)));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(Some(Value::Integer(v.extract()?)));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Some(Value::Float(v.extract()?)));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Some(Value::String(v.extract()?)));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = Table::new();
        for (k, x) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("`{key}`: dict keys must be text")))?;
            if let Some(x) = to_toml(&x, &format!("{key}.{k}"))? {
                t.insert(k, x);
            }
        }
        return Ok(Some(Value::Table(t)));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, x) in v.try_iter()?.enumerate() {
            if let Some(x) = to_toml(&x?, &format!("{key}[{i}]"))? {
                items.push(x);
            }
        }
        return Ok(Some(Value::Array(items)));
    }
    // numpy scalars and the like: their Python value.
    if v.hasattr("item")? {
        let item = v.call_method0("item")?;
        if !item.is(v) {
            return to_toml(&item, key);
        }
    }
    Err(PyTypeError::new_err(format!(
        "`{key}`: a {} cannot go into a study; use numbers, text, lists and dicts",
        v.get_type().name()?
    )))
}
