//! Reads IoD2019 File 2 through the imd2019 study N times (for `perf stat`):
//! `cargo run --release -p oa-io --example read_file2 -- ../shared/data 50`
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data_dir = std::path::PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let text =
        std::fs::read_to_string("studies/imd2019.toml").expect("run from the repository root");
    let study = oa_model::Study::from_toml_str(&text, "studies/imd2019.toml").expect("study");
    let mut areas = 0;
    for _ in 0..n {
        areas += oa_io::load_study_data(&study, &data_dir)
            .expect("data")
            .len();
    }
    println!("{} areas per read", areas / n.max(1));
}
