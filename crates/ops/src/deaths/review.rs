//! The records a person decides: the review queue of scored candidates, and the deaths whose
//! sources disagree on the date.

use super::*;
use crate::access::Action;
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use yanglao_store::Param;

/// The columns [`review_of`] reads, from [`REVIEW_FROM`].
pub(crate) const REVIEW_COLUMNS: &str = "d.record_id, d.source, d.source_ref, d.name, d.citizen_id_raw, d.death_date, p.citizen_id, d.person_county, d.match_score, d.match_status, d.reviewed_by, d.review_reason, d.reviewed_on";
pub(crate) const REVIEW_FROM: &str =
    "death_records d JOIN persons p ON p.county = d.person_county AND p.person_id = d.person_id";

/// A record waiting for review from a row of [`REVIEW_COLUMNS`].
pub(crate) fn review_of(r: &yanglao_store::Row) -> Result<ReviewItem> {
    Ok(ReviewItem {
        record_id: r.i64(0)?,
        source: r.str(1)?,
        source_ref: r.str(2)?,
        name: r.str(3)?,
        citizen_id_raw: r.str(4)?,
        death_date: r.date(5)?,
        candidate_citizen_id: r.str(6)?,
        candidate_county: r.str(7)?,
        score: r.i64(8)?,
        status: r.str(9)?,
        reviewed_by: r.opt_str(10)?,
        review_reason: r.opt_str(11)?,
        reviewed_on: r.opt_date(12)?,
    })
}

/// A record waiting for a person's decision.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub record_id: i64,
    pub source: String,
    pub source_ref: String,
    pub name: String,
    pub citizen_id_raw: String,
    pub death_date: NaiveDate,
    pub candidate_citizen_id: String,
    pub candidate_county: String,
    pub score: i64,
    pub status: String,
    /// Who decided the record, why, and on which day (none while it waits).
    pub reviewed_by: Option<String>,
    pub review_reason: Option<String>,
    pub reviewed_on: Option<NaiveDate>,
}

pub fn review_list(ctx: &mut Ctx) -> Result<Vec<ReviewItem>> {
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Vec<ReviewItem>> {
        let mut params = Vec::new();
        let scope = actor.scope_sql("d.person_county", &mut params);
        tx.query(
            &format!("SELECT {REVIEW_COLUMNS} FROM {REVIEW_FROM} WHERE d.match_status = 'review' AND {scope} ORDER BY d.record_id"),
            &params,
        )?
        .iter()
        .map(review_of)
        .collect()
    })
}

/// Confirms (applying the death) or rejects a review item. Deciding the same way again changes
/// nothing; deciding the other way after a decision is refused.
/// A confirmation applies the death on `on`, the date of the decision (required to confirm).
/// The longest reason a review takes.
pub const REASON_MAX_CHARS: usize = 200;

pub fn review_decide(
    ctx: &mut Ctx,
    record_id: i64,
    confirm: bool,
    on: Option<NaiveDate>,
    reason: Option<&str>,
) -> Result<(String, Option<Applied>)> {
    ctx.actor.require(Action::ReviewDeaths)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match reason {
        None if !confirm => {
            return Err(OpsError::rule(
                "E-DEATH-REVIEW-REASON",
                "驳回死亡记录须写明理由（如“身份证号相同但姓名、出生日期不符，经核实为他人”）",
            ))
        }
        Some(r) if r.chars().count() > REASON_MAX_CHARS => {
            return Err(OpsError::rule(
                "E-DEATH-REVIEW-REASON",
                format!(
                    "审核理由过长：{} 个字，最多 {REASON_MAX_CHARS} 个字",
                    r.chars().count()
                ),
            ))
        }
        _ => {}
    }
    let scope = ctx.actor.clone();
    let actor = ctx.who();
    let on = match (confirm, on) {
        (true, None) => {
            return Err(OpsError::rule(
                "E-DATE-REQUIRED",
                "确认死亡记录须用 --date YYYY-MM-DD 指明确认日期（其影响记在这一天）",
            ))
        }
        (_, Some(d)) if d > crate::register::persons::today() => {
            return Err(OpsError::rule(
                "E-DATE-FUTURE",
                format!("确认日期 {d} 晚于今天"),
            ))
        }
        (_, d) => d.unwrap_or(NaiveDate::MIN),
    };
    ctx.db.transaction(|tx| -> Result<(String, Option<Applied>)> {
        tx.lock_for_writing()?;
        let r = tx
            .query_opt("SELECT match_status, person_id, person_county FROM death_records WHERE record_id = $1", &[Param::Int(record_id)])?
            .ok_or_else(|| OpsError::rule("E-DEATH-REVIEW-NOT-FOUND", format!("没有编号为 {record_id} 的死亡记录")))?;
        let (status, pid, county) = (r.str(0)?, r.opt_i64(1)?, r.opt_str(2)?);
        match &county {
            Some(c) => scope.require_county(Action::ReviewDeaths, c)?,
            None => scope.require(Action::ReviewDeaths)?,
        }
        let wanted = if confirm { "confirmed" } else { "rejected" };
        if status == wanted {
            return Ok((format!("记录 {record_id} 此前已{}，未作改动", if confirm { "确认" } else { "驳回" }), None));
        }
        if status != "review" {
            return Err(OpsError::rule("E-DEATH-REVIEW-DECIDED", format!("记录 {record_id} 状态为“{}”，不在待审核队列中", match_status_zh(&status))));
        }
        let decided_on = if on == NaiveDate::MIN { crate::register::persons::today() } else { on };
        tx.exec(
            "UPDATE death_records SET match_status = $2, reviewed_by = $3, review_reason = $4, reviewed_on = $5 WHERE record_id = $1",
            &[Param::Int(record_id), Param::Text(wanted), Param::Text(&actor), reason.map_or(Param::Null, Param::Text), Param::Date(decided_on)],
        )?;
        audit(tx, &actor, "deaths.review", &serde_json::json!({"record_id": record_id, "decision": wanted, "reason": reason, "before": {"match_status": status}, "after": {"match_status": wanted}}))?;
        let applied = match (confirm, pid, county) {
            (true, Some(pid), Some(county)) => {
                let death = tx
                    .query_one("SELECT death_date FROM death_records WHERE record_id = $1", &[Param::Int(record_id)])?
                    .date(0)?;
                if on < death {
                    return Err(OpsError::rule("E-DATE-BEFORE-DEATH", format!("确认日期 {on} 早于记录的死亡日期 {death}")));
                }
                Some(apply_death(tx, &county, pid, &actor, on)?)
            }
            _ => None,
        };
        Ok((format!("记录 {record_id} 已{}", if confirm { "确认并生效" } else { "驳回" }), applied))
    })
}

/// A death whose sources disagree on the date, with every record.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub citizen_id: String,
    pub county: String,
    pub death_date: NaiveDate,
    pub source: String,
    pub records: Vec<serde_json::Value>,
}

/// Deaths whose sources give different dates: the date in force and every record behind it.
pub fn disagreements(ctx: &mut Ctx) -> Result<Vec<Disagreement>> {
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Vec<Disagreement>> {
        let mut params = Vec::new();
        let scope = actor.scope_sql("d.county", &mut params);
        let deaths = tx.query(
            &format!("SELECT d.county, d.person_id, p.citizen_id, d.death_date, d.source FROM deaths d
             JOIN persons p ON p.county = d.county AND p.person_id = d.person_id
             WHERE d.disagreement AND {scope} ORDER BY d.county, d.person_id"),
            &params,
        )?;
        let mut out = Vec::with_capacity(deaths.len());
        for d in deaths {
            let records = tx
                .query(
                    "SELECT source, source_ref, death_date, match_status FROM death_records WHERE person_county = $1 AND person_id = $2
                     AND match_status IN ('matched', 'confirmed') ORDER BY death_date, record_id",
                    &[Param::Text(&d.str(0)?), Param::Int(d.i64(1)?)],
                )?
                .iter()
                .map(|r| Ok(serde_json::json!({"source": r.str(0)?, "source_ref": r.str(1)?, "date": r.date(2)?, "status": r.str(3)?})))
                .collect::<Result<Vec<_>>>()?;
            out.push(Disagreement {
                citizen_id: crate::ledger::masked_id(&d.str(2)?),
                county: d.str(0)?,
                death_date: d.date(3)?,
                source: d.str(4)?,
                records,
            });
        }
        Ok(out)
    })
}
