//! The fund's yearly statement (基金收支情况), read from the ledger.
//!
//! Brought forward (上年结余) + income (本年收入) − expenditure (本年支出) = closing balance
//! (年末滚存结余), where the fund's balance is the claims on it (individual accounts, pools,
//! payables) — equal to its assets (`ledger verify`). Income and expenditure are read from the
//! entries of the year by kind and account (docs/LEDGER.md, "Income and expenditure"):
//! - income: personal contributions, entry subsidies by level, government-paid contributions, and
//!   the exit subsidies each level owes for the benefits paid (net of overpayments reversed);
//! - expenditure: benefits paid (individual-account pension, exit subsidy) net of overpayments
//!   turned into receivables, overpayments later offset against accounts or written off, and
//!   balances paid to heirs.
//!
//! Interest the banks credit is income (`bank_interest` entries); crediting interest to individual
//! accounts moves money between claims and is neither. Transfers between schemes are not recorded:
//! their lines of the statement stay 0.

use crate::ledger::{self, Side};
use crate::{Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_store::{Param, Tx};

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct ByLevel {
    pub province_fen: i64,
    pub city_fen: i64,
    pub county_fen: i64,
}

impl ByLevel {
    fn add(&mut self, level: &str, fen: i64) {
        match level {
            "province" => self.province_fen += fen,
            "city" => self.city_fen += fen,
            _ => self.county_fen += fen,
        }
    }
    pub fn total_fen(&self) -> i64 {
        self.province_fen + self.city_fen + self.county_fen
    }
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Income {
    pub personal_contributions_fen: i64,
    pub entry_subsidy: ByLevel,
    pub government_paid_fen: i64,
    pub exit_subsidy: ByLevel,
    pub interest_fen: i64,
    pub transfers_in_fen: i64,
    pub other_fen: i64,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Expenditure {
    /// Individual-account pensions paid (from the accounts, or from the pool once used up).
    pub account_pension_fen: i64,
    pub exit_subsidy_fen: i64,
    /// Overpayments turned into receivables from estates (a reduction of what was paid).
    pub overpayments_reclassified_fen: i64,
    pub overpayments_offset_fen: i64,
    pub overpayments_written_off_fen: i64,
    pub paid_to_heirs_fen: i64,
    pub transfers_out_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub year: i32,
    pub county: Option<String>,
    pub brought_forward_fen: i64,
    pub income_fen: i64,
    pub expenditure_fen: i64,
    pub surplus_fen: i64,
    pub closing_fen: i64,
    pub income: Income,
    pub expenditure: Expenditure,
    /// Sustainability: the closing balance in months of this year's expenditure.
    pub months_of_expenditure: Option<f64>,
    /// Years the balance lasts if the year's deficit continues; `None` when there is none.
    pub years_at_trend: Option<f64>,
}

/// The year's statement, read from one snapshot of the books (no write lock taken).
pub fn statement(ctx: &mut Ctx, year: i32, county: Option<&str>) -> Result<Statement> {
    let county = ctx.actor.county_for_read(county)?.map(str::to_string);
    ctx.db
        .read_transaction(|tx| statement_in(tx, year, county.as_deref()))
}

/// The year's statement within a transaction the caller holds (a snapshot read of several
/// measurements shares one).
pub fn statement_in(tx: &mut Tx<'_>, year: i32, county: Option<&str>) -> Result<Statement> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let county_param = county.unwrap_or("");
    {
        if let Some(c) = county {
            if !crate::known_counties(tx)?.contains_key(c) {
                return Err(OpsError::rule(
                    "E-REGION-UNKNOWN",
                    format!("县区代码“{c}”不是本系统登记的县区"),
                ));
            }
        }
        let mut brought_forward = 0;
        let mut closing = 0;
        let mut year_lines: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in tx.query(
            "SELECT e.kind, l.account, CASE WHEN e.entry_date < $1 THEN 0 ELSE 1 END, CAST(SUM(l.amount_fen) AS BIGINT)
             FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
             WHERE e.entry_date <= $2 AND ($3 = '' OR l.county = $3)
             GROUP BY e.kind, l.account, CASE WHEN e.entry_date < $1 THEN 0 ELSE 1 END",
            &[Param::Date(start), Param::Date(end), Param::Text(county_param)],
        )? {
            let (kind, account, in_year, amount) = (r.str(0)?, r.str(1)?, r.i64(2)? == 1, r.i64(3)?);
            if ledger::side_of(&account) == Some(Side::Claim) {
                closing -= amount;
                if !in_year {
                    brought_forward -= amount;
                }
            }
            if in_year {
                *year_lines.entry((kind, account)).or_default() += amount;
            }
        }
        let (income, exp) = classify(&year_lines);
        let income_fen = income.personal_contributions_fen
            + income.entry_subsidy.total_fen()
            + income.government_paid_fen
            + income.exit_subsidy.total_fen()
            + income.interest_fen
            + income.transfers_in_fen
            + income.other_fen;
        let expenditure_fen = exp.account_pension_fen + exp.exit_subsidy_fen
            - exp.overpayments_reclassified_fen
            + exp.overpayments_offset_fen
            + exp.overpayments_written_off_fen
            + exp.paid_to_heirs_fen
            + exp.transfers_out_fen;
        let surplus_fen = income_fen - expenditure_fen;
        if brought_forward + surplus_fen != closing {
            return Err(OpsError::rule(
                "E-FUND-STATEMENT-BALANCE",
                format!("收支表不平：上年结余 {brought_forward} + 本年结余 {surplus_fen} ≠ 年末滚存 {closing}（分），请运行 ledger verify"),
            ));
        }
        Ok(Statement {
            year,
            county: county.map(str::to_string),
            brought_forward_fen: brought_forward,
            income_fen,
            expenditure_fen,
            surplus_fen,
            closing_fen: closing,
            income,
            expenditure: exp,
            months_of_expenditure: (expenditure_fen > 0)
                .then(|| closing as f64 / (expenditure_fen as f64 / 12.0)),
            years_at_trend: (surplus_fen < 0).then(|| closing as f64 / -(surplus_fen as f64)),
        })
    }
}

/// The year's movements of the claims, by kind of entry and account, as the statement's lines.
fn classify(year_lines: &BTreeMap<(String, String), i64>) -> (Income, Expenditure) {
    let mut income = Income::default();
    let mut exp = Expenditure::default();
    for ((kind, account), amount) in year_lines {
        let parts: Vec<&str> = account.split('.').collect();
        match (kind.as_str(), parts.as_slice()) {
            ("contribution" | "gov_paid", ["ind", "personal"]) => {
                income.personal_contributions_fen -= amount
            }
            ("contribution" | "gov_paid", ["ind", "entry_subsidy", level]) => {
                income.entry_subsidy.add(level, -amount)
            }
            ("contribution" | "gov_paid", ["ind", "gov_paid", _]) => {
                income.government_paid_fen -= amount
            }
            ("benefit_payment" | "overpayment", ["receivable", "subsidy", "exit", level]) => {
                income.exit_subsidy.add(level, *amount);
                exp.exit_subsidy_fen += if kind == "benefit_payment" {
                    *amount
                } else {
                    0
                };
            }
            ("benefit_payment", ["ind", ..] | ["pool", "longevity"]) => {
                exp.account_pension_fen += amount
            }
            ("overpayment", ["receivable", "overpayment"]) => {
                exp.overpayments_reclassified_fen += amount
            }
            ("recovery", ["ind", ..]) => exp.overpayments_offset_fen += amount,
            ("recovery", ["pool", "writeoff"]) => exp.overpayments_written_off_fen += amount,
            ("inheritance", ["bank"]) => exp.paid_to_heirs_fen -= amount,
            ("bank_interest", ["pool", "interest"]) => income.interest_fen -= amount,
            // Any other movement of the claims (a kind this statement does not know yet).
            (
                "contribution" | "gov_paid" | "benefit_payment" | "overpayment" | "recovery"
                | "inheritance" | "bank_interest" | "interest_credit" | "subsidy_arrival",
                _,
            ) => {}
            (_, _) if ledger::side_of(account) == Some(Side::Claim) => income.other_fen -= amount,
            _ => {}
        }
    }
    (income, exp)
}

/// Writes the statement as the xlsx workbook `name` of `sink` (amounts in 万元 with two decimals
/// and in yuan); returns where the sink put it.
pub fn write_xlsx(
    s: &Statement,
    sink: &mut dyn crate::files::FileSink,
    name: &str,
) -> Result<String> {
    let bytes = xlsx(s)?;
    sink.put(name, &mut |w| {
        w.write_all(&bytes).map_err(crate::files::write_error)
    })
}

/// The statement as the bytes of an xlsx workbook.
fn xlsx(s: &Statement) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        OpsError::rule(
            "E-IO",
            format!(
                "xlsx 写入失败：{}",
                crate::imports::problems::xlsx_error_zh(&e)
            ),
        )
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("基金收支").map_err(xerr)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    ws.set_column_width(0, 34).map_err(xerr)?;
    ws.set_column_width(1, 18).map_err(xerr)?;
    ws.set_column_width(2, 18).map_err(xerr)?;
    let title = format!(
        "{} {} 年城乡居民补充养老保险基金收支情况",
        s.county.as_deref().map_or("全市".to_string(), |c| format!(
            "{c}{}",
            yanglao_domain::county_name(c).unwrap_or("")
        )),
        s.year
    );
    ws.write_string_with_format(0, 0, &title, &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(1, 0, "项目", &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(1, 1, "金额（万元）", &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(1, 2, "金额（元）", &bold)
        .map_err(xerr)?;
    let i = &s.income;
    let e = &s.expenditure;
    let rows: Vec<(&str, i64)> = vec![
        ("上年结余", s.brought_forward_fen),
        ("本年收入", s.income_fen),
        ("  个人缴费收入", i.personal_contributions_fen),
        ("  缴费补贴（省级）", i.entry_subsidy.province_fen),
        ("  缴费补贴（市级）", i.entry_subsidy.city_fen),
        ("  缴费补贴（县级）", i.entry_subsidy.county_fen),
        ("  政府代缴收入", i.government_paid_fen),
        ("  出口补贴（省级）", i.exit_subsidy.province_fen),
        ("  出口补贴（市级）", i.exit_subsidy.city_fen),
        ("  出口补贴（县级）", i.exit_subsidy.county_fen),
        ("  利息收入", i.interest_fen),
        ("  转移收入", i.transfers_in_fen),
        ("  其他收入", i.other_fen),
        ("本年支出", s.expenditure_fen),
        ("  个人账户养老金", e.account_pension_fen),
        ("  出口补贴待遇", e.exit_subsidy_fen),
        ("  减：死亡后多发转应收", -e.overpayments_reclassified_fen),
        ("  多发待遇以个人账户抵扣", e.overpayments_offset_fen),
        ("  多发待遇核销", e.overpayments_written_off_fen),
        ("  支付继承人", e.paid_to_heirs_fen),
        ("  转移支出", e.transfers_out_fen),
        ("本年结余", s.surplus_fen),
        ("年末滚存结余", s.closing_fen),
    ];
    for (k, (label, fen)) in rows.iter().enumerate() {
        let r = k as u32 + 2;
        if label.starts_with(' ') {
            ws.write_string(r, 0, *label).map_err(xerr)?;
        } else {
            ws.write_string_with_format(r, 0, *label, &bold)
                .map_err(xerr)?;
        }
        ws.write_number_with_format(
            r,
            1,
            yanglao_domain::format_wan_yuan(*fen)
                .parse::<f64>()
                .unwrap_or(0.0),
            &money,
        )
        .map_err(xerr)?;
        ws.write_number_with_format(r, 2, *fen as f64 / 100.0, &money)
            .map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}
