//! Deaths and recovery through the API: the review queue and its decisions, disagreements between
//! sources, recovery cases and their steps, inheritance payments, the year's figures. Death
//! records are an import (`/api/v1/imports/deaths`, with their source).

use super::{bad, reply, ApiError, Caller, JsonBody, Shared};
use axum::extract::{Path, Query, State as AxState};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use yanglao_ops::deaths;
use yanglao_ops::reads;

#[derive(Deserialize)]
pub struct ReviewQuery {
    status: Option<String>,
    county: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The records waiting for review, or (`status`) those decided, with who decided and why.
pub async fn reviews(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, ApiError> {
    let req = super::page_request(q.page, q.per_page);
    let filter = reads::Filter {
        status: q.status.filter(|s| !s.is_empty()),
        county: q.county.filter(|s| !s.is_empty()),
        text: q.q.filter(|s| !s.is_empty()),
        sort: q.sort.filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let p = caller
        .run(&state, move |ctx| {
            Ok(reads::death_reviews(ctx, &filter, req)?)
        })
        .await?;
    Ok(reply(&caller.actor, p))
}

/// Confirms (the death is applied on `date`) or rejects a record awaiting review.
pub async fn decide(
    AxState(state): Shared,
    caller: Caller,
    Path(record_id): Path<i64>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let confirm = body
        .flag("confirm")?
        .ok_or_else(|| bad("confirm", "必须给出 true（确认死亡）或 false（不是此人）"))?;
    let date = body.date("date")?;
    if confirm && date.is_none() {
        return Err(bad(
            "date",
            "确认死亡须给出确认日期 YYYY-MM-DD（其影响记在这一天）",
        ));
    }
    let reason = body.text("reason")?;
    if !confirm && reason.is_none() {
        return Err(bad(
            "reason",
            "驳回死亡记录须写明理由（如“经核实为同名他人”）",
        ));
    }
    let (message, applied) = caller
        .run(&state, move |ctx| {
            Ok(deaths::review_decide(
                ctx,
                record_id,
                confirm,
                date,
                reason.as_deref(),
            )?)
        })
        .await?;
    let status = if confirm { "confirmed" } else { "rejected" };
    Ok(reply(
        &caller.actor,
        json!({"record_id": record_id, "status": status, "status_zh": deaths::match_status_zh(status), "message": message, "applied": applied}),
    ))
}

pub async fn disagreements(AxState(state): Shared, caller: Caller) -> Result<Response, ApiError> {
    let list = caller
        .run(&state, move |ctx| Ok(deaths::disagreements(ctx)?))
        .await?;
    Ok(reply(&caller.actor, list))
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn figures(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    if let Some(y) = q.year {
        super::year_of("year", Some(y))?;
    }
    let list = caller
        .run(&state, move |ctx| Ok(deaths::figures(ctx, q.year)?))
        .await?;
    Ok(reply(&caller.actor, list))
}

#[derive(Deserialize)]
pub struct CasesQuery {
    status: Option<String>,
    county: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn cases(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<CasesQuery>,
) -> Result<Response, ApiError> {
    let status = q.status.filter(|s| !s.is_empty());
    if let Some(s) = status
        .as_deref()
        .filter(|s| !["open", "closed"].contains(s))
    {
        return Err(bad(
            "status",
            format!("“{s}”应为 open（在办）或 closed（已结）"),
        ));
    }
    let f = reads::Filter {
        status,
        county: q.county.filter(|c| !c.is_empty()),
        text: q.q.filter(|t| !t.is_empty()),
        sort: q.sort.filter(|s| !s.is_empty()),
        ..reads::Filter::default()
    };
    let req = super::page_request(q.page, q.per_page);
    let p = caller
        .run(&state, move |ctx| Ok(reads::recovery_cases(ctx, &f, req)?))
        .await?;
    Ok(reply(&caller.actor, p))
}

pub async fn case(
    AxState(state): Shared,
    caller: Caller,
    Path(case_id): Path<i64>,
) -> Result<Response, ApiError> {
    let h = caller
        .run(&state, move |ctx| Ok(deaths::recovery::show(ctx, case_id)?))
        .await?;
    Ok(reply(&caller.actor, h))
}

/// An amount in yuan (`12.50`), as fen.
fn fen_of(body: &JsonBody, k: &str) -> Result<i64, ApiError> {
    let text = body.need(k)?;
    yanglao_domain::parse_yuan_to_fen(&text)
        .map_err(|_| bad(k, format!("“{text}”应为以元为单位、至多两位小数的金额")))
}

/// Records a recovery step: the channel (bank deduction, offset, family refund, hand-over to
/// enforcement, write-off), the amount and the date.
pub async fn step(
    AxState(state): Shared,
    caller: Caller,
    Path(case_id): Path<i64>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let channel = body.need("channel")?;
    let amount = fen_of(&body, "amount_yuan")?;
    let date = body
        .date("date")?
        .ok_or_else(|| bad("date", "必须给出日期 YYYY-MM-DD"))?;
    let note = body.text("note")?;
    let s = caller
        .run(&state, move |ctx| {
            Ok(deaths::recovery::record(
                ctx,
                case_id,
                &channel,
                amount,
                date,
                note.as_deref(),
            )?)
        })
        .await?;
    Ok(reply(&caller.actor, s))
}

/// Pays a deceased person's account balance to the heir (an outstanding overpayment offset
/// first).
pub async fn inheritance(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let person = body.need("citizen_id")?;
    let heir_name = body.need("heir_name")?;
    let heir_id = body.need("heir_id")?;
    let heir_bank = body.need("heir_bank")?;
    let heir_account = body.need("heir_account")?;
    let date = body
        .date("date")?
        .ok_or_else(|| bad("date", "必须给出支付日期 YYYY-MM-DD"))?;
    let o = caller
        .run(&state, move |ctx| {
            Ok(deaths::inheritance::pay_inheritance(
                ctx,
                &person,
                &heir_name,
                &heir_id,
                &heir_bank,
                &heir_account,
                date,
            )?)
        })
        .await?;
    Ok(reply(&caller.actor, o))
}
