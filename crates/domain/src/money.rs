//! Money is an `i64` count of fen (分). Yuan strings are parsed exactly, never through floats.

use crate::Invalid;

/// Parses a yuan amount such as `200`, `200.5`, `200.50`, `1,000.00` or `￥200` into fen.
/// More than two decimals is an error rather than a silent rounding.
pub fn parse_yuan_to_fen(input: &str) -> Result<i64, Invalid> {
    let raw = input.trim().trim_start_matches(['¥', '￥']);
    // Thousands separators only where they belong: 1,000 and 12,345,678.50, not 1,0,0.
    let int_end = raw.find('.').unwrap_or(raw.len());
    let groups: Vec<&str> = raw[..int_end].trim_start_matches('-').split(',').collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(Invalid::new(
            "E-AMOUNT-FORMAT",
            format!("金额“{input}”中的千位分隔符位置不对"),
        ));
    }
    let s: String = raw.chars().filter(|c| *c != ',').collect();
    let bad = || {
        Invalid::new(
            "E-AMOUNT-FORMAT",
            format!("金额“{input}”不是有效的元金额（最多两位小数）"),
        )
    };
    if s.is_empty() {
        return Err(Invalid::new("E-AMOUNT-EMPTY", "金额为空"));
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // Spreadsheets often store 200.5 as 200.50000000000001: accept trailing zeros only.
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > 2 || int_part.len() > 15 {
        return Err(bad());
    }
    let yuan: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let mut fen_frac = 0i64;
    for (i, b) in frac_trimmed.bytes().enumerate() {
        fen_frac += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let v = yuan * 100 + fen_frac;
    Ok(if neg { -v } else { v })
}

/// `12345` fen → `"123.45"`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// `123456789` fen → `"1,234,567.89"`: yuan with two decimals and thousands separators, as the
/// pages show amounts.
pub fn format_yuan_grouped(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let digits = (a / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

/// Fen → 万元 with two decimals, rounded half away from zero (`159064800000` → `"15906.48"`).
/// An amount that rounds to nothing is `0.00`, never `-0.00`.
pub fn format_wan_yuan(fen: i64) -> String {
    let a = fen.unsigned_abs();
    // 1 万元 = 1,000,000 fen; two decimals = units of 10,000 fen.
    let hundredths = (a + 5_000) / 10_000;
    let sign = if fen < 0 && hundredths > 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_yuan_to_fen("200").unwrap(), 20000);
        assert_eq!(parse_yuan_to_fen("200.5").unwrap(), 20050);
        assert_eq!(parse_yuan_to_fen("￥1,000.05").unwrap(), 100005);
        assert_eq!(parse_yuan_to_fen("12,345,678").unwrap(), 1_234_567_800);
        assert_eq!(
            parse_yuan_to_fen("1,0,0").unwrap_err().code,
            "E-AMOUNT-FORMAT"
        );
        assert_eq!(
            parse_yuan_to_fen(",100").unwrap_err().code,
            "E-AMOUNT-FORMAT"
        );
        assert_eq!(
            parse_yuan_to_fen("0.10000000000000001").unwrap_err().code,
            "E-AMOUNT-FORMAT"
        );
        assert_eq!(parse_yuan_to_fen("200.50000").unwrap(), 20050);
        assert_eq!(parse_yuan_to_fen("-5").unwrap(), -500);
        assert_eq!(
            parse_yuan_to_fen("2OO").unwrap_err().code,
            "E-AMOUNT-FORMAT"
        );
        assert_eq!(
            parse_yuan_to_fen("1.234").unwrap_err().code,
            "E-AMOUNT-FORMAT"
        );
        assert_eq!(parse_yuan_to_fen(" ").unwrap_err().code, "E-AMOUNT-EMPTY");
    }

    #[test]
    fn formats() {
        assert_eq!(format_yuan(12345), "123.45");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_yuan_grouped(123456789), "1,234,567.89");
        assert_eq!(format_yuan_grouped(100000), "1,000.00");
        assert_eq!(format_yuan_grouped(99999), "999.99");
        assert_eq!(format_yuan_grouped(-123456700), "-1,234,567.00");
        assert_eq!(format_yuan_grouped(0), "0.00");
        assert_eq!(format_wan_yuan(15_906_480_000), "15906.48");
        assert_eq!(format_wan_yuan(5_000), "0.01");
        assert_eq!(format_wan_yuan(4_999), "0.00");
        assert_eq!(format_wan_yuan(-5_000), "-0.01");
        for nothing in [0, -1, -4_999] {
            assert_eq!(format_wan_yuan(nothing), "0.00", "{nothing}");
            assert_eq!(format_yuan(nothing / 10_000), "0.00", "{nothing}");
        }
    }
}
