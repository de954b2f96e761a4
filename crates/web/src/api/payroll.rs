//! The month's payroll through the API: awards, the run (regular or supplementary), the checks,
//! the approval by a second account, the export of the plan and the bank files, the lines, the
//! month's state in every county. The bank's return is an import (`/api/v1/imports/bank-return`).

use super::{bad, download, month_of, reply, ApiError, Caller, Shared, XLSX, ZIP};
use axum::extract::{Path, Query, State as AxState};
use axum::response::Response;
use serde::Deserialize;
use yanglao_ops::payroll::{self, Kind};
use yanglao_ops::reads;

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
    county: Option<String>,
    kind: Option<String>,
}

pub async fn status(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response, ApiError> {
    let month = month_of("month", &q.month)?;
    let list = caller
        .run(&state, move |ctx| {
            Ok(payroll::status(
                ctx,
                month,
                chrono::Local::now().date_naive(),
            )?)
        })
        .await?;
    Ok(reply(&caller.actor, list))
}

#[derive(Deserialize)]
pub struct ListQuery {
    month: Option<String>,
}

pub async fn list(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let month = q
        .month
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| month_of("month", m))
        .transpose()?;
    let list = caller
        .run(&state, move |ctx| Ok(payroll::list(ctx, month)?))
        .await?;
    Ok(reply(&caller.actor, list))
}

fn county(q: &MonthQuery) -> Option<String> {
    q.county.clone().filter(|c| !c.is_empty())
}

pub async fn awards(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response, ApiError> {
    let month = month_of("month", &q.month)?;
    let c = county(&q);
    let o = caller
        .run(&state, move |ctx| {
            Ok(payroll::awards::run(ctx, month, c.as_deref())?)
        })
        .await?;
    Ok(reply(&caller.actor, o))
}

pub async fn run(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response, ApiError> {
    let month = month_of("month", &q.month)?;
    let kind = match q.kind.as_deref().unwrap_or("regular") {
        "regular" | "" => Kind::Regular,
        "supplementary" => Kind::Supplementary,
        other => {
            return Err(bad(
                "kind",
                format!("“{other}”应为 regular（正常发放）或 supplementary（补发银行退回的待遇）"),
            ))
        }
    };
    let c = county(&q);
    let o = caller
        .run(&state, move |ctx| {
            Ok(payroll::run(ctx, month, c.as_deref(), kind, &|_, _, _| {})?)
        })
        .await?;
    Ok(reply(&caller.actor, o))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    threshold_pct: Option<i64>,
}

pub async fn check(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CheckQuery>,
) -> Result<Response, ApiError> {
    let threshold = q.threshold_pct.unwrap_or(20);
    if !(0..=1000).contains(&threshold) {
        return Err(bad(
            "threshold_pct",
            format!("{threshold} 应在 0 到 1000 之间"),
        ));
    }
    let anomalies = caller
        .run(&state, move |ctx| Ok(payroll::check(ctx, id, threshold)?))
        .await?;
    Ok(reply(&caller.actor, anomalies))
}

pub async fn approve(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = caller
        .run(&state, move |ctx| Ok(payroll::approve(ctx, id)?))
        .await?;
    Ok(reply(&caller.actor, s))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    file: Option<String>,
}

/// Exports an approved payroll: every file in one zip archive, or — with `file` — that one file
/// (the plan, or one bank's payment file). The files hold full IDs and bank accounts, as the
/// bank needs them: only the roles that run the payroll export, and every export is audited.
pub async fn export(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    export_files(&state, &caller, id, q.file).await
}

/// The export as a download: every file in one zip, or the one named. Also what the payroll
/// page calls.
pub async fn export_files(
    state: &std::sync::Arc<crate::state::State>,
    caller: &Caller,
    id: i64,
    file: Option<String>,
) -> Result<Response, ApiError> {
    let files = caller
        .run(state, move |ctx| {
            let mut sink = yanglao_ops::files::MemorySink::default();
            payroll::export::export(ctx, id, &mut sink, &|_, _| {})?;
            Ok(sink.files)
        })
        .await?;
    if let Some(want) = file.filter(|f| !f.is_empty()) {
        let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        let Some((name, bytes)) = files.into_iter().find(|f| f.0 == want) else {
            return Err(bad(
                "file",
                format!("批次 {id} 没有文件“{want}”：可选 {}", names.join("、")),
            ));
        };
        let media = if name.ends_with(".xlsx") {
            XLSX
        } else {
            "text/csv; charset=utf-8"
        };
        return Ok(download(bytes, media, &name));
    }
    let zip = pack(&files)
        .map_err(|e| ApiError(crate::errors::WebError::internal(&format!("打包失败：{e}"))))?;
    Ok(download(zip, ZIP, &format!("发放批次{id}.zip")))
}

/// Files in one zip archive (names in UTF-8).
fn pack(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, zip::result::ZipError> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), options)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

#[derive(Deserialize)]
pub struct LinesQuery {
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn lines(
    AxState(state): Shared,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<LinesQuery>,
) -> Result<Response, ApiError> {
    let f = reads::Filter {
        status: q.status.filter(|s| !s.is_empty()),
        text: q.q.filter(|s| !s.is_empty()),
        sort: q.sort.filter(|s| !s.is_empty()),
        ..reads::Filter::default()
    };
    let req = super::page_request(q.page, q.per_page);
    let p = caller
        .run(&state, move |ctx| {
            Ok(reads::payroll_lines(ctx, id, &f, req)?)
        })
        .await?;
    Ok(reply(&caller.actor, p))
}
