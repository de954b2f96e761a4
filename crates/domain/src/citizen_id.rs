//! Citizen ID numbers (公民身份号码, GB 11643-1999): 6-digit region, 8-digit birth date,
//! 3-digit sequence (odd = male), and a check character computed mod 11.

use crate::Invalid;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
    pub fn from_code(s: &str) -> Option<Sex> {
        match s {
            "M" => Some(Sex::Male),
            "F" => Some(Sex::Female),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Something accepted but worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdWarning {
    /// A lowercase `x` check character was read as `X`.
    LowercaseX,
}

impl IdWarning {
    pub fn code(&self) -> &'static str {
        match self {
            IdWarning::LowercaseX => "W-ID-LOWERCASE-X",
        }
    }
    pub fn message(&self) -> String {
        match self {
            IdWarning::LowercaseX => "身份证号末位为小写 x，已按大写 X 处理".to_string(),
        }
    }
}

/// A checked 18-character citizen ID. Always ASCII digits with an uppercase `X` at most at the end.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId(String);

impl CitizenId {
    /// Parses and checks an ID; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<(CitizenId, Option<IdWarning>), Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::new("E-ID-EMPTY", "身份证号为空"));
        }
        if !s.is_ascii() {
            return Err(Invalid::new(
                "E-ID-NON-ASCII",
                format!("身份证号“{s}”含有全角或非 ASCII 字符，请改为半角数字"),
            ));
        }
        if s.len() != 18 {
            return Err(Invalid::new(
                "E-ID-LENGTH",
                format!("身份证号应为 18 位，实际为 {} 位", s.len()),
            ));
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(Invalid::new(
                "E-ID-FORMAT",
                "身份证号前 17 位必须全部为数字",
            ));
        }
        let mut warning = None;
        let last = match bytes[17] {
            b'x' => {
                warning = Some(IdWarning::LowercaseX);
                b'X'
            }
            c @ (b'0'..=b'9' | b'X') => c,
            _ => return Err(Invalid::new("E-ID-FORMAT", "身份证号末位必须为数字或 X")),
        };
        if birth_date_of(&bytes[6..14]).is_none() {
            return Err(Invalid::new(
                "E-ID-BIRTH-DATE",
                format!("身份证号中的出生日期“{}”不是有效日期", &s[6..14]),
            ));
        }
        let expected = check_char(&bytes[..17]);
        if last != expected {
            return Err(Invalid::new(
                "E-ID-CHECKSUM",
                format!(
                    "身份证号校验位错误：末位应为 {}，实际为 {}",
                    expected as char, last as char
                ),
            ));
        }
        let mut owned = s[..17].to_string();
        owned.push(last as char);
        Ok((CitizenId(owned), warning))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0.as_bytes()[6..14]).expect("checked at parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The 6-digit region of first registration (not necessarily today's county).
    pub fn region_prefix(&self) -> &str {
        &self.0[..6]
    }

    /// The ID with the birth date and sequence hidden, for roles that do not need them.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// Builds a valid ID from its first 17 digits (used by generators and tests).
    pub fn from_body(body17: &str) -> Result<CitizenId, Invalid> {
        if body17.len() != 17 || !body17.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "E-ID-FORMAT",
                "身份证号前 17 位必须全部为数字",
            ));
        }
        let mut s = body17.to_string();
        s.push(check_char(body17.as_bytes()) as char);
        CitizenId::parse(&s).map(|(id, _)| id)
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn birth_date_of(digits: &[u8]) -> Option<NaiveDate> {
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&digits[r]).ok()?.parse().ok()
    };
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 11010519491231002X is the standard's own published example.
    #[test]
    fn accepts_the_standard_example() {
        let (id, w) = CitizenId::parse("11010519491231002X").unwrap();
        assert_eq!(w, None);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lowercase_x_is_accepted_with_a_warning() {
        let (id, w) = CitizenId::parse(" 11010519491231002x ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(w, Some(IdWarning::LowercaseX));
    }

    #[test]
    fn rejects_each_kind_of_bad_id() {
        let code = |s: &str| CitizenId::parse(s).unwrap_err().code;
        assert_eq!(code("110105194912310021"), "E-ID-CHECKSUM");
        assert_eq!(code("110105194902300021"), "E-ID-BIRTH-DATE");
        assert_eq!(
            code("１１０１０５１９４９１２３１００２Ｘ"),
            "E-ID-NON-ASCII"
        );
        assert_eq!(code("11010519491231002"), "E-ID-LENGTH");
        assert_eq!(code("1101051949123100AX"), "E-ID-FORMAT");
        assert_eq!(code("11010519491231002Y"), "E-ID-FORMAT");
        assert_eq!(code(""), "E-ID-EMPTY");
    }

    #[test]
    fn male_when_sequence_is_odd() {
        let id = CitizenId::from_body("14030219560101001").unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.region_prefix(), "140302");
    }

    proptest! {
        #[test]
        fn any_body_with_a_real_date_round_trips(seq in 0u32..1000, days in 0i64..40000) {
            let d = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let body = format!("140321{}{:03}", d.format("%Y%m%d"), seq);
            let id = CitizenId::from_body(&body).unwrap();
            prop_assert_eq!(id.birth_date(), d);
            // Changing the check character always breaks the ID.
            let s = id.as_str();
            for c in "0123456789X".chars().filter(|c| !s.ends_with(*c)) {
                let bad = format!("{}{}", &s[..17], c);
                prop_assert_eq!(CitizenId::parse(&bad).unwrap_err().code, "E-ID-CHECKSUM");
            }
        }
    }
}
