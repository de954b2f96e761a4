//! The stylesheet and other assets, compiled into the binary and served with cache headers: no
//! CDN, nothing fetched from the internet.

use crate::errors::WebError;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const CSS: &[u8] = include_bytes!("../assets/site.css");
const JS: &[u8] = include_bytes!("../assets/site.js");

/// FNV-1a of the bytes: the version in an asset's name, so that a changed asset gets a new name
/// and browsers may keep each for a year.
const fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x100000001b3);
        i += 1;
    }
    h
}

/// (name, content type, bytes), each name carrying its content's version.
static ASSETS: std::sync::LazyLock<Vec<(String, &'static str, &'static [u8])>> =
    std::sync::LazyLock::new(|| {
        vec![
            (
                format!("site-{:012x}.css", fnv(CSS) >> 16),
                "text/css; charset=utf-8",
                CSS,
            ),
            (
                format!("site-{:012x}.js", fnv(JS) >> 16),
                "text/javascript; charset=utf-8",
                JS,
            ),
        ]
    });

static STYLESHEET: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("/assets/{}", ASSETS[0].0));
static SCRIPT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("/assets/{}", ASSETS[1].0));

/// The address of the stylesheet, for the templates.
pub fn stylesheet() -> &'static str {
    &STYLESHEET
}

/// The address of the script that enhances the pages (they work without it).
pub fn script() -> &'static str {
    &SCRIPT
}

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
