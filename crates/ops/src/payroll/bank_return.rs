//! `import bank-return`: the banks' results for a payroll's payments. Every line of the file must
//! match a payment of an approved payroll, with the same citizen ID, account and amount; any line
//! that does not, or appears twice, rejects the whole file. Paid lines post the payment (the
//! individual-account pension from the account, component by component; what the fund pays once an
//! account is used up; the exit subsidy owed by each government level; the bank); failed lines wait
//! for a supplementary payroll.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::ledger::{self, EntryDraft};
use crate::register::index::FastMap;
use crate::register::persons::{begin_import, finish, record_import};
use crate::{audit, Ctx, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use yanglao_domain::{parse_yuan_to_fen, BankAccount, CitizenId};
use yanglao_store::{Param, Tx};

pub const COLUMNS: [&str; 8] = [
    "批次号",
    "序号",
    "身份证号",
    "银行账号",
    "金额(元)",
    "结果",
    "失败原因",
    "入账日期",
];
const BATCH: usize = 0;
const SEQ: usize = 1;
const ID: usize = 2;
const ACCOUNT: usize = 3;
const AMOUNT: usize = 4;
const RESULT: usize = 5;
const REASON: usize = 6;
const DATE: usize = 7;

#[derive(Debug, Clone)]
struct Line {
    county: String,
    person_id: i64,
    citizen_id: String,
    bank_account: String,
    total_fen: i64,
    account_fen: i64,
    from_pool_fen: i64,
    exit: [i64; 3],
    status: String,
    paid_date: Option<NaiveDate>,
    fail_reason: Option<String>,
    to_month: NaiveDate,
}

/// A payroll's status and lines by line number (None: no such payroll).
type Loaded = Option<(String, FastMap<i64, Line>)>;

/// A paid line's sub-ledger movement: person, date, the six component debits, reference.
type BenefitMovement = (i64, NaiveDate, Vec<i64>, String);

struct Outcome {
    payroll_id: i64,
    line_no: i64,
    person_id: i64,
    paid: Option<NaiveDate>,
    reason: Option<String>,
}

fn load_lines(tx: &mut Tx<'_>, payroll_id: i64) -> Result<Loaded> {
    let Some(p) = tx.query_opt(
        "SELECT county, status FROM payrolls WHERE payroll_id = $1",
        &[Param::Int(payroll_id)],
    )?
    else {
        return Ok(None);
    };
    let status = p.str(1)?;
    let mut map = FastMap::default();
    tx.for_each_ref(
        "SELECT l.line_no, l.county, l.person_id, p.citizen_id, l.bank_account, l.total_fen, l.account_pension_fen, l.account_from_pool_fen,
                l.exit_province_fen, l.exit_city_fen, l.exit_county_fen, l.status, l.paid_date, l.fail_reason, l.to_month
         FROM payroll_lines l JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
         WHERE l.payroll_id = $1 AND l.county = $2",
        &[Param::Int(payroll_id), Param::Text(&p.str(0)?)],
        |r| {
            let reason = r.opt_str(13)?.unwrap_or("");
            map.insert(
                r.i64(0)?,
                Line {
                    county: r.str(1)?.to_string(),
                    person_id: r.i64(2)?,
                    citizen_id: r.str(3)?.to_string(),
                    bank_account: r.str(4)?.to_string(),
                    total_fen: r.i64(5)?,
                    account_fen: r.i64(6)?,
                    from_pool_fen: r.i64(7)?,
                    exit: [r.i64(8)?, r.i64(9)?, r.i64(10)?],
                    status: r.str(11)?.to_string(),
                    paid_date: r.opt_date(12)?,
                    fail_reason: (!reason.is_empty()).then(|| reason.to_string()),
                    to_month: r.date(14)?,
                },
            );
            Ok(())
        },
    )?;
    Ok(Some((status, map)))
}

/// Imports (or with `dry_run` only validates) a bank-return file.
pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Payroll)?;
    ctx.policy.require()?;
    let scope = ctx.actor.clone();
    let table = read_table(upload)?;
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("bank-return", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let today = chrono::Local::now().date_naive();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "bank-return", &[])? {
            return Ok(());
        }
        let rows = ReturnRows {
            table: &table,
            cols: &cols,
            scope: &scope,
            today,
        };
        let mut payrolls: BTreeMap<i64, Loaded> = BTreeMap::new();
        let results = rows.read_all(tx, &mut out, &mut payrolls)?;
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let import_id = record_import(tx, "bank-return", &table, &actor, results.len(), out.skipped)?;
        out.import_id = Some(import_id);
        let mut by_payroll: BTreeMap<i64, Vec<&Outcome>> = BTreeMap::new();
        for r in &results {
            by_payroll.entry(r.payroll_id).or_default().push(r);
        }
        for (payroll_id, outcomes) in by_payroll {
            let (_, lines) = payrolls[&payroll_id].as_ref().expect("validated");
            post_payroll_results(tx, payroll_id, lines, &outcomes, import_id, &actor)?;
        }
        out.posted = results.len();
        audit(tx, &actor, "import.bank_return", &serde_json::json!({"import_id": import_id, "file": table.file_name, "lines": out.posted, "skipped": out.skipped}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// The rows of a bank-return file and what they are checked with.
struct ReturnRows<'t> {
    table: &'t Table,
    cols: &'t Columns,
    scope: &'t crate::access::Actor,
    today: NaiveDate,
}

impl ReturnRows<'_> {
    fn err(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        k: usize,
        v: &str,
        code: &'static str,
        msg: String,
    ) {
        out.errors
            .push(Problem::at(row_no, self.cols, self.table, k, v, code, msg));
    }

    /// Checks every row against the payroll line it names (payrolls are loaded into `payrolls`
    /// as rows name them); returns the results new to the books. Problems go to `out`; results
    /// already recorded identically are counted as skipped.
    fn read_all(
        &self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
        payrolls: &mut BTreeMap<i64, Loaded>,
    ) -> Result<Vec<Outcome>> {
        let cols = self.cols;
        let mut seen: FastMap<(i64, i64), usize> = FastMap::default();
        let mut results: Vec<Outcome> = Vec::new();
        for (row_no, cells) in &self.table.rows {
            let row_no = *row_no;
            let before = out.errors.len();
            let Some((batch, seq)) = self.read_batch_seq(out, row_no, cells) else {
                continue;
            };
            if let std::collections::btree_map::Entry::Vacant(v) = payrolls.entry(batch) {
                v.insert(load_lines(tx, batch)?);
            }
            let Some(line) = self.find_line(out, row_no, cells, &payrolls[&batch], batch, seq)
            else {
                continue;
            };
            if let Some(first) = seen.insert((batch, seq), row_no) {
                self.err(
                    out,
                    row_no,
                    SEQ,
                    cols.cell(cells, SEQ),
                    "E-RETURN-DUPLICATE",
                    format!("同一笔发放在文件中出现两次（首次在第 {first} 行）"),
                );
                continue;
            }
            self.check_against_line(out, row_no, cells, line);
            let outcome = self.read_result(out, row_no, cells, line);
            if out.errors.len() > before {
                continue;
            }
            let Some((paid, reason)) = outcome else {
                continue;
            };
            match line.status.as_str() {
                "pending" => results.push(Outcome {
                    payroll_id: batch,
                    line_no: seq,
                    person_id: line.person_id,
                    paid,
                    reason,
                }),
                s if (s == "paid" && paid.is_some() && line.paid_date == paid)
                    || (s == "failed" && paid.is_none() && line.fail_reason == reason) =>
                {
                    out.skipped += 1
                }
                _ => self.err(
                    out,
                    row_no,
                    RESULT,
                    cols.cell(cells, RESULT),
                    "E-RETURN-CONFLICT",
                    format!(
                        "此笔发放已登记为“{}”，与本行不符",
                        if line.status == "paid" {
                            "成功"
                        } else {
                            "失败"
                        }
                    ),
                ),
            }
        }
        Ok(results)
    }

    /// The row's batch (payroll) and sequence (line) numbers.
    fn read_batch_seq(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<(i64, i64)> {
        let batch_raw = self.cols.cell(cells, BATCH);
        let seq_raw = self.cols.cell(cells, SEQ);
        let (Ok(batch), Ok(seq)) = (batch_raw.parse::<i64>(), seq_raw.parse::<i64>()) else {
            self.err(
                out,
                row_no,
                BATCH,
                &format!("{batch_raw}/{seq_raw}"),
                "E-RETURN-LINE-FORMAT",
                "批次号和序号应为整数".into(),
            );
            return None;
        };
        Some((batch, seq))
    }

    /// The line a row names: of an exported payroll, in the importing account's counties.
    fn find_line<'p>(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        payroll: &'p Loaded,
        batch: i64,
        seq: i64,
    ) -> Option<&'p Line> {
        let (scope, cols) = (self.scope, self.cols);
        let batch_raw = cols.cell(cells, BATCH);
        let seq_raw = cols.cell(cells, SEQ);
        let Some((status, lines)) = payroll.as_ref() else {
            self.err(
                out,
                row_no,
                BATCH,
                batch_raw,
                "E-RETURN-UNKNOWN-LINE",
                format!("没有编号为 {batch} 的发放批次"),
            );
            return None;
        };
        if status == "draft" || status == "approved" {
            self.err(
                out,
                row_no,
                BATCH,
                batch_raw,
                "E-RETURN-NOT-EXPORTED",
                format!("发放批次 {batch} 尚未导出，不应有银行回盘"),
            );
            return None;
        }
        let Some(line) = lines.get(&seq) else {
            self.err(
                out,
                row_no,
                SEQ,
                seq_raw,
                "E-RETURN-UNKNOWN-LINE",
                format!("发放批次 {batch} 中没有序号 {seq}"),
            );
            return None;
        };
        if !scope.covers(&line.county) {
            self.err(
                out,
                row_no,
                BATCH,
                batch_raw,
                "E-ACCESS-COUNTY",
                format!(
                    "发放批次 {batch} 属于{}，{}不能办理其回盘",
                    county_label(&line.county),
                    scope.describe()
                ),
            );
            return None;
        }
        Some(line)
    }

    /// The row's citizen id, account and amount must be the line's.
    fn check_against_line(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        line: &Line,
    ) {
        let cols = self.cols;
        let id_raw = cols.cell(cells, ID);
        match CitizenId::parse(id_raw) {
            Ok((id, _)) if id.as_str() == line.citizen_id => {}
            Ok(_) => self.err(
                out,
                row_no,
                ID,
                id_raw,
                "E-RETURN-MISMATCH",
                "身份证号与发放明细不符".into(),
            ),
            Err(e) => self.err(out, row_no, ID, id_raw, e.code, e.message),
        }
        let account_raw = cols.cell(cells, ACCOUNT);
        if BankAccount::parse(account_raw)
            .map(|(a, _)| a.as_str().to_string())
            .ok()
            .as_deref()
            != Some(line.bank_account.as_str())
        {
            self.err(
                out,
                row_no,
                ACCOUNT,
                account_raw,
                "E-RETURN-MISMATCH",
                "银行账号与发放明细不符".into(),
            );
        }
        let amount_raw = cols.cell(cells, AMOUNT);
        match parse_yuan_to_fen(amount_raw) {
            Ok(a) if a == line.total_fen => {}
            Ok(_) => self.err(
                out,
                row_no,
                AMOUNT,
                amount_raw,
                "E-RETURN-AMOUNT",
                format!(
                    "金额与发放明细（{} 元）不符",
                    yanglao_domain::format_yuan(line.total_fen)
                ),
            ),
            Err(e) => self.err(out, row_no, AMOUNT, amount_raw, e.code, e.message),
        }
    }

    /// The row's result: paid on a date (not future, not before the line's months), or failed
    /// with a reason.
    fn read_result(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        line: &Line,
    ) -> Option<(Option<NaiveDate>, Option<String>)> {
        let cols = self.cols;
        let result_raw = cols.cell(cells, RESULT);
        let reason = cols.cell(cells, REASON);
        let date_raw = cols.cell(cells, DATE);
        match result_raw {
            "成功" | "已入账" | "success" | "paid" => match cols.date(cells, DATE) {
                Ok(d) if d > self.today => {
                    self.err(
                        out,
                        row_no,
                        DATE,
                        date_raw,
                        "E-DATE-FUTURE",
                        "入账日期晚于今天".into(),
                    );
                    None
                }
                Ok(d) if d < line.to_month - chrono::Duration::days(31) => {
                    self.err(
                        out,
                        row_no,
                        DATE,
                        date_raw,
                        "E-RETURN-DATE",
                        "入账日期早于发放月份".into(),
                    );
                    None
                }
                Ok(d) => Some((Some(d), None)),
                Err(e) => {
                    self.err(out, row_no, DATE, date_raw, e.code, e.message);
                    None
                }
            },
            "失败" | "退回" | "failed" => {
                if reason.is_empty() {
                    self.err(
                        out,
                        row_no,
                        REASON,
                        "",
                        "E-RETURN-REASON",
                        "发放失败须注明原因".into(),
                    );
                    None
                } else {
                    Some((None, Some(reason.to_string())))
                }
            }
            _ => {
                self.err(
                    out,
                    row_no,
                    RESULT,
                    result_raw,
                    "E-RETURN-RESULT",
                    "结果应为“成功”或“失败”".into(),
                );
                None
            }
        }
    }
}

/// Posts a payroll's results from a bank return: the paid lines' payment, every line's result,
/// the overpayments of payments made after a recorded death; the payroll is paid once no line
/// waits.
fn post_payroll_results(
    tx: &mut Tx<'_>,
    payroll_id: i64,
    lines: &FastMap<i64, Line>,
    outcomes: &[&Outcome],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    let county = lines
        .values()
        .next()
        .map(|l| l.county.clone())
        .unwrap_or_default();
    let paid: Vec<(&Outcome, &Line)> = outcomes
        .iter()
        .filter(|o| o.paid.is_some())
        .map(|o| (*o, &lines[&o.line_no]))
        .collect();
    if !paid.is_empty() {
        post_payments(tx, &county, payroll_id, &paid, import_id, actor)?;
    }
    set_line_results(tx, &county, payroll_id, outcomes)?;
    overpayments_after_death(tx, &county, payroll_id, actor)?;
    mark_paid_when_done(tx, &county, payroll_id)
}

/// Balances of the people a payroll draws on their accounts (not the whole county's), by
/// component.
fn drawn_balances(
    tx: &mut Tx<'_>,
    county: &str,
    payroll_id: i64,
) -> Result<FastMap<i64, [i64; 6]>> {
    let mut balances: crate::register::index::FastMap<i64, [i64; 6]> = Default::default();
    tx.for_each_ref(
        "SELECT person_id, CAST(SUM(personal_fen) AS BIGINT), CAST(SUM(subsidy_province_fen) AS BIGINT), CAST(SUM(subsidy_city_fen) AS BIGINT),
                CAST(SUM(subsidy_county_fen) AS BIGINT), CAST(SUM(gov_paid_fen) AS BIGINT), CAST(SUM(interest_fen) AS BIGINT)
         FROM account_movements WHERE county = $1 AND person_id IN (
             SELECT person_id FROM payroll_lines WHERE county = $1 AND payroll_id = $2 AND account_pension_fen > account_from_pool_fen)
         GROUP BY person_id",
        &[Param::Text(county), Param::Int(payroll_id)],
        |r| {
            balances.insert(r.i64(0)?, [r.i64(1)?, r.i64(2)?, r.i64(3)?, r.i64(4)?, r.i64(5)?, r.i64(6)?]);
            Ok(())
        },
    )?;
    Ok(balances)
}

/// Posts the paid lines' payment on the latest credit date: the account pension from each
/// account, component by component, as far as it goes (the pool pays the rest), the exit
/// subsidies owed by each level, out of the bank; itemised in the sub-ledger.
fn post_payments(
    tx: &mut Tx<'_>,
    county: &str,
    payroll_id: i64,
    paid: &[(&Outcome, &Line)],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    let mut balances = drawn_balances(tx, county, payroll_id)?;
    let mut draft = EntryDraft {
        county,
        date: paid
            .iter()
            .filter_map(|(o, _)| o.paid)
            .max()
            .expect("non-empty"),
        kind: "benefit_payment",
        description: format!("发放批次 {payroll_id} 银行回盘：成功 {} 笔", paid.len()),
        import_id: Some(import_id),
        lines: Vec::new(),
    };
    let mut movements: Vec<BenefitMovement> = Vec::with_capacity(paid.len());
    let mut totals = [0i64; 6];
    let (mut pool, mut exit, mut bank) = (0i64, [0i64; 3], 0i64);
    for (o, l) in paid {
        let wanted = l.account_fen - l.from_pool_fen;
        let bal = balances.entry(l.person_id).or_default();
        let available: i64 = bal.iter().map(|b| (*b).max(0)).sum();
        let from_account = wanted.min(available);
        let parts = ledger::split_proportional(from_account, bal);
        for i in 0..6 {
            bal[i] -= parts[i];
            totals[i] += parts[i];
        }
        pool += l.account_fen - from_account;
        for (e, x) in exit.iter_mut().zip(l.exit) {
            *e += x;
        }
        bank += l.total_fen;
        let d = o.paid.expect("paid");
        movements.push((
            l.person_id,
            d,
            parts,
            format!("PAYROLL-{payroll_id}-{}", o.line_no),
        ));
    }
    let accounts = ledger::ind_component_accounts();
    for (a, t) in accounts.iter().zip(totals) {
        draft.add(a, t);
    }
    draft.add(ledger::POOL_LONGEVITY, pool);
    for (i, level) in ledger::LEVELS.iter().enumerate() {
        draft.add(&ledger::subsidy_receivable("exit", level), exit[i]);
    }
    draft.add(ledger::BANK, -bank);
    let entry_id = ledger::post(tx, &draft, actor)?;
    let rows: Vec<ledger::AccountMovement> = movements
        .into_iter()
        .filter(|m| m.2.iter().any(|x| *x != 0))
        .map(
            |(person_id, date, parts, reference)| ledger::AccountMovement {
                person_id,
                date,
                components: [
                    -parts[0], -parts[1], -parts[2], -parts[3], -parts[4], -parts[5],
                ],
                reference,
            },
        )
        .collect();
    ledger::write_account_movements(tx, county, entry_id, "benefit", &rows)
}

/// The lines' results, set by groups of the same result (usually: all paid on one day).
fn set_line_results(
    tx: &mut Tx<'_>,
    county: &str,
    payroll_id: i64,
    outcomes: &[&Outcome],
) -> Result<()> {
    // (paid, date paid, failure reason) → the lines' persons (lines are keyed by payroll and person).
    type Result3<'a> = (bool, Option<NaiveDate>, Option<&'a str>);
    let mut groups: std::collections::BTreeMap<Result3<'_>, Vec<i64>> = Default::default();
    for o in outcomes {
        groups
            .entry((o.paid.is_some(), o.paid, o.reason.as_deref()))
            .or_default()
            .push(o.person_id);
    }
    // Each chunk is a run of sorted persons and says its bounds: the key is (payroll, person,
    // county), and without the range PostgreSQL may read the whole payroll for each chunk.
    for ((paid, date, reason), mut persons) in groups {
        persons.sort_unstable();
        for chunk in persons.chunks(500) {
            let mut params = vec![
                Param::Text(county),
                Param::Int(payroll_id),
                Param::Text(if paid { "paid" } else { "failed" }),
                Param::from(date),
                Param::from(reason),
                Param::Int(chunk[0]),
                Param::Int(chunk[chunk.len() - 1]),
            ];
            params.extend(chunk.iter().map(|n| Param::Int(*n)));
            let list: Vec<String> = (8..8 + chunk.len()).map(|i| format!("${i}")).collect();
            tx.exec(
                &format!(
                    "UPDATE payroll_lines SET status = $3, paid_date = $4, fail_reason = $5
                     WHERE county = $1 AND payroll_id = $2 AND person_id BETWEEN $6 AND $7 AND person_id IN ({})",
                    list.join(", ")
                ),
                &params,
            )?;
        }
    }
    Ok(())
}

/// Payments the bank made after a death already recorded become overpayments at once.
/// They are dated by the bank's credit date.
fn overpayments_after_death(
    tx: &mut Tx<'_>,
    county: &str,
    payroll_id: i64,
    actor: &str,
) -> Result<()> {
    let late: Vec<(i64, NaiveDate, NaiveDate)> = tx
        .query(
            "SELECT l.person_id, d.death_date, MAX(l.paid_date) FROM payroll_lines l
             JOIN deaths d ON d.county = l.county AND d.person_id = l.person_id AND d.official
             WHERE l.county = $1 AND l.payroll_id = $2 AND l.status = 'paid' AND l.to_month > d.death_date
             GROUP BY l.person_id, d.death_date",
            &[Param::Text(county), Param::Int(payroll_id)],
        )?
        .iter()
        .map(|r| Ok((r.i64(0)?, r.date(1)?, r.date(2)?)))
        .collect::<Result<_>>()?;
    for (person_id, death_date, paid) in late {
        crate::deaths::overpayments(tx, county, person_id, death_date, actor, paid)?;
    }
    Ok(())
}

/// Paid once no line waits and at least one was paid (a payroll whose every line failed stays
/// exported: its payments go out with the supplementary run).
fn mark_paid_when_done(tx: &mut Tx<'_>, county: &str, payroll_id: i64) -> Result<()> {
    let pending = tx.scalar_i64(
        "SELECT COUNT(*) FROM payroll_lines WHERE county = $1 AND payroll_id = $2 AND status = 'pending'",
        &[Param::Text(county), Param::Int(payroll_id)],
    )?;
    let paid_lines = tx.scalar_i64(
        "SELECT COUNT(*) FROM payroll_lines WHERE county = $1 AND payroll_id = $2 AND status = 'paid'",
        &[Param::Text(county), Param::Int(payroll_id)],
    )?;
    if pending == 0 && paid_lines > 0 {
        tx.exec(
            "UPDATE payrolls SET status = 'paid', paid_date = (SELECT MAX(paid_date) FROM payroll_lines WHERE county = $1 AND payroll_id = $2)
             WHERE county = $1 AND payroll_id = $2",
            &[Param::Text(county), Param::Int(payroll_id)],
        )?;
    }
    Ok(())
}
