//! The payroll pages (待遇发放): the month's state and deadline in every county of the account,
//! the month's awards and run, a payroll with its anomalies, lines and actions — clearing the
//! lines no longer payable, approval by a second account with the reviewer role (never the
//! maker), the export and download of the plan and the bank files — and, for lines the bank
//! returned, the supplementary payroll. The bank's return file is an import (数据导入).

use crate::api::Caller;
use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::sorting::{self, col, num, plain, Head};
use crate::state::State;
use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_domain::{format_yuan_grouped, Month};
use yanglao_ops::access::{allowed, county_label, Action};
use yanglao_ops::ledger::{masked_account, masked_id};
use yanglao_ops::payroll::{self, Kind};
use yanglao_ops::reads::{self, Filter, PageRequest};

type Shared = AxState<Arc<State>>;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn month_or_now(m: Option<&str>) -> Result<Month, String> {
    match m.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(Month::of(today())),
        Some(m) => Month::parse(m).map_err(|_| format!("月份“{m}”应为 YYYY-MM 格式，如 2024-01")),
    }
}

/// A county's month as the pages say it: paid when (late or not), or the days to the deadline;
/// and its class (`late`, `done`, `soon`).
pub fn progress(s: &payroll::CountyStatus) -> (String, &'static str) {
    let when = match s.paid_date {
        Some(d) => format!("{d} 发放{}", if s.late { "（逾期）" } else { "" }),
        None if s.days_left >= 0 => format!("距期限 {} 天", s.days_left),
        None => format!("已逾期 {} 天", -s.days_left),
    };
    let class = match (s.paid_date, s.days_left) {
        (Some(_), _) if s.late => "late",
        (Some(_), _) => "done",
        (None, d) if d < 0 => "late",
        (None, d) if d <= 3 => "soon",
        _ => "",
    };
    (when, class)
}

/// "2024年1月".
pub fn month_zh(m: Month) -> String {
    use chrono::Datelike;
    let d = m.first_day();
    format!("{}年{}月", d.year(), d.month())
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    pub month: Option<String>,
}

pub struct CountyRow {
    pub county: String,
    pub code: String,
    pub state: String,
    pub deadline: String,
    pub when: String,
    pub urgency: &'static str,
    pub payroll_id: Option<i64>,
}

pub struct PayrollRow {
    pub id: i64,
    pub county: String,
    pub kind: &'static str,
    pub seq: i64,
    pub status: String,
    pub lines: i64,
    pub total: String,
    pub run_by: String,
    pub approved_by: String,
}

fn kind_zh(k: &str) -> &'static str {
    if k == "supplementary" {
        "补发"
    } else {
        "正常发放"
    }
}

fn payroll_row(s: &payroll::Summary) -> PayrollRow {
    PayrollRow {
        id: s.id,
        county: county_label(&s.county),
        kind: kind_zh(&s.kind),
        seq: s.seq,
        status: payroll::status_zh(&s.status).to_string(),
        lines: s.lines,
        total: format_yuan_grouped(s.total_fen),
        run_by: s.run_by.clone(),
        approved_by: s.approved_by.clone().unwrap_or_else(|| "—".into()),
    }
}

#[derive(Template)]
#[template(path = "payroll_month.html")]
struct MonthPage {
    chrome: Chrome,
    month: String,
    month_zh: String,
    counties: Vec<CountyRow>,
    payrolls: Vec<PayrollRow>,
    may_run: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn month_page(
    state: &Arc<State>,
    signed: &Signed,
    month: Month,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (statuses, list) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let s = payroll::status(ctx, month, today())?;
                let l = payroll::list(ctx, Some(month))?;
                Ok((s, l))
            },
        )
        .await?;
    let counties = statuses
        .iter()
        .map(|s| CountyRow {
            county: county_label(&s.county),
            code: s.county.clone(),
            state: payroll::status_zh(&s.state).to_string(),
            deadline: s.deadline.to_string(),
            when: progress(s).0,
            urgency: progress(s).1,
            payroll_id: s.payroll_id,
        })
        .collect();
    let page = MonthPage {
        chrome: Chrome::of(signed),
        month: month.to_string(),
        month_zh: month_zh(month),
        counties,
        payrolls: list.iter().map(payroll_row).collect(),
        may_run: allowed(signed.session.actor.role, Action::Payroll),
        notice,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

fn done_zh(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "approved" => "发放批次已审核。",
            "refreshed" => "已移出不可发放的行。",
            _ => return None,
        }
        .to_string(),
    )
}

/// The month: every county's state and deadline, the month's payrolls, and the month's actions.
pub async fn month(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    match month_or_now(q.month.as_deref()) {
        Ok(m) => month_page(&state, &signed, m, None, None, StatusCode::OK).await,
        Err(e) => {
            month_page(
                &state,
                &signed,
                Month::of(today()),
                None,
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub what: String,
}

/// The month's actions: the awards (核定待遇), the regular run, the supplementary run for lines
/// the bank returned. A refusal of the role or county is a 403 page; any other refusal comes back
/// to the month's page with its message.
pub async fn run(
    AxState(state): Shared,
    signed: Signed,
    axum::Form(f): axum::Form<RunForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let month = match month_or_now(Some(&f.month)) {
        Ok(m) => m,
        Err(e) => {
            return month_page(
                &state,
                &signed,
                Month::of(today()),
                None,
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let county = Some(f.county.trim().to_string()).filter(|c| !c.is_empty());
    let what = f.what.clone();
    let kind = if f.kind == "supplementary" {
        Kind::Supplementary
    } else {
        Kind::Regular
    };
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| -> Result<String, WebError> {
                if what == "awards" {
                    let o = payroll::awards::run(ctx, month, county.as_deref())?;
                    return Ok(format!(
                        "{} 待遇核定完成：新核定 {} 人。",
                        month_zh(month),
                        o.awarded
                    ));
                }
                let o = payroll::run(ctx, month, county.as_deref(), kind, &|_, _, _| {})?;
                if o.payrolls.is_empty() {
                    return Ok(format!(
                        "{} 没有需要{}的人员，未生成批次。",
                        month_zh(month),
                        if kind == Kind::Supplementary {
                            "补发"
                        } else {
                            "发放"
                        }
                    ));
                }
                let parts: Vec<String> = o
                    .payrolls
                    .iter()
                    .map(|p| {
                        let anomalies = o.anomalies.get(&p.id).copied().unwrap_or(0);
                        format!(
                            "{} 批次 {}{}：{} 人，{} 元{}",
                            county_label(&p.county),
                            p.id,
                            if p.existed {
                                "（此前已生成）"
                            } else {
                                ""
                            },
                            p.lines,
                            format_yuan_grouped(p.total_fen),
                            if anomalies > 0 {
                                format!("，{anomalies} 项异常待处理")
                            } else {
                                String::new()
                            }
                        )
                    })
                    .collect();
                Ok(format!("已生成发放批次：{}。", parts.join("；")))
            },
        )
        .await;
    match r {
        Ok(notice) => month_page(&state, &signed, month, Some(notice), None, StatusCode::OK).await,
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let msg = format!("{}（{}）", e.message, e.code);
            month_page(
                &state,
                &signed,
                month,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PayrollQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
    pub done: Option<String>,
}

pub struct LineRow {
    pub line_no: i64,
    pub citizen_id: String,
    pub name: String,
    pub months: String,
    pub total: String,
    pub bank: String,
    pub status: String,
    pub paid: String,
}

pub struct AnomalyRow {
    pub code: String,
    pub line_no: String,
    pub citizen_id: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "payroll.html")]
struct PayrollPage {
    chrome: Chrome,
    p: PayrollRow,
    month: String,
    month_zh: String,
    status_key: String,
    paid_date: String,
    excluded: Vec<(String, i64)>,
    anomalies: Vec<AnomalyRow>,
    lines: Vec<LineRow>,
    total_lines: i64,
    page: i64,
    pages: i64,
    heads: Vec<Head>,
    prev: String,
    next: String,
    sort: String,
    status_filter: String,
    q: String,
    may_approve: bool,
    may_work: bool,
    maker: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn excluded_zh(reason: &str) -> String {
    match reason {
        "deceased" => "已去世",
        "suspended" => "暂停发放",
        "terminated" => "已终止",
        "no_bank_account" => "无银行账户",
        "uncertified" => "未按期认证",
        other => other,
    }
    .to_string()
}

async fn payroll_page(
    state: &Arc<State>,
    signed: &Signed,
    id: i64,
    q: PayrollQuery,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = Filter {
        status: Some(q.status.trim().to_string()).filter(|s| !s.is_empty()),
        text: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        sort: Some(q.sort.trim().to_string()).filter(|s| !s.is_empty()),
        ..Filter::default()
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: 50,
    };
    let path = format!("/payroll/{id}");
    let pairs = [("status", q.status.as_str()), ("q", q.q.as_str())];
    let at = |n: i64| {
        let n = n.to_string();
        sorting::url(&path, &pairs, &[("sort", &q.sort), ("page", &n)])
    };
    let actor = signed.actor();
    let (summary, anomalies, lines) = state
        .with_ctx(actor.clone(), signed.from.address.to_string(), move |ctx| {
            let s = ctx
                .db
                .read_transaction(|tx| payroll::summary_in_scope(tx, &actor, id, false))?;
            let a = if s.status == "draft" || s.status == "approved" {
                payroll::check(ctx, id, payroll::DEFAULT_THRESHOLD_PCT)?
            } else {
                Vec::new()
            };
            let l = reads::payroll_lines(ctx, id, &f, req)?;
            Ok((s, a, l))
        })
        .await?;
    let role = signed.session.actor.role;
    let page = PayrollPage {
        chrome: Chrome::of(signed),
        p: payroll_row(&summary),
        month: summary.month.to_string(),
        month_zh: month_zh(summary.month),
        status_key: summary.status.clone(),
        paid_date: summary.paid_date.map(|d| d.to_string()).unwrap_or_default(),
        excluded: summary
            .excluded
            .iter()
            .map(|(k, n)| (excluded_zh(k), *n))
            .collect(),
        anomalies: anomalies
            .iter()
            .map(|a| AnomalyRow {
                code: a.code.to_string(),
                line_no: a.line_no.map(|n| n.to_string()).unwrap_or_default(),
                citizen_id: masked_id(&a.citizen_id),
                message: a.message.clone(),
            })
            .collect(),
        lines: lines
            .items
            .iter()
            .map(|l| LineRow {
                line_no: l.line_no,
                citizen_id: masked_id(&l.citizen_id),
                name: l.name.clone(),
                months: if l.from_month == l.to_month {
                    month_zh(l.from_month)
                } else {
                    format!(
                        "{} 至 {}（{} 个月）",
                        month_zh(l.from_month),
                        month_zh(l.to_month),
                        l.months
                    )
                },
                total: format_yuan_grouped(l.total_fen),
                bank: format!("{} {}", l.bank_name, masked_account(&l.bank_account)),
                status: match &l.fail_reason {
                    Some(r) => format!("{}：{r}", payroll::line_status_zh(&l.status)),
                    None => payroll::line_status_zh(&l.status).to_string(),
                },
                paid: l.paid_date.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        total_lines: lines.total,
        page: lines.page,
        pages: lines.pages,
        heads: sorting::heads(
            &path,
            &pairs,
            &q.sort,
            &[
                col("行", "line_no"),
                plain("身份证号"),
                col("姓名", "name"),
                col("所属月份", "months"),
                num("金额（元）", "total"),
                plain("银行账户"),
                col("状态", "status"),
                plain("到账日期"),
            ],
        ),
        prev: at(lines.page - 1),
        next: at(lines.page + 1),
        sort: q.sort.clone(),
        status_filter: q.status.clone(),
        q: q.q.clone(),
        may_approve: allowed(role, Action::ApprovePayroll),
        may_work: allowed(role, Action::Payroll),
        maker: summary.run_by_user == Some(signed.session.actor.user_id),
        notice: notice.or_else(|| done_zh(q.done.as_deref())),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// A payroll: its summary, anomalies, lines and actions.
pub async fn show(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<i64>,
    Query(q): Query<PayrollQuery>,
) -> Result<Response, WebError> {
    payroll_page(&state, &signed, id, q, None, None, StatusCode::OK).await
}

/// A payroll's action — approve, clear the lines no longer payable — then back to its page.
pub async fn act(
    AxState(state): Shared,
    signed: Signed,
    Path((id, action)): Path<(i64, String)>,
    axum::Form(f): axum::Form<crate::pages::CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let a = action.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| -> Result<(), WebError> {
                match a.as_str() {
                    "approve" => {
                        payroll::approve(ctx, id)?;
                    }
                    "refresh" => {
                        payroll::refresh(ctx, id)?;
                    }
                    _ => return Err(WebError::of_status(StatusCode::NOT_FOUND)),
                }
                Ok(())
            },
        )
        .await;
    match r {
        Ok(()) => {
            let done = if action == "approve" {
                "approved"
            } else {
                "refreshed"
            };
            Ok(Redirect::to(&format!("/payroll/{id}?done={done}")).into_response())
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => {
            let msg = format!("{}（{}）", e.message, e.code);
            payroll_page(
                &state,
                &signed,
                id,
                PayrollQuery::default(),
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub file: String,
}

/// Exports an approved payroll and downloads it: every file in one zip archive, or one file. The
/// files hold full IDs and bank accounts, as the bank needs them; each export is audited.
pub async fn export(
    AxState(state): Shared,
    signed: Signed,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ExportForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let caller = Caller {
        actor: signed.actor(),
        from: signed.from.clone(),
    };
    crate::api::payroll::export_files(&state, &caller, id, Some(f.file))
        .await
        .map_err(|e| e.0)
}
