//! The report's three conclusions (section 七(二)), drawn from the shipped parameters.

use yanglao_sim::compare::{self, crossover_age};
use yanglao_sim::mortality::Mortality;
use yanglao_sim::person::{Assumptions, Life};
use yanglao_sim::Policies;

fn policies() -> Policies {
    Policies::shipped("140302")
}

fn print(c: &compare::Comparison) {
    for f in &c.findings {
        println!("[{}] {} {}", c.key, if f.holds { "✓" } else { "✗" }, f.text);
    }
}

#[test]
fn basic_plus_supplementary_loses_short_run_and_wins_long_run() {
    let a = Assumptions::default();
    let c = compare::same_money(&policies(), &a, 2026).unwrap();
    print(&c);
    let (basic, pair) = (&c.results[0], &c.results[1]);
    assert_eq!(basic.total_contribution_fen, pair.total_contribution_fen);
    // Short run: from 60 to 64 the pair pays less a month (its supplementary part starts at 65).
    assert_eq!((basic.benefit_age, pair.parts[1].benefit_age), (60, 65));
    assert!(pair.parts[0].monthly_benefit_fen < basic.monthly_benefit_fen);
    // Long run: once both pay, the pair pays more, and its cumulative benefits overtake.
    assert!(pair.monthly_benefit_fen > basic.monthly_benefit_fen);
    let age = crossover_age(basic, pair).expect("the pair catches up");
    assert!((66..=80).contains(&age), "{age}");
    let at = |r: &yanglao_sim::person::PersonResult, age: u32| {
        r.cumulative
            .iter()
            .find(|x| x.age == age)
            .unwrap()
            .benefits_fen
    };
    assert!(at(pair, age - 1) < at(basic, age - 1) && at(pair, age) >= at(basic, age));
    assert!(at(pair, 64) < at(basic, 64));
    assert!(c.findings.iter().all(|f| f.holds));
}

#[test]
fn what_each_tier_returns_and_what_finer_tiers_give() {
    let a = Assumptions::default();
    let c = compare::preset("tiers", &policies(), &a, 2026).unwrap();
    print(&c);
    assert_eq!(c.results.len(), 5 + 10);
    // The lowest tier returns the most per yuan paid.
    let irrs: Vec<f64> = c.results[..5].iter().map(|r| r.irr.unwrap()).collect();
    assert!(irrs.windows(2).all(|w| w[0] > w[1]), "{irrs:?}");
    // Monthly benefits rise with the tier, and finer tiers narrow the largest step.
    assert!(c.results[..5]
        .windows(2)
        .all(|w| w[0].monthly_benefit_fen < w[1].monthly_benefit_fen));
    assert!(c.findings.iter().all(|f| f.holds));
}

#[test]
fn flexible_employment_at_its_lowest_base_beats_the_pair_at_its_highest_tiers() {
    for a in [
        Assumptions::default(),
        Assumptions {
            life: Life::Table(Mortality::illustrative()),
            ..Assumptions::default()
        },
    ] {
        let c = compare::flexible(&policies(), &a, 2026).unwrap();
        print(&c);
        for pair_flex in c.results.chunks(2) {
            let (pair, flex) = (&pair_flex[0], &pair_flex[1]);
            assert!(flex.benefit_age < pair.parts[1].benefit_age);
            assert!(
                flex.irr.unwrap() > pair.irr.unwrap(),
                "{:?} {:?}",
                flex.irr,
                pair.irr
            );
            assert!(flex.break_even_months.unwrap() < pair.break_even_months.unwrap());
        }
        assert!(c.findings.iter().all(|f| f.holds));
    }
}
