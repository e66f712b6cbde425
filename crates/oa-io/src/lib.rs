//! oa-io: see ARCHITECTURE.md.
