//! Errors as the user reads them: a Chinese page with the stable code, never the internals (a
//! failure of the server itself is logged with its request id, and the page shows only the id).

use askama::Template;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use yanglao_ops::OpsError;

#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// What the API adds to its JSON error (e.g. an import's problems).
    pub detail: Option<serde_json::Value>,
}

impl WebError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> WebError {
        WebError {
            status,
            code: code.to_string(),
            message: message.into(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> WebError {
        self.detail = Some(detail);
        self
    }

    /// Names the field the error is about, as the API's and the forms' messages do
    /// ("discount_rate：…").
    pub fn with_field(mut self, field: &str) -> WebError {
        self.message = format!("{field}：{}", self.message);
        self
    }

    pub fn internal(detail: &str) -> WebError {
        tracing::error!("服务器内部错误：{detail}");
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E-WEB-INTERNAL",
            "服务器内部错误，本次操作未完成。请稍后重试；如果再次出现，请把页面底部的请求编号告诉系统管理员。",
        )
    }
}

/// The HTTP status of a use case's refusal.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        c if c.starts_with("E-ACCESS") => StatusCode::FORBIDDEN,
        "E-USER-SIGN-IN" => StatusCode::UNAUTHORIZED,
        "E-PERSON-NOT-FOUND"
        | "E-USER-UNKNOWN"
        | "E-TOKEN-UNKNOWN"
        | "E-PAYROLL-NOT-FOUND"
        | "E-IMPORT-KIND" => StatusCode::NOT_FOUND,
        "E-USER-LOCKED" | "E-WEB-THROTTLED" => StatusCode::TOO_MANY_REQUESTS,
        c if c.starts_with("E-DB-") || c == "E-INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<OpsError> for WebError {
    fn from(e: OpsError) -> Self {
        let code = e.code();
        let status = status_of(code);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return WebError::internal(&format!("[{code}] {e}"));
        }
        let message = match &e {
            OpsError::Rule { message, .. } => message.clone(),
            other => other.to_string(),
        };
        WebError::new(status, code, message)
    }
}

impl From<yanglao_store::StoreError> for WebError {
    fn from(e: yanglao_store::StoreError) -> Self {
        WebError::internal(&e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    code: &'a str,
    message: &'a str,
}

/// The page's title for a status.
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "无法办理",
        401 => "请先登录",
        403 => "没有权限",
        404 => "页面不存在",
        405 => "不支持的操作",
        413 => "文件过大",
        429 => "请稍后再试",
        _ => "服务器内部错误",
    }
}

/// What an error response carries for the request guard: under `/api/` the guard answers it as
/// JSON instead of the page.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub detail: Option<serde_json::Value>,
}

impl WebError {
    /// The error for a failed response that says nothing of its own (the framework's refusals,
    /// which are in English): by its status only.
    pub fn of_status(status: StatusCode) -> WebError {
        let (code, message) = match status.as_u16() {
            404 => ("E-WEB-NOT-FOUND", "没有这个页面或接口"),
            405 => ("E-WEB-REQUEST", "此地址不支持这种操作"),
            413 => ("E-WEB-TOO-LARGE", "请求或上传的文件过大"),
            s if s >= 500 => ("E-WEB-INTERNAL", "服务器内部错误，本次操作未完成"),
            _ => (
                "E-WEB-REQUEST",
                "请求无法识别：地址中的编号、参数或表单内容的格式不对，未作任何改动",
            ),
        };
        WebError::new(status, code, message)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            title: title(self.status),
            code: &self.code,
            message: &self.message,
        };
        let info = ErrorInfo {
            code: self.code.clone(),
            message: self.message.clone(),
            detail: self.detail.clone(),
        };
        let mut res = match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message).into_response(),
        };
        res.extensions_mut().insert(info);
        res
    }
}

/// Any address the application does not have.
pub async fn not_found(uri: Uri) -> WebError {
    WebError::new(
        StatusCode::NOT_FOUND,
        "E-WEB-NOT-FOUND",
        format!("没有这个页面：{}", uri.path()),
    )
}
