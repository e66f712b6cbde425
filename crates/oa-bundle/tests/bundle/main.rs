//! oa-bundle on small hand-made results: all-or-nothing writing and replacing, what may be
//! overwritten, permissions, exact round trips of every kind of cell (property test), the
//! sections of issue 15 (coverage reasons and skipped rows, outliers, PCA, global Moran's
//! I, the audit with its schema) and reading version 1 bundles.

mod evaluation;
mod layout;
mod round_trip;
mod sections;
mod support;
mod version1;
