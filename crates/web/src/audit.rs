//! The audit log for the city administrator: filtered by account, action, county, days and text,
//! paged, and exported as xlsx (the export is audited too). Nothing here changes the log.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::Chrome;
use crate::state::State;
use askama::Template;
use axum::extract::{Query, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::reads::{self, AuditItem, Filter, PageRequest};

type Shared = AxState<Arc<State>>;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    account: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
    pub page: Option<i64>,
    /// The API's page size (the page shows 50).
    pub per_page: Option<i64>,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn date(s: &str, field: &str) -> Result<Option<chrono::NaiveDate>, WebError> {
    match opt(s) {
        None => Ok(None),
        Some(d) => yanglao_domain::parse_date(&d).map(Some).map_err(|e| {
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-WEB-FIELD",
                format!("“{field}”一栏：{}", e.message),
            )
        }),
    }
}

impl AuditQuery {
    pub fn filter(&self) -> Result<Filter, WebError> {
        Ok(Filter {
            account: opt(&self.account),
            status: opt(&self.action),
            county: opt(&self.county),
            from: date(&self.from, "起始日期")?,
            to: date(&self.to, "截止日期")?,
            text: opt(&self.text),
            ..Filter::default()
        })
    }

    /// The filter as a query string, for the pager and the export link.
    fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("account", &self.account)
            .append_pair("action", &self.action)
            .append_pair("county", &self.county)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("text", &self.text)
            .finish()
    }
}

struct Entry {
    audit_id: i64,
    at: String,
    actor: String,
    action: String,
    address: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    chrome: Chrome,
    q: &'a AuditQuery,
    query: String,
    counties: Vec<(String, String)>,
    entries: Vec<Entry>,
    total: i64,
    page: i64,
    pages: i64,
    error: Option<String>,
}

fn only_admin(ctx: &yanglao_ops::Ctx) -> Result<(), WebError> {
    // Everyone may read their own entries through the API; the page is the administrator's.
    ctx.actor.require(yanglao_ops::access::Action::Users)?;
    Ok(())
}

pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let (filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            Filter::default(),
            Some(format!("{}（{}）", e.message, e.code)),
        ),
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: PER_PAGE,
    };
    let (p, counties) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                only_admin(ctx)?;
                let p = reads::audit_log(ctx, &filter, req)?;
                let counties = ctx.db.read_transaction(yanglao_ops::known_counties)?;
                Ok((p, counties))
            },
        )
        .await?;
    let entries = p.items.into_iter().map(entry).collect();
    let page = AuditPage {
        chrome: Chrome::of(&signed),
        query: q.query(),
        q: &q,
        counties: counties.into_iter().collect(),
        entries,
        total: p.total,
        page: p.page,
        pages: p.pages,
        error,
    };
    crate::pages::page_response(&page, page.error.is_some())
}

fn entry(a: AuditItem) -> Entry {
    Entry {
        audit_id: a.audit_id,
        at: a.at,
        actor: a.actor,
        action: a.action,
        address: a.address,
        detail: a.detail.to_string(),
    }
}

/// The export form: the filter of the page it was on, and the form token (an export is a change:
/// it is recorded in the log, so it is a POST).
#[derive(Deserialize, Default)]
pub struct ExportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
}

pub async fn export(
    AxState(state): Shared,
    signed: Signed,
    axum::Form(f): axum::Form<ExportForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let q = AuditQuery {
        account: f.account,
        action: f.action,
        county: f.county,
        from: f.from,
        to: f.to,
        text: f.text,
        page: None,
        per_page: None,
    };
    let filter = q.filter()?;
    let (bytes, _) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                only_admin(ctx)?;
                Ok(reads::audit_workbook(ctx, &filter)?)
            },
        )
        .await?;
    let name = format!(
        "审计日志-{}.xlsx",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
