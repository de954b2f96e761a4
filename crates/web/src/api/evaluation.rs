//! The evaluation and the simulator through the API: the year's measurements, the scores (with an
//! evaluator's worksheet uploaded, or without: judgement indicators then stay unscored), the
//! worksheet template, the enrolment analysis, the policy comparisons and the fund forecast.

use super::{bad, download, reply, year_of, ApiError, Caller, JsonBody, Shared, XLSX};
use crate::errors::WebError;
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use yanglao_ops::evaluation;
use yanglao_sim::{compare, Policies};

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    from: Option<i32>,
    to: Option<i32>,
}

pub async fn measures(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let m = caller
        .run(&state, move |ctx| Ok(evaluation::measure(ctx, year)?))
        .await?;
    Ok(reply(&caller.actor, m))
}

/// Scores the year under the shipped framework; the worksheet, when uploaded (field `file`),
/// gives the judgement indicators their scores.
pub async fn evaluate(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    use axum::extract::FromRequest;
    let year = year_of("year", q.year)?;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let sheet = if multipart {
        let super::imports::Form(form) = super::imports::Form::from_request(req, &state).await?;
        Some(super::imports::read_form(form).await?.upload)
    } else {
        None
    };
    let v = caller
        .run(&state, move |ctx| {
            let fw = evaluation::default_framework()?;
            let o = evaluation::evaluate(ctx, year, fw, sheet.as_ref())?;
            Ok(o.to_json(year))
        })
        .await?;
    Ok(reply(&caller.actor, v))
}

pub async fn worksheet_template(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let year = year_of("year", q.year)?;
    let name = format!("评价工作底稿-{year}.xlsx");
    let n = name.clone();
    let bytes = caller
        .run(&state, move |ctx| {
            let fw = evaluation::default_framework()?;
            let m = evaluation::measure(ctx, year)?;
            let mut sink = yanglao_ops::files::MemorySink::default();
            evaluation::write_worksheet_template(&fw, &m, &mut sink, &n)?;
            Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
        })
        .await?;
    Ok(download(bytes, XLSX, &name))
}

pub async fn enrolment(
    AxState(state): Shared,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let from = year_of("from", q.from)?;
    let to = year_of("to", q.to)?;
    if from > to {
        return Err(bad("from", format!("起始年度 {from} 晚于截止年度 {to}")));
    }
    let list = caller
        .run(&state, move |ctx| {
            Ok(evaluation::enrolment::analyse(ctx, from, to)?)
        })
        .await?;
    Ok(reply(&caller.actor, list))
}

fn sim_error(e: yanglao_sim::SimError) -> WebError {
    WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code, e.message)
}

/// The policies a simulation runs under: the database's latest supplementary policy (the
/// shipped one when it has none), the shipped basic and employee policies.
fn policies(ctx: &yanglao_ops::Ctx, region: String) -> Policies {
    Policies {
        supplementary: ctx
            .policy
            .latest()
            .map(|v| v.set.clone())
            .unwrap_or_else(yanglao_policy::default_supplementary),
        basic: yanglao_policy::default_basic(),
        employee: yanglao_policy::default_employee(),
        region,
    }
}

/// The policy comparisons (a preset, or all of them): what a person pays and receives under
/// each scheme, with the findings.
pub async fn compare(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let preset = body.text("preset")?.unwrap_or_else(|| "all".into());
    let keys: Vec<&'static str> = if preset == "all" {
        compare::PRESETS.iter().map(|(k, _)| *k).collect()
    } else {
        vec![compare::PRESETS
            .iter()
            .find(|(k, _)| *k == preset)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                bad(
                    "preset",
                    format!(
                        "“{preset}”应为 all 或 {}",
                        compare::PRESETS
                            .iter()
                            .map(|(k, zh)| format!("{k}（{zh}）"))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
            })?]
    };
    let region = body.text("region")?.unwrap_or_else(|| "140300".into());
    if !yanglao_policy::is_valid_region(&region) {
        return Err(bad("region", format!("“{region}”应为 6 位行政区划代码")));
    }
    let discount_rate = match body.text("discount_rate")? {
        None => 0.03,
        Some(t) => t
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..1.0).contains(r))
            .ok_or_else(|| {
                bad(
                    "discount_rate",
                    format!("“{t}”应为 0 到 1 之间的小数（如 0.03）"),
                )
            })?,
    };
    let start_year = match body.text("start_year")? {
        None => chrono::Datelike::year(&chrono::Local::now().date_naive()),
        Some(t) => year_of("start_year", t.parse().ok())?,
    };
    let v = caller
        .run(&state, move |ctx| {
            let p = policies(ctx, region);
            let a = yanglao_sim::person::Assumptions {
                discount_rate,
                ..Default::default()
            };
            let list = keys
                .iter()
                .map(|k| compare::preset(k, &p, &a, start_year).map_err(sim_error))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({"comparisons": list}))
        })
        .await?;
    Ok(reply(&caller.actor, v))
}

/// The fund's forecast from the register's last year of contributions (or `base_year`), under
/// the current policy.
pub async fn fund(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let years = match body.text("years")? {
        None => 10,
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|y| (1..=60).contains(y))
            .ok_or_else(|| bad("years", format!("“{t}”应为 1 到 60 的整数")))?,
    };
    let base_year = body
        .text("base_year")?
        .map(|t| year_of("base_year", t.parse().ok()))
        .transpose()?;
    let v = caller
        .run(&state, move |ctx| {
            let p = policies(ctx, "140300".into());
            let base = match base_year {
                Some(y) => y,
                None => yanglao_ops::books::projection::last_contribution_year(ctx)?.ok_or_else(
                    || {
                        WebError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "E-SIM-NO-DATA",
                            "登记库中没有缴费数据，无法预测基金；请先导入人员与缴费",
                        )
                    },
                )?,
            };
            let snapshot = yanglao_ops::books::projection::snapshot(ctx, base)?;
            if snapshot.insured.is_empty() && snapshot.recipients.is_empty() {
                return Err(WebError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "E-SIM-NO-DATA",
                    format!("{base} 年末登记库中没有参保或领取人员，无法预测基金"),
                ));
            }
            let mortality = yanglao_sim::mortality::Mortality::illustrative();
            let projection = yanglao_sim::fund::project(
                &p,
                &snapshot,
                &mortality,
                &yanglao_sim::fund::Options {
                    years,
                    label: "现行政策".into(),
                    fund_yield: None,
                    heirs_claim_share: None,
                },
            )
            .map_err(sim_error)?;
            Ok(json!({"base_year": base, "projection": projection}))
        })
        .await?;
    Ok(reply(&caller.actor, v))
}
