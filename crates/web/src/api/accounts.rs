//! Accounts, their API tokens and the audit log through the API (the city administrator; every
//! other account reads its own audit entries).

use super::{bad, download, reply, ApiError, Caller, JsonBody, Shared, XLSX};
use crate::audit::AuditQuery;
use crate::errors::WebError;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use yanglao_ops::access::{Role, ROLES};
use yanglao_ops::reads;
use yanglao_ops::tokens;
use yanglao_ops::users::{self, NewAccount};

pub async fn list(AxState(state): Shared, caller: Caller) -> Result<Response, ApiError> {
    let list = caller.run(&state, move |ctx| Ok(users::list(ctx)?)).await?;
    Ok(reply(&caller.actor, list))
}

fn role_of(body: &JsonBody) -> Result<Role, ApiError> {
    let code = body.need("role")?;
    ROLES
        .iter()
        .copied()
        .find(|r| r.code() == code && *r != Role::System)
        .ok_or_else(|| {
            bad(
                "role",
                format!(
                    "“{code}”应为 {}",
                    ROLES
                        .iter()
                        .filter(|r| **r != Role::System)
                        .map(|r| format!("{}（{}）", r.code(), r.zh()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
        })
}

pub async fn add(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let name = body.need("name")?;
    let display = body.text("display_name")?;
    let role = role_of(&body)?;
    let counties = body.list("counties")?.unwrap_or_default();
    let password = body.need("password")?;
    let a = caller
        .run(&state, move |ctx| {
            Ok(users::add(
                ctx,
                &NewAccount {
                    name: &name,
                    display_name: display.as_deref(),
                    role,
                    counties: &counties,
                    password: Some(&password),
                },
            )?)
        })
        .await?;
    Ok(reply(&caller.actor, a))
}

/// One account (the city administrator; any account its own).
pub async fn show(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let own = name == caller.actor.name;
    let n = name.clone();
    let list = caller
        .run(&state, move |ctx| {
            if !own {
                ctx.actor.require(yanglao_ops::access::Action::Users)?;
            }
            Ok(users::list(ctx)?)
        })
        .await?;
    let a = list.into_iter().find(|a| a.name == n).ok_or_else(|| {
        ApiError(WebError::new(
            StatusCode::NOT_FOUND,
            "E-USER-UNKNOWN",
            format!("没有名为“{name}”的账号"),
        ))
    })?;
    Ok(reply(&caller.actor, a))
}

pub async fn change(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let role = role_of(&body)?;
    let counties = body.list("counties")?.unwrap_or_default();
    let display = body.text("display_name")?;
    let a = caller
        .run(&state, move |ctx| {
            Ok(users::change(
                ctx,
                &name,
                role,
                &counties,
                display.as_deref(),
            )?)
        })
        .await?;
    Ok(reply(&caller.actor, a))
}

async fn set_enabled(
    state: &std::sync::Arc<crate::state::State>,
    caller: &Caller,
    name: String,
    enabled: bool,
) -> Result<Response, ApiError> {
    let a = caller
        .run(state, move |ctx| {
            Ok(users::set_enabled(ctx, &name, enabled)?)
        })
        .await?;
    Ok(reply(&caller.actor, a))
}

pub async fn disable(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    set_enabled(&state, &caller, name, false).await
}

pub async fn enable(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    set_enabled(&state, &caller, name, true).await
}

pub async fn password(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let password = body.need("password")?;
    let a = caller
        .run(&state, move |ctx| {
            Ok(users::set_password(ctx, &name, &password)?)
        })
        .await?;
    Ok(reply(&caller.actor, a))
}

pub async fn tokens(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let list = caller
        .run(&state, move |ctx| Ok(tokens::list(ctx, Some(&name))?))
        .await?;
    Ok(reply(&caller.actor, list))
}

/// Issues a token to the account: the answer holds it, once; only its hash is kept.
pub async fn issue(
    AxState(state): Shared,
    caller: Caller,
    Path(name): Path<String>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let label = body.text("label")?.unwrap_or_default();
    let issued = caller
        .run(&state, move |ctx| Ok(tokens::issue(ctx, &name, &label)?))
        .await?;
    Ok(reply(&caller.actor, issued))
}

/// Revokes a token of the account named in the path (a token of another account is not found).
pub async fn revoke(
    AxState(state): Shared,
    caller: Caller,
    Path((name, token_id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    caller
        .run(&state, move |ctx| Ok(tokens::revoke(ctx, &name, token_id)?))
        .await?;
    Ok(reply(&caller.actor, json!({"revoked": token_id})))
}

pub async fn audit(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let f = q.filter()?;
    let req = super::page_request(q.page, q.per_page);
    let p = caller
        .run(&state, move |ctx| Ok(reads::audit_log(ctx, &f, req)?))
        .await?;
    Ok(reply(&caller.actor, p))
}

pub async fn audit_xlsx(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let f = q.filter()?;
    let (bytes, _) = caller
        .run(&state, move |ctx| Ok(reads::audit_workbook(ctx, &f)?))
        .await?;
    let name = format!(
        "审计日志-{}.xlsx",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    Ok(download(bytes, XLSX, &name))
}
