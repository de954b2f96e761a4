//! The register through the API: who calls, people, one person, revealing an ID, decisions, the
//! outreach list.

use super::{bad, download, reply, year_of, ApiError, Caller, JsonBody, Shared, XLSX};
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yanglao_ops::reads;
use yanglao_ops::register::status::{self, Decision};

pub async fn me(caller: Caller) -> Response {
    let a = &caller.actor;
    reply(
        a,
        json!({
            "name": a.name, "display_name": a.display_name, "role": a.role.code(),
            "role_zh": a.role.zh(), "counties": a.counties,
        }),
    )
}

#[derive(Deserialize)]
pub struct PeopleApiQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn list(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<PeopleApiQuery>,
) -> Result<Response, ApiError> {
    let mut f = crate::people::filter(&crate::people::PeopleQuery {
        q: q.q,
        county: q.county,
        sort: q.sort,
        page: None,
    });
    f.status = Some(q.status).filter(|s| !s.is_empty());
    let req = super::page_request(q.page, q.per_page);
    let p = caller
        .run(&state, move |ctx| Ok(reads::people(ctx, &f, req)?))
        .await?;
    Ok(reply(&caller.actor, p))
}

pub async fn show(
    AxState(state): Shared,
    caller: Caller,
    Path(person_id): Path<i64>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&state, move |ctx| {
            let id = status::citizen_id_of(ctx, person_id)?;
            Ok(status::show(ctx, &id, chrono::Local::now().date_naive())?)
        })
        .await?;
    Ok(reply(&caller.actor, v))
}

pub async fn reveal(
    AxState(state): Shared,
    caller: Caller,
    Path(person_id): Path<i64>,
) -> Result<Response, ApiError> {
    let id = caller
        .run(&state, move |ctx| Ok(status::reveal(ctx, person_id)?))
        .await?;
    // The one answer with a full ID (audited by the use case): not masked.
    Ok(axum::Json(json!({"person_id": person_id, "citizen_id": id})).into_response())
}

pub async fn decide(
    AxState(state): Shared,
    caller: Caller,
    Path(person_id): Path<i64>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let e = caller
        .run(&state, move |ctx| {
            // The person first: another county's is refused before its form is read.
            let id = status::citizen_id_of(ctx, person_id)?;
            let decision = body.need("decision").map_err(|e| e.0)?;
            let decision = Decision::parse(&decision)
                .filter(|d| *d != Decision::Receiving)
                .ok_or_else(|| {
                    bad(
                        "decision",
                        format!("“{decision}”应为 suspended（暂停）、resumed（恢复）或 terminated（终止）"),
                    )
                    .0
                })?;
            let date = body
                .date("date")
                .map_err(|e| e.0)?
                .ok_or_else(|| bad("date", "必须给出生效日期 YYYY-MM-DD").0)?;
            let reason = body.text("reason").map_err(|e| e.0)?;
            Ok(status::record(ctx, &id, decision, reason.as_deref(), date)?)
        })
        .await?;
    Ok(reply(&caller.actor, e))
}

#[derive(Deserialize)]
pub struct OutreachQuery {
    year: Option<i32>,
    #[serde(default)]
    county: String,
    age_from: Option<i32>,
    age_to: Option<i32>,
    #[serde(default)]
    place: String,
}

pub async fn outreach(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<OutreachQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let name = format!("待动员人员名单-{year}.xlsx");
    let n = name.clone();
    let bytes = caller
        .run(&state, move |ctx| {
            let mut sink = yanglao_ops::files::MemorySink::default();
            let filter = yanglao_ops::evaluation::enrolment::OutreachFilter {
                county: Some(q.county).filter(|c| !c.is_empty()),
                age_from: q.age_from,
                age_to: q.age_to,
                place: Some(q.place).filter(|p| !p.trim().is_empty()),
            };
            yanglao_ops::evaluation::enrolment::outreach_filtered(
                ctx, year, &filter, &mut sink, &n,
            )?;
            Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
        })
        .await?;
    Ok(download(bytes, XLSX, &name))
}
