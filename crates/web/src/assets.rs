//! The stylesheet and other assets, compiled into the binary and served with cache headers: no
//! CDN, nothing fetched from the internet.

use crate::errors::WebError;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// (name, content type, bytes). A changed asset gets a new name (its version in the name), so
/// that browsers may keep each for a year.
const ASSETS: &[(&str, &str, &[u8])] = &[(
    "site-2.css",
    "text/css; charset=utf-8",
    include_bytes!("../assets/site.css"),
)];

/// The address of the stylesheet, for the templates.
pub const STYLESHEET: &str = "/assets/site-2.css";

pub async fn asset(Path(name): Path<String>) -> Result<Response, WebError> {
    let Some((_, kind, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            "E-WEB-NOT-FOUND",
            format!("没有这个文件：/assets/{name}"),
        ));
    };
    Ok((
        [
            (header::CONTENT_TYPE, *kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        *bytes,
    )
        .into_response())
}
