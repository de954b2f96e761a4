//! The fund's future: a projection, year by year, of the register's own people (a closed
//! group: nobody new joins) under the parameters in force each year, with and without a reform.
//!
//! Expected values, not random draws: each person carries the probability of still being alive,
//! an expected account balance and expected contribution years. Contribution behaviour by age is
//! what the register shows for the base year (the share of each age who contributed, the tiers
//! they chose, the share whose contribution the government paid). Deaths follow the life table.
//! At the benefit age in force a person starts benefits; one short of the years required (the
//! transitional rule counts only the years since launch) first back-pays the missing years at the
//! lowest tier, as the transitional rules allow.
//! The fund earns interest at the crediting rate in force. Exit subsidies and funeral subsidies
//! are paid by the government budgets as they fall due (income and expenditure at once), split
//! by the exit-subsidy shares.

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::mortality::{Mortality, Sex};
use crate::{Policies, Result, SimError};

/// Someone insured and not yet receiving benefits, at the end of the base year.
#[derive(Debug, Clone, PartialEq)]
pub struct Insured {
    /// Age on 1 January of the first projected year.
    pub age: u32,
    pub sex: Sex,
    pub balance_fen: i64,
    /// Contribution years so far.
    pub years: u32,
    /// What they paid themselves in the base year (0 if nothing).
    pub paid_fen: i64,
    /// Whether the government paid a contribution for them in the base year.
    pub government_paid: bool,
}

/// Someone receiving benefits at the end of the base year.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub age: u32,
    pub sex: Sex,
    pub account_pension_fen: i64,
    /// Exit subsidy and any raised subsidy, a month.
    pub subsidy_fen: i64,
    /// What is left of the individual account.
    pub balance_fen: i64,
}

/// The register as the projection needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The last year of data; the projection starts on 1 January of the next.
    pub base_year: i32,
    pub insured: Vec<Insured>,
    pub recipients: Vec<Recipient>,
    /// The fund's balance at the end of the base year.
    pub fund_balance_fen: i64,
}

/// Amounts by paying level.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Levels {
    pub province_fen: i64,
    pub city_fen: i64,
    pub county_fen: i64,
}

/// One projected year.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct YearRow {
    pub year: i32,
    pub benefit_age: u32,
    /// Expected counts (rounded): people alive and insured, of whom contributing; recipients.
    pub insured: i64,
    pub contributors: i64,
    pub recipients: i64,
    pub new_recipients: i64,
    pub deaths: i64,
    pub income_personal_fen: i64,
    pub income_government_paid_fen: i64,
    pub income_entry_subsidy_fen: i64,
    pub income_exit_subsidy_fen: i64,
    pub income_funeral_subsidy_fen: i64,
    pub income_interest_fen: i64,
    /// Missing years back-paid at the benefit age (补缴).
    pub income_back_pay_fen: i64,
    pub income_total_fen: i64,
    pub spend_account_pension_fen: i64,
    /// The part of account pensions paid after the accounts ran out (from the pool).
    pub spend_beyond_account_fen: i64,
    pub spend_exit_subsidy_fen: i64,
    pub spend_funeral_fen: i64,
    /// Account balances paid to heirs.
    pub spend_inheritance_fen: i64,
    pub spend_total_fen: i64,
    /// Government subsidies of the year (entry, government-paid, exit and funeral) by level.
    pub subsidies: Levels,
    pub balance_fen: i64,
    /// Individual accounts within the balance; the rest is the pooled part.
    pub accounts_fen: i64,
    pub pool_fen: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Projection {
    pub label: String,
    pub base_year: i32,
    pub mortality: String,
    pub rows: Vec<YearRow>,
}

struct Person {
    age: u32,
    sex: Sex,
    alive: f64,
    balance: f64,
    years: f64,
    /// Monthly amounts once a recipient.
    recipient: Option<(f64, f64)>,
}

/// Contribution behaviour by five-year age band (by ten-year band for the tier mix) in the base
/// year.
struct Behaviour {
    rate: Vec<f64>,
    government: Vec<f64>,
    /// Tier mix (amount → share) by ten-year band.
    mix: Vec<Vec<(i64, f64)>>,
}

fn behaviour(s: &Snapshot) -> Behaviour {
    let mut people = vec![0.0; 27];
    let mut paying = vec![0.0; 27];
    let mut gov = vec![0.0; 27];
    let mut mix: Vec<std::collections::BTreeMap<i64, f64>> = vec![Default::default(); 14];
    for i in &s.insured {
        // Behaviour in the base year was at the age one below.
        let a = (i.age.saturating_sub(1) as usize).min(130);
        people[a / 5] += 1.0;
        if i.paid_fen > 0 {
            paying[a / 5] += 1.0;
            *mix[a / 10].entry(i.paid_fen).or_default() += 1.0;
        }
        if i.government_paid {
            gov[a / 5] += 1.0;
        }
    }
    let ratio = |x: &Vec<f64>| -> Vec<f64> {
        x.iter()
            .zip(&people)
            .map(|(n, d)| if *d > 0.0 { n / d } else { 0.0 })
            .collect()
    };
    // A band with nobody paying borrows the nearest band's mix.
    let overall: std::collections::BTreeMap<i64, f64> = mix
        .iter()
        .flat_map(|m| m.iter().map(|(k, v)| (*k, *v)))
        .fold(Default::default(), |mut acc, (k, v)| {
            *acc.entry(k).or_default() += v;
            acc
        });
    let norm = |m: &std::collections::BTreeMap<i64, f64>| -> Vec<(i64, f64)> {
        let total: f64 = m.values().sum();
        m.iter().map(|(k, v)| (*k, v / total)).collect()
    };
    Behaviour {
        rate: ratio(&paying),
        government: ratio(&gov),
        mix: mix
            .iter()
            .map(|m| {
                if m.is_empty() {
                    norm(&overall)
                } else {
                    norm(m)
                }
            })
            .collect(),
    }
}

fn rate_f64(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Adds an expected amount, split by level in the given shares, to `levels`.
fn add_split(levels: &mut [f64; 3], total: f64, s: &yanglao_policy::Shares) {
    for (l, share) in levels.iter_mut().zip([s.province, s.city, s.county]) {
        *l += total * rate_f64(share) / 100.0;
    }
}

/// Projects the fund for `years` years.
pub fn project(
    p: &Policies,
    s: &Snapshot,
    mortality: &Mortality,
    years: u32,
    label: &str,
) -> Result<Projection> {
    if years == 0 || years > 100 {
        return Err(SimError::new(
            "E-SIM-YEARS",
            format!("预测年数 {years} 应在 1 到 100 之间"),
        ));
    }
    let b = behaviour(s);
    let mut people: Vec<Person> = s
        .insured
        .iter()
        .map(|i| Person {
            age: i.age,
            sex: i.sex,
            alive: 1.0,
            balance: i.balance_fen as f64,
            years: f64::from(i.years),
            recipient: None,
        })
        .chain(s.recipients.iter().map(|r| Person {
            age: r.age,
            sex: r.sex,
            alive: 1.0,
            balance: r.balance_fen as f64,
            years: 0.0,
            recipient: Some((r.account_pension_fen as f64, r.subsidy_fen as f64)),
        }))
        .collect();
    let mut balance = s.fund_balance_fen as f64;
    let mut rows = Vec::new();
    for t in 1..=years {
        let year = s.base_year + t as i32;
        let date = NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
        let sp = p
            .supplementary
            .supplementary(&p.region, date)
            .map_err(|e| {
                SimError::new(
                    "E-SIM-POLICY",
                    format!("{year} 年的补充险参数无法取得：{e}"),
                )
            })?;
        let rate = rate_f64(sp.credit_interest_rate);
        let launch_year = sp.launch_date.year();
        let mut r = YearRow {
            year,
            benefit_age: sp.benefit_age,
            ..YearRow::default()
        };
        let (mut insured, mut contributors, mut recipients, mut new_recipients, mut deaths) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut inc = [0.0f64; 4]; // personal, government-paid, entry subsidy, interest
        let mut entry_levels = [0.0f64; 3];
        let mut exit_levels = [0.0f64; 3];
        let mut funeral_levels = [0.0f64; 3];
        let (mut pension, mut beyond, mut inheritance, mut back_pay) = (0.0, 0.0, 0.0, 0.0);
        let lowest = sp
            .tiers
            .iter()
            .map(|x| x.contribution_fen)
            .min()
            .unwrap_or(0) as f64;
        let gov_tier = sp.government_paid_tier_fen as f64;
        let gov_subsidy = if sp.government_paid_entry_subsidy {
            sp.tiers
                .iter()
                .find(|x| x.contribution_fen == sp.government_paid_tier_fen)
                .map_or(0.0, |x| x.entry_subsidy_fen as f64)
        } else {
            0.0
        };
        for person in people.iter_mut().filter(|x| x.alive > 1e-12) {
            let q = mortality.q(person.sex, person.age);
            if person.recipient.is_none() && person.age >= sp.benefit_age {
                let reached = year - (person.age - sp.benefit_age) as i32;
                let required = if sp.transitional_reduced_years {
                    f64::from(
                        sp.min_contribution_years
                            .min((reached - launch_year).max(0) as u32),
                    )
                } else {
                    f64::from(sp.min_contribution_years)
                };
                if person.years + 1e-9 < required {
                    let missing = required - person.years;
                    back_pay += person.alive * missing * lowest;
                    person.balance += missing * lowest;
                    person.years = required;
                }
                let divisor = f64::from(sp.divisor_at(person.age).max(1));
                let exit = (sp.exit_subsidy_monthly_fen as f64)
                    + person.years.round()
                        * sp.exit_subsidy_per_contribution_year_monthly_fen as f64;
                person.recipient = Some(((person.balance / divisor).round(), exit));
                new_recipients += person.alive;
            }
            match person.recipient {
                None => {
                    let a = (person.age as usize).min(130);
                    insured += person.alive;
                    let pay = b.rate[(a / 5).min(26)];
                    let gov = b.government[(a / 5).min(26)];
                    let mut personal = 0.0;
                    let mut subsidy = 0.0;
                    for (amount, share) in &b.mix[(a / 10).min(13)] {
                        // A tier no longer offered counts as the highest tier not above it.
                        let tier = sp
                            .tiers
                            .iter()
                            .filter(|x| x.contribution_fen <= *amount)
                            .max_by_key(|x| x.contribution_fen)
                            .or(sp.tiers.first());
                        if let Some(tier) = tier {
                            personal += share * tier.contribution_fen as f64;
                            subsidy += share * tier.entry_subsidy_fen as f64;
                        }
                    }
                    let w = person.alive;
                    contributors += w * pay.max(gov);
                    inc[0] += w * pay * personal;
                    inc[1] += w * gov * gov_tier;
                    let entry = w * (pay * subsidy + gov * gov_subsidy);
                    inc[2] += entry;
                    add_split(&mut entry_levels, entry, &sp.entry_subsidy_shares);
                    // The county pays the government-paid contributions.
                    entry_levels[2] += w * gov * gov_tier;
                    person.balance += pay * (personal + subsidy) + gov * (gov_tier + gov_subsidy);
                    person.years += pay.max(gov).min(1.0);
                    person.balance += person.balance * rate;
                    let dying = w * q;
                    inheritance += dying * person.balance;
                    deaths += dying;
                }
                Some((acc, sub)) => {
                    // Paid for the months alive: on average half the year for those who die in it.
                    let w = person.alive * (1.0 - q / 2.0);
                    recipients += person.alive;
                    let due = 12.0 * acc;
                    let from_account = due.min(person.balance.max(0.0));
                    pension += w * due;
                    beyond += w * (due - from_account);
                    person.balance = (person.balance - from_account) * (1.0 + rate);
                    let exit = w * 12.0 * sub;
                    add_split(&mut exit_levels, exit, &sp.exit_subsidy_shares);
                    let dying = person.alive * q;
                    deaths += dying;
                    inheritance += dying * person.balance.max(0.0);
                    let funeral = dying * sp.funeral_subsidy_fen as f64;
                    add_split(&mut funeral_levels, funeral, &sp.exit_subsidy_shares);
                }
            }
            person.alive *= 1.0 - q;
            person.age += 1;
        }
        inc[3] = balance.max(0.0) * rate;
        let exit_total: f64 = exit_levels.iter().sum();
        let funeral_total: f64 = funeral_levels.iter().sum();
        let income = inc.iter().sum::<f64>() + exit_total + funeral_total + back_pay;
        let spend = pension + exit_total + funeral_total + inheritance;
        balance += income - spend;
        let accounts: f64 = people.iter().map(|x| x.alive * x.balance.max(0.0)).sum();
        let round = |x: f64| x.round() as i64;
        r.insured = round(insured);
        r.contributors = round(contributors);
        r.recipients = round(recipients);
        r.new_recipients = round(new_recipients);
        r.deaths = round(deaths);
        r.income_personal_fen = round(inc[0]);
        r.income_government_paid_fen = round(inc[1]);
        r.income_entry_subsidy_fen = round(inc[2]);
        r.income_interest_fen = round(inc[3]);
        r.income_exit_subsidy_fen = round(exit_total);
        r.income_funeral_subsidy_fen = round(funeral_total);
        r.income_total_fen = round(income);
        r.spend_account_pension_fen = round(pension);
        r.spend_beyond_account_fen = round(beyond);
        r.spend_exit_subsidy_fen = round(exit_total);
        r.spend_funeral_fen = round(funeral_total);
        r.spend_inheritance_fen = round(inheritance);
        r.income_back_pay_fen = round(back_pay);
        r.spend_total_fen = round(spend);
        r.subsidies = Levels {
            province_fen: round(entry_levels[0] + exit_levels[0] + funeral_levels[0]),
            city_fen: round(entry_levels[1] + exit_levels[1] + funeral_levels[1]),
            county_fen: round(entry_levels[2] + exit_levels[2] + funeral_levels[2]),
        };
        r.balance_fen = round(balance);
        r.accounts_fen = round(accounts);
        r.pool_fen = round(balance - accounts);
        rows.push(r);
    }
    Ok(Projection {
        label: label.to_string(),
        base_year: s.base_year,
        mortality: mortality.title.clone(),
        rows,
    })
}
