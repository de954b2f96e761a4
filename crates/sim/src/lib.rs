//! The policy simulator (政策测算).
//!
//! * [`person`]: what one resident pays and receives under a scheme — the basic residents'
//!   scheme, the supplementary scheme, both together, or flexible employment in the employee
//!   scheme — with break-even age, internal rate of return and present value.
//! * [`compare`]: cases side by side, and the report's three comparisons as presets.
//! * [`fund`]: a cohort projection of the fund from the register, with and without a reform.
//! * [`mortality`]: life tables read from a file (docs/formats/mortality.md).
//! * [`output`]: the xlsx workbook, the HTML page and its SVG charts.
//!
//! Amounts are integer fen throughout; only rates (IRR, discounting, survival) are floating point.

pub mod cashflow;
pub mod compare;
pub mod fund;
pub mod mortality;
pub mod output;
pub mod person;
pub mod request;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use yanglao_policy::{PolicySet, Scenario};

/// A simulator error: a stable code and a message for the user (Simplified Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    pub code: &'static str,
    pub message: String,
}

impl SimError {
    pub fn new(code: &'static str, message: impl Into<String>) -> SimError {
        SimError {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

impl std::error::Error for SimError {}

pub type Result<T> = std::result::Result<T, SimError>;

/// The three policy files a simulation reads, and the region it resolves them for.
#[derive(Debug, Clone)]
pub struct Policies {
    pub supplementary: PolicySet,
    pub basic: PolicySet,
    pub employee: PolicySet,
    /// The region whose parameters apply (a county code, or the city's or province's).
    pub region: String,
}

impl Policies {
    /// The shipped illustrative Shanxi files, for `region`.
    pub fn shipped(region: &str) -> Policies {
        Policies {
            supplementary: yanglao_policy::default_supplementary(),
            basic: yanglao_policy::default_basic(),
            employee: yanglao_policy::default_employee(),
            region: region.to_string(),
        }
    }

    /// The same files with a scenario's changes laid over them.
    pub fn with_scenario(&self, scenario: &Scenario) -> Policies {
        Policies {
            supplementary: self.supplementary.with_scenario(scenario),
            basic: self.basic.with_scenario(scenario),
            employee: self.employee.with_scenario(scenario),
            region: self.region.clone(),
        }
    }

    /// True when any of the files is illustrative.
    pub fn illustrative(&self) -> bool {
        self.supplementary.illustrative()
            || self.basic.illustrative()
            || self.employee.illustrative()
    }
}

/// Rounds to whole fen, half away from zero.
pub(crate) fn round_fen(d: Decimal) -> i64 {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(if d.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
}

/// Formats fen as yuan with two decimals and thousands separators (12,345.67).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// An age given in months as "71岁7个月" (or "71岁").
pub fn age_zh(months: u32) -> String {
    match months % 12 {
        0 => format!("{}岁", months / 12),
        m => format!("{}岁{}个月", months / 12, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_and_age_formatting() {
        assert_eq!(yuan(123456789), "1,234,567.89");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(100000), "1,000.00");
        assert_eq!(age_zh(71 * 12 + 7), "71岁7个月");
        assert_eq!(age_zh(65 * 12), "65岁");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_fen(Decimal::new(25, 1)), 3);
        assert_eq!(round_fen(Decimal::new(-25, 1)), -3);
        assert_eq!(round_fen(Decimal::new(24, 1)), 2);
    }
}
