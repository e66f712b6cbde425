//! oa-bundle on small hand-made results: all-or-nothing writing and replacing, what may be
//! overwritten, permissions, exact round trips of every kind of cell (property test), and
//! bundles of layout version 1.

mod layout;
mod round_trip;
mod support;
mod version1;
