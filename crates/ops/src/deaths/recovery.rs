//! Recovery of overpayments (多领冒领追回) and payment of the inheritable balance to the heirs.
//!
//! Channels: bank deduction from the recipient's account (银行协助划扣), offset against the
//! inheritable individual-account balance (个人账户余额抵扣), refund by the family (家属退还),
//! hand-over to enforcement (移交执法追缴), and write-off (核销). Each step is a ledger entry:
//! money recovered — Dr `bank` / Cr `receivable.overpayment`; an offset — Dr the individual
//! account's components / Cr `receivable.overpayment`; a write-off — Dr `pool.writeoff` / Cr
//! `receivable.overpayment`.

use crate::access::Action;
use crate::ledger::{self, EntryDraft};
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use yanglao_store::{Param, Tx};

pub const CHANNELS: [&str; 5] = [
    "bank-deduction",
    "offset",
    "family-refund",
    "enforcement",
    "write-off",
];

pub fn channel_zh(c: &str) -> &str {
    match c {
        "bank-deduction" => "银行协助划扣",
        "offset" => "个人账户余额抵扣",
        "family-refund" => "家属退还",
        "enforcement" => "移交执法追缴",
        "write-off" => "核销",
        other => other,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub case_id: i64,
    pub channel: String,
    pub amount_fen: i64,
    pub outstanding_fen: i64,
    pub status: String,
    pub entry_id: i64,
}

/// Debits a person's individual account by `amount` over its components (in proportion to their
/// balances) into `draft`, and writes the sub-ledger movement. Refuses more than the balance.
pub(crate) fn debit_account(
    tx: &mut Tx<'_>,
    draft: &mut EntryDraft<'_>,
    person_id: i64,
    amount: i64,
) -> Result<[i64; 6]> {
    let balances = ledger::component_balances(tx, draft.county, Some(person_id))?;
    let bal = balances.get(&person_id).copied().unwrap_or_default();
    let available: i64 = bal.iter().map(|b| (*b).max(0)).sum();
    if amount > available {
        return Err(OpsError::rule(
            "E-RECOVERY-OFFSET-EXCEEDS",
            format!(
                "个人账户余额 {} 元，不足抵扣 {} 元",
                yanglao_domain::format_yuan(available),
                yanglao_domain::format_yuan(amount)
            ),
        ));
    }
    let parts = ledger::split_proportional(amount, &bal);
    for (account, p) in ledger::ind_component_accounts().iter().zip(parts.iter()) {
        draft.add(account, *p);
    }
    Ok([parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]])
}

/// Writes the sub-ledger movement of a posted entry that debited a person's account by `parts`.
pub(crate) fn write_movement(
    tx: &mut Tx<'_>,
    draft: &EntryDraft<'_>,
    person_id: i64,
    entry_id: i64,
    kind: &str,
    parts: &[i64; 6],
    reference: &str,
) -> Result<()> {
    let row = ledger::AccountMovement {
        person_id,
        date: draft.date,
        components: parts.map(|p| -p),
        reference: reference.to_string(),
    };
    ledger::write_account_movements(tx, draft.county, entry_id, kind, &[row])
}

/// Records one recovery step on a case.
pub fn record(
    ctx: &mut Ctx,
    case_id: i64,
    channel: &str,
    amount_fen: i64,
    on: NaiveDate,
    note: Option<&str>,
) -> Result<Step> {
    ctx.actor.require(Action::Deaths)?;
    let actor = ctx.who();
    let scope = ctx.actor.clone();
    check_date(ctx, on)?;
    ctx.db.transaction(|tx| -> Result<Step> {
        tx.lock_for_writing()?;
        if let Some(c) = case_county(tx, case_id)? {
            scope.require_county(Action::Deaths, &c)?;
        }
        record_in(tx, case_id, channel, amount_fen, on, note, &actor)
    })
}

/// A recovery or inheritance date can be neither in the future nor before the scheme began.
pub(crate) fn check_date(ctx: &Ctx, on: NaiveDate) -> Result<()> {
    if on > crate::register::persons::today() {
        return Err(OpsError::rule(
            "E-DATE-FUTURE",
            format!("日期 {on} 晚于今天"),
        ));
    }
    let launch = ctx.policy.require()?.set.earliest_date();
    if let Some(launch) = launch.filter(|l| on < *l) {
        return Err(OpsError::rule(
            "E-DATE-BEFORE-SCHEME",
            format!("日期 {on} 早于制度启动（{launch}）"),
        ));
    }
    Ok(())
}

/// Records a recovery step of a case (see [`CHANNELS`]): posts it (the receivable goes down
/// against the bank, the person's account for an offset, or the pool for a write-off), records
/// it and updates the case, closed once nothing is outstanding.
pub(crate) fn record_in(
    tx: &mut Tx<'_>,
    case_id: i64,
    channel: &str,
    amount_fen: i64,
    on: NaiveDate,
    note: Option<&str>,
    actor: &str,
) -> Result<Step> {
    if !CHANNELS.contains(&channel) {
        return Err(OpsError::rule(
            "E-RECOVERY-CHANNEL",
            format!("追回方式“{channel}”无效：应为 {}", CHANNELS.join("、")),
        ));
    }
    if amount_fen <= 0 {
        return Err(OpsError::rule("E-AMOUNT-NOT-POSITIVE", "金额必须大于零"));
    }
    let case = open_case(tx, case_id, amount_fen, on)?;
    let county = case.county.as_str();
    let entry_id = post_recovery(tx, &case, case_id, channel, amount_fen, on, actor)?;
    let id = tx.allocate_ids("recovery_movement", 1)?;
    tx.exec(
        "INSERT INTO recovery_movements (county, movement_id, case_id, channel, amount_fen, on_date, note, entry_id, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Param::Text(county), Param::Int(id), Param::Int(case_id), Param::Text(channel), Param::Int(amount_fen), Param::Date(on),
            Param::from(note), Param::Int(entry_id), Param::Text(actor), Param::Timestamp(yanglao_store::now()),
        ],
    )?;
    let outstanding = case.outstanding;
    let (col, left) = if channel == "write-off" {
        ("written_off_fen", outstanding - amount_fen)
    } else {
        ("recovered_fen", outstanding - amount_fen)
    };
    tx.exec(
        &format!("UPDATE recovery_cases SET {col} = {col} + $3, status = $4 WHERE county = $1 AND case_id = $2"),
        &[Param::Text(county), Param::Int(case_id), Param::Int(amount_fen), Param::Text(if left == 0 { "closed" } else { "open" })],
    )?;
    audit(
        tx,
        actor,
        "recovery.record",
        &serde_json::json!({"case_id": case_id, "channel": channel, "amount_fen": amount_fen, "date": on, "note": note}),
    )?;
    Ok(Step {
        case_id,
        channel: channel.to_string(),
        amount_fen,
        outstanding_fen: left,
        status: if left == 0 { "closed" } else { "open" }.to_string(),
        entry_id,
    })
}

/// A recovery case a step is recorded in.
struct OpenCase {
    county: String,
    person_id: i64,
    outstanding: i64,
}

/// The case, which a step of `amount_fen` on `on` fits: not before the death nor the case's
/// opening, not over what is outstanding.
fn open_case(tx: &mut Tx<'_>, case_id: i64, amount_fen: i64, on: NaiveDate) -> Result<OpenCase> {
    let c = tx
        .query_opt(
            "SELECT county, person_id, overpaid_fen - recovered_fen - written_off_fen, death_date, opened_on FROM recovery_cases WHERE case_id = $1",
            &[Param::Int(case_id)],
        )?
        .ok_or_else(|| OpsError::rule("E-RECOVERY-NOT-FOUND", format!("没有编号为 {case_id} 的追回案件")))?;
    let (county, person_id, outstanding) = (c.str(0)?, c.i64(1)?, c.i64(2)?);
    let (death, opened) = (c.date(3)?, c.date(4)?);
    if on < death {
        return Err(OpsError::rule(
            "E-DATE-BEFORE-DEATH",
            format!("日期 {on} 早于死亡日期 {death}"),
        ));
    }
    if on < opened {
        return Err(OpsError::rule(
            "E-RECOVERY-BEFORE-OPENED",
            format!("日期 {on} 早于追回案件立案日期 {opened}：案件立案前不能登记追回"),
        ));
    }
    if amount_fen > outstanding {
        return Err(OpsError::rule(
            "E-RECOVERY-EXCEEDS",
            format!(
                "金额 {} 元超过案件未追回余额 {} 元",
                yanglao_domain::format_yuan(amount_fen),
                yanglao_domain::format_yuan(outstanding)
            ),
        ));
    }
    Ok(OpenCase {
        county,
        person_id,
        outstanding,
    })
}

/// Posts a recovery step (an offset itemised in the sub-ledger). Returns the entry.
fn post_recovery(
    tx: &mut Tx<'_>,
    case: &OpenCase,
    case_id: i64,
    channel: &str,
    amount_fen: i64,
    on: NaiveDate,
    actor: &str,
) -> Result<i64> {
    let person_id = case.person_id;
    let mut draft = EntryDraft {
        county: &case.county,
        date: on,
        kind: "recovery",
        description: format!("追回案件 {case_id}：{}", channel_zh(channel)),
        import_id: None,
        lines: Vec::new(),
    };
    draft.add(ledger::RECEIVABLE_OVERPAYMENT, -amount_fen);
    let parts = match channel {
        "offset" => Some(debit_account(tx, &mut draft, person_id, amount_fen)?),
        "write-off" => {
            draft.add(ledger::POOL_WRITEOFF, amount_fen);
            None
        }
        _ => {
            draft.add(ledger::BANK, amount_fen);
            None
        }
    };
    let entry_id = ledger::post(tx, &draft, actor)?;
    if let Some(parts) = parts {
        write_movement(
            tx,
            &draft,
            person_id,
            entry_id,
            "recovery_offset",
            &parts,
            &format!("RECOVERY-{case_id}"),
        )?;
    }
    Ok(entry_id)
}

/// A recovery case with every step: channel, amount, date and note.
#[derive(Debug, Clone, Serialize)]
pub struct CaseHistory {
    pub case: crate::deaths::Case,
    pub overpayments: Vec<serde_json::Value>,
    pub steps: Vec<serde_json::Value>,
}

pub fn show(ctx: &mut Ctx, case_id: i64) -> Result<CaseHistory> {
    let county = ctx.db.read_transaction(|tx| case_county(tx, case_id))?;
    if let Some(c) = county {
        ctx.actor.require_county(Action::Read, &c)?;
    }
    let case = crate::deaths::recovery_list(ctx, None, None, None)?
        .into_iter()
        .find(|c| c.case_id == case_id)
        .ok_or_else(|| {
            OpsError::rule(
                "E-RECOVERY-NOT-FOUND",
                format!("没有编号为 {case_id} 的追回案件"),
            )
        })?;
    ctx.db.transaction(|tx| -> Result<CaseHistory> {
        let overpayments = tx
            .query(
                "SELECT o.payroll_id, o.line_no, l.from_month, l.to_month, o.months, o.account_fen, o.from_pool_fen,
                        o.exit_province_fen, o.exit_city_fen, o.exit_county_fen, o.total_fen
                 FROM overpayments o JOIN payroll_lines l ON l.county = o.county AND l.payroll_id = o.payroll_id AND l.person_id = o.person_id
                 WHERE o.county = $1 AND o.case_id = $2 ORDER BY o.payroll_id, o.line_no",
                &[Param::Text(&case.county), Param::Int(case_id)],
            )?
            .iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "payroll_id": r.i64(0)?, "line_no": r.i64(1)?, "line_from": r.date(2)?, "line_to": r.date(3)?,
                    "months_after_death": r.i64(4)?, "account_pension_fen": r.i64(5)?, "from_pool_fen": r.i64(6)?,
                    "exit_province_fen": r.i64(7)?, "exit_city_fen": r.i64(8)?, "exit_county_fen": r.i64(9)?, "total_fen": r.i64(10)?,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        let steps = tx
            .query(
                "SELECT channel, amount_fen, on_date, note, recorded_by, entry_id FROM recovery_movements
                 WHERE county = $1 AND case_id = $2 ORDER BY on_date, movement_id",
                &[Param::Text(&case.county), Param::Int(case_id)],
            )?
            .iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "channel": r.str(0)?, "amount_fen": r.i64(1)?, "date": r.date(2)?, "note": r.opt_str(3)?,
                    "recorded_by": r.str(4)?, "entry_id": r.i64(5)?,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CaseHistory { case, overpayments, steps })
    })
}

/// The county of a recovery case (None: no such case).
fn case_county(tx: &mut yanglao_store::Tx<'_>, case_id: i64) -> Result<Option<String>> {
    tx.query_opt(
        "SELECT county FROM recovery_cases WHERE case_id = $1",
        &[Param::Int(case_id)],
    )?
    .map(|r| r.str(0))
    .transpose()
    .map_err(Into::into)
}
