//! Builds the dashboard's default district boundaries into the binary from the shared
//! data beside the repository (`$OA_SHARED_DATA`, else `../shared/data`), so that
//! `oa serve --demo` draws its map without `--data-dir` and the repository holds no copy
//! of the data. Keeps the English districts of the ONS `topo.json`'s `ltla` object (every
//! arc kept, so coordinates are unchanged). Without the shared data the build still
//! succeeds; the dashboard then has no default map and says so in plain words.

use std::path::PathBuf;

const TOPO: &str = "geo/onsvisual-uk-topojson/topo.json";

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let shared = std::env::var_os("OA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let source = shared.join(TOPO);
    println!("cargo::rerun-if-env-changed=OA_SHARED_DATA");
    println!("cargo::rerun-if-changed={}", source.display());
    let english = std::fs::read_to_string(&source)
        .ok()
        .and_then(|text| english_districts(&text));
    std::fs::write(
        out.join("ltla-england.topo.json"),
        english.unwrap_or_default(),
    )
    .expect("write to OUT_DIR");
}

/// The topology with only the `ltla` object's English geometries, or `None` when the file
/// is not the expected shape (the dashboard then has no default map).
fn english_districts(text: &str) -> Option<String> {
    let mut topo: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    // Every other object (counties, regions...) goes: only `ltla` is kept.
    let objects = topo.get_mut("objects")?.as_object_mut()?;
    let mut ltla = objects.remove("ltla")?;
    objects.clear();
    ltla.get_mut("geometries")?.as_array_mut()?.retain(|g| {
        g.pointer("/properties/areacd")
            .and_then(|c| c.as_str())
            .is_some_and(|c| c.starts_with('E'))
    });
    objects.insert("ltla".into(), ltla);
    serde_json::to_string(&topo).ok()
}
