//! Payout bank accounts. Card numbers carry a Luhn check digit, but some UnionPay cards and
//! passbook accounts do not pass it: a failure is a warning, never a rejection.

use crate::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankAccountWarning {
    LuhnFailed,
}

impl BankAccountWarning {
    pub fn code(&self) -> &'static str {
        "W-BANK-LUHN"
    }
    pub fn message(&self) -> String {
        "银行账号未通过 Luhn 校验，请核对（部分银联卡、存折账号不适用此校验，已接受）".to_string()
    }
}

impl BankAccount {
    /// Accepts 8 to 30 digits; spaces and dashes that people type are removed.
    pub fn parse(input: &str) -> Result<(BankAccount, Option<BankAccountWarning>), Invalid> {
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect();
        if s.is_empty() {
            return Err(Invalid::new("E-BANK-EMPTY", "银行账号为空"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "E-BANK-FORMAT",
                format!("银行账号“{input}”只能包含数字"),
            ));
        }
        if !(8..=30).contains(&s.len()) {
            return Err(Invalid::new(
                "E-BANK-LENGTH",
                format!("银行账号应为 8 至 30 位数字，实际为 {} 位", s.len()),
            ));
        }
        let warning = (!luhn_ok(&s)).then_some(BankAccountWarning::LuhnFailed);
        Ok((BankAccount(s), warning))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        masked_account(&self.0)
    }
}

/// A bank account number with its middle hidden: the first four and last four digits of a long
/// number (`6228********0005`), only the last four of a short one, nothing of a very short one.
pub fn masked_account(account: &str) -> String {
    let chars: Vec<char> = account.trim().chars().collect();
    let n = chars.len();
    let keep = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    match n {
        0 => String::new(),
        1..=6 => "*".repeat(n),
        7..=11 => format!("{}{}", "*".repeat(n - 4), keep(n - 4, n)),
        _ => format!("{}{}{}", keep(0, 4), "*".repeat(n - 8), keep(n - 4, n)),
    }
}

/// The Luhn (mod 10) check over a string of ASCII digits.
pub fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Appends the Luhn check digit to a body of digits (for generators and tests).
pub fn with_luhn_digit(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|s| luhn_ok(s))
        .expect("one digit always fits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_ok("79927398713"));
        assert!(!luhn_ok("79927398710"));
        let s = with_luhn_digit("622202123456789012");
        assert!(luhn_ok(&s));
    }

    #[test]
    fn luhn_failure_is_a_warning() {
        let (acc, w) = BankAccount::parse("6222 0212 3456 7890 12").unwrap();
        assert_eq!(acc.as_str(), "622202123456789012");
        assert_eq!(w.is_some(), !luhn_ok("622202123456789012"));
        let good = with_luhn_digit("62220212345678901");
        assert_eq!(BankAccount::parse(&good).unwrap().1, None);
        assert_eq!(
            BankAccount::parse(&good).unwrap().0.masked(),
            format!("6222{}{}", "*".repeat(10), &good[14..])
        );
    }

    #[test]
    fn rejects_non_digits_and_bad_lengths() {
        assert_eq!(
            BankAccount::parse("62220A").unwrap_err().code,
            "E-BANK-FORMAT"
        );
        assert_eq!(
            BankAccount::parse("1234").unwrap_err().code,
            "E-BANK-LENGTH"
        );
        assert_eq!(BankAccount::parse("  ").unwrap_err().code, "E-BANK-EMPTY");
    }
}
