//! Reading arbitrary bytes as a source with each of the reading options issue 15 added
//! (detected or declared separators, decimal commas, skipped notes and codes, filters and
//! a period on the wide layout) returns data or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oa_model::study::{Layout, Period, Source};

fuzz_target!(|data: &[u8]| {
    let Some((&options, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, bytes).unwrap();
    let delimiter = [None, Some(","), Some(";"), Some("\t"), Some("|")][usize::from(options % 5)];
    let layout = if options & 0x08 != 0 {
        Layout::Wide {
            filters: [("level".to_string(), "LA".to_string())].into(),
            period: Some(Period {
                column: "year".into(),
                select: if options & 0x10 != 0 { "latest".into() } else { "2020".into() },
            }),
        }
    } else {
        Layout::default()
    };
    let source = Source {
        id: "f".into(),
        path: "f.csv".into(),
        code_column: "code".into(),
        name_column: Some("name".into()),
        layout,
        delimiter: delimiter.map(str::to_string),
        decimal: (options & 0x20 != 0).then(|| ",".to_string()),
        skip_notes: options & 0x40 != 0,
        skip_codes: vec!["England".into()],
        ..Source::default()
    };
    let _ = oa_io::read_table(&path, &source);
    let _ = oa_io::source::read_source(&path, &source, &["a".to_string()], "f.csv");
});
