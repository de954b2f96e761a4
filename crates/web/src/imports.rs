//! The import pages (数据导入): upload any import file, see its validation report in the page (row,
//! column, value, code, message; the xlsx report to download), confirm to post it or discard it,
//! and the history of imports with who and when. Nothing is posted until confirmed; the
//! confirmation checks the same bytes again and posts them in one transaction.
//!
//! The pages call what the API calls (`api::imports::check_upload`, `confirm_upload`), under the
//! signed-in account.

use crate::api::imports::{check_upload, confirm_upload, read_form, Form};
use crate::api::Caller;
use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome, CsrfForm};
use crate::sorting::{self, col, num, plain_num, Head};
use crate::state::State;
use crate::uploads::{Shown, Staged, SHOWN_MAX};
use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::imports::problems::import_kind_zh;
use yanglao_ops::reads::{self, Filter, PageRequest};

type Shared = AxState<Arc<State>>;

/// The death records' sources, as the upload form offers them.
const SOURCES: &[(&str, &str)] = &[
    ("police", "公安（户籍注销）"),
    ("civil-affairs", "民政（火化、殡葬）"),
    ("health", "卫健（死亡医学证明）"),
    ("village", "村居（去世人员月报）"),
];

#[derive(Deserialize, Default)]
pub struct ImportsQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
}

/// One import of the history.
pub struct HistoryRow {
    pub kind: String,
    pub file_name: String,
    pub rows: i64,
    pub posted: i64,
    pub skipped: i64,
    pub by: String,
    pub at: String,
}

/// An upload that waits for its confirmation.
pub struct WaitingRow {
    pub id: String,
    pub kind: String,
    pub file_name: String,
    pub rows: usize,
    pub errors: usize,
    pub at: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    chrome: Chrome,
    kinds: Vec<(&'static str, &'static str)>,
    all_kinds: Vec<(&'static str, &'static str)>,
    sources: &'static [(&'static str, &'static str)],
    chosen: String,
    q: String,
    waiting: Vec<WaitingRow>,
    history: Vec<HistoryRow>,
    total: i64,
    page: i64,
    pages: i64,
    heads: Vec<Head>,
    sort: String,
    prev: String,
    next: String,
    error: Option<String>,
}

/// Unix seconds as a reader's local time, to the minute.
pub fn local_time(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A database timestamp (RFC 3339, UTC) as a reader's local time, to the minute.
pub fn local_stamp(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.chars().take(16).collect())
}

fn waiting_rows(state: &State, owner: &str) -> Vec<WaitingRow> {
    state
        .spool
        .waiting(owner)
        .into_iter()
        .map(|s| WaitingRow {
            kind: import_kind_zh(&s.kind).to_string(),
            file_name: s.file_name,
            rows: s.rows,
            errors: s.errors,
            at: local_time(s.uploaded_s),
            id: s.id,
        })
        .collect()
}

async fn imports_page(
    state: &Arc<State>,
    signed: &Signed,
    q: ImportsQuery,
    error: Option<String>,
) -> Result<ImportsPage, WebError> {
    let f = Filter {
        status: Some(q.kind.trim().to_string()).filter(|k| !k.is_empty()),
        text: Some(q.q.trim().to_string()).filter(|t| !t.is_empty()),
        sort: Some(q.sort.trim().to_string()).filter(|s| !s.is_empty()),
        ..Filter::default()
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: 50,
    };
    let history = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(reads::imports(ctx, &f, req)?),
        )
        .await?;
    let pairs = [("kind", q.kind.as_str()), ("q", q.q.as_str())];
    let at = |n: i64| {
        let n = n.to_string();
        sorting::url("/imports", &pairs, &[("sort", &q.sort), ("page", &n)])
    };
    Ok(ImportsPage {
        chrome: Chrome::of(signed),
        kinds: yanglao_ops::imports::kinds_for(signed.session.actor.role),
        all_kinds: yanglao_ops::imports::problems::IMPORT_KINDS.to_vec(),
        sources: SOURCES,
        chosen: q.kind.clone(),
        q: q.q.clone(),
        waiting: waiting_rows(state, &signed.session.actor.name),
        history: history
            .items
            .into_iter()
            .map(|i| HistoryRow {
                kind: import_kind_zh(&i.kind).to_string(),
                file_name: i.file_name,
                rows: i.row_count,
                posted: i.posted,
                skipped: i.skipped,
                by: i.imported_by,
                at: local_stamp(&i.imported_at),
            })
            .collect(),
        total: history.total,
        page: history.page,
        pages: history.pages,
        heads: sorting::heads(
            "/imports",
            &pairs,
            &q.sort,
            &[
                col("导入时间", "imported_at"),
                col("数据类型", "kind"),
                col("文件", "file_name"),
                num("行数", "rows"),
                plain_num("写入"),
                plain_num("跳过（已导入过）"),
                col("导入人", "imported_by"),
            ],
        ),
        prev: at(history.page - 1),
        next: at(history.page + 1),
        sort: q.sort.clone(),
        error,
    })
}

/// The upload form, the uploads waiting for confirmation, and the history.
pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<ImportsQuery>,
) -> Result<Response, WebError> {
    let page = imports_page(&state, &signed, q, None).await?;
    Ok(render(&page)?.into_response())
}

fn caller(signed: &Signed) -> Caller {
    Caller {
        actor: signed.actor(),
        from: signed.from.clone(),
    }
}

/// Checks an uploaded file (nothing is posted) and shows its report. A file that cannot be read
/// at all comes back to the form with the reason.
pub async fn upload(
    AxState(state): Shared,
    signed: Signed,
    form: Result<Form, crate::api::ApiError>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(|e| e.0)?;
    // A field the form cannot take (no file, an empty one, a date that is not one) comes back to
    // the form with its message; nothing is kept.
    let form = match read_form(form).await {
        Ok(f) => f,
        Err(e) if e.0.code == "E-WEB-FIELD" => {
            let page = imports_page(
                &state,
                &signed,
                ImportsQuery::default(),
                Some(format!("{}（{}）", e.0.message, e.0.code)),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Err(e) => return Err(e.0),
    };
    signed.check_form(form.csrf.as_deref().unwrap_or(""))?;
    let back = |message: String| async {
        let page = imports_page(&state, &signed, ImportsQuery::default(), Some(message)).await?;
        Ok::<Response, WebError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let kind = match yanglao_ops::imports::kind_of(form.kind.as_deref().unwrap_or("")) {
        Ok(k) => k,
        Err(_) => return back("请选择导入的数据类型（E-IMPORT-KIND）".into()).await,
    };
    if kind == "deaths" && form.source.is_none() {
        return back("导入死亡信息须选择信息来源（E-DEATH-SOURCE）".into()).await;
    }
    match check_upload(&state, &caller(&signed), kind, form, false).await {
        Ok((Some(staged), _)) => {
            Ok(Redirect::to(&format!("/uploads/{}", staged.id)).into_response())
        }
        Ok((None, _)) => Ok(Redirect::to("/imports").into_response()),
        Err(e) if e.0.status == StatusCode::FORBIDDEN => Err(e.0),
        Err(e) if e.0.status == StatusCode::INTERNAL_SERVER_ERROR => Err(e.0),
        Err(e) => back(format!("{}（{}）", e.0.message, e.0.code)).await,
    }
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    chrome: Chrome,
    s: Staged,
    kind: String,
    source: String,
    at: String,
    size: String,
    shown_max: usize,
    problems: Vec<Shown>,
    message: Option<String>,
}

/// A byte count as people read it.
fn size_zh(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / (1 << 10) as f64),
        b => format!("{b} 字节"),
    }
}

fn upload_page(signed: &Signed, s: Staged, message: Option<String>) -> UploadPage {
    UploadPage {
        chrome: Chrome::of(signed),
        kind: import_kind_zh(&s.kind).to_string(),
        source: s
            .source
            .as_deref()
            .and_then(|k| SOURCES.iter().find(|(c, _)| *c == k))
            .map(|(_, zh)| zh.to_string())
            .unwrap_or_default(),
        at: local_time(s.uploaded_s),
        size: size_zh(s.bytes),
        shown_max: SHOWN_MAX,
        problems: s.problems.clone(),
        s,
        message,
    }
}

/// An upload's check: its problems, and what to do next.
pub async fn show(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let s = state.spool.get(&id, &signed.session.actor.name)?;
    Ok(render(&upload_page(&signed, s, None))?.into_response())
}

#[derive(Template)]
#[template(path = "imported.html")]
struct ImportedPage {
    chrome: Chrome,
    kind: String,
    file: String,
    rows: usize,
    posted: usize,
    skipped: usize,
    warnings: usize,
}

/// Posts a checked upload (checked again first: when it now has errors nothing is posted and
/// the page says so).
pub async fn confirm(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let staged = state.spool.get(&id, &signed.session.actor.name)?;
    match confirm_upload(&state, &caller(&signed), id).await {
        Ok(o) => {
            let page = ImportedPage {
                chrome: Chrome::of(&signed),
                kind: import_kind_zh(o.kind).to_string(),
                file: o.file.clone(),
                rows: o.rows,
                posted: o.posted,
                skipped: o.skipped,
                warnings: o.warnings.len(),
            };
            Ok(render(&page)?.into_response())
        }
        Err(e) if e.0.code == "E-IMPORT-REFUSED" => {
            let page = upload_page(&signed, staged, Some(e.0.message.clone()));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.0),
    }
}

/// Discards a waiting upload (nothing was posted).
pub async fn discard(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let staged = state.spool.get(&id, &signed.session.actor.name)?;
    state.spool.remove(&staged.id);
    Ok(Redirect::to("/imports").into_response())
}

/// The upload's problems as xlsx.
pub async fn report(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let staged = state.spool.get(&id, &signed.session.actor.name)?;
    if !staged.has_report {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            "E-WEB-NOT-FOUND",
            "这次上传没有发现问题，没有错误报告",
        ));
    }
    let bytes = state.spool.report(&staged)?;
    Ok(crate::api::download(
        bytes,
        crate::api::XLSX,
        &format!("{}.错误报告.xlsx", staged.file_name),
    ))
}
