//! oa-web: see ARCHITECTURE.md.
