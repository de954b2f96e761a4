//! Sign-in, sign-out and the home page. Every page works without scripts: forms POST and the
//! server answers with a redirect (303) or the page again with its message.

use crate::auth::{self, From, Signed, SESSION_COOKIE, SIGN_IN_COOKIE};
use crate::errors::WebError;
use crate::state::State;
use askama::Template;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::access::Actor;
use yanglao_ops::sessions;

type Shared = AxState<Arc<State>>;

/// A page answered 422 when it carries an error message (a refused field), else 200.
pub fn page_response(t: &impl Template, refused: bool) -> Result<Response, WebError> {
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(t)?).into_response())
}

/// A year typed in a form: four digits, 2000–2100; `default` when empty.
pub fn year_param(y: Option<&str>, default: i32) -> Result<i32, String> {
    match y.map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| format!("年度“{t}”应为四位数的年份，如 2023")),
    }
}

/// This year, and the last (the default of the pages about a closed year).
pub fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Local::now().date_naive().year()
}

/// The counties the acting account may choose from: (code, “城区（140302）”).
pub fn counties_for(ctx: &mut yanglao_ops::Ctx) -> Result<Vec<(String, String)>, WebError> {
    let actor = ctx.actor.clone();
    Ok(ctx
        .db
        .read_transaction(yanglao_ops::known_counties)?
        .into_keys()
        .filter(|k| actor.all_counties() || actor.counties.contains(k))
        .map(|c| {
            let label = yanglao_ops::access::county_label(&c);
            (c, label)
        })
        .collect())
}

pub fn render(t: &impl Template) -> Result<Html<String>, WebError> {
    t.render()
        .map(Html)
        .map_err(|e| WebError::internal(&format!("页面无法生成：{e}")))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    form_token: &'a str,
    name: &'a str,
    message: Option<&'a str>,
    code: Option<&'a str>,
}

/// The sign-in form, with a fresh form token in a cookie and in the form.
fn sign_in_form(
    state: &State,
    status: StatusCode,
    name: &str,
    refusal: Option<&WebError>,
) -> Result<Response, WebError> {
    let token = sessions::random_token()?;
    let page = render(&SignInPage {
        form_token: &token,
        name,
        message: refusal.map(|e| e.message.as_str()),
        code: refusal.map(|e| e.code.as_str()),
    })?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            auth::set_cookie(SIGN_IN_COOKIE, &token, "/sign-in", state.config.https),
        )],
        page,
    )
        .into_response())
}

pub async fn sign_in_page(
    AxState(state): Shared,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // Already signed in: the home page (it sends back here if the session has ended).
    if let Some(token) = auth::session_token(&headers) {
        if auth::open_session(&state, token, String::new())
            .await?
            .is_some()
        {
            return Ok(Redirect::to("/").into_response());
        }
    }
    sign_in_form(&state, StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    form_token: String,
}

pub async fn sign_in(
    AxState(state): Shared,
    from: From,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let expected = auth::cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&expected, &f.form_token) {
        return sign_in_form(
            &state,
            StatusCode::FORBIDDEN,
            &f.name,
            Some(&auth::csrf_refused()),
        );
    }
    let now = sessions::now_s();
    let Some(attempt) = state.attempt_from(from.address, now) else {
        let e = WebError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E-WEB-THROTTLED",
            "此地址登录失败次数过多，请 10 分钟后再试",
        );
        return sign_in_form(&state, e.status, &f.name, Some(&e));
    };
    let name = f.name.trim().to_string();
    if name.is_empty() || f.password.is_empty() {
        let e = WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-WEB-FIELD",
            "请填写账号和密码",
        );
        return sign_in_form(&state, e.status, &f.name, Some(&e));
    }
    let client = from.client();
    let (lockout, timeouts) = (state.config.lockout, state.config.timeouts);
    let previous = auth::session_token(&headers);
    let (n, pw) = (name.clone(), f.password);
    let result = state
        .with_ctx(Actor::system(), client.address.clone(), move |ctx| {
            // A session cookie the browser still holds is ended: each sign-in gets a new token
            // (no session fixation).
            if let Some(old) = previous {
                if let Some(s) = sessions::find(&mut ctx.db, &old, now, timeouts)? {
                    sessions::sign_out(&mut ctx.db, &old, &s.actor, &client, now)?;
                }
            }
            Ok(sessions::sign_in(
                &mut ctx.db,
                &n,
                &pw,
                &client,
                now,
                lockout,
            ))
        })
        .await?;
    match result {
        Ok(signed) => {
            attempt.succeeded();
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, "/".to_string()),
                    (
                        header::SET_COOKIE,
                        auth::set_cookie(SESSION_COOKIE, &signed.token, "/", state.config.https),
                    ),
                ],
            )
                .into_response())
        }
        Err(e) => {
            let e = WebError::from(e);
            sign_in_form(&state, e.status, &name, Some(&e))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

fn signed_out(state: &State) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/sign-in".to_string()),
            (
                header::SET_COOKIE,
                auth::clear_cookie(SESSION_COOKIE, "/", state.config.https),
            ),
        ],
    )
        .into_response()
}

pub async fn sign_out(
    AxState(state): Shared,
    signed: Signed,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let client = signed.from.client();
    let (token, actor) = (signed.token.clone(), signed.actor());
    state
        .with_ctx(Actor::system(), client.address.clone(), move |ctx| {
            Ok(sessions::sign_out(
                &mut ctx.db,
                &token,
                &actor,
                &client,
                sessions::now_s(),
            )?)
        })
        .await?;
    Ok(signed_out(&state))
}

pub async fn sign_out_everywhere(
    AxState(state): Shared,
    signed: Signed,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let client = signed.from.client();
    let actor = signed.actor();
    state
        .with_ctx(Actor::system(), client.address.clone(), move |ctx| {
            Ok(sessions::sign_out_everywhere(
                &mut ctx.db,
                &actor,
                &client,
                sessions::now_s(),
            )?)
        })
        .await?;
    Ok(signed_out(&state))
}

/// What every signed-in page shows at its top: who is signed in, and the form token.
pub struct Chrome {
    pub name: String,
    pub display_name: String,
    pub role: &'static str,
    pub counties: String,
    pub csrf: String,
    /// Whether the account manages accounts (the navigation shows 账号管理).
    pub admin: bool,
}

impl Chrome {
    pub fn of(signed: &Signed) -> Chrome {
        let a = &signed.session.actor;
        Chrome {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            role: a.role.zh(),
            counties: a
                .counties
                .iter()
                .map(|c| yanglao_ops::access::county_label(c))
                .collect::<Vec<_>>()
                .join("、"),
            csrf: signed.session.csrf_token.clone(),
            admin: yanglao_ops::access::allowed(a.role, yanglao_ops::access::Action::Users),
        }
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(AxState(state): Shared) -> Response {
    let r = state
        .with_ctx(Actor::system(), String::new(), |ctx| {
            Ok(ctx
                .db
                .read_transaction(|tx| tx.scalar_i64("SELECT 1", &[]))?)
        })
        .await;
    match r {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "数据库暂时无法访问").into_response(),
    }
}
