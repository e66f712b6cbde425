//! `oa user`: manage users of the programme service from the command line: the first
//! admin (before anyone can sign in), disabling and enabling accounts, and password resets
//! (which end every session and API token of the user).

use crate::exit;
use oa_store::{AnyStore, Filter, Kind, PageRequest, Store};
use oa_web::AppState;
use oa_web::auth::Principal;
use oa_web::error::ApiError;
use serde_json::json;
use std::io::BufRead;

/// Subcommands of `oa user`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a user, e.g. the first admin:
    /// `echo "$PASSWORD" | oa user add --email you@example.org --role admin --password-stdin`.
    Add(AddArgs),
    /// Disable a user: they cannot sign in, and every session and API token of theirs ends.
    Disable(WhoArgs),
    /// Enable a disabled user again.
    Enable(WhoArgs),
    /// Set a new password (read from standard input); ends every session and API token.
    SetPassword(PasswordArgs),
}

/// The user to change.
#[derive(clap::Args)]
pub struct WhoArgs {
    /// The database (as for `oa serve`): a SQLite file or postgres://...
    #[arg(long, default_value = "oa.db")]
    pub database: String,
    /// The user's email (compared without regard to case).
    #[arg(long)]
    pub email: String,
}

/// Arguments of `oa user set-password`.
#[derive(clap::Args)]
pub struct PasswordArgs {
    #[command(flatten)]
    pub who: WhoArgs,
    /// Read the new password from the first line of standard input (at least 10 characters).
    #[arg(long, required = true)]
    pub password_stdin: bool,
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
    /// Display name, shown to others (without one the user is shown by role; an email is
    /// never shown).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input (at least 10 characters).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match command {
        Command::Add(args) => runtime.block_on(add(args)),
        Command::Disable(who) => runtime.block_on(change(
            who,
            json!({"disabled": true}),
            "is disabled: their sessions and API tokens have ended",
        )),
        Command::Enable(who) => runtime.block_on(change(
            who,
            json!({"disabled": false}),
            "is enabled: they can sign in again",
        )),
        Command::SetPassword(args) => {
            let password = read_password()?;
            runtime.block_on(change(
                args.who,
                json!({"password": password}),
                "has a new password: their sessions and API tokens have ended",
            ))
        }
    }
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\n', '\r']).to_string())
}

/// An API error as this command's message (exit 2 for what the user can fix).
fn user_error(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Invalid(_)
        | ApiError::Conflict(_)
        | ApiError::BadRequest(_)
        | ApiError::NotFound(_) => {
            let detail = e
                .detail()
                .replace("password: ", "password (from stdin): ")
                .replace(
                    "area_id: ",
                    "--area: give the area's code (such as OA03) or id; ",
                );
            exit::user(detail)
        }
        other => anyhow::anyhow!(other.detail()),
    }
}

/// Disables, enables or resets the password of the user with `who.email`, then prints
/// `done` after their email.
async fn change(who: WhoArgs, body: serde_json::Value, done: &str) -> anyhow::Result<()> {
    let store = AnyStore::open(&who.database).await.map_err(exit::user)?;
    let result = async {
        let user = store
            .user_by_email(&who.email)
            .await?
            .ok_or_else(|| exit::user(format!("--email {}: no such user", who.email)))?;
        let state = AppState::new(store.clone());
        let changed = oa_web::api::change_user(&state, &Principal::system("cli"), user.id, body)
            .await
            .map_err(user_error)?;
        println!("user {} ({}) {done}", changed.email, changed.role);
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    result
}

async fn add(args: AddArgs) -> anyhow::Result<()> {
    let password = read_password()?;
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
                        ..Filter::default()
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
    let body = json!({
        "email": args.email, "name": args.name,
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
        Err(e) => Err(user_error(e)),
    }
}
