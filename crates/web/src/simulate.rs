//! The policy simulator's pages (政策测算): a resident's comparison form (scheme, tier, age, sex,
//! years, and a reform scenario) with the result tables and charts; the report's three
//! comparisons; the fund's forecast with and without a reform. The fields are read by the same
//! code as the command line's and the API's (`yanglao_sim::request`). Reading only: the forms are
//! GET, so a result's address can be kept and sent on.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::state::State;
use askama::Template;
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_sim::output::{self as out, Cell};
use yanglao_sim::{compare, request};

type Shared = AxState<Arc<State>>;

#[derive(Deserialize, Default, Clone)]
pub struct SimQuery {
    #[serde(default)]
    pub run: String,
    #[serde(default)]
    pub scheme: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub supplementary_tier: String,
    #[serde(default)]
    pub base_ratio: String,
    #[serde(default)]
    pub years: String,
    #[serde(default)]
    pub start_age: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub start_year: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub life_expectancy: String,
    #[serde(default)]
    pub discount_rate: String,
    #[serde(default)]
    pub fund_years: String,
}

pub struct TableView {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<(String, bool)>>,
}

#[derive(Template)]
#[template(path = "simulate.html")]
struct SimulatePage {
    chrome: Chrome,
    q: SimQuery,
    title: String,
    notes: Vec<String>,
    findings: Vec<(bool, String)>,
    tables: Vec<TableView>,
    /// SVG drawn by the simulator (its text escaped there).
    charts: Vec<String>,
    error: Option<String>,
    city_wide: bool,
}

fn view(p: &out::Page) -> (Vec<TableView>, Vec<String>) {
    let tables = p
        .tables
        .iter()
        .map(|t| TableView {
            title: t.title.clone(),
            header: t.header.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Cell::Text(s) => (s.clone(), false),
                            Cell::Yuan(f) => (yanglao_domain::format_yuan_grouped(*f), true),
                            other => (other.text(), true),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    (tables, p.charts.iter().map(out::svg).collect())
}

fn scenario(name: &str) -> Result<Option<yanglao_policy::Scenario>, String> {
    let source = match name {
        "" => return Ok(None),
        "reform-2027" => compare::REFORM_2027,
        "finer-tiers" => compare::FINER_TIERS,
        other => return Err(format!("没有“{other}”这个改革情景")),
    };
    yanglao_policy::parse_scenario_str(source)
        .map(Some)
        .map_err(|_| "系统自带的改革情景无法读取".to_string())
}

fn sim_err(e: yanglao_sim::SimError) -> String {
    format!("{}（{}）", e.message, e.code)
}

/// The simulation a query asks for (none when it asks for nothing yet).
fn simulate(ctx: &mut yanglao_ops::Ctx, q: &SimQuery) -> Result<Option<out::Page>, String> {
    use chrono::Datelike;
    let p = crate::api::evaluation::policies(ctx, request::DEFAULT_REGION.into());
    let sc = scenario(q.scenario.trim())?;
    let num = |s: &str, what: &str| -> Result<Option<f64>, String> {
        match s.trim() {
            "" => Ok(None),
            t => t
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("{what}“{t}”应为数字")),
        }
    };
    let discount = num(&q.discount_rate, "贴现率")?.unwrap_or(0.03);
    let life = num(&q.life_expectancy, "预期寿命")?.map(|l| l as u32);
    let a = request::assumptions(discount, life, None).map_err(sim_err)?;
    let year = match q.start_year.trim() {
        "" => chrono::Local::now().date_naive().year(),
        t => t
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| format!("首次缴费年度“{t}”应为四位数的年份"))?,
    };
    match q.run.as_str() {
        "person" => {
            let mut pairs = vec![("scheme".to_string(), q.scheme.clone())];
            for (k, v) in [
                ("tier", &q.tier),
                ("supplementary-tier", &q.supplementary_tier),
                ("base-ratio", &q.base_ratio),
                ("years", &q.years),
                ("start-age", &q.start_age),
                ("sex", &q.sex),
            ] {
                pairs.push((k.to_string(), v.clone()));
            }
            let c = request::CaseSpec::from_pairs("测算方案".into(), pairs)
                .and_then(|s| s.case(&p, year))
                .map_err(sim_err)?;
            let r = request::person(&p, &c, &a, sc.as_ref()).map_err(sim_err)?;
            Ok(Some(out::results_page(
                &format!("居民测算：{}", c.label),
                request::notes(&p, &a, sc.as_ref()),
                &r,
            )))
        }
        "compare" => {
            let presets = request::presets(Some("all"), false).map_err(sim_err)?;
            let list =
                request::comparisons(&p, &a, year, &presets, &[], sc.as_ref()).map_err(sim_err)?;
            let page = request::comparisons_page(
                "评价报告的三项比较",
                request::notes(&p, &a, sc.as_ref()),
                &list,
            );
            Ok(Some(page))
        }
        "fund" => {
            let years = match q.fund_years.trim() {
                "" => 30,
                t => t
                    .parse::<u32>()
                    .map_err(|_| format!("预测年数“{t}”应为 1 到 100 的整数"))?,
            };
            let mortality = yanglao_sim::mortality::Mortality::illustrative();
            let f = yanglao_ops::books::projection::forecast(
                ctx,
                &p,
                &mortality,
                &yanglao_ops::books::projection::ForecastRequest {
                    years,
                    base_year: None,
                    fund_yield: None,
                    heirs_claim_share: None,
                    scenario: sc.as_ref(),
                    back_test: false,
                },
            )
            .map_err(|e| format!("{}（{}）", e, e.code()))?;
            let mut notes = request::policy_notes(&p, sc.as_ref());
            notes.push(request::fund_assumptions_line(
                &f.projections[0],
                &mortality,
            ));
            notes.push(format!(
                "基期：{} 年末登记库与账簿（参保未领取 {} 人，领取 {} 人）；封闭人群预测，不含新参保。",
                f.base_year, f.insured, f.recipients
            ));
            Ok(Some(out::fund_page(
                "基金中长期预测",
                notes,
                &f.projections,
            )))
        }
        _ => Ok(None),
    }
}

/// The forms, and the result of the one sent.
pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<SimQuery>,
) -> Result<Response, WebError> {
    let query = q.clone();
    let result = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(simulate(ctx, &query)),
        )
        .await?;
    let mut page = SimulatePage {
        chrome: Chrome::of(&signed),
        q,
        title: String::new(),
        notes: Vec::new(),
        findings: Vec::new(),
        tables: Vec::new(),
        charts: Vec::new(),
        error: None,
        city_wide: signed.session.actor.all_counties(),
    };
    let mut status = StatusCode::OK;
    match result {
        Ok(Some(p)) => {
            let (tables, charts) = view(&p);
            page.title = p.title;
            page.notes = p.notes;
            page.findings = p.findings;
            page.tables = tables;
            page.charts = charts;
        }
        Ok(None) => {}
        Err(e) => {
            page.error = Some(e);
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
    }
    Ok((status, render(&page)?).into_response())
}
