//! Looking people up: the list by name or citizen ID, and a person's page. Citizen IDs and bank
//! accounts are masked everywhere; a role allowed to (`access::may_reveal`) sees one ID in full by
//! asking, and the audit log records it.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome, CsrfForm};
use crate::sorting::{self, col, plain, Head};
use crate::state::State;
use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::access::{county_label, may_reveal};
use yanglao_ops::ledger::masked_id;
use yanglao_ops::reads::{self, Filter, PageRequest, PersonItem};
use yanglao_ops::register::status::{self, PersonView};

type Shared = AxState<Arc<State>>;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
}

/// A person as a row of the list, masked.
pub struct Row {
    pub person_id: i64,
    pub citizen_id: String,
    pub name: String,
    pub county: String,
    pub birth_date: String,
    pub basic: &'static str,
    pub status: &'static str,
}

/// The latest decision of a list's row, as people read it.
fn decision_zh(s: Option<&str>) -> &'static str {
    s.and_then(status::Decision::parse)
        .map_or("—", status::Decision::label_zh)
}

/// A birth date as a role sees it: in full for the roles that may see a full citizen ID, else
/// the year only (the masked ID hides the date; the date beside it would give it back).
pub fn birth(date: chrono::NaiveDate, full: bool) -> String {
    use chrono::Datelike;
    if full {
        date.to_string()
    } else {
        format!("{} 年", date.year())
    }
}

pub fn row(p: &PersonItem, full: bool) -> Row {
    Row {
        person_id: p.person_id,
        citizen_id: masked_id(&p.citizen_id),
        name: p.name.clone(),
        county: county_label(&p.county),
        birth_date: birth(p.birth_date, full),
        basic: if p.basic_enrolled {
            "已参保"
        } else {
            "未参保"
        },
        status: decision_zh(p.status.as_deref()),
    }
}

/// The filter of a lookup (the text trimmed; the county, if given).
pub fn filter(q: &PeopleQuery) -> Filter {
    Filter {
        text: Some(q.q.trim().to_string()).filter(|t| !t.is_empty()),
        county: Some(q.county.trim().to_string()).filter(|c| !c.is_empty()),
        sort: Some(q.sort.trim().to_string()).filter(|s| !s.is_empty()),
        ..Filter::default()
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    q: String,
    searched: bool,
    heads: Vec<Head>,
    sort: String,
    county: String,
    counties: Vec<(String, String)>,
    /// The pager's links: the list as it is, a page before and after.
    prev: String,
    next: String,
    people: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    error: Option<String>,
}

pub async fn list(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, WebError> {
    let f = filter(&q);
    let searched = f.text.is_some() || f.county.is_some();
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: PER_PAGE,
    };
    let (counties, result) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let counties = crate::pages::counties_for(ctx)?;
                Ok((counties, searched.then(|| reads::people(ctx, &f, req))))
            },
        )
        .await?;
    let full = may_reveal(signed.session.actor.role);
    let key = |k: &'static str| -> &'static str {
        if reads::people_sort_keys(full).iter().any(|(n, _)| *n == k) {
            k
        } else {
            ""
        }
    };
    let pairs = [("q", q.q.as_str()), ("county", q.county.as_str())];
    let mut page = PeoplePage {
        chrome: Chrome::of(&signed),
        q: q.q.clone(),
        searched,
        heads: sorting::heads(
            "/people",
            &pairs,
            &q.sort,
            &[
                col("身份证号", key("citizen_id")),
                col("姓名", "name"),
                col("县区", "county"),
                col("出生日期", key("birth_date")),
                plain("基本养老保险"),
                plain("最近决定"),
                plain(""),
            ],
        ),
        sort: q.sort.clone(),
        county: q.county.clone(),
        counties,
        prev: String::new(),
        next: String::new(),
        people: Vec::new(),
        total: 0,
        page: 1,
        pages: 0,
        error: None,
    };
    let mut status = StatusCode::OK;
    match result {
        Some(Ok(p)) => {
            page.people = p.items.iter().map(|i| row(i, full)).collect();
            page.total = p.total;
            page.page = p.page;
            page.pages = p.pages;
            let at = |n: i64| {
                let n = n.to_string();
                sorting::url("/people", &pairs, &[("sort", &q.sort), ("page", &n)])
            };
            page.prev = at(p.page - 1);
            page.next = at(p.page + 1);
        }
        Some(Err(e)) => {
            let e = WebError::from(e);
            if e.status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(e);
            }
            status = e.status;
            page.error = Some(format!("{}（{}）", e.message, e.code));
        }
        None => {}
    }
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    person_id: i64,
    v: PersonView,
    citizen_id: String,
    revealed: bool,
    may_reveal: bool,
    county: String,
    sex: &'static str,
    born: String,
    status: String,
    bank: String,
    years: Vec<(i32, &'static str, &'static str)>,
    events: Vec<(String, &'static str, String, String)>,
    /// The account by component: (label, amount).
    account: Vec<(&'static str, String)>,
    /// Movements, newest first: date, kind, amount, reference.
    movements: Vec<(String, String, String, String)>,
    deaths: Vec<(String, String, String, String)>,
    death: String,
    cases: Vec<(i64, String, String, &'static str)>,
    may_decide: bool,
    /// The roles that pay heirs (the payroll's).
    may_pay: bool,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

/// Everything a person's page reads, in the role's view.
struct PersonData {
    view: PersonView,
    citizen_id: String,
    statement: Option<yanglao_ops::register::accounts::Statement>,
    cases: Vec<yanglao_ops::deaths::Case>,
}

/// A person's register entry and history, account, deaths and recovery cases, with the citizen
/// ID masked or (revealed) in full.
async fn person_data(
    state: &Arc<State>,
    signed: &Signed,
    person_id: i64,
    reveal: bool,
) -> Result<PersonData, WebError> {
    state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let id = if reveal {
                    status::reveal(ctx, person_id)?
                } else {
                    status::citizen_id_of(ctx, person_id)?
                };
                let today = chrono::Local::now().date_naive();
                let mut v = status::show(ctx, &id, today)?;
                let statement = yanglao_ops::register::accounts::show(ctx, &id).ok();
                let cases = reads::recovery_cases(
                    ctx,
                    &Filter {
                        text: Some(id.clone()),
                        ..Filter::default()
                    },
                    PageRequest {
                        page: 1,
                        per_page: 50,
                    },
                )?
                .items
                .into_iter()
                .filter(|c| c.person_id == person_id)
                .collect();
                let shown = if reveal { id } else { masked_id(&id) };
                v.citizen_id = shown.clone();
                Ok(PersonData {
                    view: v,
                    citizen_id: shown,
                    statement,
                    cases,
                })
            },
        )
        .await
}

/// The parts of a person's page below the register entry: the account by component and its
/// movements (newest first), the death records and the death in force, the recovery cases.
#[allow(clippy::type_complexity)]
fn person_sections(
    d: &PersonData,
) -> (
    Vec<(&'static str, String)>,
    Vec<(String, String, String, String)>,
    Vec<(String, String, String, String)>,
    String,
    Vec<(i64, String, String, &'static str)>,
) {
    use yanglao_domain::format_yuan_grouped as yuan;
    let v = &d.view;
    let (account, movements) = match &d.statement {
        Some(st) => (
            vec![
                ("个人缴费", yuan(st.personal_fen)),
                ("政府缴费补贴", yuan(st.subsidy_fen)),
                ("政府代缴", yuan(st.government_paid_fen)),
                ("记账利息", yuan(st.interest_fen)),
                ("账户余额", yuan(st.balance_fen)),
            ],
            st.movements
                .iter()
                .rev()
                .map(|m| {
                    (
                        m.date.to_string(),
                        yanglao_ops::register::accounts::movement_kind_zh(&m.kind).to_string(),
                        yuan(m.amount_fen),
                        m.reference.clone(),
                    )
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let source = |s: &serde_json::Value| {
        yanglao_ops::deaths::source_zh(s.as_str().unwrap_or("")).to_string()
    };
    let deaths = v
        .death_records
        .iter()
        .map(|r| {
            (
                source(&r["source"]),
                r["source_ref"].as_str().unwrap_or("").to_string(),
                r["date"].as_str().unwrap_or("").to_string(),
                yanglao_ops::deaths::match_status_zh(r["status"].as_str().unwrap_or(""))
                    .to_string(),
            )
        })
        .collect();
    let death = v
        .death
        .as_ref()
        .map(|x| {
            format!(
                "{}（{}{}{}）",
                x["date"].as_str().unwrap_or(""),
                source(&x["source"]),
                if x["official"] == true {
                    "，官方来源"
                } else {
                    "，待官方来源确认，已暂停发放"
                },
                if x["disagreement"] == true {
                    "；各来源日期不一致"
                } else {
                    ""
                }
            )
        })
        .unwrap_or_default();
    let cases = d
        .cases
        .iter()
        .map(|c| {
            (
                c.case_id,
                yuan(c.overpaid_fen),
                yuan(c.outstanding_fen),
                if c.status == "closed" {
                    "已结"
                } else {
                    "在办"
                },
            )
        })
        .collect();
    (account, movements, deaths, death, cases)
}

async fn person_page(
    state: &Arc<State>,
    signed: &Signed,
    person_id: i64,
    reveal: bool,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let d = person_data(state, signed, person_id, reveal).await?;
    let (account, movements, deaths, death, cases) = person_sections(&d);
    let v = d.view;
    let years = v
        .years
        .iter()
        .map(|y| {
            let how = match (y.self_paid, y.government_paid) {
                (true, true) => "个人缴费＋政府代缴",
                (true, false) => "个人缴费",
                (false, true) => "政府代缴",
                _ => "—",
            };
            (
                y.year,
                if y.status == "contributing" {
                    "缴费"
                } else {
                    "断缴"
                },
                how,
            )
        })
        .collect();
    let events = v
        .events
        .iter()
        .map(|e| {
            (
                e.effective_date.to_string(),
                e.status.label_zh(),
                e.reason.clone().unwrap_or_default(),
                e.recorded_by.clone(),
            )
        })
        .collect();
    let role = signed.session.actor.role;
    let page = PersonPage {
        chrome: Chrome::of(signed),
        person_id,
        county: county_label(&v.county),
        sex: if v.sex == "M" { "男" } else { "女" },
        born: birth(v.birth_date, may_reveal(role)),
        status: format!(
            "{}{}",
            status::status_zh(&v.current_status),
            if v.uncertified {
                "（未按期资格认证，暂不列入发放）"
            } else {
                ""
            }
        ),
        bank: format!(
            "{} {}",
            v.bank_name.as_deref().unwrap_or("—"),
            v.bank_account.as_deref().unwrap_or("")
        ),
        citizen_id: d.citizen_id,
        revealed: reveal,
        may_reveal: may_reveal(role),
        years,
        events,
        account,
        movements,
        deaths,
        death,
        cases,
        may_decide: yanglao_ops::access::allowed(role, yanglao_ops::Action::Register),
        may_pay: yanglao_ops::access::allowed(role, yanglao_ops::Action::Payroll),
        today: chrono::Local::now().date_naive().to_string(),
        notice,
        error,
        v,
    };
    crate::pages::page_response(&page, page.error.is_some())
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    pub done: Option<String>,
}

pub async fn show(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let notice = q
        .done
        .filter(|d| d == "decided")
        .map(|_| "经办决定已记录，并记入审计日志。".to_string());
    person_page(&state, &signed, person_id, false, notice, None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub reason: String,
}

/// Records a decision on a person (suspend, resume, terminate) with its date and reason.
pub async fn decide(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let back = |m: String| person_page(&state, &signed, person_id, false, None, Some(m));
    let Some(decision) =
        status::Decision::parse(f.decision.trim()).filter(|d| *d != status::Decision::Receiving)
    else {
        return back("请选择决定：暂停、恢复或终止（E-WEB-FIELD）".into()).await;
    };
    let Ok(date) = chrono::NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") else {
        return back(format!(
            "生效日期“{}”应为 YYYY-MM-DD 格式（E-DATE-FORMAT）",
            f.date.trim()
        ))
        .await;
    };
    let reason = Some(f.reason.trim().to_string()).filter(|r| !r.is_empty());
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let id = status::citizen_id_of(ctx, person_id)?;
                Ok(status::record(ctx, &id, decision, reason.as_deref(), date)?)
            },
        )
        .await;
    match r {
        Ok(_) => Ok(
            axum::response::Redirect::to(&format!("/people/{person_id}?done=decided"))
                .into_response(),
        ),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => back(format!("{}（{}）", e.message, e.code)).await,
    }
}

pub async fn reveal(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    person_page(&state, &signed, person_id, true, None, None).await
}

#[derive(Deserialize, Default)]
pub struct OutreachQuery {
    pub year: Option<String>,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub age_from: String,
    #[serde(default)]
    pub age_to: String,
    #[serde(default)]
    pub place: String,
}

/// How many rows the outreach page shows (the download has every one).
const OUTREACH_SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "outreach.html")]
struct OutreachPage {
    chrome: Chrome,
    year: i32,
    county: String,
    age_from: String,
    age_to: String,
    place: String,
    counties: Vec<(String, String)>,
    rows: Vec<ProspectRow>,
    total: usize,
    shown: usize,
    error: Option<String>,
}

/// A person of the outreach list as the page shows them, masked.
pub struct ProspectRow {
    pub county: String,
    pub place: String,
    pub citizen_id: String,
    pub name: String,
    pub phone: String,
    pub age: i32,
    pub last: String,
}

fn outreach_filter(
    q: &OutreachQuery,
) -> Result<(i32, yanglao_ops::evaluation::enrolment::OutreachFilter), String> {
    let year = crate::pages::year_param(q.year.as_deref(), crate::pages::this_year())
        .map_err(|e| format!("{e}（E-YEAR）"))?;
    let age = |t: &str, what: &str| -> Result<Option<i32>, String> {
        match t.trim() {
            "" => Ok(None),
            v => v
                .parse::<i32>()
                .ok()
                .filter(|a| (0..=120).contains(a))
                .map(Some)
                .ok_or_else(|| format!("{what}“{v}”应为 0 到 120 的整数（E-WEB-FIELD）")),
        }
    };
    Ok((
        year,
        yanglao_ops::evaluation::enrolment::OutreachFilter {
            county: Some(q.county.trim().to_string()).filter(|c| !c.is_empty()),
            age_from: age(&q.age_from, "起始年龄")?,
            age_to: age(&q.age_to, "截止年龄")?,
            place: Some(q.place.trim().to_string()).filter(|p| !p.is_empty()),
        },
    ))
}

/// The outreach list (basic-scheme members not in the supplementary scheme this year), by county
/// and age: the first rows in the page with IDs and phones masked; every row in the download.
pub async fn outreach(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<OutreachQuery>,
) -> Result<Response, WebError> {
    let (year, filter, error) = match outreach_filter(&q) {
        Ok((y, f)) => (y, f, None),
        Err(e) => (crate::pages::this_year(), Default::default(), Some(e)),
    };
    let actor = signed.actor();
    let r = state
        .with_ctx(actor.clone(), signed.from.address.to_string(), move |ctx| {
            let counties = crate::pages::counties_for(ctx)?;
            let list = yanglao_ops::evaluation::enrolment::prospects(ctx, year, &filter);
            Ok((counties, list))
        })
        .await?;
    let (counties, list) = r;
    let mut page = OutreachPage {
        chrome: Chrome::of(&signed),
        year,
        county: q.county.clone(),
        age_from: q.age_from.clone(),
        age_to: q.age_to.clone(),
        place: q.place.clone(),
        counties,
        rows: Vec::new(),
        total: 0,
        shown: 0,
        error,
    };
    match list {
        Ok(list) => {
            page.total = list.len();
            page.rows = list
                .iter()
                .take(OUTREACH_SHOWN)
                .map(|p| ProspectRow {
                    county: county_label(&p.county),
                    place: [p.township.as_str(), p.village.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" "),
                    citizen_id: masked_id(&p.citizen_id),
                    name: p.name.clone(),
                    phone: yanglao_ops::evaluation::enrolment::masked_phone(&p.phone),
                    age: p.age,
                    last: match (p.last_contribution_year, p.last_tier_fen) {
                        (Some(y), Some(0)) => format!("{y} 年（政府代缴）"),
                        (Some(y), Some(t)) => {
                            format!("{y} 年，{} 元档", yanglao_domain::format_yuan(t))
                        }
                        _ => "从未缴费".into(),
                    },
                })
                .collect();
            page.shown = page.rows.len();
        }
        Err(e) => {
            let e = WebError::from(e);
            if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() {
                return Err(e);
            }
            page.error = Some(format!("{}（{}）", e.message, e.code));
        }
    }
    crate::pages::page_response(&page, page.error.is_some())
}

#[derive(Deserialize)]
pub struct OutreachForm {
    #[serde(default)]
    pub csrf: String,
    pub year: Option<String>,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub age_from: String,
    #[serde(default)]
    pub age_to: String,
    #[serde(default)]
    pub place: String,
}

/// The outreach list as xlsx, with the filters of the page; audited.
pub async fn outreach_xlsx(
    AxState(state): Shared,
    signed: Signed,
    Form(f): Form<OutreachForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let q = OutreachQuery {
        year: f.year,
        county: f.county,
        age_from: f.age_from,
        age_to: f.age_to,
        place: f.place,
    };
    let (year, filter) = outreach_filter(&q)
        .map_err(|e| WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "E-WEB-FIELD", e))?;
    let name = format!("待动员人员名单-{year}.xlsx");
    let n = name.clone();
    let bytes = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let mut sink = yanglao_ops::files::MemorySink::default();
                yanglao_ops::evaluation::enrolment::outreach_filtered(
                    ctx, year, &filter, &mut sink, &n,
                )?;
                Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
            },
        )
        .await?;
    Ok(crate::api::download(bytes, crate::api::XLSX, &name))
}

#[derive(Deserialize)]
pub struct InheritanceForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub heir_name: String,
    #[serde(default)]
    pub heir_id: String,
    #[serde(default)]
    pub heir_bank: String,
    #[serde(default)]
    pub heir_account: String,
    #[serde(default)]
    pub date: String,
}

/// Pays a deceased person's balance (and the months owed at death) to the heir, an outstanding
/// overpayment offset first; the person's page says what was paid.
pub async fn inheritance(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
    Form(f): Form<InheritanceForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let back = |m: String| person_page(&state, &signed, person_id, false, None, Some(m));
    let Ok(date) = chrono::NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") else {
        return back(format!(
            "支付日期“{}”应为 YYYY-MM-DD 格式（E-DATE-FORMAT）",
            f.date.trim()
        ))
        .await;
    };
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let id = status::citizen_id_of(ctx, person_id)?;
                Ok(yanglao_ops::deaths::inheritance::pay_inheritance(
                    ctx,
                    &id,
                    f.heir_name.trim(),
                    f.heir_id.trim(),
                    f.heir_bank.trim(),
                    f.heir_account.trim(),
                    date,
                )?)
            },
        )
        .await;
    match r {
        Ok(o) => {
            use yanglao_domain::format_yuan_grouped as yuan;
            let notice = format!(
                "已向继承人{}支付 {} 元{}{}，记入账簿与审计日志。",
                o.heir_name,
                yuan(o.paid_fen),
                if o.offset_fen > 0 {
                    format!("（先抵扣多发待遇 {} 元）", yuan(o.offset_fen))
                } else {
                    String::new()
                },
                if o.arrears_months > 0 {
                    format!(
                        "，其中生前应发未发 {} 个月 {} 元",
                        o.arrears_months,
                        yuan(o.arrears_fen)
                    )
                } else {
                    String::new()
                }
            );
            person_page(&state, &signed, person_id, false, Some(notice), None).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => back(format!("{}（{}）", e.message, e.code)).await,
    }
}
