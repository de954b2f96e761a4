//! The HTTP JSON API at `/api/v1/…`: the same use cases under the same accounts, roles, masking
//! and audit as the pages. A program calls it with `Authorization: Bearer <token>` (a token the
//! city administrator issued to an account); a page's own scripts may call it with the session
//! cookie, and then a state-changing call carries the session's form token in `X-CSRF-Token`.
//! Errors are JSON: `{"ok": false, "code": "E-…", "message": "…"}`. `/api/openapi.json` describes
//! every route (the table [`ROUTES`] is both the document and what the tests call).

mod accounts;
mod books;
mod deaths;
pub mod evaluation;
pub mod imports;
pub mod payroll;
mod people;
mod routes;

use crate::auth::{self, From, SESSION_COOKIE};
use crate::errors::WebError;
use crate::state::State;
use axum::extract::{FromRequestParts, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yanglao_ops::access::Actor;
use yanglao_ops::ledger::masked_id;
use yanglao_ops::reads::PageRequest;
use yanglao_ops::tokens;

pub type Shared = AxState<Arc<State>>;

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
    pub async fn run<T: Send + 'static>(
        &self,
        state: &Arc<State>,
        f: impl FnOnce(&mut yanglao_ops::Ctx) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, ApiError> {
        Ok(state
            .with_ctx(self.actor.clone(), self.from.address.to_string(), f)
            .await?)
    }
}

/// A parameter of a route: name, where (`path` or `query`), required, description.
pub type Param = (&'static str, &'static str, bool, &'static str);
/// A field of a request body: name, JSON type (`string`, `integer`, `boolean`, `array`, `file`),
/// required, description.
pub type Field = (&'static str, &'static str, bool, &'static str);

/// What a route takes in its body.
pub enum Body {
    None,
    /// A JSON object with these fields.
    Json(&'static [Field]),
    /// `multipart/form-data` with these fields (a `file` field holds the upload).
    Upload(&'static [Field]),
}

/// A route of the API: method, path (OpenAPI form, which is also the router's), summary,
/// parameters, body, what it answers (and as what), and its handler.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    pub body: Body,
    pub answers: &'static str,
    /// The answer's media type: JSON, or a file to download.
    pub produces: &'static str,
    pub handler: fn() -> axum::routing::MethodRouter<Arc<State>>,
}

pub const JSON: &str = "application/json";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const ZIP: &str = "application/zip";

pub use routes::ROUTES;

/// The API's routes on the application's router.
pub fn register(mut router: axum::Router<Arc<State>>) -> axum::Router<Arc<State>> {
    for r in ROUTES {
        router = router.route(r.path, (r.handler)());
    }
    router
}

/// A field or parameter that is missing or not valid: 422 with the field named.
pub fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError(WebError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "E-WEB-FIELD",
        format!("{field}：{message}"),
    ))
}

/// A month parameter, `YYYY-MM`.
pub fn month_of(field: &str, s: &str) -> Result<yanglao_domain::Month, ApiError> {
    yanglao_domain::Month::parse(s.trim())
        .map_err(|_| bad(field, format!("“{s}”应为 YYYY-MM 格式的月份")))
}

/// A date, `YYYY-MM-DD`.
pub fn date_of(field: &str, s: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| bad(field, format!("“{s}”应为 YYYY-MM-DD 格式的日期")))
}

/// A year, 2000 to 2100.
pub fn year_of(field: &str, y: Option<i32>) -> Result<i32, ApiError> {
    match y {
        Some(y) if (2000..=2100).contains(&y) => Ok(y),
        Some(y) => Err(bad(field, format!("年度 {y} 应在 2000 到 2100 之间"))),
        None => Err(bad(field, "必须给出年度（YYYY）")),
    }
}

/// A JSON request body, read as an object whose fields are checked one by one (each refusal
/// names its field in Chinese).
pub struct JsonBody(pub serde_json::Map<String, Value>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError(WebError::of_status(e.status())))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Default::default()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(JsonBody(m)),
            _ => Err(ApiError(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-WEB-JSON",
                "请求体应为 JSON 对象（Content-Type: application/json），如 {\"date\": \"2024-01-15\"}",
            ))),
        }
    }
}

impl JsonBody {
    /// A text field, when given (a number is read as its text).
    pub fn text(&self, k: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(bad(k, "应为文字")),
        }
    }

    pub fn need(&self, k: &str) -> Result<String, ApiError> {
        self.text(k)?.ok_or_else(|| bad(k, "必须填写"))
    }

    pub fn flag(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(k, "应为 true 或 false")),
        }
    }

    pub fn date(&self, k: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.text(k)?.map(|s| date_of(k, &s)).transpose()
    }

    pub fn list(&self, k: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| s.trim().to_string())
                        .ok_or_else(|| bad(k, "应为文字的数组"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(
                s.split([',', '，', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
            Some(_) => Err(bad(k, "应为文字的数组")),
        }
    }
}

/// An answer in JSON, masked for `actor` (see [`mask`]).
pub fn reply(actor: &Actor, v: impl serde::Serialize) -> Response {
    let mut v = serde_json::to_value(v).unwrap_or_default();
    mask(&mut v, yanglao_ops::access::may_reveal(actor.role));
    Json(v).into_response()
}

/// Masks what an answer holds of personal data, wherever it is in the answer: every citizen ID
/// (fields named `citizen_id`, `…_citizen_id`, `citizen_id_raw`, `heir_id`) and bank account
/// (`bank_account`, `…_bank_account`, `heir_account`) partly hidden; and, for a role that may not
/// see full IDs, every birth date (`birth_date`) cut to its year (`birth_year`). Only the reveal
/// route answers a full ID, and it is audited.
pub fn mask(v: &mut Value, full_birth_dates: bool) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| mask(x, full_birth_dates)),
        Value::Object(o) => {
            let mut year = None;
            for (k, x) in o.iter_mut() {
                match x {
                    Value::String(s)
                        if k.ends_with("citizen_id") || k == "citizen_id_raw" || k == "heir_id" =>
                    {
                        *s = masked_id(s);
                    }
                    Value::String(s) if k.ends_with("bank_account") || k == "heir_account" => {
                        *s = yanglao_ops::ledger::masked_account(s);
                    }
                    Value::String(s) if k == "birth_date" && !full_birth_dates => {
                        year = s.get(..4).and_then(|y| y.parse::<i32>().ok());
                    }
                    _ => mask(x, full_birth_dates),
                }
            }
            if !full_birth_dates && o.contains_key("birth_date") {
                o.remove("birth_date");
                o.insert("birth_year".into(), json!(year));
            }
        }
        _ => {}
    }
}

/// A file to download, as the API answers it: its bytes, type and name (the name encoded as
/// RFC 6266 says, for Chinese names).
pub fn download(bytes: Vec<u8>, media: &'static str, name: &str) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A page of a list: the first, of 50, unless asked otherwise.
pub fn page_request(page: Option<i64>, per_page: Option<i64>) -> PageRequest {
    PageRequest {
        page: page.unwrap_or(1),
        per_page: per_page.unwrap_or(50),
    }
}

pub const PAGING: [Param; 2] = [
    ("page", "query", false, "页码（从 1 起）"),
    ("per_page", "query", false, "每页条数（1 至 500）"),
];

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
                let integer = (name.ends_with("_id") && *name != "upload_id")
                    || [
                        "page",
                        "per_page",
                        "year",
                        "from",
                        "to",
                        "threshold_pct",
                        "age_from",
                        "age_to",
                    ]
                    .contains(name);
                json!({
                    "name": name, "in": at, "required": required, "description": description,
                    "schema": {"type": if integer { "integer" } else { "string" }},
                })
            })
            .collect();
        let content = if r.produces == JSON {
            json!({"application/json": {"schema": {"type": "object"}}})
        } else {
            json!({r.produces: {"schema": {"type": "string", "format": "binary"}}})
        };
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '.', '-'], "_")),
            "parameters": params,
            "security": [{"token": []}, {"session": []}],
            "responses": {
                "200": {"description": r.answers, "content": content},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        });
        let body = |fields: &[Field], media: &str| {
            let properties: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(name, ty, _, description)| {
                    let schema = match *ty {
                        "file" => json!({"type": "string", "format": "binary", "description": description}),
                        "array" => json!({"type": "array", "items": {"type": "string"}, "description": description}),
                        "cases" => json!({"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}, "description": description}),
                        t => json!({"type": t, "description": description}),
                    };
                    (name.to_string(), schema)
                })
                .collect();
            let required: Vec<&str> = fields.iter().filter(|f| f.2).map(|f| f.0).collect();
            json!({"required": !required.is_empty(), "content": {media: {"schema": {"type": "object", "properties": properties, "required": required}}}})
        };
        match &r.body {
            Body::None => {}
            Body::Json(fields) => op["requestBody"] = body(fields, "application/json"),
            Body::Upload(fields) => op["requestBody"] = body(fields, "multipart/form-data"),
        }
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
    Json(openapi()).into_response()
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
    params: Vec<Param>,
    /// What the body is (empty when none) and its fields.
    body: &'static str,
    fields: Vec<Field>,
    file: bool,
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
                body: match r.body {
                    Body::None => "",
                    Body::Json(_) => "JSON 请求体（Content-Type: application/json）",
                    Body::Upload(_) => "上传文件（multipart/form-data）",
                },
                fields: match r.body {
                    Body::None => Vec::new(),
                    Body::Json(f) | Body::Upload(f) => f.to_vec(),
                },
                file: r.produces != JSON,
            })
            .collect(),
    };
    Ok(crate::pages::render(&page)?.into_response())
}
