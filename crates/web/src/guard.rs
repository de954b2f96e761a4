//! What every request passes through: a request id and its log line, the cross-site checks of
//! every state-changing request, and the security headers of every response.

use crate::auth::csrf_refused;
use crate::errors::{ErrorInfo, WebError};
use crate::state::State;
use axum::extract::{Request, State as AxState};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The policy for scripts, styles, frames and forms: only this server's own files, no inline
/// script, no framing by another site.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A request's id, in its log line, its response (`X-Request-Id`) and its error page.
fn next_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let started = std::process::id() as u64;
    format!("{started:x}-{:x}", N.fetch_add(1, Ordering::Relaxed))
}

/// Whether a state-changing request comes from this server's own pages: a browser says where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); another site's is refused before any handler
/// runs. The form token is checked by the handler, which reads the form.
fn cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        if origin == "null" || origin_host != host {
            return true;
        }
    }
    false
}

pub async fn guard(AxState(state): AxState<Arc<State>>, req: Request, next: Next) -> Response {
    let id = next_id();
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let safe = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut res = if !safe && cross_site(&req) {
        csrf_refused().into_response()
    } else {
        next.run(req).await
    };
    if res.status().is_client_error() || res.status().is_server_error() {
        // Every error says what it is in Chinese: the framework's own refusals (a path or a
        // parameter that does not parse, a method the address does not take, a body too large)
        // get the page of their status; under `/api/` errors are JSON.
        let own_page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if res.extensions().get::<ErrorInfo>().is_none() && !own_page {
            res = WebError::of_status(res.status()).into_response();
        }
        if path.starts_with("/api/") {
            res = as_json(res, &id);
        } else {
            res = with_request_id(res, &id).await;
        }
    }
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-request-id", &id);
    if !path.starts_with("/assets/") {
        set(h, "cache-control", "no-store");
    }
    if state.config.https {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "请求"
    );
    res
}

/// Error pages show the request's id, for the person who reports the problem.
async fn with_request_id(res: Response, id: &str) -> Response {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return res;
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, 1 << 20).await {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).replace(REQUEST_ID_MARK, id);
            let mut parts = parts;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(text))
        }
        Err(_) => Response::from_parts(parts, axum::body::Body::empty()),
    }
}

/// Where an error page puts the request's id.
pub const REQUEST_ID_MARK: &str = "@@REQUEST_ID@@";

/// An error answered as the API answers: JSON with the code, the message and the request's id.
fn as_json(res: Response, id: &str) -> Response {
    let status = res.status();
    let info = res
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .unwrap_or(ErrorInfo {
            code: "E-WEB-REQUEST".into(),
            message: String::new(),
            detail: None,
        });
    let mut body = serde_json::json!({"ok": false, "code": info.code, "message": info.message, "request_id": id});
    if let Some(d) = &info.detail {
        body["detail"] = d.clone();
    }
    let mut out = (status, axum::Json(body)).into_response();
    out.extensions_mut().insert(info);
    out
}
