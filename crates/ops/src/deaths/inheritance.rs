//! The individual account of a deceased member paid to the heirs, with the exit subsidy of the
//! months owed at death (`inheritance pay`).

use super::recovery::*;
use crate::access::Action;
use crate::ledger::{self, EntryDraft};
use crate::{audit, Ctx, OpsError, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use yanglao_domain::{CitizenId, Month};
use yanglao_store::{Param, Tx};

#[derive(Debug, Clone, Serialize)]
pub struct Inheritance {
    pub citizen_id: String,
    pub offset_fen: i64,
    pub paid_fen: i64,
    /// Months the person was owed and never paid before the death (docs/formats/deaths.md,
    /// "Months owed at death"), and their exit subsidy paid to the heir with the balance.
    pub arrears_months: i64,
    pub arrears_from: Option<String>,
    pub arrears_to: Option<String>,
    pub arrears_fen: i64,
    pub heir_name: String,
    pub entry_id: i64,
}

/// Pays a deceased person's individual-account balance to the heir: any outstanding overpayment is
/// first offset against it, then the rest is paid (Dr the account's components / Cr `bank`).
pub fn pay_inheritance(
    ctx: &mut Ctx,
    citizen_id: &str,
    heir_name: &str,
    heir_id: &str,
    heir_bank: &str,
    heir_account: &str,
    on: NaiveDate,
) -> Result<Inheritance> {
    let (id, heir, account) =
        check_arguments(citizen_id, heir_name, heir_id, heir_bank, heir_account)?;
    ctx.actor.require(Action::Payroll)?;
    let actor = ctx.who();
    let scope = ctx.actor.clone();
    check_date(ctx, on)?;
    ctx.db.transaction(|tx| -> Result<Inheritance> {
        tx.lock_for_writing()?;
        let (county, person_id, death) = find_deceased(tx, &scope, &id, on)?;
        let pay = Payment {
            county: &county,
            person_id,
            on,
            actor: &actor,
            heir_name,
        };
        check_payable(tx, &pay)?;
        let (offset_fen, offset_entry) = offset_overpayment(tx, &pay)?;
        let balances = ledger::component_balances(tx, &county, Some(person_id))?;
        let bal = balances.get(&person_id).copied().unwrap_or_default();
        let paid_fen: i64 = bal.iter().map(|b| (*b).max(0)).sum();
        // The exit subsidy of the months owed at death goes to the heir too, in an entry of its
        // own (a benefit payment); their account pension was never drawn, so it is in the balance.
        let arrears = months_owed_at_death(tx, &county, person_id, death)?;
        let arrears_fen: i64 = arrears.as_ref().map_or(0, |a| a.exit.iter().sum());
        let arrears_entry_id = match &arrears {
            Some(a) if arrears_fen > 0 => Some(pay_months_owed(tx, &pay, a, arrears_fen)?),
            _ => None,
        };
        let balance_entry = pay_balance(tx, &pay, paid_fen, &heir)?;
        let Some(entry_id) = balance_entry.or(arrears_entry_id).or(offset_entry) else {
            return Err(OpsError::rule(
                "E-INHERIT-NOTHING",
                "此人个人账户没有余额，也没有生前应发未发的待遇，无需支付继承人",
            ));
        };
        tx.exec(
            "INSERT INTO inheritance_payments (county, person_id, heir_name, heir_citizen_id, heir_bank, heir_account, offset_fen, paid_fen, paid_on, entry_id, recorded_by, recorded_at,
                                               arrears_months, arrears_fen, arrears_entry_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            &[
                Param::Text(&county), Param::Int(person_id), Param::Text(heir_name.trim()), Param::Text(heir.as_str()), Param::Text(heir_bank.trim()),
                Param::Text(account.as_str()), Param::Int(offset_fen), Param::Int(paid_fen), Param::Date(on), Param::Int(entry_id), Param::Text(&actor),
                Param::Timestamp(yanglao_store::now()),
                Param::Int(arrears.as_ref().map_or(0, |a| a.months)), Param::Int(arrears_fen),
                arrears_entry_id.map_or(Param::Null, Param::Int),
            ],
        )?;
        audit(tx, &actor, "inheritance.pay", &serde_json::json!({"person_id": person_id, "offset_fen": offset_fen, "paid_fen": paid_fen, "arrears_months": arrears.as_ref().map_or(0, |a| a.months), "arrears_fen": arrears_fen, "heir": heir.masked()}))?;
        Ok(Inheritance {
            citizen_id: id.masked(),
            offset_fen,
            paid_fen,
            arrears_months: arrears.as_ref().map_or(0, |a| a.months),
            arrears_from: arrears.as_ref().map(|a| a.from.to_string()),
            arrears_to: arrears.as_ref().map(|a| a.to.to_string()),
            arrears_fen,
            heir_name: heir_name.trim().to_string(),
            entry_id,
        })
    })
}

/// An inheritance being paid: whose, on what date, by whom, to which heir.
struct Payment<'a> {
    county: &'a str,
    person_id: i64,
    on: NaiveDate,
    actor: &'a str,
    heir_name: &'a str,
}

/// The deceased's citizen id, the heir's, and the heir's account: each must be valid, and the
/// heir's name and bank given.
fn check_arguments(
    citizen_id: &str,
    heir_name: &str,
    heir_id: &str,
    heir_bank: &str,
    heir_account: &str,
) -> Result<(CitizenId, CitizenId, yanglao_domain::BankAccount)> {
    let (id, _) = CitizenId::parse(citizen_id).map_err(|e| OpsError::rule(e.code, e.message))?;
    let (heir, _) = CitizenId::parse(heir_id)
        .map_err(|e| OpsError::rule(e.code, format!("继承人身份证号：{}", e.message)))?;
    let (account, _) = yanglao_domain::BankAccount::parse(heir_account)
        .map_err(|e| OpsError::rule(e.code, format!("继承人银行账号：{}", e.message)))?;
    if heir_name.trim().is_empty() || heir_bank.trim().is_empty() {
        return Err(OpsError::rule(
            "E-INHERIT-HEIR",
            "须填写继承人姓名和开户银行",
        ));
    }
    Ok((id, heir, account))
}

/// The registered person (county, person, official death date), who must be in the actor's
/// counties and have died by `on`.
fn find_deceased(
    tx: &mut Tx<'_>,
    scope: &crate::access::Actor,
    id: &CitizenId,
    on: NaiveDate,
) -> Result<(String, i64, NaiveDate)> {
    let p = tx
        .query_opt("SELECT p.county, p.person_id, d.death_date FROM persons p LEFT JOIN deaths d ON d.county = p.county AND d.person_id = p.person_id AND d.official WHERE p.citizen_id = $1", &[Param::Text(id.as_str())])?
        .ok_or_else(|| OpsError::rule("E-PERSON-NOT-FOUND", format!("登记册中没有身份证号为 {} 的人员", id.masked())))?;
    let (county, person_id) = (p.str(0)?, p.i64(1)?);
    scope.require_county(Action::Payroll, &county)?;
    let Some(death) = p.opt_date(2)? else {
        return Err(OpsError::rule(
            "E-INHERIT-NOT-DECEASED",
            "此人没有经官方来源确认的死亡记录，不能办理个人账户继承",
        ));
    };
    if on < death {
        return Err(OpsError::rule(
            "E-DATE-BEFORE-DEATH",
            format!("支付日期 {on} 早于死亡日期 {death}"),
        ));
    }
    Ok((county, person_id, death))
}

/// The inheritance can be paid: not paid before, no payment on its way, every year's interest
/// credited.
fn check_payable(tx: &mut Tx<'_>, pay: &Payment<'_>) -> Result<()> {
    let (county, person_id, on) = (pay.county, pay.person_id, pay.on);
    if tx
        .query_opt(
            "SELECT 1 FROM inheritance_payments WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(person_id)],
        )?
        .is_some()
    {
        return Err(OpsError::rule(
            "E-INHERIT-DONE",
            "此人的个人账户余额已支付给继承人",
        ));
    }
    let waiting = tx.scalar_i64(
        "SELECT COUNT(*) FROM payroll_lines l
         WHERE l.payroll_id IN (SELECT p.payroll_id FROM payrolls p WHERE p.county = $1) AND l.person_id = $2 AND l.county = $1
           AND (l.status = 'pending' OR (l.status = 'failed' AND NOT EXISTS (
                SELECT 1 FROM payroll_lines r WHERE r.county = $1 AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)))",
        &[Param::Text(county), Param::Int(person_id)],
    )?;
    if waiting > 0 {
        return Err(OpsError::rule(
            "E-INHERIT-PENDING",
            format!(
                "此人还有 {waiting} 笔待遇在发放途中（未回盘或待补发）：待银行回盘后再办理继承"
            ),
        ));
    }
    // The heirs receive the interest of every year that ended before the payment: a year
    // whose interest the county has not credited yet must be credited first. The account is
    // closed by the payment, so no interest is credited to it afterwards (the year of the
    // payment earns none).
    let first = tx
        .query_one(
            "SELECT MIN(movement_date) FROM account_movements WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(person_id)],
        )?
        .opt_date(0)?;
    if let Some(first) = first {
        if let Some(missing) =
            crate::register::interest::first_uncredited(tx, county, first.year() + 1..on.year())?
        {
            return Err(OpsError::rule(
                "E-INHERIT-INTEREST-PENDING",
                format!("此人所在县区 {missing} 年的个人账户记账利息尚未计入：继承人应得到截至上年末的利息，请先运行 interest credit --year {missing}"),
            ));
        }
    }
    Ok(())
}

/// Offsets any outstanding overpayment against the account first, as far as it goes. Returns
/// the amount offset and its entry.
fn offset_overpayment(tx: &mut Tx<'_>, pay: &Payment<'_>) -> Result<(i64, Option<i64>)> {
    let (county, person_id) = (pay.county, pay.person_id);
    let mut offset_fen = 0;
    let mut offset_entry = None;
    if let Some(c) = tx.query_opt(
        "SELECT case_id, overpaid_fen - recovered_fen - written_off_fen FROM recovery_cases WHERE county = $1 AND person_id = $2",
        &[Param::Text(county), Param::Int(person_id)],
    )? {
        let (case_id, outstanding) = (c.i64(0)?, c.i64(1)?);
        let balances = ledger::component_balances(tx, county, Some(person_id))?;
        let available: i64 = balances.get(&person_id).map_or(0, |b| b.iter().map(|x| (*x).max(0)).sum());
        offset_fen = outstanding.min(available);
        if offset_fen > 0 {
            offset_entry = Some(record_in(tx, case_id, "offset", offset_fen, pay.on, Some("继承前抵扣多发待遇"), pay.actor)?.entry_id);
        }
    }
    Ok((offset_fen, offset_entry))
}

/// Pays the heir the exit subsidy of the months owed at death (a benefit payment). Returns the
/// entry.
fn pay_months_owed(
    tx: &mut Tx<'_>,
    pay: &Payment<'_>,
    a: &MonthsOwed,
    arrears_fen: i64,
) -> Result<i64> {
    let heir_name = pay.heir_name;
    let mut draft = EntryDraft {
        county: pay.county,
        date: pay.on,
        kind: "benefit_payment",
        description: format!(
            "生前未领出口补贴 {} 个月（{} 至 {}）支付继承人 {heir_name}",
            a.months, a.from, a.to
        ),
        import_id: None,
        lines: Vec::new(),
    };
    for (level, fen) in ["province", "city", "county"].iter().zip(a.exit) {
        if fen != 0 {
            draft.add(&ledger::subsidy_receivable("exit", level), fen);
        }
    }
    draft.add(ledger::BANK, -arrears_fen);
    ledger::post(tx, &draft, pay.actor)
}

/// Pays the account's balance to the heir, itemised in the sub-ledger. Returns the entry, or
/// None when there is nothing to pay.
fn pay_balance(
    tx: &mut Tx<'_>,
    pay: &Payment<'_>,
    paid_fen: i64,
    heir: &CitizenId,
) -> Result<Option<i64>> {
    let heir_name = pay.heir_name;
    let mut draft = EntryDraft {
        county: pay.county,
        date: pay.on,
        kind: "inheritance",
        description: format!("个人账户余额支付继承人 {heir_name}"),
        import_id: None,
        lines: Vec::new(),
    };
    // An entry only for what moves: nothing to pay out of the account posts no balance entry
    // (an empty entry is a breach of the books); the payment is then recorded under the
    // entry of the months owed, or of the offset.
    if paid_fen <= 0 {
        return Ok(None);
    }
    let parts = debit_account(tx, &mut draft, pay.person_id, paid_fen)?;
    draft.add(ledger::BANK, -paid_fen);
    let id = ledger::post(tx, &draft, pay.actor)?;
    write_movement(
        tx,
        &draft,
        pay.person_id,
        id,
        "inheritance",
        &parts,
        &format!("HEIR-{}", heir.masked()),
    )?;
    Ok(Some(id))
}

/// Months a deceased recipient was owed and never paid: from the month after the last month paid
/// (or the award's start) through the month of death, less the months under a suspension or a
/// termination in force. Such months arise when the person was left out as uncertified or
/// without a bank account, or died before the first payroll of the award: the death record now
/// proves they were alive, and the payroll pays no one after a death.
#[derive(Debug, Clone)]
pub struct MonthsOwed {
    pub from: Month,
    pub to: Month,
    pub months: i64,
    /// Exit (and raised) subsidy of those months by level: province, city, county.
    pub exit: [i64; 3],
}

pub fn months_owed_at_death(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    death: NaiveDate,
) -> Result<Option<MonthsOwed>> {
    let Some(a) = tx.query_opt(
        "SELECT start_month, exit_province_fen + raised_province_fen, exit_city_fen + raised_city_fen, exit_county_fen + raised_county_fen
         FROM awards WHERE county = $1 AND person_id = $2 ORDER BY start_month DESC",
        &[Param::Text(county), Param::Int(person_id)],
    )?
    else {
        return Ok(None);
    };
    let start = Month::of(a.date(0)?);
    let monthly = [a.i64(1)?, a.i64(2)?, a.i64(3)?];
    let paid_through = tx
        .query_opt(
            "SELECT MAX(to_month) FROM payroll_lines
             WHERE payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $1) AND county = $1 AND person_id = $2 AND status IN ('paid', 'pending')",
            &[Param::Text(county), Param::Int(person_id)],
        )?
        .map(|r| r.opt_date(0))
        .transpose()?
        .flatten()
        .map(Month::of);
    let from = paid_through.map_or(start, |m| m.next()).max(start);
    let to = Month::of(death);
    if from > to {
        return Ok(None);
    }
    // The decisions in the person's history: a suspension holds from the month of its date until
    // a later decision; a termination from the month after its date, for good.
    let mut events = Vec::new();
    for r in tx.query(
        "SELECT status, effective_date FROM person_events WHERE county = $1 AND person_id = $2 ORDER BY effective_date, event_id",
        &[Param::Text(county), Param::Int(person_id)],
    )? {
        events.push((r.str(0)?, r.date(1)?));
    }
    let mut months = 0i64;
    let (mut first, mut last) = (None, None);
    let mut m = from;
    while m <= to {
        let mut state = "";
        for (status, on) in &events {
            if state == "terminated" {
                break;
            }
            // A suspension on or after the death is the death report's own (a village report
            // awaiting confirmation), not a reason the living person was not paid.
            if status == "suspended" && *on >= death {
                continue;
            }
            let takes_effect = if status == "terminated" {
                Month::of(*on) < m
            } else {
                Month::of(*on) <= m
            };
            if takes_effect {
                state = status.as_str();
            }
        }
        if state != "suspended" && state != "terminated" {
            months += 1;
            first.get_or_insert(m);
            last = Some(m);
        }
        m = m.next();
    }
    let (Some(from), Some(to)) = (first, last) else {
        return Ok(None);
    };
    Ok(Some(MonthsOwed {
        from,
        to,
        months,
        exit: monthly.map(|e| e * months),
    }))
}
