//! The performance evaluation (绩效评价) as pure computation: an indicator framework read from
//! TOML and checked (points add up, codes unique, every leaf scorable), the scoring rules, the
//! grade, and the statistics of survey rates. What the data says is measured elsewhere (`ops`);
//! this crate turns measurements and the evaluator's worksheet into scores.

pub mod framework;
pub mod score;
pub mod stats;

pub use framework::{Band, Cmp, Framework, Indicator, Rule};
pub use score::{
    score, Evaluation, LevelScore, Measurement, Scored, WorksheetEntry, WorksheetKind,
};

use rust_decimal::Decimal;

/// A problem in a framework file, located by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    /// Stable code such as `E-FRAMEWORK-POINTS-SUM`.
    pub code: &'static str,
    /// Simplified Chinese, for the user.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行 [{}] {}", self.line, self.code, self.message)
    }
}

/// The grade of a total score (财预〔2020〕10号): 90 and above 优, 80 to 90 良, 60 to 80 中,
/// below 60 差.
pub fn grade(total: Decimal) -> &'static str {
    if total >= Decimal::from(90) {
        "优"
    } else if total >= Decimal::from(80) {
        "良"
    } else if total >= Decimal::from(60) {
        "中"
    } else {
        "差"
    }
}

/// Rounds to two decimals, half away from zero (四舍五入).
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// A decimal as the report prints it: two decimals.
pub fn fmt2(d: Decimal) -> String {
    format!("{:.2}", round2(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_at_their_boundaries() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(grade(d("100")), "优");
        assert_eq!(grade(d("90")), "优");
        assert_eq!(grade(d("89.99")), "良");
        assert_eq!(grade(d("85.76")), "良");
        assert_eq!(grade(d("80")), "良");
        assert_eq!(grade(d("79.99")), "中");
        assert_eq!(grade(d("60")), "中");
        assert_eq!(grade(d("59.99")), "差");
        assert_eq!(fmt2(d("3.155")), "3.16");
        assert_eq!(fmt2(d("2")), "2.00");
    }
}
