//! Imports through the API, in two steps as in the pages: an upload is checked (nothing posted)
//! and kept; its validation report is read in the answer or downloaded as xlsx; a confirmation by
//! the same account posts it, all or nothing. `?post=true` does both at once when the check finds
//! no errors. The history of imports says who imported what, when.

use super::{bad, download, reply, ApiError, Caller, Shared, XLSX};
use crate::errors::WebError;
use crate::state::State;
use crate::uploads::Staged;
use axum::extract::{Multipart, Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use yanglao_ops::imports::problems::{error_report_xlsx, ImportOutcome, IMPORT_KINDS};
use yanglao_ops::imports::table::Upload;
use yanglao_ops::imports::ImportOptions;
use yanglao_ops::reads;

/// What an upload form carries: the file, and for death records the source and date.
pub struct UploadForm {
    pub upload: Upload,
    pub source: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    /// The pages' form: its form token and the import kind.
    pub csrf: Option<String>,
    pub kind: Option<String>,
}

/// A multipart failure: over the size limit (413), or a body that is not a form.
fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError(WebError::of_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    ApiError(WebError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "E-WEB-UPLOAD",
        "上传内容无法读取：请以 multipart/form-data 上传，文件放在字段 file 中",
    ))
}

/// A `multipart/form-data` body; anything else is refused with what to send instead.
pub struct Form(pub Multipart);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Multipart::from_request(req, state).await {
            Ok(m) => Ok(Form(m)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError(WebError::of_status(StatusCode::PAYLOAD_TOO_LARGE)))
            }
            Err(_) => Err(ApiError(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-WEB-UPLOAD",
                "上传内容无法读取：请以 multipart/form-data 上传，文件放在字段 file 中",
            ))),
        }
    }
}

/// Reads an upload form (refused past the server's limit as it arrives, never whole in memory
/// beyond it).
pub async fn read_form(mut form: Multipart) -> Result<UploadForm, ApiError> {
    let (mut file, mut source, mut date, mut csrf, mut kind) = (None, None, None, None, None);
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let file_name = field
                    .file_name()
                    .map(|n| {
                        // Only the name: a browser may send a path.
                        n.rsplit(['/', '\\']).next().unwrap_or(n).to_string()
                    })
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| {
                        bad("file", "上传的文件没有文件名（文件名的扩展名说明其格式）")
                    })?;
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some(Upload::new(file_name, bytes.to_vec()));
            }
            "source" => {
                let v = field.text().await.map_err(multipart_error)?;
                source = Some(v.trim().to_string()).filter(|s| !s.is_empty());
            }
            "csrf" | "kind" => {
                let v = field.text().await.map_err(multipart_error)?;
                let v = Some(v.trim().to_string()).filter(|s| !s.is_empty());
                if name == "csrf" {
                    csrf = v;
                } else {
                    kind = v;
                }
            }
            "date" => {
                let v = field.text().await.map_err(multipart_error)?;
                if !v.trim().is_empty() {
                    date = Some(super::date_of("date", &v)?);
                }
            }
            _ => {}
        }
    }
    let upload = file.ok_or_else(|| bad("file", "没有上传文件"))?;
    if upload.bytes.is_empty() {
        return Err(bad("file", format!("文件“{}”为空", upload.name)));
    }
    Ok(UploadForm {
        upload,
        source,
        date,
        csrf,
        kind,
    })
}

/// The import kind of a path, or a refusal listing the kinds (404: no such import).
pub fn kind_of(kind: &str) -> Result<&'static str, ApiError> {
    Ok(yanglao_ops::imports::kind_of(kind).map_err(WebError::from)?)
}

fn options(
    source: Option<&str>,
    date: Option<chrono::NaiveDate>,
) -> Result<ImportOptions, ApiError> {
    let source = source
        .map(|s| {
            yanglao_ops::deaths::Source::parse(s).ok_or_else(|| {
                bad(
                    "source",
                    format!("“{s}”应为 police（公安）、civil-affairs（民政）、health（卫健）或 village（村居）"),
                )
            })
        })
        .transpose()?;
    Ok(ImportOptions { source, date })
}

/// An outcome as the API answers it, with its kind's Chinese name.
pub fn outcome_json(o: &ImportOutcome) -> serde_json::Value {
    let mut v = serde_json::to_value(o).unwrap_or_default();
    v["ok"] = json!(o.ok());
    v["kind_zh"] = json!(yanglao_ops::imports::problems::import_kind_zh(o.kind));
    // The command line's report path means nothing here: the report is downloaded.
    if let Some(m) = v.as_object_mut() {
        m.remove("error_report");
    }
    v
}

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    #[serde(default)]
    post: bool,
}

/// Checks an upload and keeps it for confirmation; or, with `post`, posts it when it has no
/// errors. Also what the import pages call.
pub async fn check_upload(
    state: &Arc<State>,
    caller: &Caller,
    kind: &'static str,
    form: UploadForm,
    post: bool,
) -> Result<(Option<Staged>, ImportOutcome), ApiError> {
    let opts = options(form.source.as_deref(), form.date)?;
    let owner = caller.actor.name.clone();
    let st = state.clone();
    caller
        .run(state, move |ctx| {
            let upload = form.upload;
            let mut o = yanglao_ops::imports::import(ctx, kind, &upload, &opts, true)?;
            if post && o.ok() {
                o = yanglao_ops::imports::import(ctx, kind, &upload, &opts, false)?;
                return Ok((None, o));
            }
            let report = if o.errors.is_empty() && o.warnings.is_empty() {
                None
            } else {
                Some(error_report_xlsx(&o.errors, &o.warnings).map_err(|e| {
                    WebError::internal(&yanglao_ops::imports::problems::xlsx_error_zh(&e))
                })?)
            };
            let staged = Staged {
                id: String::new(),
                owner,
                kind: kind.to_string(),
                file_name: upload.name.clone(),
                bytes: upload.bytes.len() as u64,
                sha256: yanglao_ops::imports::table::sha256_hex(&upload.bytes),
                uploaded_s: chrono::Utc::now().timestamp(),
                source: form.source,
                date: form.date,
                rows: o.rows,
                errors: o.errors.len(),
                warnings: o.warnings.len(),
                has_report: false,
                problems: crate::uploads::Shown::of(&o),
            };
            let staged = st.spool.put(staged, &upload.bytes, report.as_deref())?;
            Ok((Some(staged), o))
        })
        .await
}

pub async fn check(
    AxState(state): Shared,
    caller: Caller,
    Path(kind): Path<String>,
    Query(q): Query<CheckQuery>,
    Form(form): Form,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    let form = read_form(form).await?;
    let (staged, o) = check_upload(&state, &caller, kind, form, q.post).await?;
    if q.post && staged.is_none() {
        return Ok(reply(
            &caller.actor,
            json!({"posted": true, "outcome": outcome_json(&o)}),
        ));
    }
    let staged = staged.expect("kept when not posted");
    let report_url = staged
        .has_report
        .then(|| format!("/api/v1/uploads/{}/report.xlsx", staged.id));
    let confirm_url = o
        .ok()
        .then(|| format!("/api/v1/uploads/{}/confirm", staged.id));
    Ok(reply(
        &caller.actor,
        json!({
            "posted": false, "upload": staged, "outcome": outcome_json(&o),
            "report_url": report_url, "confirm_url": confirm_url,
        }),
    ))
}

/// Confirms an upload of the caller's: checked again and posted in one transaction. Refused with
/// its problems when the check now finds errors (the data changed since): nothing is posted and
/// the upload waits on.
pub async fn confirm_upload(
    state: &Arc<State>,
    caller: &Caller,
    id: String,
) -> Result<ImportOutcome, ApiError> {
    let owner = caller.actor.name.clone();
    let st = state.clone();
    let o = caller
        .run(state, move |ctx| {
            let staged = st.spool.get(&id, &owner)?;
            let bytes = st.spool.bytes(&staged)?;
            let opts = options(staged.source.as_deref(), staged.date).map_err(|e| e.0)?;
            let upload = Upload::new(staged.file_name.clone(), bytes);
            let o = yanglao_ops::imports::import(ctx, &staged.kind, &upload, &opts, false)?;
            if o.ok() {
                st.spool.remove(&staged.id);
            }
            Ok(o)
        })
        .await?;
    if !o.ok() {
        return Err(ApiError(
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-IMPORT-REFUSED",
                format!(
                    "文件“{}”有 {} 处错误，未导入任何数据：请按错误报告修改后重新上传",
                    o.file,
                    o.errors.len()
                ),
            )
            .with_detail(outcome_json(&o)),
        ));
    }
    Ok(o)
}

pub async fn confirm(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let o = confirm_upload(&state, &caller, id).await?;
    Ok(reply(
        &caller.actor,
        json!({"posted": true, "outcome": outcome_json(&o)}),
    ))
}

pub async fn discard(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let staged = state.spool.get(&id, &caller.actor.name)?;
    state.spool.remove(&staged.id);
    Ok(reply(&caller.actor, json!({"discarded": staged.id})))
}

pub async fn report(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let staged = state.spool.get(&id, &caller.actor.name)?;
    if !staged.has_report {
        return Err(ApiError(WebError::new(
            StatusCode::NOT_FOUND,
            "E-WEB-NOT-FOUND",
            "这次上传没有发现问题，没有错误报告",
        )));
    }
    let bytes = state.spool.report(&staged)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("{}.错误报告.xlsx", staged.file_name),
    ))
}

pub async fn waiting(AxState(state): Shared, caller: Caller) -> Result<Response, ApiError> {
    Ok(reply(
        &caller.actor,
        state.spool.waiting(&caller.actor.name),
    ))
}

pub async fn kinds(caller: Caller) -> Response {
    let list: Vec<_> = IMPORT_KINDS
        .iter()
        .map(|(k, zh)| json!({"kind": k, "name": zh}))
        .collect();
    reply(&caller.actor, list)
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    kind: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn history(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let f = reads::Filter {
        status: q.kind.filter(|k| !k.is_empty()),
        text: q.q.filter(|t| !t.is_empty()),
        sort: q.sort.filter(|s| !s.is_empty()),
        ..reads::Filter::default()
    };
    let req = super::page_request(q.page, q.per_page);
    let p = caller
        .run(&state, move |ctx| Ok(reads::imports(ctx, &f, req)?))
        .await?;
    Ok(reply(&caller.actor, p))
}
