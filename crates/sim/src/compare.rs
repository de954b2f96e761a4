//! Cases side by side, and the report's three comparisons (section 七(二)) as presets whose
//! conclusions are computed, not written in.

use serde::Serialize;
use yanglao_policy::Scenario;

use crate::mortality::Sex;
use crate::person::{simulate, Assumptions, PersonCase, PersonResult, SchemeChoice, TierChoice};
use crate::{age_zh, yuan, Policies, Result, SimError};

/// The shipped finer-tier scenario (`scenarios/finer-tiers.toml`).
pub const FINER_TIERS: &str = include_str!("../../../scenarios/finer-tiers.toml");
/// The shipped reform scenario (`scenarios/reform-2027.toml`).
pub const REFORM_2027: &str = include_str!("../../../scenarios/reform-2027.toml");

/// A conclusion drawn from the figures, and whether the figures bear it out.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub key: &'static str,
    pub holds: bool,
    pub text: String,
}

/// Cases side by side with what they show.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub key: String,
    pub title: String,
    pub results: Vec<PersonResult>,
    pub findings: Vec<Finding>,
}

/// The presets: the report's three comparisons.
pub const PRESETS: &[(&str, &str)] = &[
    ("same-money", "基本险与“基本险+补充险”（同等缴费）"),
    ("tiers", "补充险各缴费档次及细化档次"),
    ("flexible", "“基本险+补充险”最高档与灵活就业最低档"),
];

fn case(
    label: &str,
    scheme: SchemeChoice,
    tier: TierChoice,
    supp: TierChoice,
    start_age: u32,
    sex: Sex,
    start_year: i32,
) -> PersonCase {
    PersonCase {
        label: label.to_string(),
        scheme,
        tier,
        supplementary_tier: supp,
        base_ratio: None,
        years: 15,
        start_age,
        sex,
        start_year,
    }
}

/// First age from which `b`'s cumulative benefits stay at or above `a`'s, after having been
/// below them (the long-run advantage of `b`); `None` if `b` never falls behind or never
/// catches up.
pub fn crossover_age(a: &PersonResult, b: &PersonResult) -> Option<u32> {
    let rows: Vec<(u32, i64)> = a
        .cumulative
        .iter()
        .zip(&b.cumulative)
        .map(|(x, y)| (x.age, y.benefits_fen - x.benefits_fen))
        .collect();
    let behind = rows.iter().position(|(_, d)| *d < 0)?;
    let last_behind = rows.iter().rposition(|(_, d)| *d < 0)?;
    if last_behind + 1 >= rows.len() || behind > last_behind {
        return None;
    }
    Some(rows[last_behind + 1].0)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("无".into(), |r| format!("{:.2}%", r * 100.0))
}

fn break_even(r: &PersonResult) -> String {
    r.break_even_months.map_or("不回本".into(), age_zh)
}

/// The first comparison: the basic scheme alone against basic + supplementary for the same money.
pub fn same_money(p: &Policies, a: &Assumptions, start_year: i32) -> Result<Comparison> {
    let basic = simulate(
        p,
        &case(
            "单缴基本险 700 元/年",
            SchemeChoice::Basic,
            TierChoice::Fen(70000),
            TierChoice::Min,
            45,
            Sex::Male,
            start_year,
        ),
        a,
    )?;
    let pair = simulate(
        p,
        &case(
            "基本险 500 元 + 补充险 200 元/年",
            SchemeChoice::BasicSupplementary,
            TierChoice::Fen(50000),
            TierChoice::Fen(20000),
            45,
            Sex::Male,
            start_year,
        ),
        a,
    )?;
    let same = basic.total_contribution_fen == pair.total_contribution_fen;
    let cross = crossover_age(&basic, &pair);
    let mut findings = vec![Finding {
        key: "same-money",
        holds: same,
        text: format!(
            "两种方案缴费相同：各缴 {} 元（{} 年）",
            yuan(basic.total_contribution_fen),
            basic.years
        ),
    }];
    let short_loss = basic
        .cumulative
        .iter()
        .zip(&pair.cumulative)
        .any(|(x, y)| y.benefits_fen < x.benefits_fen);
    findings.push(Finding {
        key: "short-run-disadvantage-long-run-advantage",
        holds: short_loss && cross.is_some(),
        text: match cross {
            Some(age) => format!(
                "“基本险+补充险”短期劣势、长期优势：60 岁起每月 {} 元，比单缴基本险的 {} 元少；{} 岁起补充险开始领取后每月 {} 元，累计领取额在 {age} 岁时反超单缴基本险",
                yuan(pair.parts[0].monthly_benefit_fen),
                yuan(basic.monthly_benefit_fen),
                pair.parts[1].benefit_age,
                yuan(pair.monthly_benefit_fen),
            ),
            None if !short_loss => format!(
                "“基本险+补充险”没有短期劣势：自 {} 岁起每月 {} 元，任何年龄的累计领取额都不少于单缴基本险（每月 {} 元）",
                pair.benefit_age,
                yuan(pair.monthly_benefit_fen),
                yuan(basic.monthly_benefit_fen)
            ),
            None => "“基本险+补充险”在所测年龄内始终少于单缴基本险，没有长期优势".to_string(),
        },
    });
    Ok(Comparison {
        key: "same-money".into(),
        title: "基本险与“基本险+补充险”（同等缴费 15 年）".into(),
        results: vec![basic, pair],
        findings,
    })
}

/// The largest step in monthly benefit between adjacent tiers, with the tiers it lies between.
fn largest_step(results: &[PersonResult]) -> (i64, String) {
    results
        .windows(2)
        .map(|w| {
            (
                w[1].monthly_benefit_fen - w[0].monthly_benefit_fen,
                format!(
                    "{} → {}",
                    w[0].parts[0].tier_label, w[1].parts[0].tier_label
                ),
            )
        })
        .max_by_key(|(d, _)| *d)
        .unwrap_or((0, String::new()))
}

/// The second comparison: what each supplementary tier returns, and what finer tiers would give.
pub fn tiers(
    p: &Policies,
    finer: &Scenario,
    a: &Assumptions,
    start_year: i32,
) -> Result<Comparison> {
    // Every tier in force in `year`, 15 years from 50.
    let run_all = |pol: &Policies, year: i32, suffix: &str| -> Result<Vec<PersonResult>> {
        let date = chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
        let tiers = pol
            .supplementary
            .supplementary(&pol.region, date)
            .map_err(|e| SimError::new("E-SIM-POLICY", e.to_string()))?
            .tiers;
        tiers
            .iter()
            .map(|t| {
                let label = format!("补充险 {} 元/年{suffix}", yuan(t.contribution_fen));
                let tier = TierChoice::Fen(t.contribution_fen);
                let c = case(
                    &label,
                    SchemeChoice::Supplementary,
                    tier,
                    TierChoice::Min,
                    50,
                    Sex::Male,
                    year,
                );
                simulate(pol, &c, a)
            })
            .collect()
    };
    let current = run_all(p, start_year, "")?;
    // The finer tiers from the year they would apply.
    let finer_year = finer
        .earliest_change()
        .map_or(start_year, |d| chrono::Datelike::year(&d))
        .max(start_year);
    let finer_results = run_all(&p.with_scenario(finer), finer_year, "（细化档次）")?;
    let lowest_best = current.first().is_some_and(|low| {
        current
            .iter()
            .all(|r| r.irr.unwrap_or(-1.0) <= low.irr.unwrap_or(-1.0) + 1e-12)
    });
    let returns: Vec<String> = current
        .iter()
        .map(|r| {
            format!(
                "{}：月领 {} 元，内部收益率 {}，{} 回本",
                r.parts[0].tier_label,
                yuan(r.monthly_benefit_fen),
                pct(r.irr),
                break_even(r)
            )
        })
        .collect();
    let (now_step, now_between) = largest_step(&current);
    let (finer_step, finer_between) = largest_step(&finer_results);
    let findings = vec![
        Finding {
            key: "lowest-tier-best-return",
            holds: lowest_best,
            text: format!("各档次回报：{}。最低档补贴比例最高、待遇补贴固定，回报率最高", returns.join("；")),
        },
        Finding {
            key: "finer-tiers-narrow-gaps",
            holds: finer_step < now_step,
            text: format!(
                "现行档次相邻两档月领取额最大相差 {} 元（{now_between}）；细化档次后最大相差 {} 元（{finer_between}），居民可按承受能力选择中间档次",
                yuan(now_step),
                yuan(finer_step)
            ),
        },
    ];
    let mut results = current;
    results.extend(finer_results);
    Ok(Comparison {
        key: "tiers".into(),
        title: "补充险各缴费档次及细化档次（50 岁起缴 15 年）".into(),
        results,
        findings,
    })
}

/// The third comparison: basic + supplementary at their highest tiers against flexible
/// employment at its lowest base, 15 years each, for a man from 45 and a woman from 40.
pub fn flexible(p: &Policies, a: &Assumptions, start_year: i32) -> Result<Comparison> {
    let mut results = Vec::new();
    let mut findings = Vec::new();
    for (sex, age) in [(Sex::Male, 45), (Sex::Female, 40)] {
        let pair = simulate(
            p,
            &case(
                &format!("基本险+补充险最高档（{}，{age} 岁起）", sex.zh()),
                SchemeChoice::BasicSupplementary,
                TierChoice::Max,
                TierChoice::Max,
                age,
                sex,
                start_year,
            ),
            a,
        )?;
        let flex_case = case(
            &format!("灵活就业最低档（{}，{age} 岁起）", sex.zh()),
            SchemeChoice::Flexible,
            TierChoice::Min,
            TierChoice::Min,
            age,
            sex,
            start_year,
        );
        let flex = simulate(p, &flex_case, a)?;
        let earlier = flex.benefit_age < pair.parts[1].benefit_age;
        let better_irr = flex.irr.unwrap_or(-1.0) > pair.irr.unwrap_or(-1.0);
        let sooner = match (flex.break_even_months, pair.break_even_months) {
            (Some(f), Some(q)) => f < q,
            (Some(_), None) => true,
            _ => false,
        };
        findings.push(Finding {
            key: if sex == Sex::Male { "flexible-wins-male" } else { "flexible-wins-female" },
            holds: earlier && better_irr && sooner,
            text: format!(
                "{}：灵活就业 {} 岁起领取，月领 {} 元，内部收益率 {}，{} 回本；“基本险+补充险”最高档 {} 岁起领基本险、{} 岁起领补充险，月领 {} 元，内部收益率 {}，{} 回本",
                sex.zh(),
                flex.benefit_age,
                yuan(flex.monthly_benefit_fen),
                pct(flex.irr),
                break_even(&flex),
                pair.parts[0].benefit_age,
                pair.parts[1].benefit_age,
                yuan(pair.monthly_benefit_fen),
                pct(pair.irr),
                break_even(&pair),
            ),
        });
        results.push(pair);
        results.push(flex);
    }
    Ok(Comparison {
        key: "flexible".into(),
        title: "“基本险+补充险”最高档与灵活就业最低档（各缴 15 年）".into(),
        results,
        findings,
    })
}

/// A preset by key.
pub fn preset(key: &str, p: &Policies, a: &Assumptions, start_year: i32) -> Result<Comparison> {
    match key {
        "same-money" => same_money(p, a, start_year),
        "tiers" => {
            let finer =
                yanglao_policy::parse_scenario_str(FINER_TIERS).expect("shipped scenario is valid");
            tiers(p, &finer, a, start_year)
        }
        "flexible" => flexible(p, a, start_year),
        other => Err(SimError::new(
            "E-SIM-PRESET",
            format!(
                "未知的比较方案“{other}”，可选：{}",
                PRESETS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )),
    }
}

/// Cases given one by one, side by side; with a scenario, each case again under it.
pub fn cases(
    p: &Policies,
    cases: &[PersonCase],
    scenario: Option<&Scenario>,
    a: &Assumptions,
) -> Result<Comparison> {
    let mut results = Vec::new();
    for c in cases {
        results.push(simulate(p, c, a)?);
        if let Some(s) = scenario {
            let mut twin = c.clone();
            twin.label = format!("{}（{}）", c.label, s.name);
            results.push(simulate(&p.with_scenario(s), &twin, a)?);
        }
    }
    Ok(Comparison {
        key: "cases".into(),
        title: "自定义比较".into(),
        results,
        findings: Vec::new(),
    })
}

/// The effect of a scenario on one resident: the case before and after.
pub fn reform_effect(
    p: &Policies,
    scenario: &Scenario,
    c: &PersonCase,
    a: &Assumptions,
) -> Result<Comparison> {
    let before = simulate(p, c, a)?;
    let mut twin = c.clone();
    twin.label = format!("{}（{}）", c.label, scenario.name);
    let after = simulate(&p.with_scenario(scenario), &twin, a)?;
    let findings = vec![Finding {
        key: "reform-effect",
        holds: true,
        text: format!(
            "{}：领取年龄 {} → {} 岁，月领 {} → {} 元，内部收益率 {} → {}，回本 {} → {}",
            c.label,
            before.benefit_age,
            after.benefit_age,
            yuan(before.monthly_benefit_fen),
            yuan(after.monthly_benefit_fen),
            pct(before.irr),
            pct(after.irr),
            break_even(&before),
            break_even(&after)
        ),
    }];
    Ok(Comparison {
        key: "reform".into(),
        title: format!("情景对居民的影响：{}", scenario.name),
        results: vec![before, after],
        findings,
    })
}
