//! The README's recipe for the programme service, run as written (in a scratch folder
//! laid out as the README assumes: `studies/` of this repository, `../shared/data`
//! beside it), then the dashboard checked: every district of the IoD 2019 summaries with
//! its rank, its band and its probability of being a cold spot.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

/// The shell commands of the README's "The programme service" block.
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(oa_testkit::repo_path("README.md")).unwrap();
    let section = readme
        .split("### The programme service")
        .nth(1)
        .expect("the README has a section `The programme service`");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section starts with a sh block");
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or(out)
}

fn oa(cwd: &Path, args: &[String]) -> Command {
    assert_eq!(args[0], "oa", "a README command starts with `oa`");
    let mut c = Command::new(env!("CARGO_BIN_EXE_oa"));
    c.args(&args[1..]).current_dir(cwd);
    c
}

#[test]
fn the_district_dashboard_recipe_shows_every_district() {
    let commands = readme_commands();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert_eq!(commands[0][1], "run");
    assert_eq!(commands[1][1], "serve");

    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("oa");
    std::fs::create_dir_all(tmp.path().join("shared")).unwrap();
    std::fs::create_dir(&cwd).unwrap();
    std::os::unix::fs::symlink(oa_testkit::repo_path("studies"), cwd.join("studies")).unwrap();
    std::os::unix::fs::symlink(
        oa_testkit::shared_data_dir(),
        tmp.path().join("shared/data"),
    )
    .unwrap();

    let run = oa(&cwd, &commands[0]).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // The README's serve command, on a free port.
    let mut serve = commands[1].clone();
    serve.extend(["--listen".to_string(), "127.0.0.1:0".to_string()]);
    serve.extend([
        "--database".to_string(),
        tmp.path().join("oa.db").display().to_string(),
    ]);
    let mut child = oa(&cwd, &serve).stdout(Stdio::piped()).spawn().unwrap();
    let mut addr = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let pages = addr
        .as_deref()
        .map(|a| (get(a, "/"), get(a, "/results.csv")));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let (page, csv) = pages.expect("the service printed its address");

    assert!(!page.contains("could not be read"), "{page}");
    assert!(
        page.contains("Likelihood of being in"),
        "no cold-spot likelihood column"
    );
    assert!(page.contains("Blackpool"), "{page}");
    // Every district with a rank, and 64 cold spots, each with a probability.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code, rank, band, p) = (col("code"), col("rank"), col("band"), col("p_band"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 317);
    assert!(rows.iter().all(|r| r[rank].parse::<u32>().is_ok()));
    assert!(
        rows.iter()
            .all(|r| r[p].parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p)))
    );
    assert_eq!(rows.iter().filter(|r| &r[band] == "coldspot").count(), 64);
    let blackpool = rows.iter().find(|r| &r[code] == "E06000009").unwrap();
    assert_eq!((&blackpool[rank], &blackpool[band]), ("1", "coldspot"));
}
