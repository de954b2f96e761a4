//! Pure formulas of the supplementary scheme.
//!
//! Rounding: every amount is rounded to whole fen 四舍五入, half away from zero
//! (`0.5 → 1`, `-0.5 → -1`).

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::params::{LevelAmounts, Shares, SupplementaryParams, Tier};

/// Rounds to a whole number half away from zero, saturating at the i64 range.
fn round_fen(d: Decimal) -> i64 {
    let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    r.to_i64().unwrap_or(if r.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Splits a non-negative `amount` over parts in proportion to non-negative `weights`, by largest
/// remainder: each part starts as its exact share rounded down, and the units still missing go
/// one each to the parts with the largest remainders (the earlier part on ties). The parts sum to
/// `amount` (when the weights are not all zero) and none exceeds its weight when `amount` does not
/// exceed their sum. The one rounding rule of the books: subsidies split between levels and
/// payments drawn from account components both use it.
pub fn split_proportional(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total == 0 || amount == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(i64, i128)> = weights
        .iter()
        .map(|w| {
            let num = i128::from(amount) * i128::from((*w).max(0));
            ((num / total) as i64, num % total)
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.0).collect();
    let mut missing = amount - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order {
        if missing == 0 {
            break;
        }
        if weights[i] > 0 {
            parts[i] += 1;
            missing -= 1;
        }
    }
    parts
}

/// Splits an amount between province, city and county by percentage shares, by
/// [`split_proportional`] over the shares (in millionths of a percent): the parts sum exactly to
/// `total_fen`, each is within 1 fen of its exact share `|total| × share ÷ 100` (the shares sum to
/// 100), ties go province before city before county, and none has the opposite sign of the
/// total. A negative total is split as its absolute value and negated.
pub fn split_by_shares(total_fen: i64, shares: &Shares) -> LevelAmounts {
    let weights: Vec<i64> = [shares.province, shares.city, shares.county]
        .iter()
        .map(|s| (s * Decimal::from(1_000_000)).round().to_i64().unwrap_or(0))
        .collect();
    let abs = i64::try_from(total_fen.unsigned_abs()).unwrap_or(i64::MAX);
    let parts = split_proportional(abs, &weights);
    let sign = total_fen.signum();
    LevelAmounts {
        province_fen: sign * parts[0],
        city_fen: sign * parts[1],
        county_fen: sign * parts[2],
    }
}

/// The tier whose contribution is exactly `contribution_fen`.
pub fn tier_of(p: &SupplementaryParams, contribution_fen: i64) -> Option<&Tier> {
    p.tiers
        .iter()
        .find(|t| t.contribution_fen == contribution_fen)
}

/// The entry subsidy for a contribution, split by `entry_subsidy_shares`; `None` when the
/// amount is not a tier.
pub fn entry_subsidy(p: &SupplementaryParams, contribution_fen: i64) -> Option<LevelAmounts> {
    tier_of(p, contribution_fen)
        .map(|t| split_by_shares(t.entry_subsidy_fen, &p.entry_subsidy_shares))
}

/// True when any of the person's active hardship groups is one whose contribution the
/// government pays (exact names, surrounding whitespace ignored).
pub fn qualifies_for_government_paid(p: &SupplementaryParams, active_groups: &[&str]) -> bool {
    active_groups.iter().any(|g| {
        p.government_paid_groups
            .iter()
            .any(|n| n.trim() == g.trim())
    })
}

/// The date a person born on `birth_date` reaches `age`: the birthday in that year; a 29
/// February birthday falls on 1 March in non-leap years.
pub fn reaches_age_on(birth_date: NaiveDate, age: u32) -> NaiveDate {
    let year = birth_date.year() + i32::try_from(age).unwrap_or(i32::MAX / 2);
    NaiveDate::from_ymd_opt(year, birth_date.month(), birth_date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// Why a person qualifies for benefits.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QualificationBasis {
    /// At least `min_contribution_years` years.
    Regular,
    /// At or above benefit age at launch: exit subsidy without contributing.
    TransitionalElderly,
    /// Within `min_contribution_years` of benefit age at launch: the years from launch suffice.
    TransitionalReducedYears,
}

/// Whether a person may draw benefits on a date.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Qualification {
    Qualified {
        basis: QualificationBasis,
        required_years: u32,
    },
    NotYetOfAge {
        reaches_age_on: NaiveDate,
    },
    InsufficientYears {
        required_years: u32,
        has_years: u32,
    },
}

/// Decides whether a person qualifies for benefits on `on_date`.
///
/// * Before the benefit-age birthday ([`reaches_age_on`]): `NotYetOfAge`.
/// * Reached benefit age on or before `launch_date` and `transitional_elderly`: qualified with 0
///   years required (`TransitionalElderly`).
/// * Reached it after launch and `transitional_reduced_years`: `n` = whole years from launch
///   to the benefit-age birthday, rounded up (a birthday 4 months after launch gives 1, exactly
///   14 years after gives 14). When `n` < `min_contribution_years` the person needs only `n`
///   years (`TransitionalReducedYears`).
/// * Otherwise `min_contribution_years` are required (`Regular`); this includes people already
///   over age at launch when `transitional_elderly` is off.
///
/// With the required years met: `Qualified`; otherwise `InsufficientYears`.
pub fn benefit_qualification(
    p: &SupplementaryParams,
    birth_date: NaiveDate,
    contribution_years: u32,
    on_date: NaiveDate,
) -> Qualification {
    let reaches = reaches_age_on(birth_date, p.benefit_age);
    if on_date < reaches {
        return Qualification::NotYetOfAge {
            reaches_age_on: reaches,
        };
    }
    let (basis, required_years) = if reaches <= p.launch_date && p.transitional_elderly {
        (QualificationBasis::TransitionalElderly, 0)
    } else if reaches > p.launch_date && p.transitional_reduced_years {
        let n = years_until(p.launch_date, reaches);
        if n < p.min_contribution_years {
            (QualificationBasis::TransitionalReducedYears, n)
        } else {
            (QualificationBasis::Regular, p.min_contribution_years)
        }
    } else {
        (QualificationBasis::Regular, p.min_contribution_years)
    };
    if contribution_years >= required_years {
        Qualification::Qualified {
            basis,
            required_years,
        }
    } else {
        Qualification::InsufficientYears {
            required_years,
            has_years: contribution_years,
        }
    }
}

/// The smallest `n` such that `from` plus `n` years is on or after `to` (`to` > `from`).
fn years_until(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut n = u32::try_from(to.year() - from.year()).unwrap_or(0);
    // Anniversaries use the same 29 February rule as birthdays.
    while n > 0 && reaches_age_on(from, n - 1) >= to {
        n -= 1;
    }
    while reaches_age_on(from, n) < to {
        n += 1;
    }
    n
}

/// One month's benefit.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct MonthlyBenefit {
    /// Individual-account pension (个人账户养老金).
    pub account_pension_fen: i64,
    /// Exit subsidy (出口补), by paying level.
    pub exit_subsidy: LevelAmounts,
    /// Raised subsidy for the named low-income group, by paying level (zero when not in it).
    pub raised_subsidy: LevelAmounts,
    pub total_fen: i64,
}

/// The monthly benefit of a qualified person.
///
/// * Account pension = `account_balance_fen` (the balance when benefits start; a negative
///   balance counts as 0) ÷ the divisor at the benefit age (`annuity_divisors`, else
///   `annuity_divisor`), rounded half away from zero. It stays fixed for
///   life; whether it continues once the account is used up is `account_exhausted`.
/// * Exit subsidy = `exit_subsidy_monthly_fen` + `contribution_years` ×
///   `exit_subsidy_per_contribution_year_monthly_fen`, split by `exit_subsidy_shares`.
/// * Raised subsidy (only when `raised_group`) = `raised_exit_subsidy_monthly_fen`, paid on top
///   of the exit subsidy and split by `exit_subsidy_shares` too.
pub fn monthly_benefit(
    p: &SupplementaryParams,
    account_balance_fen: i64,
    contribution_years: u32,
    raised_group: bool,
) -> MonthlyBenefit {
    let divisor = Decimal::from(p.divisor_at(p.benefit_age).max(1));
    let account_pension_fen = round_fen(Decimal::from(account_balance_fen.max(0)) / divisor);
    let exit_total = p.exit_subsidy_monthly_fen.saturating_add(
        i64::from(contribution_years)
            .saturating_mul(p.exit_subsidy_per_contribution_year_monthly_fen),
    );
    let exit_subsidy = split_by_shares(exit_total, &p.exit_subsidy_shares);
    let raised_subsidy = if raised_group {
        split_by_shares(p.raised_exit_subsidy_monthly_fen, &p.exit_subsidy_shares)
    } else {
        LevelAmounts::default()
    };
    MonthlyBenefit {
        account_pension_fen,
        exit_subsidy,
        raised_subsidy,
        total_fen: account_pension_fen + exit_subsidy.total_fen() + raised_subsidy.total_fen(),
    }
}

/// A year's interest on a balance: `balance × rate`, rounded half away from zero.
pub fn yearly_interest_fen(balance_fen: i64, rate: Decimal) -> i64 {
    Decimal::from(balance_fen)
        .checked_mul(rate)
        .map(round_fen)
        .unwrap_or(if balance_fen.is_negative() != rate.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn shares(p: &str, c: &str, k: &str) -> Shares {
        Shares {
            province: dec(p),
            city: dec(c),
            county: dec(k),
        }
    }

    fn params() -> SupplementaryParams {
        crate::default_supplementary()
            .supplementary("140302", d("2023-01-01"))
            .unwrap()
    }

    fn amounts(a: LevelAmounts) -> (i64, i64, i64) {
        (a.province_fen, a.city_fen, a.county_fen)
    }

    #[test]
    fn split_exact_and_rounded() {
        let s = shares("50", "10", "40");
        assert_eq!(amounts(split_by_shares(2000, &s)), (1000, 200, 800));
        // 1000.5, 200.1, 800.4: the missing fen goes to the largest fraction (province).
        assert_eq!(amounts(split_by_shares(2001, &s)), (1001, 200, 800));
        assert_eq!(amounts(split_by_shares(-2001, &s)), (-1001, -200, -800));
        assert_eq!(amounts(split_by_shares(0, &s)), (0, 0, 0));
        let thirds = shares("33.33", "33.33", "33.34");
        assert_eq!(amounts(split_by_shares(100, &thirds)), (33, 33, 34));
        assert_eq!(split_by_shares(7001, &thirds).total_fen(), 7001);
        // Never a part of the opposite sign.
        assert_eq!(
            amounts(split_by_shares(1, &shares("50", "50", "0"))),
            (1, 0, 0)
        );
        assert_eq!(
            amounts(split_by_shares(-1, &shares("50", "50", "0"))),
            (-1, 0, 0)
        );
        let county_only = shares("0", "0", "100");
        assert_eq!(amounts(split_by_shares(12345, &county_only)), (0, 0, 12345));
    }

    proptest! {
        #[test]
        fn split_sums_to_total_and_stays_within_a_fen(
            total in -1_000_000_000i64..1_000_000_000,
            province_bp in 0u32..=10_000,
            city_frac in 0u32..=10_000,
        ) {
            // Shares in hundredths of a percent, summing to exactly 100.
            let city_bp = (10_000 - province_bp) * city_frac / 10_000;
            let county_bp = 10_000 - province_bp - city_bp;
            let s = Shares {
                province: Decimal::new(province_bp.into(), 2),
                city: Decimal::new(city_bp.into(), 2),
                county: Decimal::new(county_bp.into(), 2),
            };
            let a = split_by_shares(total, &s);
            prop_assert_eq!(a.total_fen(), total);
            for part in [a.province_fen, a.city_fen, a.county_fen] {
                prop_assert!(part == 0 || part.signum() == total.signum());
            }
            let t = Decimal::from(total);
            for (part, share) in [(a.province_fen, s.province), (a.city_fen, s.city), (a.county_fen, s.county)] {
                let exact = t * share / Decimal::ONE_HUNDRED;
                prop_assert!((Decimal::from(part) - exact).abs() <= Decimal::ONE,
                    "part {} exact {}", part, exact);
            }
        }
    }

    #[test]
    fn tiers_and_entry_subsidy() {
        let p = params();
        assert_eq!(tier_of(&p, 100000).unwrap().entry_subsidy_fen, 20000);
        assert!(tier_of(&p, 30000).is_none());
        assert!(entry_subsidy(&p, 30000).is_none());
        // 200-yuan tier: 70 yuan, city 30 % = 21 yuan, county 49 yuan.
        assert_eq!(amounts(entry_subsidy(&p, 20000).unwrap()), (0, 2100, 4900));
    }

    #[test]
    fn government_paid_groups() {
        let p = params();
        assert!(qualifies_for_government_paid(&p, &["特困人员"]));
        assert!(qualifies_for_government_paid(
            &p,
            &["退役军人", " 低保对象 "]
        ));
        assert!(!qualifies_for_government_paid(&p, &["退役军人"]));
        assert!(!qualifies_for_government_paid(&p, &[]));
    }

    #[test]
    fn age_is_reached_on_the_birthday() {
        assert_eq!(reaches_age_on(d("1960-05-17"), 65), d("2025-05-17"));
        assert_eq!(reaches_age_on(d("1956-02-29"), 65), d("2021-03-01"));
        assert_eq!(reaches_age_on(d("1956-02-29"), 64), d("2020-02-29"));
    }

    #[test]
    fn qualification_regular() {
        let p = params();
        let birth = d("1970-03-10");
        assert_eq!(
            benefit_qualification(&p, birth, 20, d("2035-03-09")),
            Qualification::NotYetOfAge {
                reaches_age_on: d("2035-03-10")
            }
        );
        assert_eq!(
            benefit_qualification(&p, birth, 15, d("2035-03-10")),
            Qualification::Qualified {
                basis: QualificationBasis::Regular,
                required_years: 15
            }
        );
        assert_eq!(
            benefit_qualification(&p, birth, 14, d("2036-01-01")),
            Qualification::InsufficientYears {
                required_years: 15,
                has_years: 14
            }
        );
    }

    #[test]
    fn qualification_transitional_elderly() {
        let mut p = params();
        // 65 on launch day counts as "at benefit age at launch".
        let birth = d("1956-01-01");
        assert_eq!(
            benefit_qualification(&p, birth, 0, d("2021-01-01")),
            Qualification::Qualified {
                basis: QualificationBasis::TransitionalElderly,
                required_years: 0
            }
        );
        p.transitional_elderly = false;
        assert_eq!(
            benefit_qualification(&p, birth, 0, d("2021-01-01")),
            Qualification::InsufficientYears {
                required_years: 15,
                has_years: 0
            }
        );
    }

    #[test]
    fn qualification_transitional_reduced_years() {
        let mut p = params();
        // 65 four months after launch: one year from launch, rounded up.
        assert_eq!(
            benefit_qualification(&p, d("1956-05-01"), 1, d("2021-05-01")),
            Qualification::Qualified {
                basis: QualificationBasis::TransitionalReducedYears,
                required_years: 1
            }
        );
        // Exactly 14 years after launch: 14 years.
        assert_eq!(
            benefit_qualification(&p, d("1970-01-01"), 13, d("2035-01-01")),
            Qualification::InsufficientYears {
                required_years: 14,
                has_years: 13
            }
        );
        // 14 years and a day after launch rounds up to 15 = the regular minimum.
        assert_eq!(
            benefit_qualification(&p, d("1970-01-02"), 15, d("2035-01-02")),
            Qualification::Qualified {
                basis: QualificationBasis::Regular,
                required_years: 15
            }
        );
        p.transitional_reduced_years = false;
        assert_eq!(
            benefit_qualification(&p, d("1956-05-01"), 1, d("2021-05-01")),
            Qualification::InsufficientYears {
                required_years: 15,
                has_years: 1
            }
        );
    }

    #[test]
    fn years_until_rounds_up() {
        assert_eq!(years_until(d("2021-01-01"), d("2021-01-02")), 1);
        assert_eq!(years_until(d("2021-01-01"), d("2022-01-01")), 1);
        assert_eq!(years_until(d("2021-01-01"), d("2022-01-02")), 2);
        assert_eq!(years_until(d("2021-06-01"), d("2022-01-01")), 1);
        assert_eq!(years_until(d("2020-02-29"), d("2021-03-01")), 1);
    }

    #[test]
    fn monthly_benefit_components() {
        let mut p = params();
        p.raised_exit_subsidy_monthly_fen = 1000;
        // 20 years: 20 + 20 × 1 = 40 yuan exit subsidy, split 50/10/40.
        let b = monthly_benefit(&p, 139 * 25_000, 20, false);
        assert_eq!(b.account_pension_fen, 25_000);
        assert_eq!(amounts(b.exit_subsidy), (2000, 400, 1600));
        assert_eq!(b.raised_subsidy, LevelAmounts::default());
        assert_eq!(b.total_fen, 29_000);
        let raised = monthly_benefit(&p, 139 * 25_000, 20, true);
        assert_eq!(amounts(raised.raised_subsidy), (500, 100, 400));
        assert_eq!(raised.total_fen, 30_000);
        // Transitional elderly: no account, no years.
        let elderly = monthly_benefit(&p, 0, 0, false);
        assert_eq!(elderly.total_fen, 2000);
        // Negative balance counts as zero.
        assert_eq!(monthly_benefit(&p, -500, 0, false).account_pension_fen, 0);
    }

    #[test]
    fn account_pension_rounds_half_away_from_zero() {
        let mut p = params();
        p.annuity_divisor = 2;
        assert_eq!(monthly_benefit(&p, 3, 0, false).account_pension_fen, 2);
        p.annuity_divisor = 139;
        // 1000 / 139 = 7.19… → 7; 1043 / 139 = 7.50… → 8.
        assert_eq!(monthly_benefit(&p, 1000, 0, false).account_pension_fen, 7);
        assert_eq!(monthly_benefit(&p, 1043, 0, false).account_pension_fen, 8);
    }

    #[test]
    fn interest() {
        assert_eq!(yearly_interest_fen(10_000, dec("0.0175")), 175);
        assert_eq!(yearly_interest_fen(2857, dec("0.0175")), 50); // 49.9975
        assert_eq!(yearly_interest_fen(1, dec("0.5")), 1);
        assert_eq!(yearly_interest_fen(-1, dec("0.5")), -1);
        assert_eq!(yearly_interest_fen(0, dec("0.0175")), 0);
        assert_eq!(
            yearly_interest_fen(i64::MAX, dec("0.01")),
            92_233_720_368_547_758
        );
    }

    #[test]
    fn qualification_serializes_with_status() {
        let q = Qualification::Qualified {
            basis: QualificationBasis::TransitionalElderly,
            required_years: 0,
        };
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            serde_json::json!({"status": "qualified", "basis": "transitional_elderly", "required_years": 0})
        );
    }
}
