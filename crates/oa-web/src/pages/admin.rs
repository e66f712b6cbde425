//! The national admin's pages: users (invite, role and area, disable), grants (add, and
//! raise or lower an amount, which is where "a national admin can raise the grant" is
//! acted on), areas (publish) and funds (their totals). Every write goes through the same
//! [`crate::domain`] rules and store guards as the API; the forms check their fields in
//! one pass in plain words first.

use super::forms::{self, FormPage, check_csrf, field, required, text_of};
use super::{Viewer, input, page_error, pounds, render, ser};
use crate::AppState;
use crate::auth::Role;
use crate::domain;
use crate::error::{ApiError, FieldError};
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use oa_store::{Kind, PageRequest, Record, Store};
use serde_json::{Value, json};
use std::collections::HashMap;

fn int(r: &Record, key: &str) -> i64 {
    r.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// Only national admins: others are told so in words (signed-out callers are asked to
/// sign in, and come back here after).
fn require_admin(viewer: &Viewer) -> Result<(), ApiError> {
    match viewer.principal.role {
        Role::Admin => Ok(()),
        Role::Anonymous => Err(ApiError::Unauthorized(
            "These pages are for national admins: sign in with a national admin's account."
                .into(),
        )),
        _ => Err(ApiError::Forbidden(
            "These pages are for national admins. Your account can see and change your own area's records."
                .into(),
        )),
    }
}

async fn all(state: &AppState, viewer: &Viewer, kind: Kind) -> Result<Vec<Record>, ApiError> {
    Ok(domain::list(
        &state.store,
        &viewer.principal,
        kind,
        vec![],
        PageRequest::ALL,
    )
    .await?
    .items)
}

/// Area names by id.
async fn area_names(state: &AppState, viewer: &Viewer) -> Result<HashMap<i64, String>, ApiError> {
    Ok(all(state, viewer, Kind::Area)
        .await?
        .iter()
        .map(|a| (int(a, "id"), text_of(a, "name")))
        .collect())
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

fn done(path: &str, what: &str) -> Response {
    Redirect::to(&format!("{path}?done={what}")).into_response()
}

fn role_label(role: &str) -> &'static str {
    match Role::parse(role) {
        Some(Role::Admin) => "National admin",
        Some(Role::AreaLead) => "Area lead",
        Some(Role::BoardMember) => "Board member",
        _ => "Viewer",
    }
}

/// `GET /admin`: what a national admin can manage, with counts.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    let counts = async {
        Ok::<_, ApiError>((
            state.store.users().await?.len(),
            all(&state, &viewer, Kind::Grant).await?.len(),
            all(&state, &viewer, Kind::Area).await?.len(),
            all(&state, &viewer, Kind::Fund).await?.len(),
        ))
    }
    .await;
    match counts {
        Ok((users, grants, areas, funds)) => render(
            &viewer,
            "admin.html",
            minijinja::context! {
                title => "Manage the programme", section => "home", nav => "admin",
                users => users, grants => grants, areas => areas, funds => funds,
            },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

// ---- Users ----

/// `GET /admin/users`.
pub async fn users(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    let rows = async {
        let names = area_names(&state, &viewer).await?;
        let mut users = state.store.users().await?;
        users.sort_by_key(|u| (u.disabled, u.name.to_lowercase()));
        Ok::<_, ApiError>(
            users
                .iter()
                .map(|u| {
                    json!({
                        "id": u.id, "name": u.name, "email": u.email,
                        "role": role_label(&u.role),
                        "area": u.area_id.and_then(|a| names.get(&a).cloned()),
                        "disabled": u.disabled,
                    })
                })
                .collect::<Vec<_>>(),
        )
    }
    .await;
    match rows {
        Ok(rows) => render(
            &viewer,
            "admin.html",
            minijinja::context! {
                title => "Users", section => "users", nav => "admin", rows => ser(&rows), done => q.done,
            },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// The role and area inputs of the user forms.
fn role_fields(names: &HashMap<i64, String>) -> (forms::Field, forms::Field) {
    let mut role = field(
        "role",
        "Role",
        "Area leads change their area's records; board members read them and comment; viewers read published areas",
        "select",
    );
    role.options = Role::NAMES
        .iter()
        .map(|r| (r.to_string(), role_label(r).to_string()))
        .collect();
    let mut area = field(
        "area",
        "Area (for area leads and board members)",
        "",
        "select",
    );
    let mut areas: Vec<(&i64, &String)> = names.iter().collect();
    areas.sort_by_key(|(_, n)| n.to_lowercase());
    area.options = areas
        .into_iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    (role, area)
}

/// The role and area chosen, or the errors in words.
fn chosen_role(
    form: &forms::Fields,
    names: &HashMap<i64, String>,
    errors: &mut Vec<FieldError>,
) -> Option<(String, Option<i64>)> {
    let role = required(form, "role").filter(|r| Role::parse(r).is_some());
    if role.is_none() {
        errors.push(FieldError::new("role", "Choose the user's role"));
    }
    let area = required(form, "area")
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| names.contains_key(a));
    let needs_area = matches!(
        role.as_deref().and_then(Role::parse),
        Some(Role::AreaLead | Role::BoardMember)
    );
    if needs_area && area.is_none() {
        errors.push(FieldError::new(
            "area",
            "Choose the area: area leads and board members belong to one area",
        ));
    }
    role.map(|r| (r, if needs_area { area } else { None }))
}

fn invite_page(names: &HashMap<i64, String>) -> FormPage {
    let mut name = field(
        "name",
        "Full name",
        "Shown to others next to their changes",
        "text",
    );
    name.width = "govuk-input--width-20";
    let mut email = field("email", "Email address", "They sign in with it", "text");
    email.width = "govuk-input--width-20";
    let (role, area) = role_fields(names);
    FormPage {
        title: "Invite a user".into(),
        caption: "Users".into(),
        action: "/admin/users/new".into(),
        back: "/admin/users".into(),
        submit: "Invite user",
        fields: vec![name, email, role, area],
        hidden: vec![],
        intro: vec!["The next page shows a first password to give them privately.".into()],
    }
}

/// `GET /admin/users/new`.
pub async fn invite_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    match area_names(&state, &viewer).await {
        Ok(names) => invite_page(&names).render(&viewer, vec![]),
        Err(e) => page_error(&viewer, e),
    }
}

/// A first password: 20 letters and digits, shown once to the admin.
fn first_password() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `POST /admin/users/new`.
pub async fn invite_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<forms::Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form).and_then(|()| require_admin(&viewer)) {
        return page_error(&viewer, e);
    }
    let names = match area_names(&state, &viewer).await {
        Ok(n) => n,
        Err(e) => return page_error(&viewer, e),
    };
    let mut page = invite_page(&names);
    page.fill(&form);
    let mut errors = Vec::new();
    let name = required(&form, "name");
    match &name {
        None => errors.push(FieldError::new("name", "Enter the user's full name")),
        Some(n) if n.contains('@') => errors.push(FieldError::new(
            "name",
            "Enter their name, not an email address: it is shown to other users",
        )),
        _ => {}
    }
    let email = required(&form, "email");
    match &email {
        None => errors.push(FieldError::new("email", "Enter the user's email address")),
        Some(e) if !e.contains('@') || e.contains(char::is_whitespace) => {
            errors.push(FieldError::new(
                "email",
                "Enter an email address in the correct format, like name@example.org",
            ))
        }
        Some(e) => match state.store.user_by_email(e).await {
            Ok(Some(_)) => errors.push(FieldError::new(
                "email",
                "Someone already has an account with this email address",
            )),
            Ok(None) => {}
            Err(e) => return page_error(&viewer, e.into()),
        },
    }
    let role = chosen_role(&form, &names, &mut errors);
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let (role, area) = role.unwrap_or_default();
    let password = first_password();
    let body =
        json!({"name": name, "email": email, "role": role, "area_id": area, "password": password});
    match crate::api::add_user(&state, &viewer.principal, body).await {
        Ok(user) => render(
            &viewer,
            "admin.html",
            minijinja::context! {
                title => "User invited", section => "invited", nav => "admin",
                name => user.name, email => user.email, password => password,
            },
        ),
        Err(ApiError::Invalid(_)) => page.render(
            &viewer,
            vec![FieldError::new(
                "email",
                "The account could not be made with these details: check the email address and name",
            )],
        ),
        Err(e) => page_error(&viewer, e),
    }
}

fn user_page(user: &oa_store::User, names: &HashMap<i64, String>) -> FormPage {
    let (mut role, mut area) = role_fields(names);
    role.value = user.role.clone();
    area.value = user.area_id.map(|a| a.to_string()).unwrap_or_default();
    FormPage {
        title: format!("Change {}'s role", user.name),
        caption: "Users".into(),
        action: format!("/admin/users/{}", user.id),
        back: "/admin/users".into(),
        submit: "Save role",
        fields: vec![role, area],
        hidden: vec![],
        intro: vec![format!("{} signs in as {}.", user.name, user.email)],
    }
}

async fn user_of(state: &AppState, id: i64) -> Result<oa_store::User, ApiError> {
    state.store.user(id).await?.ok_or_else(|| {
        ApiError::NotFound("There is no such user: go back to the list of users.".into())
    })
}

/// `GET /admin/users/{id}`.
pub async fn user_form(
    State(state): State<AppState>,
    viewer: Viewer,
    super::PagePath(id): super::PagePath<i64>,
) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    let page = async {
        let names = area_names(&state, &viewer).await?;
        Ok::<_, ApiError>(user_page(&user_of(&state, id).await?, &names))
    }
    .await;
    match page {
        Ok(p) => p.render(&viewer, vec![]),
        Err(e) => page_error(&viewer, e),
    }
}

/// `POST /admin/users/{id}`: a new role and area, or (`action=disable|enable`) access.
pub async fn user_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    super::PagePath(id): super::PagePath<i64>,
    Form(form): Form<forms::Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form).and_then(|()| require_admin(&viewer)) {
        return page_error(&viewer, e);
    }
    let (user, names) = match async {
        Ok::<_, ApiError>((
            user_of(&state, id).await?,
            area_names(&state, &viewer).await?,
        ))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(&viewer, e),
    };
    if let Some(action) = form.get("action").map(String::as_str) {
        let disable = action == "disable";
        if disable && viewer.principal.user.as_ref().map(|u| u.id) == Some(id) {
            return page_error(
                &viewer,
                ApiError::Conflict(
                    "You cannot disable your own account: ask another national admin".into(),
                ),
            );
        }
        return match crate::api::change_user(
            &state,
            &viewer.principal,
            id,
            json!({"disabled": disable}),
        )
        .await
        {
            Ok(_) => done("/admin/users", if disable { "disabled" } else { "enabled" }),
            Err(e) => page_error(&viewer, e),
        };
    }
    let mut page = user_page(&user, &names);
    page.fill(&form);
    let mut errors = Vec::new();
    let role = chosen_role(&form, &names, &mut errors);
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let (role, area) = role.unwrap_or_default();
    match state
        .store
        .set_role(id, &role, area, &viewer.principal.actor())
        .await
    {
        Ok(_) => done("/admin/users", "role"),
        Err(e) => page_error(&viewer, e.into()),
    }
}

// ---- Grants ----

/// `GET /admin/grants`: every grant by area with what is spent from it.
pub async fn grants(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    let rows = async {
        let names = area_names(&state, &viewer).await?;
        let spend = all(&state, &viewer, Kind::SpendReturn).await?;
        let mut rows: Vec<Value> = all(&state, &viewer, Kind::Grant)
            .await?
            .iter()
            .map(|g| {
                let id = int(g, "id");
                let spent = spend
                    .iter()
                    .filter(|s| int(s, "grant_id") == id)
                    .map(|s| int(s, "amount_pence"))
                    .fold(0i64, i64::saturating_add);
                json!({
                    "id": id, "area": names.get(&int(g, "area_id")).cloned().unwrap_or_default(),
                    "recipient": text_of(g, "recipient"), "purpose": text_of(g, "purpose"),
                    "amount": pounds(int(g, "amount_pence")), "spent": pounds(spent),
                    "awarded_on": input::long_date(&text_of(g, "awarded_on")),
                })
            })
            .collect();
        rows.sort_by(|a, b| a["area"].as_str().cmp(&b["area"].as_str()));
        Ok::<_, ApiError>(rows)
    }
    .await;
    match rows {
        Ok(rows) => render(
            &viewer,
            "admin.html",
            minijinja::context! { title => "Grants", section => "grants", nav => "admin", rows => ser(&rows), done => q.done },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// What an allocation has room for: its amount less the grants made from it.
async fn allocation_rooms(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<(Record, String, i64)>, ApiError> {
    let names = area_names(state, viewer).await?;
    let funds: HashMap<i64, String> = all(state, viewer, Kind::Fund)
        .await?
        .iter()
        .map(|f| (int(f, "id"), text_of(f, "name")))
        .collect();
    let grants = all(state, viewer, Kind::Grant).await?;
    let mut out: Vec<(Record, String, i64)> = all(state, viewer, Kind::Allocation)
        .await?
        .into_iter()
        .map(|a| {
            let id = int(&a, "id");
            let granted = grants
                .iter()
                .filter(|g| int(g, "allocation_id") == id)
                .map(|g| int(g, "amount_pence"))
                .fold(0i64, i64::saturating_add);
            let room = int(&a, "amount_pence").saturating_sub(granted);
            let label = format!(
                "{}: {} {} ({} allocated, {} not yet granted)",
                names.get(&int(&a, "area_id")).cloned().unwrap_or_default(),
                funds.get(&int(&a, "fund_id")).cloned().unwrap_or_default(),
                text_of(&a, "period"),
                pounds(int(&a, "amount_pence")),
                pounds(room)
            );
            (a, label, room)
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn grant_page(rooms: &[(Record, String, i64)]) -> FormPage {
    let mut allocation = field(
        "allocation",
        "Allocation",
        "The area's money the grant comes from",
        "select",
    );
    allocation.options = rooms
        .iter()
        .map(|(a, label, _)| (int(a, "id").to_string(), label.clone()))
        .collect();
    let mut recipient = field("recipient", "Recipient", "Who receives the money", "text");
    recipient.width = "govuk-input--width-20";
    let mut purpose = field("purpose", "Purpose", "What the money is for", "text");
    purpose.width = "govuk-input--width-30";
    let mut amount = field(
        "amount",
        "Amount",
        "In pounds, for example 250,000",
        "number",
    );
    amount.prefix = "£";
    let awarded = forms::date_field("awarded_on", "Date awarded", "For example, 1 11 2017", "");
    FormPage {
        title: "Add a grant".into(),
        caption: "Grants".into(),
        action: "/admin/grants/new".into(),
        back: "/admin/grants".into(),
        submit: "Add grant",
        fields: vec![allocation, recipient, purpose, amount, awarded],
        hidden: vec![],
        intro: vec![],
    }
}

/// `GET /admin/grants/new`.
pub async fn grant_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    match allocation_rooms(&state, &viewer).await {
        Ok(rooms) => grant_page(&rooms).render(&viewer, vec![]),
        Err(e) => page_error(&viewer, e),
    }
}

/// An amount of money typed in pounds, or the error in words.
fn money(form: &forms::Fields, name: &'static str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match required(form, name).map(|s| forms::parse_pounds(&s)) {
        None => {
            errors.push(FieldError::new(name, "Enter the amount"));
            None
        }
        Some(Some(p)) if (0..=domain::rules::MAX_PENCE).contains(&p) => Some(p),
        Some(Some(_)) => {
            errors.push(FieldError::new(
                name,
                "Enter an amount from £0 to £10 trillion",
            ));
            None
        }
        Some(None) => {
            errors.push(FieldError::new(
                name,
                "Enter the amount in pounds, like 250,000 or 250000.50",
            ));
            None
        }
    }
}

/// `POST /admin/grants/new`.
pub async fn grant_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<forms::Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form).and_then(|()| require_admin(&viewer)) {
        return page_error(&viewer, e);
    }
    let rooms = match allocation_rooms(&state, &viewer).await {
        Ok(r) => r,
        Err(e) => return page_error(&viewer, e),
    };
    let mut page = grant_page(&rooms);
    page.fill(&form);
    let mut errors = Vec::new();
    let allocation = required(&form, "allocation")
        .and_then(|a| a.parse::<i64>().ok())
        .and_then(|a| rooms.iter().find(|(r, _, _)| int(r, "id") == a));
    if allocation.is_none() {
        errors.push(FieldError::new(
            "allocation",
            "Choose the allocation the grant comes from",
        ));
    }
    for (name, what) in [("recipient", "recipient"), ("purpose", "purpose")] {
        match required(&form, name) {
            None => errors.push(FieldError::new(name, format!("Enter the grant's {what}"))),
            Some(v) if v.chars().count() > domain::rules::MAX_SHORT_TEXT_CHARS => errors.push(
                FieldError::new(name, format!("The {what} must be 200 characters or fewer")),
            ),
            Some(_) => {}
        }
    }
    let amount = money(&form, "amount", &mut errors);
    if let (Some((_, _, room)), Some(a)) = (allocation, amount)
        && a > *room
    {
        errors.push(FieldError::new(
            "amount",
            format!(
                "Enter {} or less: that is what the allocation has not yet granted",
                pounds((*room).max(0))
            ),
        ));
    }
    let awarded = match forms::date_typed(&form, "awarded_on", "Date awarded") {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push(FieldError::new(
                "awarded_on",
                "Enter the date the grant was awarded",
            ));
            None
        }
        Err(m) => {
            errors.push(FieldError::new("awarded_on", m));
            None
        }
    };
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let body = json!({
        "allocation_id": allocation.map(|(a, _, _)| int(a, "id")),
        "recipient": required(&form, "recipient"), "purpose": required(&form, "purpose"),
        "amount_pence": amount, "awarded_on": awarded,
    });
    match domain::create(&state.store, &viewer.principal, Kind::Grant, body).await {
        Ok(_) => done("/admin/grants", "added"),
        Err(ApiError::Invalid(_)) => page.render(
            &viewer,
            vec![FieldError::new(
                "amount",
                "The allocation's grants changed while you were filling in the form: check what is left and try again",
            )],
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `POST /admin/grants/{id}`: a grant's new amount (raised, or lowered to no less than
/// what is spent from it).
pub async fn grant_amount(
    State(state): State<AppState>,
    viewer: Viewer,
    super::PagePath(id): super::PagePath<i64>,
    Form(form): Form<forms::Fields>,
) -> Response {
    let refusal = |amount: i64| {
        format!(
            "The grant cannot be {}: it must cover what is already spent from it, and the grants from one allocation must fit inside it. Go back to the grants and check the figures.",
            pounds(amount)
        )
    };
    let change = MoneyChange {
        kind: Kind::Grant,
        input: "amount",
        column: "amount_pence",
        back: "/admin/grants",
        done: "amount",
    };
    change.apply(&state, &viewer, id, &form, refusal).await
}

/// A change of one money column by a national admin, from a one-field form.
struct MoneyChange {
    kind: Kind,
    /// The form's input (pounds) and the record's column (pence).
    input: &'static str,
    column: &'static str,
    /// Where to go back to, and what the banner there says was done.
    back: &'static str,
    done: &'static str,
}

impl MoneyChange {
    /// Applies the change through the domain (its money guards decide); a refusal by a
    /// guard is said with `refusal(amount)`.
    async fn apply(
        &self,
        state: &AppState,
        viewer: &Viewer,
        id: i64,
        form: &forms::Fields,
        refusal: impl Fn(i64) -> String,
    ) -> Response {
        if let Err(e) = check_csrf(viewer, form).and_then(|()| require_admin(viewer)) {
            return page_error(viewer, e);
        }
        let mut errors = Vec::new();
        let Some(amount) = money(form, self.input, &mut errors) else {
            let msg = errors.first().map_or(String::new(), |e| e.message.clone());
            return page_error(viewer, ApiError::BadRequest(msg));
        };
        let mut body = serde_json::Map::new();
        body.insert(self.column.into(), json!(amount));
        match domain::update(
            &state.store,
            &viewer.principal,
            self.kind,
            id,
            Value::Object(body),
            None,
        )
        .await
        {
            Ok(_) => done(self.back, self.done),
            Err(ApiError::Invalid(_)) => page_error(viewer, ApiError::Conflict(refusal(amount))),
            Err(e) => page_error(viewer, e),
        }
    }
}

// ---- Areas and funds ----

/// `GET /admin/areas`.
pub async fn areas(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    match all(&state, &viewer, Kind::Area).await {
        Ok(mut areas) => {
            areas.sort_by_key(|a| text_of(a, "name"));
            render(
                &viewer,
                "admin.html",
                minijinja::context! { title => "Areas", section => "areas", nav => "admin", rows => ser(&areas), done => q.done },
            )
        }
        Err(e) => page_error(&viewer, e),
    }
}

/// `POST /admin/areas/{id}`: publish or unpublish (`published=true|false`).
pub async fn area_publish(
    State(state): State<AppState>,
    viewer: Viewer,
    super::PagePath(id): super::PagePath<i64>,
    Form(form): Form<forms::Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form).and_then(|()| require_admin(&viewer)) {
        return page_error(&viewer, e);
    }
    let published = form.get("published").map(String::as_str) == Some("true");
    match domain::update(
        &state.store,
        &viewer.principal,
        Kind::Area,
        id,
        json!({"published": published}),
        None,
    )
    .await
    {
        Ok(_) => done(
            "/admin/areas",
            if published {
                "published"
            } else {
                "unpublished"
            },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /admin/funds`.
pub async fn funds(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = require_admin(&viewer) {
        return page_error(&viewer, e);
    }
    let rows = async {
        let allocations = all(&state, &viewer, Kind::Allocation).await?;
        Ok::<_, ApiError>(
            all(&state, &viewer, Kind::Fund)
                .await?
                .iter()
                .map(|f| {
                    let id = int(f, "id");
                    let allocated = allocations
                        .iter()
                        .filter(|a| int(a, "fund_id") == id)
                        .map(|a| int(a, "amount_pence"))
                        .fold(0i64, i64::saturating_add);
                    json!({
                        "id": id, "name": text_of(f, "name"),
                        "total": pounds(int(f, "total_pence")), "allocated": pounds(allocated),
                        "years": format!("{} to {}", text_of(f, "first_period"), text_of(f, "last_period")),
                    })
                })
                .collect::<Vec<_>>(),
        )
    }
    .await;
    match rows {
        Ok(rows) => render(
            &viewer,
            "admin.html",
            minijinja::context! { title => "Funds", section => "funds", nav => "admin", rows => ser(&rows), done => q.done },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `POST /admin/funds/{id}`: a fund's new total (no less than what is allocated from it).
pub async fn fund_total(
    State(state): State<AppState>,
    viewer: Viewer,
    super::PagePath(id): super::PagePath<i64>,
    Form(form): Form<forms::Fields>,
) -> Response {
    let refusal = |total: i64| {
        format!(
            "The fund cannot be {}: more than that is already allocated from it. Lower the allocations first.",
            pounds(total)
        )
    };
    let change = MoneyChange {
        kind: Kind::Fund,
        input: "total",
        column: "total_pence",
        back: "/admin/funds",
        done: "total",
    };
    change.apply(&state, &viewer, id, &form, refusal).await
}
