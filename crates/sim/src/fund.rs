//! The fund's future: a projection, year by year, of the register's own people (a closed
//! group: nobody new joins) under the parameters in force each year, with and without a reform.
//! It follows the ledger's conventions (docs/LEDGER.md) so that its figures are the fund
//! statement's own categories, and it can be back-tested against the books (docs/SIMULATOR.md).
//!
//! Expected values, not random draws: each person carries the probability of still being alive,
//! the account balance they have if alive, expected contribution years and the probability of
//! having contributed the year before. Deaths follow the life table, spread evenly in time
//! within the year (constant force of mortality).
//!
//! Each year, as the books do it:
//! - **Contributions** (personal, entry subsidy, government-paid) go into the accounts and earn
//!   interest only from the next year. Who contributes: whoever contributed in the base year keeps
//!   their own tier and way of paying, continuing with the base year's retention of their age
//!   band; whoever did not resumes with the band's re-entry rate (both measured from the base year
//!   against the year before; with no year before, everyone keeps paying and nobody resumes).
//! - **Interest** credited on 31 December is the balance at the end of the year before times the
//!   crediting rate in force then, on every account, the balances owed to heirs included. It moves
//!   money from the pool to the accounts; the fund's income is the interest the banks pay, at the
//!   yield the fund earned in the base year.
//! - **Benefits** start the month after the benefit-age birthday (as `awards run` does), for the
//!   months then left in the year; someone short of the years required (the transitional rule
//!   counts the years from launch) first back-pays the missing years at the lowest tier. The
//!   account pension is paid from the account and, once it is spent, from the pool (when the
//!   policy continues it). The month of death is paid, no month after it.
//! - **Deaths**: what is left in the account is owed to the heirs (a claim on the fund, not pooled
//!   money) until they are paid, at the share of the owed balances the base year paid out.
//! - Exit subsidies and funeral subsidies are paid by the government budgets as they fall due
//!   (income and expenditure at once), split by the exit-subsidy shares.
//!
//! The fund's balance is then the accounts of the living, plus what is owed to heirs, plus the
//! pooled part: the pool moves only by the banks' interest less the interest credited, and by the
//! account pensions paid after accounts ran out.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use yanglao_policy::{Qualification, SupplementaryParams};

use crate::mortality::{Mortality, Sex};
use crate::{yuan, Policies, Result, SimError};

/// Someone insured and not yet receiving benefits, at the end of the base year.
#[derive(Debug, Clone, PartialEq)]
pub struct Insured {
    /// The register's person id (it links the books' later events in a back-test).
    pub id: i64,
    pub birth: NaiveDate,
    pub sex: Sex,
    pub balance_fen: i64,
    /// Contribution years so far.
    pub years: u32,
    /// What they paid themselves for the base year (0 if nothing).
    pub paid_fen: i64,
    /// Whether the government paid a contribution for them for the base year.
    pub government_paid: bool,
    /// Whether they contributed (themselves or by the government) for the year before the base
    /// year; `None` when their first contribution is for the base year.
    pub contributed_before: Option<bool>,
}

/// Someone receiving benefits at the end of the base year.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub id: i64,
    pub birth: NaiveDate,
    pub sex: Sex,
    pub account_pension_fen: i64,
    /// Exit subsidy and any raised subsidy, a month.
    pub subsidy_fen: i64,
    /// What is left of the individual account.
    pub balance_fen: i64,
}

/// The pooled accounts of the ledger at the end of the base year (claims, positive when the
/// fund owes them).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct PoolAccounts {
    /// `pool.interest`: the banks' interest less the interest credited to accounts.
    pub interest_fen: i64,
    /// `pool.longevity`: account pensions paid after the accounts ran out (negative).
    pub longevity_fen: i64,
    /// `pool.writeoff`: overpayments written off (negative).
    pub writeoff_fen: i64,
}

impl PoolAccounts {
    pub fn total_fen(&self) -> i64 {
        self.interest_fen + self.longevity_fen + self.writeoff_fen
    }
}

/// The register and the books as the projection needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The last year of data; the projection starts on 1 January of the next.
    pub base_year: i32,
    pub insured: Vec<Insured>,
    pub recipients: Vec<Recipient>,
    /// The fund's balance at the end of the base year (the fund statement's closing balance).
    pub fund_balance_fen: i64,
    /// The balance brought forward into the base year.
    pub opening_fen: i64,
    /// Interest the banks paid the fund in the base year.
    pub bank_interest_fen: i64,
    /// Balances of members who died (or left) that are not paid out yet: owed to the heirs.
    pub owed_fen: i64,
    /// Paid to heirs in the base year.
    pub heirs_paid_fen: i64,
    pub pool: PoolAccounts,
}

/// What the books record for a year after the base year, to replay the projection against them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedYear {
    pub year: i32,
    /// Contributions dated in the year by person id: personal, entry subsidy, government-paid
    /// (fen).
    pub contributions: BTreeMap<i64, [i64; 3]>,
    /// People who contributed in the year and were not insured before (balance 0).
    pub joiners: Vec<Insured>,
    /// Deaths and terminations dated in the year: person id → month.
    pub exits: BTreeMap<i64, u32>,
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
    /// Expected counts (rounded) at the end of the year: people alive and insured, recipients.
    pub insured: i64,
    pub recipients: i64,
    /// People who contributed in the year (themselves, by the government, or both).
    pub contributors: i64,
    pub new_recipients: i64,
    pub deaths: i64,
    pub income_personal_fen: i64,
    pub income_government_paid_fen: i64,
    pub income_entry_subsidy_fen: i64,
    pub income_exit_subsidy_fen: i64,
    pub income_funeral_subsidy_fen: i64,
    /// Interest the banks pay the fund (the fund statement's 利息收入).
    pub income_interest_fen: i64,
    /// Missing years back-paid at the benefit age (补缴), personal part; its entry subsidy is in
    /// `income_entry_subsidy_fen`.
    pub income_back_pay_fen: i64,
    pub income_total_fen: i64,
    pub spend_account_pension_fen: i64,
    /// The part of account pensions paid after the accounts ran out (from the pool).
    pub spend_beyond_account_fen: i64,
    pub spend_exit_subsidy_fen: i64,
    pub spend_funeral_fen: i64,
    /// Balances paid to heirs.
    pub spend_inheritance_fen: i64,
    pub spend_total_fen: i64,
    /// Government subsidies of the year (entry, government-paid, exit and funeral) by level.
    pub subsidies: Levels,
    /// Interest credited to the accounts and to the balances owed to heirs on 31 December: a
    /// movement from the pool to them, neither income nor expenditure.
    pub credited_interest_fen: i64,
    pub balance_fen: i64,
    /// Individual accounts of the living within the balance.
    pub accounts_fen: i64,
    /// Balances of the dead not yet paid to their heirs, within the balance.
    pub owed_fen: i64,
    /// The rest: the pooled part.
    pub pool_fen: i64,
}

/// The fund at the end of the base year, as the projection splits it.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Opening {
    pub balance_fen: i64,
    pub accounts_fen: i64,
    pub owed_fen: i64,
    pub pool_fen: i64,
    pub pool_accounts: PoolAccounts,
}

/// Contribution behaviour read from the base year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Behaviour {
    /// Whether the register has the year before the base year to measure retention from.
    pub measured: bool,
    /// Of those who contributed the year before, the share who contributed in the base year.
    pub retention: f64,
    /// Of those insured who did not contribute the year before, the share who did.
    pub reentry: f64,
    /// People who contributed in the base year (among the insured at its end).
    pub contributors: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Projection {
    pub label: String,
    pub base_year: i32,
    pub mortality: String,
    /// The yearly yield of the fund's money in the banks.
    pub fund_yield: f64,
    /// The share of the balances owed to heirs paid out each year.
    pub heirs_claim_share: f64,
    pub behaviour: Behaviour,
    pub opening: Opening,
    /// Years replayed from the books' own contributions and deaths (a back-test), if any.
    pub replayed_years: Vec<i32>,
    pub rows: Vec<YearRow>,
    /// What the figures show, in words that name what happens in the model.
    pub findings: Vec<String>,
}

/// How to project.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub years: u32,
    pub label: String,
    /// The yearly yield of the fund's bank balance; default: the base year's (its bank interest
    /// over the mean of its opening and closing balances).
    pub fund_yield: Option<f64>,
    /// The share of balances owed to heirs paid out each year; default: the base year's.
    pub heirs_claim_share: Option<f64>,
}

impl Options {
    pub fn new(years: u32, label: &str) -> Options {
        Options {
            years,
            label: label.to_string(),
            fund_yield: None,
            heirs_claim_share: None,
        }
    }
}

/// The base year's realised yield: its bank interest over the mean of its opening and closing
/// balances (the projection applies it the same way, so flows within the year weigh alike).
pub fn base_yield(s: &Snapshot) -> f64 {
    let mean = (s.opening_fen + s.fund_balance_fen) as f64 / 2.0;
    if mean > 0.0 {
        s.bank_interest_fen as f64 / mean
    } else {
        0.0
    }
}

/// The share of what was owed to heirs in the base year that was paid to them in it.
pub fn base_heirs_share(s: &Snapshot) -> f64 {
    let due = (s.owed_fen + s.heirs_paid_fen) as f64;
    if due > 0.0 {
        s.heirs_paid_fen as f64 / due
    } else {
        0.0
    }
}

/// How someone insured pays when they pay.
#[derive(Debug, Clone, Copy)]
enum Way {
    /// As in the base year: this amount themselves (0: none), and whether the government pays.
    Own(i64, bool),
    /// As the base year's contributors of their ten-year age band did.
    Band,
}

struct Person {
    id: i64,
    birth: NaiveDate,
    sex: Sex,
    alive: f64,
    /// The account balance if alive.
    balance: f64,
    years: f64,
    /// The probability of having contributed in the year before.
    contributed: f64,
    way: Way,
    /// Monthly account pension and subsidies once a recipient.
    recipient: Option<(f64, f64)>,
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

const BANDS: usize = 27;
/// A band needs this many people before its own rate is used rather than the overall one.
const MIN_BAND: f64 = 30.0;

struct Measured {
    summary: Behaviour,
    retention: Vec<f64>,
    reentry: Vec<f64>,
    /// By ten-year band: (amount paid themselves, government-paid) → share of the contributors.
    mix: Vec<Vec<((i64, bool), f64)>>,
}

fn measure(s: &Snapshot) -> Measured {
    let jan1 = NaiveDate::from_ymd_opt(s.base_year, 1, 1).expect("year");
    let mut ret = vec![(0.0, 0.0); BANDS];
    let mut re = vec![(0.0, 0.0); BANDS];
    let mut mix: Vec<BTreeMap<(i64, bool), f64>> = vec![BTreeMap::new(); 14];
    let mut contributors = 0;
    for i in &s.insured {
        let a = age_on(i.birth, jan1).min(130) as usize;
        let now = i.paid_fen > 0 || i.government_paid;
        if now {
            contributors += 1;
            *mix[a / 10]
                .entry((i.paid_fen, i.government_paid))
                .or_default() += 1.0;
        }
        let cell = match i.contributed_before {
            Some(true) => &mut ret[a / 5],
            Some(false) => &mut re[a / 5],
            None => continue,
        };
        cell.1 += 1.0;
        if now {
            cell.0 += 1.0;
        }
    }
    let total = |v: &[(f64, f64)]| {
        v.iter()
            .fold((0.0, 0.0), |acc, x| (acc.0 + x.0, acc.1 + x.1))
    };
    let (rn, rd) = total(&ret);
    let (en, ed) = total(&re);
    let overall_ret = if rd > 0.0 { rn / rd } else { 1.0 };
    let overall_re = if ed > 0.0 { en / ed } else { 0.0 };
    let by_band = |v: &[(f64, f64)], overall: f64| -> Vec<f64> {
        v.iter()
            .map(|(n, d)| if *d >= MIN_BAND { n / d } else { overall })
            .collect()
    };
    // A band with nobody contributing borrows the overall mix.
    let mut all: BTreeMap<(i64, bool), f64> = BTreeMap::new();
    for m in &mix {
        for (k, v) in m {
            *all.entry(*k).or_default() += v;
        }
    }
    let norm = |m: &BTreeMap<(i64, bool), f64>| -> Vec<((i64, bool), f64)> {
        let t: f64 = m.values().sum();
        m.iter().map(|(k, v)| (*k, v / t)).collect()
    };
    Measured {
        summary: Behaviour {
            measured: rd > 0.0,
            retention: overall_ret,
            reentry: overall_re,
            contributors,
        },
        retention: by_band(&ret, overall_ret),
        reentry: by_band(&re, overall_re),
        mix: mix
            .iter()
            .map(|m| norm(if m.is_empty() { &all } else { m }))
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

/// The year's contribution of one way of paying: personal, entry subsidy, government-paid, and
/// the entry subsidy of the government-paid contribution.
fn contribution(sp: &SupplementaryParams, own: i64, gov: bool) -> [f64; 4] {
    let mut c = [0.0; 4];
    if own > 0 {
        // A tier no longer offered counts as the highest tier not above it.
        let tier = sp
            .tiers
            .iter()
            .filter(|x| x.contribution_fen <= own)
            .max_by_key(|x| x.contribution_fen)
            .or(sp.tiers.iter().min_by_key(|x| x.contribution_fen));
        if let Some(t) = tier {
            c[0] = t.contribution_fen as f64;
            c[1] = t.entry_subsidy_fen as f64;
        }
    }
    if gov {
        c[2] = sp.government_paid_tier_fen as f64;
        if sp.government_paid_entry_subsidy {
            c[3] = sp
                .tiers
                .iter()
                .find(|x| x.contribution_fen == sp.government_paid_tier_fen)
                .map_or(0.0, |x| x.entry_subsidy_fen as f64);
        }
    }
    c
}

/// The year's flows, summed over people (expected values).
#[derive(Default)]
struct Flows {
    insured: f64,
    recipients: f64,
    contributors: f64,
    new_recipients: f64,
    deaths: f64,
    /// personal, entry subsidy, government-paid, entry subsidy of government-paid
    contributions: [f64; 4],
    back_pay: f64,
    back_pay_subsidy: f64,
    pension: f64,
    beyond: f64,
    exit: f64,
    funeral: f64,
    credited: f64,
    to_owed: f64,
}

/// Projects the fund from the snapshot under the life table.
pub fn project(
    p: &Policies,
    s: &Snapshot,
    mortality: &Mortality,
    o: &Options,
) -> Result<Projection> {
    run(p, s, mortality, o, &[])
}

/// Projects the fund with the books' own contributions, joiners and deaths in the years they
/// record (`observed`), and the model's rules for everything else: a back-test of the
/// conventions given what happened.
pub fn replay(
    p: &Policies,
    s: &Snapshot,
    mortality: &Mortality,
    o: &Options,
    observed: &[ObservedYear],
) -> Result<Projection> {
    run(p, s, mortality, o, observed)
}

fn params(p: &Policies, date: NaiveDate) -> Result<SupplementaryParams> {
    p.supplementary.supplementary(&p.region, date).map_err(|e| {
        SimError::new(
            "E-SIM-POLICY",
            format!("{} 年的补充险参数无法取得：{e}", date.year()),
        )
    })
}

/// The years someone born on `birth` needs when reaching the benefit age under `sp`.
fn required_years(sp: &SupplementaryParams, birth: NaiveDate) -> f64 {
    let reaches = yanglao_policy::reaches_age_on(birth, sp.benefit_age);
    match yanglao_policy::benefit_qualification(sp, birth, 0, reaches) {
        Qualification::InsufficientYears { required_years, .. } => f64::from(required_years),
        Qualification::Qualified { required_years, .. } => f64::from(required_years),
        Qualification::NotYetOfAge { .. } => f64::from(sp.min_contribution_years),
    }
}

/// The first month of benefits in `year` (1–12) of someone not yet receiving: the month after
/// the benefit-age birthday, not before the launch; 1 if that month has passed already.
fn start_month(sp: &SupplementaryParams, birth: NaiveDate, year: i32) -> Option<u32> {
    let reaches = yanglao_policy::reaches_age_on(birth, sp.benefit_age);
    let (mut y, mut m) = (reaches.year(), reaches.month() + 1);
    if m > 12 {
        (y, m) = (y + 1, 1);
    }
    let launch = (sp.launch_date.year(), sp.launch_date.month());
    if (y, m) < launch {
        (y, m) = launch;
    }
    match y.cmp(&year) {
        std::cmp::Ordering::Less => Some(1),
        std::cmp::Ordering::Equal => Some(m),
        std::cmp::Ordering::Greater => None,
    }
}

fn run(
    p: &Policies,
    s: &Snapshot,
    mortality: &Mortality,
    o: &Options,
    observed: &[ObservedYear],
) -> Result<Projection> {
    if o.years == 0 || o.years > 100 {
        return Err(SimError::new(
            "E-SIM-YEARS",
            format!("预测年数 {} 应在 1 到 100 之间", o.years),
        ));
    }
    let fund_yield = o.fund_yield.unwrap_or_else(|| base_yield(s));
    let heirs_share = o
        .heirs_claim_share
        .unwrap_or_else(|| base_heirs_share(s))
        .clamp(0.0, 1.0);
    let b = measure(s);
    let mut people = people_of(s);
    let opening = opening_of(s);
    let mut fund = Fund {
        balance: s.fund_balance_fen as f64,
        owed: s.owed_fen as f64,
    };
    let mut rows = Vec::new();
    let mut replayed_years = Vec::new();
    // Deaths by month within the year of age (constant force of mortality), by sex and age.
    let mut by_age: Vec<Option<([f64; 13], f64)>> = vec![None; 2 * 131];
    for t in 1..=o.years {
        let year = s.base_year + t as i32;
        let r = YearRules::new(p, year, &b, observed.iter().find(|x| x.year == year))?;
        if let Some(obs) = r.obs {
            replayed_years.push(year);
            people.extend(obs.joiners.iter().map(joiner));
        }
        let mut f = Flows::default();
        // Interest on the balances owed to heirs at the end of the year before.
        f.credited += fund.owed.max(0.0) * r.rate;
        for person in people.iter_mut().filter(|x| x.alive > 1e-12) {
            person_year(&r, &b, mortality, &mut by_age, person, &mut f);
        }
        let accounts: f64 = people
            .iter()
            .filter(|x| x.alive > 1e-12)
            .map(|x| x.alive * x.balance)
            .sum();
        rows.push(close_year(
            &r,
            &f,
            accounts,
            &mut fund,
            heirs_share,
            fund_yield,
        ));
    }
    let findings = findings(&opening, &rows, heirs_share);
    Ok(Projection {
        label: o.label.clone(),
        base_year: s.base_year,
        mortality: mortality.title.clone(),
        fund_yield,
        heirs_claim_share: heirs_share,
        behaviour: b.summary,
        opening,
        replayed_years,
        rows,
        findings,
    })
}

/// The people of the snapshot: the insured, then the recipients, all alive.
fn people_of(s: &Snapshot) -> Vec<Person> {
    s.insured
        .iter()
        .map(|i| {
            let contributed = i.paid_fen > 0 || i.government_paid;
            Person {
                id: i.id,
                birth: i.birth,
                sex: i.sex,
                alive: 1.0,
                balance: i.balance_fen as f64,
                years: f64::from(i.years),
                contributed: if contributed { 1.0 } else { 0.0 },
                way: if contributed {
                    Way::Own(i.paid_fen, i.government_paid)
                } else {
                    Way::Band
                },
                recipient: None,
            }
        })
        .chain(s.recipients.iter().map(|r| Person {
            id: r.id,
            birth: r.birth,
            sex: r.sex,
            alive: 1.0,
            balance: r.balance_fen as f64,
            years: 0.0,
            contributed: 0.0,
            way: Way::Band,
            recipient: Some((r.account_pension_fen as f64, r.subsidy_fen as f64)),
        }))
        .collect()
}

/// Someone the books show joining in a replayed year.
fn joiner(j: &Insured) -> Person {
    Person {
        id: j.id,
        birth: j.birth,
        sex: j.sex,
        alive: 1.0,
        balance: j.balance_fen as f64,
        years: f64::from(j.years),
        contributed: 0.0,
        way: Way::Band,
        recipient: None,
    }
}

/// The fund at the end of the base year: the pooled part is what the accounts and what is owed
/// to heirs leave of the balance.
fn opening_of(s: &Snapshot) -> Opening {
    let accounts0: i64 = s.insured.iter().map(|i| i.balance_fen).sum::<i64>()
        + s.recipients.iter().map(|r| r.balance_fen).sum::<i64>();
    Opening {
        balance_fen: s.fund_balance_fen,
        accounts_fen: accounts0,
        owed_fen: s.owed_fen,
        pool_fen: s.fund_balance_fen - accounts0 - s.owed_fen,
        pool_accounts: s.pool,
    }
}

/// What the projection carries from one year to the next.
struct Fund {
    balance: f64,
    /// Balances owed to heirs.
    owed: f64,
}

/// A projected year's rules, the same for everyone.
struct YearRules<'a> {
    year: i32,
    jan1: NaiveDate,
    /// The parameters in force on 1 January.
    sp: SupplementaryParams,
    /// The crediting rate in force on 31 December.
    rate: f64,
    /// What the books record for the year, when replaying it.
    obs: Option<&'a ObservedYear>,
    /// The lowest tier's contribution and entry subsidy (missing years are back-paid at it).
    lowest: (i64, i64),
    /// By ten-year band: the expected contribution of a contributor paying as the band does.
    band_mix: Vec<[f64; 4]>,
    /// Whether account pensions continue from the pool once the account is spent.
    continues: bool,
    funeral_fen: f64,
}

impl<'a> YearRules<'a> {
    fn new(
        p: &Policies,
        year: i32,
        b: &Measured,
        obs: Option<&'a ObservedYear>,
    ) -> Result<YearRules<'a>> {
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
        let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).expect("year");
        let sp = params(p, jan1)?;
        let rate = rate_f64(params(p, dec31)?.credit_interest_rate);
        let lowest = sp
            .tiers
            .iter()
            .map(|x| (x.contribution_fen, x.entry_subsidy_fen))
            .min()
            .unwrap_or((0, 0));
        let band_mix: Vec<[f64; 4]> = b
            .mix
            .iter()
            .map(|m| {
                m.iter().fold([0.0; 4], |mut acc, ((own, gov), share)| {
                    for (a, c) in acc.iter_mut().zip(contribution(&sp, *own, *gov)) {
                        *a += share * c;
                    }
                    acc
                })
            })
            .collect();
        let continues = sp.account_exhausted != "stop";
        let funeral_fen = sp.funeral_subsidy_fen as f64;
        Ok(YearRules {
            year,
            jan1,
            sp,
            rate,
            obs,
            lowest,
            band_mix,
            continues,
            funeral_fen,
        })
    }
}

/// One person's year: the probability of being alive at its start, of dying in each month
/// (1–12) and of surviving it, and the interest credited on the balance if alive.
struct Fate {
    w: f64,
    death: [f64; 13],
    survive: f64,
    credit: f64,
}

/// The chance of dying in each month (1–12) of the year and of surviving it: the books' own exit
/// when replaying, else the life table's (cached by sex and age in `by_age`).
fn deaths_of(
    obs: Option<&ObservedYear>,
    person: &Person,
    age: u32,
    mortality: &Mortality,
    by_age: &mut [Option<([f64; 13], f64)>],
) -> ([f64; 13], f64) {
    let mut death = [0.0f64; 13];
    let survive;
    match obs {
        Some(obs) => {
            if let Some(m) = obs.exits.get(&person.id) {
                death[(*m).clamp(1, 12) as usize] = 1.0;
                survive = 0.0;
            } else {
                survive = 1.0;
            }
        }
        None => {
            let key = usize::from(person.sex == Sex::Female) * 131 + age.min(130) as usize;
            let (d, q) = *by_age[key].get_or_insert_with(|| {
                let q = mortality.q(person.sex, age);
                let mut d = [0.0f64; 13];
                for (m, x) in d.iter_mut().enumerate().skip(1) {
                    *x = (1.0 - q).powf((m as f64 - 1.0) / 12.0) - (1.0 - q).powf(m as f64 / 12.0);
                }
                (d, q)
            });
            death = d;
            survive = 1.0 - q;
        }
    }
    (death, survive)
}

/// Adds one person's year to the flows and moves them to its end.
fn person_year(
    r: &YearRules<'_>,
    b: &Measured,
    mortality: &Mortality,
    by_age: &mut [Option<([f64; 13], f64)>],
    person: &mut Person,
    f: &mut Flows,
) {
    let w = person.alive;
    let age = age_on(person.birth, r.jan1);
    // Death: by month (1–12) and survival.
    let (death, survive) = deaths_of(r.obs, person, age, mortality, by_age);
    let dies: f64 = death.iter().sum();
    let b0 = person.balance;
    let credit = b0.max(0.0) * r.rate;
    f.credited += w * credit;
    f.deaths += w * dies;
    f.funeral += if person.recipient.is_some() {
        w * dies * r.funeral_fen
    } else {
        0.0
    };
    let x = Fate {
        w,
        death,
        survive,
        credit,
    };
    match person.recipient {
        Some(benefit) => {
            person.balance = pay(f, r.continues, &x, 1, b0, benefit, b0);
        }
        None => insured_year(r, b, &x, age, person, f),
    }
    person.alive = w * survive;
}

/// Paying benefits (`benefit`: the monthly account pension and subsidies) from month `s` on a
/// balance of `avail`: returns the balance left if alive at the end of the year, adding the
/// flows. `before`: what the account held before the year's contribution, for someone who dies
/// before benefits start (the contribution is then `avail - before`).
fn pay(
    f: &mut Flows,
    continues: bool,
    x: &Fate,
    s: u32,
    avail: f64,
    benefit: (f64, f64),
    before: f64,
) -> f64 {
    let (w, (pension, exit)) = (x.w, benefit);
    let paid = |f: &mut Flows, months: u32, prob: f64| -> f64 {
        let due = f64::from(months) * pension;
        let from_account = due.min(avail.max(0.0));
        let beyond = if continues { due - from_account } else { 0.0 };
        f.pension += w * prob * (from_account + beyond);
        f.beyond += w * prob * beyond;
        f.exit += w * prob * f64::from(months) * exit;
        avail - from_account
    };
    for (m, prob) in x.death.iter().enumerate().skip(1) {
        if *prob == 0.0 {
            continue;
        }
        let m = m as u32;
        let left = if m >= s {
            paid(f, m - s + 1, *prob)
        } else {
            before
        };
        f.to_owed += w * prob * (left + x.credit);
    }
    let left = paid(f, 13 - s, x.survive);
    f.recipients += w * x.survive;
    left + x.credit
}

/// The year's contribution of someone insured: the chance they pay and what they pay
/// (personal, entry subsidy, government-paid, entry subsidy of government-paid), observed when
/// replaying, else expected from behaviour.
fn expected_contribution(
    r: &YearRules<'_>,
    b: &Measured,
    person: &Person,
    age: u32,
) -> (f64, [f64; 4]) {
    match r.obs {
        Some(obs) => match obs.contributions.get(&person.id) {
            Some(x) => (1.0, [x[0] as f64, x[1] as f64, x[2] as f64, 0.0]),
            None => (0.0, [0.0; 4]),
        },
        None => {
            let band = (age as usize / 5).min(BANDS - 1);
            let chance = person.contributed * b.retention[band]
                + (1.0 - person.contributed) * b.reentry[band];
            let c = match person.way {
                Way::Own(own, gov) => contribution(&r.sp, own, gov),
                Way::Band => r.band_mix[(age as usize / 10).min(13)],
            };
            (chance, c)
        }
    }
}

/// Adds a contribution paid with probability `weight × chance` to the flows.
fn add_contribution(f: &mut Flows, weight: f64, chance: f64, c: [f64; 4]) {
    for (x, c) in f.contributions.iter_mut().zip(c) {
        *x += weight * chance * c;
    }
    f.contributors += weight * chance;
}

/// The year of someone insured and not yet receiving: their contribution, and their award if
/// they reach the benefit age.
fn insured_year(
    r: &YearRules<'_>,
    b: &Measured,
    x: &Fate,
    age: u32,
    person: &mut Person,
    f: &mut Flows,
) {
    let (w, death, survive, credit) = (x.w, &x.death, x.survive, x.credit);
    let b0 = person.balance;
    let sp = &r.sp;
    let (chance, c) = expected_contribution(r, b, person, age);
    let paid: f64 = c.iter().sum::<f64>() * chance;
    match start_month(sp, person.birth, r.year) {
        Some(s) => {
            // The year's contribution comes before the award; the missing years are back-paid
            // when benefits start.
            add_contribution(f, w, chance, c);
            let years = person.years + chance;
            let alive_at_start = survive + death[s as usize..].iter().sum::<f64>();
            let missing = (required_years(sp, person.birth) - years).max(0.0);
            f.back_pay += w * alive_at_start * missing * r.lowest.0 as f64;
            f.back_pay_subsidy += w * alive_at_start * missing * r.lowest.1 as f64;
            let before = b0 + paid;
            let avail = before + missing * (r.lowest.0 + r.lowest.1) as f64;
            let years = years + missing;
            let divisor = f64::from(sp.divisor_at(sp.benefit_age).max(1));
            let pension = avail.max(0.0) / divisor;
            let exit = sp.exit_subsidy_monthly_fen as f64
                + years * sp.exit_subsidy_per_contribution_year_monthly_fen as f64;
            f.new_recipients += w * alive_at_start;
            f.funeral += w * death[s as usize..].iter().sum::<f64>() * r.funeral_fen;
            // Someone who dies before the start leaves the account with the contribution in it.
            person.balance = pay(f, r.continues, x, s, avail, (pension, exit), before);
            person.years = years;
            person.recipient = Some((pension, exit));
        }
        None => {
            // The contribution is taken at mid-year: paid by those alive then (a replayed
            // contribution was paid).
            let from = if r.obs.is_some() { 1 } else { 7 };
            let alive_mid = survive + death[from..].iter().sum::<f64>();
            add_contribution(f, w * alive_mid, chance, c);
            for (m, prob) in death.iter().enumerate().skip(1) {
                let c = if m >= from { paid } else { 0.0 };
                f.to_owed += w * prob * (b0 + c + credit);
            }
            f.insured += w * survive;
            person.balance = b0 + paid + credit;
            person.years += chance;
            person.contributed = chance;
        }
    }
}

/// Closes the year: heirs are paid their share, the banks' interest is earned, the balance
/// moves; returns the year's row. `accounts`: the accounts of the living at the year's end.
fn close_year(
    r: &YearRules<'_>,
    f: &Flows,
    accounts: f64,
    fund: &mut Fund,
    heirs_share: f64,
    fund_yield: f64,
) -> YearRow {
    let (sp, rate) = (&r.sp, r.rate);
    // Heirs are paid a share of what is owed to them after the year's interest.
    let owed_due = fund.owed + fund.owed.max(0.0) * rate + f.to_owed;
    let inheritance = owed_due.max(0.0) * heirs_share;
    fund.owed = owed_due - inheritance;
    let contributions: f64 = f.contributions.iter().sum();
    let income_ex_interest = contributions + f.back_pay + f.back_pay_subsidy + f.exit + f.funeral;
    let spend = f.pension + f.exit + f.funeral + inheritance;
    let net = income_ex_interest - spend;
    let interest = ((fund.balance + net / 2.0).max(0.0)) * fund_yield;
    let income = income_ex_interest + interest;
    fund.balance += income - spend;
    let (balance, owed) = (fund.balance, fund.owed);
    let mut entry_levels = [0.0f64; 3];
    let mut exit_levels = [0.0f64; 3];
    add_split(
        &mut entry_levels,
        f.contributions[1] + f.contributions[3] + f.back_pay_subsidy,
        &sp.entry_subsidy_shares,
    );
    // The county pays the government-paid contributions.
    entry_levels[2] += f.contributions[2];
    add_split(
        &mut exit_levels,
        f.exit + f.funeral,
        &sp.exit_subsidy_shares,
    );
    let round = |x: f64| x.round() as i64;
    YearRow {
        year: r.year,
        benefit_age: sp.benefit_age,
        insured: round(f.insured),
        recipients: round(f.recipients),
        contributors: round(f.contributors),
        new_recipients: round(f.new_recipients),
        deaths: round(f.deaths),
        income_personal_fen: round(f.contributions[0]),
        income_government_paid_fen: round(f.contributions[2]),
        income_entry_subsidy_fen: round(
            f.contributions[1] + f.contributions[3] + f.back_pay_subsidy,
        ),
        income_exit_subsidy_fen: round(f.exit),
        income_funeral_subsidy_fen: round(f.funeral),
        income_interest_fen: round(interest),
        income_back_pay_fen: round(f.back_pay),
        income_total_fen: round(income),
        spend_account_pension_fen: round(f.pension),
        spend_beyond_account_fen: round(f.beyond),
        spend_exit_subsidy_fen: round(f.exit),
        spend_funeral_fen: round(f.funeral),
        spend_inheritance_fen: round(inheritance),
        spend_total_fen: round(spend),
        subsidies: Levels {
            province_fen: round(entry_levels[0] + exit_levels[0]),
            city_fen: round(entry_levels[1] + exit_levels[1]),
            county_fen: round(entry_levels[2] + exit_levels[2]),
        },
        credited_interest_fen: round(f.credited),
        balance_fen: round(balance),
        accounts_fen: round(accounts),
        owed_fen: round(owed),
        pool_fen: round(balance - accounts - owed),
    }
}

/// What moved the pooled part from the base year to the end of `rows`: the banks' interest less
/// the interest credited, and the account pensions paid after the accounts ran out.
fn drivers(rows: &[YearRow]) -> (i64, i64) {
    rows.iter().fold((0, 0), |(gap, beyond), r| {
        (
            gap + r.income_interest_fen - r.credited_interest_fen,
            beyond + r.spend_beyond_account_fen,
        )
    })
}

fn because(gap: i64, beyond: i64) -> String {
    let mut parts = Vec::new();
    if gap < 0 {
        parts.push(format!(
            "银行利息收入比记入个人账户的记账利息少 {} 元",
            yuan(-gap)
        ));
    } else if gap > 0 {
        parts.push(format!(
            "银行利息收入比记入个人账户的记账利息多 {} 元",
            yuan(gap)
        ));
    }
    if beyond > 0 {
        parts.push(format!(
            "个人账户用尽后继续发放的账户养老金由统筹部分支付 {} 元",
            yuan(beyond)
        ));
    }
    if parts.is_empty() {
        "没有变动".to_string()
    } else {
        parts.join("；")
    }
}

/// The findings: when and why the pooled part is negative, when accounts run out, when the fund
/// runs out, and what is owed to heirs.
fn findings(opening: &Opening, rows: &[YearRow], heirs_share: f64) -> Vec<String> {
    let mut out = Vec::new();
    if opening.pool_fen < 0 {
        let pa = &opening.pool_accounts;
        let mut parts = Vec::new();
        if pa.interest_fen != 0 {
            parts.push(format!(
                "银行利息收入{}记账利息 {} 元",
                if pa.interest_fen < 0 {
                    "少于"
                } else {
                    "多于"
                },
                yuan(pa.interest_fen.abs())
            ));
        }
        if pa.longevity_fen != 0 {
            parts.push(format!(
                "个人账户用尽后继续发放 {} 元",
                yuan(-pa.longevity_fen)
            ));
        }
        if pa.writeoff_fen != 0 {
            parts.push(format!("多发待遇核销 {} 元", yuan(-pa.writeoff_fen)));
        }
        out.push(format!(
            "基期末统筹部分已为 {} 元（账簿：{}）。",
            yuan(opening.pool_fen),
            if parts.is_empty() {
                "调剂科目合计".to_string()
            } else {
                parts.join("，")
            }
        ));
    }
    if let Some(k) = rows.iter().position(|r| r.pool_fen < 0) {
        if opening.pool_fen >= 0 {
            let (gap, beyond) = drivers(&rows[..=k]);
            out.push(format!(
                "统筹部分在 {} 年末转为负数（{} 元）：基期以来{}。",
                rows[k].year,
                yuan(rows[k].pool_fen),
                because(gap, beyond)
            ));
        }
    }
    if let Some(last) = rows.last() {
        let (gap, beyond) = drivers(rows);
        out.push(format!(
            "统筹部分从基期末的 {} 元变为 {} 年末的 {} 元：{}。",
            yuan(opening.pool_fen),
            last.year,
            yuan(last.pool_fen),
            because(gap, beyond)
        ));
    }
    match rows.iter().find(|r| r.spend_beyond_account_fen >= 100) {
        Some(r) => out.push(format!(
            "个人账户用尽后继续发放的账户养老金自 {} 年起由统筹部分支付（当年 {} 元）。",
            r.year,
            yuan(r.spend_beyond_account_fen)
        )),
        None => out.push("预测期内没有个人账户用尽后继续发放的账户养老金。".to_string()),
    }
    if let Some(r) = rows.iter().find(|r| r.balance_fen < 0) {
        out.push(format!("基金滚存结余在 {} 年转为负数。", r.year));
    }
    if let Some(last) = rows.last() {
        if heirs_share == 0.0 && last.owed_fen > 0 {
            out.push(format!(
                "基期没有向继承人支付个人账户余额，预测假定继承人不领取：至 {} 年末应付继承人 {} 元（计入滚存结余，不计入统筹部分）。",
                last.year,
                yuan(last.owed_fen)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"[policy]
scheme = "supplementary"
name = "测试"
region = "140000"

[[values]]
from = 2020-01-01
launch_date = 2020-01-01
benefit_age = 65
min_contribution_years = 2
annuity_divisor = 100
tiers = [{ contribution_fen = 20000, entry_subsidy_fen = 5000 }, { contribution_fen = 50000, entry_subsidy_fen = 10000 }]
entry_subsidy_shares = { province = 0, city = 30, county = 70 }
exit_subsidy_shares = { province = 50, city = 10, county = 40 }
exit_subsidy_monthly_fen = 2000
exit_subsidy_per_contribution_year_monthly_fen = 100
government_paid_tier_fen = 20000
government_paid_groups = ["低保对象"]
credit_interest_rate = RATE
transitional_elderly = true
transitional_reduced_years = true
raised_exit_subsidy_monthly_fen = 0
raised_subsidy_groups = []
account_exhausted = "continue"
certification_grace_months = 3
"#;

    fn policies(rate: &str) -> Policies {
        Policies {
            supplementary: yanglao_policy::parse_str(&POLICY.replace("RATE", rate)).unwrap(),
            ..Policies::shipped("140300")
        }
    }

    /// A life table in which everyone dies with probability `q` each year.
    fn flat(q: f64) -> Mortality {
        let mut s = String::from("# flat\n年龄,男,女\n");
        for a in 0..=120 {
            s.push_str(&format!("{a},{q},{q}\n"));
        }
        Mortality::parse(&s, "flat").unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn insured(id: i64, birth: &str, balance: i64, paid: i64, gov: bool) -> Insured {
        Insured {
            id,
            birth: d(birth),
            sex: Sex::Male,
            balance_fen: balance,
            years: 3,
            paid_fen: paid,
            government_paid: gov,
            contributed_before: Some(true),
        }
    }

    fn snapshot(insured: Vec<Insured>, recipients: Vec<Recipient>) -> Snapshot {
        let accounts: i64 = insured.iter().map(|i| i.balance_fen).sum::<i64>()
            + recipients.iter().map(|r| r.balance_fen).sum::<i64>();
        Snapshot {
            base_year: 2023,
            insured,
            recipients,
            fund_balance_fen: accounts,
            opening_fen: accounts,
            bank_interest_fen: 0,
            owed_fen: 0,
            heirs_paid_fen: 0,
            pool: PoolAccounts::default(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1.0
    }

    #[test]
    fn contributions_earn_interest_from_the_next_year() {
        // 10,000 fen at the end of 2023, 200 yuan + 50 yuan subsidy paid in 2024 and 2025, 10%:
        // 2024 credits 1,000 (on 10,000 only), 2025 credits 10% of 10,000 + 1,000 + 25,000.
        let s = snapshot(
            vec![insured(1, "1980-06-01", 10_000, 20_000, false)],
            vec![],
        );
        let pr = project(&policies("0.10"), &s, &flat(0.0), &Options::new(2, "t")).unwrap();
        assert_eq!(pr.rows[0].credited_interest_fen, 1_000);
        assert_eq!(pr.rows[0].accounts_fen, 10_000 + 1_000 + 25_000);
        assert_eq!(pr.rows[1].credited_interest_fen, 3_600);
        assert_eq!(pr.rows[1].accounts_fen, 36_000 + 3_600 + 25_000);
        // Credited interest is a movement within the fund: the balance grows by the
        // contributions and the banks' interest (none here) only, and the pool pays the credit.
        assert_eq!(pr.rows[0].balance_fen, 10_000 + 25_000);
        assert_eq!(pr.rows[0].pool_fen, -1_000);
        assert_eq!(pr.rows[0].income_total_fen, 25_000);
    }

    #[test]
    fn a_recipient_who_dies_is_paid_the_months_up_to_the_death() {
        // q = 0.5: deaths spread evenly in time; the month of death is paid. Expected months:
        // 0.5 × 12 for survivors plus Σ months × P(death in that month).
        let q: f64 = 0.5;
        let r = Recipient {
            id: 1,
            birth: d("1950-03-01"),
            sex: Sex::Female,
            account_pension_fen: 1_000,
            subsidy_fen: 2_000,
            balance_fen: 1_000_000,
        };
        let s = snapshot(vec![], vec![r]);
        let pr = project(&policies("0"), &s, &flat(q), &Options::new(1, "t")).unwrap();
        let months: f64 = (1..=12)
            .map(|m| {
                let m = f64::from(m);
                m * ((1.0 - q).powf((m - 1.0) / 12.0) - (1.0 - q).powf(m / 12.0))
            })
            .sum::<f64>()
            + 12.0 * (1.0 - q);
        assert!(months > 8.5 && months < 9.5, "{months}");
        let row = &pr.rows[0];
        assert!(
            close(row.spend_account_pension_fen as f64, 1_000.0 * months),
            "{row:?}"
        );
        assert!(
            close(row.spend_exit_subsidy_fen as f64, 2_000.0 * months),
            "{row:?}"
        );
        // What the dead leave is owed to their heirs, not pooled (none claimed in the base year).
        assert!(close(
            row.owed_fen as f64,
            q * 1_000_000.0 - (1_000.0 * months - 1_000.0 * 12.0 * (1.0 - q))
        ));
        assert_eq!(row.pool_fen, 0);
    }

    #[test]
    fn contributors_are_everyone_who_contributed_not_the_larger_group() {
        // Two people paying themselves and two whose contribution the government pays: four
        // contributors, not max(2, 2) of them.
        let s = snapshot(
            vec![
                insured(1, "1980-06-01", 0, 20_000, false),
                insured(2, "1981-06-01", 0, 50_000, false),
                insured(3, "1982-06-01", 0, 0, true),
                insured(4, "1983-06-01", 0, 0, true),
            ],
            vec![],
        );
        let pr = project(&policies("0"), &s, &flat(0.0), &Options::new(1, "t")).unwrap();
        assert_eq!(pr.rows[0].contributors, 4);
        assert_eq!(pr.rows[0].income_personal_fen, 70_000);
        assert_eq!(pr.rows[0].income_entry_subsidy_fen, 15_000);
        assert_eq!(pr.rows[0].income_government_paid_fen, 40_000);
    }

    #[test]
    fn balances_owed_to_heirs_are_not_pooled_money() {
        let mut s = snapshot(
            vec![insured(1, "1980-06-01", 50_000, 20_000, false)],
            vec![],
        );
        s.owed_fen = 30_000;
        s.fund_balance_fen += 30_000;
        let pr = project(&policies("0"), &s, &flat(0.0), &Options::new(1, "t")).unwrap();
        assert_eq!(pr.opening.pool_fen, 0);
        assert_eq!(pr.opening.owed_fen, 30_000);
        assert_eq!(pr.rows[0].pool_fen, 0);
        assert_eq!(pr.rows[0].owed_fen, 30_000);
        // Paid when the base year paid heirs: half of what was due.
        s.heirs_paid_fen = 30_000;
        let pr = project(&policies("0"), &s, &flat(0.0), &Options::new(1, "t")).unwrap();
        assert_eq!(pr.heirs_claim_share, 0.5);
        assert_eq!(pr.rows[0].spend_inheritance_fen, 15_000);
        assert_eq!(pr.rows[0].owed_fen, 15_000);
        assert_eq!(pr.rows[0].pool_fen, 0);
    }

    #[test]
    fn the_pool_moves_only_by_the_interest_gap_and_pensions_beyond_accounts() {
        // Young contributors whose accounts never run out: at a crediting rate of 0 the pool
        // gains exactly the banks' interest; at 3% with a bank yield of 1% it loses the gap; with
        // both at 3% it gains only the banks' interest on the year's contributions, which are
        // credited from the next year. No finding speaks of exhausted accounts.
        let people: Vec<Insured> = (0..50)
            .map(|i| insured(i, "1985-06-01", 100_000, 20_000, i % 5 == 0))
            .collect();
        let s = snapshot(people, vec![]);
        for (rate, fund_yield) in [("0", 0.01), ("0.03", 0.01), ("0.03", 0.03)] {
            let mut o = Options::new(20, "t");
            o.fund_yield = Some(fund_yield);
            let pr = project(&policies(rate), &s, &flat(0.002), &o).unwrap();
            let mut pool = pr.opening.pool_fen;
            for r in &pr.rows {
                assert_eq!(r.spend_beyond_account_fen, 0);
                let moved = r.income_interest_fen - r.credited_interest_fen;
                assert!(
                    (r.pool_fen - (pool + moved)).abs() <= 3,
                    "{rate}/{fund_yield}: {r:?}"
                );
                assert!((r.balance_fen - (r.accounts_fen + r.owed_fen + r.pool_fen)).abs() <= 2);
                match (rate, fund_yield) {
                    ("0", _) => assert_eq!(r.credited_interest_fen, 0),
                    (_, y) if y < 0.02 => assert!(moved < 0, "{r:?}"),
                    _ => assert!(moved > 0 && moved < r.income_interest_fen / 5, "{r:?}"),
                }
                pool = r.pool_fen;
            }
            let text = pr.findings.join("\n");
            assert!(
                !text.contains("用尽后继续发放的账户养老金由统筹部分支付"),
                "{text}"
            );
            assert!(text.contains("预测期内没有个人账户用尽"), "{text}");
            if fund_yield < 0.02 && rate != "0" {
                assert!(
                    text.contains("转为负数")
                        && text.contains("银行利息收入比记入个人账户的记账利息少"),
                    "{text}"
                );
            } else {
                assert!(!text.contains("转为负数"), "{text}");
            }
        }
    }

    #[test]
    fn the_pool_pays_pensions_only_once_an_account_is_spent() {
        // 12 months of 1,000 fen from 5,000: the account pays 5,000, the pool 7,000 in the first
        // year, and the finding says so.
        let r = Recipient {
            id: 1,
            birth: d("1950-03-01"),
            sex: Sex::Male,
            account_pension_fen: 1_000,
            subsidy_fen: 0,
            balance_fen: 5_000,
        };
        let s = snapshot(vec![], vec![r]);
        let pr = project(&policies("0"), &s, &flat(0.0), &Options::new(2, "t")).unwrap();
        assert_eq!(pr.rows[0].spend_beyond_account_fen, 7_000);
        assert_eq!(pr.rows[0].pool_fen, -7_000);
        assert_eq!(pr.rows[1].spend_beyond_account_fen, 12_000);
        let text = pr.findings.join("\n");
        assert!(text.contains("统筹部分在 2024 年末转为负数（-70.00 元）：基期以来个人账户用尽后继续发放的账户养老金由统筹部分支付 70.00 元"), "{text}");
        assert!(text.contains("自 2024 年起由统筹部分支付"), "{text}");
    }

    #[test]
    fn benefits_start_the_month_after_the_birthday() {
        // Born in April 1959: 65 in April 2024, paid from May: 8 months; 2 years required
        // (launched 2020 with the reduced-years rule: at most min_contribution_years), 3 held.
        let s = snapshot(
            vec![insured(1, "1959-04-10", 100_000, 20_000, false)],
            vec![],
        );
        let pr = project(&policies("0"), &s, &flat(0.0), &Options::new(2, "t")).unwrap();
        // Balance at the award: 100,000 + 25,000; pension 1,250 a month; exit 20 + 4 yuan.
        assert_eq!(pr.rows[0].new_recipients, 1);
        assert_eq!(pr.rows[0].spend_account_pension_fen, 8 * 1_250);
        assert_eq!(pr.rows[0].spend_exit_subsidy_fen, 8 * 2_400);
        assert_eq!(pr.rows[0].income_back_pay_fen, 0);
        assert_eq!(pr.rows[1].spend_account_pension_fen, 12 * 1_250);
        assert_eq!(pr.rows[1].contributors, 0);
    }
}
