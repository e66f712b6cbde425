//! oa-spatial
