//! A person's place in the scheme: the register entry, the derived yearly status (contributing or
//! lapsed, from their contributions) and the recorded decisions (receiving, suspended, resumed,
//! terminated with a reason).

use crate::access::Action;
use crate::{audit, Ctx, OpsError, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use yanglao_domain::{age_on, BankAccount, CitizenId, Month};
use yanglao_store::{Param, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Receiving,
    Suspended,
    Resumed,
    Terminated,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "receiving" => Some(Decision::Receiving),
            "suspended" => Some(Decision::Suspended),
            "resumed" => Some(Decision::Resumed),
            "terminated" => Some(Decision::Terminated),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Receiving => "receiving",
            Decision::Suspended => "suspended",
            Decision::Resumed => "resumed",
            Decision::Terminated => "terminated",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Decision::Receiving => "领取待遇",
            Decision::Suspended => "暂停发放",
            Decision::Resumed => "恢复发放",
            Decision::Terminated => "终止",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub status: Decision,
    pub reason: Option<String>,
    pub effective_date: NaiveDate,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearStatus {
    pub year: i32,
    /// `contributing` or `lapsed`.
    pub status: &'static str,
    pub self_paid: bool,
    pub government_paid: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub citizen_id: String,
    pub name: String,
    pub county: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    /// Age today, or at death for a person whose death an official source confirms (a village
    /// report alone leaves the age today).
    pub age: i32,
    pub phone: Option<String>,
    pub bank_name: Option<String>,
    /// Masked: the full number is for the payroll only.
    pub bank_account: Option<String>,
    pub basic_enrolled: bool,
    /// Where in the county the person lives (乡镇、街道; 村、社区), if the register says.
    pub township: Option<String>,
    pub village: Option<String>,
    /// A recipient left out of this month's payroll for want of a certification in time
    /// (certification.rs); a later certification brings them back with the months missed.
    pub uncertified: bool,
    /// `registered` (in the basic scheme, never contributed), `contributing`, `lapsed`, or the last decision.
    pub current_status: String,
    pub years: Vec<YearStatus>,
    pub events: Vec<Event>,
    /// The death in force, if any: date, source, whether an official source confirms it, and
    /// whether the sources disagree (every record is listed in `death_records`).
    pub death: Option<serde_json::Value>,
    pub death_records: Vec<serde_json::Value>,
}

fn find(tx: &mut Tx<'_>, id: &CitizenId) -> Result<yanglao_store::Row> {
    tx.query_opt(
        "SELECT person_id, county, name, birth_date, sex, phone, bank_name, bank_account, basic_enrolled, township, village FROM persons WHERE citizen_id = $1",
        &[Param::Text(id.as_str())],
    )?
    .ok_or_else(|| OpsError::rule("E-PERSON-NOT-FOUND", format!("登记册中没有身份证号为 {} 的人员", id.masked())))
}

fn events(tx: &mut Tx<'_>, county: &str, person_id: i64) -> Result<Vec<Event>> {
    tx.query(
        "SELECT status, reason, effective_date, recorded_by FROM person_events WHERE county = $1 AND person_id = $2 ORDER BY effective_date, event_id",
        &[Param::Text(county), Param::Int(person_id)],
    )?
    .iter()
    .map(|r| {
        Ok(Event {
            status: Decision::parse(&r.str(0)?).unwrap_or(Decision::Terminated),
            reason: r.opt_str(1)?,
            effective_date: r.date(2)?,
            recorded_by: r.str(3)?,
        })
    })
    .collect()
}

/// A person's current status (`PersonView::current_status`) as people read it.
pub fn status_zh(s: &str) -> &str {
    match s {
        "registered" => "已登记，未缴费",
        "contributing" => "缴费",
        "lapsed" => "断缴",
        other => match Decision::parse(other) {
            Some(d) => d.label_zh(),
            None => other,
        },
    }
}

/// The citizen ID of the person `person_id`, for an actor of the person's county.
pub fn citizen_id_of(ctx: &mut Ctx, person_id: i64) -> Result<String> {
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let r = tx
            .query_opt(
                "SELECT citizen_id, county FROM persons WHERE person_id = $1",
                &[Param::Int(person_id)],
            )?
            .ok_or_else(|| {
                OpsError::rule(
                    "E-PERSON-NOT-FOUND",
                    format!("没有编号为 {person_id} 的参保人"),
                )
            })?;
        actor.require_county(Action::Read, &r.str(1)?)?;
        Ok(r.str(0)?)
    })
}

/// The citizen ID of `person_id` in full, for a role that may see it (`access::may_reveal`) in
/// the person's county; the audit log records who saw whose.
pub fn reveal(ctx: &mut Ctx, person_id: i64) -> Result<String> {
    if !crate::access::may_reveal(ctx.actor.role) {
        return Err(OpsError::rule(
            "E-ACCESS-ROLE",
            format!("账号 {} 无权查看完整的身份证号", ctx.actor.describe()),
        ));
    }
    let id = citizen_id_of(ctx, person_id)?;
    let who = ctx.who();
    ctx.db.transaction(|tx| {
        crate::audit(
            tx,
            &who,
            "person.reveal",
            &serde_json::json!({"person_id": person_id, "citizen_id": crate::ledger::masked_id(&id)}),
        )
    })?;
    Ok(id)
}

/// The register entry and status history of a person, as of `today`.
pub fn show(ctx: &mut Ctx, citizen_id: &str, today: NaiveDate) -> Result<PersonView> {
    let (id, _) = CitizenId::parse(citizen_id).map_err(|e| OpsError::rule(e.code, e.message))?;
    let ctx_policy = &ctx.policy;
    let actor = &ctx.actor;
    ctx.db.read_transaction(|tx| -> Result<PersonView> {
        let p = find(tx, &id)?;
        let (pid, county) = (p.i64(0)?, p.str(1)?);
        actor.require_county(Action::Read, &county)?;
        let events = events(tx, &county, pid)?;
        let years = contribution_years(tx, &county, pid, &events, today)?;
        let current_status = current_status(&events, &years, today);
        let birth_date = p.date(3)?;
        let death = tx
            .query_opt(
                "SELECT death_date, source, official, disagreement FROM deaths WHERE county = $1 AND person_id = $2",
                &[Param::Text(&county), Param::Int(pid)],
            )?
            .map(|r| -> Result<serde_json::Value> {
                Ok(serde_json::json!({"date": r.date(0)?, "source": r.str(1)?, "official": r.bool(2)?, "disagreement": r.bool(3)?}))
            })
            .transpose()?;
        // A village report alone is not a death until an official source confirms it: the age
        // stays the age today.
        let confirmed_death_date = death
            .as_ref()
            .filter(|d| d["official"] == true)
            .and_then(|d| d["date"].as_str())
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let uncertified = death.is_none()
            && current_status == Decision::Receiving.as_str()
            && uncertified_now(tx, ctx_policy, &county, pid, today)?;
        let death_records = tx
            .query(
                "SELECT source, source_ref, death_date, match_status FROM death_records WHERE person_county = $1 AND person_id = $2 ORDER BY death_date, record_id",
                &[Param::Text(&county), Param::Int(pid)],
            )?
            .iter()
            .map(|r| Ok(serde_json::json!({"source": r.str(0)?, "source_ref": r.str(1)?, "date": r.date(2)?, "status": r.str(3)?})))
            .collect::<Result<Vec<_>>>()?;
        Ok(PersonView {
            citizen_id: id.as_str().to_string(),
            name: p.str(2)?,
            county,
            birth_date,
            sex: p.str(4)?,
            age: age_on(birth_date, confirmed_death_date.unwrap_or(today)),
            phone: p.opt_str(5)?,
            bank_name: p.opt_str(6)?,
            bank_account: p.opt_str(7)?.map(|a| BankAccount::parse(&a).map(|(b, _)| b.masked()).unwrap_or_else(|_| "****".to_string())),
            basic_enrolled: p.bool(8)?,
            township: p.opt_str(9)?,
            village: p.opt_str(10)?,
            uncertified,
            current_status,
            years,
            events,
            death,
            death_records,
        })
    })
}

/// Each year from the person's first contribution to the year before their award or
/// termination (or this year), contributing or lapsed, with who paid.
fn contribution_years(
    tx: &mut Tx<'_>,
    county: &str,
    pid: i64,
    events: &[Event],
    today: NaiveDate,
) -> Result<Vec<YearStatus>> {
    let mut paid: Vec<(i32, String)> = Vec::new();
    for r in tx.query(
        "SELECT year, kind FROM account_movements WHERE county = $1 AND person_id = $2 AND kind IN ('self', 'gov_paid') ORDER BY year",
        &[Param::Text(county), Param::Int(pid)],
    )? {
        paid.push((r.i64(0)? as i32, r.str(1)?));
    }
    let stop_year = events
        .iter()
        .find(|e| matches!(e.status, Decision::Receiving | Decision::Terminated))
        .map_or(today.year(), |e| e.effective_date.year() - 1);
    let mut years = Vec::new();
    if let Some(first) = paid.first().map(|p| p.0) {
        for year in first..=stop_year.max(paid.last().map_or(first, |p| p.0)) {
            let self_paid = paid.iter().any(|(y, k)| *y == year && k == "self");
            let government_paid = paid.iter().any(|(y, k)| *y == year && k == "gov_paid");
            years.push(YearStatus {
                year,
                status: if self_paid || government_paid {
                    "contributing"
                } else {
                    "lapsed"
                },
                self_paid,
                government_paid,
            });
        }
    }
    Ok(years)
}

/// The person's status now: the last decision's (resumed reads as receiving), terminated once
/// terminated; without decisions, from the contributions of this year or the last.
fn current_status(events: &[Event], years: &[YearStatus], today: NaiveDate) -> String {
    // A termination is final (the payroll reads it so): a suspension dated after it (a
    // village report, then an official death dated earlier) does not make it current.
    let terminated = events.iter().any(|e| e.status == Decision::Terminated);
    match events.last() {
        _ if terminated => Decision::Terminated.as_str().to_string(),
        Some(e) if e.status == Decision::Resumed => Decision::Receiving.as_str().to_string(),
        Some(e) => e.status.as_str().to_string(),
        None => match years.iter().rev().find(|y| y.year <= today.year()) {
            Some(y)
                if y.year == today.year()
                    || y.status == "contributing" && y.year + 1 == today.year() =>
            {
                "contributing".to_string()
            }
            Some(_) => "lapsed".to_string(),
            None => "registered".to_string(),
        },
    }
}

/// A recipient (someone with an award) not certified in time to be paid this month.
fn uncertified_now(
    tx: &mut Tx<'_>,
    policy: &crate::policy::PolicyBook,
    county: &str,
    pid: i64,
    today: NaiveDate,
) -> Result<bool> {
    let award_start = tx
        .query_opt(
            "SELECT start_month FROM awards WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(pid)],
        )?
        .map(|r| r.date(0))
        .transpose()?;
    let Some(start) = award_start else {
        return Ok(false);
    };
    let last = tx
        .query_opt(
            "SELECT MAX(certified_on) FROM certifications WHERE county = $1 AND person_id = $2 AND certified_on <= $3",
            &[Param::Text(county), Param::Int(pid), Param::Date(today)],
        )?
        .map(|r| r.opt_date(0))
        .transpose()?
        .flatten();
    let params = policy
        .supplementary(county, today)
        .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
    Ok(crate::deaths::certification::uncertified(
        &params,
        Month::of(today),
        Month::of(start),
        last,
    ))
}

/// Records a decision about a person. Allowed: receiving from anything but terminated; suspended
/// only while receiving; resumed only while suspended; terminated (with a reason) from anything.
pub fn record(
    ctx: &mut Ctx,
    citizen_id: &str,
    status: Decision,
    reason: Option<&str>,
    date: NaiveDate,
) -> Result<Event> {
    let (id, _) = CitizenId::parse(citizen_id).map_err(|e| OpsError::rule(e.code, e.message))?;
    ctx.actor.require(Action::Register)?;
    let actor = ctx.who();
    let scope = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Event> {
        tx.lock_for_writing()?;
        let p = find(tx, &id)?;
        let (pid, county) = (p.i64(0)?, p.str(1)?);
        scope.require_county(Action::Register, &county)?;
        let history = events(tx, &county, pid)?;
        let current = history.last().map(|e| if e.status == Decision::Resumed { Decision::Receiving } else { e.status });
        if let Some(last) = history.last() {
            if date < last.effective_date {
                return Err(OpsError::rule(
                    "E-STATUS-DATE-ORDER",
                    format!("生效日期 {date} 早于上一次状态变更（{}，{}）", last.status.label_zh(), last.effective_date),
                ));
            }
        }
        let allowed = match status {
            Decision::Receiving => current != Some(Decision::Terminated) && current != Some(Decision::Receiving),
            Decision::Suspended => current == Some(Decision::Receiving),
            Decision::Resumed => current == Some(Decision::Suspended),
            Decision::Terminated => current != Some(Decision::Terminated),
        };
        if !allowed {
            return Err(OpsError::rule(
                "E-STATUS-TRANSITION",
                format!(
                    "当前状态为“{}”，不能变更为“{}”",
                    current.map_or("未领取待遇", |c| c.label_zh()),
                    status.label_zh()
                ),
            ));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if status == Decision::Terminated && reason.is_none() {
            return Err(OpsError::rule("E-STATUS-REASON", "终止参保必须注明原因"));
        }
        let event_id = tx.allocate_ids("person_event", 1)?;
        tx.exec(
            "INSERT INTO person_events (county, event_id, person_id, status, reason, effective_date, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                Param::Text(&county),
                Param::Int(event_id),
                Param::Int(pid),
                Param::Text(status.as_str()),
                Param::from(reason),
                Param::Date(date),
                Param::Text(&actor),
                Param::Timestamp(yanglao_store::now()),
            ],
        )?;
        audit(tx, &actor, "person.status", &serde_json::json!({"person_id": pid, "status": status, "reason": reason, "date": date}))?;
        Ok(Event { status, reason: reason.map(str::to_string), effective_date: date, recorded_by: actor.clone() })
    })
}
