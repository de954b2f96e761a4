//! The city administrator's account pages: the list, a new account, a change of role, counties or
//! name, a new password, disabling and enabling. The use cases (`ops::users`) check the role; a
//! refusal is the 403 page.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome, CsrfForm};
use crate::state::State;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use yanglao_ops::access::{Action, Role, ROLES};
use yanglao_ops::users::{self, Account, NewAccount};

type Shared = AxState<Arc<State>>;

/// An account as a row of the list.
struct Row {
    name: String,
    display_name: String,
    role: &'static str,
    counties: String,
    enabled: bool,
    can_sign_in: bool,
    created: String,
    editable: bool,
}

/// What the new-account form held (shown again with its error).
#[derive(Default)]
struct Filled {
    name: String,
    display_name: String,
    role: String,
    counties: Vec<String>,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    accounts: Vec<Row>,
    roles: Vec<(&'static str, &'static str)>,
    counties: Vec<(String, String)>,
    form: Filled,
    error: Option<String>,
    notice: Option<String>,
}

/// The roles an administrator gives (never the system role).
fn roles() -> Vec<(&'static str, &'static str)> {
    ROLES
        .iter()
        .filter(|r| **r != Role::System)
        .map(|r| (r.code(), r.zh()))
        .collect()
}

fn county_names(codes: &[String], known: &BTreeMap<String, String>) -> String {
    codes
        .iter()
        .map(|c| known.get(c).cloned().unwrap_or_else(|| c.clone()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The list and the counties, read as the signed-in account (which must manage accounts).
async fn read(
    state: &Arc<State>,
    signed: &Signed,
) -> Result<(Vec<Account>, BTreeMap<String, String>), WebError> {
    state
        .with_ctx(signed.actor(), signed.from.address.to_string(), |ctx| {
            ctx.actor.require(Action::Users)?;
            let list = users::list(ctx)?;
            let known = ctx.db.read_transaction(yanglao_ops::known_counties)?;
            Ok((list, known))
        })
        .await
}

async fn list_page(
    state: &Arc<State>,
    signed: &Signed,
    status: StatusCode,
    form: Filled,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let (list, known) = read(state, signed).await?;
    let accounts = list
        .iter()
        .map(|a| Row {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            role: a.role_zh,
            counties: if a.counties.is_empty() {
                "全市".into()
            } else {
                county_names(&a.counties, &known)
            },
            enabled: a.enabled,
            can_sign_in: a.can_sign_in,
            created: format!("{}（{}）", a.created_at, a.created_by),
            editable: a.role != Role::System,
        })
        .collect();
    let page = AccountsPage {
        chrome: Chrome::of(signed),
        accounts,
        roles: roles(),
        counties: known.into_iter().collect(),
        form,
        error,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

fn done_text(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "added" => "账号已新建。",
            "changed" => "账号已修改，自其下一次操作起生效。",
            "password" => "密码已重设，该账号的所有登录已失效。",
            "disabled" => "账号已停用，其所有登录已失效。",
            "enabled" => "账号已重新启用。",
            "revoked" => "令牌已作废。",
            _ => return None,
        }
        .to_string(),
    )
}

pub async fn list(
    AxState(state): Shared,
    signed: Signed,
    Query(n): Query<Notice>,
) -> Result<Response, WebError> {
    let notice = done_text(n.done.as_deref());
    list_page(
        &state,
        &signed,
        StatusCode::OK,
        Filled::default(),
        None,
        notice,
    )
    .await
}

/// A form with repeated fields (the county check boxes): every value of each field.
fn fields(body: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

fn one<'a>(f: &'a BTreeMap<String, Vec<String>>, name: &str) -> &'a str {
    f.get(name)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("")
}

fn role_of(code: &str) -> Result<Role, WebError> {
    ROLES
        .iter()
        .copied()
        .find(|r| r.code() == code && *r != Role::System)
        .ok_or_else(|| {
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-WEB-FIELD",
                format!("“角色”一栏的值“{code}”无效"),
            )
        })
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub async fn add(
    AxState(state): Shared,
    signed: Signed,
    body: Bytes,
) -> Result<Response, WebError> {
    let f = fields(&body);
    signed.check_form(one(&f, "csrf"))?;
    let filled = Filled {
        name: one(&f, "name").trim().to_string(),
        display_name: one(&f, "display_name").trim().to_string(),
        role: one(&f, "role").to_string(),
        counties: f.get("county").cloned().unwrap_or_default(),
    };
    let role = match role_of(&filled.role) {
        Ok(r) => r,
        Err(e) => {
            return list_page(&state, &signed, e.status, filled, Some(e.message), None).await;
        }
    };
    let password = one(&f, "password").to_string();
    let (name, display, counties) = (
        filled.name.clone(),
        filled.display_name.clone(),
        filled.counties.clone(),
    );
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                Ok(users::add(
                    ctx,
                    &NewAccount {
                        name: &name,
                        display_name: (!display.is_empty()).then_some(display.as_str()),
                        role,
                        counties: &counties,
                        password: Some(&password),
                    },
                ))
            },
        )
        .await?;
    match r {
        Ok(_) => Ok(see_other("/accounts?done=added")),
        Err(e) => {
            let e = WebError::from(e);
            if e.status == StatusCode::FORBIDDEN {
                return Err(e);
            }
            list_page(
                &state,
                &signed,
                e.status,
                filled,
                Some(format!("{}（{}）", e.message, e.code)),
                None,
            )
            .await
        }
    }
}

struct TokenRow {
    token_id: i64,
    label: String,
    issued: String,
    last_used: String,
    revoked: bool,
}

fn when(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

struct Editing {
    name: String,
    display_name: String,
    role_code: &'static str,
    county_codes: Vec<String>,
    enabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    account: Editing,
    tokens: Vec<TokenRow>,
    /// A token just issued: shown this once.
    issued: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
    counties: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

async fn account_page(
    state: &Arc<State>,
    signed: &Signed,
    name: &str,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    account_page_with(state, signed, name, status, error, notice, None).await
}

async fn account_page_with(
    state: &Arc<State>,
    signed: &Signed,
    name: &str,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
    issued: Option<String>,
) -> Result<Response, WebError> {
    let (list, known) = read(state, signed).await?;
    let n = name.to_string();
    let tokens = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(yanglao_ops::tokens::list(ctx, Some(&n))?),
        )
        .await?
        .into_iter()
        .map(|t| TokenRow {
            token_id: t.token_id,
            label: t.label,
            issued: format!("{}（{}）", when(t.issued_s), t.issued_by),
            last_used: t.last_used_s.map(when).unwrap_or_else(|| "未使用".into()),
            revoked: t.revoked,
        })
        .collect();
    let Some(a) = list
        .into_iter()
        .find(|a| a.name == name && a.role != Role::System)
    else {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            "E-USER-UNKNOWN",
            format!("没有名为“{name}”的账号"),
        ));
    };
    let page = AccountPage {
        chrome: Chrome::of(signed),
        account: Editing {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            role_code: a.role.code(),
            county_codes: a.counties.clone(),
            enabled: a.enabled,
            created: format!("{}（{}）", a.created_at, a.created_by),
        },
        tokens,
        issued,
        roles: roles(),
        counties: known.into_iter().collect(),
        error,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, WebError> {
    let notice = done_text(n.done.as_deref());
    account_page(&state, &signed, &name, StatusCode::OK, None, notice).await
}

/// The account's page again with a refusal, or a refusal page for what the account may not do.
async fn refused(
    state: &Arc<State>,
    signed: &Signed,
    name: &str,
    e: yanglao_ops::OpsError,
) -> Result<Response, WebError> {
    let e = WebError::from(e);
    if matches!(
        e.status,
        StatusCode::FORBIDDEN | StatusCode::INTERNAL_SERVER_ERROR
    ) {
        return Err(e);
    }
    let status = e.status;
    account_page(
        state,
        signed,
        name,
        status,
        Some(format!("{}（{}）", e.message, e.code)),
        None,
    )
    .await
}

fn account_url(name: &str, done: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/accounts/{encoded}?done={done}")
}

pub async fn change(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let f = fields(&body);
    signed.check_form(one(&f, "csrf"))?;
    let role = match role_of(one(&f, "role")) {
        Ok(r) => r,
        Err(e) => {
            return account_page(&state, &signed, &name, e.status, Some(e.message), None).await
        }
    };
    let counties = f.get("county").cloned().unwrap_or_default();
    let display = one(&f, "display_name").to_string();
    let n = name.clone();
    act(&state, &signed, &name, "changed", move |ctx| {
        users::change(ctx, &n, role, &counties, Some(&display))
    })
    .await
}

/// One change to the account `name` (the form token already checked): the use case runs as the
/// signed-in account, then its page says what was done (`done`), or shows the refusal.
async fn act<T: Send + 'static>(
    state: &Arc<State>,
    signed: &Signed,
    name: &str,
    done: &str,
    f: impl FnOnce(&mut yanglao_ops::Ctx) -> yanglao_ops::Result<T> + Send + 'static,
) -> Result<Response, WebError> {
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(f(ctx)),
        )
        .await?;
    match r {
        Ok(_) => Ok(see_other(&account_url(name, done))),
        Err(e) => refused(state, signed, name, e).await,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

pub async fn password(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let n = name.clone();
    act(&state, &signed, &name, "password", move |ctx| {
        users::set_password(ctx, &n, &f.password)
    })
    .await
}

async fn set_enabled(
    state: Arc<State>,
    signed: Signed,
    name: String,
    csrf: &str,
    enabled: bool,
) -> Result<Response, WebError> {
    signed.check_form(csrf)?;
    let n = name.clone();
    let done = if enabled { "enabled" } else { "disabled" };
    act(&state, &signed, &name, done, move |ctx| {
        users::set_enabled(ctx, &n, enabled)
    })
    .await
}

pub async fn disable(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    set_enabled(state, signed, name, &f.csrf, false).await
}

pub async fn enable(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    set_enabled(state, signed, name, &f.csrf, true).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

pub async fn issue_token(
    AxState(state): Shared,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let n = name.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(yanglao_ops::tokens::issue(ctx, &n, &f.label)),
        )
        .await?;
    match r {
        Ok(issued) => {
            account_page_with(
                &state,
                &signed,
                &name,
                StatusCode::OK,
                None,
                Some("令牌已发放：请立即复制保存，离开本页后不再显示。".into()),
                Some(issued.token),
            )
            .await
        }
        Err(e) => refused(&state, &signed, &name, e).await,
    }
}

pub async fn revoke_token(
    AxState(state): Shared,
    signed: Signed,
    Path((name, token_id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let account = name.clone();
    act(&state, &signed, &name, "revoked", move |ctx| {
        yanglao_ops::tokens::revoke(ctx, &account, token_id)
    })
    .await
}
