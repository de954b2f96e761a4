//! The fund's bank accounts, their interest agreements and the banks' statements — and the check
//! that would have caught Yangquan's banks crediting 0.2% or 0.35% instead of the agreed rate.
//!
//! `import bank-agreements`: each special account's agreement (bank, agreed rate, day-count basis,
//! crediting frequency, effective dates); a later agreement for an account amends the one before
//! (which then ends the day before). `import bank-statement`: end-of-day balances and interest
//! credits. Credited interest is posted (Dr `bank` / Cr `pool.interest`, kind `bank_interest`).
//! `fund interest-check` computes, for every credit, the interest the agreement entitles the fund
//! to from the daily balances, and lists every shortfall.

use crate::access::Action;
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::ledger::{self, EntryDraft};
use crate::register::persons::{begin_import, finish, record_import};
use crate::{audit, known_counties, Ctx, OpsError, Result};
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use yanglao_store::{Param, Tx};

pub const AGREEMENT_COLUMNS: [&str; 8] = [
    "县区代码",
    "开户银行",
    "账号",
    "约定利率(%)",
    "计息基础",
    "结息频率",
    "生效日期",
    "终止日期",
];
pub const STATEMENT_COLUMNS: [&str; 4] = ["账号", "日期", "类型", "金额(元)"];

#[derive(Debug, Clone, PartialEq)]
struct Agreement {
    account: String,
    county: String,
    bank: String,
    rate: Decimal,
    basis: i64,
    frequency: &'static str,
    from: NaiveDate,
    to: Option<NaiveDate>,
}

fn parse_basis(s: &str) -> Option<i64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "360" | "actual/360" | "实际/360" | "act/360" => Some(360),
        "365" | "actual/365" | "实际/365" | "act/365" => Some(365),
        _ => None,
    }
}

fn parse_frequency(s: &str) -> Option<&'static str> {
    match s.trim() {
        "月" | "按月" | "monthly" => Some("monthly"),
        "季" | "按季" | "quarterly" => Some("quarterly"),
        "年" | "按年" | "yearly" => Some("yearly"),
        _ => None,
    }
}

fn load_agreements(tx: &mut Tx<'_>) -> Result<Vec<Agreement>> {
    tx.query(
        "SELECT g.account_no, a.county, a.bank_name, g.rate_pct, g.day_basis, g.frequency, g.from_date, g.to_date
         FROM bank_agreements g JOIN bank_accounts a ON a.account_no = g.account_no ORDER BY g.account_no, g.from_date",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Agreement {
            account: r.str(0)?,
            county: r.str(1)?,
            bank: r.str(2)?,
            rate: Decimal::from_str(&r.str(3)?).unwrap_or_default(),
            basis: r.i64(4)?,
            frequency: parse_frequency(&r.str(5)?).unwrap_or("quarterly"),
            from: r.date(6)?,
            to: r.opt_date(7)?,
        })
    })
    .collect()
}

fn overlaps(a: &Agreement, b: &Agreement) -> bool {
    a.account == b.account
        && a.from <= b.to.unwrap_or(NaiveDate::MAX)
        && b.from <= a.to.unwrap_or(NaiveDate::MAX)
}

/// Imports (or with `dry_run` only validates) a file of bank-account interest agreements.
pub fn import_agreements(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::BankBooks)?;
    let table = read_table(upload)?;
    let cols = table.columns(&AGREEMENT_COLUMNS)?;
    let mut out = ImportOutcome::new("bank-agreements", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "bank-agreements", &[])? {
            return Ok(());
        }
        let counties = known_counties(tx)?;
        let existing = load_agreements(tx)?;
        let mut new: Vec<(usize, Agreement)> = Vec::new();
        for (row_no, cells) in &table.rows {
            let at = At {
                row_no: *row_no,
                cols: &cols,
                table: &table,
            };
            let Some(a) = read_agreement(&mut out, at, cells, &counties) else {
                continue;
            };
            if agreement_is_new(&mut out, at, cells, &a, &existing, &new) {
                new.push((*row_no, a));
            }
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let import_id = record_import(tx, "bank-agreements", &table, &actor, new.len(), out.skipped)?;
        out.import_id = Some(import_id);
        new.sort_by(|a, b| (&a.1.account, a.1.from).cmp(&(&b.1.account, b.1.from)));
        for (_, a) in &new {
            write_agreement(tx, a, import_id)?;
        }
        out.posted = new.len();
        audit(tx, &actor, "import.bank_agreements", &serde_json::json!({"import_id": import_id, "file": table.file_name, "agreements": out.posted}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// Where a row's problems are reported: the row and the file's columns.
#[derive(Clone, Copy)]
struct At<'t> {
    row_no: usize,
    cols: &'t Columns,
    table: &'t Table,
}

impl At<'_> {
    fn err(&self, out: &mut ImportOutcome, k: usize, v: &str, code: &'static str, msg: String) {
        out.errors.push(Problem::at(
            self.row_no,
            self.cols,
            self.table,
            k,
            v,
            code,
            msg,
        ));
    }
}

/// A row of an agreement file as an agreement, reporting each cell that is wrong (None if any).
fn read_agreement(
    out: &mut ImportOutcome,
    at: At<'_>,
    cells: &[Cell],
    counties: &BTreeMap<String, String>,
) -> Option<Agreement> {
    let cols = at.cols;
    let before = out.errors.len();
    let county = cols.cell(cells, 0);
    if !counties.contains_key(county) {
        at.err(
            out,
            0,
            county,
            "E-REGION-UNKNOWN",
            format!("县区代码“{county}”不是本系统登记的县区"),
        );
    }
    let bank = cols.cell(cells, 1);
    if bank.is_empty() {
        at.err(out, 1, "", "E-BANK-NAME-EMPTY", "开户银行为空".into());
    }
    let account: String = cols
        .cell(cells, 2)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    // Empty, not digits, or not 8–30 digits (E-BANK-EMPTY, -FORMAT, -LENGTH); the Luhn
    // check is for personal cards, not for the fund's accounts.
    if let Err(e) = yanglao_domain::BankAccount::parse(&account) {
        at.err(out, 2, &account, e.code, e.message);
    }
    let rate = read_rate(out, at, cells);
    let basis = parse_basis(cols.cell(cells, 4));
    if basis.is_none() {
        at.err(
            out,
            4,
            cols.cell(cells, 4),
            "E-AGREEMENT-BASIS",
            "计息基础应为 actual/360 或 actual/365".into(),
        );
    }
    let frequency = parse_frequency(cols.cell(cells, 5));
    if frequency.is_none() {
        at.err(
            out,
            5,
            cols.cell(cells, 5),
            "E-AGREEMENT-FREQUENCY",
            "结息频率应为“月”“季”或“年”".into(),
        );
    }
    let (from, to) = read_agreement_dates(out, at, cells);
    if out.errors.len() > before {
        return None;
    }
    let (Some(rate), Some(basis), Some(frequency), Some(from), Some(to)) =
        (rate, basis, frequency, from, to)
    else {
        return None;
    };
    Some(Agreement {
        account,
        county: county.to_string(),
        bank: bank.to_string(),
        rate,
        basis,
        frequency,
        from,
        to,
    })
}

/// The agreed rate: a yearly percentage from 0 to 20.
fn read_rate(out: &mut ImportOutcome, at: At<'_>, cells: &[Cell]) -> Option<Decimal> {
    let rate_raw = at.cols.cell(cells, 3).trim_end_matches('%');
    match Decimal::from_str(rate_raw) {
        Ok(r) if r.is_sign_negative() => {
            at.err(
                out,
                3,
                rate_raw,
                "E-AGREEMENT-RATE",
                "约定利率不能为负".into(),
            );
            None
        }
        Ok(r) if r > Decimal::from(20) => {
            at.err(
                out,
                3,
                rate_raw,
                "E-AGREEMENT-RATE",
                "约定利率按年百分比填写（如 1.35 表示 1.35%），不应超过 20".into(),
            );
            None
        }
        Ok(r) => Some(r),
        Err(_) => {
            at.err(
                out,
                3,
                rate_raw,
                "E-AGREEMENT-RATE",
                "约定利率应为数字（年百分比，如 1.35）".into(),
            );
            None
        }
    }
}

/// The agreement's effective date and its end date (`Some(None)`: open-ended), not before it.
fn read_agreement_dates(
    out: &mut ImportOutcome,
    at: At<'_>,
    cells: &[Cell],
) -> (Option<NaiveDate>, Option<Option<NaiveDate>>) {
    let cols = at.cols;
    let from = cols
        .date(cells, 6)
        .map_err(|e| at.err(out, 6, cols.cell(cells, 6), e.code, e.message))
        .ok();
    let to = if cols.cell(cells, 7).is_empty() {
        Some(None)
    } else {
        cols.date(cells, 7)
            .map(Some)
            .map_err(|e| at.err(out, 7, cols.cell(cells, 7), e.code, e.message))
            .ok()
    };
    if let (Some(f), Some(Some(t))) = (from, to) {
        if t < f {
            at.err(
                out,
                7,
                cols.cell(cells, 7),
                "E-AGREEMENT-DATES",
                "终止日期早于生效日期".into(),
            );
        }
    }
    (from, to)
}

/// Whether an agreement is new: its account must be of no other county and its period overlap
/// no other agreement's (a later agreement amends an open-ended earlier one). One already
/// imported is counted as skipped.
fn agreement_is_new(
    out: &mut ImportOutcome,
    at: At<'_>,
    cells: &[Cell],
    a: &Agreement,
    existing: &[Agreement],
    new: &[(usize, Agreement)],
) -> bool {
    let cols = at.cols;
    if let Some(other) = existing
        .iter()
        .chain(new.iter().map(|n| &n.1))
        .find(|o| o.account == a.account && o.county != a.county)
    {
        at.err(
            out,
            0,
            cols.cell(cells, 0),
            "E-AGREEMENT-ACCOUNT-COUNTY",
            format!("账号已属于县区 {}", other.county),
        );
        return false;
    }
    // Unchanged: the same agreement, or the same one since ended by a later amendment.
    let unchanged = existing.iter().any(|o| {
        o.account == a.account
            && o.from == a.from
            && o.rate == a.rate
            && o.basis == a.basis
            && o.frequency == a.frequency
            && o.bank == a.bank
            && (o.to == a.to
                || (a.to.is_none()
                    && o.to.is_some_and(|t| {
                        existing
                            .iter()
                            .any(|n| n.account == a.account && n.from == t + Duration::days(1))
                    })))
    });
    if unchanged {
        out.skipped += 1;
        return false;
    }
    // A later agreement amends an open-ended earlier one; any other overlap is an error.
    let clash = existing
        .iter()
        .chain(new.iter().map(|n| &n.1))
        .find(|o| overlaps(o, a) && !(o.to.is_none() && o.from < a.from));
    if let Some(o) = clash {
        at.err(
            out,
            6,
            cols.cell(cells, 6),
            "E-AGREEMENT-OVERLAP",
            format!("与账号 {} 自 {} 起的协议期间重叠", o.account, o.from),
        );
        return false;
    }
    true
}

/// Writes an agreement (and its account if new), ending the open-ended one before it.
fn write_agreement(tx: &mut Tx<'_>, a: &Agreement, import_id: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO bank_accounts (account_no, county, bank_name) VALUES ($1, $2, $3) ON CONFLICT (account_no) DO NOTHING",
        &[Param::Text(&a.account), Param::Text(&a.county), Param::Text(&a.bank)],
    )?;
    // Amend: the open-ended agreement before this one ends the day before.
    tx.exec(
        "UPDATE bank_agreements SET to_date = $2 WHERE account_no = $1 AND to_date IS NULL AND from_date < $3",
        &[Param::Text(&a.account), Param::Date(a.from - Duration::days(1)), Param::Date(a.from)],
    )?;
    let id = tx.allocate_ids("bank_agreement", 1)?;
    let rate = a.rate.normalize().to_string();
    tx.exec(
        "INSERT INTO bank_agreements (agreement_id, account_no, rate_pct, day_basis, frequency, from_date, to_date, import_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Param::Int(id), Param::Text(&a.account), Param::Text(&rate), Param::Int(a.basis), Param::Text(a.frequency),
            Param::Date(a.from), Param::from(a.to), Param::Int(import_id),
        ],
    )?;
    Ok(())
}

enum Line {
    Balance(String, NaiveDate, i64),
    Interest(String, NaiveDate, NaiveDate, NaiveDate, i64),
}

/// Imports (or with `dry_run` only validates) a bank statement: end-of-day balances and
/// interest credits (posted).
pub fn import_statement(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::BankBooks)?;
    let table = read_table(upload)?;
    let cols = table.columns(&STATEMENT_COLUMNS)?;
    let optional = |h: &str| table.columns(&[h]).ok().map(|c| c.index[0]);
    let (start_col, end_col) = (optional("计息起始日"), optional("计息终止日"));
    let mut out = ImportOutcome::new("bank-statement", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let today = chrono::Local::now().date_naive();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "bank-statement", &[])? {
            return Ok(());
        }
        let mut reader = StatementReader {
            books: StatementBooks::load(tx)?,
            start_col,
            end_col,
            today,
            lines: Vec::new(),
        };
        // In date order, so that periods derived from the previous credit do not depend on row order.
        let mut ordered: Vec<&(usize, Vec<Cell>)> = table.rows.iter().collect();
        ordered.sort_by_key(|(_, cells)| cols.date(cells, 1).ok());
        let mut seen: BTreeMap<(String, NaiveDate, &'static str), usize> = BTreeMap::new();
        for (row_no, cells) in ordered {
            let at = At {
                row_no: *row_no,
                cols: &cols,
                table: &table,
            };
            reader.read_row(&mut out, at, cells, &mut seen);
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let StatementReader { books, lines, .. } = reader;
        let import_id = record_import(tx, "bank-statement", &table, &actor, lines.len(), out.skipped)?;
        out.import_id = Some(import_id);
        write_statement(tx, &books.accounts, &lines, import_id, &actor)?;
        out.posted = lines.len();
        audit(tx, &actor, "import.bank_statement", &serde_json::json!({"import_id": import_id, "file": table.file_name, "lines": out.posted}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// What the books already hold that a statement is checked against.
struct StatementBooks {
    /// Account → county.
    accounts: BTreeMap<String, String>,
    balances: BTreeMap<(String, NaiveDate), i64>,
    /// (account, period start, period end, amount, credited on); the statement's credits are
    /// added as they are read.
    credits: Vec<(String, NaiveDate, NaiveDate, i64, NaiveDate)>,
    agreements: Vec<Agreement>,
}

impl StatementBooks {
    fn load(tx: &mut Tx<'_>) -> Result<StatementBooks> {
        let accounts: BTreeMap<String, String> = tx
            .query("SELECT account_no, county FROM bank_accounts", &[])?
            .iter()
            .map(|r| Ok((r.str(0)?, r.str(1)?)))
            .collect::<Result<_>>()?;
        let mut balances: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
        for r in tx.query(
            "SELECT account_no, on_date, balance_fen FROM bank_balances",
            &[],
        )? {
            balances.insert((r.str(0)?, r.date(1)?), r.i64(2)?);
        }
        let mut credits: Vec<(String, NaiveDate, NaiveDate, i64, NaiveDate)> = Vec::new();
        for r in tx.query("SELECT account_no, period_start, period_end, amount_fen, credited_on FROM bank_interest ORDER BY account_no, period_start", &[])? {
            credits.push((r.str(0)?, r.date(1)?, r.date(2)?, r.i64(3)?, r.date(4)?));
        }
        let agreements = load_agreements(tx)?;
        Ok(StatementBooks {
            accounts,
            balances,
            credits,
            agreements,
        })
    }
}

/// Reads the rows of a statement into the lines to write.
struct StatementReader {
    books: StatementBooks,
    /// The optional columns of an interest credit's period.
    start_col: Option<usize>,
    end_col: Option<usize>,
    today: NaiveDate,
    lines: Vec<Line>,
}

impl StatementReader {
    /// Reads one row: a balance or an interest credit, new to the books and once in the file.
    fn read_row(
        &mut self,
        out: &mut ImportOutcome,
        at: At<'_>,
        cells: &[Cell],
        seen: &mut BTreeMap<(String, NaiveDate, &'static str), usize>,
    ) {
        let cols = at.cols;
        let Some((account, date, kind, amount)) = self.read_cells(out, at, cells) else {
            return;
        };
        if let Some(first) = seen.insert((account.clone(), date, kind), at.row_no) {
            at.err(
                out,
                1,
                cols.cell(cells, 1),
                "E-STATEMENT-DUPLICATE",
                format!(
                    "同一账号同一日期的{}在文件中出现两次（首次在第 {first} 行）",
                    if kind == "balance" {
                        "余额"
                    } else {
                        "结息"
                    }
                ),
            );
            return;
        }
        if kind == "balance" {
            match self.books.balances.get(&(account.clone(), date)) {
                Some(b) if *b == amount => out.skipped += 1,
                Some(_) => at.err(
                    out,
                    3,
                    cols.cell(cells, 3),
                    "E-STATEMENT-OVERLAP",
                    "此账号这一天的余额已导入，且金额不同".into(),
                ),
                None => self.lines.push(Line::Balance(account, date, amount)),
            }
            return;
        }
        self.read_interest(out, at, cells, account, date, amount);
    }

    /// The row's account (a registered fund account), date (not future), kind and amount; None
    /// if any is wrong (each is reported).
    fn read_cells(
        &self,
        out: &mut ImportOutcome,
        at: At<'_>,
        cells: &[Cell],
    ) -> Option<(String, NaiveDate, &'static str, i64)> {
        let cols = at.cols;
        let before = out.errors.len();
        let account: String = cols
            .cell(cells, 0)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !self.books.accounts.contains_key(&account) {
            at.err(
                out,
                0,
                &account,
                "E-STATEMENT-ACCOUNT",
                "此账号不是已登记的基金专户，请先导入存款协议".into(),
            );
        }
        let date = cols
            .past_date(cells, 1, self.today, ("E-DATE-FUTURE", "日期晚于今天"))
            .map_err(|e| at.err(out, 1, cols.cell(cells, 1), e.code, e.message))
            .ok();
        let kind = match cols.cell(cells, 2) {
            "余额" | "日终余额" | "balance" => Some("balance"),
            "结息" | "利息" | "interest" => Some("interest"),
            other => {
                at.err(
                    out,
                    2,
                    other,
                    "E-STATEMENT-TYPE",
                    "类型应为“余额”或“结息”".into(),
                );
                None
            }
        };
        let amount = cols
            .amount_fen(cells, 3, false, "金额")
            .map_err(|e| at.err(out, 3, cols.cell(cells, 3), e.code, e.message))
            .ok();
        if out.errors.len() > before {
            return None;
        }
        let (Some(date), Some(kind), Some(amount)) = (date, kind, amount) else {
            return None;
        };
        Some((account, date, kind, amount))
    }

    /// An interest credit: its period, given or from the previous credit (or the first
    /// agreement), must not overlap another credit's.
    fn read_interest(
        &mut self,
        out: &mut ImportOutcome,
        at: At<'_>,
        cells: &[Cell],
        account: String,
        date: NaiveDate,
        amount: i64,
    ) {
        let cols = at.cols;
        let credits = &self.books.credits;
        let given = |c: Option<usize>| {
            c.and_then(|c| cells.get(c))
                .filter(|c| !c.text.is_empty())
                .map(|c| yanglao_domain::parse_date(&c.text))
        };
        if given(self.start_col).is_none()
            && credits
                .iter()
                .any(|c| c.0 == account && c.4 == date && c.3 == amount)
        {
            out.skipped += 1;
            return;
        }
        let previous_end = credits
            .iter()
            .filter(|c| c.0 == account && c.4 < date)
            .map(|c| c.2)
            .max();
        let first_agreement = self
            .books
            .agreements
            .iter()
            .filter(|a| a.account == account)
            .map(|a| a.from)
            .min();
        let start = match given(self.start_col) {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                at.err(out, 1, "", e.code, format!("计息起始日：{}", e.message));
                return;
            }
            None => previous_end
                .map(|d| d + Duration::days(1))
                .or(first_agreement)
                .unwrap_or(date),
        };
        let end = match given(self.end_col) {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                at.err(out, 1, "", e.code, format!("计息终止日：{}", e.message));
                return;
            }
            None => date - Duration::days(1),
        };
        if end < start || end > date {
            at.err(
                out,
                1,
                cols.cell(cells, 1),
                "E-STATEMENT-PERIOD",
                format!("计息期间 {start} 至 {end} 无效（须不晚于结息日 {date}）"),
            );
            return;
        }
        match credits
            .iter()
            .find(|c| c.0 == account && c.1 <= end && start <= c.2)
        {
            Some(c) if c.1 == start && c.2 == end && c.3 == amount && c.4 == date => {
                out.skipped += 1
            }
            Some(c) => at.err(
                out,
                1,
                cols.cell(cells, 1),
                "E-STATEMENT-OVERLAP",
                format!("计息期间与已导入的 {} 至 {} 重叠", c.1, c.2),
            ),
            None => {
                self.books
                    .credits
                    .push((account.clone(), start, end, amount, date));
                self.lines
                    .push(Line::Interest(account, date, start, end, amount));
            }
        }
    }
}

/// Writes a statement's lines: the balances, and the interest credits with one entry per
/// county and credit date, dated on it (so each year books its own interest); a credit of
/// nothing is kept without an entry.
fn write_statement(
    tx: &mut Tx<'_>,
    accounts: &BTreeMap<String, String>,
    lines: &[Line],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    let mut by_day: BTreeMap<(String, NaiveDate), Vec<&Line>> = BTreeMap::new();
    for l in lines {
        match l {
            Line::Balance(account, date, amount) => {
                tx.exec(
                    "INSERT INTO bank_balances (account_no, on_date, balance_fen, import_id) VALUES ($1, $2, $3, $4)",
                    &[Param::Text(account), Param::Date(*date), Param::Int(*amount), Param::Int(import_id)],
                )?;
            }
            Line::Interest(account, date, ..) => by_day
                .entry((accounts[account].clone(), *date))
                .or_default()
                .push(l),
        }
    }
    for ((county, date), list) in by_day {
        write_interest_day(tx, &county, date, &list, import_id, actor)?;
    }
    Ok(())
}

/// A county's interest credits of one day: their entry (if they credit anything) and records.
fn write_interest_day(
    tx: &mut Tx<'_>,
    county: &str,
    date: NaiveDate,
    list: &[&Line],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    let total: i64 = list
        .iter()
        .map(|l| if let Line::Interest(.., a) = l { *a } else { 0 })
        .sum();
    let entry_id = if total > 0 {
        let mut draft = EntryDraft {
            county,
            date,
            kind: "bank_interest",
            description: format!("银行结息 {} 笔", list.len()),
            import_id: Some(import_id),
            lines: Vec::new(),
        };
        draft.add(ledger::BANK, total);
        draft.add(ledger::POOL_INTEREST, -total);
        Some(ledger::post(tx, &draft, actor)?)
    } else {
        None
    };
    for l in list {
        if let Line::Interest(account, credited_on, start, end, amount) = l {
            tx.exec(
                "INSERT INTO bank_interest (account_no, period_start, period_end, credited_on, amount_fen, county, entry_id, import_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Param::Text(account), Param::Date(*start), Param::Date(*end), Param::Date(*credited_on), Param::Int(*amount),
                    Param::Text(county), Param::from(entry_id), Param::Int(import_id),
                ],
            )?;
        }
    }
    Ok(())
}

/// One interest credit below what the agreement entitles the fund to.
#[derive(Debug, Clone, Serialize)]
pub struct Shortfall {
    pub account: String,
    pub county: String,
    pub bank: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Percent a year (e.g. 1.35).
    pub agreed_rate: f64,
    /// The rate the credit amounts to on the same balances, percent a year.
    pub applied_rate: f64,
    pub expected_fen: i64,
    pub credited_fen: i64,
    pub shortfall_fen: i64,
    /// The period starts before the first balance the bank stated: days without a balance were
    /// counted as zero, so the figures are a lower bound.
    pub incomplete: bool,
}

/// Every interest credit of the year (by the end of its period) that falls short of the agreement.
pub fn interest_check(ctx: &mut Ctx, year: i32) -> Result<Vec<Shortfall>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    let mut list = ctx.db.read_transaction(|tx| interest_check_in(tx, year))?;
    // A county role sees its own counties' deposits only.
    list.retain(|s| actor.all_counties() || actor.counties.contains(&s.county));
    Ok(list)
}

/// [`interest_check`] within a transaction the caller holds.
pub fn interest_check_in(tx: &mut Tx<'_>, year: i32) -> Result<Vec<Shortfall>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    {
        let agreements = load_agreements(tx)?;
        let credits = tx.query(
            "SELECT account_no, period_start, period_end, amount_fen FROM bank_interest WHERE period_end >= $1 AND period_end <= $2 ORDER BY account_no, period_start",
            &[Param::Date(from), Param::Date(to)],
        )?;
        let mut out = Vec::new();
        for c in credits {
            let (account, start, end, credited) = (c.str(0)?, c.date(1)?, c.date(2)?, c.i64(3)?);
            let balances: Vec<(NaiveDate, i64)> = tx
                .query(
                    "SELECT on_date, balance_fen FROM bank_balances WHERE account_no = $1 AND on_date <= $2 ORDER BY on_date",
                    &[Param::Text(&account), Param::Date(end)],
                )?
                .iter()
                .map(|r| Ok((r.date(0)?, r.i64(1)?)))
                .collect::<Result<_>>()?;
            let mut expected = Decimal::ZERO;
            let mut balance_years = Decimal::ZERO;
            let mut day = start;
            let mut idx = 0;
            let mut balance = 0i64;
            let mut agreed = None;
            while day <= end {
                while idx < balances.len() && balances[idx].0 <= day {
                    balance = balances[idx].1;
                    idx += 1;
                }
                if let Some(a) = agreements.iter().find(|a| {
                    a.account == account && a.from <= day && a.to.is_none_or(|t| day <= t)
                }) {
                    let b = Decimal::from(balance) / Decimal::from(a.basis);
                    expected += b * a.rate / Decimal::ONE_HUNDRED;
                    balance_years += b;
                    agreed = Some(a.clone());
                }
                day += Duration::days(1);
            }
            let Some(a) = agreed else { continue };
            let expected_fen = expected
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_i64()
                .unwrap_or(0);
            let shortfall = expected_fen - credited;
            if shortfall <= 0 {
                continue;
            }
            let applied = if balance_years.is_zero() {
                Decimal::ZERO
            } else {
                Decimal::from(credited) / balance_years * Decimal::ONE_HUNDRED
            };
            // The agreed rate over the period, weighted by day (agreements may change within it).
            let agreed_rate = if balance_years.is_zero() {
                a.rate
            } else {
                expected / balance_years * Decimal::ONE_HUNDRED
            };
            let incomplete = balances.first().is_none_or(|b| b.0 > start);
            out.push(Shortfall {
                account: account.clone(),
                county: a.county.clone(),
                bank: a.bank.clone(),
                period_start: start,
                period_end: end,
                agreed_rate: agreed_rate.round_dp(4).to_f64().unwrap_or(0.0),
                applied_rate: applied.round_dp(4).to_f64().unwrap_or(0.0),
                expected_fen,
                credited_fen: credited,
                shortfall_fen: shortfall,
                incomplete,
            });
        }
        Ok(out)
    }
}

/// An interest agreement as the bank-accounts page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementItem {
    pub rate_pct: String,
    pub day_basis: i64,
    /// `monthly`, `quarterly` or `yearly`.
    pub frequency: String,
    pub from_date: NaiveDate,
    pub to_date: Option<NaiveDate>,
    pub import_id: Option<i64>,
}

/// An interest credit as the bank's statement gave it.
#[derive(Debug, Clone, Serialize)]
pub struct CreditItem {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub credited_on: NaiveDate,
    pub amount_fen: i64,
}

/// A special account of the fund: its agreements, and what the bank stated for the year.
#[derive(Debug, Clone, Serialize)]
pub struct AccountItem {
    pub account_no: String,
    pub county: String,
    pub bank_name: String,
    /// Every agreement, the earliest first.
    pub agreements: Vec<AgreementItem>,
    /// Balances the bank stated in the year: how many days, and the last (date, balance).
    pub balance_days: i64,
    pub last_balance: Option<(NaiveDate, i64)>,
    /// The year's interest credits (by the end of their period), in order.
    pub credits: Vec<CreditItem>,
}

/// The frequency of an agreement as people say it.
pub fn frequency_zh(f: &str) -> &str {
    match f {
        "monthly" => "按月",
        "quarterly" => "按季",
        "yearly" => "按年",
        other => other,
    }
}

/// The fund's special accounts in the actor's counties, with their agreements and the year's
/// statements (balances and interest credits), by county and account.
pub fn accounts(ctx: &mut Ctx, year: i32) -> Result<Vec<AccountItem>> {
    ctx.actor.require(Action::Read)?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        let mut params = Vec::new();
        let scope = actor.scope_sql("county", &mut params);
        let mut list: Vec<AccountItem> = tx
            .query(
                &format!("SELECT account_no, county, bank_name FROM bank_accounts WHERE {scope} ORDER BY county, account_no"),
                &params,
            )?
            .iter()
            .map(|r| {
                Ok(AccountItem {
                    account_no: r.str(0)?,
                    county: r.str(1)?,
                    bank_name: r.str(2)?,
                    agreements: Vec::new(),
                    balance_days: 0,
                    last_balance: None,
                    credits: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        for a in &mut list {
            let acc = [Param::Text(&a.account_no)];
            for r in tx.query(
                "SELECT rate_pct, day_basis, frequency, from_date, to_date, import_id FROM bank_agreements WHERE account_no = $1 ORDER BY from_date, agreement_id",
                &acc,
            )? {
                a.agreements.push(AgreementItem {
                    rate_pct: r.str(0)?,
                    day_basis: r.i64(1)?,
                    frequency: r.str(2)?,
                    from_date: r.date(3)?,
                    to_date: r.opt_date(4)?,
                    import_id: r.opt_i64(5)?,
                });
            }
            let span = [Param::Text(&a.account_no), Param::Date(from), Param::Date(to)];
            a.balance_days = tx.scalar_i64(
                "SELECT COUNT(*) FROM bank_balances WHERE account_no = $1 AND on_date >= $2 AND on_date <= $3",
                &span,
            )?;
            a.last_balance = tx
                .query(
                    "SELECT on_date, balance_fen FROM bank_balances WHERE account_no = $1 AND on_date >= $2 AND on_date <= $3 ORDER BY on_date DESC LIMIT 1",
                    &span,
                )?
                .first()
                .map(|r| Ok::<_, OpsError>((r.date(0)?, r.i64(1)?)))
                .transpose()?;
            for r in tx.query(
                "SELECT period_start, period_end, credited_on, amount_fen FROM bank_interest WHERE account_no = $1 AND period_end >= $2 AND period_end <= $3 ORDER BY period_start",
                &span,
            )? {
                a.credits.push(CreditItem {
                    period_start: r.date(0)?,
                    period_end: r.date(1)?,
                    credited_on: r.date(2)?,
                    amount_fen: r.i64(3)?,
                });
            }
        }
        Ok(list)
    })
}
