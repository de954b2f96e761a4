//! `interest credit`: the year's credited interest (记账利率) on every individual account.
//!
//! Rule (documented in docs/LEDGER.md): interest for year Y = the account's balance at the end of
//! Y−1 × the crediting rate in force on 31 December of Y, rounded half away from zero to the fen.
//! Contributions of year Y earn interest from Y+1. Credited once per county and year, and in year
//! order: a year is refused while an earlier year that accrued interest is uncredited, and (in the
//! imports) a movement dated before a credited year is refused, so no interest is ever lost.
//! Posting: debit `pool.interest`, credit `ind.interest`, itemised in the sub-ledger.

use crate::access::Action;
use crate::ledger::{self, EntryDraft};
use crate::{audit, known_counties, Ctx, OpsError, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use yanglao_store::{Param, Tx};

#[derive(Debug, Clone, Serialize)]
pub struct CountyInterest {
    pub county: String,
    pub rate: String,
    pub persons: i64,
    pub total_fen: i64,
    /// None when no account earned interest (the year is still recorded as credited).
    pub entry_id: Option<i64>,
    /// Credited by an earlier run; nothing posted now.
    pub already_credited: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterestOutcome {
    pub year: i32,
    pub counties: Vec<CountyInterest>,
}

/// Credits `year`'s interest in one county (or every county of the actor); a county already
/// credited for the year is reported as it was.
pub fn credit(ctx: &mut Ctx, year: i32, county: Option<&str>) -> Result<InterestOutcome> {
    ctx.actor.require(Action::Interest)?;
    if let Some(c) = county {
        ctx.actor.require_county(Action::Interest, c)?;
    }
    let scope = ctx.actor.clone();
    ctx.policy.require()?;
    let credit_date = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    if credit_date > chrono::Local::now().date_naive() {
        return Err(OpsError::rule(
            "E-INTEREST-YEAR-NOT-ENDED",
            format!("{year} 年尚未结束，不能计息（利息于 {credit_date} 记账）"),
        ));
    }
    let actor = ctx.who();
    let policy = &ctx.policy;
    ctx.db.transaction(|tx| -> Result<_> {
        tx.lock_for_writing()?;
        let all = known_counties(tx)?;
        if let Some(c) = county {
            if !all.contains_key(c) {
                return Err(OpsError::rule(
                    "E-REGION-UNKNOWN",
                    format!("县区代码“{c}”不是本系统登记的县区"),
                ));
            }
        }
        let mut out = InterestOutcome {
            year,
            counties: Vec::new(),
        };
        for c in all
            .keys()
            .filter(|c| county.is_none_or(|x| x == c.as_str()) && scope.covers(c))
        {
            if let Some(done) = credited_before(tx, c, year)? {
                out.counties.push(done);
                continue;
            }
            if let Some(ci) = credit_county(tx, policy, c, year, &actor)? {
                out.counties.push(ci);
            }
        }
        Ok(out)
    })
}

/// A county's credit of `year` by an earlier run, if there was one.
fn credited_before(tx: &mut Tx<'_>, c: &str, year: i32) -> Result<Option<CountyInterest>> {
    let Some(r) = tx.query_opt(
        "SELECT rate, persons, total_fen, entry_id FROM interest_credits WHERE county = $1 AND year = $2",
        &[Param::Text(c), Param::Int(year.into())],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(CountyInterest {
        county: c.to_string(),
        rate: r.str(0)?,
        persons: r.i64(1)?,
        total_fen: r.i64(2)?,
        entry_id: r.opt_i64(3)?,
        already_credited: true,
    }))
}

/// Credits a county's interest of `year` (every earlier year that accrued must be credited) and
/// records the credit; None if nothing accrues yet.
fn credit_county(
    tx: &mut Tx<'_>,
    policy: &crate::policy::PolicyBook,
    c: &str,
    year: i32,
    actor: &str,
) -> Result<Option<CountyInterest>> {
    let credit_date = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let prior_end = NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("valid");
    // Nothing accrues before the year after the county's first movement.
    let first = tx.query_one(
        "SELECT MIN(movement_date) FROM account_movements WHERE county = $1",
        &[Param::Text(c)],
    )?;
    let Some(first_year) = first.opt_date(0)?.map(|d| d.year()) else {
        return Ok(None);
    };
    if first_year >= year {
        return Ok(None);
    }
    if let Some(missing) = first_uncredited(tx, c, first_year + 1..year)? {
        return Err(OpsError::rule(
            "E-INTEREST-EARLIER-YEAR",
            format!("{c} 的 {missing} 年利息尚未记账：须按年度顺序计息，请先计 {missing} 年"),
        ));
    }
    let sp = policy.supplementary(c, credit_date).map_err(|e| {
        OpsError::rule(
            "E-INTEREST-NO-RATE",
            format!("{year} 年没有有效的记账利率：{e}"),
        )
    })?;
    let mut credits: Vec<(i64, i64)> = Vec::new();
    tx.for_each_ref(
        "SELECT person_id, CAST(SUM(personal_fen + subsidy_province_fen + subsidy_city_fen + subsidy_county_fen + gov_paid_fen + interest_fen) AS BIGINT)
         FROM account_movements WHERE county = $1 AND movement_date <= $2
           AND person_id NOT IN (SELECT i.person_id FROM inheritance_payments i WHERE i.county = $1)
         GROUP BY person_id ORDER BY person_id",
        &[Param::Text(c), Param::Date(prior_end)],
        |r| {
            let interest = yanglao_policy::yearly_interest_fen(r.i64(1)?, sp.credit_interest_rate);
            if interest > 0 {
                credits.push((r.i64(0)?, interest));
            }
            Ok(())
        },
    )?;
    let total: i64 = credits.iter().map(|c| c.1).sum();
    let rate = sp.credit_interest_rate.to_string();
    let entry_id = if credits.is_empty() {
        None
    } else {
        Some(post_interest(tx, c, year, &rate, &credits, actor)?)
    };
    tx.exec(
        "INSERT INTO interest_credits (county, year, rate, persons, total_fen, entry_id) VALUES ($1, $2, $3, $4, $5, $6)",
        &[Param::Text(c), Param::Int(year.into()), Param::Text(&rate), Param::Int(credits.len() as i64), Param::Int(total), Param::from(entry_id)],
    )?;
    let ci = CountyInterest {
        county: c.to_string(),
        rate,
        persons: credits.len() as i64,
        total_fen: total,
        entry_id,
        already_credited: false,
    };
    audit(
        tx,
        actor,
        "interest.credit",
        &serde_json::to_value(&ci).unwrap_or_default(),
    )?;
    Ok(Some(ci))
}

/// Posts a county's interest of `year` on 31 December, itemised person by person (person,
/// interest). Returns the entry.
fn post_interest(
    tx: &mut Tx<'_>,
    c: &str,
    year: i32,
    rate: &str,
    credits: &[(i64, i64)],
    actor: &str,
) -> Result<i64> {
    let credit_date = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let total: i64 = credits.iter().map(|c| c.1).sum();
    let mut draft = EntryDraft {
        county: c,
        date: credit_date,
        kind: "interest_credit",
        description: format!("{year} 年个人账户记账利息（利率 {rate}）"),
        import_id: None,
        lines: Vec::new(),
    };
    draft.add(ledger::POOL_INTEREST, total);
    draft.add(ledger::IND_INTEREST, -total);
    let entry_id = ledger::post(tx, &draft, actor)?;
    let rows: Vec<ledger::AccountMovement> = credits
        .iter()
        .map(|(pid, amt)| ledger::AccountMovement {
            person_id: *pid,
            date: credit_date,
            components: [0, 0, 0, 0, 0, *amt],
            reference: format!("INTEREST-{year}"),
        })
        .collect();
    ledger::write_account_movements(tx, c, entry_id, "interest", &rows)?;
    Ok(entry_id)
}

/// The first year of `years` whose interest the county has not credited yet.
pub fn first_uncredited(
    tx: &mut yanglao_store::Tx<'_>,
    county: &str,
    years: std::ops::Range<i32>,
) -> Result<Option<i32>> {
    let credited: Vec<i64> = tx
        .query(
            "SELECT year FROM interest_credits WHERE county = $1",
            &[Param::Text(county)],
        )?
        .iter()
        .map(|r| r.i64(0))
        .collect::<std::result::Result<_, _>>()?;
    Ok(years
        .into_iter()
        .find(|y| !credited.contains(&i64::from(*y))))
}

/// The last year credited in each county (keyed by [`crate::register::index::county_key`]).
pub fn last_credited(
    tx: &mut yanglao_store::Tx<'_>,
) -> Result<crate::register::index::FastMap<u32, i32>> {
    let mut map = crate::register::index::FastMap::default();
    for r in tx.query(
        "SELECT county, CAST(MAX(year) AS BIGINT) FROM interest_credits GROUP BY county",
        &[],
    )? {
        map.insert(
            crate::register::index::county_key(&r.str(0)?),
            r.i64(1)? as i32,
        );
    }
    Ok(map)
}

/// Whether a movement on `date` would have counted in the interest of an already credited year.
pub fn changes_credited_interest(last_credited_year: Option<i32>, date: NaiveDate) -> bool {
    last_credited_year.is_some_and(|last| date.year() < last)
}
