//! Looking people up: the list by name or citizen ID, and a person's page. Citizen IDs and bank
//! accounts are masked everywhere; a role allowed to (`access::may_reveal`) sees one ID in full by
//! asking, and the audit log records it.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome, CsrfForm};
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
        ..Filter::default()
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    q: String,
    searched: bool,
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
    let result = if searched {
        let r = state
            .with_ctx(
                signed.actor(),
                signed.from.address.to_string(),
                move |ctx| Ok(reads::people(ctx, &f, req)),
            )
            .await?;
        Some(r)
    } else {
        None
    };
    let mut page = PeoplePage {
        chrome: Chrome::of(&signed),
        q: q.q.clone(),
        searched,
        people: Vec::new(),
        total: 0,
        page: 1,
        pages: 0,
        error: None,
    };
    let mut status = StatusCode::OK;
    match result {
        Some(Ok(p)) => {
            let full = may_reveal(signed.session.actor.role);
            page.people = p.items.iter().map(|i| row(i, full)).collect();
            page.total = p.total;
            page.page = p.page;
            page.pages = p.pages;
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
}

/// A person's register entry and history, with the citizen ID masked or (revealed) in full.
pub async fn person_view(
    state: &Arc<State>,
    signed: &Signed,
    person_id: i64,
    reveal: bool,
) -> Result<(PersonView, String), WebError> {
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
                let shown = if reveal { id } else { masked_id(&id) };
                v.citizen_id = shown.clone();
                Ok((v, shown))
            },
        )
        .await
}

async fn person_page(
    state: &Arc<State>,
    signed: &Signed,
    person_id: i64,
    reveal: bool,
) -> Result<Response, WebError> {
    let (v, citizen_id) = person_view(state, signed, person_id, reveal).await?;
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
    let page = PersonPage {
        chrome: Chrome::of(signed),
        person_id,
        county: county_label(&v.county),
        sex: if v.sex == "M" { "男" } else { "女" },
        born: birth(v.birth_date, may_reveal(signed.session.actor.role)),
        status: status::status_zh(&v.current_status).to_string(),
        bank: format!(
            "{} {}",
            v.bank_name.as_deref().unwrap_or("—"),
            v.bank_account.as_deref().unwrap_or("")
        ),
        citizen_id,
        revealed: reveal,
        may_reveal: may_reveal(signed.session.actor.role),
        years,
        events,
        v,
    };
    Ok(render(&page)?.into_response())
}

pub async fn show(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
) -> Result<Response, WebError> {
    person_page(&state, &signed, person_id, false).await
}

pub async fn reveal(
    AxState(state): Shared,
    signed: Signed,
    Path(person_id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    person_page(&state, &signed, person_id, true).await
}
