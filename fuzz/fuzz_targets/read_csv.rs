//! Reading arbitrary bytes as a CSV source returns data or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oa_model::study::{Layout, Source};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, data).unwrap();
    let source = Source {
        id: "f".into(),
        path: "f.csv".into(),
        format: None,
        sheet: None,
        header_row: None,
        code_column: "code".into(),
        name_column: Some("name".into()),
        layout: Layout::default(),
        missing_markers: Vec::new(),
        ..Source::default()
    };
    let _ = oa_io::read_table(&path, &source);
    let _ = oa_io::source::read_source(&path, &source, &["a".to_string()], "f.csv");
});
