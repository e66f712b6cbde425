//! oa-targeting
