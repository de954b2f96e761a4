//! The fund pages (基金): the year's statement (a county's or the city's, downloadable as xlsx),
//! the interest check of every deposit against its agreement with each shortfall, and budget
//! execution by level and kind with the lines over budget or below the threshold flagged. Bank
//! agreements, statements, budgets and arrivals arrive as imports.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::Chrome;
use crate::state::State;
use askama::Template;
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;
use yanglao_domain::format_yuan_grouped as yuan;
use yanglao_ops::access::county_label;
use yanglao_ops::books::{bank, budget, fund};

type Shared = AxState<Arc<State>>;

#[derive(Deserialize, Default)]
pub struct FundQuery {
    pub year: Option<String>,
    #[serde(default)]
    pub county: String,
}

/// A line of the statement: its label, amount and indent (0: a total).
pub struct StatementLine {
    pub label: String,
    pub amount: String,
    pub level: u8,
}

pub struct ShortfallRow {
    pub county: String,
    pub bank: String,
    pub account: String,
    pub period: String,
    pub agreed: String,
    pub applied: String,
    pub expected: String,
    pub credited: String,
    pub shortfall: String,
    pub incomplete: bool,
}

pub struct ExecutionRow {
    pub level: String,
    pub kind: String,
    pub budget: String,
    pub arrived: String,
    pub spent: String,
    pub execution: String,
    pub arrival: String,
    pub flag: &'static str,
    pub flag_class: &'static str,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    chrome: Chrome,
    year: i32,
    county: String,
    scope: String,
    counties: Vec<(String, String)>,
    lines: Vec<StatementLine>,
    sustainability: String,
    shortfalls: Vec<ShortfallRow>,
    shortfall_total: String,
    execution: Vec<ExecutionRow>,
    threshold: String,
    error: Option<String>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |r| format!("{:.2}%", r * 100.0))
}

fn statement_lines(s: &fund::Statement) -> Vec<StatementLine> {
    let l = |label: &str, fen: i64, level: u8| StatementLine {
        label: label.to_string(),
        amount: yuan(fen),
        level,
    };
    let i = &s.income;
    let e = &s.expenditure;
    let by = |name: &str, b: &fund::ByLevel| {
        vec![
            l(name, b.total_fen(), 1),
            l("其中：省级", b.province_fen, 2),
            l("市级", b.city_fen, 2),
            l("县级", b.county_fen, 2),
        ]
    };
    let mut out = vec![
        l("上年滚存结余", s.brought_forward_fen, 0),
        l("本年收入", s.income_fen, 0),
        l("个人缴费", i.personal_contributions_fen, 1),
    ];
    out.extend(by("缴费补贴（入口补）", &i.entry_subsidy));
    out.push(l("政府代缴", i.government_paid_fen, 1));
    out.extend(by("待遇补贴（出口补）", &i.exit_subsidy));
    out.extend([
        l("利息收入", i.interest_fen, 1),
        l("转移收入", i.transfers_in_fen, 1),
        l("其他收入", i.other_fen, 1),
        l("本年支出", s.expenditure_fen, 0),
        l("个人账户养老金", e.account_pension_fen, 1),
        l("出口补贴支出", e.exit_subsidy_fen, 1),
        l("减：多发待遇转应收", -e.overpayments_reclassified_fen, 1),
        l("支付继承人", e.paid_to_heirs_fen, 1),
        l("转移支出", e.transfers_out_fen, 1),
        l("本年收支结余", s.surplus_fen, 0),
        l("年末滚存结余", s.closing_fen, 0),
    ]);
    out
}

fn year_of(y: Option<&str>) -> Result<i32, String> {
    crate::pages::year_param(y, crate::pages::this_year() - 1)
}

/// The statement, the interest check and budget execution of a year.
pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<FundQuery>,
) -> Result<Response, WebError> {
    let (year, error) = match year_of(q.year.as_deref()) {
        Ok(y) => (y, None),
        Err(e) => (crate::pages::this_year() - 1, Some(e)),
    };
    let county = Some(q.county.trim().to_string()).filter(|c| !c.is_empty());
    let actor = signed.actor();
    let c = county.clone();
    let (statement, shortfalls, execution, counties) = state
        .with_ctx(actor.clone(), signed.from.address.to_string(), move |ctx| {
            let s = fund::statement(ctx, year, c.as_deref())?;
            let sh = bank::interest_check(ctx, year)?;
            let ex = budget::execution(ctx, year, 0.9)?;
            let known = crate::pages::counties_for(ctx)?;
            Ok((s, sh, ex, known))
        })
        .await?;
    let scope = match &statement.county {
        Some(c) => county_label(c),
        None => "全市".to_string(),
    };
    let shortfall_total: i64 = shortfalls.iter().map(|s| s.shortfall_fen).sum();
    let exec_row = |l: &budget::ExecutionLine| ExecutionRow {
        level: if l.level.is_empty() {
            "合计".into()
        } else {
            budget::level_zh(&l.level).to_string()
        },
        kind: if l.kind.is_empty() {
            String::new()
        } else {
            budget::kind_zh(&l.kind).to_string()
        },
        budget: yuan(l.budget_fen),
        arrived: yuan(l.arrived_fen),
        spent: yuan(l.spent_fen),
        execution: pct(l.execution_rate),
        arrival: pct(l.arrival_rate),
        flag: match l.flag.as_str() {
            "over" => "超预算",
            "under" => "执行偏低",
            _ => "",
        },
        flag_class: match l.flag.as_str() {
            "over" => "bad",
            "under" => "warn",
            _ => "",
        },
    };
    let mut rows: Vec<ExecutionRow> = execution.lines.iter().map(exec_row).collect();
    if !execution.lines.is_empty() {
        let mut total = exec_row(&execution.total);
        total.level = "合计".into();
        total.kind = String::new();
        rows.push(total);
    }
    let page = FundPage {
        chrome: Chrome::of(&signed),
        year,
        county: county.clone().unwrap_or_default(),
        scope,
        counties,
        lines: statement_lines(&statement),
        sustainability: match (statement.months_of_expenditure, statement.years_at_trend) {
            (Some(m), Some(y)) => format!(
                "年末结余可支付 {m:.1} 个月的本年支出；按本年收支缺口，约 {y:.1} 年后用完。"
            ),
            (Some(m), None) => format!("年末结余可支付 {m:.1} 个月的本年支出；本年收大于支。"),
            _ => String::new(),
        },
        shortfalls: shortfalls
            .iter()
            .map(|s| ShortfallRow {
                county: county_label(&s.county),
                bank: s.bank.clone(),
                account: yanglao_ops::ledger::masked_account(&s.account),
                period: format!("{} 至 {}", s.period_start, s.period_end),
                agreed: format!("{:.2}%", s.agreed_rate),
                applied: format!("{:.2}%", s.applied_rate),
                expected: yuan(s.expected_fen),
                credited: yuan(s.credited_fen),
                shortfall: yuan(s.shortfall_fen),
                incomplete: s.incomplete,
            })
            .collect(),
        shortfall_total: yuan(shortfall_total),
        execution: rows,
        threshold: "90%".into(),
        error,
    };
    crate::pages::page_response(&page, page.error.is_some())
}

/// The statement as xlsx (the same as `yanglao fund statement --xlsx`).
pub async fn statement_xlsx(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<FundQuery>,
) -> Result<Response, WebError> {
    let year = year_of(q.year.as_deref())
        .map_err(|e| WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "E-YEAR", e))?;
    let county = Some(q.county.trim().to_string()).filter(|c| !c.is_empty());
    let name = match &county {
        Some(c) => format!("基金收支决算-{year}-{c}.xlsx"),
        None => format!("基金收支决算-{year}.xlsx"),
    };
    let n = name.clone();
    let bytes = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let s = fund::statement(ctx, year, county.as_deref())?;
                let mut sink = yanglao_ops::files::MemorySink::default();
                fund::write_xlsx(&s, &mut sink, &n)?;
                Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
            },
        )
        .await?;
    Ok(crate::api::download(bytes, crate::api::XLSX, &name))
}

pub struct AgreementRow {
    pub rate: String,
    pub basis: String,
    pub frequency: String,
    pub period: String,
    pub in_force: bool,
}

pub struct CreditRow {
    pub period: String,
    pub credited_on: String,
    pub amount: String,
}

pub struct AccountRow {
    pub county: String,
    pub bank: String,
    pub account: String,
    pub agreements: Vec<AgreementRow>,
    pub balances: String,
    pub credits: Vec<CreditRow>,
    pub credited: String,
}

#[derive(Template)]
#[template(path = "fund_bank.html")]
struct BankPage {
    chrome: Chrome,
    year: i32,
    accounts: Vec<AccountRow>,
    may_import: bool,
    error: Option<String>,
}

/// The fund's special accounts: each agreement (the one in force at the year's end marked), and
/// what the bank stated for the year — how many daily balances, the last, every interest credit.
pub async fn bank_page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<FundQuery>,
) -> Result<Response, WebError> {
    let (year, error) = match year_of(q.year.as_deref()) {
        Ok(y) => (y, None),
        Err(e) => (crate::pages::this_year() - 1, Some(e)),
    };
    let list = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(bank::accounts(ctx, year)?),
        )
        .await?;
    let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).expect("a checked year");
    let accounts = list
        .iter()
        .map(|a| AccountRow {
            county: county_label(&a.county),
            bank: a.bank_name.clone(),
            account: yanglao_ops::ledger::masked_account(&a.account_no),
            agreements: a
                .agreements
                .iter()
                .map(|g| AgreementRow {
                    rate: format!("{}%", g.rate_pct),
                    basis: format!("{} 天", g.day_basis),
                    frequency: bank::frequency_zh(&g.frequency).to_string(),
                    period: match g.to_date {
                        Some(t) => format!("{} 至 {t}", g.from_date),
                        None => format!("{} 起", g.from_date),
                    },
                    in_force: g.from_date <= year_end && g.to_date.is_none_or(|t| t >= year_end),
                })
                .collect(),
            balances: match a.last_balance {
                Some((d, fen)) => format!(
                    "{} 天的日终余额；最后一天 {d}：{} 元",
                    a.balance_days,
                    yuan(fen)
                ),
                None => "本年没有日终余额".into(),
            },
            credits: a
                .credits
                .iter()
                .map(|c| CreditRow {
                    period: format!("{} 至 {}", c.period_start, c.period_end),
                    credited_on: c.credited_on.to_string(),
                    amount: yuan(c.amount_fen),
                })
                .collect(),
            credited: yuan(a.credits.iter().map(|c| c.amount_fen).sum()),
        })
        .collect();
    let page = BankPage {
        chrome: Chrome::of(&signed),
        year,
        accounts,
        may_import: yanglao_ops::access::allowed(
            signed.session.actor.role,
            yanglao_ops::access::Action::BankBooks,
        ),
        error,
    };
    crate::pages::page_response(&page, page.error.is_some())
}

pub struct BudgetRow {
    pub level: String,
    pub kind: String,
    pub county: String,
    pub amount: String,
}

pub struct ArrivalRow {
    pub date: String,
    pub level: String,
    pub kind: String,
    pub county: String,
    pub amount: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "fund_budget.html")]
struct BudgetPage {
    chrome: Chrome,
    year: i32,
    budgets: Vec<BudgetRow>,
    budget_total: String,
    arrivals: Vec<ArrivalRow>,
    arrival_total: String,
    may_import: bool,
    error: Option<String>,
}

/// The year's subsidy budgets by level, kind and county, and every arrival of money with its
/// date and reference.
pub async fn budget_page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<FundQuery>,
) -> Result<Response, WebError> {
    let (year, error) = match year_of(q.year.as_deref()) {
        Ok(y) => (y, None),
        Err(e) => (crate::pages::this_year() - 1, Some(e)),
    };
    let (budgets, arrivals) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(budget::lines(ctx, year)?),
        )
        .await?;
    let where_ = |c: &str| {
        if c.is_empty() {
            "本级合计".to_string()
        } else {
            county_label(c)
        }
    };
    let page = BudgetPage {
        chrome: Chrome::of(&signed),
        year,
        budget_total: yuan(
            budgets
                .iter()
                .filter(|b| {
                    b.county.is_empty()
                        || !budgets
                            .iter()
                            .any(|w| w.county.is_empty() && w.level == b.level && w.kind == b.kind)
                })
                .map(|b| b.amount_fen)
                .sum(),
        ),
        budgets: budgets
            .iter()
            .map(|b| BudgetRow {
                level: budget::level_zh(&b.level).to_string(),
                kind: budget::kind_zh(&b.kind).to_string(),
                county: where_(&b.county),
                amount: yuan(b.amount_fen),
            })
            .collect(),
        arrival_total: yuan(arrivals.iter().map(|a| a.amount_fen).sum()),
        arrivals: arrivals
            .iter()
            .map(|a| ArrivalRow {
                date: a.arrived_on.to_string(),
                level: budget::level_zh(&a.level).to_string(),
                kind: budget::kind_zh(&a.kind).to_string(),
                county: where_(&a.county),
                amount: yuan(a.amount_fen),
                reference: a.reference.clone(),
            })
            .collect(),
        may_import: yanglao_ops::access::allowed(
            signed.session.actor.role,
            yanglao_ops::access::Action::Budget,
        ),
        error,
    };
    crate::pages::page_response(&page, page.error.is_some())
}
