//! The register as the fund projection needs it (`yanglao simulate fund`): who is insured and
//! who receives benefits at the end of a year, with their accounts, and the fund's balance.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use yanglao_sim::fund::{Insured, Recipient, Snapshot};
use yanglao_sim::mortality::Sex;

use crate::{Ctx, OpsError, Result};

/// The last year with contributions in the register.
pub fn last_contribution_year(ctx: &mut Ctx) -> Result<Option<i32>> {
    ctx.db.transaction(|tx| -> Result<Option<i32>> {
        let r = tx.query_opt(
            "SELECT CAST(MAX(year) AS BIGINT) FROM account_movements WHERE kind IN ('self', 'gov_paid')",
            &[],
        )?;
        Ok(match r {
            Some(r) => r.opt_i64(0)?.map(|y| y as i32),
            None => None,
        })
    })
}

/// The register at the end of `base_year`: people alive and not terminated who have contributed
/// at least once and have no award (insured), people with an award (recipients), and the fund's
/// closing balance.
pub fn snapshot(ctx: &mut Ctx, base_year: i32) -> Result<Snapshot> {
    let end = NaiveDate::from_ymd_opt(base_year, 12, 31)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {base_year} 无效")))?;
    let next = NaiveDate::from_ymd_opt(base_year + 1, 1, 1).expect("valid");
    let fund_balance_fen = crate::fund::statement(ctx, base_year, None)?.closing_fen;
    ctx.db.transaction(|tx| -> Result<Snapshot> {
        let mut terminated: HashSet<i64> = HashSet::new();
        tx.for_each_ref(
            "SELECT person_id FROM person_events WHERE status = 'terminated' AND effective_date <= $1",
            &[yanglao_store::Param::Date(end)],
            |r| {
                terminated.insert(r.i64(0)?);
                Ok(())
            },
        )?;
        // person → (balance, contribution years, paid themselves in the base year, government-paid in it)
        let mut accounts: HashMap<i64, (i64, i64, i64, bool)> = HashMap::new();
        tx.for_each_ref(
            "SELECT person_id,
                    CAST(SUM(personal_fen + subsidy_province_fen + subsidy_city_fen + subsidy_county_fen + gov_paid_fen + interest_fen) AS BIGINT),
                    CAST(COUNT(DISTINCT CASE WHEN kind IN ('self', 'gov_paid') THEN year END) AS BIGINT),
                    CAST(SUM(CASE WHEN kind = 'self' AND year = $2 THEN personal_fen ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN kind = 'gov_paid' AND year = $2 THEN 1 ELSE 0 END) AS BIGINT)
             FROM account_movements WHERE movement_date <= $1 GROUP BY person_id",
            &[yanglao_store::Param::Date(end), yanglao_store::Param::Int(i64::from(base_year))],
            |r| {
                accounts.insert(r.i64(0)?, (r.i64(1)?, r.i64(2)?, r.i64(3)?, r.i64(4)? > 0));
                Ok(())
            },
        )?;
        let mut awards: HashMap<i64, (i64, i64)> = HashMap::new();
        tx.for_each_ref(
            "SELECT person_id, account_pension_fen,
                    exit_province_fen + exit_city_fen + exit_county_fen + raised_province_fen + raised_city_fen + raised_county_fen
             FROM awards WHERE start_month <= $1",
            &[yanglao_store::Param::Date(end)],
            |r| {
                awards.insert(r.i64(0)?, (r.i64(1)?, r.i64(2)?));
                Ok(())
            },
        )?;
        let mut insured = Vec::new();
        let mut recipients = Vec::new();
        tx.for_each_ref("SELECT person_id, birth_date, sex FROM persons ORDER BY person_id", &[], |r| {
            let person = r.i64(0)?;
            if terminated.contains(&person) {
                return Ok(());
            }
            let birth = r.date(1)?;
            if birth > end {
                return Ok(());
            }
            let mut age = (next.year() - birth.year()) as u32;
            if (birth.month(), birth.day()) > (1, 1) {
                age = age.saturating_sub(1);
            }
            let sex = if r.str(2)? == "F" { Sex::Female } else { Sex::Male };
            let account = accounts.get(&person).copied();
            if let Some((pension, subsidy)) = awards.get(&person) {
                recipients.push(Recipient {
                    age,
                    sex,
                    account_pension_fen: *pension,
                    subsidy_fen: *subsidy,
                    balance_fen: account.map_or(0, |a| a.0.max(0)),
                });
            } else if let Some((balance, years, paid, gov)) = account.filter(|a| a.1 > 0) {
                insured.push(Insured { age, sex, balance_fen: balance, years: years as u32, paid_fen: paid, government_paid: gov });
            }
            Ok(())
        })?;
        Ok(Snapshot { base_year, insured, recipients, fund_balance_fen })
    })
}
