//! `yanglao-policy`: the scheme's rules as dated, regional parameters and pure formulas.
//!
//! A policy file (TOML, see `docs/formats/policy.md`) holds one scheme's parameters as dated
//! `[[values]]` sections. [`check_str`] reports every problem of a file with its line and column,
//! [`parse_str`] turns a clean file into a [`PolicySet`], and the `PolicySet` resolves the
//! parameters in force for a region on a date ([`PolicySet::supplementary`], [`PolicySet::basic`],
//! [`PolicySet::employee`]). The formulas ([`split_by_shares`], [`monthly_benefit`], …) are pure.
//!
//! Rounding everywhere is 四舍五入, half away from zero, to whole fen.
//!
//! This crate depends on no other workspace crate. Its only IO is reading a file in [`load_file`].

mod check;
pub mod codes;
mod formula;
mod params;
mod region;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

use serde::Serialize;

pub use formula::{
    benefit_qualification, entry_subsidy, monthly_benefit, qualifies_for_government_paid,
    reaches_age_on, split_by_shares, split_proportional, tier_of, yearly_interest_fen,
    MonthlyBenefit, Qualification, QualificationBasis,
};
pub use params::{
    BasicParams, EmployeeParams, LevelAmounts, PolicySet, Shares, SupplementaryParams, Tier,
};
pub use region::{ancestors, is_valid_region};

/// How serious a [`Problem`] is. Only `Error` makes [`parse_str`] fail.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a policy file, located by its 1-based line and column (in characters).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    /// Stable code such as `E-POLICY-UNKNOWN-KEY` (errors) or `W-POLICY-…` (warnings).
    pub code: &'static str,
    /// Simplified Chinese, for the user.
    pub message: String,
    pub severity: Severity,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        };
        write!(
            f,
            "第 {} 行第 {} 列 {} [{}] {}",
            self.line, self.column, level, self.code, self.message
        )
    }
}

/// The pension scheme a policy file describes.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// 城乡居民补充养老保险
    Supplementary,
    /// 城乡居民基本养老保险
    Basic,
    /// 职工基本养老保险（灵活就业）
    Employee,
}

impl Scheme {
    /// The spelling used in policy files and JSON: `supplementary`, `basic` or `employee`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Supplementary => "supplementary",
            Scheme::Basic => "basic",
            Scheme::Employee => "employee",
        }
    }

    /// Parses the file spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "supplementary" => Some(Scheme::Supplementary),
            "basic" => Some(Scheme::Basic),
            "employee" => Some(Scheme::Employee),
            _ => None,
        }
    }

    /// Chinese name of the scheme.
    pub fn label_zh(self) -> &'static str {
        match self {
            Scheme::Supplementary => "城乡居民补充养老保险",
            Scheme::Basic => "城乡居民基本养老保险",
            Scheme::Employee => "职工基本养老保险（灵活就业）",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error resolving parameters from a valid [`PolicySet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// No value of `key` is in force for the region on the date.
    #[error(
        "日期 {date} 不在政策参数的有效期内（地区 {region} 的参数 {key} 在该日期没有生效的值）"
    )]
    DateOutOfRange {
        region: String,
        date: chrono::NaiveDate,
        key: String,
    },
    /// Parameters of one scheme were asked of a file of another scheme.
    #[error("政策参数文件属于 {actual} 方案，不能按 {expected} 方案取参数")]
    WrongScheme { expected: Scheme, actual: Scheme },
    /// The region is not a 6-digit GB/T 2260 code.
    #[error("地区代码 {region} 无效，应为 6 位 GB/T 2260 行政区划代码")]
    BadRegion { region: String },
    /// The region lies outside the region the file covers.
    #[error("地区 {region} 不在政策参数文件覆盖的地区 {policy_region} 范围内")]
    RegionNotCovered {
        region: String,
        policy_region: String,
    },
    /// The database holds no version of the policy.
    #[error("数据库中没有政策参数，不能记账：请先用“yanglao policy load 文件”载入政策参数（或用“yanglao init --illustrative-policy”载入系统自带的示意参数）")]
    NotLoaded,
}

impl PolicyError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::DateOutOfRange { .. } => "E-POLICY-DATE-OUT-OF-RANGE",
            PolicyError::WrongScheme { .. } => "E-POLICY-WRONG-SCHEME",
            PolicyError::BadRegion { .. } => "E-POLICY-BAD-REGION",
            PolicyError::RegionNotCovered { .. } => "E-POLICY-REGION-NOT-COVERED",
            PolicyError::NotLoaded => "E-POLICY-NONE",
        }
    }
}

/// An error loading a policy file from disk.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyLoadError {
    /// The file could not be read (the string names the file and the cause).
    #[error("无法读取政策参数文件：{0}")]
    Io(String),
    /// The file was read but has errors.
    #[error("{}", render_invalid(.file, .problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

impl PolicyLoadError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyLoadError::Io(_) => "E-POLICY-IO",
            PolicyLoadError::Invalid { .. } => "E-POLICY-INVALID",
        }
    }
}

fn render_invalid(file: &str, problems: &[Problem]) -> String {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let mut out = format!("政策参数文件 {file} 有 {errors} 个错误：");
    for p in problems {
        out.push_str(&format!("\n  {file}:{p}"));
    }
    out
}

/// Checks a policy file and returns every problem (errors and warnings), sorted by line and column.
pub fn check_str(source: &str) -> Vec<Problem> {
    check::analyse(source).0
}

/// Parses a policy file. Fails with all problems if any of them is an error; warnings alone
/// do not stop it.
pub fn parse_str(source: &str) -> Result<PolicySet, Vec<Problem>> {
    let (problems, set) = check::analyse(source);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(problems);
    }
    set.ok_or(problems)
}

/// A reform scenario: dated parameter changes laid over the policy files (docs/formats/scenario.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub note: Option<String>,
    pub illustrative: bool,
    pub(crate) changes: std::collections::BTreeMap<Scheme, Vec<params::Section>>,
}

impl Scenario {
    /// The earliest date from which the scenario changes anything.
    pub fn earliest_change(&self) -> Option<chrono::NaiveDate> {
        self.changes.values().flatten().map(|s| s.from).min()
    }

    /// The schemes the scenario changes.
    pub fn schemes(&self) -> Vec<Scheme> {
        self.changes.keys().copied().collect()
    }
}

/// Parses a scenario file. Fails with all problems if any of them is an error.
pub fn parse_scenario_str(source: &str) -> Result<Scenario, Vec<Problem>> {
    let (problems, scenario) = check::analyse_scenario(source);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(problems);
    }
    scenario.ok_or(problems)
}

/// Reads and parses a scenario file.
pub fn load_scenario(path: &Path) -> Result<Scenario, PolicyLoadError> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| PolicyLoadError::Io(format!("{}：{e}", path.display())))?;
    parse_scenario_str(&source).map_err(|problems| PolicyLoadError::Invalid {
        file: path.display().to_string(),
        problems,
    })
}

/// Reads and parses a policy file.
pub fn load_file(path: &Path) -> Result<PolicySet, PolicyLoadError> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| PolicyLoadError::Io(format!("{}：{e}", path.display())))?;
    parse_str(&source).map_err(|problems| PolicyLoadError::Invalid {
        file: path.display().to_string(),
        problems,
    })
}

/// The shipped, illustrative Shanxi supplementary scheme (`policies/shanxi-supplementary.toml`).
pub fn default_supplementary() -> PolicySet {
    parse_str(SHANXI_SUPPLEMENTARY).expect("shipped shanxi-supplementary.toml is valid")
}

/// The shipped, illustrative Shanxi residents' basic scheme (`policies/shanxi-basic.toml`).
pub fn default_basic() -> PolicySet {
    parse_str(SHANXI_BASIC).expect("shipped shanxi-basic.toml is valid")
}

/// The shipped, illustrative employee scheme for flexible employment (`policies/employee-flexible.toml`).
pub fn default_employee() -> PolicySet {
    parse_str(EMPLOYEE_FLEXIBLE).expect("shipped employee-flexible.toml is valid")
}

/// Source text of the shipped supplementary policy file.
pub const SHANXI_SUPPLEMENTARY: &str = include_str!("../../../policies/shanxi-supplementary.toml");
/// Source text of the shipped basic policy file.
pub const SHANXI_BASIC: &str = include_str!("../../../policies/shanxi-basic.toml");
/// Source text of the shipped employee policy file.
pub const EMPLOYEE_FLEXIBLE: &str = include_str!("../../../policies/employee-flexible.toml");
