//! Every shipped study run in process through `oa_pipeline::run`, its typed results
//! checked, and its bundle written, read back and written again byte for byte.

mod bundles;
mod nothing_silent;
mod shipped;
mod support;
