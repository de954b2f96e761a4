//! The monthly benefit payroll (待遇发放): a draft per county and month built in one transaction
//! (so a crash leaves either no payroll or a complete one), checked, approved by someone other than
//! its maker, exported to the banks, and closed by their returns.
//!
//! A regular payroll pays every recipient in pay one line for the month — the first line of a new
//! award also pays the months since the award started. People left out are listed with the reason.
//! A supplementary payroll re-issues the lines the banks returned as failed.

pub mod awards;
pub mod bank_return;
mod checks;
pub mod export;
mod run;

pub use checks::*;
pub use run::*;

use crate::access::{Action, Actor};
use crate::register::index::FastMap;
use crate::{Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_domain::Month;
use yanglao_store::{Param, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Regular,
    Supplementary,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::Supplementary => "supplementary",
        }
    }
}

/// A payroll as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i64,
    pub county: String,
    pub month: Month,
    pub kind: String,
    pub seq: i64,
    pub status: String,
    pub lines: i64,
    pub total_fen: i64,
    pub run_by: String,
    /// The maker's account (None: made before accounts were kept).
    pub run_by_user: Option<i64>,
    pub approved_by: Option<String>,
    pub paid_date: Option<NaiveDate>,
    /// People left out, by reason.
    pub excluded: BTreeMap<String, i64>,
    /// The run found this payroll already made and changed nothing.
    pub existed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub month: Month,
    pub kind: Kind,
    pub payrolls: Vec<Summary>,
    /// Anomalies found by the checks, per payroll id.
    pub anomalies: BTreeMap<i64, usize>,
}

const SUMMARY_SELECT: &str = "SELECT payroll_id, county, month, kind, seq, status, line_count, total_fen, run_by, approved_by, paid_date, run_by_user FROM payrolls";

fn summary_of(r: &yanglao_store::Row) -> Result<Summary> {
    Ok(Summary {
        id: r.i64(0)?,
        county: r.str(1)?,
        month: Month::of(r.date(2)?),
        kind: r.str(3)?,
        seq: r.i64(4)?,
        status: r.str(5)?,
        lines: r.i64(6)?,
        total_fen: r.i64(7)?,
        run_by: r.str(8)?,
        run_by_user: r.opt_i64(11)?,
        approved_by: r.opt_str(9)?,
        paid_date: r.opt_date(10)?,
        excluded: BTreeMap::new(),
        existed: false,
    })
}

/// A payroll's summary, with its exclusions counted by reason.
pub fn summary(tx: &mut Tx<'_>, id: i64, existed: bool) -> Result<Summary> {
    let r = tx
        .query_opt(
            &format!("{SUMMARY_SELECT} WHERE payroll_id = $1"),
            &[Param::Int(id)],
        )?
        .ok_or_else(|| {
            OpsError::rule("E-PAYROLL-NOT-FOUND", format!("没有编号为 {id} 的发放批次"))
        })?;
    let mut s = summary_of(&r)?;
    s.existed = existed;
    let excluded = tx.query(
        "SELECT reason, COUNT(*) FROM payroll_exclusions WHERE payroll_id = $1 AND county = $2 GROUP BY reason ORDER BY reason",
        &[Param::Int(id), Param::Text(&s.county)],
    )?;
    for r in excluded {
        s.excluded.insert(r.str(0)?, r.i64(1)?);
    }
    Ok(s)
}

/// Payrolls, newest month first, optionally of one month.
pub fn list(ctx: &mut Ctx, month: Option<Month>) -> Result<Vec<Summary>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| -> Result<Vec<Summary>> {
        let mut params = Vec::new();
        let scope = actor.scope_sql("county", &mut params);
        let month_day = month.map(|m| m.first_day());
        let month_filter = match month_day {
            Some(d) => {
                params.push(Param::Date(d));
                format!(" AND month = ${}", params.len())
            }
            None => String::new(),
        };
        let rows = tx.query(
            &format!("{SUMMARY_SELECT} WHERE {scope}{month_filter} ORDER BY month DESC, county, kind, seq"),
            &params,
        )?;
        let mut list: Vec<Summary> = rows.iter().map(summary_of).collect::<Result<_>>()?;
        let mut excluded: FastMap<i64, BTreeMap<String, i64>> = FastMap::default();
        // The exclusions of the payrolls listed only (a month's, not every month's).
        for r in tx.query(
            &format!(
                "SELECT payroll_id, reason, COUNT(*) FROM payroll_exclusions
                 WHERE payroll_id IN (SELECT payroll_id FROM payrolls WHERE {scope}{month_filter})
                 GROUP BY payroll_id, reason"
            ),
            &params,
        )? {
            excluded.entry(r.i64(0)?).or_default().insert(r.str(1)?, r.i64(2)?);
        }
        for s in &mut list {
            if let Some(e) = excluded.remove(&s.id) {
                s.excluded = e;
            }
        }
        Ok(list)
    })
}

/// A payroll's summary when the actor may read its county (E-ACCESS-COUNTY otherwise).
pub fn summary_in_scope(tx: &mut Tx<'_>, actor: &Actor, id: i64, existed: bool) -> Result<Summary> {
    let s = summary(tx, id, existed)?;
    actor.require_county(Action::Read, &s.county)?;
    Ok(s)
}

/// A payment line's status in Chinese.
pub fn line_status_zh(s: &str) -> &str {
    match s {
        "pending" => "待回盘",
        "paid" => "已发放",
        "failed" => "发放失败",
        other => other,
    }
}

pub fn status_zh(s: &str) -> &str {
    match s {
        "draft" => "草稿",
        "approved" => "已审核",
        "exported" => "已导出",
        "paid" => "已发放",
        "not_started" => "未生成",
        other => other,
    }
}

/// One county's state for a month (`payroll status`).
#[derive(Debug, Clone, Serialize)]
pub struct CountyStatus {
    pub county: String,
    pub state: String,
    pub payroll_id: Option<i64>,
    pub paid_date: Option<NaiveDate>,
    pub deadline: NaiveDate,
    /// Days from today to the 15th (negative once it has passed).
    pub days_left: i64,
    pub late: bool,
}

pub fn status(ctx: &mut Ctx, month: Month, today: NaiveDate) -> Result<Vec<CountyStatus>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| -> Result<Vec<CountyStatus>> {
        let counties = crate::known_counties(tx)?;
        let mut out = Vec::new();
        for c in actor.counties_of(counties.keys()) {
            let p = tx.query_opt(
                "SELECT payroll_id, status, paid_date FROM payrolls WHERE county = $1 AND month = $2 AND kind = 'regular' AND seq = 1",
                &[Param::Text(c), Param::Date(month.first_day())],
            )?;
            let (payroll_id, state, paid_date) = match p {
                Some(r) => (Some(r.i64(0)?), r.str(1)?, r.opt_date(2)?),
                None => (None, "not_started".to_string(), None),
            };
            let deadline = month.deadline();
            let late = match paid_date {
                Some(d) => d > deadline,
                None => today > deadline,
            };
            out.push(CountyStatus { county: c.clone(), state, payroll_id, paid_date, deadline, days_left: (deadline - today).num_days(), late });
        }
        Ok(out)
    })
}
