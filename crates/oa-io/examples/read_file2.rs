//! Reads IoD2019 File 2 N times, for CPU-time measurements with `perf stat` on a busy
//! machine (criterion's wall-clock figures suffer when other builds share the cores):
//!
//! `perf stat -e task-clock target/release/examples/read_file2 ../shared/data 50 [table]`
//!
//! Default: through the imd2019 study (`load_study_data`); `table`: every column as text
//! (`read_table`); `write`: read once, then write the seven columns plus codes and names
//! as CSV to memory N times (`Table::write_csv_to`). Run from the repository root.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data_dir = std::path::PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mode = args.get(3).map_or("", String::as_str);
    let text =
        std::fs::read_to_string("studies/imd2019.toml").expect("run from the repository root");
    let study = oa_model::Study::from_toml_str(&text, "studies/imd2019.toml").expect("study");
    let path = data_dir.join(&study.sources[0].path);
    let mut rows = 0;
    if mode == "write" {
        let data = oa_io::load_study_data(&study, &data_dir).expect("data");
        let mut t = oa_io::Table::new();
        t.push_text("area_code", data.area_codes.clone())
            .push_text("area_name", data.area_names.clone());
        for (id, column) in data.indicator_ids.iter().zip(&data.columns) {
            t.push_float(id.as_str(), column.iter().map(|v| v / 32_844.0).collect());
        }
        for _ in 0..n {
            let mut out = Vec::with_capacity(4 << 20);
            t.write_csv_to(&mut out).expect("write");
            rows += out.len();
        }
        println!("{} bytes per write", rows / n.max(1));
        return;
    }
    for _ in 0..n {
        rows += if mode == "table" {
            oa_io::read_table(&path, &study.sources[0])
                .expect("table")
                .len()
        } else {
            oa_io::load_study_data(&study, &data_dir)
                .expect("data")
                .len()
        };
    }
    println!("{} rows per read", rows / n.max(1));
}
