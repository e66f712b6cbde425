//! `oa user`: manage users of the programme service from the command line (the first
//! admin, before anyone can sign in).

use crate::exit;
use oa_store::{AnyStore, Filter, Kind, PageRequest, Store};
use oa_web::AppState;
use oa_web::auth::Principal;
use oa_web::error::ApiError;
use std::io::BufRead;

/// Subcommands of `oa user`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a user, e.g. the first admin:
    /// `echo "$PASSWORD" | oa user add --email you@example.org --role admin --password-stdin`.
    Add(AddArgs),
}

/// Arguments of `oa user add`.
#[derive(clap::Args)]
pub struct AddArgs {
    /// The database (as for `oa serve`): a SQLite file or postgres://...
    #[arg(long, default_value = "oa.db")]
    pub database: String,
    #[arg(long)]
    pub email: String,
    /// admin, area_lead, board_member or viewer.
    #[arg(long, value_parser = ["admin", "area_lead", "board_member", "viewer"])]
    pub role: String,
    /// The user's area (id or code such as OA03): needed for area leads and board members.
    #[arg(long)]
    pub area: Option<String>,
    /// Display name (default: the email).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input (at least 10 characters).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Add(args) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(add(args))
        }
    }
}

async fn add(args: AddArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let store = AnyStore::open(&args.database).await.map_err(exit::user)?;
    let area_id = match &args.area {
        None => None,
        Some(a) => Some(match a.parse::<i64>() {
            Ok(id) => id,
            Err(_) => store
                .list(
                    Kind::Area,
                    &Filter {
                        equals: vec![("code", a.clone().into())],
                        area_in: None,
                    },
                    PageRequest::ALL,
                )
                .await?
                .items
                .first()
                .and_then(|r| r["id"].as_i64())
                .ok_or_else(|| exit::user(format!("--area {a}: no area with that code or id")))?,
        }),
    };
    let state = AppState::new(store.clone());
    let body = serde_json::json!({
        "email": args.email, "name": args.name.unwrap_or_else(|| args.email.clone()),
        "role": args.role, "area_id": area_id, "password": password,
    });
    let result = oa_web::api::add_user(&state, &Principal::system("cli"), body).await;
    store.close().await;
    match result {
        Ok(user) => {
            println!(
                "added user {} ({}) with id {}",
                user.email, user.role, user.id
            );
            Ok(())
        }
        Err(e @ (ApiError::Invalid(_) | ApiError::Conflict(_) | ApiError::BadRequest(_))) => {
            let detail = e
                .detail()
                .replace("password: ", "password (from stdin): ")
                .replace(
                    "area_id: ",
                    "--area: give the area's code (such as OA03) or id; ",
                );
            Err(exit::user(detail))
        }
        Err(e) => Err(anyhow::anyhow!(e.detail())),
    }
}
