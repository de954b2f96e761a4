//! The value parsers of the arguments (`--year` …): each checks a value and refuses it with a code
//! and a Chinese message. They depend on nothing else of the command line, so every area file
//! may use them.

/// The years every command accepts.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A value refused by one of our parsers: its code and a Chinese message.
#[derive(Debug)]
pub struct ArgError {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgError {}

/// A year argument (`--year`, `--from`, `--to`, …): four digits from 1900 to 2200.
pub fn year(s: &str) -> Result<i32, ArgError> {
    let t = s.trim().trim_end_matches('年');
    let y: i32 = t.parse().map_err(|_| ArgError {
        code: "E-ARG-YEAR",
        message: format!("年度“{s}”应为四位数字的年份，如 2023"),
    })?;
    if !YEARS.contains(&y) {
        return Err(ArgError {
            code: "E-ARG-YEAR",
            message: format!(
                "年度 {y} 超出范围：应在 {} 至 {} 年之间",
                YEARS.start(),
                YEARS.end()
            ),
        });
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_bounded() {
        assert_eq!(year("2023").unwrap(), 2023);
        assert_eq!(year("1900").unwrap(), 1900);
        assert_eq!(year("2200").unwrap(), 2200);
        for bad in ["99999", "1899", "2201", "-5", "abc", ""] {
            let e = year(bad).unwrap_err();
            assert_eq!(e.code, "E-ARG-YEAR", "{bad}");
            assert!(!e.message.contains("error"), "{bad}: {}", e.message);
        }
    }
}
