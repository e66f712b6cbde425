//! oa-store: see ARCHITECTURE.md.
