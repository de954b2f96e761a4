//! The evaluation's measurements: every indicator the data can answer, per county and for the
//! city, each with its formula and figures (docs/EVALUATION.md lists them). Scoring itself is in
//! the `eval` crate; this module reads the books.

pub mod enrolment;
mod findings;
pub mod judgements;
mod metrics_books;
mod metrics_payroll;
mod metrics_register;
pub mod particulars;
pub mod survey;
mod worksheet;

pub use findings::*;
use metrics_books::*;
use metrics_payroll::*;
use metrics_register::*;
pub use worksheet::*;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use yanglao_domain::Month;
use yanglao_eval::Measurement;
use yanglao_store::Param;

use crate::access::Action;
use crate::{Ctx, OpsError, Result};

/// The metrics a framework may name.
pub const METRICS: [&str; 20] = [
    "contributors",
    "contributors_change_pct",
    "counties_fell_over_5pct",
    "counties_fell_over_2y",
    "benefit_coverage_pct",
    "hardship_coverage_pct",
    "subsidy_mismatches",
    "payment_accuracy_pct",
    "late_payroll_months",
    "collection_completeness_pct",
    "subsidy_completeness_pct",
    "budget_execution_pct",
    "funds_in_place_pct",
    "fund_deviation_pct",
    "interest_shortfalls",
    "recovery_rate_pct",
    "fund_months_of_expenditure",
    "policy_awareness_pct",
    "contributor_satisfaction_pct",
    "recipient_satisfaction_pct",
];

#[cfg(test)]
mod metric_names {
    #[test]
    fn every_metric_has_a_chinese_name() {
        for k in super::METRICS {
            let zh = super::metric_zh(k);
            assert!(zh != k && !zh.contains('_'), "{k}");
        }
    }
}

/// The Chinese name of a metric, as a report or a screen shows it (the key stays in the data).
pub fn metric_zh(key: &str) -> &str {
    match key {
        "contributors" => "参保缴费人数",
        "contributors_change_pct" => "缴费人数同比变动率",
        "counties_fell_over_5pct" => "缴费人数同比降幅超过 5% 的县区数",
        "counties_fell_over_2y" => "近三年缴费人数减少的县区数",
        "benefit_coverage_pct" => "待遇领取人员应补尽补率",
        "hardship_coverage_pct" => "困难群体应补尽补率",
        "subsidy_mismatches" => "补贴标准不符笔数",
        "payment_accuracy_pct" => "发放对象资金支付准确率",
        "late_payroll_months" => "晚于 15 日发放的县区月数",
        "collection_completeness_pct" => "基金征收足额率",
        "subsidy_completeness_pct" => "补贴足额发放率",
        "budget_execution_pct" => "预算执行率",
        "funds_in_place_pct" => "资金到位率",
        "fund_deviation_pct" => "基金收支偏差率",
        "interest_shortfalls" => "少计利息的基金专户数",
        "recovery_rate_pct" => "多领冒领追回率",
        "fund_months_of_expenditure" => "年末滚存结余可支付月数",
        "policy_awareness_pct" => "政策知晓率",
        "contributor_satisfaction_pct" => "参保人员满意度",
        "recipient_satisfaction_pct" => "待遇领取人员满意度",
        other => other,
    }
}

/// A count of persons as the report prints it: "11.73万人" from ten thousand up, else "236 人".
pub fn persons_text(n: i64) -> String {
    if n.abs() >= 10_000 {
        format!("{}人", wan(n))
    } else {
        format!("{n} 人")
    }
}

/// "11.73万" from a count (two decimals, half up).
pub fn wan(n: i64) -> String {
    let h = (n.abs() + 50) / 100;
    format!(
        "{}{}.{:02}万",
        if n < 0 { "-" } else { "" },
        h / 100,
        h % 100
    )
}

fn dec(x: f64) -> Decimal {
    Decimal::try_from(x).unwrap_or_default()
}

fn pct(part: i64, whole: i64) -> Option<Decimal> {
    (whole != 0).then(|| Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
}

fn pct_text(d: Decimal) -> String {
    format!("{}%", yanglao_eval::fmt2(d))
}

fn measured(value: Decimal, display: String, note: String) -> Measurement {
    Measurement {
        value: Some(value),
        display,
        items: Vec::new(),
        note,
    }
}

fn no_data(note: impl Into<String>) -> Measurement {
    Measurement {
        value: None,
        display: "无数据".into(),
        items: Vec::new(),
        note: note.into(),
    }
}

fn items(list: Vec<String>, unit: &str, note: String) -> Measurement {
    Measurement {
        value: Some(Decimal::from(list.len() as i64)),
        display: format!("{} {unit}", list.len()),
        items: list,
        note,
    }
}

/// Contributors of one county and year, by kind.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Contributors {
    pub total: i64,
    pub self_paid: i64,
    pub government_paid: i64,
    /// Government-paid people who also paid a tier themselves.
    pub both: i64,
}

/// Everything measured for a year: the metrics for scoring, and the figures the report prints.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub year: i32,
    pub counties: BTreeMap<String, String>,
    /// Metric → the city's measurement.
    #[serde(skip)]
    pub city: BTreeMap<String, Measurement>,
    /// Year → county → contributors (county `""`: the city).
    pub contributors: BTreeMap<i32, BTreeMap<String, Contributors>>,
    /// County → persons paid a benefit in the year (`""`: the city).
    pub recipients: BTreeMap<String, i64>,
    /// County → payments made in the year (人次): each component (account pension, exit subsidy) of a paid line.
    pub payments: BTreeMap<String, i64>,
    /// The survey's rates by county and for the city (weighted by the counties' sizes).
    pub surveys: BTreeMap<String, survey::SurveyRates>,
    /// County → payroll lines paid in the year (笔): one line may carry two payments.
    pub payment_lines: BTreeMap<String, i64>,
    /// County → months paid after the 15th (or not paid by then).
    pub late_months: BTreeMap<String, Vec<String>>,
    /// County → metric → the county's measurement, for the metrics measured county by county.
    #[serde(skip)]
    pub by_county: BTreeMap<String, BTreeMap<String, Measurement>>,
    /// The books read on the way, for the findings and the report: the fund's statement, the
    /// budget's execution, and the interest shortfalls (`None` without bank agreements).
    #[serde(skip)]
    pub statement: Option<crate::books::fund::Statement>,
    #[serde(skip)]
    pub execution: Option<crate::books::budget::Execution>,
    #[serde(skip)]
    pub shortfalls: Option<Vec<crate::books::bank::Shortfall>>,
}

impl Measured {
    fn put(&mut self, county: &str, metric: &str, m: Measurement) {
        self.by_county
            .entry(county.to_string())
            .or_default()
            .insert(metric.to_string(), m);
    }
}

/// A rate measurement (`part ÷ whole`), or no data when `whole` is zero.
fn rate_of(part: i64, whole: i64, note: String, none: &str) -> Measurement {
    match pct(part, whole) {
        Some(p) => measured(p, pct_text(p), note),
        None => no_data(none),
    }
}

/// Distinct persons paid (bank-confirmed) a benefit for a month of `year`.
pub fn measure_recipients(ctx: &mut Ctx, year: i32) -> Result<i64> {
    ctx.actor.require(Action::Evaluation)?;
    let jan = Month::parse(&format!("{year}-01"))
        .map_err(|_| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let dec = Month::parse(&format!("{year}-12")).expect("valid");
    ctx.db.transaction(|tx| -> Result<i64> {
        Ok(tx.scalar_i64(
            "SELECT COUNT(DISTINCT person_id) FROM payroll_lines WHERE status = 'paid' AND to_month >= $1 AND from_month <= $2",
            &[Param::Date(jan.first_day()), Param::Date(dec.first_day())],
        )?)
    })
}

/// Measures every metric for `year`.
pub fn measure(ctx: &mut Ctx, year: i32) -> Result<Measured> {
    ctx.actor.require(Action::Evaluation)?;
    NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let today = chrono::Local::now().date_naive();
    if year > today.year() {
        return Err(OpsError::rule(
            "E-EVAL-YEAR-FUTURE",
            format!("{year} 年尚未开始，不能评价"),
        ));
    }
    let t0 = std::time::Instant::now();
    let policy = ctx.policy.clone();
    // Every measurement from one snapshot of the books, taking no write lock: figures that are
    // compared with each other (the statement and the payments, say) come from the same moment.
    ctx.db.read_transaction(|tx| -> Result<Measured> {
        let counties = crate::known_counties(tx)?;
        let mut out = Measured {
            year,
            counties: counties.clone(),
            city: BTreeMap::new(),
            contributors: BTreeMap::new(),
            recipients: BTreeMap::new(),
            payments: BTreeMap::new(),
            payment_lines: BTreeMap::new(),
            surveys: BTreeMap::new(),
            late_months: BTreeMap::new(),
            by_county: BTreeMap::new(),
            statement: None,
            execution: None,
            shortfalls: None,
        };
        contributors(tx, year, &mut out)?;
        tracing::info!("缴费人数 {:?}", t0.elapsed());
        coverage(tx, year, today, &mut out)?;
        tracing::info!("应补尽补与发放 {:?}", t0.elapsed());
        hardship(tx, year, &policy, &mut out)?;
        subsidy_compliance(tx, year, &policy, &mut out)?;
        tracing::info!("补贴合规 {:?}", t0.elapsed());
        timeliness(tx, year, today, &mut out)?;
        completeness(tx, year, &mut out)?;
        accuracy(tx, year, &mut out)?;
        let mut m = out;
        measure_books(tx, year, &mut m)?;
        tracing::info!("全部指标 {:?}", t0.elapsed());
        Ok(m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_print_as_the_report_prints_them() {
        assert_eq!(persons_text(117_300), "11.73万人");
        assert_eq!(persons_text(148_649), "14.86万人");
        assert_eq!(persons_text(148_650), "14.87万人");
        assert_eq!(persons_text(9_999), "9999 人");
    }

    #[test]
    fn months_of_a_line_in_a_year() {
        let m = |s: &str| Month::parse(s).unwrap();
        assert_eq!(months_in_year(m("2022-11"), m("2023-02"), 2023), 2);
        assert_eq!(months_in_year(m("2023-03"), m("2023-03"), 2023), 1);
        assert_eq!(months_in_year(m("2021-01"), m("2024-06"), 2023), 12);
        assert_eq!(months_in_year(m("2024-01"), m("2024-02"), 2023), 0);
    }
}
