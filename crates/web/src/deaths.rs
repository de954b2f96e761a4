//! Deaths and recovery pages (死亡比对与追回): the review queue with the record and its candidate
//! side by side (confirm with the decision's date, or reject with a reason), the records decided,
//! the deaths whose sources disagree; the recovery cases and each case with its overpayments, its
//! steps and the form that records one (bank deduction, offset against the inheritable balance,
//! family refund, hand-over to enforcement, write-off). Death records arrive as an import.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::sorting::{self, col, num, plain, plain_num, Head};
use crate::state::State;
use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_domain::format_yuan_grouped;
use yanglao_ops::access::{allowed, county_label, Action};
use yanglao_ops::deaths::{self, recovery};
use yanglao_ops::ledger::masked_id;
use yanglao_ops::reads::{self, Filter, PageRequest};

type Shared = AxState<Arc<State>>;

#[derive(Deserialize, Default)]
pub struct DeathsQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
    pub done: Option<String>,
    pub record: Option<i64>,
}

pub struct ReviewRow {
    pub record_id: i64,
    pub source: String,
    pub source_ref: String,
    pub name: String,
    pub citizen_id_raw: String,
    pub death_date: String,
    pub candidate_id: String,
    pub candidate_county: String,
    pub score: i64,
    pub decided: String,
    pub reason: String,
}

pub struct DisagreementRow {
    pub citizen_id: String,
    pub county: String,
    pub in_force: String,
    pub records: String,
}

#[derive(Template)]
#[template(path = "deaths.html")]
struct DeathsPage {
    chrome: Chrome,
    status: String,
    q: String,
    rows: Vec<ReviewRow>,
    total: i64,
    page: i64,
    pages: i64,
    sort: String,
    sorts: [(&'static str, &'static str); 5],
    prev: String,
    next: String,
    disagreements: Vec<DisagreementRow>,
    may_decide: bool,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

fn masked_raw(raw: &str) -> String {
    if raw.trim().is_empty() {
        "（无）".into()
    } else {
        masked_id(raw)
    }
}

async fn deaths_page(
    state: &Arc<State>,
    signed: &Signed,
    q: DeathsQuery,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let wanted = match q.status.trim() {
        "" => "review".to_string(),
        s => s.to_string(),
    };
    let f = Filter {
        status: Some(wanted.clone()),
        text: Some(q.q.trim().to_string()).filter(|t| !t.is_empty()),
        sort: Some(q.sort.trim().to_string()).filter(|s| !s.is_empty()),
        ..Filter::default()
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: 50,
    };
    let (list, disagreements) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let l = reads::death_reviews(ctx, &f, req)?;
                let d = deaths::disagreements(ctx)?;
                Ok((l, d))
            },
        )
        .await?;
    let rows = list
        .items
        .iter()
        .map(|i| ReviewRow {
            record_id: i.record_id,
            source: deaths::source_zh(&i.source).to_string(),
            source_ref: i.source_ref.clone(),
            name: i.name.clone(),
            citizen_id_raw: masked_raw(&i.citizen_id_raw),
            death_date: i.death_date.to_string(),
            candidate_id: masked_id(&i.candidate_citizen_id),
            candidate_county: county_label(&i.candidate_county),
            score: i.score,
            decided: match (&i.reviewed_by, i.reviewed_on) {
                (Some(by), Some(on)) => format!("{by}，{on}"),
                (Some(by), None) => by.clone(),
                _ => String::new(),
            },
            reason: i.review_reason.clone().unwrap_or_default(),
        })
        .collect();
    let disagreements = disagreements
        .iter()
        .map(|d| DisagreementRow {
            citizen_id: masked_id(&d.citizen_id),
            county: county_label(&d.county),
            in_force: format!("{}（{}）", d.death_date, deaths::source_zh(&d.source)),
            records: d
                .records
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        deaths::source_zh(r["source"].as_str().unwrap_or("")),
                        r["date"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect();
    let pairs = [("status", wanted.as_str()), ("q", q.q.as_str())];
    let at = |n: i64| {
        let n = n.to_string();
        sorting::url("/deaths", &pairs, &[("sort", &q.sort), ("page", &n)])
    };
    let page = DeathsPage {
        chrome: Chrome::of(signed),
        prev: at(list.page - 1),
        next: at(list.page + 1),
        status: wanted.clone(),
        q: q.q.clone(),
        rows,
        total: list.total,
        page: list.page,
        pages: list.pages,
        sort: q.sort.clone(),
        sorts: [
            ("", "按收到顺序"),
            ("-score", "匹配分数从高到低"),
            ("death_date", "死亡日期从早到晚"),
            ("source", "按来源"),
            ("name", "按姓名"),
        ],
        disagreements,
        may_decide: allowed(signed.session.actor.role, Action::ReviewDeaths),
        today: chrono::Local::now().date_naive().to_string(),
        notice: notice.or_else(|| match (q.done.as_deref(), q.record) {
            (Some("confirmed"), Some(r)) => Some(format!(
                "死亡记录 {r} 已确认并生效：此后的待遇停发，已发放的转为多发待遇并立案追回。"
            )),
            (Some("rejected"), Some(r)) => {
                Some(format!("死亡记录 {r} 已驳回，理由已记入记录与审计日志。"))
            }
            _ => None,
        }),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// The review queue (or, by status, the records decided) and the disagreements.
pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<DeathsQuery>,
) -> Result<Response, WebError> {
    deaths_page(&state, &signed, q, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub reason: String,
}

/// Confirms (the death applies on the decision's date) or rejects (with its reason) a record.
pub async fn decide(
    AxState(state): Shared,
    signed: Signed,
    Path(record_id): Path<i64>,
    axum::Form(f): axum::Form<DecideForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let confirm = f.decision == "confirm";
    let back = |message: String| {
        deaths_page(
            &state,
            &signed,
            DeathsQuery::default(),
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let date = match f.date.trim() {
        "" => None,
        d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return back(format!(
                    "确认日期“{d}”应为 YYYY-MM-DD 格式（E-DATE-FORMAT）"
                ))
                .await
            }
        },
    };
    let reason = Some(f.reason.trim().to_string()).filter(|r| !r.is_empty());
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                Ok(deaths::review_decide(
                    ctx,
                    record_id,
                    confirm,
                    date,
                    reason.as_deref(),
                )?)
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!(
            "/deaths?done={}&record={record_id}",
            if confirm { "confirmed" } else { "rejected" }
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => back(format!("记录 {record_id}：{}（{}）", e.message, e.code)).await,
    }
}

#[derive(Deserialize, Default)]
pub struct CasesQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
}

pub struct CaseRow {
    pub case_id: i64,
    pub person_id: i64,
    pub citizen_id: String,
    pub county: String,
    pub death_date: String,
    pub opened_on: String,
    pub overpaid: String,
    pub recovered: String,
    pub written_off: String,
    pub outstanding: String,
    pub status: &'static str,
}

fn case_status_zh(s: &str) -> &'static str {
    if s == "closed" {
        "已结"
    } else {
        "在办"
    }
}

fn case_row(c: &deaths::Case) -> CaseRow {
    CaseRow {
        case_id: c.case_id,
        person_id: c.person_id,
        citizen_id: masked_id(&c.citizen_id),
        county: county_label(&c.county),
        death_date: c.death_date.to_string(),
        opened_on: c.opened_on.to_string(),
        overpaid: format_yuan_grouped(c.overpaid_fen),
        recovered: format_yuan_grouped(c.recovered_fen),
        written_off: format_yuan_grouped(c.written_off_fen),
        outstanding: format_yuan_grouped(c.outstanding_fen),
        status: case_status_zh(&c.status),
    }
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct CasesPage {
    chrome: Chrome,
    status: String,
    q: String,
    cases: Vec<CaseRow>,
    total: i64,
    page: i64,
    pages: i64,
    heads: Vec<Head>,
    sort: String,
    prev: String,
    next: String,
}

/// The recovery cases, open or closed, by name or citizen ID.
pub async fn cases(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<CasesQuery>,
) -> Result<Response, WebError> {
    let status = match q.status.trim() {
        "" => "open".to_string(),
        "all" => String::new(),
        s => s.to_string(),
    };
    let f = Filter {
        status: Some(status.clone()).filter(|s| !s.is_empty()),
        text: Some(q.q.trim().to_string()).filter(|t| !t.is_empty()),
        sort: Some(q.sort.trim().to_string()).filter(|s| !s.is_empty()),
        ..Filter::default()
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: 50,
    };
    let list = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(reads::recovery_cases(ctx, &f, req)?),
        )
        .await?;
    let shown = if status.is_empty() {
        "all".to_string()
    } else {
        status
    };
    let pairs = [("status", shown.as_str()), ("q", q.q.as_str())];
    let at = |n: i64| {
        let n = n.to_string();
        sorting::url("/recovery", &pairs, &[("sort", &q.sort), ("page", &n)])
    };
    let page = CasesPage {
        chrome: Chrome::of(&signed),
        heads: sorting::heads(
            "/recovery",
            &pairs,
            &q.sort,
            &[
                plain("案件"),
                plain("身份证号"),
                col("县区", "county"),
                col("死亡日期", "death_date"),
                col("立案日期", "opened_on"),
                num("多发（元）", "overpaid"),
                plain_num("已追回"),
                plain_num("已核销"),
                num("待追回", "outstanding"),
                col("状态", "status"),
            ],
        ),
        sort: q.sort.clone(),
        prev: at(list.page - 1),
        next: at(list.page + 1),
        status: shown.clone(),
        q: q.q.clone(),
        cases: list.items.iter().map(case_row).collect(),
        total: list.total,
        page: list.page,
        pages: list.pages,
    };
    Ok(render(&page)?.into_response())
}

pub struct OverpaymentRow {
    pub payroll_id: i64,
    pub line_no: i64,
    pub months: i64,
    pub account: String,
    pub pool: String,
    pub exit: String,
    pub total: String,
}

pub struct StepRow {
    pub date: String,
    pub channel: String,
    pub amount: String,
    pub note: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseRow,
    open: bool,
    overpayments: Vec<OverpaymentRow>,
    steps: Vec<StepRow>,
    channels: Vec<(&'static str, &'static str)>,
    may_record: bool,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn case_page(
    state: &Arc<State>,
    signed: &Signed,
    case_id: i64,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let h = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(recovery::show(ctx, case_id)?),
        )
        .await?;
    let fen = |v: &serde_json::Value, k: &str| v[k].as_i64().unwrap_or(0);
    let page = CasePage {
        chrome: Chrome::of(signed),
        c: case_row(&h.case),
        open: h.case.status != "closed",
        overpayments: h
            .overpayments
            .iter()
            .map(|o| OverpaymentRow {
                payroll_id: fen(o, "payroll_id"),
                line_no: fen(o, "line_no"),
                months: fen(o, "months_after_death"),
                account: format_yuan_grouped(fen(o, "account_pension_fen")),
                pool: format_yuan_grouped(fen(o, "from_pool_fen")),
                exit: format_yuan_grouped(
                    fen(o, "exit_province_fen")
                        + fen(o, "exit_city_fen")
                        + fen(o, "exit_county_fen"),
                ),
                total: format_yuan_grouped(fen(o, "total_fen")),
            })
            .collect(),
        steps: h
            .steps
            .iter()
            .map(|s| StepRow {
                date: s["date"].as_str().unwrap_or("").to_string(),
                channel: recovery::channel_zh(s["channel"].as_str().unwrap_or("")).to_string(),
                amount: format_yuan_grouped(fen(s, "amount_fen")),
                note: s["note"].as_str().unwrap_or("").to_string(),
                by: s["recorded_by"].as_str().unwrap_or("").to_string(),
            })
            .collect(),
        channels: recovery::CHANNELS
            .iter()
            .map(|c| (*c, recovery::channel_zh(c)))
            .collect(),
        may_record: allowed(signed.session.actor.role, Action::Deaths),
        today: chrono::Local::now().date_naive().to_string(),
        notice,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// A recovery case: what was overpaid, line by line, and every step taken.
pub async fn case(
    AxState(state): Shared,
    signed: Signed,
    Path(case_id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let notice = q
        .get("done")
        .filter(|d| *d == "recorded")
        .map(|_| "已登记追回，记入账簿与审计日志。".to_string());
    case_page(&state, &signed, case_id, notice, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub note: String,
}

/// Records a step of a case; a bad field comes back to the case's page with its message.
pub async fn step(
    AxState(state): Shared,
    signed: Signed,
    Path(case_id): Path<i64>,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let back = |message: String| {
        case_page(
            &state,
            &signed,
            case_id,
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let amount = match yanglao_domain::parse_yuan_to_fen(f.amount.trim()) {
        Ok(a) => a,
        Err(_) => {
            return back(format!(
                "金额“{}”应为以元为单位、至多两位小数的数（E-AMOUNT-FORMAT）",
                f.amount.trim()
            ))
            .await
        }
    };
    let date = match chrono::NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            return back(format!(
                "日期“{}”应为 YYYY-MM-DD 格式（E-DATE-FORMAT）",
                f.date.trim()
            ))
            .await
        }
    };
    let note = Some(f.note.trim().to_string()).filter(|n| !n.is_empty());
    let channel = f.channel.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                Ok(recovery::record(
                    ctx,
                    case_id,
                    &channel,
                    amount,
                    date,
                    note.as_deref(),
                )?)
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/recovery/{case_id}?done=recorded")).into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => back(format!("{}（{}）", e.message, e.code)).await,
    }
}
