//! The parsed policy set, resolution of dated regional values, and the parameter structs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::region::{ancestors, is_valid_region, within};
use crate::{PolicyError, Scheme};

/// One contribution tier (缴费档次) and its yearly entry subsidy (入口补).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tier {
    pub contribution_fen: i64,
    pub entry_subsidy_fen: i64,
}

/// How a subsidy is shared between government levels, in percent (summing to 100).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Shares {
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub province: Decimal,
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub city: Decimal,
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub county: Decimal,
}

/// An amount split between the three government levels.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct LevelAmounts {
    pub province_fen: i64,
    pub city_fen: i64,
    pub county_fen: i64,
}

impl LevelAmounts {
    /// Sum of the three levels.
    pub fn total_fen(&self) -> i64 {
        self.province_fen + self.city_fen + self.county_fen
    }
}

/// Parameters of the supplementary scheme in force for a region on a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SupplementaryParams {
    pub region: String,
    pub date: NaiveDate,
    pub benefit_age: u32,
    pub min_contribution_years: u32,
    pub annuity_divisor: u32,
    pub tiers: Vec<Tier>,
    pub entry_subsidy_shares: Shares,
    pub exit_subsidy_shares: Shares,
    pub exit_subsidy_monthly_fen: i64,
    pub exit_subsidy_per_contribution_year_monthly_fen: i64,
    pub government_paid_tier_fen: i64,
    pub government_paid_groups: Vec<String>,
    /// Whether a government-paid contribution also earns the entry subsidy of its tier.
    pub government_paid_entry_subsidy: bool,
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub credit_interest_rate: Decimal,
    pub launch_date: NaiveDate,
    pub transitional_elderly: bool,
    pub transitional_reduced_years: bool,
    pub raised_exit_subsidy_monthly_fen: i64,
    pub raised_subsidy_groups: Vec<String>,
    /// `continue` or `stop`.
    pub account_exhausted: String,
    pub certification_grace_months: u32,
    /// From this date recipients must certify every year; `None`: certification is not enforced.
    pub certification_required_from: Option<NaiveDate>,
    /// Annuity divisors by age at the start of benefits (a reform aligning them with the employee
    /// scheme's); an age it does not list uses `annuity_divisor`. Empty when the file sets none.
    pub annuity_divisors: BTreeMap<u32, u32>,
    /// 丧葬补助金 paid once at a recipient's death; 0 when the file sets none. Used by the policy
    /// simulator; the operations do not pay it yet.
    pub funeral_subsidy_fen: i64,
    pub illustrative: bool,
}

impl SupplementaryParams {
    /// The annuity divisor for benefits starting at `age`.
    pub fn divisor_at(&self, age: u32) -> u32 {
        self.annuity_divisors
            .get(&age)
            .copied()
            .unwrap_or(self.annuity_divisor)
    }
}

/// Parameters of the residents' basic scheme in force for a region on a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BasicParams {
    pub region: String,
    pub date: NaiveDate,
    pub benefit_age: u32,
    pub min_contribution_years: u32,
    pub annuity_divisor: u32,
    pub tiers: Vec<Tier>,
    /// 基础养老金, per month.
    pub basic_pension_monthly_fen: i64,
    pub entry_subsidy_shares: Shares,
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub credit_interest_rate: Decimal,
    pub launch_date: NaiveDate,
    pub government_paid_tier_fen: i64,
    pub government_paid_groups: Vec<String>,
    pub illustrative: bool,
}

/// Parameters of the employee scheme (flexible employment) in force for a region on a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EmployeeParams {
    pub region: String,
    pub date: NaiveDate,
    /// Share of the contribution base paid in total (0.20).
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub contribution_rate: Decimal,
    /// Part of the contribution rate credited to the personal account (0.08).
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub personal_account_rate: Decimal,
    /// Lowest allowed base as a multiple of the average wage (0.6).
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub base_min_ratio: Decimal,
    /// Highest allowed base as a multiple of the average wage (3.0).
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub base_max_ratio: Decimal,
    pub average_wage_monthly_fen: i64,
    pub retirement_age_male: u32,
    pub retirement_age_female: u32,
    pub min_contribution_years: u32,
    #[serde(serialize_with = "crate::params::decimal_number")]
    pub credit_interest_rate: Decimal,
    /// 丧葬补助金, when the file sets one.
    pub funeral_subsidy_fen: Option<i64>,
    /// Age at retirement → 计发月数.
    pub annuity_divisors: BTreeMap<u32, u32>,
    pub illustrative: bool,
}

impl EmployeeParams {
    /// The annuity divisor for a retirement age, if the table has it.
    pub fn annuity_divisor(&self, age: u32) -> Option<u32> {
        self.annuity_divisors.get(&age).copied()
    }
}

/// Serializes a decimal as a JSON number: integral values as integers (`50`), others as floats
/// (`0.0175`).
pub(crate) fn decimal_number<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    let n = d.normalize();
    if n.scale() == 0 {
        if let Some(i) = n.to_i64() {
            return s.serialize_i64(i);
        }
    }
    s.serialize_f64(n.to_f64().unwrap_or(0.0))
}

// ---------------------------------------------------------------------------------------------
// Key specifications
// ---------------------------------------------------------------------------------------------

/// The kind of value a key holds, which decides how it is checked and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Non-negative integer that fits u32 (ages, years, months).
    Count,
    /// Positive integer that fits u32 (annuity divisors).
    Positive,
    /// Non-negative integer amount in fen.
    Fen,
    /// Non-negative decimal fraction at most 1 (0.0175 = 1.75 %).
    Rate,
    /// Non-negative decimal multiple (0.6, 3.0).
    Ratio,
    Bool,
    Date,
    Tiers,
    Shares,
    StrList,
    /// A string from a fixed list.
    Choice(&'static [&'static str]),
    /// Inline table of age → months.
    Divisors,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(name: &'static str, kind: Kind) -> KeySpec {
    KeySpec {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> KeySpec {
    KeySpec {
        name,
        kind,
        required: false,
    }
}

pub(crate) const ACCOUNT_EXHAUSTED: &[&str] = &["continue", "stop"];

const SUPPLEMENTARY_KEYS: &[KeySpec] = &[
    req("benefit_age", Kind::Count),
    req("min_contribution_years", Kind::Count),
    req("annuity_divisor", Kind::Positive),
    req("tiers", Kind::Tiers),
    req("entry_subsidy_shares", Kind::Shares),
    req("exit_subsidy_shares", Kind::Shares),
    req("exit_subsidy_monthly_fen", Kind::Fen),
    req("exit_subsidy_per_contribution_year_monthly_fen", Kind::Fen),
    req("government_paid_tier_fen", Kind::Fen),
    req("government_paid_groups", Kind::StrList),
    opt("government_paid_entry_subsidy", Kind::Bool),
    req("credit_interest_rate", Kind::Rate),
    req("launch_date", Kind::Date),
    req("transitional_elderly", Kind::Bool),
    req("transitional_reduced_years", Kind::Bool),
    req("raised_exit_subsidy_monthly_fen", Kind::Fen),
    req("raised_subsidy_groups", Kind::StrList),
    req("account_exhausted", Kind::Choice(ACCOUNT_EXHAUSTED)),
    req("certification_grace_months", Kind::Count),
    opt("certification_required_from", Kind::Date),
    opt("annuity_divisors", Kind::Divisors),
    opt("funeral_subsidy_fen", Kind::Fen),
];

const BASIC_KEYS: &[KeySpec] = &[
    req("benefit_age", Kind::Count),
    req("min_contribution_years", Kind::Count),
    req("annuity_divisor", Kind::Positive),
    req("tiers", Kind::Tiers),
    req("basic_pension_monthly_fen", Kind::Fen),
    req("entry_subsidy_shares", Kind::Shares),
    req("credit_interest_rate", Kind::Rate),
    req("launch_date", Kind::Date),
    req("government_paid_tier_fen", Kind::Fen),
    req("government_paid_groups", Kind::StrList),
];

const EMPLOYEE_KEYS: &[KeySpec] = &[
    req("contribution_rate", Kind::Rate),
    req("personal_account_rate", Kind::Rate),
    req("base_min_ratio", Kind::Ratio),
    req("base_max_ratio", Kind::Ratio),
    req("average_wage_monthly_fen", Kind::Fen),
    req("retirement_age_male", Kind::Count),
    req("retirement_age_female", Kind::Count),
    req("min_contribution_years", Kind::Count),
    req("credit_interest_rate", Kind::Rate),
    opt("funeral_subsidy_fen", Kind::Fen),
    req("annuity_divisors", Kind::Divisors),
];

pub(crate) fn keys_of(scheme: Scheme) -> &'static [KeySpec] {
    match scheme {
        Scheme::Supplementary => SUPPLEMENTARY_KEYS,
        Scheme::Basic => BASIC_KEYS,
        Scheme::Employee => EMPLOYEE_KEYS,
    }
}

/// Looks a key up in any scheme (used when the file's scheme is unknown).
pub(crate) fn any_scheme_key(name: &str) -> Option<(Scheme, KeySpec)> {
    [Scheme::Supplementary, Scheme::Basic, Scheme::Employee]
        .into_iter()
        .find_map(|s| keys_of(s).iter().find(|k| k.name == name).map(|k| (s, *k)))
}

// ---------------------------------------------------------------------------------------------
// The policy set
// ---------------------------------------------------------------------------------------------

/// A checked value of a key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Int(i64),
    Dec(Decimal),
    Bool(bool),
    Str(String),
    Date(NaiveDate),
    Tiers(Vec<Tier>),
    Shares(Shares),
    StrList(Vec<String>),
    Divisors(BTreeMap<u32, u32>),
}

/// One dated `[[values]]` section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    pub region: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    /// Byte offsets in the source, for problems found across sections.
    pub from_pos: usize,
    pub until_pos: usize,
    /// Key → (value, byte offset of the key in the source).
    pub values: BTreeMap<&'static str, (Val, usize)>,
}

/// A parsed, checked policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySet {
    pub(crate) scheme: Scheme,
    pub(crate) name: String,
    pub(crate) illustrative: bool,
    pub(crate) region: String,
    pub(crate) note: Option<String>,
    pub(crate) sections: Vec<Section>,
}

impl PolicySet {
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when the values are illustrative, not official.
    pub fn illustrative(&self) -> bool {
        self.illustrative
    }

    /// The region the file covers (its sections are this region or below it).
    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// This policy with a scenario's changes for its scheme laid over it: each change applies
    /// from its date (to the policy's region unless the change names one) and wins over the
    /// file's own values from then on.
    pub fn with_scenario(&self, scenario: &crate::Scenario) -> PolicySet {
        let mut out = self.clone();
        for s in scenario.changes.get(&self.scheme).into_iter().flatten() {
            let mut s = s.clone();
            if s.region == "*" {
                s.region = self.region.clone();
            }
            out.sections.push(s);
        }
        out
    }

    /// The earliest date on which every required key resolves, for some region the file
    /// names (the file's region or a section's region). `None` if there is no such date.
    pub fn earliest_date(&self) -> Option<NaiveDate> {
        let mut regions: Vec<&str> = vec![&self.region];
        regions.extend(self.sections.iter().map(|s| s.region.as_str()));
        regions.sort();
        regions.dedup();
        regions
            .into_iter()
            .filter_map(|r| self.earliest_complete(r))
            .min()
    }

    fn earliest_complete(&self, region: &str) -> Option<NaiveDate> {
        let chain = self.chain(region);
        let mut dates: Vec<NaiveDate> = self
            .sections
            .iter()
            .filter(|s| chain.contains(&s.region))
            .map(|s| s.from)
            .collect();
        dates.sort();
        dates.dedup();
        dates.into_iter().find(|d| {
            keys_of(self.scheme)
                .iter()
                .filter(|k| k.required)
                .all(|k| self.resolve(&chain, *d, k.name).is_some())
        })
    }

    /// The chain of regions to look at for `region`: itself and its ancestors, up to and
    /// including the file's region.
    pub(crate) fn chain(&self, region: &str) -> Vec<String> {
        let mut chain = Vec::new();
        for r in ancestors(region) {
            let stop = r == self.region;
            chain.push(r);
            if stop {
                break;
            }
        }
        chain
    }

    /// The value of `key` in force on `date`, from the most specific region of `chain` that has
    /// one; with the section it comes from.
    pub(crate) fn resolve(
        &self,
        chain: &[String],
        date: NaiveDate,
        key: &str,
    ) -> Option<(&Val, &Section, usize)> {
        for region in chain {
            let latest = self
                .sections
                .iter()
                .filter(|s| &s.region == region && s.from <= date && s.values.contains_key(key))
                .max_by_key(|s| s.from);
            if let Some(section) = latest {
                if section.until.is_none_or(|u| date < u) {
                    let (val, pos) = &section.values[key];
                    return Some((val, section, *pos));
                }
            }
        }
        None
    }

    fn resolver(
        &self,
        expected: Scheme,
        region: &str,
        date: NaiveDate,
    ) -> Result<Resolver<'_>, PolicyError> {
        if self.scheme != expected {
            return Err(PolicyError::WrongScheme {
                expected,
                actual: self.scheme,
            });
        }
        if !is_valid_region(region) {
            return Err(PolicyError::BadRegion {
                region: region.to_string(),
            });
        }
        if !within(region, &self.region) {
            return Err(PolicyError::RegionNotCovered {
                region: region.to_string(),
                policy_region: self.region.clone(),
            });
        }
        Ok(Resolver {
            set: self,
            chain: self.chain(region),
            region: region.to_string(),
            date,
        })
    }

    /// Supplementary-scheme parameters in force for `region` on `date`.
    pub fn supplementary(
        &self,
        region: &str,
        date: NaiveDate,
    ) -> Result<SupplementaryParams, PolicyError> {
        let r = self.resolver(Scheme::Supplementary, region, date)?;
        Ok(SupplementaryParams {
            region: r.region.clone(),
            date,
            benefit_age: r.u32("benefit_age")?,
            min_contribution_years: r.u32("min_contribution_years")?,
            annuity_divisor: r.u32("annuity_divisor")?,
            tiers: r.tiers("tiers")?,
            entry_subsidy_shares: r.shares("entry_subsidy_shares")?,
            exit_subsidy_shares: r.shares("exit_subsidy_shares")?,
            exit_subsidy_monthly_fen: r.fen("exit_subsidy_monthly_fen")?,
            exit_subsidy_per_contribution_year_monthly_fen: r
                .fen("exit_subsidy_per_contribution_year_monthly_fen")?,
            government_paid_tier_fen: r.fen("government_paid_tier_fen")?,
            government_paid_groups: r.strs("government_paid_groups")?,
            government_paid_entry_subsidy: r.bool("government_paid_entry_subsidy").unwrap_or(false),
            credit_interest_rate: r.dec("credit_interest_rate")?,
            launch_date: r.date("launch_date")?,
            transitional_elderly: r.bool("transitional_elderly")?,
            transitional_reduced_years: r.bool("transitional_reduced_years")?,
            raised_exit_subsidy_monthly_fen: r.fen("raised_exit_subsidy_monthly_fen")?,
            raised_subsidy_groups: r.strs("raised_subsidy_groups")?,
            account_exhausted: r.string("account_exhausted")?,
            certification_grace_months: r.u32("certification_grace_months")?,
            certification_required_from: r.date("certification_required_from").ok(),
            annuity_divisors: r.divisors("annuity_divisors").unwrap_or_default(),
            funeral_subsidy_fen: r.fen("funeral_subsidy_fen").unwrap_or(0),
            illustrative: self.illustrative,
        })
    }

    /// Residents' basic-scheme parameters in force for `region` on `date`.
    pub fn basic(&self, region: &str, date: NaiveDate) -> Result<BasicParams, PolicyError> {
        let r = self.resolver(Scheme::Basic, region, date)?;
        Ok(BasicParams {
            region: r.region.clone(),
            date,
            benefit_age: r.u32("benefit_age")?,
            min_contribution_years: r.u32("min_contribution_years")?,
            annuity_divisor: r.u32("annuity_divisor")?,
            tiers: r.tiers("tiers")?,
            basic_pension_monthly_fen: r.fen("basic_pension_monthly_fen")?,
            entry_subsidy_shares: r.shares("entry_subsidy_shares")?,
            credit_interest_rate: r.dec("credit_interest_rate")?,
            launch_date: r.date("launch_date")?,
            government_paid_tier_fen: r.fen("government_paid_tier_fen")?,
            government_paid_groups: r.strs("government_paid_groups")?,
            illustrative: self.illustrative,
        })
    }

    /// Employee-scheme (flexible employment) parameters in force for `region` on `date`.
    pub fn employee(&self, region: &str, date: NaiveDate) -> Result<EmployeeParams, PolicyError> {
        let r = self.resolver(Scheme::Employee, region, date)?;
        Ok(EmployeeParams {
            region: r.region.clone(),
            date,
            contribution_rate: r.dec("contribution_rate")?,
            personal_account_rate: r.dec("personal_account_rate")?,
            base_min_ratio: r.dec("base_min_ratio")?,
            base_max_ratio: r.dec("base_max_ratio")?,
            average_wage_monthly_fen: r.fen("average_wage_monthly_fen")?,
            retirement_age_male: r.u32("retirement_age_male")?,
            retirement_age_female: r.u32("retirement_age_female")?,
            min_contribution_years: r.u32("min_contribution_years")?,
            credit_interest_rate: r.dec("credit_interest_rate")?,
            funeral_subsidy_fen: r.fen("funeral_subsidy_fen").ok(),
            annuity_divisors: r.divisors("annuity_divisors")?,
            illustrative: self.illustrative,
        })
    }
}

/// Resolves keys of one (region, date).
struct Resolver<'a> {
    set: &'a PolicySet,
    chain: Vec<String>,
    region: String,
    date: NaiveDate,
}

impl Resolver<'_> {
    fn get(&self, key: &str) -> Result<&Val, PolicyError> {
        self.set
            .resolve(&self.chain, self.date, key)
            .map(|(v, _, _)| v)
            .ok_or_else(|| PolicyError::DateOutOfRange {
                region: self.region.clone(),
                date: self.date,
                key: key.to_string(),
            })
    }

    // A checked set stores each key with the kind of its spec, so a mismatch cannot happen; it
    // is reported as a missing value rather than a panic.
    fn missing(&self, key: &str) -> PolicyError {
        PolicyError::DateOutOfRange {
            region: self.region.clone(),
            date: self.date,
            key: key.to_string(),
        }
    }

    fn fen(&self, key: &str) -> Result<i64, PolicyError> {
        match self.get(key)? {
            Val::Int(i) => Ok(*i),
            _ => Err(self.missing(key)),
        }
    }

    fn u32(&self, key: &str) -> Result<u32, PolicyError> {
        match self.get(key)? {
            Val::Int(i) => u32::try_from(*i).map_err(|_| self.missing(key)),
            _ => Err(self.missing(key)),
        }
    }

    fn dec(&self, key: &str) -> Result<Decimal, PolicyError> {
        match self.get(key)? {
            Val::Dec(d) => Ok(*d),
            _ => Err(self.missing(key)),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, PolicyError> {
        match self.get(key)? {
            Val::Bool(b) => Ok(*b),
            _ => Err(self.missing(key)),
        }
    }

    fn string(&self, key: &str) -> Result<String, PolicyError> {
        match self.get(key)? {
            Val::Str(s) => Ok(s.clone()),
            _ => Err(self.missing(key)),
        }
    }

    fn date(&self, key: &str) -> Result<NaiveDate, PolicyError> {
        match self.get(key)? {
            Val::Date(d) => Ok(*d),
            _ => Err(self.missing(key)),
        }
    }

    fn tiers(&self, key: &str) -> Result<Vec<Tier>, PolicyError> {
        match self.get(key)? {
            Val::Tiers(t) => Ok(t.clone()),
            _ => Err(self.missing(key)),
        }
    }

    fn shares(&self, key: &str) -> Result<Shares, PolicyError> {
        match self.get(key)? {
            Val::Shares(s) => Ok(*s),
            _ => Err(self.missing(key)),
        }
    }

    fn strs(&self, key: &str) -> Result<Vec<String>, PolicyError> {
        match self.get(key)? {
            Val::StrList(v) => Ok(v.clone()),
            _ => Err(self.missing(key)),
        }
    }

    fn divisors(&self, key: &str) -> Result<BTreeMap<u32, u32>, PolicyError> {
        match self.get(key)? {
            Val::Divisors(d) => Ok(d.clone()),
            _ => Err(self.missing(key)),
        }
    }
}
