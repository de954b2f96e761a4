//! The fund's double-entry ledger, one set of books per county fund.
//!
//! Accounts (debits positive, credits negative):
//! - assets: `bank` (the fund's special bank accounts), `receivable.subsidy.{kind}.{level}` (subsidies
//!   of a kind — entry, exit, gov_paid — granted, owed by that government level until its money
//!   arrives), `receivable.overpayment`;
//! - claims on the fund (credit-normal): `ind.personal`, `ind.entry_subsidy.{level}`,
//!   `ind.gov_paid.{level}`, `ind.interest` (control accounts of the individual-account
//!   sub-ledger, `account_movements`), `pool.interest` (interest credited to accounts less interest
//!   earned; negative when the bank pays less than is credited), `pool.*` and `payable.*` later.
//!
//! Every entry balances; a posted entry is never changed (a correction is a new entry). Because
//! every entry balances, the fund's assets equal the claims on it, and `verify` checks that the
//! individual-account sub-ledger equals its control accounts.

use crate::{OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use yanglao_store::{ColType, Param, Tx};

pub const BANK: &str = "bank";
pub const IND_PERSONAL: &str = "ind.personal";
pub const IND_INTEREST: &str = "ind.interest";
pub const POOL_INTEREST: &str = "pool.interest";
/// Account pensions paid after an individual account is used up (when the policy continues them).
pub const POOL_LONGEVITY: &str = "pool.longevity";
/// Overpayments written off as lost to the fund.
pub const POOL_WRITEOFF: &str = "pool.writeoff";
/// Benefits paid after a death, owed back by the estate or family.
pub const RECEIVABLE_OVERPAYMENT: &str = "receivable.overpayment";
pub const LEVELS: [&str; 3] = ["province", "city", "county"];

/// Subsidy kinds, by which the finance bureau budgets: entry subsidy (入口补), exit subsidy (出口补),
/// government-paid contribution (政府代缴).
pub const SUBSIDY_KINDS: [&str; 3] = ["entry", "exit", "gov_paid"];

pub fn subsidy_receivable(kind: &str, level: &str) -> String {
    format!("receivable.subsidy.{kind}.{level}")
}

/// Which side of the fund an account is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Asset,
    Claim,
}

/// The chart of accounts: the side of a known account, `None` for anything else.
pub fn side_of(account: &str) -> Option<Side> {
    let level = |l: &str| LEVELS.contains(&l);
    let parts: Vec<&str> = account.split('.').collect();
    match parts.as_slice() {
        ["bank"] | ["receivable", "overpayment"] => Some(Side::Asset),
        ["receivable", "subsidy", kind, l] if SUBSIDY_KINDS.contains(kind) && level(l) => {
            Some(Side::Asset)
        }
        ["ind", "personal"]
        | ["ind", "interest"]
        | ["pool", "interest" | "longevity" | "writeoff"] => Some(Side::Claim),
        ["ind", "entry_subsidy" | "gov_paid", l] if level(l) => Some(Side::Claim),
        ["payable", "benefit" | "heirs"] => Some(Side::Claim),
        _ => None,
    }
}
pub fn ind_entry_subsidy(level: &str) -> String {
    format!("ind.entry_subsidy.{level}")
}
pub fn ind_gov_paid(level: &str) -> String {
    format!("ind.gov_paid.{level}")
}

/// The individual-account control accounts, in the order of the sub-ledger's components:
/// personal, entry subsidy by level, government-paid, interest.
pub fn ind_component_accounts() -> [String; 6] {
    [
        IND_PERSONAL.to_string(),
        ind_entry_subsidy("province"),
        ind_entry_subsidy("city"),
        ind_entry_subsidy("county"),
        ind_gov_paid("county"),
        IND_INTEREST.to_string(),
    ]
}

/// Individual-account balances by component (personal, entry subsidy by level, government-paid,
/// interest), for a county or one person of it.
pub fn component_balances(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: Option<i64>,
) -> Result<crate::register::index::FastMap<i64, [i64; 6]>> {
    let mut map: crate::register::index::FastMap<i64, [i64; 6]> = Default::default();
    tx.for_each_ref(
        "SELECT person_id, CAST(SUM(personal_fen) AS BIGINT), CAST(SUM(subsidy_province_fen) AS BIGINT), CAST(SUM(subsidy_city_fen) AS BIGINT),
                CAST(SUM(subsidy_county_fen) AS BIGINT), CAST(SUM(gov_paid_fen) AS BIGINT), CAST(SUM(interest_fen) AS BIGINT)
         FROM account_movements WHERE county = $1 AND ($2 < 0 OR person_id = $2) GROUP BY person_id",
        &[Param::Text(county), Param::Int(person_id.unwrap_or(-1))],
        |r| {
            map.insert(r.i64(0)?, [r.i64(1)?, r.i64(2)?, r.i64(3)?, r.i64(4)?, r.i64(5)?, r.i64(6)?]);
            Ok(())
        },
    )?;
    Ok(map)
}

/// Splits `amount` in proportion to `weights` by largest remainder (the policy's one rule).
pub use yanglao_policy::split_proportional;

/// The columns of the individual-account sub-ledger (`account_movements`).
pub const MOVEMENT_COLUMNS: [(&str, ColType); 14] = [
    ("movement_id", ColType::Int),
    ("county", ColType::Text),
    ("person_id", ColType::Int),
    ("entry_id", ColType::Int),
    ("movement_date", ColType::Date),
    ("kind", ColType::Text),
    ("year", ColType::Int),
    ("personal_fen", ColType::Int),
    ("subsidy_province_fen", ColType::Int),
    ("subsidy_city_fen", ColType::Int),
    ("subsidy_county_fen", ColType::Int),
    ("gov_paid_fen", ColType::Int),
    ("interest_fen", ColType::Int),
    ("reference", ColType::Text),
];

/// One movement of a person's individual account, by component (personal, entry subsidy by level,
/// government-paid, interest); positive amounts are credited to the account.
pub struct AccountMovement {
    pub person_id: i64,
    pub date: NaiveDate,
    pub components: [i64; 6],
    pub reference: String,
}

/// Writes the sub-ledger rows of a posted entry, allocating their ids.
pub fn write_account_movements(
    tx: &mut Tx<'_>,
    county: &str,
    entry_id: i64,
    kind: &str,
    rows: &[AccountMovement],
) -> Result<()> {
    use chrono::Datelike;
    let first = tx.allocate_ids("movement", rows.len() as i64)?;
    let items: Vec<(i64, &AccountMovement)> = (first..).zip(rows).collect();
    tx.insert_many(
        "account_movements",
        &MOVEMENT_COLUMNS,
        &items,
        |(id, m), b| {
            let c = &m.components;
            b.extend([
                Param::Int(*id),
                Param::Text(county),
                Param::Int(m.person_id),
                Param::Int(entry_id),
                Param::Date(m.date),
                Param::Text(kind),
                Param::Int(m.date.year().into()),
                Param::Int(c[0]),
                Param::Int(c[1]),
                Param::Int(c[2]),
                Param::Int(c[3]),
                Param::Int(c[4]),
                Param::Int(c[5]),
                Param::Text(&m.reference),
            ])
        },
    )?;
    Ok(())
}

/// An entry about to be posted.
pub struct EntryDraft<'a> {
    pub county: &'a str,
    pub date: NaiveDate,
    pub kind: &'a str,
    pub description: String,
    pub import_id: Option<i64>,
    pub lines: Vec<(String, i64)>,
}

impl EntryDraft<'_> {
    /// Adds `amount_fen` to an account's line (merging lines of the same account).
    pub fn add(&mut self, account: &str, amount_fen: i64) {
        match self.lines.iter_mut().find(|(a, _)| a == account) {
            Some(l) => l.1 += amount_fen,
            None => self.lines.push((account.to_string(), amount_fen)),
        }
    }
}

/// Posts a balanced entry and returns its id. An unbalanced draft, or one without a line of a
/// non-zero amount, is a programming error caught here, before anything is written.
pub fn post(tx: &mut Tx<'_>, draft: &EntryDraft<'_>, actor: &str) -> Result<i64> {
    if let Some((account, _)) = draft.lines.iter().find(|l| side_of(&l.0).is_none()) {
        return Err(OpsError::rule(
            "E-LEDGER-UNKNOWN-ACCOUNT",
            format!("科目“{account}”不在科目表中，已拒绝记账"),
        ));
    }
    if draft.lines.iter().all(|l| l.1 == 0) {
        return Err(OpsError::rule(
            "E-LEDGER-EMPTY-ENTRY",
            format!(
                "记账凭证“{}”没有金额不为零的分录，已拒绝记账",
                draft.description
            ),
        ));
    }
    let sum: i64 = draft.lines.iter().map(|l| l.1).sum();
    if sum != 0 {
        return Err(OpsError::rule(
            "E-LEDGER-UNBALANCED",
            format!("记账凭证借贷不平（差额 {sum} 分），已拒绝记账"),
        ));
    }
    // The policy version in force on the entry's date: the latest from on or before it, or the
    // first version for dates before every version. No version: nothing is posted.
    let version = tx
        .query_one(
            &format!("SELECT {}", crate::policy::version_on_sql(1)),
            &[Param::Date(draft.date)],
        )?
        .opt_i64(0)?
        .ok_or_else(|| {
            let e = yanglao_policy::PolicyError::NotLoaded;
            OpsError::rule(e.code(), e.to_string())
        })?;
    let entry_id = tx.allocate_ids("journal_entry", 1)?;
    tx.exec(
        "INSERT INTO journal_entries (entry_id, county, entry_date, kind, description, import_id, created_by, created_at, policy_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Param::Int(entry_id),
            Param::Text(draft.county),
            Param::Date(draft.date),
            Param::Text(draft.kind),
            Param::Text(&draft.description),
            Param::from(draft.import_id),
            Param::Text(actor),
            Param::Timestamp(yanglao_store::now()),
            Param::Int(version),
        ],
    )?;
    if let Some(import_id) = draft.import_id {
        // The import records the newest version its entries applied.
        tx.exec(
            "UPDATE imports SET policy_version = $2 WHERE import_id = $1 AND (policy_version IS NULL OR policy_version < $2)",
            &[Param::Int(import_id), Param::Int(version)],
        )?;
    }
    let mut no = 0;
    for (account, amount) in draft.lines.iter().filter(|l| l.1 != 0) {
        no += 1;
        tx.exec(
            "INSERT INTO journal_lines (county, entry_id, line_no, account, amount_fen) VALUES ($1, $2, $3, $4, $5)",
            &[
                Param::Text(draft.county),
                Param::Int(entry_id),
                Param::Int(no),
                Param::Text(account),
                Param::Int(*amount),
            ],
        )?;
    }
    Ok(entry_id)
}

/// One breach of a ledger invariant.
#[derive(Debug, Clone, Serialize)]
pub struct Breach {
    pub code: &'static str,
    pub county: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub entries: i64,
    pub lines: i64,
    pub movements: i64,
    pub checks: Vec<&'static str>,
    pub breaches: Vec<Breach>,
    /// Per county: total assets (= total claims) in fen.
    pub fund_by_county: Vec<(String, i64)>,
}

/// Checks every invariant of the books.
pub fn verify(tx: &mut Tx<'_>) -> Result<VerifyReport> {
    let mut breaches = Vec::new();
    let mut checks = Vec::new();

    checks.push("每张凭证借贷平衡");
    check_entries_balance(tx, &mut breaches)?;

    checks.push("分录所属县区与凭证一致");
    check_orphan_lines(tx, &mut breaches)?;

    checks.push("基金资产等于各明细账之和（个人账户、调剂池、应付款），且只用科目表中的科目");
    let fund_by_county = check_fund_and_accounts(tx, &mut breaches)?;

    checks.push("个人账户明细账等于总账控制科目");
    check_subledger(tx, &mut breaches)?;

    checks.push("每个月末：应收多发待遇、个人账户控制科目和每个人的个人账户余额都不为负");
    check_month_end_balances(tx, &mut breaches)?;
    check_month_end_person_accounts(tx, &mut breaches)?;

    let entries = tx.scalar_i64("SELECT COUNT(*) FROM journal_entries", &[])?;
    let lines = tx.scalar_i64("SELECT COUNT(*) FROM journal_lines", &[])?;
    let movements = tx.scalar_i64("SELECT COUNT(*) FROM account_movements", &[])?;
    Ok(VerifyReport {
        ok: breaches.is_empty(),
        entries,
        lines,
        movements,
        checks,
        breaches,
        fund_by_county,
    })
}

/// Every entry has lines, and they sum to zero.
fn check_entries_balance(tx: &mut Tx<'_>, breaches: &mut Vec<Breach>) -> Result<()> {
    for r in tx.query(
        "SELECT e.county, e.entry_id, CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT), COUNT(l.line_no)
         FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.entry_id AND l.county = e.county
         GROUP BY e.county, e.entry_id
         HAVING COALESCE(SUM(l.amount_fen), 0) <> 0 OR COUNT(l.line_no) = 0",
        &[],
    )? {
        let (sum, n) = (r.i64(2)?, r.i64(3)?);
        breaches.push(Breach {
            code: if n == 0 { "E-LEDGER-EMPTY-ENTRY" } else { "E-LEDGER-UNBALANCED" },
            county: r.str(0)?,
            message: if n == 0 {
                format!("凭证 #{} 没有分录", r.i64(1)?)
            } else {
                format!("凭证 #{} 借贷不平，差额 {sum} 分", r.i64(1)?)
            },
        });
    }
    Ok(())
}

/// Every line belongs to an entry of its county.
fn check_orphan_lines(tx: &mut Tx<'_>, breaches: &mut Vec<Breach>) -> Result<()> {
    for r in tx.query(
        "SELECT l.county, l.entry_id, COUNT(*) FROM journal_lines l
         LEFT JOIN journal_entries e ON e.entry_id = l.entry_id AND e.county = l.county
         WHERE e.entry_id IS NULL GROUP BY l.county, l.entry_id",
        &[],
    )? {
        breaches.push(Breach {
            code: "E-LEDGER-ORPHAN-LINE",
            county: r.str(0)?,
            message: format!("凭证 #{} 的 {} 条分录找不到所属凭证", r.i64(1)?, r.i64(2)?),
        });
    }
    Ok(())
}

/// Per county, the fund's assets equal its claims, and only accounts of the chart are used.
/// Returns each county's total assets.
fn check_fund_and_accounts(
    tx: &mut Tx<'_>,
    breaches: &mut Vec<Breach>,
) -> Result<Vec<(String, i64)>> {
    let mut by_county: std::collections::BTreeMap<String, (i64, i64, Vec<String>)> =
        Default::default();
    for r in tx.query(
        "SELECT county, account, CAST(SUM(amount_fen) AS BIGINT) FROM journal_lines GROUP BY county, account ORDER BY county, account",
        &[],
    )? {
        let (county, account, amount) = (r.str(0)?, r.str(1)?, r.i64(2)?);
        let c = by_county.entry(county).or_default();
        match side_of(&account) {
            Some(Side::Asset) => c.0 += amount,
            Some(Side::Claim) => c.1 -= amount,
            None => c.2.push(account),
        }
    }
    let mut fund_by_county = Vec::new();
    for (county, (assets, claims, unknown)) in by_county {
        if assets != claims {
            breaches.push(Breach {
                code: "E-LEDGER-FUND-MISMATCH",
                county: county.clone(),
                message: format!("基金资产 {assets} 分不等于各明细账合计 {claims} 分"),
            });
        }
        if !unknown.is_empty() {
            breaches.push(Breach {
                code: "E-LEDGER-UNKNOWN-ACCOUNT",
                county: county.clone(),
                message: format!("使用了科目表以外的科目：{}", unknown.join("、")),
            });
        }
        fund_by_county.push((county, assets));
    }
    Ok(fund_by_county)
}

/// Per county and component, the individual-account sub-ledger equals its control accounts.
fn check_subledger(tx: &mut Tx<'_>, breaches: &mut Vec<Breach>) -> Result<()> {
    let sub = tx.query(
        "SELECT county,
                CAST(SUM(personal_fen) AS BIGINT), CAST(SUM(subsidy_province_fen) AS BIGINT),
                CAST(SUM(subsidy_city_fen) AS BIGINT), CAST(SUM(subsidy_county_fen) AS BIGINT),
                CAST(SUM(gov_paid_fen) AS BIGINT), CAST(SUM(interest_fen) AS BIGINT)
         FROM account_movements GROUP BY county",
        &[],
    )?;
    let control = tx.query(
        "SELECT county, account, CAST(-SUM(amount_fen) AS BIGINT) FROM journal_lines
         WHERE account LIKE 'ind.%' GROUP BY county, account",
        &[],
    )?;
    let mut counties: std::collections::BTreeSet<String> = Default::default();
    for r in sub.iter().chain(control.iter()) {
        counties.insert(r.str(0)?);
    }
    // The components in the sub-ledger's column order; an account ending in '.' is a prefix.
    let components: [(&str, String); 6] = [
        ("个人缴费", IND_PERSONAL.to_string()),
        ("省级缴费补贴", ind_entry_subsidy("province")),
        ("市级缴费补贴", ind_entry_subsidy("city")),
        ("县级缴费补贴", ind_entry_subsidy("county")),
        ("政府代缴", "ind.gov_paid.".to_string()),
        ("利息", IND_INTEREST.to_string()),
    ];
    for county in &counties {
        let s = sub
            .iter()
            .find(|r| r.str(0).ok().as_deref() == Some(county));
        for (i, (label, account)) in components.iter().enumerate() {
            let sub_total = match s {
                Some(r) => r.i64(i + 1)?,
                None => 0,
            };
            let ctl_total = control_total(&control, county, account)?;
            if sub_total != ctl_total {
                breaches.push(Breach {
                    code: "E-LEDGER-SUBLEDGER-MISMATCH",
                    county: county.clone(),
                    message: format!("个人账户明细账“{label}”合计 {sub_total} 分，与总账控制科目 {ctl_total} 分不符"),
                });
            }
        }
    }
    Ok(())
}

/// The credit balance of a county's control accounts for one component (`account`, or every
/// account it begins when it ends in '.'), from rows of (county, account, credit balance).
fn control_total(control: &[yanglao_store::Row], county: &str, account: &str) -> Result<i64> {
    let mut ctl_total = 0;
    for r in control {
        let acc = r.str(1)?;
        let matches = if account.ends_with('.') {
            acc.starts_with(account)
        } else {
            acc == *account
        };
        if r.str(0)? == *county && matches {
            ctl_total += r.i64(2)?;
        }
    }
    Ok(ctl_total)
}

/// A date column's `YYYY-MM` month in the SQL of the backend.
fn month_of(backend: yanglao_store::Backend, col: &str) -> String {
    match backend {
        yanglao_store::Backend::Sqlite => format!("strftime('%Y-%m', {col})"),
        yanglao_store::Backend::Postgres => format!("to_char({col}, 'YYYY-MM')"),
    }
}

/// The receivable of overpayments never has a credit balance, nor an individual-account
/// control account a debit balance, at the end of any month.
fn check_month_end_balances(tx: &mut Tx<'_>, breaches: &mut Vec<Breach>) -> Result<()> {
    // Accounts that hold a debit balance (receivables of overpayments) or a credit balance (the
    // individual-account control accounts) whatever happens: their running balance at the end of
    // every month with movements.
    let sql = format!(
        "WITH m AS (
            SELECT l.county, l.account, {month} AS month, CAST(SUM(l.amount_fen) AS BIGINT) AS amount
            FROM journal_lines l JOIN journal_entries e ON e.entry_id = l.entry_id AND e.county = l.county
            WHERE l.account = $1 OR l.account LIKE 'ind.%'
            GROUP BY l.county, l.account, {month}),
         r AS (SELECT county, account, month, SUM(amount) OVER (PARTITION BY county, account ORDER BY month) AS balance FROM m)
         SELECT county, account, month, CAST(balance AS BIGINT) FROM r
         WHERE (account = $1 AND balance < 0) OR (account <> $1 AND balance > 0)
         ORDER BY county, account, month",
        month = month_of(tx.backend(), "e.entry_date")
    );
    let mut seen_accounts: std::collections::BTreeSet<(String, String)> = Default::default();
    for r in tx.query(&sql, &[Param::Text(RECEIVABLE_OVERPAYMENT)])? {
        let (county, account, month, balance) = (r.str(0)?, r.str(1)?, r.str(2)?, r.i64(3)?);
        // The first month each account went wrong is enough to find the entry.
        if !seen_accounts.insert((county.clone(), account.clone())) {
            continue;
        }
        let shown = if account == RECEIVABLE_OVERPAYMENT {
            balance
        } else {
            -balance
        };
        breaches.push(Breach {
            code: "E-LEDGER-NEGATIVE-BALANCE",
            county,
            message: format!(
                "科目 {account} 在 {} 末余额为 {} 元，不应为负",
                month_end(&month),
                format_fen(shown)
            ),
        });
    }
    Ok(())
}

/// No person's individual account is negative at the end of any month.
fn check_month_end_person_accounts(tx: &mut Tx<'_>, breaches: &mut Vec<Breach>) -> Result<()> {
    let sql = format!(
        "WITH m AS (
            SELECT county, person_id, {month} AS month,
                   CAST(SUM(personal_fen + subsidy_province_fen + subsidy_city_fen + subsidy_county_fen + gov_paid_fen + interest_fen) AS BIGINT) AS amount
            FROM account_movements GROUP BY county, person_id, {month}),
         r AS (SELECT county, person_id, month, SUM(amount) OVER (PARTITION BY county, person_id ORDER BY month) AS balance FROM m)
         SELECT r.county, p.citizen_id, MIN(r.month), CAST(MIN(r.balance) AS BIGINT) FROM r JOIN persons p ON p.county = r.county AND p.person_id = r.person_id
         WHERE r.balance < 0 GROUP BY r.county, p.citizen_id ORDER BY r.county, p.citizen_id",
        month = month_of(tx.backend(), "movement_date")
    );
    for r in tx.query(&sql, &[])? {
        breaches.push(Breach {
            code: "E-LEDGER-NEGATIVE-ACCOUNT",
            county: r.str(0)?,
            message: format!(
                "个人账户 {} 在 {} 末余额为负（最低 {} 元）",
                masked_id(&r.str(1)?),
                month_end(&r.str(2)?),
                format_fen(r.i64(3)?)
            ),
        });
    }
    Ok(())
}

/// The last day of a `YYYY-MM` month, as text.
fn month_end(month: &str) -> String {
    yanglao_domain::Month::parse(month)
        .map_or_else(|_| month.to_string(), |m| m.last_day().to_string())
}

/// Fen as yuan with two decimals (no negative zero).
fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        fen.unsigned_abs() / 100,
        fen.unsigned_abs() % 100
    )
}

/// A stored citizen ID with its birth date and sequence hidden.
pub fn masked_id(id: &str) -> String {
    yanglao_domain::CitizenId::parse(id).map_or_else(|_| id.to_string(), |(c, _)| c.masked())
}

/// A bank account number with its middle hidden (`6228********0005`).
pub fn masked_account(account: &str) -> String {
    yanglao_domain::bank::masked_account(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_masked() {
        assert_eq!(masked_account("6228480402564890005"), "6228***********0005");
        assert_eq!(masked_account("6228000000000005"), "6228********0005");
        assert_eq!(masked_account("12345678901"), "*******8901");
        assert_eq!(masked_account("123456"), "******");
        assert_eq!(masked_account(""), "");
    }

    #[test]
    fn proportional_split() {
        assert_eq!(split_proportional(100, &[1, 1, 2]), vec![25, 25, 50]);
        assert_eq!(split_proportional(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split_proportional(7, &[0, 0, 5]), vec![0, 0, 7]);
        assert_eq!(split_proportional(5, &[0, 0]), vec![0, 0]);
        assert_eq!(split_proportional(3, &[2, -4, 1]), vec![2, 0, 1]);
        let p = split_proportional(12_345, &[27_000, 100, 0, 33]);
        assert_eq!(p.iter().sum::<i64>(), 12_345);
    }

    #[test]
    fn chart_of_accounts() {
        assert_eq!(side_of("bank"), Some(Side::Asset));
        assert_eq!(
            side_of(&subsidy_receivable("entry", "city")),
            Some(Side::Asset)
        );
        assert_eq!(
            side_of(&subsidy_receivable("gov_paid", "county")),
            Some(Side::Asset)
        );
        assert_eq!(side_of(&ind_entry_subsidy("province")), Some(Side::Claim));
        assert_eq!(side_of(IND_INTEREST), Some(Side::Claim));
        assert_eq!(side_of("receivable.subsidy.entry.town"), None);
        assert_eq!(side_of("receivable.subsidy.bonus.city"), None);
        assert_eq!(side_of(POOL_WRITEOFF), Some(Side::Claim));
        assert_eq!(side_of(RECEIVABLE_OVERPAYMENT), Some(Side::Asset));
        assert_eq!(side_of("pool.anything"), None);
        assert_eq!(side_of("banking"), None);
    }
}
