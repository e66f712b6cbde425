//! The number parser never panics and only returns finite numbers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = oa_io::number::parse_number(text) {
            assert!(v.is_finite());
        }
        let _ = oa_io::number::parse_cell(text, &["n/a".to_string()]);
        for mark in [
            oa_io::number::DecimalMark::Comma,
            oa_io::number::DecimalMark::Unknown,
        ] {
            if let Ok(v) = oa_io::number::parse_number_as(text, mark) {
                assert!(v.is_finite());
            }
        }
    }
});
