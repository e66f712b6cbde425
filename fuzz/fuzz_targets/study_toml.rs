//! A study file of any content is a study or a one-line error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = oa_model::study::Study::from_toml_str(text, "fuzz.toml") {
            assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
        }
    }
});
