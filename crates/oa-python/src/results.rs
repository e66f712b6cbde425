//! `Results`: a study's typed results (`oa_bundle::Results`) with the plan that made them,
//! so that selection, allocation and uncertainty can run on them again. Tables leave as
//! Arrow; the manifest as JSON; maps, charts and reports as text.

use crate::arrow::ArrowTable;
use crate::errors;
use crate::study::{PyStudy, output_formats, overrides};
use crate::work;
use oa_bundle::{File, Results};
use oa_pipeline::Plan;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

#[pyclass(frozen, module = "oa._oa", name = "Results")]
pub struct PyResults {
    /// Behind a lock: writing records the outputs' digests in the manifest.
    results: Mutex<Results>,
    /// The plan of the run, when these results were computed here (not read back).
    plan: Option<Plan>,
    /// Every table as Arrow, made on first use.
    tables: OnceLock<Vec<(String, Py<ArrowTable>)>>,
}

impl PyResults {
    pub fn new(results: Results, plan: Option<Plan>) -> PyResults {
        PyResults {
            results: Mutex::new(results),
            plan,
            tables: OnceLock::new(),
        }
    }

    /// The results, waited for without holding the GIL: a `write` on another thread
    /// holds them while it runs without the GIL, and needs the GIL back to finish.
    fn lock(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, Results>> {
        self.results
            .lock_py_attached(py)
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("results lock poisoned"))
    }

    fn with<T>(&self, f: impl FnOnce(&Results) -> T) -> PyResult<T> {
        let r = Python::attach(|py| self.lock(py))?;
        Ok(f(&r))
    }

    fn tables(&self, py: Python<'_>) -> PyResult<&Vec<(String, Py<ArrowTable>)>> {
        if let Some(t) = self.tables.get() {
            return Ok(t);
        }
        // The tables borrow the results, so they are turned into Arrow under the lock.
        let made = self.with(|r| {
            r.tables()
                .into_iter()
                .map(|(name, table)| {
                    let stem = name.trim_end_matches(".csv").to_string();
                    Ok((stem, Py::new(py, ArrowTable::from_table(&table)?)?))
                })
                .collect::<PyResult<Vec<_>>>()
        })??;
        Ok(self.tables.get_or_init(|| made))
    }

    /// The plan to run a stage on these results: `study` (a file) if given, else the plan
    /// that made them, else the bundle's own study; the data directory of `data_dir`, else
    /// the plan's or the manifest's.
    fn plan_for(&self, study: Option<&Path>, data_dir: Option<&Path>) -> PyResult<Plan> {
        let (study_toml, recorded_dir) =
            self.with(|r| (r.study_toml.clone(), PathBuf::from(&r.manifest.data_dir)))?;
        let mut plan = match (study, &self.plan) {
            (Some(path), _) => {
                let dir = data_dir.map_or(recorded_dir, Path::to_path_buf);
                Plan::from_file(path, Some(&dir)).map_err(errors::to_py)?
            }
            (None, Some(plan)) => plan.clone(),
            (None, None) => Plan::from_toml(study_toml, "study.toml (in the bundle)", recorded_dir)
                .map_err(errors::to_py)?,
        };
        if let Some(d) = data_dir {
            plan.data_dir = d.to_path_buf();
        }
        Ok(plan)
    }

    /// Runs one stage again on these results (the plan as [`PyResults::plan_for`]) and
    /// returns a copy with its section replaced.
    fn again<T: Send>(
        &self,
        py: Python<'_>,
        study: Option<PathBuf>,
        data_dir: Option<PathBuf>,
        stage: impl FnOnce(&Plan, &Results) -> Result<T, oa_pipeline::Error> + Send,
        put: impl FnOnce(&mut Results, T),
    ) -> PyResult<PyResults> {
        let plan = self.plan_for(study.as_deref(), data_dir.as_deref())?;
        let results = self.with(Clone::clone)?;
        let section = work::run(py, None, |_| stage(&plan, &results))?;
        self.derive(plan, |r| put(r, section))
    }

    /// A copy of these results with `change` made, keeping the plan.
    fn derive(&self, plan: Plan, change: impl FnOnce(&mut Results)) -> PyResult<PyResults> {
        let mut results = self.with(Clone::clone)?;
        change(&mut results);
        Ok(PyResults::new(results, Some(plan)))
    }
}

#[pymethods]
impl PyResults {
    /// Reads a results bundle.
    #[staticmethod]
    fn read(py: Python<'_>, path: PathBuf) -> PyResult<PyResults> {
        let results = py
            .detach(|| oa_bundle::read(&path))
            .map_err(|e| errors::to_py(e.into()))?;
        Ok(PyResults::new(results, None))
    }

    /// The tables' names (`scores`, `indicators`, ...), in bundle order.
    fn table_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.tables(py)?.iter().map(|(n, _)| n.clone()).collect())
    }

    /// One table as Arrow, by name (`scores` or `scores.csv`).
    fn table(&self, py: Python<'_>, name: &str) -> PyResult<Py<ArrowTable>> {
        let stem = name.trim_end_matches(".csv");
        let tables = self.tables(py)?;
        tables
            .iter()
            .find(|(n, _)| n == stem)
            .map(|(_, t)| t.clone_ref(py))
            .ok_or_else(|| {
                let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
                PyKeyError::new_err(format!(
                    "no table `{stem}` in these results; they have {}",
                    names.join(", ")
                ))
            })
    }

    /// The manifest as JSON.
    fn manifest_json(&self) -> PyResult<String> {
        self.with(|r| r.manifest.to_json())
    }

    /// The headline (which table and columns hold the score, rank and band) as JSON.
    fn headline_json(&self) -> PyResult<String> {
        self.with(|r| serde_json::to_string(&r.headline()).unwrap_or_default())
    }

    /// The sections present (`index`, `rollup`, ...).
    fn sections(&self) -> PyResult<Vec<String>> {
        self.with(|r| r.sections().iter().map(|s| s.name().to_string()).collect())
    }

    /// Every file of the bundle that is not a table, by name: the study, Markdown reports,
    /// SVG maps and charts as text; PNG copies as bytes.
    fn documents(&self, py: Python<'_>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        let files: Vec<(String, Vec<u8>)> = self.with(|r| {
            r.sections()
                .into_iter()
                .flat_map(|s| r.files(s))
                .filter_map(|f| match f {
                    File::Bytes { name, bytes } => Some((name.to_string(), bytes.to_vec())),
                    File::Table { .. } => None,
                })
                .collect()
        })?;
        files
            .into_iter()
            .map(|(name, bytes)| {
                let value = match String::from_utf8(bytes) {
                    Ok(text) => text.into_pyobject(py)?.into_any().unbind(),
                    Err(e) => e.into_bytes().into_pyobject(py)?.into_any().unbind(),
                };
                Ok((name, value))
            })
            .collect()
    }

    /// Writes the bundle to `path` (all or nothing; an older bundle there is replaced) and
    /// returns where it is. `formats` adds Parquet or XLSX copies of every table.
    #[pyo3(signature = (path, formats = None))]
    fn write(
        &self,
        py: Python<'_>,
        path: PathBuf,
        formats: Option<Vec<String>>,
    ) -> PyResult<PathBuf> {
        let mut results = self.lock(py)?;
        if let Some(formats) = formats {
            results.manifest.formats = std::iter::once("csv".to_string())
                .chain(
                    output_formats(&formats)?
                        .into_iter()
                        .filter(|f| *f != oa_io::OutputFormat::Csv)
                        .map(|f| f.extension().to_string()),
                )
                .collect();
        }
        let results = &mut *results;
        py.detach(|| oa_bundle::write(results, &path))
            .map_err(|e| errors::to_py(e.into()))
    }

    /// Chooses areas again by the study's `[selection]` (as `oa select`).
    #[pyo3(signature = (study = None, data_dir = None))]
    fn select(
        &self,
        py: Python<'_>,
        study: Option<PathBuf>,
        data_dir: Option<PathBuf>,
    ) -> PyResult<PyResults> {
        self.again(py, study, data_dir, oa_pipeline::select, |r, s| {
            r.selection = Some(s)
        })
    }

    /// Allocates the study's `[[funds]]` again (as `oa allocate`).
    #[pyo3(signature = (study = None, data_dir = None))]
    fn allocate(
        &self,
        py: Python<'_>,
        study: Option<PathBuf>,
        data_dir: Option<PathBuf>,
    ) -> PyResult<PyResults> {
        self.again(
            py,
            study,
            data_dir,
            |plan, results| {
                if plan.study.funds.is_empty() {
                    return Err(oa_pipeline::Error::new(
                        oa_pipeline::Code::StudyInvalid,
                        format!(
                            "{}: the study declares no [[funds]]; add one to allocate money, or give another study",
                            plan.study_path
                        ),
                    ));
                }
                oa_pipeline::allocate(plan, results)
            },
            |r, f| r.funding = Some(f),
        )
    }

    /// Runs the study's `[uncertainty]` Monte Carlo (and Sobol indices when declared).
    #[pyo3(signature = (samples = None, seed = None, study = None, data_dir = None, report = None))]
    fn uncertainty(
        &self,
        py: Python<'_>,
        samples: Option<i64>,
        seed: Option<u64>,
        study: Option<PathBuf>,
        data_dir: Option<PathBuf>,
        report: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyResults> {
        let mut plan = self.plan_for(study.as_deref(), data_dir.as_deref())?;
        overrides(&mut plan, samples, seed, None)?;
        let analysis = work::run(py, report.as_ref(), |p| oa_pipeline::uncertainty(&plan, p))?;
        self.derive(plan, |r| r.uncertainty = Some(analysis))
    }

    /// The study that made these results (for results read back, the bundle's own).
    fn study(&self) -> PyResult<PyStudy> {
        Ok(PyStudy {
            plan: self.plan_for(None, None)?,
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        self.with(|r| {
            let sections: Vec<&str> = r.sections().iter().map(|s| s.name()).collect();
            format!(
                "Results({}: {} areas; {})",
                r.study.study.id,
                r.headline().areas,
                sections.join(", ")
            )
        })
    }
}
