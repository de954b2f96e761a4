//! What one resident pays and receives under a scheme.
//!
//! The model (docs/SIMULATOR.md): the resident is born on 1 January, `start_age` years before
//! 1 January of `start_year`, and contributes once a year on 1 January for `years` years. Each
//! year's contribution and entry subsidy go into the individual account, which is credited a
//! year's interest at that year's rate at the end of each year until benefits start. Every
//! parameter is read on the date it applies (a scenario's reform applies from its date). A
//! scheme's benefits start at the age in force when the resident reaches it and are paid monthly
//! for life at the amount fixed then; the account pension continues once the account is spent
//! (as the residents' schemes do). Benefits are compared with what the resident paid
//! (subsidies are the government's money, not the resident's).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use yanglao_policy::{yearly_interest_fen, Tier};

use crate::cashflow::{irr, npv, Flow};
use crate::mortality::{Mortality, Sex};
use crate::{round_fen, Policies, Result, SimError};

/// Which scheme (or pair of schemes) the resident joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SchemeChoice {
    #[serde(rename = "basic")]
    Basic,
    #[serde(rename = "supplementary")]
    Supplementary,
    #[serde(rename = "basic+supplementary")]
    BasicSupplementary,
    #[serde(rename = "flexible")]
    Flexible,
}

impl SchemeChoice {
    pub fn parse(s: &str) -> Option<SchemeChoice> {
        match s {
            "basic" => Some(SchemeChoice::Basic),
            "supplementary" => Some(SchemeChoice::Supplementary),
            "basic+supplementary" => Some(SchemeChoice::BasicSupplementary),
            "flexible" => Some(SchemeChoice::Flexible),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            SchemeChoice::Basic => "城乡居民基本养老保险",
            SchemeChoice::Supplementary => "城乡居民补充养老保险",
            SchemeChoice::BasicSupplementary => "基本险+补充险",
            SchemeChoice::Flexible => "灵活就业人员职工养老保险",
        }
    }
}

/// A tier: the lowest or highest in force, or an amount a year in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TierChoice {
    Min,
    Max,
    Fen(i64),
}

impl TierChoice {
    /// `min`, `max` or an amount in yuan (`500`, `500.00`).
    pub fn parse(s: &str) -> Option<TierChoice> {
        match s.trim() {
            "min" => Some(TierChoice::Min),
            "max" => Some(TierChoice::Max),
            other => {
                let d: Decimal = other.parse().ok()?;
                let fen = d * Decimal::from(100);
                (fen.fract().is_zero() && fen > Decimal::ZERO)
                    .then(|| TierChoice::Fen(round_fen(fen)))
            }
        }
    }

    fn pick<'a>(self, tiers: &'a [Tier], what: &str, date: NaiveDate) -> Result<&'a Tier> {
        let found = match self {
            TierChoice::Min => tiers.iter().min_by_key(|t| t.contribution_fen),
            TierChoice::Max => tiers.iter().max_by_key(|t| t.contribution_fen),
            TierChoice::Fen(f) => tiers.iter().find(|t| t.contribution_fen == f),
        };
        found.ok_or_else(|| {
            let list: Vec<String> = tiers
                .iter()
                .map(|t| crate::yuan(t.contribution_fen))
                .collect();
            SimError::new(
                "E-SIM-TIER",
                format!(
                    "{what}在 {date} 没有所选缴费档次{}：当时的档次为 {} 元",
                    match self {
                        TierChoice::Fen(f) => format!(" {} 元", crate::yuan(f)),
                        _ => String::new(),
                    },
                    list.join("、")
                ),
            )
        })
    }
}

/// How long the resident lives, for the rate of return and present value.
#[derive(Debug, Clone, PartialEq)]
pub enum Life {
    /// Dies at exactly this age.
    Expectancy(u32),
    /// Expected values over a life table.
    Table(Mortality),
}

/// One resident to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonCase {
    pub label: String,
    pub scheme: SchemeChoice,
    /// The tier of the scheme; with `BasicSupplementary`, the basic scheme's tier.
    pub tier: TierChoice,
    /// The supplementary tier with `BasicSupplementary`.
    pub supplementary_tier: TierChoice,
    /// Flexible employment: the contribution base as a fraction of the average wage (0.6–3).
    pub base_ratio: Option<Decimal>,
    pub years: u32,
    pub start_age: u32,
    pub sex: Sex,
    pub start_year: i32,
}

impl PersonCase {
    pub fn new(
        scheme: SchemeChoice,
        years: u32,
        start_age: u32,
        sex: Sex,
        start_year: i32,
    ) -> PersonCase {
        PersonCase {
            label: scheme.zh().to_string(),
            scheme,
            tier: TierChoice::Min,
            supplementary_tier: TierChoice::Min,
            base_ratio: None,
            years,
            start_age,
            sex,
            start_year,
        }
    }
}

/// Life and discounting assumptions shared by the cases of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumptions {
    pub life: Life,
    /// Yearly discount rate for the present value (0.03 = 3%).
    pub discount_rate: f64,
    /// The last age of the cumulative table and chart.
    pub table_to_age: u32,
}

impl Default for Assumptions {
    fn default() -> Assumptions {
        Assumptions {
            life: Life::Expectancy(DEFAULT_LIFE_EXPECTANCY),
            discount_rate: 0.03,
            table_to_age: 100,
        }
    }
}

/// The default stated life expectancy (China's life expectancy at birth in 2023: 79 years).
pub const DEFAULT_LIFE_EXPECTANCY: u32 = 79;

/// One year of an account before benefits.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountYear {
    pub year: i32,
    pub age: u32,
    /// Paid by the resident this year.
    pub contribution_fen: i64,
    /// Entry subsidy (or, in the employee scheme, nothing: the employer part goes to the pool).
    pub subsidy_fen: i64,
    /// Credited to the account (the employee scheme credits only part of the contribution).
    pub credited_fen: i64,
    pub interest_fen: i64,
    pub balance_fen: i64,
}

/// One monthly benefit component.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Component {
    pub name: String,
    pub monthly_fen: i64,
}

/// One scheme's part of the result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Part {
    pub scheme: &'static str,
    pub scheme_zh: &'static str,
    /// Yuan a year, or the base as a fraction of the average wage for flexible employment.
    pub tier_label: String,
    pub benefit_age: u32,
    pub account_balance_at_benefit_age_fen: i64,
    pub divisor: u32,
    pub components: Vec<Component>,
    pub monthly_benefit_fen: i64,
    /// Paid once at death (丧葬补助金), 0 when the scheme has none.
    pub funeral_subsidy_fen: i64,
    pub years: Vec<AccountYear>,
}

impl Part {
    /// The individual-account pension of the monthly benefit (0 when there is none).
    pub fn account_pension_fen(&self) -> i64 {
        self.components
            .iter()
            .find(|c| c.name.contains("个人账户"))
            .map_or(0, |c| c.monthly_fen)
    }

    /// What is left in this scheme's account at an age given in months, for someone who started
    /// contributing at `start_age`: before benefits, the last year-end balance plus what was
    /// credited since; after, the balance at the start less the account pensions drawn (not below
    /// zero).
    pub fn left_at(&self, start_age: u32, age_months: u32) -> i64 {
        let start = self.benefit_age * 12;
        if age_months >= start {
            let drawn = self.account_pension_fen() * i64::from(age_months - start);
            return (self.account_balance_at_benefit_age_fen - drawn).max(0);
        }
        let year = (age_months / 12).saturating_sub(start_age) as usize;
        let before = year
            .checked_sub(1)
            .and_then(|i| self.years.get(i))
            .map_or(0, |y| y.balance_fen);
        let since = if !age_months.is_multiple_of(12) {
            self.years.get(year).map_or(0, |y| y.credited_fen)
        } else {
            0
        };
        before + since
    }
}

/// Cumulative amounts at the end of an age (as if alive).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgeRow {
    pub age: u32,
    pub contributions_fen: i64,
    pub benefits_fen: i64,
    pub net_fen: i64,
}

/// What a resident pays and receives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PersonResult {
    pub label: String,
    pub scheme: SchemeChoice,
    pub sex: Sex,
    pub start_age: u32,
    pub start_year: i32,
    pub years: u32,
    /// What the resident paid in total.
    pub total_contribution_fen: i64,
    /// Government entry subsidies credited to the accounts.
    pub total_subsidy_fen: i64,
    /// Balance of all accounts when each scheme's benefits start (sum over schemes).
    pub account_balance_at_benefit_age_fen: i64,
    /// The earliest age at which a benefit starts.
    pub benefit_age: u32,
    /// The monthly benefit once every scheme pays.
    pub monthly_benefit_fen: i64,
    pub parts: Vec<Part>,
    /// Age (in years, to the month) at which cumulative benefits first reach what was paid;
    /// `None` if not before the table's last age.
    pub break_even_age: Option<f64>,
    pub break_even_months: Option<u32>,
    pub life: String,
    /// Yearly internal rate of return (a fraction); `None` when nothing comes back.
    pub irr: Option<f64>,
    pub discount_rate: f64,
    pub present_value_contributions_fen: i64,
    pub present_value_benefits_fen: i64,
    pub net_present_value_fen: i64,
    /// Benefits received over the stated life (expected values with a table).
    pub lifetime_benefits_fen: i64,
    /// What is left in the accounts at death (inheritable; expected with a table). Not counted
    /// in the rate of return.
    pub inheritable_at_death_fen: i64,
    pub cumulative: Vec<AgeRow>,
}

fn jan1(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year")
}

fn policy_err(e: yanglao_policy::PolicyError) -> SimError {
    SimError::new("E-SIM-POLICY", format!("政策参数无法取得：{e}"))
}

/// A residents' scheme (basic or supplementary) read for one date.
struct Resident {
    benefit_age: u32,
    min_years: u32,
    tiers: Vec<Tier>,
    rate: Decimal,
}

fn resident_params(p: &Policies, basic: bool, date: NaiveDate) -> Result<Resident> {
    if basic {
        let b = p.basic.basic(&p.region, date).map_err(policy_err)?;
        Ok(Resident {
            benefit_age: b.benefit_age,
            min_years: b.min_contribution_years,
            tiers: b.tiers,
            rate: b.credit_interest_rate,
        })
    } else {
        let s = p
            .supplementary
            .supplementary(&p.region, date)
            .map_err(policy_err)?;
        Ok(Resident {
            benefit_age: s.benefit_age,
            min_years: s.min_contribution_years,
            tiers: s.tiers,
            rate: s.credit_interest_rate,
        })
    }
}

/// The age at which benefits start: the first age at or above the benefit age in force on the
/// birthday it is reached.
fn start_age_of(
    birth_year: i32,
    from_age: u32,
    age_at: impl Fn(NaiveDate) -> Result<u32>,
) -> Result<u32> {
    for age in from_age..=130 {
        if age >= age_at(jan1(birth_year + age as i32))? {
            return Ok(age);
        }
    }
    Err(SimError::new(
        "E-SIM-POLICY",
        "政策参数中的领取年龄超过 130 岁",
    ))
}

fn check_years(c: &PersonCase, benefit_age: u32, min_years: u32, what: &str) -> Result<()> {
    if c.start_age + c.years > benefit_age {
        return Err(SimError::new(
            "E-SIM-YEARS",
            format!(
                "{what}：从 {} 岁起缴费 {} 年会缴到 {} 岁，超过了 {benefit_age} 岁的领取年龄（缴费须在领取年龄前完成）",
                c.start_age,
                c.years,
                c.start_age + c.years
            ),
        ));
    }
    if c.years < min_years {
        return Err(SimError::new(
            "E-SIM-YEARS",
            format!(
                "{what}：缴费 {} 年不足最低缴费年限 {min_years} 年（过渡期办法不在测算范围内）",
                c.years
            ),
        ));
    }
    Ok(())
}

fn resident_part(p: &Policies, c: &PersonCase, basic: bool, tier: TierChoice) -> Result<Part> {
    let birth_year = c.start_year - c.start_age as i32;
    let (scheme, scheme_zh) = if basic {
        ("basic", "城乡居民基本养老保险")
    } else {
        ("supplementary", "城乡居民补充养老保险")
    };
    let benefit_age = start_age_of(birth_year, c.start_age, |d| {
        Ok(resident_params(p, basic, d)?.benefit_age)
    })?;
    let start_date = jan1(birth_year + benefit_age as i32);
    let at_start = resident_params(p, basic, start_date)?;
    check_years(c, benefit_age, at_start.min_years, scheme_zh)?;
    let mut balance = 0i64;
    let mut years = Vec::new();
    let mut tier_label = String::new();
    for k in 0..(benefit_age - c.start_age) {
        let year = c.start_year + k as i32;
        let params = resident_params(p, basic, jan1(year))?;
        let (contribution, subsidy) = if k < c.years {
            let t = tier.pick(&params.tiers, scheme_zh, jan1(year))?;
            if k == 0 {
                tier_label = format!("{} 元/年", crate::yuan(t.contribution_fen));
            }
            (t.contribution_fen, t.entry_subsidy_fen)
        } else {
            (0, 0)
        };
        balance += contribution + subsidy;
        let interest = yearly_interest_fen(balance, params.rate);
        balance += interest;
        years.push(AccountYear {
            year,
            age: c.start_age + k,
            contribution_fen: contribution,
            subsidy_fen: subsidy,
            credited_fen: contribution + subsidy,
            interest_fen: interest,
            balance_fen: balance,
        });
    }
    let mut components = Vec::new();
    let (divisor, funeral) = if basic {
        let b = p.basic.basic(&p.region, start_date).map_err(policy_err)?;
        let divisor = b.annuity_divisor.max(1);
        components.push(Component {
            name: "基本险个人账户养老金".into(),
            monthly_fen: round_fen(Decimal::from(balance) / Decimal::from(divisor)),
        });
        components.push(Component {
            name: "基础养老金".into(),
            monthly_fen: b.basic_pension_monthly_fen,
        });
        (divisor, 0)
    } else {
        let s = p
            .supplementary
            .supplementary(&p.region, start_date)
            .map_err(policy_err)?;
        let divisor = s.divisor_at(benefit_age).max(1);
        components.push(Component {
            name: "补充险个人账户养老金".into(),
            monthly_fen: round_fen(Decimal::from(balance) / Decimal::from(divisor)),
        });
        components.push(Component {
            name: "补充险待遇补贴（出口补）".into(),
            monthly_fen: s.exit_subsidy_monthly_fen
                + i64::from(c.years) * s.exit_subsidy_per_contribution_year_monthly_fen,
        });
        (divisor, s.funeral_subsidy_fen)
    };
    Ok(Part {
        scheme,
        scheme_zh,
        tier_label,
        benefit_age,
        account_balance_at_benefit_age_fen: balance,
        divisor,
        monthly_benefit_fen: components.iter().map(|c| c.monthly_fen).sum(),
        components,
        funeral_subsidy_fen: funeral,
        years,
    })
}

/// The employee account year by year from the start age to retirement, contributing on a base
/// of `ratio` times the average wage: the balance at retirement and the years.
fn flexible_years(
    p: &Policies,
    c: &PersonCase,
    ratio: Decimal,
    retirement: u32,
) -> Result<(i64, Vec<AccountYear>)> {
    let mut balance = 0i64;
    let mut years = Vec::new();
    for k in 0..(retirement - c.start_age) {
        let year = c.start_year + k as i32;
        let e = p
            .employee
            .employee(&p.region, jan1(year))
            .map_err(policy_err)?;
        let (contribution, credited) = if k < c.years {
            if ratio < e.base_min_ratio || ratio > e.base_max_ratio {
                return Err(SimError::new(
                    "E-SIM-BASE-RATIO",
                    format!(
                        "灵活就业缴费基数比例 {ratio} 不在 {} 年允许的 {}–{} 之间",
                        year, e.base_min_ratio, e.base_max_ratio
                    ),
                ));
            }
            let base = round_fen(ratio * Decimal::from(e.average_wage_monthly_fen));
            (
                12 * round_fen(Decimal::from(base) * e.contribution_rate),
                12 * round_fen(Decimal::from(base) * e.personal_account_rate),
            )
        } else {
            (0, 0)
        };
        balance += credited;
        let interest = yearly_interest_fen(balance, e.credit_interest_rate);
        balance += interest;
        years.push(AccountYear {
            year,
            age: c.start_age + k,
            contribution_fen: contribution,
            subsidy_fen: 0,
            credited_fen: credited,
            interest_fen: interest,
            balance_fen: balance,
        });
    }
    Ok((balance, years))
}

fn flexible_part(p: &Policies, c: &PersonCase) -> Result<Part> {
    let birth_year = c.start_year - c.start_age as i32;
    let sex = c.sex;
    let retirement = start_age_of(birth_year, c.start_age, |d| {
        let e = p.employee.employee(&p.region, d).map_err(policy_err)?;
        Ok(match sex {
            Sex::Male => e.retirement_age_male,
            Sex::Female => e.retirement_age_female,
        })
    })?;
    let start_date = jan1(birth_year + retirement as i32);
    let at_start = p
        .employee
        .employee(&p.region, start_date)
        .map_err(policy_err)?;
    check_years(
        c,
        retirement,
        at_start.min_contribution_years,
        "灵活就业人员职工养老保险",
    )?;
    let first = p
        .employee
        .employee(&p.region, jan1(c.start_year))
        .map_err(policy_err)?;
    let ratio = c.base_ratio.unwrap_or(first.base_min_ratio);
    let (balance, years) = flexible_years(p, c, ratio, retirement)?;
    let divisor = at_start.annuity_divisor(retirement).ok_or_else(|| {
        SimError::new(
            "E-SIM-POLICY",
            format!("职工养老保险参数没有 {retirement} 岁的计发月数"),
        )
    })?;
    // 基础养老金 = 退休时社平工资 × (1 + 平均缴费指数) ÷ 2 × 缴费年限 × 1%.
    let basic = round_fen(
        Decimal::from(at_start.average_wage_monthly_fen) * (Decimal::ONE + ratio)
            / Decimal::from(2)
            * Decimal::from(c.years)
            / Decimal::from(100),
    );
    let components = vec![
        Component {
            name: "职工基础养老金".into(),
            monthly_fen: basic,
        },
        Component {
            name: "职工个人账户养老金".into(),
            monthly_fen: round_fen(Decimal::from(balance) / Decimal::from(divisor)),
        },
    ];
    Ok(Part {
        scheme: "flexible",
        scheme_zh: "灵活就业人员职工养老保险",
        tier_label: format!(
            "缴费基数为社平工资的 {}%",
            (ratio * Decimal::from(100)).normalize()
        ),
        benefit_age: retirement,
        account_balance_at_benefit_age_fen: balance,
        divisor,
        monthly_benefit_fen: components.iter().map(|c| c.monthly_fen).sum(),
        components,
        funeral_subsidy_fen: at_start.funeral_subsidy_fen.unwrap_or(0),
        years,
    })
}

/// Simulates one resident.
pub fn simulate(p: &Policies, c: &PersonCase, a: &Assumptions) -> Result<PersonResult> {
    check_case(c)?;
    let parts = match c.scheme {
        SchemeChoice::Basic => vec![resident_part(p, c, true, c.tier)?],
        SchemeChoice::Supplementary => vec![resident_part(p, c, false, c.tier)?],
        SchemeChoice::BasicSupplementary => vec![
            resident_part(p, c, true, c.tier)?,
            resident_part(p, c, false, c.supplementary_tier)?,
        ],
        SchemeChoice::Flexible => vec![flexible_part(p, c)?],
    };
    let horizon_age = match &a.life {
        Life::Expectancy(l) => (*l).max(a.table_to_age),
        Life::Table(t) => {
            t.covers(c.start_age)?;
            t.last_age().max(a.table_to_age) + 1
        }
    };
    let horizon = (horizon_age.saturating_sub(c.start_age)) * 12;
    let (paid, received) = monthly(&parts, c, horizon);
    let total_contribution_fen: i64 = paid.iter().sum();
    let (cumulative, break_even) =
        cumulative_rows(c, a, &paid, &received, horizon, total_contribution_fen);
    // Expected cash flows for the rate of return and present value.
    let months = Months {
        paid: &paid,
        received: &received,
        horizon,
    };
    let over = match &a.life {
        Life::Expectancy(l) => over_expectancy(c, &parts, *l, &months),
        Life::Table(t) => over_table(c, &parts, t, &months),
    };
    let flows = over.flows;
    let pv_benefits: f64 = crate::cashflow::npv(
        &flows
            .iter()
            .filter(|f| f.fen > 0.0)
            .copied()
            .collect::<Vec<_>>(),
        a.discount_rate,
    );
    let pv_contributions: f64 = -npv(
        &flows
            .iter()
            .filter(|f| f.fen < 0.0)
            .copied()
            .collect::<Vec<_>>(),
        a.discount_rate,
    );
    let benefit_age = parts.iter().map(|p| p.benefit_age).min().unwrap_or(0);
    Ok(PersonResult {
        label: c.label.clone(),
        scheme: c.scheme,
        sex: c.sex,
        start_age: c.start_age,
        start_year: c.start_year,
        years: c.years,
        total_contribution_fen,
        total_subsidy_fen: parts
            .iter()
            .flat_map(|p| &p.years)
            .map(|y| y.subsidy_fen)
            .sum(),
        account_balance_at_benefit_age_fen: parts
            .iter()
            .map(|p| p.account_balance_at_benefit_age_fen)
            .sum(),
        benefit_age,
        monthly_benefit_fen: parts.iter().map(|p| p.monthly_benefit_fen).sum(),
        break_even_age: break_even.map(|m| (f64::from(m) / 12.0 * 100.0).round() / 100.0),
        break_even_months: break_even,
        life: over.life,
        irr: irr(&flows),
        discount_rate: a.discount_rate,
        present_value_contributions_fen: pv_contributions.round() as i64,
        present_value_benefits_fen: pv_benefits.round() as i64,
        net_present_value_fen: (pv_benefits - pv_contributions).round() as i64,
        lifetime_benefits_fen: over.lifetime,
        inheritable_at_death_fen: over.inheritable,
        cumulative,
        parts,
    })
}

/// Refuses a case with no contribution years or a start age out of range.
fn check_case(c: &PersonCase) -> Result<()> {
    if c.years == 0 {
        return Err(SimError::new("E-SIM-YEARS", "缴费年限应至少为 1 年"));
    }
    if !(16..=100).contains(&c.start_age) {
        return Err(SimError::new(
            "E-SIM-AGE",
            format!("开始缴费年龄 {} 应在 16 到 100 岁之间", c.start_age),
        ));
    }
    Ok(())
}

/// Month by month from the start age, as if alive: what is paid and what is received.
fn monthly(parts: &[Part], c: &PersonCase, horizon: u32) -> (Vec<i64>, Vec<i64>) {
    let mut paid = vec![0i64; horizon as usize + 1];
    let mut received = vec![0i64; horizon as usize + 1];
    for part in parts {
        for (k, y) in part.years.iter().enumerate() {
            paid[k * 12] += y.contribution_fen;
        }
        for m in (part.benefit_age - c.start_age) * 12..horizon {
            received[m as usize] += part.monthly_benefit_fen;
        }
    }
    (paid, received)
}

/// The cumulative amounts at the end of each age up to the table's last, and the month of age
/// at which what was received first reaches what was paid.
fn cumulative_rows(
    c: &PersonCase,
    a: &Assumptions,
    paid: &[i64],
    received: &[i64],
    horizon: u32,
    total_contribution_fen: i64,
) -> (Vec<AgeRow>, Option<u32>) {
    let mut cumulative = Vec::new();
    let (mut cum_paid, mut cum_received) = (0i64, 0i64);
    let mut break_even = None;
    for m in 0..horizon {
        cum_paid += paid[m as usize];
        cum_received += received[m as usize];
        if break_even.is_none() && cum_received > 0 && cum_received >= total_contribution_fen {
            break_even = Some(c.start_age * 12 + m + 1);
        }
        if (m + 1) % 12 == 0 {
            let age = c.start_age + m / 12;
            if age <= a.table_to_age {
                cumulative.push(AgeRow {
                    age,
                    contributions_fen: cum_paid,
                    benefits_fen: cum_received,
                    net_fen: cum_received - cum_paid,
                });
            }
        }
    }
    (cumulative, break_even)
}

/// What is paid and received month by month (as if alive), up to the horizon.
struct Months<'a> {
    paid: &'a [i64],
    received: &'a [i64],
    horizon: u32,
}

/// The expected cash flows over a life, and what the life is worth.
struct OverLife {
    /// How the life was counted, in words.
    life: String,
    flows: Vec<Flow>,
    inheritable: i64,
    lifetime: i64,
}

/// Over a stated life expectancy: the resident dies at exactly that age.
fn over_expectancy(c: &PersonCase, parts: &[Part], l: u32, x: &Months<'_>) -> OverLife {
    let (paid, received, horizon) = (x.paid, x.received, x.horizon);
    let funeral: i64 = parts.iter().map(|p| p.funeral_subsidy_fen).sum();
    let mut flows = Vec::new();
    let death = l.saturating_sub(c.start_age) * 12;
    for m in 0..death.min(horizon) {
        let net = received[m as usize] - paid[m as usize];
        if net != 0 {
            flows.push(Flow {
                month: m,
                fen: net as f64,
            });
        }
    }
    if funeral > 0 && l >= c.start_age {
        flows.push(Flow {
            month: death,
            fen: funeral as f64,
        });
    }
    let inheritable: i64 = parts.iter().map(|pt| pt.left_at(c.start_age, l * 12)).sum();
    let lifetime: i64 = received[..death.min(horizon) as usize].iter().sum::<i64>()
        + if l >= c.start_age { funeral } else { 0 };
    OverLife {
        life: format!("按预期寿命 {l} 岁计算"),
        flows,
        inheritable,
        lifetime,
    }
}

/// Over a life table: every month weighed by the chance of being alive, and each year's deaths
/// leaving the funeral subsidy and the account, both counted mid-year.
fn over_table(c: &PersonCase, parts: &[Part], t: &Mortality, x: &Months<'_>) -> OverLife {
    let (paid, received, horizon) = (x.paid, x.received, x.horizon);
    let funeral: i64 = parts.iter().map(|p| p.funeral_subsidy_fen).sum();
    let mut flows = Vec::new();
    let mut expected_inheritance = 0.0;
    let mut lifetime = 0.0;
    for m in 0..horizon {
        let alive = t.survival(c.sex, c.start_age, m);
        let net = (received[m as usize] - paid[m as usize]) as f64 * alive;
        lifetime += received[m as usize] as f64 * alive;
        if net != 0.0 {
            flows.push(Flow { month: m, fen: net });
        }
        if m % 12 == 0 {
            // Deaths within this year of age: funeral subsidy and the account left,
            // both counted mid-year.
            let dying = alive * t.q(c.sex, c.start_age + m / 12);
            if dying > 0.0 {
                let mid = m + 6;
                let age_mid = c.start_age * 12 + mid;
                let left: i64 = parts
                    .iter()
                    .map(|pt| pt.left_at(c.start_age, age_mid))
                    .sum();
                expected_inheritance += dying * left as f64;
                let started = parts.iter().any(|pt| age_mid >= pt.benefit_age * 12);
                if funeral > 0 && started {
                    flows.push(Flow {
                        month: mid,
                        fen: dying * funeral as f64,
                    });
                    lifetime += dying * funeral as f64;
                }
            }
        }
    }
    OverLife {
        life: format!(
            "按生命表“{}”的期望值计算（{}，{} 岁时预期余寿 {:.1} 年）",
            t.title,
            c.sex.zh(),
            c.start_age,
            t.expectancy(c.sex, c.start_age)
        ),
        flows,
        inheritable: expected_inheritance.round() as i64,
        lifetime: lifetime.round() as i64,
    }
}

/// The cash flows behind a result's rate of return, rebuilt for checking (expectancy only).
pub fn flows_for_check(r: &PersonResult, life_expectancy: u32) -> Vec<Flow> {
    let mut flows = Vec::new();
    let death = life_expectancy.saturating_sub(r.start_age) * 12;
    for part in &r.parts {
        for (k, y) in part.years.iter().enumerate() {
            if y.contribution_fen > 0 {
                flows.push(Flow {
                    month: 12 * k as u32,
                    fen: -(y.contribution_fen as f64),
                });
            }
        }
        for m in (part.benefit_age - r.start_age) * 12..death {
            flows.push(Flow {
                month: m,
                fen: part.monthly_benefit_fen as f64,
            });
        }
        if part.funeral_subsidy_fen > 0 {
            flows.push(Flow {
                month: death,
                fen: part.funeral_subsidy_fen as f64,
            });
        }
    }
    flows
}
