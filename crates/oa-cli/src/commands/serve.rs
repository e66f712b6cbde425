//! `oa serve`: the programme service (JSON API and pages) on one address.

use crate::exit;

/// Prints a line on stdout, ignoring a closed stdout (a server must not die because
/// whoever started it stopped reading).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
use oa_web::server::{ServeError, Server};

/// Arguments of `oa serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (use 127.0.0.1:0 for any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The database: a SQLite file (created and migrated on first start) or
    /// postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, default_value = "oa.db")]
    pub database: String,
    /// Load the demonstration programme (the 12 areas of 2016) and print the demo users'
    /// sign-in details.
    #[arg(long)]
    pub demo: bool,
    /// Import a results bundle's chosen areas (selection.csv) and allocations
    /// (allocations.csv) before serving; areas and allocations already present are kept.
    #[arg(long, value_name = "BUNDLE")]
    pub import: Option<std::path::PathBuf>,
    /// The programme (id) to import into; by default a new programme named after the bundle.
    #[arg(long, requires = "import")]
    pub programme: Option<i64>,
    /// The data directory holding the boundaries the pages draw maps with
    /// (`geo/onsvisual-uk-topojson/topo.json`), e.g. ../shared/data. Without it the maps
    /// use the same ONS district boundaries, built into oa.
    #[arg(long, value_name = "DIR", env = "OA_DATA_DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// A results bundle written by `oa run` whose scores, bands, P(cold spot) and
    /// selection reasons the pages show.
    #[arg(long, value_name = "BUNDLE", env = "OA_RESULTS_DIR")]
    pub results: Option<std::path::PathBuf>,
    /// The service is reached over HTTPS (TLS ends at a proxy in front of it): cookies
    /// get `Secure` and responses `Strict-Transport-Security`.
    #[arg(long, env = "OA_HTTPS")]
    pub https: bool,
    /// Take clients' addresses from the last `X-Forwarded-For` entry (only behind a proxy
    /// that sets it); the per-address connection limit is then left to the proxy.
    #[arg(long, env = "OA_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// KPI figures recorded by area leads wait as drafts until a national admin approves
    /// them on the area's page.
    #[arg(long, env = "OA_KPI_DRAFTS")]
    pub kpi_drafts: bool,
    /// Sustained writes per second allowed to one user (429 beyond, with Retry-After).
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub writes_per_second: f64,
    /// Writes one user may make at once above the sustained rate.
    #[arg(long, default_value_t = 100.0, value_name = "N")]
    pub write_burst: f64,
    /// Seconds a client has to send its request headers (and the idle limit of a
    /// kept-alive connection).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub header_timeout: u64,
    /// Seconds within which a request must be answered (503 beyond).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub request_timeout: u64,
    /// Open connections at most, in all.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Open connections at most from one address.
    #[arg(long, default_value_t = 128, value_name = "N")]
    pub max_connections_per_address: usize,
    /// Run the database's integrity check (seconds on a large SQLite file), print the
    /// result and exit instead of serving (exit 2 when the database is damaged).
    #[arg(long)]
    pub check_database: bool,
    /// Write a consistent copy of the SQLite database to FILE (a new file) and exit
    /// instead of serving; safe while a server runs on the same database.
    #[arg(long, value_name = "FILE", conflicts_with = "check_database")]
    pub backup_to: Option<std::path::PathBuf>,
}

impl Args {
    /// The service settings these flags describe.
    fn settings(&self) -> anyhow::Result<oa_web::limits::Settings> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(exit::user(format!("--{name} {v}: give a number above 0")))
            }
        };
        let at_least_one = |name: &str, v: u64| {
            if v >= 1 {
                Ok(v)
            } else {
                Err(exit::user(format!("--{name} 0: give 1 or more")))
            }
        };
        Ok(oa_web::limits::Settings {
            https: self.https,
            trust_proxy: self.trust_proxy,
            writes_per_second: positive("writes-per-second", self.writes_per_second)?,
            write_burst: positive("write-burst", self.write_burst)?.max(1.0),
            header_timeout: std::time::Duration::from_secs(at_least_one(
                "header-timeout",
                self.header_timeout,
            )?),
            request_timeout: std::time::Duration::from_secs(at_least_one(
                "request-timeout",
                self.request_timeout,
            )?),
            max_connections: at_least_one("max-connections", self.max_connections as u64)? as usize,
            max_connections_per_address: at_least_one(
                "max-connections-per-address",
                self.max_connections_per_address as u64,
            )? as usize,
            kpi_drafts: self.kpi_drafts,
            ..oa_web::limits::Settings::default()
        })
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    configure_pages(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

/// `--check-database`: the integrity check alone.
async fn check_database(args: &Args) -> anyhow::Result<()> {
    use oa_store::Store;
    let store = oa_store::AnyStore::open(&args.database)
        .await
        .map_err(|e| exit::user(format!("{e} (check --database)")))?;
    let result = store.integrity_check().await;
    store.close().await;
    let lines = result?;
    if lines == ["ok"] {
        say!("oa serve: {}: integrity ok", redact(&args.database));
        Ok(())
    } else {
        Err(exit::user(format!(
            "{}: the database is damaged ({}); restore the last backup (see README, Running in production)",
            redact(&args.database),
            lines.join("; ")
        )))
    }
}

/// `--backup-to FILE`: an online copy of the SQLite database.
async fn backup(args: &Args, dest: &std::path::Path) -> anyhow::Result<()> {
    use oa_store::Store;
    let store = oa_store::AnyStore::open(&args.database)
        .await
        .map_err(|e| exit::user(format!("{e} (check --database)")))?;
    let result = store.backup_to(dest).await;
    store.close().await;
    result.map_err(|e| match e {
        oa_store::StoreError::Invalid(_) => exit::user(format!("--backup-to: {e}")),
        other => anyhow::Error::new(other),
    })?;
    say!(
        "oa serve: backed up {} to {}",
        redact(&args.database),
        dest.display()
    );
    Ok(())
}

async fn serve(args: Args) -> anyhow::Result<()> {
    if args.check_database {
        return check_database(&args).await;
    }
    if let Some(dest) = &args.backup_to {
        return backup(&args, dest).await;
    }
    let settings = args.settings()?;
    let shutdown = shutdown_signal();
    let server = Server::bind_with(&args.listen, &args.database, args.demo, settings)
        .await
        .map_err(|e| match e {
            ServeError::Bind { .. } => exit::user(e),
            ServeError::Store(oa_store::StoreError::Url(_) | oa_store::StoreError::Database(_)) => {
                exit::user(format!("{e} (check --database)"))
            }
            other => anyhow::Error::new(other),
        })?;
    if let Some(bundle) = &args.import {
        let (programme, report) =
            server
                .import(bundle, args.programme)
                .await
                .map_err(|e| match e {
                    ServeError::Import(_) => exit::user(e),
                    other => anyhow::Error::new(other),
                })?;
        say!(
            "oa serve: imported {} into programme {programme}: {} areas created ({} already present), {} funds created, {} allocations created ({} already present)",
            bundle.display(),
            report.areas_created,
            report.areas_present,
            report.funds_created,
            report.allocations_created,
            report.allocations_present
        );
    }
    say!(
        "oa serve: listening on http://{} (database: {})",
        server.local_addr,
        redact(&args.database)
    );
    if let Some(demo) = &server.demo {
        say!(
            "oa serve: demo programme {}",
            if demo.loaded {
                "loaded"
            } else {
                "already present"
            }
        );
        say!(
            "oa serve: demo admin: email={} password={}",
            demo.admin_email,
            demo.admin_password
        );
        say!(
            "oa serve: demo area lead for {}: email={} password={}",
            demo.lead_area,
            demo.lead_email,
            demo.lead_password
        );
        say!(
            "oa serve: demo board member for {}: email={} password={}",
            demo.lead_area,
            demo.board_email,
            demo.board_password
        );
    }
    server.run(shutdown).await?;
    say!("oa serve: stopped cleanly");
    Ok(())
}

/// Checks `--data-dir` and `--results` and hands them to the pages, which read
/// `OA_DATA_DIR` and `OA_RESULTS_DIR` on first use.
fn configure_pages(args: &Args) -> anyhow::Result<()> {
    if let Some(dir) = &args.data_dir {
        let boundaries = dir.join(oa_web::pages::map::BOUNDARIES);
        if !boundaries.is_file() {
            return Err(exit::user(format!(
                "--data-dir {}: no boundaries at {}; give the data directory that holds geo/",
                dir.display(),
                boundaries.display()
            )));
        }
    }
    if let Some(bundle) = &args.results
        && !bundle.join("scores.csv").is_file()
    {
        return Err(exit::user(format!(
            "--results {}: no scores.csv there; give a bundle written by `oa run`",
            bundle.display()
        )));
    }
    // SAFETY: called before the runtime starts, while this process has one thread.
    unsafe {
        if let Some(dir) = &args.data_dir {
            std::env::set_var("OA_DATA_DIR", dir);
        }
        if let Some(bundle) = &args.results {
            std::env::set_var("OA_RESULTS_DIR", bundle);
        }
    }
    Ok(())
}

/// Hides a PostgreSQL password in the printed URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A future that resolves on Ctrl-C or SIGTERM. The handlers are installed now, before
/// the address is printed, so a signal sent as soon as the server is up is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut int) = streams;
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        say!("oa serve: shutting down (finishing requests in flight)");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            super::redact("postgres://oa:secret@127.0.0.1/oa"),
            "postgres://oa:***@127.0.0.1/oa"
        );
        assert_eq!(super::redact("oa.db"), "oa.db");
    }
}
