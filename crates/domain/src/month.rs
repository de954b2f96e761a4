//! Calendar months (`YYYY-MM`), stored as their first day.

use crate::Invalid;
use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// Parses `2023-07` (also `2023-7`, `202307`, `2023年7月`).
    pub fn parse(input: &str) -> Result<Month, Invalid> {
        let s = input.trim().trim_end_matches('月');
        let bad = || {
            Invalid::new(
                "E-MONTH-FORMAT",
                format!("月份“{input}”应为 YYYY-MM 格式，如 2023-07"),
            )
        };
        let (y, m) = if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            (&s[..4], &s[4..])
        } else {
            s.split_once(['-', '/', '年', '.']).ok_or_else(bad)?
        };
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if !(1900..=2100).contains(&y) {
            return Err(bad());
        }
        NaiveDate::from_ymd_opt(y, m, 1).map(Month).ok_or_else(bad)
    }

    pub fn of(date: NaiveDate) -> Month {
        Month(date.with_day(1).expect("day 1 exists"))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().0.pred_opt().expect("valid")
    }

    /// The payment deadline: the 15th.
    pub fn deadline(self) -> NaiveDate {
        self.0.with_day(15).expect("15th exists")
    }

    pub fn next(self) -> Month {
        self.plus(1)
    }

    pub fn prev(self) -> Month {
        self.plus(-1)
    }

    pub fn plus(self, months: i32) -> Month {
        let total = self.0.year() * 12 + self.0.month0() as i32 + months;
        Month(
            NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
                .expect("valid"),
        )
    }

    /// Months from `self` to `other` (0 when equal; negative when `other` is earlier).
    pub fn until(self, other: Month) -> i32 {
        (other.0.year() - self.0.year()) * 12 + other.0.month() as i32 - self.0.month() as i32
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_arithmetic() {
        let m = Month::parse("2023-07").unwrap();
        assert_eq!(m.to_string(), "2023-07");
        assert_eq!(Month::parse("202307").unwrap(), m);
        assert_eq!(Month::parse("2023年7月").unwrap(), m);
        assert_eq!(Month::parse("2023-13").unwrap_err().code, "E-MONTH-FORMAT");
        assert_eq!(m.plus(6).to_string(), "2024-01");
        assert_eq!(m.plus(-7).to_string(), "2022-12");
        assert_eq!(m.until(m.plus(17)), 17);
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2023, 7, 31).unwrap());
        assert_eq!(Month::parse("2024-02").unwrap().last_day().day(), 29);
        assert_eq!(m.deadline().day(), 15);
    }
}
