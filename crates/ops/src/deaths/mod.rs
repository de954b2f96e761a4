//! Deaths (多领冒领的源头): death records from every source, matched to the register, and their
//! effects: benefits stop from the month after death, a draft payroll drops the person, payments
//! already made for later months become overpayments month by month and component by component,
//! and a recovery case opens.
//!
//! Sources: public security (户籍注销), civil affairs (火化/殡葬), health (死亡医学证明) — official —
//! and the villages' monthly reports (去世人员月报). The death in force is the earliest date an
//! official source gives; a village report alone suspends payment until an official source
//! confirms it. Records whose citizen ID is missing or invalid go to a review queue, matched on
//! name, birth date and county with a score; nothing fuzzy is applied without a confirmation.

pub mod certification;
pub mod inheritance;
mod records;
pub mod recovery;
mod review;

pub use records::*;
pub use review::*;

use crate::access::Action;
use crate::{Ctx, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A recovery case as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub case_id: i64,
    pub person_id: i64,
    pub citizen_id: String,
    pub county: String,
    pub death_date: NaiveDate,
    pub opened_on: NaiveDate,
    pub overpaid_fen: i64,
    pub recovered_fen: i64,
    pub written_off_fen: i64,
    pub outstanding_fen: i64,
    pub status: String,
}

pub fn recovery_list(
    ctx: &mut Ctx,
    status: Option<&str>,
    county: Option<&str>,
    year: Option<i32>,
) -> Result<Vec<Case>> {
    if let Some(c) = county {
        ctx.actor.require_county(Action::Read, c)?;
    }
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Vec<Case>> {
        let mut out = Vec::new();
        let mut params = Vec::new();
        let scope = actor.scope_sql("c.county", &mut params);
        for r in tx.query(
            &format!(
                "SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE {scope} ORDER BY c.county, c.case_id"
            ),
            &params,
        )? {
            let case = case_of(&r)?;
            if status.is_some_and(|s| s != case.status)
                || county.is_some_and(|c| c != case.county)
                || year.is_some_and(|y| y != case.death_date.year())
            {
                continue;
            }
            out.push(case);
        }
        Ok(out)
    })
}

/// The columns [`case_of`] reads, from [`CASE_FROM`].
pub(crate) const CASE_COLUMNS: &str = "c.case_id, c.person_id, p.citizen_id, c.county, c.death_date, c.opened_on, c.overpaid_fen, c.recovered_fen, c.written_off_fen, c.status";
pub(crate) const CASE_FROM: &str =
    "recovery_cases c JOIN persons p ON p.county = c.county AND p.person_id = c.person_id";

/// A recovery case from a row of [`CASE_COLUMNS`] (the citizen ID masked).
pub(crate) fn case_of(r: &yanglao_store::Row) -> Result<Case> {
    Ok(Case {
        case_id: r.i64(0)?,
        person_id: r.i64(1)?,
        citizen_id: crate::ledger::masked_id(&r.str(2)?),
        county: r.str(3)?,
        death_date: r.date(4)?,
        opened_on: r.date(5)?,
        overpaid_fen: r.i64(6)?,
        recovered_fen: r.i64(7)?,
        written_off_fen: r.i64(8)?,
        outstanding_fen: r.i64(6)? - r.i64(7)? - r.i64(8)?,
        status: r.str(9)?,
    })
}

/// Recovery figures for the evaluation, per county and year (cases by the year of the death,
/// stopped payments by the payroll's month).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Figures {
    pub county: String,
    pub year: i32,
    pub cases_opened: i64,
    pub overpaid_fen: i64,
    pub recovered_fen: i64,
    pub written_off_fen: i64,
    pub outstanding_fen: i64,
    /// Payments to deceased people stopped before they were made (left out of a payroll).
    pub payments_stopped: i64,
    /// Their monthly amounts.
    pub payments_stopped_fen: i64,
}

pub fn figures(ctx: &mut Ctx, year: Option<i32>) -> Result<Vec<Figures>> {
    let cases = recovery_list(ctx, None, None, year)?;
    let mut m: std::collections::BTreeMap<(String, i32), Figures> = Default::default();
    for c in cases {
        // The year the overpayment arose: the year of the death.
        let y = c.death_date.year();
        let f = m.entry((c.county.clone(), y)).or_insert_with(|| Figures {
            county: c.county.clone(),
            year: y,
            ..Default::default()
        });
        f.cases_opened += 1;
        f.overpaid_fen += c.overpaid_fen;
        f.recovered_fen += c.recovered_fen;
        f.written_off_fen += c.written_off_fen;
        f.outstanding_fen += c.outstanding_fen;
    }
    let stopped = ctx.db.transaction(|tx| {
        tx.query(
            "SELECT x.county, p.month, COUNT(*), CAST(COALESCE(SUM(a.monthly_fen), 0) AS BIGINT)
             FROM payroll_exclusions x
             JOIN payrolls p ON p.county = x.county AND p.payroll_id = x.payroll_id
             LEFT JOIN awards a ON a.county = x.county AND a.person_id = x.person_id
             WHERE x.reason = 'deceased' AND p.kind = 'regular'
             GROUP BY x.county, p.month",
            &[],
        )
    })?;
    for r in stopped {
        let y = r.date(1)?.year();
        if year.is_some_and(|x| x != y) {
            continue;
        }
        let county = r.str(0)?;
        let f = m.entry((county.clone(), y)).or_insert_with(|| Figures {
            county,
            year: y,
            ..Default::default()
        });
        f.payments_stopped += r.i64(2)?;
        f.payments_stopped_fen += r.i64(3)?;
    }
    Ok(m.into_values().collect())
}
