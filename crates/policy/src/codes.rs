//! Stable problem and error codes. `E-` codes are errors, `W-` codes are warnings.

/// The file is not valid TOML.
pub const SYNTAX: &str = "E-POLICY-SYNTAX";
/// A key the format does not know (in `[policy]`, a `[[values]]` section or an inline table).
pub const UNKNOWN_KEY: &str = "E-POLICY-UNKNOWN-KEY";
/// A value of the wrong TOML type.
pub const WRONG_TYPE: &str = "E-POLICY-WRONG-TYPE";
/// `policy.scheme` is not `supplementary`, `basic` or `employee`.
pub const UNKNOWN_SCHEME: &str = "E-POLICY-UNKNOWN-SCHEME";
/// A date that is not `YYYY-MM-DD` (or carries a time).
pub const BAD_DATE: &str = "E-POLICY-BAD-DATE";
/// A region that is not a 6-digit GB/T 2260 code.
pub const BAD_REGION: &str = "E-POLICY-BAD-REGION";
/// A section's region outside the file's region.
pub const REGION_OUTSIDE: &str = "E-POLICY-REGION-OUTSIDE";
/// Sections of one region not in ascending `from` order.
pub const UNORDERED: &str = "E-POLICY-UNORDERED";
/// One key set twice for the same region and `from`, or an `until` reaching past the next setting.
pub const OVERLAP: &str = "E-POLICY-OVERLAP";
/// `until` on or before `from`.
pub const UNTIL_NOT_AFTER_FROM: &str = "E-POLICY-UNTIL-NOT-AFTER-FROM";
/// Tiers not strictly ascending by contribution.
pub const TIERS_NOT_ASCENDING: &str = "E-POLICY-TIERS-NOT-ASCENDING";
/// A higher tier with a smaller entry subsidy than a lower one (warning).
pub const SUBSIDY_DECREASING: &str = "W-POLICY-ENTRY-SUBSIDY-DECREASING";
/// Shares not summing to 100.
pub const SHARES_SUM: &str = "E-POLICY-SHARES-SUM";
/// A negative amount, age, count, rate or share.
pub const NEGATIVE: &str = "E-POLICY-NEGATIVE";
/// `government_paid_tier_fen` not one of the tiers in force.
pub const GOVERNMENT_TIER: &str = "E-POLICY-GOV-TIER-NOT-A-TIER";
/// A required key (or table) never set.
pub const MISSING_KEY: &str = "E-POLICY-MISSING-KEY";
/// A value of the right type but not allowed (zero divisor, rate above 1, unknown choice, …).
pub const BAD_VALUE: &str = "E-POLICY-BAD-VALUE";
