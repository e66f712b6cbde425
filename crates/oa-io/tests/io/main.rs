//! Integration tests of oa-io, one binary: published-file quirks on small files written
//! by the tests (`formats`), the real published files under the shared data directory
//! (`real_data`), and files as governments publish them with nothing silent (`published`).

mod formats;
mod published;
mod real_data;
