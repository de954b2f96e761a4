//! Places are GB/T 2260 six-digit codes: province (xx0000), city (xxxx00), county.

use crate::Invalid;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
}

/// Regions the system knows out of the box: Shanxi, Yangquan and its five county-level units.
/// Other regions are added to the `regions` table by a later import.
pub const KNOWN_REGIONS: &[(&str, &str, Level)] = &[
    ("140000", "山西省", Level::Province),
    ("140300", "阳泉市", Level::City),
    ("140302", "城区", Level::County),
    ("140303", "矿区", Level::County),
    ("140311", "郊区", Level::County),
    ("140321", "平定县", Level::County),
    ("140322", "盂县", Level::County),
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RegionCode(String);

impl RegionCode {
    /// Checks the shape only (six digits); whether the place exists is the register's question.
    pub fn parse(input: &str) -> Result<RegionCode, Invalid> {
        let s = input.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "E-REGION-FORMAT",
                format!("县区代码“{input}”应为 6 位数字（GB/T 2260）"),
            ));
        }
        Ok(RegionCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        if self.0.ends_with("0000") {
            Level::Province
        } else if self.0.ends_with("00") {
            Level::City
        } else {
            Level::County
        }
    }

    pub fn city(&self) -> RegionCode {
        RegionCode(format!("{}00", &self.0[..4]))
    }

    pub fn province(&self) -> RegionCode {
        RegionCode(format!("{}0000", &self.0[..2]))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn is_known_county(code: &str) -> bool {
    KNOWN_REGIONS
        .iter()
        .any(|(c, _, l)| *c == code && *l == Level::County)
}

pub fn county_name(code: &str) -> Option<&'static str> {
    KNOWN_REGIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        let c = RegionCode::parse("140322").unwrap();
        assert_eq!(c.level(), Level::County);
        assert_eq!(c.city().as_str(), "140300");
        assert_eq!(c.province().as_str(), "140000");
        assert_eq!(RegionCode::parse("140300").unwrap().level(), Level::City);
        assert_eq!(
            RegionCode::parse("14032").unwrap_err().code,
            "E-REGION-FORMAT"
        );
        assert!(is_known_county("140322"));
        assert!(!is_known_county("140300"));
        assert_eq!(county_name("140322"), Some("盂县"));
    }
}
