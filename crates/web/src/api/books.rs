//! The fund and the budget through the API: the yearly statement (JSON or xlsx), the interest
//! check against the deposit agreements, budget execution by level and kind. Agreements, bank
//! statements, budgets and arrivals are imports.

use super::{bad, download, reply, year_of, ApiError, Caller, Shared, XLSX};
use axum::extract::{Query, State as AxState};
use axum::response::Response;
use serde::Deserialize;
use yanglao_ops::books::{bank, budget, fund};

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    county: Option<String>,
    threshold: Option<f64>,
}

pub async fn statement(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let county = q.county.filter(|c| !c.is_empty());
    let s = caller
        .run(&state, move |ctx| {
            Ok(fund::statement(ctx, year, county.as_deref())?)
        })
        .await?;
    Ok(reply(&caller.actor, s))
}

pub async fn statement_xlsx(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let county = q.county.filter(|c| !c.is_empty());
    let name = match &county {
        Some(c) => format!("基金收支决算-{year}-{c}.xlsx"),
        None => format!("基金收支决算-{year}.xlsx"),
    };
    let n = name.clone();
    let bytes = caller
        .run(&state, move |ctx| {
            let s = fund::statement(ctx, year, county.as_deref())?;
            let mut sink = yanglao_ops::files::MemorySink::default();
            fund::write_xlsx(&s, &mut sink, &n)?;
            Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
        })
        .await?;
    Ok(download(bytes, XLSX, &name))
}

pub async fn interest_check(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let list = caller
        .run(&state, move |ctx| Ok(bank::interest_check(ctx, year)?))
        .await?;
    Ok(reply(&caller.actor, list))
}

pub async fn execution(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let threshold = q.threshold.unwrap_or(0.9);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(bad(
            "threshold",
            format!("{threshold} 应在 0 到 1 之间（如 0.9 表示执行率低于 90% 的行予以标出）"),
        ));
    }
    let ex = caller
        .run(&state, move |ctx| {
            Ok(budget::execution(ctx, year, threshold)?)
        })
        .await?;
    Ok(reply(&caller.actor, ex))
}
