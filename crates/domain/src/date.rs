//! Dates as people type them in Chinese spreadsheets.

use crate::Invalid;
use chrono::NaiveDate;

/// Accepts `2023-03-15`, `2023/3/15`, `2023.3.15`, `20230315` and `2023年3月15日`.
pub fn parse_date(input: &str) -> Result<NaiveDate, Invalid> {
    let s = input.trim();
    let bad = || {
        Invalid::new(
            "E-DATE-FORMAT",
            format!("日期“{input}”无法识别，请使用 YYYY-MM-DD 格式的真实日期"),
        )
    };
    if s.is_empty() {
        return Err(Invalid::new("E-DATE-EMPTY", "日期为空"));
    }
    // Fast path for the canonical form, which bulk files use.
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            return if (1900..=2100).contains(&y) {
                NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad)
            } else {
                Err(bad())
            };
        }
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        use chrono::Datelike;
        return NaiveDate::parse_from_str(s, "%Y%m%d")
            .ok()
            .filter(|d| (1900..=2100).contains(&d.year()))
            .ok_or_else(bad);
    }
    let normalised: String = s
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let parts: Vec<&str> = normalised.split('-').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let y: i32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    if !(1900..=2100).contains(&y) {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// Whole years of age on `on` for someone born on `birth` (the birthday counts; 29 February
/// birthdays fall on 1 March in other years).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let d = NaiveDate::from_ymd_opt(2023, 3, 5).unwrap();
        for s in [
            "2023-03-05",
            "2023/3/5",
            "2023.3.5",
            "20230305",
            "2023年3月5日",
            " 2023-3-05 ",
        ] {
            assert_eq!(parse_date(s).unwrap(), d, "{s}");
        }
        assert_eq!(parse_date("2023-02-30").unwrap_err().code, "E-DATE-FORMAT");
        assert_eq!(parse_date("March 5").unwrap_err().code, "E-DATE-FORMAT");
        assert_eq!(parse_date("").unwrap_err().code, "E-DATE-EMPTY");
    }

    /// Every form keeps to the same years: `00230315` is not the year 23 (the compact form once
    /// took any year, so a certification dated 0023-03-15 passed).
    #[test]
    fn compact_dates_keep_to_the_years_of_the_other_forms() {
        for s in [
            "00230315", "10230315", "21230315", "90230315", "18991231", "21010101",
        ] {
            assert_eq!(parse_date(s).unwrap_err().code, "E-DATE-FORMAT", "{s}");
        }
        assert_eq!(
            parse_date("19000101").unwrap(),
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
        );
        assert_eq!(
            parse_date("21001231").unwrap(),
            NaiveDate::from_ymd_opt(2100, 12, 31).unwrap()
        );
    }

    #[test]
    fn ages() {
        let b = NaiveDate::from_ymd_opt(1958, 6, 30).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2023, 6, 29).unwrap()), 64);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2023, 6, 30).unwrap()), 65);
    }
}
