//! `oa serve`: the programme service (JSON API and pages) on one address.

use crate::exit;
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
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let server = Server::bind(&args.listen, &args.database, args.demo)
        .await
        .map_err(|e| match e {
            ServeError::Bind { .. } => exit::user(e),
            ServeError::Store(oa_store::StoreError::Url(_) | oa_store::StoreError::Database(_)) => {
                exit::user(format!("{e} (check --database)"))
            }
            other => anyhow::Error::new(other),
        })?;
    println!(
        "oa serve: listening on http://{} (database: {})",
        server.local_addr,
        redact(&args.database)
    );
    if let Some(demo) = &server.demo {
        println!(
            "oa serve: demo programme {}",
            if demo.loaded {
                "loaded"
            } else {
                "already present"
            }
        );
        println!(
            "oa serve: demo admin: email={} password={}",
            demo.admin_email, demo.admin_password
        );
        println!(
            "oa serve: demo area lead for {}: email={} password={}",
            demo.lead_area, demo.lead_email, demo.lead_password
        );
    }
    server.run(shutdown_signal()).await?;
    println!("oa serve: stopped cleanly");
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

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    println!("oa serve: shutting down (finishing requests in flight)");
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
