//! The HTTP JSON API at `/api/v1/…`: the same use cases under the same accounts, roles, masking
//! and audit as the pages. A program calls it with `Authorization: Bearer <token>` (a token the
//! city administrator issued to an account); a page's own scripts may call it with the session
//! cookie, and then a state-changing call carries the session's form token in `X-CSRF-Token`.
//! Errors are JSON: `{"ok": false, "code": "E-…", "message": "…"}`. `/api/openapi.json` describes
//! every route (the table [`ROUTES`] is both the document and what the tests call).

use crate::auth::{self, From, SESSION_COOKIE};
use crate::errors::WebError;
use crate::people::{self, PeopleQuery};
use crate::state::State;
use axum::extract::{FromRequestParts, Path, Query, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yanglao_ops::access::Actor;
use yanglao_ops::ledger::masked_id;
use yanglao_ops::reads::{self, PageRequest};
use yanglao_ops::tokens;

type Shared = AxState<Arc<State>>;

/// An error as the API answers it.
pub struct ApiError(pub WebError);

impl std::convert::From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The request guard turns it into JSON (every error under `/api/` is).
        self.0.into_response()
    }
}

/// Who calls: a token's account, or a signed-in browser's.
pub struct Caller {
    pub actor: Actor,
    pub from: From,
}

impl FromRequestParts<Arc<State>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, ApiError> {
        let from = From::from_request_parts(parts, state).await?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let unauthorized = || {
            ApiError(WebError::new(
                StatusCode::UNAUTHORIZED,
                "E-API-AUTH",
                "请先登录，或在 Authorization 头中给出有效的令牌（Bearer）",
            ))
        };
        let address = from.address.to_string();
        if let Some(token) = bearer {
            let actor = state
                .with_ctx(Actor::system(), address, move |ctx| {
                    Ok(tokens::actor_of(&mut ctx.db, &token)?)
                })
                .await?
                .ok_or_else(unauthorized)?;
            return Ok(Caller { actor, from });
        }
        let Some(token) = auth::session_token(&parts.headers) else {
            return Err(unauthorized());
        };
        let session = auth::open_session(state, token, address)
            .await?
            .ok_or_else(unauthorized)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !auth::same_token(sent, &session.csrf_token) {
                return Err(ApiError(auth::csrf_refused()));
            }
        }
        Ok(Caller {
            actor: session.actor,
            from,
        })
    }
}

impl Caller {
    async fn run<T: Send + 'static>(
        &self,
        state: &Arc<State>,
        f: impl FnOnce(&mut yanglao_ops::Ctx) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, ApiError> {
        Ok(state
            .with_ctx(self.actor.clone(), self.from.address.to_string(), f)
            .await?)
    }
}

/// A route of the API: method, path (OpenAPI form), summary, parameters (name, where, required,
/// description) and what it answers.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub params: &'static [(&'static str, &'static str, bool, &'static str)],
    pub answers: &'static str,
}

/// Every route of the API, as `/api/openapi.json` describes it.
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/api/v1/me",
        summary: "当前账号：名称、角色与办理县区",
        params: &[],
        answers: "账号",
    },
    Route {
        method: "get",
        path: "/api/v1/people",
        summary: "参保人查询（按姓名或身份证号；完整身份证号按索引查找），身份证号已隐去中间 8 位",
        params: &[
            ("q", "query", false, "姓名或身份证号"),
            ("county", "query", false, "县区代码"),
            ("page", "query", false, "页码（从 1 起）"),
            ("per_page", "query", false, "每页条数（1 至 500）"),
        ],
        answers: "一页参保人及总数",
    },
    Route {
        method: "get",
        path: "/api/v1/people/{person_id}",
        summary: "参保人的登记信息、逐年状态与经办决定（身份证号、银行账号已隐去部分）",
        params: &[("person_id", "path", true, "参保人编号")],
        answers: "参保人",
    },
    Route {
        method: "post",
        path: "/api/v1/people/{person_id}/reveal",
        summary: "查看完整身份证号（仅经办员、审核员、市级管理员，记入审计日志）",
        params: &[("person_id", "path", true, "参保人编号")],
        answers: "完整身份证号",
    },
    Route {
        method: "get",
        path: "/api/v1/payrolls",
        summary: "发放批次列表（可按月份）",
        params: &[("month", "query", false, "月份 YYYY-MM")],
        answers: "发放批次",
    },
    Route {
        method: "post",
        path: "/api/v1/payrolls/run",
        summary: "生成某月的待遇发放批次（经办员；每县区一个批次，已生成的不重复生成）",
        params: &[
            ("month", "query", true, "月份 YYYY-MM"),
            ("county", "query", false, "县区代码（默认：账号的全部县区）"),
        ],
        answers: "生成的批次与审核前检查的异常数",
    },
    Route {
        method: "get",
        path: "/api/v1/payrolls/{payroll_id}/check",
        summary: "发放批次的审核前检查",
        params: &[
            ("payroll_id", "path", true, "发放批次号"),
            (
                "threshold_pct",
                "query",
                false,
                "与上月相比金额变化超过此百分比即列为异常（默认 20）",
            ),
        ],
        answers: "异常",
    },
    Route {
        method: "post",
        path: "/api/v1/payrolls/{payroll_id}/approve",
        summary: "审核发放批次（审核员，且不是生成批次的账号）",
        params: &[("payroll_id", "path", true, "发放批次号")],
        answers: "审核后的批次",
    },
    Route {
        method: "get",
        path: "/api/v1/deaths/reviews",
        summary: "待人工核对的死亡记录",
        params: &[
            ("page", "query", false, "页码（从 1 起）"),
            ("per_page", "query", false, "每页条数（1 至 500）"),
        ],
        answers: "一页记录及总数",
    },
    Route {
        method: "get",
        path: "/api/v1/recovery/cases",
        summary: "多领冒领追回案件",
        params: &[
            ("status", "query", false, "open（在办）或 closed（已结）"),
            ("page", "query", false, "页码（从 1 起）"),
            ("per_page", "query", false, "每页条数（1 至 500）"),
        ],
        answers: "一页案件及总数",
    },
    Route {
        method: "get",
        path: "/api/v1/audit",
        summary: "审计日志（市级管理员查看全部，其他账号查看自己的记录）",
        params: &[
            ("action", "query", false, "操作（部分匹配）"),
            ("page", "query", false, "页码（从 1 起）"),
            ("per_page", "query", false, "每页条数（1 至 500）"),
        ],
        answers: "一页审计记录及总数",
    },
    Route {
        method: "get",
        path: "/api/v1/payrolls/status",
        summary: "某月各县区待遇发放进度",
        params: &[("month", "query", true, "月份 YYYY-MM")],
        answers: "各县区的状态、期限与发放日期",
    },
];

fn ok(v: impl serde::Serialize) -> Response {
    Json(v).into_response()
}

pub async fn me(caller: Caller) -> Response {
    let a = &caller.actor;
    ok(json!({
        "name": a.name, "display_name": a.display_name, "role": a.role.code(),
        "role_zh": a.role.zh(), "counties": a.counties,
    }))
}

#[derive(Deserialize)]
pub struct PeopleApiQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    county: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn people_list(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<PeopleApiQuery>,
) -> Result<Response, ApiError> {
    let f = people::filter(&PeopleQuery {
        q: q.q,
        county: q.county,
        page: None,
    });
    let req = PageRequest {
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let mut p = caller
        .run(&state, move |ctx| Ok(reads::people(ctx, &f, req)?))
        .await?;
    for item in &mut p.items {
        item.citizen_id = masked_id(&item.citizen_id);
    }
    let mut v = serde_json::to_value(&p).unwrap_or_default();
    if !yanglao_ops::access::may_reveal(caller.actor.role) {
        if let Some(items) = v["items"].as_array_mut() {
            for (item, person) in items.iter_mut().zip(&p.items) {
                year_only(item, person.birth_date);
            }
        }
    }
    Ok(ok(v))
}

pub async fn person(
    AxState(state): Shared,
    caller: Caller,
    Path(person_id): Path<i64>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&state, move |ctx| {
            let id = yanglao_ops::register::status::citizen_id_of(ctx, person_id)?;
            let mut v =
                yanglao_ops::register::status::show(ctx, &id, chrono::Local::now().date_naive())?;
            v.citizen_id = masked_id(&id);
            Ok(v)
        })
        .await?;
    let born = v.birth_date;
    let mut v = serde_json::to_value(&v).unwrap_or_default();
    if !yanglao_ops::access::may_reveal(caller.actor.role) {
        year_only(&mut v, born);
    }
    Ok(ok(v))
}

pub async fn reveal(
    AxState(state): Shared,
    caller: Caller,
    Path(person_id): Path<i64>,
) -> Result<Response, ApiError> {
    let id = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::register::status::reveal(ctx, person_id)?)
        })
        .await?;
    Ok(ok(json!({"person_id": person_id, "citizen_id": id})))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

pub async fn payroll_status(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response, ApiError> {
    let month = yanglao_domain::Month::parse(q.month.trim()).map_err(|_| {
        ApiError(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-WEB-FIELD",
            format!("参数 month：“{}”应为 YYYY-MM", q.month),
        ))
    })?;
    let list = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::payroll::status(
                ctx,
                month,
                chrono::Local::now().date_naive(),
            )?)
        })
        .await?;
    Ok(ok(list))
}

fn month_of(s: &str) -> Result<yanglao_domain::Month, ApiError> {
    yanglao_domain::Month::parse(s.trim()).map_err(|_| {
        ApiError(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-WEB-FIELD",
            format!("参数 month：“{s}”应为 YYYY-MM"),
        ))
    })
}

#[derive(Deserialize)]
pub struct PayrollsQuery {
    month: Option<String>,
}

pub async fn payrolls(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<PayrollsQuery>,
) -> Result<Response, ApiError> {
    let month = q.month.as_deref().map(month_of).transpose()?;
    let list = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::payroll::list(ctx, month)?)
        })
        .await?;
    Ok(ok(list))
}

#[derive(Deserialize)]
pub struct RunQuery {
    #[serde(default)]
    month: String,
    county: Option<String>,
}

pub async fn payroll_run(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<RunQuery>,
) -> Result<Response, ApiError> {
    let month = month_of(&q.month)?;
    let o = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::payroll::run(
                ctx,
                month,
                q.county.as_deref().filter(|c| !c.is_empty()),
                yanglao_ops::payroll::Kind::Regular,
                &|_, _, _| {},
            )?)
        })
        .await?;
    Ok(ok(o))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    threshold_pct: Option<i64>,
}

pub async fn payroll_check(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CheckQuery>,
) -> Result<Response, ApiError> {
    let threshold = q.threshold_pct.unwrap_or(20);
    if !(0..=1000).contains(&threshold) {
        return Err(ApiError(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-WEB-FIELD",
            format!("参数 threshold_pct：{threshold} 应在 0 到 1000 之间"),
        )));
    }
    let mut anomalies = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::payroll::check(ctx, id, threshold)?)
        })
        .await?;
    for a in &mut anomalies {
        a.citizen_id = masked_id(&a.citizen_id);
    }
    Ok(ok(anomalies))
}

pub async fn payroll_approve(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = caller
        .run(&state, move |ctx| {
            Ok(yanglao_ops::payroll::approve(ctx, id)?)
        })
        .await?;
    Ok(ok(s))
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    action: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl ListQuery {
    fn request(&self) -> PageRequest {
        PageRequest {
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(50),
        }
    }
}

pub async fn death_reviews(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let req = q.request();
    let mut p = caller
        .run(&state, move |ctx| {
            Ok(reads::death_reviews(ctx, &reads::Filter::default(), req)?)
        })
        .await?;
    for r in &mut p.items {
        r.citizen_id_raw = masked_id(&r.citizen_id_raw);
        r.candidate_citizen_id = masked_id(&r.candidate_citizen_id);
    }
    Ok(ok(p))
}

pub async fn recovery_cases(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let req = q.request();
    let f = reads::Filter {
        status: q.status.clone(),
        ..reads::Filter::default()
    };
    let p = caller
        .run(&state, move |ctx| Ok(reads::recovery_cases(ctx, &f, req)?))
        .await?;
    Ok(ok(p))
}

pub async fn audit(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let req = q.request();
    let f = reads::Filter {
        status: q.action.clone(),
        ..reads::Filter::default()
    };
    let p = caller
        .run(&state, move |ctx| Ok(reads::audit_log(ctx, &f, req)?))
        .await?;
    Ok(ok(p))
}

/// A birth date as a role that may not see full IDs reads it: the year only.
fn year_only(v: &mut Value, born: chrono::NaiveDate) {
    use chrono::Datelike;
    if let Some(o) = v.as_object_mut() {
        o.remove("birth_date");
        o.insert("birth_year".into(), json!(born.year()));
    }
}

/// Any `/api/…` address the API does not have: JSON, not a page.
pub async fn not_found() -> ApiError {
    ApiError(WebError::new(
        StatusCode::NOT_FOUND,
        "E-WEB-NOT-FOUND",
        "没有这个接口：请参阅 /api/openapi.json",
    ))
}

/// The OpenAPI 3 document of [`ROUTES`].
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .params
            .iter()
            .map(|(name, at, required, description)| {
                json!({
                    "name": name, "in": at, "required": required, "description": description,
                    "schema": {"type": if name.ends_with("_id") || name.starts_with("page") || *name == "per_page" { "integer" } else { "string" }},
                })
            })
            .collect();
        let op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}'], "_")),
            "parameters": params,
            "security": [{"token": []}, {"session": []}],
            "responses": {
                "200": {"description": r.answers, "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        });
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "养老 HTTP 接口",
            "version": crate::VERSION,
            "description": "城乡居民补充养老保险经办系统的 HTTP 接口：与网页、命令行调用同一套业务，账号的角色与县区同样适用；身份证号与银行账号隐去部分，查看完整号码记入审计日志。",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "市级管理员为账号发放的令牌"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE, "description": "网页登录的会话；修改类请求须带 X-CSRF-Token"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["ok", "code", "message"],
                    "properties": {
                        "ok": {"type": "boolean"},
                        "code": {"type": "string", "description": "稳定的错误代码（docs/ERRORS.md）"},
                        "message": {"type": "string", "description": "中文说明"},
                    },
                },
            },
            "responses": {
                "Error": {"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    })
}

pub async fn openapi_json() -> Response {
    ok(openapi())
}

#[derive(askama::Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    routes: Vec<DocRoute>,
}

struct DocRoute {
    method: String,
    path: &'static str,
    summary: &'static str,
    answers: &'static str,
    params: Vec<(&'static str, &'static str, bool, &'static str)>,
}

/// The API's documentation as a page, made from [`ROUTES`] (served by the binary: no script, no
/// CDN).
pub async fn docs() -> Result<Response, WebError> {
    let page = DocsPage {
        routes: ROUTES
            .iter()
            .map(|r| DocRoute {
                method: r.method.to_uppercase(),
                path: r.path,
                summary: r.summary,
                answers: r.answers,
                params: r.params.to_vec(),
            })
            .collect(),
    };
    Ok(crate::pages::render(&page)?.into_response())
}
