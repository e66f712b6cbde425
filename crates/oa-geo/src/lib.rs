//! oa-geo: see ARCHITECTURE.md.
