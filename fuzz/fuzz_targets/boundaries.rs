//! Any boundary file is a layer or an error, never a panic; a layer that loads also gets
//! its contiguity built (the geometry code a bad polygon would reach next).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oa_geo::{Contiguity, LoadOptions, neighbours, parse_boundaries};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(layer) = parse_boundaries(text, "fuzz.json", "fuzz", &LoadOptions::default()) {
            let queen = neighbours(&layer.features, Contiguity::Queen);
            assert_eq!(queen.len(), layer.features.len());
        }
    }
});
