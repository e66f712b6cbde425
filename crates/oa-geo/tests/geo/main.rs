//! Integration tests of `oa-geo` (one binary): every shared boundary file loads, contiguity
//! of the 2016 districts, the vintage registry and conversions, map rendering, bad input
//! and property tests. Real data comes through `oa_testkit::shared_data`.

mod bad_input;
mod contiguity;
mod folders;
mod load;
mod maps;
mod properties;
mod registry;
