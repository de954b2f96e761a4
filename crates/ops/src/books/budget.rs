//! Subsidy budgets by year, government level and kind, the money that arrived, and budget
//! execution (预算执行率 = spent ÷ budget; 资金到位率 = arrived ÷ budget), with what was spent read
//! from the ledger: entry subsidies granted to accounts, government-paid contributions, and the
//! exit subsidies owed for benefits paid.

use crate::access::Action;
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Upload};
use crate::ledger::{self, EntryDraft};
use crate::register::persons::{begin_import, finish, record_import};
use crate::{audit, known_counties, Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_store::{Param, Tx};

pub const BUDGET_COLUMNS: [&str; 4] = ["年度", "级次", "类别", "金额(元)"];
pub const ARRIVAL_COLUMNS: [&str; 7] = [
    "年度",
    "级次",
    "类别",
    "县区代码",
    "到位日期",
    "金额(元)",
    "凭证号",
];

pub fn parse_level(s: &str) -> Option<&'static str> {
    match s.trim() {
        "省级" | "省" | "province" => Some("province"),
        "市级" | "市" | "city" => Some("city"),
        "县级" | "县" | "县区" | "county" => Some("county"),
        _ => None,
    }
}

pub fn parse_kind(s: &str) -> Option<&'static str> {
    match s.trim() {
        "入口补" | "缴费补贴" | "entry" => Some("entry"),
        "出口补" | "待遇补贴" | "出口补贴" | "exit" => Some("exit"),
        "政府代缴" | "gov_paid" => Some("gov_paid"),
        _ => None,
    }
}

pub fn level_zh(l: &str) -> &str {
    match l {
        "province" => "省级",
        "city" => "市级",
        _ => "县级",
    }
}

pub fn kind_zh(k: &str) -> &str {
    match k {
        "entry" => "入口补（缴费补贴）",
        "exit" => "出口补（待遇补贴）",
        _ => "政府代缴",
    }
}

/// Validates 年度, 级次 and 类别 of a row (the first three required columns of both files).
fn year_level_kind(
    cols: &crate::imports::table::Columns,
    cells: &[crate::imports::table::Cell],
    err: &mut dyn FnMut(usize, &str, &'static str, String),
) -> Option<(i32, &'static str, &'static str)> {
    let year_raw = cols.cell(cells, 0);
    let year = year_raw
        .trim_end_matches('年')
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        err(0, year_raw, "E-BUDGET-YEAR", "年度应为四位年份".into());
    }
    let level = parse_level(cols.cell(cells, 1));
    if level.is_none() {
        err(
            1,
            cols.cell(cells, 1),
            "E-BUDGET-LEVEL",
            "级次应为“省级”“市级”或“县级”".into(),
        );
    }
    let kind = parse_kind(cols.cell(cells, 2));
    if kind.is_none() {
        err(
            2,
            cols.cell(cells, 2),
            "E-BUDGET-KIND",
            "类别应为“入口补”“出口补”或“政府代缴”".into(),
        );
    }
    Some((year?, level?, kind?))
}

pub fn import_budget(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Budget)?;
    let table = read_table(upload)?;
    let cols = table.columns(&BUDGET_COLUMNS)?;
    let county_col = table.columns(&["县区代码"]).ok().map(|c| c.index[0]);
    let mut out = ImportOutcome::new("budget", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "budget", &[])? {
            return Ok(());
        }
        let counties = known_counties(tx)?;
        let mut existing: BTreeMap<(i32, String, String, String), i64> = BTreeMap::new();
        for r in tx.query("SELECT year, level, kind, county, amount_fen FROM budget_lines", &[])? {
            existing.insert((r.i64(0)? as i32, r.str(1)?, r.str(2)?, r.str(3)?), r.i64(4)?);
        }
        let mut seen: BTreeMap<(i32, String, String, String), usize> = BTreeMap::new();
        let mut changes = Vec::new();
        for (row_no, cells) in &table.rows {
            let row_no = *row_no;
            let before = out.errors.len();
            let county = county_col.and_then(|c| cells.get(c)).map_or("", |c| c.text.as_str()).to_string();
            if !county.is_empty() && !counties.contains_key(&county) {
                let column = county_col.map_or(String::new(), |c| format!("{} 县区代码", crate::imports::table::column_letter(c)));
                out.errors.push(Problem { row: row_no, column, value: county.clone(), code: "E-REGION-UNKNOWN", message: format!("县区代码“{county}”不是本系统登记的县区") });
            }
            let mut err = |k: usize, v: &str, code: &'static str, msg: String| out.errors.push(Problem::at(row_no, &cols, &table, k, v, code, msg));
            let key = year_level_kind(&cols, cells, &mut err);

            let amount = cols.amount_fen(cells, 3, false, "预算金额").map_err(|e| err(3, cols.cell(cells, 3), e.code, e.message)).ok();
            if out.errors.len() > before {
                continue;
            }
            let (Some((year, level, kind)), Some(amount)) = (key, amount) else { continue };
            let k = (year, level.to_string(), kind.to_string(), county);
            if let Some(first) = seen.insert(k.clone(), row_no) {
                out.errors.push(Problem::at(row_no, &cols, &table, 1, level, "E-BUDGET-DUPLICATE", format!("同一年度、级次、类别的预算在文件中出现两次（首次在第 {first} 行）")));
                continue;
            }
            match existing.get(&k) {
                Some(a) if *a == amount => out.skipped += 1,
                Some(a) => changes.push((k, amount, Some(*a))),
                None => changes.push((k, amount, None)),
            }
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let import_id = record_import(tx, "budget", &table, &actor, changes.len(), out.skipped)?;
        out.import_id = Some(import_id);
        for ((year, level, kind, county), amount, before) in &changes {
            let p = [Param::Int((*year).into()), Param::Text(level), Param::Text(kind), Param::Text(county)];
            tx.exec("DELETE FROM budget_lines WHERE year = $1 AND level = $2 AND kind = $3 AND county = $4", &p)?;
            tx.exec(
                "INSERT INTO budget_lines (year, level, kind, county, amount_fen, import_id) VALUES ($1, $2, $3, $4, $5, $6)",
                &[p[0], p[1], p[2], p[3], Param::Int(*amount), Param::Int(import_id)],
            )?;
            if before.is_some() {
                out.updated += 1;
                audit(tx, &actor, "budget.adjust", &serde_json::json!({"year": year, "level": level, "kind": kind, "county": county, "before_fen": before, "after_fen": amount}))?;
            } else {
                out.posted += 1;
            }
        }
        audit(tx, &actor, "import.budget", &serde_json::json!({"import_id": import_id, "file": table.file_name, "new": out.posted, "adjusted": out.updated}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// An arrival as stored: year, level, kind, date, amount.
type Arrival = (i32, String, String, NaiveDate, i64);

pub fn import_arrivals(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Budget)?;
    let table = read_table(upload)?;
    let cols = table.columns(&ARRIVAL_COLUMNS)?;
    let mut out = ImportOutcome::new("fund-arrivals", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let today = chrono::Local::now().date_naive();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "fund-arrivals", &[])? {
            return Ok(());
        }
        let counties = known_counties(tx)?;
        // (county, reference) → (year, level, kind, date, amount)
        let mut existing: BTreeMap<(String, String), Arrival> = BTreeMap::new();
        for r in tx.query("SELECT county, reference, year, level, kind, arrived_on, amount_fen FROM fund_arrivals", &[])? {
            existing.insert((r.str(0)?, r.str(1)?), (r.i64(2)? as i32, r.str(3)?, r.str(4)?, r.date(5)?, r.i64(6)?));
        }
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut new = Vec::new();
        for (row_no, cells) in &table.rows {
            let row_no = *row_no;
            let before = out.errors.len();
            let mut err = |k: usize, v: &str, code: &'static str, msg: String| out.errors.push(Problem::at(row_no, &cols, &table, k, v, code, msg));
            let key = year_level_kind(&cols, cells, &mut err);
            let county = cols.cell(cells, 3).to_string();
            if !counties.contains_key(&county) {
                err(3, &county, "E-REGION-UNKNOWN", format!("县区代码“{county}”不是本系统登记的县区（资金到位须记入县区基金）"));
            }
            let date = cols.past_date(cells, 4, today, ("E-DATE-FUTURE", "到位日期晚于今天")).map_err(|e| err(4, cols.cell(cells, 4), e.code, e.message)).ok();
            let amount = cols.amount_fen(cells, 5, true, "到位金额").map_err(|e| err(5, cols.cell(cells, 5), e.code, e.message)).ok();
            let reference = cols.cell(cells, 6).to_string();
            if reference.is_empty() {
                err(6, "", "E-ARRIVAL-REF-EMPTY", "凭证号为空".into());
            }
            if out.errors.len() > before {
                continue;
            }
            let (Some((year, level, kind)), Some(date), Some(amount)) = (key, date, amount) else { continue };
            let k = (county.clone(), reference.clone());
            if let Some(first) = seen.insert(k.clone(), row_no) {
                out.errors.push(Problem::at(row_no, &cols, &table, 6, &reference, "E-ARRIVAL-DUPLICATE", format!("凭证号在文件中重复（首次在第 {first} 行）")));
                continue;
            }
            match existing.get(&k) {
                Some(e) if *e == (year, level.to_string(), kind.to_string(), date, amount) => out.skipped += 1,
                Some(_) => out.errors.push(Problem::at(row_no, &cols, &table, 6, &reference, "E-ARRIVAL-CONFLICT", "此凭证号已导入，但年度、级次、类别、日期或金额不同".into())),
                None => new.push((year, level, kind, county, date, amount, reference)),
            }
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let import_id = record_import(tx, "fund-arrivals", &table, &actor, new.len(), out.skipped)?;
        out.import_id = Some(import_id);
        for (year, level, kind, county, date, amount, reference) in &new {
            let mut draft = EntryDraft {
                county,
                date: *date,
                kind: "subsidy_arrival",
                description: format!("{}{}资金到位（{reference}）", level_zh(level), kind_zh(kind)),
                import_id: Some(import_id),
                lines: Vec::new(),
            };
            draft.add(ledger::BANK, *amount);
            draft.add(&ledger::subsidy_receivable(kind, level), -amount);
            let entry_id = ledger::post(tx, &draft, &actor)?;
            let id = tx.allocate_ids("fund_arrival", 1)?;
            tx.exec(
                "INSERT INTO fund_arrivals (county, arrival_id, year, level, kind, arrived_on, amount_fen, reference, entry_id, import_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    Param::Text(county), Param::Int(id), Param::Int((*year).into()), Param::Text(level), Param::Text(kind), Param::Date(*date),
                    Param::Int(*amount), Param::Text(reference), Param::Int(entry_id), Param::Int(import_id),
                ],
            )?;
        }
        out.posted = new.len();
        audit(tx, &actor, "import.fund_arrivals", &serde_json::json!({"import_id": import_id, "file": table.file_name, "arrivals": out.posted}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ExecutionLine {
    pub level: String,
    pub kind: String,
    pub budget_fen: i64,
    pub arrived_fen: i64,
    pub spent_fen: i64,
    /// spent ÷ budget (a fraction; null without a budget).
    pub execution_rate: Option<f64>,
    /// arrived ÷ budget.
    pub arrival_rate: Option<f64>,
    /// `over` (spent beyond the budget), `under` (below the threshold) or empty.
    pub flag: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Execution {
    pub year: i32,
    pub threshold: f64,
    pub lines: Vec<ExecutionLine>,
    pub total: ExecutionLine,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Budget execution of a year, per level and kind (all counties together) and in total.
pub fn execution(ctx: &mut Ctx, year: i32, threshold: f64) -> Result<Execution> {
    ctx.actor.require(Action::Read)?;
    ctx.db
        .read_transaction(|tx| execution_in(tx, year, threshold))
}

/// [`execution`] within a transaction the caller holds.
pub fn execution_in(tx: &mut Tx<'_>, year: i32, threshold: f64) -> Result<Execution> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    {
        let mut lines: BTreeMap<(String, String), ExecutionLine> = BTreeMap::new();
        let line =
            |level: &str, kind: &str| -> (String, String) { (level.to_string(), kind.to_string()) };
        // A level-wide line (no county) is the level's budget; county lines are its breakdown and
        // count only where no level-wide line exists.
        let mut wide: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut by_county: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in tx.query(
            "SELECT level, kind, county, amount_fen FROM budget_lines WHERE year = $1",
            &[Param::Int(year.into())],
        )? {
            let k = line(&r.str(0)?, &r.str(1)?);
            if r.str(2)?.is_empty() {
                *wide.entry(k).or_default() += r.i64(3)?;
            } else {
                *by_county.entry(k).or_default() += r.i64(3)?;
            }
        }
        for (k, v) in by_county {
            wide.entry(k).or_insert(v);
        }
        for (k, v) in wide {
            lines.entry(k).or_default().budget_fen += v;
        }
        for r in tx.query("SELECT level, kind, CAST(SUM(amount_fen) AS BIGINT) FROM fund_arrivals WHERE year = $1 GROUP BY level, kind", &[Param::Int(year.into())])? {
            let k = line(&r.str(0)?, &r.str(1)?);
            lines.entry(k).or_default().arrived_fen += r.i64(2)?;
        }
        for r in tx.query(
            "SELECT l.account, CAST(SUM(l.amount_fen) AS BIGINT) FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
             WHERE e.entry_date >= $1 AND e.entry_date <= $2
               AND ((e.kind IN ('contribution', 'gov_paid') AND (l.account LIKE 'ind.entry_subsidy.%' OR l.account LIKE 'ind.gov_paid.%'))
                 OR (e.kind IN ('benefit_payment', 'overpayment') AND l.account LIKE 'receivable.subsidy.exit.%'))
             GROUP BY l.account",
            &[Param::Date(start), Param::Date(end)],
        )? {
            let (account, amount) = (r.str(0)?, r.i64(1)?);
            let parts: Vec<&str> = account.split('.').collect();
            let (kind, level, spent) = match parts.as_slice() {
                ["ind", "entry_subsidy", level] => ("entry", *level, -amount),
                ["ind", "gov_paid", level] => ("gov_paid", *level, -amount),
                ["receivable", "subsidy", "exit", level] => ("exit", *level, amount),
                _ => continue,
            };
            lines.entry(line(level, kind)).or_default().spent_fen += spent;
        }
        let mut total = ExecutionLine {
            level: "total".into(),
            kind: "total".into(),
            ..Default::default()
        };
        let mut out = Vec::new();
        for ((level, kind), mut l) in lines {
            if l.budget_fen == 0 && l.arrived_fen == 0 && l.spent_fen == 0 {
                continue;
            }
            l.level = level;
            l.kind = kind;
            l.execution_rate = rate(l.spent_fen, l.budget_fen);
            l.arrival_rate = rate(l.arrived_fen, l.budget_fen);
            l.flag = match l.execution_rate {
                Some(r) if r > 1.0 => "over".into(),
                Some(r) if r < threshold => "under".into(),
                None if l.spent_fen > 0 => "over".into(),
                _ => String::new(),
            };
            total.budget_fen += l.budget_fen;
            total.arrived_fen += l.arrived_fen;
            total.spent_fen += l.spent_fen;
            out.push(l);
        }
        total.execution_rate = rate(total.spent_fen, total.budget_fen);
        total.arrival_rate = rate(total.arrived_fen, total.budget_fen);
        total.flag = match total.execution_rate {
            Some(r) if r > 1.0 => "over".into(),
            Some(r) if r < threshold => "under".into(),
            _ => String::new(),
        };
        Ok(Execution {
            year,
            threshold,
            lines: out,
            total,
        })
    }
}

pub fn label(level: &str, kind: &str) -> String {
    format!("{}{}", level_zh(level), kind_zh(kind))
}

/// A budget line as the budget page lists it (`county` empty: the level's whole budget).
#[derive(Debug, Clone, Serialize)]
pub struct BudgetItem {
    pub level: String,
    pub kind: String,
    pub county: String,
    pub amount_fen: i64,
    pub import_id: Option<i64>,
}

/// Money that arrived from a level, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ArrivalItem {
    pub level: String,
    pub kind: String,
    pub county: String,
    pub arrived_on: NaiveDate,
    pub amount_fen: i64,
    pub reference: String,
}

/// The year's budget lines and arrivals: a county role sees the levels' whole budgets and its
/// own counties' lines; the other roles all of them.
pub fn lines(ctx: &mut Ctx, year: i32) -> Result<(Vec<BudgetItem>, Vec<ArrivalItem>)> {
    ctx.actor.require(Action::Read)?;
    NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let actor = ctx.actor.clone();
    let level_order = "CASE level WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END";
    ctx.db.read_transaction(|tx| {
        let mut params = vec![Param::Int(year.into())];
        let scope = actor.scope_sql("county", &mut params);
        let budgets = tx
            .query(
                &format!("SELECT level, kind, county, amount_fen, import_id FROM budget_lines WHERE year = $1 AND (county = '' OR {scope}) ORDER BY {level_order}, kind, county"),
                &params,
            )?
            .iter()
            .map(|r| {
                Ok(BudgetItem {
                    level: r.str(0)?,
                    kind: r.str(1)?,
                    county: r.str(2)?,
                    amount_fen: r.i64(3)?,
                    import_id: r.opt_i64(4)?,
                })
            })
            .collect::<Result<_>>()?;
        let arrivals = tx
            .query(
                &format!("SELECT level, kind, county, arrived_on, amount_fen, reference FROM fund_arrivals WHERE year = $1 AND (county = '' OR {scope}) ORDER BY arrived_on, arrival_id"),
                &params,
            )?
            .iter()
            .map(|r| {
                Ok(ArrivalItem {
                    level: r.str(0)?,
                    kind: r.str(1)?,
                    county: r.str(2)?,
                    arrived_on: r.date(3)?,
                    amount_fen: r.i64(4)?,
                    reference: r.str(5)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((budgets, arrivals))
    })
}
