//! oa-python: the native module `oa._oa` of the Python package `oa` (built with maturin
//! from `crates/oa-python/pyproject.toml`). Bindings only, with no logic of their own:
//!
//! - [`study`]: `Study`, a resolved `oa_pipeline::Plan` from a file, TOML text, or a
//!   DataFrame plus keyword arguments written as study TOML (validated as a file is);
//! - [`results`]: `Results`, typed `oa_bundle::Results` with `write`, `read`, and the
//!   one-stage runs (`select`, `allocate`, `uncertainty`) of `oa_pipeline`;
//! - [`arrow`]: tables in and out through the Arrow C stream interface (PyCapsule);
//! - [`work`]: long work on a worker thread with the GIL released, progress reported to
//!   a Python callable, Ctrl-C turned into the pipeline's stop request;
//! - [`errors`]: `oa.OaError` and one subclass per `oa_pipeline::Code`.
//!
//! The Python side (`python/oa`) makes DataFrames of the Arrow tables, draws progress
//! bars and documents the API (`.pyi` stubs).

mod arrow;
mod errors;
mod results;
mod study;
mod work;

use pyo3::prelude::*;

#[pymodule]
fn _oa(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<study::PyStudy>()?;
    m.add_class::<results::PyResults>()?;
    m.add_class::<arrow::ArrowTable>()?;
    errors::register(m)?;
    m.add("__version__", oa_pipeline::VERSION)?;
    let codes: Vec<(String, &str)> = oa_pipeline::Code::ALL
        .iter()
        .map(|c| (errors::class_name(*c), c.info().name))
        .collect();
    m.add("ERROR_CODES", codes)?;
    Ok(())
}
