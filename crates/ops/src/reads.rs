//! Reads that serve pages: the lists a page shows (people, payrolls, a payroll's lines, death
//! records waiting for review, recovery cases, imports, the audit log), each filtered and paged
//! in the query, with the total count of what the filter matches, and scoped to the actor.

use crate::access::{Action, Actor, Role};
use crate::{Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_domain::Month;
use yanglao_store::{Param, Tx};

/// Most items one page holds.
pub const MAX_PER_PAGE: i64 = 500;

/// Which page (1-based) of how many items.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: 50,
        }
    }
}

impl PageRequest {
    fn check(self) -> Result<PageRequest> {
        if self.page < 1 || !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            return Err(OpsError::rule(
                "E-PAGE",
                format!("页码须从 1 起，每页 1 至 {MAX_PER_PAGE} 条"),
            ));
        }
        Ok(self)
    }
}

/// One page of a list and how many the filter matches in all.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

/// What a list is filtered by (each list uses the fields that apply to it).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub county: Option<String>,
    pub status: Option<String>,
    pub month: Option<Month>,
    /// Part of a name, a citizen ID, a file name, an account or an action.
    pub text: Option<String>,
    /// The acting account, exactly (the audit log).
    pub account: Option<String>,
    /// From and to this day, both included (UTC; the audit log).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The column to order by, as the list names it (`name`), descending with a leading `-`
    /// (`-name`); None: the list's natural order.
    pub sort: Option<String>,
}

/// A column a list may be ordered by: its name in a request, and the expression it orders by.
type SortKey = (&'static str, &'static str);

/// The ORDER BY of a list: the asked-for column (one of `keys`) and direction, then `natural`
/// (which also breaks ties, so that pages never overlap), or `natural` alone.
fn order_by(sort: Option<&str>, keys: &[SortKey], natural: &str) -> Result<String> {
    let Some(s) = sort.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(natural.to_string());
    };
    let (desc, name) = match s.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, s),
    };
    match keys.iter().find(|(k, _)| *k == name) {
        Some((_, expr)) => Ok(format!(
            "{expr} {}, {natural}",
            if desc { "DESC" } else { "ASC" }
        )),
        None => {
            let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
            Err(OpsError::rule(
                "E-SORT",
                if names.is_empty() {
                    format!("排序列“{name}”无效：此列表只按默认顺序排列")
                } else {
                    format!(
                        "排序列“{name}”无效：可按 {} 排序（前加“-”为降序）",
                        names.join("、")
                    )
                },
            ))
        }
    }
}

/// The columns the people list sorts by: a role that sees IDs masked may not order by the
/// citizen ID or the birth date (the order would give back the digits the mask hides).
pub fn people_sort_keys(full: bool) -> &'static [SortKey] {
    const FULL: [SortKey; 4] = [
        ("citizen_id", "p.citizen_id"),
        ("name", "p.name"),
        ("county", "p.county"),
        ("birth_date", "p.birth_date"),
    ];
    if full {
        &FULL
    } else {
        &FULL[1..3]
    }
}

/// The columns a payroll's lines sort by.
pub const LINE_SORT_KEYS: [SortKey; 5] = [
    ("line_no", "l.line_no"),
    ("name", "p.name"),
    ("months", "l.months"),
    ("total", "l.total_fen"),
    ("status", "l.status"),
];

/// The columns recovery cases sort by.
pub const CASE_SORT_KEYS: [SortKey; 6] = [
    ("county", "c.county"),
    ("death_date", "c.death_date"),
    ("opened_on", "c.opened_on"),
    ("overpaid", "c.overpaid_fen"),
    (
        "outstanding",
        "(c.overpaid_fen - c.recovered_fen - c.written_off_fen)",
    ),
    ("status", "c.status"),
];

/// The columns the imports list sorts by.
pub const IMPORT_SORT_KEYS: [SortKey; 5] = [
    ("imported_at", "import_id"),
    ("kind", "kind"),
    ("file_name", "file_name"),
    ("rows", "row_count"),
    ("imported_by", "imported_by"),
];

/// The columns death records in review sort by.
pub const REVIEW_SORT_KEYS: [SortKey; 4] = [
    ("score", "d.match_score"),
    ("source", "d.source"),
    ("death_date", "d.death_date"),
    ("name", "d.name"),
];

/// Builds a query's WHERE clause and parameters.
struct Query<'a> {
    conds: Vec<String>,
    params: Vec<Param<'a>>,
}

impl<'a> Query<'a> {
    fn new() -> Query<'a> {
        Query {
            conds: Vec::new(),
            params: Vec::new(),
        }
    }

    fn mark(&mut self, p: Param<'a>) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    fn eq(&mut self, column: &str, p: Param<'a>) {
        let m = self.mark(p);
        self.conds.push(format!("{column} = {m}"));
    }

    /// Any of `columns` matches `pattern` (made by [`like`]).
    fn contains(&mut self, columns: &[&str], pattern: &'a str) {
        let m = self.mark(Param::Text(pattern));
        let any: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} LIKE {m} ESCAPE '\\'"))
            .collect();
        self.conds.push(format!("({})", any.join(" OR ")));
    }

    fn scope(&mut self, actor: &'a Actor, column: &str) {
        let c = actor.scope_sql(column, &mut self.params);
        self.conds.push(c);
    }

    fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }

    /// Counts the matches, then reads the page (`select` and `from` without WHERE).
    fn page<T>(
        mut self,
        tx: &mut Tx<'_>,
        select: &str,
        from: &str,
        order: &str,
        req: PageRequest,
        mut row: impl FnMut(&yanglao_store::Row) -> Result<T>,
    ) -> Result<Page<T>> {
        let w = self.where_clause();
        let total = tx.scalar_i64(&format!("SELECT COUNT(*) FROM {from}{w}"), &self.params)?;
        let limit = self.mark(Param::Int(req.per_page));
        let offset = self.mark(Param::Int((req.page - 1) * req.per_page));
        let rows = tx.query(
            &format!(
                "SELECT {select} FROM {from}{w} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            ),
            &self.params,
        )?;
        let items = rows.iter().map(&mut row).collect::<Result<Vec<T>>>()?;
        Ok(Page {
            items,
            total,
            page: req.page,
            per_page: req.per_page,
            pages: (total + req.per_page - 1) / req.per_page,
        })
    }
}

/// The LIKE pattern of "contains `text`", with `%`, `_` and `\` taken literally (None for no
/// text or only spaces).
fn like(text: Option<&str>) -> Option<String> {
    let t = text?.trim();
    if t.is_empty() {
        return None;
    }
    let escaped: String = t
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Some(format!("%{escaped}%"))
}

/// A county asked for, checked against the actor.
fn county_filter<'a>(q: &mut Query<'a>, actor: &Actor, column: &str, f: &'a Filter) -> Result<()> {
    if let Some(c) = &f.county {
        actor.require_county(Action::Read, c)?;
        q.eq(column, Param::Text(c));
    }
    Ok(())
}

/// A person as the people list shows them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonItem {
    pub person_id: i64,
    pub county: String,
    pub citizen_id: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub basic_enrolled: bool,
    /// The latest decision on the person's status, if any (`receiving`, `suspended`, …).
    pub status: Option<String>,
}

/// People, by county, status decision and text (name or citizen ID).
pub fn people(ctx: &mut Ctx, f: &Filter, req: PageRequest) -> Result<Page<PersonItem>> {
    let pattern = like(f.text.as_deref());
    let exact_id = f
        .text
        .as_deref()
        .and_then(|t| yanglao_domain::CitizenId::parse(t.trim()).ok())
        .map(|(id, _)| id.as_str().to_string());
    ctx.actor.require(Action::Read)?;
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut q = Query::new();
        q.scope(&actor, "p.county");
        county_filter(&mut q, &actor, "p.county", f)?;
        // A whole citizen ID is looked up by the register's index, not matched as text.
        if let Some(id) = &exact_id {
            q.eq("p.citizen_id", Param::Text(id));
        } else if let Some(t) = &pattern {
            q.contains(&["p.name", "p.citizen_id"], t);
        }
        let latest = "(SELECT e.status FROM person_events e WHERE e.county = p.county AND e.person_id = p.person_id ORDER BY e.effective_date DESC, e.event_id DESC LIMIT 1)";
        if let Some(s) = &f.status {
            let m = q.mark(Param::Text(s));
            q.conds.push(format!("{latest} = {m}"));
        }
        let order = order_by(
            f.sort.as_deref(),
            people_sort_keys(crate::access::may_reveal(actor.role)),
            "p.county, p.person_id",
        )?;
        q.page(
            tx,
            &format!("p.person_id, p.county, p.citizen_id, p.name, p.birth_date, p.basic_enrolled, {latest}"),
            "persons p",
            &order,
            req,
            |r| {
                Ok(PersonItem {
                    person_id: r.i64(0)?,
                    county: r.str(1)?,
                    citizen_id: r.str(2)?,
                    name: r.str(3)?,
                    birth_date: r.date(4)?,
                    basic_enrolled: r.bool(5)?,
                    status: r.opt_str(6)?,
                })
            },
        )
    })
}

/// Payrolls, by county, status and month, newest month first.
pub fn payrolls(
    ctx: &mut Ctx,
    f: &Filter,
    req: PageRequest,
) -> Result<Page<crate::payroll::Summary>> {
    ctx.actor.require(Action::Read)?;
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut q = Query::new();
        q.scope(&actor, "county");
        county_filter(&mut q, &actor, "county", f)?;
        if let Some(s) = &f.status {
            q.eq("status", Param::Text(s));
        }
        if let Some(m) = f.month {
            q.eq("month", Param::Date(m.first_day()));
        }
        let mut ids = Vec::new();
        let page = q.page(
            tx,
            "payroll_id",
            "payrolls",
            "month DESC, county, kind, seq",
            req,
            |r| {
                let id = r.i64(0)?;
                ids.push(id);
                Ok(id)
            },
        )?;
        let items = ids
            .into_iter()
            .map(|id| crate::payroll::summary(tx, id, false))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
            pages: page.pages,
        })
    })
}

/// A payment line as a payroll's page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LineItem {
    pub line_no: i64,
    pub citizen_id: String,
    pub name: String,
    pub from_month: Month,
    pub to_month: Month,
    pub months: i64,
    pub total_fen: i64,
    pub bank_name: String,
    pub bank_account: String,
    pub status: String,
    pub paid_date: Option<NaiveDate>,
    pub fail_reason: Option<String>,
}

/// A payroll's lines, by status and text (name or citizen ID), in line order.
pub fn payroll_lines(
    ctx: &mut Ctx,
    payroll_id: i64,
    f: &Filter,
    req: PageRequest,
) -> Result<Page<LineItem>> {
    let pattern = like(f.text.as_deref());
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let s = crate::payroll::summary_in_scope(tx, &actor, payroll_id, false)?;
        let mut q = Query::new();
        q.eq("l.county", Param::Text(&s.county));
        q.eq("l.payroll_id", Param::Int(payroll_id));
        if let Some(st) = &f.status {
            q.eq("l.status", Param::Text(st));
        }
        if let Some(t) = &pattern {
            q.contains(&["p.name", "p.citizen_id"], t);
        }
        let order = order_by(f.sort.as_deref(), &LINE_SORT_KEYS, "l.line_no")?;
        q.page(
            tx,
            "l.line_no, p.citizen_id, p.name, l.from_month, l.to_month, l.months, l.total_fen, l.bank_name, l.bank_account, l.status, l.paid_date, l.fail_reason",
            "payroll_lines l JOIN persons p ON p.county = l.county AND p.person_id = l.person_id",
            &order,
            req,
            |r| {
                Ok(LineItem {
                    line_no: r.i64(0)?,
                    citizen_id: r.str(1)?,
                    name: r.str(2)?,
                    from_month: Month::of(r.date(3)?),
                    to_month: Month::of(r.date(4)?),
                    months: r.i64(5)?,
                    total_fen: r.i64(6)?,
                    bank_name: r.str(7)?,
                    bank_account: r.str(8)?,
                    status: r.str(9)?,
                    paid_date: r.opt_date(10)?,
                    fail_reason: r.opt_str(11)?,
                })
            },
        )
    })
}

/// Death records waiting for a decision (or, by status, those decided in review), by county (of
/// the candidate) and text.
pub fn death_reviews(
    ctx: &mut Ctx,
    f: &Filter,
    req: PageRequest,
) -> Result<Page<crate::deaths::ReviewItem>> {
    let pattern = like(f.text.as_deref());
    ctx.actor.require(Action::Read)?;
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut q = Query::new();
        // Waiting for review unless another state is asked for: the decided ("confirmed",
        // "rejected") with who decided them and why.
        match f.status.as_deref() {
            None | Some("review") => q.conds.push("d.match_status = 'review'".into()),
            Some(s @ ("confirmed" | "rejected")) => {
                q.eq("d.match_status", Param::Text(s));
                q.conds.push("d.reviewed_by IS NOT NULL".into());
            }
            Some(other) => {
                return Err(OpsError::rule(
                    "E-FILTER-STATUS",
                    format!("状态“{other}”无效：应为 review（待审核）、confirmed（已确认）或 rejected（已驳回）"),
                ))
            }
        }
        q.scope(&actor, "d.person_county");
        county_filter(&mut q, &actor, "d.person_county", f)?;
        if let Some(t) = &pattern {
            q.contains(&["d.name", "d.citizen_id_raw", "p.citizen_id"], t);
        }
        let order = order_by(f.sort.as_deref(), &REVIEW_SORT_KEYS, "d.record_id")?;
        q.page(
            tx,
            crate::deaths::REVIEW_COLUMNS,
            crate::deaths::REVIEW_FROM,
            &order,
            req,
            crate::deaths::review_of,
        )
    })
}

/// What waits for the actor's counties: death records to review and open recovery cases (the
/// home page's counts; each counted on its own table, never through a join with the register).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Waiting {
    pub death_reviews: i64,
    pub open_cases: i64,
    /// Lines the bank returned unpaid that no supplementary payroll has paid again yet.
    pub failed_lines: i64,
}

pub fn waiting(ctx: &mut Ctx) -> Result<Waiting> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut params = Vec::new();
        let scope = actor.scope_sql("person_county", &mut params);
        let death_reviews = tx.scalar_i64(
            &format!(
                "SELECT COUNT(*) FROM death_records WHERE match_status = 'review' AND {scope}"
            ),
            &params,
        )?;
        let mut params = Vec::new();
        let scope = actor.scope_sql("county", &mut params);
        let open_cases = tx.scalar_i64(
            &format!("SELECT COUNT(*) FROM recovery_cases WHERE status = 'open' AND {scope}"),
            &params,
        )?;
        let mut params = Vec::new();
        let scope = actor.scope_sql("l.county", &mut params);
        let failed_lines = tx.scalar_i64(
            &format!(
                "SELECT COUNT(*) FROM payroll_lines l WHERE l.status = 'failed' AND {scope} AND NOT EXISTS (
                   SELECT 1 FROM payroll_lines r WHERE r.county = l.county AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)"
            ),
            &params,
        )?;
        Ok(Waiting {
            death_reviews,
            open_cases,
            failed_lines,
        })
    })
}

/// One county's year on the dashboard: people who contributed, and people paid a benefit.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TrendYear {
    pub county: String,
    pub year: i32,
    pub contributors: i64,
    pub recipients: i64,
}

/// Contributors and recipients (in the year's last regular payroll) by county and year, `from`
/// to `to`, in the actor's counties.
pub fn trend(ctx: &mut Ctx, from: i32, to: i32) -> Result<Vec<TrendYear>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut out: BTreeMap<(String, i32), TrendYear> = BTreeMap::new();
        let mut params = vec![Param::Int(i64::from(from)), Param::Int(i64::from(to))];
        let scope = actor.scope_sql("county", &mut params);
        for r in tx.query(
            &format!(
                "SELECT county, CAST(year AS BIGINT), COUNT(DISTINCT person_id) FROM account_movements
                 WHERE kind IN ('self', 'gov_paid') AND year >= $1 AND year <= $2 AND {scope}
                 GROUP BY county, year"
            ),
            &params,
        )? {
            let (c, y) = (r.str(0)?, r.i64(1)? as i32);
            out.entry((c.clone(), y))
                .or_insert_with(|| TrendYear { county: c, year: y, ..Default::default() })
                .contributors = r.i64(2)?;
        }
        // Recipients: the people in the year's last regular payroll (its line count).
        let start = NaiveDate::from_ymd_opt(from, 1, 1).unwrap_or(NaiveDate::MIN);
        let end = NaiveDate::from_ymd_opt(to, 12, 31).unwrap_or(NaiveDate::MAX);
        let mut params = vec![Param::Date(start), Param::Date(end)];
        let scope = actor.scope_sql("county", &mut params);
        for r in tx.query(
            &format!(
                "SELECT county, month, line_count FROM payrolls
                 WHERE kind = 'regular' AND seq = 1 AND month >= $1 AND month <= $2 AND {scope}
                 ORDER BY county, month"
            ),
            &params,
        )? {
            use chrono::Datelike;
            let (c, y) = (r.str(0)?, r.date(1)?.year());
            out.entry((c.clone(), y))
                .or_insert_with(|| TrendYear { county: c, year: y, ..Default::default() })
                .recipients = r.i64(2)?;
        }
        Ok(out.into_values().collect())
    })
}

/// When each month's regular payroll of the actor's counties was paid, from `from` on:
/// (county, month, paid date if paid).
pub fn paid_dates(ctx: &mut Ctx, from: Month) -> Result<Vec<(String, Month, Option<NaiveDate>)>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut params = vec![Param::Date(from.first_day())];
        let scope = actor.scope_sql("county", &mut params);
        tx.query(
            &format!(
                "SELECT county, month, paid_date FROM payrolls
                 WHERE kind = 'regular' AND seq = 1 AND month >= $1 AND {scope} ORDER BY county, month"
            ),
            &params,
        )?
        .iter()
        .map(|r| Ok((r.str(0)?, Month::of(r.date(1)?), r.opt_date(2)?)))
        .collect()
    })
}

/// Recovery cases, by county, status and text (citizen ID).
pub fn recovery_cases(
    ctx: &mut Ctx,
    f: &Filter,
    req: PageRequest,
) -> Result<Page<crate::deaths::Case>> {
    let pattern = like(f.text.as_deref());
    ctx.actor.require(Action::Read)?;
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut q = Query::new();
        q.scope(&actor, "c.county");
        county_filter(&mut q, &actor, "c.county", f)?;
        if let Some(s) = &f.status {
            q.eq("c.status", Param::Text(s));
        }
        if let Some(t) = &pattern {
            q.contains(&["p.citizen_id", "p.name"], t);
        }
        let order = order_by(f.sort.as_deref(), &CASE_SORT_KEYS, "c.county, c.case_id")?;
        q.page(
            tx,
            crate::deaths::CASE_COLUMNS,
            crate::deaths::CASE_FROM,
            &order,
            req,
            crate::deaths::case_of,
        )
    })
}

/// An import as the imports list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportItem {
    pub import_id: i64,
    pub kind: String,
    pub file_name: String,
    pub row_count: i64,
    pub posted: i64,
    pub skipped: i64,
    pub imported_by: String,
    pub imported_at: String,
}

/// Imports, newest first, by kind (`status`) and text (file name or account). Imports are not
/// kept by county: a county role sees the imports made by its own account.
pub fn imports(ctx: &mut Ctx, f: &Filter, req: PageRequest) -> Result<Page<ImportItem>> {
    let pattern = like(f.text.as_deref());
    ctx.actor.require(Action::Read)?;
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut q = Query::new();
        if !actor.all_counties() {
            q.eq("imported_by", Param::Text(&actor.name));
        }
        if let Some(k) = &f.status {
            q.eq("kind", Param::Text(k));
        }
        if let Some(t) = &pattern {
            q.contains(&["file_name", "imported_by"], t);
        }
        q.page(
            tx,
            "import_id, kind, file_name, row_count, posted, skipped, imported_by, CAST(imported_at AS TEXT)",
            "imports",
            &order_by(f.sort.as_deref(), &IMPORT_SORT_KEYS, "import_id DESC")?,
            req,
            |r| {
                Ok(ImportItem {
                    import_id: r.i64(0)?,
                    kind: r.str(1)?,
                    file_name: r.str(2)?,
                    row_count: r.i64(3)?,
                    posted: r.i64(4)?,
                    skipped: r.i64(5)?,
                    imported_by: r.str(6)?,
                    imported_at: r.str(7)?.replace('T', " ").chars().take(19).collect(),
                })
            },
        )
    })
}

/// An entry of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditItem {
    pub audit_id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: serde_json::Value,
    /// From where: the client's address, or "命令行".
    pub address: String,
}

/// The audit log, newest first, by action prefix (`status`, e.g. `payroll.`), account, county
/// (named in the entry's detail), days and text (account or detail). The city administrator and
/// the system read all of it; every other account its own entries.
pub fn audit_log(ctx: &mut Ctx, f: &Filter, req: PageRequest) -> Result<Page<AuditItem>> {
    let req = req.check()?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let bound = AuditBounds::of(f)?;
        let mut q = Query::new();
        bound.apply(&mut q, &actor);
        q.page(
            tx,
            AUDIT_COLUMNS,
            "audit_log",
            "audit_id DESC",
            req,
            audit_item,
        )
    })
}

const AUDIT_COLUMNS: &str = "audit_id, CAST(at AS TEXT), actor, action, detail, address";

fn audit_item(r: &yanglao_store::Row) -> Result<AuditItem> {
    Ok(AuditItem {
        audit_id: r.i64(0)?,
        at: r.str(1)?.replace('T', " ").chars().take(19).collect(),
        actor: r.str(2)?,
        action: r.str(3)?,
        detail: serde_json::from_str(&r.str(4)?).unwrap_or(serde_json::Value::Null),
        address: r.opt_str(5)?.map(|s| s.to_string()).unwrap_or_default(),
    })
}

/// The audit log's filter as query conditions (owned values the query borrows).
struct AuditBounds {
    action: Option<String>,
    text: Option<String>,
    account: Option<String>,
    county: Option<String>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditBounds {
    fn of(f: &Filter) -> Result<AuditBounds> {
        let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        if let (Some(a), Some(b)) = (f.from, f.to) {
            if a > b {
                return Err(OpsError::rule(
                    "E-DATE-RANGE",
                    format!("起始日期 {a} 晚于截止日期 {b}"),
                ));
            }
        }
        Ok(AuditBounds {
            action: like(f.status.as_deref()),
            text: like(f.text.as_deref()),
            account: f.account.clone().filter(|a| !a.trim().is_empty()),
            county: f
                .county
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(|c| format!("%\"county\":\"{c}\"%")),
            from: f.from.map(day),
            to: f.to.and_then(|d| d.succ_opt()).map(day),
        })
    }

    fn apply<'a>(&'a self, q: &mut Query<'a>, actor: &'a Actor) {
        if !matches!(actor.role, Role::CityAdmin | Role::System) {
            q.eq("actor", Param::Text(&actor.name));
        }
        if let Some(a) = &self.action {
            q.contains(&["action"], a);
        }
        if let Some(t) = &self.text {
            q.contains(&["actor", "detail"], t);
        }
        if let Some(a) = &self.account {
            q.eq("actor", Param::Text(a));
        }
        if let Some(c) = &self.county {
            let m = q.mark(Param::Text(c));
            q.conds.push(format!("detail LIKE {m}"));
        }
        if let Some(d) = self.from {
            let m = q.mark(Param::Timestamp(d));
            q.conds.push(format!("at >= {m}"));
        }
        if let Some(d) = self.to {
            let m = q.mark(Param::Timestamp(d));
            q.conds.push(format!("at < {m}"));
        }
    }
}

/// The most entries one export holds.
pub const AUDIT_EXPORT_MAX: i64 = 200_000;

/// The filtered audit log as an xlsx workbook (newest first, at most [`AUDIT_EXPORT_MAX`]
/// entries); the export itself is audited. Only the city administrator and the system.
pub fn audit_workbook(ctx: &mut Ctx, f: &Filter) -> Result<(Vec<u8>, i64)> {
    if !matches!(ctx.actor.role, Role::CityAdmin | Role::System) {
        return Err(OpsError::rule(
            "E-ACCESS-ROLE",
            format!(
                "账号 {} 无权导出审计日志（须由市级管理员办理）",
                ctx.actor.describe()
            ),
        ));
    }
    let actor = ctx.actor.clone();
    let items = ctx.db.read_transaction(|tx| -> Result<Vec<AuditItem>> {
        let bound = AuditBounds::of(f)?;
        let mut q = Query::new();
        bound.apply(&mut q, &actor);
        let w = q.where_clause();
        let limit = q.mark(Param::Int(AUDIT_EXPORT_MAX));
        let rows = tx.query(
            &format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log{w} ORDER BY audit_id DESC LIMIT {limit}"
            ),
            &q.params,
        )?;
        rows.iter().map(audit_item).collect()
    })?;
    let bytes = audit_xlsx(&items)?;
    let n = items.len() as i64;
    ctx.db.transaction(|tx| {
        crate::audit(
            tx,
            &actor.name,
            "audit.export",
            &serde_json::json!({"entries": n, "account": f.account, "action": f.status,
                "county": f.county, "from": f.from, "to": f.to, "text": f.text}),
        )
    })?;
    Ok((bytes, n))
}

fn audit_xlsx(items: &[AuditItem]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        OpsError::rule("E-EXPORT-WRITE", format!("审计日志工作簿无法生成：{e}"))
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("审计日志").map_err(xerr)?;
    let bold = Format::new().set_bold();
    for (c, h) in ["编号", "时间（UTC）", "账号", "操作", "来源地址", "内容"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    for (i, it) in items.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, it.audit_id as f64).map_err(xerr)?;
        ws.write(r, 1, &it.at).map_err(xerr)?;
        ws.write(r, 2, &it.actor).map_err(xerr)?;
        ws.write(r, 3, &it.action).map_err(xerr)?;
        ws.write(r, 4, &it.address).map_err(xerr)?;
        ws.write(r, 5, it.detail.to_string()).map_err(xerr)?;
    }
    ws.set_column_width(1, 20).map_err(xerr)?;
    ws.set_column_width(3, 24).map_err(xerr)?;
    ws.set_column_width(5, 80).map_err(xerr)?;
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}
