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
use yanglao_ops::books::projection;
use yanglao_ops::evaluation;
use yanglao_sim::mortality::Mortality;
use yanglao_sim::person::Assumptions;
use yanglao_sim::{compare, request, Policies};

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
pub fn policies(ctx: &yanglao_ops::Ctx, region: String) -> Policies {
    yanglao_ops::policy::simulation_policies(ctx, region)
}

/// What every simulation request may carry besides its own fields.
struct SimInputs {
    region: String,
    scenario: Option<yanglao_policy::Scenario>,
    mortality: Option<Mortality>,
    discount_rate: f64,
    life_expectancy: Option<u32>,
    start_year: i32,
}

fn sim_inputs(body: &JsonBody) -> Result<SimInputs, ApiError> {
    let region = body
        .text("region")?
        .unwrap_or_else(|| request::DEFAULT_REGION.into());
    request::region(&region).map_err(|e| sim_error(e).with_field("region"))?;
    let scenario = match body.text("scenario")? {
        None => None,
        Some(t) => Some(scenario_of(&t)?),
    };
    let mortality = match body.text("mortality")? {
        None => None,
        Some(t) => Some(
            Mortality::parse(&t, "mortality 字段")
                .map_err(|e| sim_error(e).with_field("mortality"))?,
        ),
    };
    let discount_rate = match body.text("discount_rate")? {
        None => 0.03,
        Some(t) => t.parse::<f64>().map_err(|_| {
            bad(
                "discount_rate",
                format!("“{t}”应为 0 到 1 之间的小数（如 0.03）"),
            )
        })?,
    };
    let life_expectancy = body
        .text("life_expectancy")?
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| bad("life_expectancy", format!("“{t}”应为整数（岁）")))
        })
        .transpose()?;
    let start_year = match body.text("start_year")? {
        None => chrono::Datelike::year(&chrono::Local::now().date_naive()),
        Some(t) => year_of("start_year", t.parse().ok())?,
    };
    Ok(SimInputs {
        region,
        scenario,
        mortality,
        discount_rate,
        life_expectancy,
        start_year,
    })
}

/// A shipped scenario by name, or a scenario file's text.
fn scenario_of(text: &str) -> Result<yanglao_policy::Scenario, ApiError> {
    let source = match text {
        "reform-2027" => compare::REFORM_2027,
        "finer-tiers" => compare::FINER_TIERS,
        other => other,
    };
    yanglao_policy::parse_scenario_str(source).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        ApiError(
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-SIM-SCENARIO",
                format!(
                    "改革情景（scenario 字段）无效：应为 reform-2027、finer-tiers 或情景文件的全文；{}",
                    list.join("；")
                ),
            )
            .with_field("scenario"),
        )
    })
}

impl SimInputs {
    fn assumptions(&mut self) -> Result<Assumptions, ApiError> {
        request::assumptions(
            self.discount_rate,
            self.life_expectancy,
            self.mortality.take(),
        )
        .map_err(|e| {
            let field = if e.code == "E-SIM-DISCOUNT" {
                "discount_rate"
            } else {
                "life_expectancy"
            };
            ApiError(sim_error(e).with_field(field))
        })
    }
}

/// The answer of a resident's view or a comparison: the comparisons, and the notes that say
/// under which parameters and assumptions they hold.
fn answer(
    comparisons: &[compare::Comparison],
    p: &Policies,
    a: &Assumptions,
    scenario: Option<&yanglao_policy::Scenario>,
) -> serde_json::Value {
    json!({"comparisons": comparisons, "notes": request::notes(p, a, scenario)})
}

/// One resident under a scheme (and under a reform scenario when given): what they pay, what
/// they receive, when they break even.
pub async fn person(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let mut inputs = sim_inputs(&body)?;
    let a = inputs.assumptions()?;
    let mut pairs = Vec::new();
    for k in ["scheme", "years", "start_age", "sex"] {
        pairs.push((k.to_string(), body.need(k)?));
    }
    for k in ["tier", "supplementary_tier", "base_ratio", "label"] {
        if let Some(v) = body.text(k)? {
            pairs.push((k.to_string(), v));
        }
    }
    let spec = request::CaseSpec::from_pairs("测算方案".into(), pairs).map_err(sim_error)?;
    let v = caller
        .run(&state, move |ctx| {
            let p = policies(ctx, inputs.region);
            let c = spec.case(&p, inputs.start_year).map_err(sim_error)?;
            let r = request::person(&p, &c, &a, inputs.scenario.as_ref()).map_err(sim_error)?;
            Ok(answer(&[r], &p, &a, inputs.scenario.as_ref()))
        })
        .await?;
    Ok(reply(&caller.actor, v))
}

/// The cases of a comparison: each a JSON object of case fields or a `key=value,…` text.
fn cases_of(body: &JsonBody) -> Result<Vec<request::CaseSpec>, ApiError> {
    let Some(v) = body.0.get("cases") else {
        return Ok(Vec::new());
    };
    let items = match v {
        serde_json::Value::Null => return Ok(Vec::new()),
        serde_json::Value::Array(a) => a,
        _ => return Err(bad("cases", "应为方案的数组")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| case_spec(i, item).map_err(|e| ApiError(sim_error(e).with_field("cases"))))
        .collect()
}

fn case_spec(
    i: usize,
    item: &serde_json::Value,
) -> Result<request::CaseSpec, yanglao_sim::SimError> {
    let what = format!("第 {} 个方案", i + 1);
    match item {
        serde_json::Value::String(s) => request::CaseSpec::parse(s),
        serde_json::Value::Object(o) => {
            let mut pairs = Vec::new();
            for (k, v) in o {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        return Err(yanglao_sim::SimError::new(
                            "E-SIM-CASE",
                            format!("{what}中“{k}”应为文字或数字"),
                        ))
                    }
                };
                pairs.push((k.clone(), text));
            }
            request::CaseSpec::from_pairs(what, pairs)
        }
        _ => Err(yanglao_sim::SimError::new(
            "E-SIM-CASE",
            format!(
                "{what}应为对象（如 {{\"scheme\": \"basic\", \"tier\": \"700\"}}）或“键=值,…”文字"
            ),
        )),
    }
}

/// The policy comparisons: the given cases side by side, and the presets (all of them when no
/// case is given), each again under a reform scenario when one is given.
pub async fn compare(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let mut inputs = sim_inputs(&body)?;
    let a = inputs.assumptions()?;
    let specs = cases_of(&body)?;
    let presets = request::presets(body.text("preset")?.as_deref(), !specs.is_empty())
        .map_err(|e| sim_error(e).with_field("preset"))?;
    let v = caller
        .run(&state, move |ctx| {
            let p = policies(ctx, inputs.region);
            let cases = specs
                .iter()
                .map(|s| s.case(&p, inputs.start_year))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| sim_error(e).with_field("cases"))?;
            let list = request::comparisons(
                &p,
                &a,
                inputs.start_year,
                &presets,
                &cases,
                inputs.scenario.as_ref(),
            )
            .map_err(sim_error)?;
            Ok(answer(&list, &p, &a, inputs.scenario.as_ref()))
        })
        .await?;
    Ok(reply(&caller.actor, v))
}

/// The fund's forecast from the register at the end of the base year (the last with
/// contributions unless given), under the current policy and a reform scenario when given,
/// with the back-test against the books of later years when asked.
pub async fn fund(
    AxState(state): Shared,
    caller: Caller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let inputs = sim_inputs(&body)?;
    let years = match body.text("years")? {
        None => 30,
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|y| (1..=100).contains(y))
            .ok_or_else(|| bad("years", format!("“{t}”应为 1 到 100 的整数")))?,
    };
    let base_year = body
        .text("base_year")?
        .map(|t| year_of("base_year", t.parse().ok()))
        .transpose()?;
    let rate = |k: &str| -> Result<Option<f64>, ApiError> {
        body.text(k)?
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|_| bad(k, format!("“{t}”应为小数（如 0.012）")))
            })
            .transpose()
    };
    let fund_yield = rate("fund_yield")?;
    let heirs_claim_share = rate("heirs_claim_share")?;
    request::fund_assumptions(fund_yield, heirs_claim_share).map_err(|e| {
        let field = if e.code == "E-SIM-FUND-YIELD" {
            "fund_yield"
        } else {
            "heirs_claim_share"
        };
        sim_error(e).with_field(field)
    })?;
    let back_test = body.flag("back_test")?.unwrap_or(false);
    let v = caller
        .run(&state, move |ctx| {
            let p = policies(ctx, inputs.region);
            let mortality = inputs.mortality.unwrap_or_else(Mortality::illustrative);
            let f = projection::forecast(
                ctx,
                &p,
                &mortality,
                &projection::ForecastRequest {
                    years,
                    base_year,
                    fund_yield,
                    heirs_claim_share,
                    scenario: inputs.scenario.as_ref(),
                    back_test,
                },
            )?;
            let mut notes = request::policy_notes(&p, inputs.scenario.as_ref());
            notes.push(request::fund_assumptions_line(
                &f.projections[0],
                &mortality,
            ));
            let mut v = serde_json::to_value(&f).unwrap_or_default();
            v["notes"] = json!(notes);
            Ok(v)
        })
        .await?;
    Ok(reply(&caller.actor, v))
}
