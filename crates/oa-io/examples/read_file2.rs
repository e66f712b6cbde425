//! Reads IoD2019 File 2 N times, for CPU-time measurements with `perf stat` on a busy
//! machine (criterion's wall-clock figures suffer when other builds share the cores):
//!
//! `perf stat -e task-clock target/release/examples/read_file2 ../shared/data 50 [table]`
//!
//! Default: through the imd2019 study (`load_study_data`); `table`: every column as text
//! (`read_table`). Run from the repository root.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data_dir = std::path::PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let table = args.get(3).is_some_and(|s| s == "table");
    let text =
        std::fs::read_to_string("studies/imd2019.toml").expect("run from the repository root");
    let study = oa_model::Study::from_toml_str(&text, "studies/imd2019.toml").expect("study");
    let path = data_dir.join(&study.sources[0].path);
    let mut rows = 0;
    for _ in 0..n {
        rows += if table {
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
