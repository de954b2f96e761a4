//! Hand-worked cases for each scheme, with the arithmetic written out. The policy files here use
//! round numbers (and two contribution years) so that every figure can be checked by hand.

use rust_decimal::Decimal;
use yanglao_sim::cashflow::npv;
use yanglao_sim::mortality::{Mortality, Sex};
use yanglao_sim::person::{
    flows_for_check, simulate, Assumptions, Life, PersonCase, SchemeChoice, TierChoice,
};
use yanglao_sim::Policies;

const SUPPLEMENTARY: &str = r#"[policy]
scheme = "supplementary"
name = "测试补充险"
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
credit_interest_rate = 0.10
transitional_elderly = true
transitional_reduced_years = true
raised_exit_subsidy_monthly_fen = 0
raised_subsidy_groups = []
account_exhausted = "continue"
certification_grace_months = 3
"#;

const BASIC: &str = r#"[policy]
scheme = "basic"
name = "测试基本险"
region = "140000"

[[values]]
from = 2014-01-01
launch_date = 2014-01-01
benefit_age = 60
min_contribution_years = 2
annuity_divisor = 100
tiers = [{ contribution_fen = 10000, entry_subsidy_fen = 3000 }]
basic_pension_monthly_fen = 10000
entry_subsidy_shares = { province = 50, city = 20, county = 30 }
credit_interest_rate = 0
government_paid_tier_fen = 10000
government_paid_groups = ["低保对象"]
"#;

const EMPLOYEE: &str = r#"[policy]
scheme = "employee"
name = "测试职工"
region = "140000"

[[values]]
from = 2020-01-01
contribution_rate = 0.20
personal_account_rate = 0.08
base_min_ratio = 0.6
base_max_ratio = 3.0
average_wage_monthly_fen = 500000
retirement_age_male = 60
retirement_age_female = 55
min_contribution_years = 2
credit_interest_rate = 0
annuity_divisors = { 55 = 170, 60 = 139 }
"#;

fn policies() -> Policies {
    Policies {
        supplementary: yanglao_policy::parse_str(SUPPLEMENTARY).unwrap(),
        basic: yanglao_policy::parse_str(BASIC).unwrap(),
        employee: yanglao_policy::parse_str(EMPLOYEE).unwrap(),
        region: "140302".into(),
    }
}

fn case(scheme: SchemeChoice, start_age: u32) -> PersonCase {
    let mut c = PersonCase::new(scheme, 2, start_age, Sex::Male, 2030);
    c.tier = TierChoice::Min;
    c.supplementary_tier = TierChoice::Min;
    c
}

fn at_70() -> Assumptions {
    Assumptions {
        life: Life::Expectancy(70),
        discount_rate: 0.0,
        table_to_age: 100,
    }
}

#[test]
fn supplementary_by_hand() {
    let r = simulate(
        &policies(),
        &case(SchemeChoice::Supplementary, 63),
        &at_70(),
    )
    .unwrap();
    // Age 63 (2030): 200 yuan + 50 yuan subsidy = 25,000 fen; interest 10% = 2,500 → 27,500.
    // Age 64 (2031): 27,500 + 25,000 = 52,500; interest 5,250 → 57,750.
    let y = &r.parts[0].years;
    assert_eq!((y[0].interest_fen, y[0].balance_fen), (2_500, 27_500));
    assert_eq!((y[1].interest_fen, y[1].balance_fen), (5_250, 57_750));
    assert_eq!(r.account_balance_at_benefit_age_fen, 57_750);
    assert_eq!(r.benefit_age, 65);
    // Account pension 57,750 ÷ 100 = 577.5 → 578 (half away from zero);
    // exit subsidy 2,000 + 2 years × 100 = 2,200; monthly 2,778.
    let c = &r.parts[0].components;
    assert_eq!((c[0].monthly_fen, c[1].monthly_fen), (578, 2_200));
    assert_eq!(r.monthly_benefit_fen, 2_778);
    // Paid 2 × 20,000 = 40,000 (the subsidies are not the resident's money).
    assert_eq!(
        (r.total_contribution_fen, r.total_subsidy_fen),
        (40_000, 10_000)
    );
    // Break-even: 40,000 ÷ 2,778 = 14.4 → the 15th month of benefits: 66 years 3 months.
    assert_eq!(r.break_even_months, Some(66 * 12 + 3));
    assert_eq!(r.break_even_age, Some(66.25));
    // Dies at 70: 60 months × 2,778 = 166,680 received; with no discounting NPV = 166,680 − 40,000.
    assert_eq!(r.lifetime_benefits_fen, 166_680);
    assert_eq!(r.net_present_value_fen, 126_680);
    // Left in the account: 57,750 − 60 × 578 = 23,070 (inheritable).
    assert_eq!(r.inheritable_at_death_fen, 23_070);
    // Cumulative at the end of age 65: 12 × 2,778 = 33,336 received, 40,000 paid.
    let row = r.cumulative.iter().find(|x| x.age == 65).unwrap();
    assert_eq!(
        (row.contributions_fen, row.benefits_fen, row.net_fen),
        (40_000, 33_336, -6_664)
    );
}

#[test]
fn basic_by_hand() {
    let r = simulate(&policies(), &case(SchemeChoice::Basic, 58), &at_70()).unwrap();
    // Two years of 100 + 30 yuan at 0% interest: 26,000. Pension 26,000 ÷ 100 = 260 + basic pension 10,000.
    assert_eq!(r.account_balance_at_benefit_age_fen, 26_000);
    assert_eq!((r.benefit_age, r.monthly_benefit_fen), (60, 10_260));
    // Paid 20,000: 20,000 ÷ 10,260 = 1.95 → 2 months: 60 years 2 months.
    assert_eq!(r.break_even_months, Some(60 * 12 + 2));
    // 10 years of benefits to 70: 120 × 10,260 = 1,231,200.
    assert_eq!(r.lifetime_benefits_fen, 1_231_200);
}

#[test]
fn basic_plus_supplementary_by_hand() {
    let r = simulate(
        &policies(),
        &case(SchemeChoice::BasicSupplementary, 58),
        &at_70(),
    )
    .unwrap();
    let (basic, supp) = (&r.parts[0], &r.parts[1]);
    assert_eq!((basic.benefit_age, basic.monthly_benefit_fen), (60, 10_260));
    // Supplementary: 57,750 after two years (as above), then five more years of 10% interest
    // (ages 60–64), each rounded: 63,525; 69,878 (6,352.5 → 6,353); 76,866; 84,553; 93,008.
    let balances: Vec<i64> = supp.years.iter().map(|y| y.balance_fen).collect();
    assert_eq!(
        balances,
        vec![27_500, 57_750, 63_525, 69_878, 76_866, 84_553, 93_008]
    );
    // 93,008 ÷ 100 = 930.08 → 930, plus 2,200: 3,130 from 65.
    assert_eq!((supp.benefit_age, supp.monthly_benefit_fen), (65, 3_130));
    assert_eq!(r.monthly_benefit_fen, 13_390);
    assert_eq!(r.total_contribution_fen, 20_000 + 40_000);
    assert_eq!(r.benefit_age, 60);
    // To 70: 120 × 10,260 + 60 × 3,130 = 1,231,200 + 187,800.
    assert_eq!(r.lifetime_benefits_fen, 1_419_000);
    // Break-even: 60,000 ÷ 10,260 = 5.85 → 6 months after 60.
    assert_eq!(r.break_even_months, Some(60 * 12 + 6));
}

#[test]
fn flexible_employment_by_hand() {
    let mut c = case(SchemeChoice::Flexible, 58);
    c.base_ratio = Some(Decimal::ONE);
    let r = simulate(&policies(), &c, &at_70()).unwrap();
    // Base = 1.0 × 5,000 yuan = 500,000 fen a month; 20% = 100,000 a month, 1,200,000 a year, paid by the
    // resident; 8% = 40,000 a month, 480,000 a year, to the personal account (0% interest).
    assert_eq!(r.parts[0].years[0].contribution_fen, 1_200_000);
    assert_eq!(r.parts[0].years[0].credited_fen, 480_000);
    assert_eq!(r.total_contribution_fen, 2_400_000);
    assert_eq!(r.account_balance_at_benefit_age_fen, 960_000);
    // Man: retires at 60. Basic pension = 500,000 × (1 + 1.0) ÷ 2 × 2 years × 1% = 10,000.
    // Account pension = 960,000 ÷ 139 = 6,906.47 → 6,906.
    let c = &r.parts[0].components;
    assert_eq!((c[0].monthly_fen, c[1].monthly_fen), (10_000, 6_906));
    assert_eq!((r.benefit_age, r.monthly_benefit_fen), (60, 16_906));
    // A woman retires at 55: starting at 53 she gets 960,000 ÷ 170 = 5,647.06 → 5,647.
    let mut f = case(SchemeChoice::Flexible, 53);
    f.sex = Sex::Female;
    f.base_ratio = Some(Decimal::ONE);
    let r = simulate(&policies(), &f, &at_70()).unwrap();
    assert_eq!(
        (r.benefit_age, r.parts[0].components[1].monthly_fen),
        (55, 5_647)
    );
}

#[test]
fn irr_meets_its_definition() {
    let p = policies();
    for scheme in [
        SchemeChoice::Basic,
        SchemeChoice::Supplementary,
        SchemeChoice::BasicSupplementary,
        SchemeChoice::Flexible,
    ] {
        let r = simulate(&p, &case(scheme, 58), &at_70())
            .or_else(|_| simulate(&p, &case(scheme, 63), &at_70()))
            .unwrap();
        let irr = r.irr.expect("a rate");
        let flows = flows_for_check(&r, 70);
        let paid: f64 = flows.iter().filter(|f| f.fen < 0.0).map(|f| -f.fen).sum();
        // Net present value zero at the rate (to a millionth of what was paid) …
        assert!(
            npv(&flows, irr).abs() < paid * 1e-6,
            "{scheme:?}: {}",
            npv(&flows, irr)
        );
        // … positive below it and negative above it.
        assert!(
            npv(&flows, irr - 0.01) > 0.0 && npv(&flows, irr + 0.01) < 0.0,
            "{scheme:?}"
        );
    }
    // One by hand: pay 40,000 at 63 and 64 … the supplementary case has NPV 0 at its rate.
    let r = simulate(&p, &case(SchemeChoice::Supplementary, 63), &at_70()).unwrap();
    let by_hand: f64 = -20_000.0 - 20_000.0 / (1.0 + r.irr.unwrap())
        + (24..84)
            .map(|m| 2_778.0 / (1.0 + r.irr.unwrap()).powf(m as f64 / 12.0))
            .sum::<f64>();
    assert!(by_hand.abs() < 0.01, "{by_hand}");
}

#[test]
fn a_life_table_weights_every_month_by_survival() {
    // Half die in each year of age from 63: survival after m months = 0.5^(m/12).
    let mut text = String::from("年龄,男,女\n");
    for age in 60..=110 {
        text.push_str(&format!("{age},0.5,0.5\n"));
    }
    let table = Mortality::parse(&text, "half.csv").unwrap();
    let a = Assumptions {
        life: Life::Table(table),
        discount_rate: 0.0,
        table_to_age: 100,
    };
    let r = simulate(&policies(), &case(SchemeChoice::Supplementary, 63), &a).unwrap();
    // Expected benefits = Σ over months m ≥ 24 of 2,778 × 0.5^(m/12).
    let expected: f64 = (24..(110 - 63) * 12)
        .map(|m| 2_778.0 * 0.5f64.powf(m as f64 / 12.0))
        .sum();
    assert!(
        (r.lifetime_benefits_fen as f64 - expected).abs() <= 1.0,
        "{} {expected}",
        r.lifetime_benefits_fen
    );
    // Expected contributions: 20,000 now and 20,000 × 0.5 a year later.
    assert_eq!(r.present_value_contributions_fen, 30_000);
}

#[test]
fn impossible_cases_are_refused_with_their_codes() {
    let p = policies();
    let a = at_70();
    // Contributions running past the benefit age.
    let e = simulate(&p, &case(SchemeChoice::Supplementary, 64), &a).unwrap_err();
    assert_eq!(e.code, "E-SIM-YEARS");
    assert!(
        e.message.contains("66 岁") && e.message.contains("65 岁"),
        "{}",
        e.message
    );
    // Fewer years than the minimum.
    let mut c = case(SchemeChoice::Basic, 50);
    c.years = 1;
    assert_eq!(simulate(&p, &c, &a).unwrap_err().code, "E-SIM-YEARS");
    // A tier the scheme does not have.
    let mut c = case(SchemeChoice::Basic, 50);
    c.tier = TierChoice::Fen(12_300);
    let e = simulate(&p, &c, &a).unwrap_err();
    assert_eq!(e.code, "E-SIM-TIER");
    assert!(e.message.contains("100.00"), "{}", e.message);
    // A base outside 0.6–3.
    let mut c = case(SchemeChoice::Flexible, 50);
    c.base_ratio = Some(Decimal::new(5, 1));
    assert_eq!(simulate(&p, &c, &a).unwrap_err().code, "E-SIM-BASE-RATIO");
}
