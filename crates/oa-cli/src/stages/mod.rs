//! Optional stages of `oa run`, each owned by one feature and called by `commands::run`
//! after the index is computed, when the study declares it.
