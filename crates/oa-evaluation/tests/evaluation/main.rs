//! Integration tests of the evaluation engine: published reference results, properties,
//! bad input, and the real outcome panels.

mod bad_input;
mod common;
mod properties;
mod published;
mod real_data;
